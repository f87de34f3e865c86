package api_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"
)

// eventTarget registers the workflow an event acts on: one WAIT task w.
func (b *testBundle) eventTarget(name string) {
	b.t.Helper()
	b.createWorkflow(workflowDef(name, task("w", "WAIT")))
}

// publish registers and starts a producer whose EVENT task (sink conductor) carries input;
// its messages go to conductor:<name>:ev.
func (b *testBundle) publish(name string, input obj) string {
	b.t.Helper()
	b.createWorkflow(eventProducer(name, "conductor", input))
	return b.startWorkflow(name, nil)
}

func TestEventActionsTriggeredByEventTasks(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.eventTarget("target")

	t.Run("start_workflow", func(t *testing.T) {
		b.addHandler(eventHandler("h_start", "conductor:p_start:ev", obj{"action": "start_workflow",
			"start_workflow": obj{"name": "target", "correlationId": "${order}", "input": obj{"order": "${order}", "from": "${workflowInstanceId}"}}}))
		producer := b.publish("p_start", obj{"order": "o-7"})
		ex := b.waitEventExecutions("h_start", 1)[0]
		require.Equal(t, "COMPLETED", ex["status"], "%v", ex)
		require.Equal(t, "start_workflow", ex["action"])
		require.Equal(t, "conductor:p_start:ev", ex["event"])
		started := ex["output"].(obj)["workflowId"].(string)
		wf := b.requireWorkflowStatus(started, "RUNNING")
		require.Equal(t, "o-7", wf["correlationId"])
		in := wf["input"].(obj)
		require.Equal(t, "o-7", in["order"])
		require.Equal(t, producer, in["from"])
		require.Equal(t, ex["messageId"], in["conductor.event.messageId"])
		require.Equal(t, "conductor:p_start:ev", in["conductor.event.name"])
	})

	for _, tc := range []struct {
		action, status string
		params         obj
	}{
		{"complete_task", "COMPLETED", obj{"workflowId": "${wid}", "taskRefName": "w", "output": obj{"got": "${v}"}}},
		{"fail_task", "FAILED", obj{"workflowId": "${wid}", "taskRefName": "w", "reasonForIncompletion": "rejected: ${v}"}},
	} {
		t.Run(tc.action, func(t *testing.T) {
			target := b.startWorkflow("target", nil)
			name := "p_" + tc.action
			b.addHandler(eventHandler("h_"+tc.action, "conductor:"+name+":ev", obj{"action": tc.action, tc.action: tc.params}))
			b.publish(name, obj{"wid": target, "v": "yes"})
			wf := b.waitStatus(target, tc.status)
			w := taskByRef(t, wf, "w")
			require.Equal(t, tc.status, w["status"])
			if tc.status == "COMPLETED" {
				require.Equal(t, "yes", w["outputData"].(obj)["got"])
			} else {
				require.Equal(t, "rejected: yes", w["reasonForIncompletion"])
			}
			require.Equal(t, "COMPLETED", b.waitEventExecutions("h_"+tc.action, 1)[0]["status"])
		})
	}

	t.Run("complete_task by taskId", func(t *testing.T) {
		target := b.startWorkflow("target", nil)
		taskID := taskByRef(t, b.execution(target), "w")["taskId"].(string)
		b.addHandler(eventHandler("h_by_id", "conductor:p_by_id:ev", obj{"action": "complete_task",
			"complete_task": obj{"taskId": "${tid}"}}))
		b.publish("p_by_id", obj{"tid": taskID})
		b.waitStatus(target, "COMPLETED")
	})

	t.Run("terminate_workflow", func(t *testing.T) {
		target := b.startWorkflow("target", nil)
		b.addHandler(eventHandler("h_term", "conductor:p_term:ev", obj{"action": "terminate_workflow",
			"terminate_workflow": obj{"workflowId": "${wid}", "terminationReason": "stopped by ${who}"}}))
		b.publish("p_term", obj{"wid": target, "who": "event"})
		wf := b.waitStatus(target, "TERMINATED")
		require.Equal(t, "stopped by event", wf["reasonForIncompletion"])
	})

	t.Run("update_workflow_variables", func(t *testing.T) {
		b.createWorkflow(with(workflowDef("target_vars", task("w", "WAIT")), "variables", obj{"list": arr{"a"}}))
		target := b.startWorkflow("target_vars", nil)
		b.addHandler(eventHandler("h_vars", "conductor:p_vars:ev", obj{"action": "update_workflow_variables",
			"update_workflow_variables": obj{"workflowId": "${wid}", "variables": obj{"list": arr{"${v}"}, "n": "${v}"}, "appendArray": true}}))
		b.publish("p_vars", obj{"wid": target, "v": "b"})
		require.Equal(t, "COMPLETED", b.waitEventExecutions("h_vars", 1)[0]["status"])
		wf := b.requireWorkflowStatus(target, "RUNNING")
		require.Equal(t, obj{"list": arr{"a", "b"}, "n": "b"}, wf["variables"])
	})

	t.Run("a missing task fails the execution", func(t *testing.T) {
		b.addHandler(eventHandler("h_missing", "conductor:p_missing:ev", obj{"action": "complete_task",
			"complete_task": obj{"workflowId": "${wid}", "taskRefName": "nope"}}))
		target := b.startWorkflow("target", nil)
		b.publish("p_missing", obj{"wid": target})
		ex := b.waitEventExecutions("h_missing", 1)[0]
		require.Equal(t, "FAILED", ex["status"])
		require.Equal(t, "No task found with taskId: , reference name: nope, workflowId: "+target, ex["output"].(obj)["exception"])
		b.requireWorkflowStatus(target, "RUNNING")
	})
}

