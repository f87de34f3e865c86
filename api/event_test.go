package api_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

const eventPath = "/api/event"

// eventProducer is a workflow of one EVENT task ev (sink, input) followed by a WAIT that keeps
// it running.
func eventProducer(name, sink string, input obj, kv ...any) obj {
	return workflowDef(name, with(task("ev", "EVENT", "sink", sink, "inputParameters", input), kv...), task("hold", "WAIT"))
}

// eventHandler is an active handler of event with actions.
func eventHandler(name, event string, actions ...obj) obj {
	list := make(arr, len(actions))
	for i, a := range actions {
		list[i] = a
	}
	return obj{"name": name, "event": event, "actions": list, "active": true}
}

// addHandler registers h, requiring success.
func (b *testBundle) addHandler(h obj) {
	b.t.Helper()
	requireEmptyOK(b.t, b.do(http.MethodPost, eventPath, h))
}

// eventExecutions lists the executions of handler name.
func (b *testBundle) eventExecutions(name string) []obj {
	b.t.Helper()
	resp := b.do(http.MethodGet, eventPath+"/executions?name="+name, nil)
	requireStatus(b.t, resp, http.StatusOK)
	var out []obj
	for _, e := range decodeObj(b.t, resp.Body)["results"].(arr) {
		out = append(out, e.(obj))
	}
	return out
}

// waitEventExecutions waits until handler name has n executions and returns them.
func (b *testBundle) waitEventExecutions(name string, n int) []obj {
	b.t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		list := b.eventExecutions(name)
		if len(list) >= n {
			return list
		}
		require.True(b.t, time.Now().Before(deadline), "handler %s has %d executions, want %d", name, len(list), n)
		time.Sleep(20 * time.Millisecond)
	}
}

// waitStatus waits until execution id has status.
func (b *testBundle) waitStatus(id, status string) obj {
	b.t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		wf := b.execution(id)
		if wf["status"] == status {
			return wf
		}
		require.True(b.t, time.Now().Before(deadline), "workflow %s: %s, want %s", id, summary(b.t, wf), status)
		time.Sleep(20 * time.Millisecond)
	}
}

// storedMessages returns the queue names and payloads of the stored event messages, by queue.
func (b *testBundle) storedMessages() (queues []string, payloads []string) {
	b.t.Helper()
	rows, err := b.dbConn().Query(context.Background(), `SELECT queue, payload::text FROM event_messages ORDER BY queue`)
	require.NoError(b.t, err)
	defer rows.Close()
	for rows.Next() {
		var q, p string
		require.NoError(b.t, rows.Scan(&q, &p))
		queues, payloads = append(queues, q), append(payloads, p)
	}
	require.NoError(b.t, rows.Err())
	return queues, payloads
}

func TestEventTaskOutputAndQueue(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.createWorkflow(workflowDef("ev_out",
		task("ev", "EVENT", "sink", "conductor", "inputParameters", obj{"k": "${workflow.input.k}"}),
		task("ev2", "EVENT", "sink", "conductor:custom_q"),
		task("hold", "WAIT")))
	id := b.startWith(obj{"name": "ev_out", "input": obj{"k": "v1"}, "correlationId": "corr-1",
		"taskToDomain": obj{"x": "d1"}})
	wf := b.requireWorkflowStatus(id, "RUNNING")
	ev := taskByRef(t, wf, "ev")
	require.Equal(t, "COMPLETED", ev["status"])
	require.Equal(t, obj{
		"k": "v1", "sink": "conductor", "asyncComplete": false,
		"workflowInstanceId": id, "workflowType": "ev_out", "workflowVersion": json.Number("1"),
		"correlationId": "corr-1", "taskToDomain": obj{"x": "d1"},
		"event_produced": "conductor:ev_out:ev",
	}, ev["outputData"])
	require.Equal(t, obj{"k": "v1", "sink": "conductor", "asyncComplete": false}, ev["inputData"])
	ev2 := taskByRef(t, wf, "ev2")
	require.Equal(t, "COMPLETED", ev2["status"])
	require.Equal(t, "conductor:ev_out:custom_q", ev2["outputData"].(obj)["event_produced"])

	queues, payloads := b.storedMessages()
	require.Equal(t, []string{"conductor:ev_out:custom_q", "conductor:ev_out:ev"}, queues)
	require.Equal(t, ev["outputData"], decodeObj(t, []byte(payloads[1])), "the payload is the task's output")
}

func TestEventTaskAsyncCompleteWaitsForTheTaskAPI(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.createWorkflow(workflowDef("ev_async", task("ev", "EVENT", "sink", "conductor", "asyncComplete", true)))
	id := b.startWorkflow("ev_async", nil)
	wf := b.requireWorkflowStatus(id, "RUNNING")
	ev := taskByRef(t, wf, "ev")
	require.Equal(t, "IN_PROGRESS", ev["status"])
	require.Equal(t, "conductor:ev_async:ev", ev["outputData"].(obj)["event_produced"])
	queues, _ := b.storedMessages()
	require.Equal(t, []string{"conductor:ev_async:ev"}, queues, "published even while the task waits")

	requireStatus(t, b.do(http.MethodPost, tasksPath+"/"+id+"/ev/COMPLETED", obj{"done": true}), http.StatusOK)
	b.requireWorkflowStatus(id, "COMPLETED")
}

func TestEventTaskUnreachableSinkRefusedAtRegistration(t *testing.T) {
	t.Parallel()
	b := setup(t)
	for _, sink := range []string{"kafka:orders", "sqs:q", "amqp:x", "nats:subj", "conductorx", "elsewhere"} {
		resp := b.do(http.MethodPost, workflowPath, workflowDef("ev_bad", task("ev", "EVENT", "sink", sink)))
		e := requireValidation(t, resp, "tasks[0].sink: sink "+sink+" is not supported: Podium publishes and delivers events only through its own "+
			"conductor queue (conductor or conductor:<name>); provider "+strings.SplitN(sink, ":", 2)[0]+" is not reachable")
		require.Equal(t, sink, e.ValidationErrors[0].InvalidValue)
	}
	b.requireWorkflowAbsent("ev_bad")
}
