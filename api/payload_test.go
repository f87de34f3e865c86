package api_test

// Payload limits (DESIGN.md §2 "Bounded payloads"): task inputs and outputs, workflow inputs
// and outputs over the configured size fail with a reason naming the size and the limit, and
// are never stored; GET /api/workflow/{id} streams its tasks with the bytes json.Marshal writes.

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/podiumhq/podium/engine"
)

// setupPayloadLimit is setup with the engine's payload limit at limit bytes.
func setupPayloadLimit(t *testing.T, limit int64) *testBundle {
	t.Helper()
	return newBundle(t, func(c *engine.Config) { c.PayloadMaxBytes = limit })
}

// storedBytes returns the bytes the database holds for a task: its document and sealed data.
func (b *testBundle) storedTaskBytes(taskID string) int {
	b.t.Helper()
	conn, err := pgx.Connect(b.t.Context(), b.databaseURL)
	require.NoError(b.t, err)
	defer conn.Close(context.Background())
	var n int
	require.NoError(b.t, conn.QueryRow(b.t.Context(), `SELECT octet_length(doc::text) + coalesce(octet_length(sealed_input), 0)
		+ coalesce(octet_length(sealed_output), 0) FROM tasks WHERE task_id = $1`, taskID).Scan(&n))
	return n
}

// requireOversizedTask asserts the task failed for good because its kind payload was over
// limit, with that payload emptied, the workflow FAILED and nothing large stored.
func (b *testBundle) requireOversizedTask(wfID, ref, kind string, limit int64) obj {
	b.t.Helper()
	wf := b.requireWorkflowStatus(wfID, "FAILED")
	task := taskByRef(b.t, wf, ref)
	require.Equal(b.t, "FAILED_WITH_TERMINAL_ERROR", task["status"])
	reason, _ := task["reasonForIncompletion"].(string)
	require.Regexp(b.t, fmt.Sprintf(`^The %s payload size: \d+ bytes of task: %s in workflow: %s is greater than the permissible limit: %d bytes$`,
		kind, task["taskId"], wfID, limit), reason)
	field := map[string]string{"input": "inputData", "output": "outputData"}[kind]
	require.Equal(b.t, obj{}, task[field], "an oversized payload is replaced by an empty one")
	require.Contains(b.t, wf["reasonForIncompletion"], "greater than the permissible limit")
	require.Less(b.t, b.storedTaskBytes(task["taskId"].(string)), 8<<10, "nothing large is stored")
	return task
}

func TestPayloadWorkerResultTooLarge(t *testing.T) {
	t.Parallel()
	b := setup(t) // the default limit: 1 MiB
	b.registerIntegrationTasks(1)
	b.createWorkflow(oneTaskDef("payload_worker"))
	id := b.startWorkflow("payload_worker", nil)
	task := b.pollTask(itName(0))
	big := strings.Repeat("secret-ish payload ", 100_000) // 1.9 MB, within the 8 MiB body limit
	b.completeTask(task, obj{"data": big})
	failed := b.requireOversizedTask(id, "t1", "output", engine.PayloadMaxBytesDefault)
	require.Contains(t, failed["reasonForIncompletion"], fmt.Sprintf("size: %d bytes", len(big)+len(`{"data":""}`)),
		"the size is that of the output's JSON")
	require.NotContains(t, failed["reasonForIncompletion"], "secret-ish", "reasons never quote payloads")
}