func TestEventConditionAndInactiveHandlers(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.eventTarget("target")
	start := startAction("target", nil)
	b.addHandler(with(eventHandler("h_no", "conductor:p:ev", start), "condition", "$.kind == 'yes'", "evaluatorType", "javascript"))
	b.addHandler(with(eventHandler("h_yes", "conductor:p:ev", start), "condition", "$.kind == 'no'"))
	b.addHandler(with(eventHandler("h_param", "conductor:p:ev", start), "condition", "flag", "evaluatorType", "value-param"))
	b.addHandler(with(eventHandler("h_off", "conductor:p:ev", start), "active", false))
	b.publish("p", obj{"kind": "no", "flag": false})

	yes := b.waitEventExecutions("h_yes", 1)
	require.Equal(t, "COMPLETED", yes[0]["status"])
	no := b.waitEventExecutions("h_no", 1)
	require.Equal(t, "SKIPPED", no[0]["status"])
	require.Equal(t, obj{"condition": "$.kind == 'yes'"}, no[0]["output"])
	require.Equal(t, "SKIPPED", b.waitEventExecutions("h_param", 1)[0]["status"])

	// Every message processed: the inactive handler was not given it.
	b.waitMessagesProcessed()
	require.Empty(t, b.eventExecutions("h_off"))
	var started int
	require.NoError(t, b.dbConn().QueryRow(context.Background(),
		`SELECT count(*) FROM workflows WHERE workflow_name = 'target'`).Scan(&started))
	require.Equal(t, 1, started, "only the handler whose condition held started a workflow")
}

// waitMessagesProcessed waits until no event message is pending.
func (b *testBundle) waitMessagesProcessed() {
	b.t.Helper()
	conn := b.dbConn()
	require.Eventually(b.t, func() bool {
		var n int
		err := conn.QueryRow(context.Background(), `SELECT count(*) FROM event_messages WHERE processed_at IS NULL`).Scan(&n)
		return err == nil && n == 0
	}, 15e9, 20e6)
}

func TestEventExecutionsQuery(t *testing.T) {
	t.Parallel()
	b := setup(t)
	requireStatus(t, b.do(http.MethodGet, eventPath+"/executions?size=0", nil), http.StatusOK)
	requireStatus(t, b.do(http.MethodGet, eventPath+"/executions?size=5000", nil), http.StatusBadRequest)
	requireStatus(t, b.do(http.MethodGet, eventPath+"/executions?start=-1", nil), http.StatusBadRequest)
	resp := b.do(http.MethodGet, eventPath+"/executions?event=conductor:none", nil)
	requireStatus(t, resp, http.StatusOK)
	require.Equal(t, obj{"totalHits": jsonNumber(0), "results": arr{}}, decodeObj(t, resp.Body))
}

// jsonNumber is n as decodeObj decodes it.
func jsonNumber(n int) any { return json.Number(strconv.Itoa(n)) }