func TestPayloadWorkerUpdatesAllBounded(t *testing.T) {
	t.Parallel()
	const limit = 4096
	b := setupPayloadLimit(t, limit)
	b.registerIntegrationTasks(1)
	b.createWorkflow(oneTaskDef("payload_updates"))
	big := obj{"data": strings.Repeat("x", limit)}

	t.Run("UpdateV2", func(t *testing.T) {
		id := b.startWorkflow("payload_updates", nil)
		task := b.pollTask(itName(0))
		resp := b.do(http.MethodPost, tasksPath+"/update-v2", obj{"workflowInstanceId": id, "taskId": task["taskId"],
			"status": "COMPLETED", "outputData": big, "workerId": testWorker})
		require.Contains(t, []int{http.StatusOK, http.StatusNoContent}, resp.Status, string(resp.Body))
		b.requireOversizedTask(id, "t1", "output", limit)
	})
	t.Run("ByRef", func(t *testing.T) {
		id := b.startWorkflow("payload_updates", nil)
		b.pollTask(itName(0))
		resp := b.do(http.MethodPost, tasksPath+"/"+id+"/t1/COMPLETED", big)
		requireStatus(t, resp, http.StatusOK)
		b.requireOversizedTask(id, "t1", "output", limit)
	})
	t.Run("InProgress", func(t *testing.T) {
		id := b.startWorkflow("payload_updates", nil)
		task := b.pollTask(itName(0))
		b.updateTask(task, "IN_PROGRESS", big)
		b.requireOversizedTask(id, "t1", "output", limit)
	})
	t.Run("WithinTheLimit", func(t *testing.T) {
		id := b.startWorkflow("payload_updates", nil)
		b.pollAndComplete(itName(0), obj{"data": strings.Repeat("x", limit-100)})
		b.requireWorkflowStatus(id, "COMPLETED")
	})
}

func TestPayloadWorkflowInputTooLarge(t *testing.T) {
	t.Parallel()
	const limit = 4096
	b := setupPayloadLimit(t, limit)
	b.registerIntegrationTasks(1)
	b.createWorkflow(oneTaskDef("payload_input"))
	input := obj{"data": strings.Repeat("y", limit)}
	want := fmt.Sprintf("The input payload size: %d bytes of workflow: payload_input is greater than the permissible limit: %d bytes",
		limit+len(`{"data":""}`), limit)
	for _, resp := range []response{
		b.do(http.MethodPost, executionPath+"/payload_input", input),
		b.do(http.MethodPost, executionPath, obj{"name": "payload_input", "input": input}),
	} {
		requireStatus(t, resp, http.StatusBadRequest)
		e := resp.Error(t)
		require.Equal(t, want, e.Message)
		require.NotContains(t, e.Message, "yyyy")
	}

	conn, err := pgx.Connect(t.Context(), b.databaseURL)
	require.NoError(t, err)
	defer conn.Close(context.Background())
	var workflows, tasks int
	require.NoError(t, conn.QueryRow(t.Context(), `SELECT (SELECT count(*) FROM workflows), (SELECT count(*) FROM tasks)`).Scan(&workflows, &tasks))
	require.Zero(t, workflows, "nothing is stored")
	require.Zero(t, tasks)
	b.requireNothingToPoll(itName(0))
}

func TestPayloadTaskInputTooLarge(t *testing.T) {
	t.Parallel()
	const limit = 4096
	b := setupPayloadLimit(t, limit)
	b.registerIntegrationTasks(1)
	// Each copy is within the limit; the resolved input holds two.
	b.createWorkflow(workflowDef("payload_task_input",
		workerTask("t1", 0, obj{"a": "${workflow.input.data}", "b": "${workflow.input.data}"})))
	id := b.startWorkflow("payload_task_input", obj{"data": strings.Repeat("z", limit/2+10)})
	b.requireOversizedTask(id, "t1", "input", limit)
	b.requireNothingToPoll(itName(0))
}

func TestPayloadInlineResultTooLarge(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.createWorkflow(workflowDef("payload_inline",
		inlineTask("big", "var s = 'x'.repeat(600000); s + s"), inlineTask("after", "1")))
	id := b.startWorkflow("payload_inline", nil)
	wf := b.requireWorkflowStatus(id, "FAILED")
	task := taskByRef(t, wf, "big")
	require.Equal(t, "FAILED_WITH_TERMINAL_ERROR", task["status"])
	const want = "script result of at least 1200000 bytes is greater than the permissible limit: 1048576 bytes"
	require.Equal(t, want, task["reasonForIncompletion"])
	require.Equal(t, obj{"error": want}, task["outputData"])
	require.Len(t, tasksOf(t, wf), 1, "the chain stops at the failed task")
	require.Less(t, b.storedTaskBytes(task["taskId"].(string)), 8<<10)
}

func TestPayloadSwitchResultTooLarge(t *testing.T) {
	t.Parallel()
	b := setupPayloadLimit(t, 4096)
	b.createWorkflow(workflowDef("payload_switch", obj{"name": "sw", "taskReferenceName": "sw", "type": "SWITCH",
		"evaluatorType": "javascript", "expression": "'k'.repeat(5000)", "decisionCases": obj{"a": arr{inlineTask("a", "1")}}}))
	wf := b.requireWorkflowStatus(b.startWorkflow("payload_switch", nil), "FAILED")
	require.Contains(t, taskByRef(t, wf, "sw")["reasonForIncompletion"],
		"script result of at least 5000 bytes is greater than the permissible limit: 4096 bytes")
}

func TestPayloadWorkflowOutputTooLarge(t *testing.T) {
	t.Parallel()
	const limit = 4096
	b := setupPayloadLimit(t, limit)
	def := workflowDef("payload_output", inlineTask("one", "1"))
	def["outputParameters"] = obj{"a": "${workflow.input.data}", "b": "${workflow.input.data}"}
	b.createWorkflow(def)
	data := strings.Repeat("w", limit/2+10)
	id := b.startWorkflow("payload_output", obj{"data": data})
	wf := b.requireWorkflowStatus(id, "FAILED")
	require.Equal(t, fmt.Sprintf("The output payload size: %d bytes of workflow: %s is greater than the permissible limit: %d bytes",
		2*len(data)+len(`{"a":"","b":""}`), id, limit), wf["reasonForIncompletion"])
	require.Equal(t, obj{}, wf["output"])
	require.Equal(t, "COMPLETED", taskByRef(t, wf, "one")["status"], "the tasks themselves were fine")
}

func TestPayloadSkipRefusesLargeTaskPayloads(t *testing.T) {
	t.Parallel()
	const limit = 4096
	b := setupPayloadLimit(t, limit)
	b.registerIntegrationTasks(1)
	b.createWorkflow(workflowDef("payload_skip", workerTask("t1", 0, nil), workerTask("t2", 0, nil)))
	id := b.startWorkflow("payload_skip", nil)
	resp := b.do(http.MethodPut, executionPath+"/"+id+"/skiptask/t2", obj{"taskOutput": obj{"data": strings.Repeat("s", limit)}})
	requireStatus(t, resp, http.StatusBadRequest)
	require.Contains(t, resp.Error(t).Message, "greater than the permissible limit: 4096 bytes")
}

func TestPayloadStreamedWorkflowIsWhatMarshalWrites(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.registerIntegrationTasks(1)
	// Values that spell the tasks key must not confuse where the tasks go.
	b.createWorkflow(workflowDef("payload_stream", inlineTask("one", `({tasks: [], s: '"tasks":[]'})`),
		workerTask("t1", 0, obj{"tasks": "${one.output.result.tasks}"}), inlineTask("two", "'<&>'")))
	id := b.startWorkflow("payload_stream", obj{"tasks": arr{}, "html": "<a href='x'>&</a>"})
	b.pollAndComplete(itName(0), obj{"tasks": arr{obj{"tasks": arr{}}}})
	b.requireWorkflowStatus(id, "COMPLETED")

	wf, err := b.engine.Workflow(t.Context(), id, true)
	require.NoError(t, err)
	require.Len(t, wf.Tasks, 3)
	want, err := json.Marshal(wf)
	require.NoError(t, err)
	resp := b.do(http.MethodGet, executionPath+"/"+id, nil)
	requireStatus(t, resp, http.StatusOK)
	require.Equal(t, "application/json", resp.Header.Get("Content-Type"))
	require.Equal(t, string(want), string(resp.Body))

	resp = b.do(http.MethodGet, executionPath+"/00000000-0000-0000-0000-000000000000", nil)
	requireStatus(t, resp, http.StatusNotFound)
	require.Contains(t, resp.Error(t).Message, "No such workflow found by id")
}
