package api_test

// Black-box tests of workflow execution through the REST API: Conductor's §6.2 scenarios for
// worker tasks and the system tasks the engine runs today (SWITCH, DECISION, INLINE,
// SET_VARIABLE, TERMINATE, WAIT, HTTP, NOOP), and the error contracts of the workflow and
// task endpoints. Time is driven with the bundle's clock and b.sweep(); only HTTP tasks (run by
// the engine's internal workers) are waited for, with a bounded poll of the workflow.

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

const (
	executionPath = "/api/workflow"
	tasksPath     = "/api/tasks"
	testWorker    = "test-worker"
)

var uuidPattern = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)

// ---------------------------------------------------------------------------------------------
// Helpers (shared with workflow_ops_test.go)
// ---------------------------------------------------------------------------------------------

// itName is the name of the harness task definition integration_task_i.
func itName(i int) string { return fmt.Sprintf("integration_task_%d", i) }

// integrationTaskDef is the harness's integration_task_i (retryCount 1, timeoutSeconds 120,
// responseTimeoutSeconds 120) with no retry delay, with the key/value overrides applied.
func integrationTaskDef(i int, kv ...any) obj {
	return with(obj{
		"name": itName(i), "retryCount": 1, "timeoutSeconds": 120, "responseTimeoutSeconds": 120,
		"retryDelaySeconds": 0, "timeoutPolicy": "TIME_OUT_WF", "retryLogic": "FIXED",
		"ownerEmail": "scenarios@podium.test",
	}, kv...)
}

// registerTaskDefs registers task definitions and requires 200.
func (b *testBundle) registerTaskDefs(defs ...obj) {
	b.t.Helper()
	list := make(arr, len(defs))
	for i, d := range defs {
		list[i] = d
	}
	requireEmptyOK(b.t, b.do(http.MethodPost, taskDefsPath, list))
}

// registerIntegrationTasks registers integration_task_0..n-1 with the harness settings.
func (b *testBundle) registerIntegrationTasks(n int) {
	b.t.Helper()
	defs := make([]obj, n)
	for i := range defs {
		defs[i] = integrationTaskDef(i)
	}
	b.registerTaskDefs(defs...)
}

// workerTask is a SIMPLE task running integration_task_i under ref, with inputParameters
// (nil for none) and extra members.
func workerTask(ref string, i int, input obj, kv ...any) obj {
	t := obj{"name": itName(i), "taskReferenceName": ref, "type": "SIMPLE"}
	if input != nil {
		t["inputParameters"] = input
	}
	return with(t, kv...)
}

// registerScenario registers the definition in testdata/scenarios/file and returns it decoded.
func (b *testBundle) registerScenario(file string) obj {
	b.t.Helper()
	data := fixture(b.t, "scenarios/"+file)
	b.createWorkflow(data)
	return decodeObj(b.t, data)
}

// requireID asserts a text/plain answer holding one workflow or task id and returns it.
func requireID(t *testing.T, resp response) string {
	t.Helper()
	requireStatus(t, resp, http.StatusOK)
	require.True(t, strings.HasPrefix(resp.Header.Get("Content-Type"), "text/plain"),
		"ids are answered as text/plain, got %q", resp.Header.Get("Content-Type"))
	id := string(resp.Body)
	require.Regexp(t, uuidPattern, id)
	return id
}

// startWorkflow starts name (latest version) with input via POST /api/workflow/{name}.
func (b *testBundle) startWorkflow(name string, input any) string {
	b.t.Helper()
	if input == nil {
		input = obj{}
	}
	return requireID(b.t, b.do(http.MethodPost, executionPath+"/"+name, input))
}

// startWith starts a workflow from a StartWorkflowRequest via POST /api/workflow.
func (b *testBundle) startWith(req obj) string {
	b.t.Helper()
	return requireID(b.t, b.do(http.MethodPost, executionPath, req))
}

// execution fetches an execution with its tasks.
func (b *testBundle) execution(id string) obj {
	b.t.Helper()
	resp := b.do(http.MethodGet, executionPath+"/"+id, nil)
	requireStatus(b.t, resp, http.StatusOK)
	require.Equal(b.t, "application/json", resp.Header.Get("Content-Type"))
	return decodeObj(b.t, resp.Body)
}

// requireWorkflowStatus fetches an execution and requires its status.
func (b *testBundle) requireWorkflowStatus(id, status string) obj {
	b.t.Helper()
	wf := b.execution(id)
	require.Equal(b.t, status, wf["status"], "workflow %s: %s", id, summary(b.t, wf))
	return wf
}

// summary describes an execution briefly for failure messages: status, reason, tasks.
func summary(t *testing.T, wf obj) string {
	t.Helper()
	return fmt.Sprintf("status %v, reason %v, tasks %v", wf["status"], wf["reasonForIncompletion"], refsAndStatuses(t, wf))
}

// waitForWorkflow polls the execution (every 20 ms, up to 10 s) until cond holds.
func (b *testBundle) waitForWorkflow(id, what string, cond func(wf obj) bool) obj {
	b.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		wf := b.execution(id)
		if cond(wf) {
			return wf
		}
		if time.Now().After(deadline) {
			require.FailNow(b.t, "timed out waiting for "+what, "workflow: %s", summary(b.t, wf))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// waitForStatus waits until the execution reaches status.
func (b *testBundle) waitForStatus(id, status string) obj {
	b.t.Helper()
	return b.waitForWorkflow(id, "status "+status, func(wf obj) bool { return wf["status"] == status })
}

// tasksOf returns the tasks of an execution, in seq order.
func tasksOf(t *testing.T, wf obj) []obj {
	t.Helper()
	list, ok := wf["tasks"].(arr)
	require.True(t, ok, "tasks must be a list: %v", wf["tasks"])
	out := make([]obj, len(list))
	for i, v := range list {
		out[i], ok = v.(obj)
		require.True(t, ok)
	}
	return out
}

// attemptsOf returns every attempt of ref, in seq order.
func attemptsOf(t *testing.T, wf obj, ref string) []obj {
	t.Helper()
	var out []obj
	for _, task := range tasksOf(t, wf) {
		if task["referenceTaskName"] == ref {
			out = append(out, task)
		}
	}
	return out
}

// taskByRef returns the latest attempt of ref, failing when there is none.
func taskByRef(t *testing.T, wf obj, ref string) obj {
	t.Helper()
	all := attemptsOf(t, wf, ref)
	require.NotEmpty(t, all, "no task %s in %s", ref, mustJSON(t, wf))
	return all[len(all)-1]
}

// refsAndStatuses lists "ref:STATUS" for each task of an execution.
func refsAndStatuses(t *testing.T, wf obj) []string {
	t.Helper()
	var out []string
	for _, task := range tasksOf(t, wf) {
		out = append(out, fmt.Sprintf("%v:%v", task["referenceTaskName"], task["status"]))
	}
	return out
}

// dig walks decoded JSON by object keys (string) and list indexes (int).
func dig(t *testing.T, v any, path ...any) any {
	t.Helper()
	cur := v
	for i, p := range path {
		switch k := p.(type) {
		case string:
			m, ok := cur.(obj)
			require.True(t, ok, "%v: want an object at %v, got %T %v", path, path[:i], cur, cur)
			cur, ok = m[k]
			require.True(t, ok, "%v: no member %q in %v", path, k, m)
		case int:
			a, ok := cur.(arr)
			require.True(t, ok, "%v: want a list at %v, got %T %v", path, path[:i], cur, cur)
			require.Less(t, k, len(a), "%v: index out of range in %v", path, a)
			cur = a[k]
		default:
			t.Fatalf("bad path element %v", p)
		}
	}
	return cur
}

// pollTask polls one task of taskType as testWorker and requires one.
func (b *testBundle) pollTask(taskType string) obj {
	b.t.Helper()
	resp := b.do(http.MethodGet, tasksPath+"/poll/"+taskType+"?workerid="+testWorker, nil)
	requireStatus(b.t, resp, http.StatusOK)
	task := decodeObj(b.t, resp.Body)
	require.Equal(b.t, "IN_PROGRESS", task["status"])
	return task
}

// requireNothingToPoll asserts a single poll of taskType answers 204 with an empty body.
func (b *testBundle) requireNothingToPoll(taskType string) {
	b.t.Helper()
	resp := b.do(http.MethodGet, tasksPath+"/poll/"+taskType+"?workerid="+testWorker, nil)
	requireStatus(b.t, resp, http.StatusNoContent)
	require.Empty(b.t, resp.Body)
}

// updateTask posts a TaskResult for task (status, output, extra members) and requires the
// task id back as text.
func (b *testBundle) updateTask(task obj, status string, output obj, kv ...any) {
	b.t.Helper()
	res := obj{"workflowInstanceId": task["workflowInstanceId"], "taskId": task["taskId"], "status": status,
		"workerId": testWorker}
	if output != nil {
		res["outputData"] = output
	}
	resp := b.do(http.MethodPost, tasksPath, with(res, kv...))
	require.Equal(b.t, task["taskId"], requireID(b.t, resp))
}

// completeTask reports task COMPLETED with output.
func (b *testBundle) completeTask(task obj, output obj) {
	b.t.Helper()
	b.updateTask(task, "COMPLETED", output)
}

// failTask reports task FAILED with reason.
func (b *testBundle) failTask(task obj, reason string) {
	b.t.Helper()
	b.updateTask(task, "FAILED", nil, "reasonForIncompletion", reason)
}

// pollAndComplete polls a task of taskType and completes it with output; it returns the task.
func (b *testBundle) pollAndComplete(taskType string, output obj) obj {
	b.t.Helper()
	task := b.pollTask(taskType)
	b.completeTask(task, output)
	return task
}

// terminate terminates an execution with reason and requires 200.
func (b *testBundle) terminate(id, reason string) {
	b.t.Helper()
	requireEmptyOK(b.t, b.do(http.MethodDelete, executionPath+"/"+id+"?reason="+reason, nil))
}

// getTask fetches one task.
func (b *testBundle) getTask(id string) obj {
	b.t.Helper()
	resp := b.do(http.MethodGet, tasksPath+"/"+id, nil)
	requireStatus(b.t, resp, http.StatusOK)
	return decodeObj(b.t, resp.Body)
}

// advance moves the engine clock by d and runs the sweeper once.
func (b *testBundle) advance(d time.Duration) {
	b.t.Helper()
	b.clock.Advance(d)
	b.sweep()
}

// requireNum asserts a JSON number equals want.
func requireNum(t *testing.T, want int64, got any, msgAndArgs ...any) {
	t.Helper()
	require.Equal(t, num(want), got, msgAndArgs...)
}

// failedReason is the reason Conductor gives a workflow ended by a task that failed for good.
func failedReason(task obj, status, reason string) string {
	return fmt.Sprintf("Task %v failed with status: %s and reason: '%s'", task["taskId"], status, reason)
}

// oneTaskDef is a definition named name running one worker task integration_task_0 as t1.
func oneTaskDef(name string) obj { return workflowDef(name, workerTask("t1", 0, nil)) }

// ---------------------------------------------------------------------------------------------
// Scenario 1: simple two-step workflow
// ---------------------------------------------------------------------------------------------

func TestWorkflowSimpleCompletion(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.registerIntegrationTasks(3)
	b.registerScenario("simple_workflow_1.json")

	id := b.startWorkflow("integration_test_wf?correlationId=corr-1", obj{"param1": "p1 value", "param2": "p2 value"})
	wf := b.requireWorkflowStatus(id, "RUNNING")
	require.Equal(t, "integration_test_wf", wf["workflowName"])
	requireNum(t, 1, wf["workflowVersion"])
	require.Equal(t, "corr-1", wf["correlationId"])
	require.Equal(t, obj{"param1": "p1 value", "param2": "p2 value"}, wf["input"])
	require.Equal(t, wf["createTime"], wf["startTime"])
	requireNum(t, 0, wf["endTime"])
	require.Equal(t, []string{"t1:SCHEDULED"}, refsAndStatuses(t, wf), "only the first task is scheduled")
	t1 := taskByRef(t, wf, "t1")
	require.Equal(t, "integration_task_1", t1["taskType"], "a worker task's type is its name")
	require.Equal(t, "integration_task_1", t1["taskDefName"])
	requireNum(t, 1, t1["seq"])
	require.Equal(t, obj{"p1": "p1 value", "p2": "p2 value", "p3": t1["taskId"], "someNullKey": nil}, t1["inputData"])

	// Without tasks, the list is empty rather than absent.
	resp := b.do(http.MethodGet, executionPath+"/"+id+"?includeTasks=false", nil)
	requireStatus(t, resp, http.StatusOK)
	require.Equal(t, arr{}, decodeObj(t, resp.Body)["tasks"])

	polled := b.pollTask("integration_task_1")
	require.Equal(t, t1["taskId"], polled["taskId"])
	require.Equal(t, testWorker, polled["workerId"])
	requireNum(t, 1, polled["pollCount"])
	require.Positive(t, int64Of(t, polled["startTime"]))
	b.requireNothingToPoll("integration_task_1")
	b.requireNothingToPoll("integration_task_2")

	b.completeTask(polled, obj{"op": "task1.done"})
	wf = b.requireWorkflowStatus(id, "RUNNING")
	require.Equal(t, []string{"t1:COMPLETED", "t2:SCHEDULED"}, refsAndStatuses(t, wf))
	t2 := taskByRef(t, wf, "t2")
	require.Equal(t, obj{"tp1": "p1 value", "tp2": "task1.done", "tp3": t2["taskId"]}, t2["inputData"])
	require.Equal(t, obj{"op": "task1.done"}, taskByRef(t, wf, "t1")["outputData"])
	require.Positive(t, int64Of(t, taskByRef(t, wf, "t1")["endTime"]))

	b.pollAndComplete("integration_task_2", obj{"uuid": "uuid-2"})
	wf = b.requireWorkflowStatus(id, "COMPLETED")
	require.Equal(t, obj{"o1": "p1 value", "o2": "uuid-2", "o3": "task1.done"}, wf["output"])
	require.Positive(t, int64Of(t, wf["endTime"]))
	require.Equal(t, arr{}, wf["failedReferenceTaskNames"])
	require.NotContains(t, wf, "reasonForIncompletion")

	// The status endpoint, with and without output.
	resp = b.do(http.MethodGet, executionPath+"/"+id+"/status", nil)
	requireStatus(t, resp, http.StatusOK)
	require.Equal(t, obj{"workflowId": id, "correlationId": "corr-1", "status": "COMPLETED"}, decodeObj(t, resp.Body))
	resp = b.do(http.MethodGet, executionPath+"/"+id+"/status?includeOutput=true", nil)
	requireStatus(t, resp, http.StatusOK)
	require.Equal(t, wf["output"], decodeObj(t, resp.Body)["output"])

	// A task is readable on its own.
	got := b.getTask(t2["taskId"].(string))
	require.Equal(t, "COMPLETED", got["status"])
	require.Equal(t, id, got["workflowInstanceId"])
	require.Equal(t, obj{"uuid": "uuid-2"}, got["outputData"])
}

// ---------------------------------------------------------------------------------------------
// Scenario 2: null inputs and outputs survive
// ---------------------------------------------------------------------------------------------

func TestWorkflowNullInputsAndOutputsSurvive(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.registerIntegrationTasks(3)
	b.registerScenario("simple_workflow_1.json")

	id := b.startWorkflow("integration_test_wf", obj{"param1": nil, "param2": "x"})
	wf := b.execution(id)
	require.Equal(t, obj{"param1": nil, "param2": "x"}, wf["input"], "a null input value keeps its key")
	t1 := taskByRef(t, wf, "t1")
	require.Equal(t, obj{"p1": nil, "p2": "x", "p3": t1["taskId"], "someNullKey": nil}, t1["inputData"])

	b.completeTask(b.pollTask("integration_task_1"), obj{"op": nil, "other": 1})
	wf = b.execution(id)
	require.Equal(t, obj{"op": nil, "other": num(1)}, taskByRef(t, wf, "t1")["outputData"])
	t2 := taskByRef(t, wf, "t2")
	require.Equal(t, obj{"tp1": nil, "tp2": nil, "tp3": t2["taskId"]}, t2["inputData"])

	b.pollAndComplete("integration_task_2", obj{"uuid": nil})
	wf = b.requireWorkflowStatus(id, "COMPLETED")
	require.Equal(t, obj{"o1": nil, "o2": nil, "o3": nil}, wf["output"])
}

// ---------------------------------------------------------------------------------------------
// Scenario 3: FAILED_WITH_TERMINAL_ERROR
// ---------------------------------------------------------------------------------------------

func TestWorkflowTerminalErrorIsNotRetried(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.registerIntegrationTasks(3) // retryCount 1: a plain FAILED would be retried
	b.registerScenario("simple_workflow_1.json")

	id := b.startWorkflow("integration_test_wf", obj{"param1": "p1 value", "param2": "p2 value"})
	t1 := b.pollTask("integration_task_1")
	const reason = "NON TRANSIENT ERROR OCCURRED: An integration point required to complete the task is down"
	b.updateTask(t1, "FAILED_WITH_TERMINAL_ERROR", nil, "reasonForIncompletion", reason)

	wf := b.requireWorkflowStatus(id, "FAILED")
	require.Equal(t, []string{"t1:FAILED_WITH_TERMINAL_ERROR"}, refsAndStatuses(t, wf), "no retry, nothing else scheduled")
	require.Equal(t, failedReason(t1, "FAILED", reason), wf["reasonForIncompletion"], "the workflow's status, as Conductor's SimpleWorkflowSpec expects")
	require.Equal(t, reason, taskByRef(t, wf, "t1")["reasonForIncompletion"])
	require.Equal(t, obj{"o1": "p1 value", "o2": nil, "o3": nil}, wf["output"], "outputParameters are evaluated on failure too")
	require.Equal(t, arr{"t1"}, wf["failedReferenceTaskNames"])
	require.Equal(t, arr{"integration_task_1"}, wf["failedTaskNames"])
	require.Positive(t, int64Of(t, wf["endTime"]))
	b.requireNothingToPoll("integration_task_1")
	b.requireNothingToPoll("integration_task_2")
}

// ---------------------------------------------------------------------------------------------
// Scenario 4: response timeout and callbackAfterSeconds
// ---------------------------------------------------------------------------------------------

func TestWorkflowResponseTimeoutAndCallback(t *testing.T) {
	t.Parallel()
	b := setup(t)
	// The harness's task_rt: one retry, no delay, a 10 s response timeout and no run timeout.
	b.registerTaskDefs(obj{"name": "task_rt", "retryCount": 1, "retryDelaySeconds": 0, "responseTimeoutSeconds": 10,
		"timeoutSeconds": 0})
	b.createWorkflow(workflowDef("rt_wf", obj{"name": "task_rt", "taskReferenceName": "rt", "type": "SIMPLE"}))

	id := b.startWorkflow("rt_wf", nil)
	first := b.pollTask("task_rt")

	b.advance(5 * time.Second)
	require.Equal(t, []string{"rt:IN_PROGRESS"}, refsAndStatuses(t, b.execution(id)), "within the response timeout")

	b.advance(6 * time.Second) // 11 s of silence
	wf := b.requireWorkflowStatus(id, "RUNNING")
	require.Equal(t, []string{"rt:TIMED_OUT", "rt:SCHEDULED"}, refsAndStatuses(t, wf))
	timedOut, retry := tasksOf(t, wf)[0], tasksOf(t, wf)[1]
	require.Equal(t, first["taskId"], timedOut["taskId"])
	require.Equal(t, true, timedOut["retried"])
	requireNum(t, 1, retry["retryCount"])
	require.Equal(t, first["taskId"], retry["retriedTaskId"])
	require.NotEqual(t, first["taskId"], retry["taskId"])

	second := b.pollTask("task_rt")
	require.Equal(t, retry["taskId"], second["taskId"])

	// IN_PROGRESS with a callback: back to the queue, invisible for 2 s.
	b.updateTask(second, "IN_PROGRESS", obj{"progress": 50}, "callbackAfterSeconds", 2)
	got := b.getTask(second["taskId"].(string))
	require.Equal(t, "SCHEDULED", got["status"])
	requireNum(t, 2, got["callbackAfterSeconds"])
	require.Equal(t, obj{"progress": num(50)}, got["outputData"])
	b.requireNothingToPoll("task_rt")
	b.clock.Advance(time.Second)
	b.requireNothingToPoll("task_rt")
	b.clock.Advance(time.Second)
	again := b.pollTask("task_rt")
	require.Equal(t, second["taskId"], again["taskId"])
	requireNum(t, 2, again["pollCount"])
	require.Equal(t, second["startTime"], again["startTime"], "startTime is kept across polls")

	b.completeTask(again, obj{"done": true})
	wf = b.requireWorkflowStatus(id, "COMPLETED")
	require.Equal(t, []string{"rt:TIMED_OUT", "rt:COMPLETED"}, refsAndStatuses(t, wf))
}

// ---------------------------------------------------------------------------------------------
// Scenario 5: retries and their delays
// ---------------------------------------------------------------------------------------------

func TestWorkflowRetriesWithFixedDelay(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.registerTaskDefs(integrationTaskDef(0, "retryCount", 3, "retryDelaySeconds", 2), integrationTaskDef(1))
	b.createWorkflow(workflowDef("retry_wf", workerTask("t1", 0, nil), workerTask("t2", 1, nil)))
	id := b.startWorkflow("retry_wf", nil)

	var ids []any
	for attempt := range 3 {
		task := b.pollTask(itName(0))
		ids = append(ids, task["taskId"])
		if attempt == 2 {
			b.completeTask(task, obj{"attempt": attempt})
			break
		}
		b.failTask(task, fmt.Sprintf("failure %d", attempt))
		next := taskByRef(t, b.execution(id), "t1")
		require.Equal(t, "SCHEDULED", next["status"])
		requireNum(t, int64(attempt+1), next["retryCount"])
		require.Equal(t, task["taskId"], next["retriedTaskId"])
		requireNum(t, 2, next["startDelayInSeconds"])
		requireNum(t, 2, next["callbackAfterSeconds"])
		b.requireNothingToPoll(itName(0))
		b.clock.Advance(time.Second)
		b.requireNothingToPoll(itName(0))
		b.clock.Advance(time.Second)
	}

	wf := b.requireWorkflowStatus(id, "RUNNING")
	require.Equal(t, []string{"t1:FAILED", "t1:FAILED", "t1:COMPLETED", "t2:SCHEDULED"}, refsAndStatuses(t, wf))
	tasks := tasksOf(t, wf)
	require.NotContains(t, tasks[0], "retriedTaskId")
	require.Equal(t, ids[0], tasks[1]["retriedTaskId"])
	require.Equal(t, ids[1], tasks[2]["retriedTaskId"])
	require.Equal(t, true, tasks[0]["retried"])
	require.Equal(t, true, tasks[1]["retried"])
	require.Equal(t, "failure 0", tasks[0]["reasonForIncompletion"])

	b.pollAndComplete(itName(1), nil)
	wf = b.requireWorkflowStatus(id, "COMPLETED")
	require.Len(t, tasksOf(t, wf), 4)
	require.Equal(t, arr{"t1"}, wf["failedReferenceTaskNames"], "a retried failure is still recorded")
	require.Equal(t, arr{itName(0)}, wf["failedTaskNames"])
}

func TestWorkflowRetryBackoff(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		def    []any
		delays []int64
	}{
		{"linear", []any{"retryLogic", "LINEAR_BACKOFF", "retryDelaySeconds", 2, "backoffScaleFactor", 3, "retryCount", 2},
			[]int64{6, 12}},
		{"exponential", []any{"retryLogic", "EXPONENTIAL_BACKOFF", "retryDelaySeconds", 2, "retryCount", 3},
			[]int64{2, 4, 8}},
		{"exponential capped", []any{"retryLogic", "EXPONENTIAL_BACKOFF", "retryDelaySeconds", 2, "retryCount", 3,
			"maxRetryDelaySeconds", 5}, []int64{2, 4, 5}},
		{"fixed capped", []any{"retryDelaySeconds", 30, "retryCount", 1, "maxRetryDelaySeconds", 3}, []int64{3}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t)
			b.registerTaskDefs(integrationTaskDef(0, tc.def...))
			b.createWorkflow(oneTaskDef("backoff_wf"))
			id := b.startWorkflow("backoff_wf", nil)
			for i, delay := range tc.delays {
				task := b.pollTask(itName(0))
				b.failTask(task, "transient")
				next := taskByRef(t, b.execution(id), "t1")
				require.Equal(t, "SCHEDULED", next["status"])
				requireNum(t, int64(i+1), next["retryCount"])
				requireNum(t, delay, next["startDelayInSeconds"], "delay after failure %d", i+1)
				requireNum(t, delay, next["callbackAfterSeconds"], "delay after failure %d", i+1)
				b.clock.Advance(time.Duration(delay-1) * time.Second)
				b.requireNothingToPoll(itName(0))
				b.clock.Advance(time.Second)
			}
			b.pollAndComplete(itName(0), nil)
			wf := b.requireWorkflowStatus(id, "COMPLETED")
			require.Len(t, tasksOf(t, wf), len(tc.delays)+1)
		})
	}
}

func TestWorkflowRetriesExhaustedFailWorkflow(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.registerIntegrationTasks(2) // retryCount 1
	b.createWorkflow(workflowDef("exhaust_wf", workerTask("t1", 0, nil), workerTask("t2", 1, nil)))
	id := b.startWorkflow("exhaust_wf", nil)

	b.failTask(b.pollTask(itName(0)), "first")
	last := b.pollTask(itName(0))
	b.failTask(last, "second")
	wf := b.requireWorkflowStatus(id, "FAILED")
	require.Equal(t, []string{"t1:FAILED", "t1:FAILED"}, refsAndStatuses(t, wf))
	require.Equal(t, failedReason(last, "FAILED", "second"), wf["reasonForIncompletion"])
	b.requireNothingToPoll(itName(1))
}

func TestWorkflowTaskRetryCountOverride(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.registerIntegrationTasks(1) // retryCount 1 in the definition
	b.createWorkflow(workflowDef("override_wf", workerTask("t1", 0, nil, "retryCount", 0)))
	id := b.startWorkflow("override_wf", nil)
	b.failTask(b.pollTask(itName(0)), "no retries here")
	wf := b.requireWorkflowStatus(id, "FAILED")
	require.Len(t, tasksOf(t, wf), 1, "the WorkflowTask's retryCount wins over the TaskDef's")
}

func TestWorkflowStartDelay(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.registerIntegrationTasks(1)
	b.createWorkflow(workflowDef("start_delay_wf", workerTask("t1", 0, nil, "startDelay", 5)))
	id := b.startWorkflow("start_delay_wf", nil)
	requireNum(t, 5, taskByRef(t, b.execution(id), "t1")["startDelayInSeconds"])
	b.clock.Advance(4 * time.Second)
	b.requireNothingToPoll(itName(0))
	b.clock.Advance(time.Second)
	b.pollAndComplete(itName(0), nil)
	b.requireWorkflowStatus(id, "COMPLETED")
}

// ---------------------------------------------------------------------------------------------
// Scenarios 7 and 8: optional and permissive tasks
// ---------------------------------------------------------------------------------------------

func TestWorkflowOptionalTask(t *testing.T) {
	t.Parallel()
	t.Run("failing", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		b.registerIntegrationTasks(2)
		b.createWorkflow(workflowDef("optional_wf", workerTask("t1", 0, nil, "optional", true), workerTask("t2", 1, nil)))
		id := b.startWorkflow("optional_wf", nil)

		b.failTask(b.pollTask(itName(0)), "first")
		wf := b.requireWorkflowStatus(id, "RUNNING")
		require.Equal(t, []string{"t1:FAILED", "t1:SCHEDULED"}, refsAndStatuses(t, wf), "an optional task is retried first")

		b.failTask(b.pollTask(itName(0)), "second")
		wf = b.requireWorkflowStatus(id, "RUNNING")
		require.Equal(t, []string{"t1:FAILED", "t1:COMPLETED_WITH_ERRORS", "t2:SCHEDULED"}, refsAndStatuses(t, wf))

		b.pollAndComplete(itName(1), nil)
		b.requireWorkflowStatus(id, "COMPLETED")
	})
	t.Run("timing out", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		// The harness's task_optional: 5 s run and response timeouts, RETRY, one retry.
		b.registerTaskDefs(obj{"name": "task_optional", "timeoutSeconds": 5, "timeoutPolicy": "RETRY", "retryCount": 1,
			"retryDelaySeconds": 0, "responseTimeoutSeconds": 5}, integrationTaskDef(1))
		b.createWorkflow(workflowDef("optional_timeout_wf",
			obj{"name": "task_optional", "taskReferenceName": "opt", "type": "SIMPLE", "optional": true},
			workerTask("t2", 1, nil)))
		id := b.startWorkflow("optional_timeout_wf", nil)

		b.pollTask("task_optional")
		b.advance(6 * time.Second)
		require.Equal(t, []string{"opt:TIMED_OUT", "opt:SCHEDULED"}, refsAndStatuses(t, b.execution(id)))
		b.pollTask("task_optional")
		b.advance(6 * time.Second)
		wf := b.requireWorkflowStatus(id, "RUNNING")
		require.Equal(t, []string{"opt:TIMED_OUT", "opt:COMPLETED_WITH_ERRORS", "t2:SCHEDULED"}, refsAndStatuses(t, wf))
		b.pollAndComplete(itName(1), nil)
		b.requireWorkflowStatus(id, "COMPLETED")
	})
}

func TestWorkflowPermissiveTask(t *testing.T) {
	t.Parallel()
	t.Run("permissive", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		b.registerIntegrationTasks(2)
		b.createWorkflow(workflowDef("permissive_wf",
			workerTask("t1", 0, nil, "permissive", true, "retryCount", 0), workerTask("t2", 1, nil)))
		id := b.startWorkflow("permissive_wf", nil)

		failed := b.pollTask(itName(0))
		b.failTask(failed, "permissive failure")
		wf := b.requireWorkflowStatus(id, "RUNNING")
		require.Equal(t, []string{"t1:FAILED", "t2:SCHEDULED"}, refsAndStatuses(t, wf), "the flow goes on")

		b.pollAndComplete(itName(1), nil)
		wf = b.requireWorkflowStatus(id, "FAILED")
		require.Equal(t, failedReason(failed, "FAILED", "permissive failure"), wf["reasonForIncompletion"])
		require.Equal(t, arr{"t1"}, wf["failedReferenceTaskNames"])
	})
	t.Run("permissive and optional", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		b.registerIntegrationTasks(2)
		b.createWorkflow(workflowDef("permissive_optional_wf",
			workerTask("t1", 0, nil, "permissive", true, "optional", true, "retryCount", 0), workerTask("t2", 1, nil)))
		id := b.startWorkflow("permissive_optional_wf", nil)
		b.failTask(b.pollTask(itName(0)), "tolerated")
		require.Equal(t, []string{"t1:COMPLETED_WITH_ERRORS", "t2:SCHEDULED"}, refsAndStatuses(t, b.execution(id)))
		b.pollAndComplete(itName(1), nil)
		b.requireWorkflowStatus(id, "COMPLETED")
	})
}

// ---------------------------------------------------------------------------------------------
// Scenario 9: input templates
// ---------------------------------------------------------------------------------------------

func TestWorkflowInputTemplates(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.registerTaskDefs(integrationTaskDef(0, "inputTemplate", obj{
		"url":      "https://example.com/api",
		"timeout":  30,
		"enabled":  true,
		"nested":   obj{"from": "${workflow.input.user.name}", "list": arr{"${workflow.input.count}", "literal"}},
		"override": "template value",
		"nullable": "template fallback",
	}))
	def := workflowDef("template_wf", workerTask("t1", 0, obj{
		"override": "${workflow.input.who}",
		"nullable": "${workflow.input.absent}",
		"own":      "${workflow.input.count}",
	}))
	def["inputTemplate"] = obj{"count": 7, "user": obj{"name": "default user"}, "flag": false, "who": "template who"}
	b.createWorkflow(def)

	id := b.startWorkflow("template_wf", obj{"who": "given", "user": obj{"name": "alice"}})
	wf := b.execution(id)
	require.Equal(t, obj{"who": "given", "user": obj{"name": "alice"}, "count": num(7), "flag": false}, wf["input"],
		"the workflow inputTemplate fills only missing keys, as they are")
	require.Equal(t, obj{
		"override": "given",
		"nullable": "template fallback",
		"own":      num(7),
		"url":      "https://example.com/api",
		"timeout":  num(30),
		"enabled":  true,
		"nested":   obj{"from": "alice", "list": arr{num(7), "literal"}},
	}, taskByRef(t, wf, "t1")["inputData"])
}

// ---------------------------------------------------------------------------------------------
// Scenario 10: task and workflow timeouts
// ---------------------------------------------------------------------------------------------

func TestWorkflowTaskTimeoutRetry(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.registerTaskDefs(integrationTaskDef(0, "timeoutSeconds", 10, "responseTimeoutSeconds", 10, "timeoutPolicy", "RETRY"))
	b.createWorkflow(oneTaskDef("timeout_retry_wf"))
	id := b.startWorkflow("timeout_retry_wf", nil)

	b.pollTask(itName(0))
	b.advance(9 * time.Second)
	require.Equal(t, []string{"t1:IN_PROGRESS"}, refsAndStatuses(t, b.execution(id)))
	b.advance(2 * time.Second)
	wf := b.requireWorkflowStatus(id, "RUNNING")
	require.Equal(t, []string{"t1:TIMED_OUT", "t1:SCHEDULED"}, refsAndStatuses(t, wf))

	last := b.pollTask(itName(0))
	b.advance(11 * time.Second)
	wf = b.requireWorkflowStatus(id, "TIMED_OUT")
	require.Equal(t, []string{"t1:TIMED_OUT", "t1:TIMED_OUT"}, refsAndStatuses(t, wf))
	require.True(t, strings.HasPrefix(wf["reasonForIncompletion"].(string),
		fmt.Sprintf("Task %v failed with status: TIMED_OUT", last["taskId"])), "reason: %v", wf["reasonForIncompletion"])
}

// A task past both its run timeout and its response timeout is judged by the run timeout
// first, as Conductor's decider does: TIME_OUT_WF ends the workflow at once, without retry.
func TestWorkflowTaskTimeoutTimesOutWorkflow(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.registerTaskDefs(integrationTaskDef(0, "timeoutSeconds", 10, "responseTimeoutSeconds", 10, "timeoutPolicy", "TIME_OUT_WF"))
	b.createWorkflow(oneTaskDef("timeout_wf_wf"))
	id := b.startWorkflow("timeout_wf_wf", nil)

	b.pollTask(itName(0))
	b.advance(11 * time.Second)
	wf := b.requireWorkflowStatus(id, "TIMED_OUT")
	require.Equal(t, []string{"t1:TIMED_OUT"}, refsAndStatuses(t, wf), "TIME_OUT_WF does not retry")
	require.Contains(t, taskByRef(t, wf, "t1")["reasonForIncompletion"], "Timeout configured as 10 seconds")
}

// extendLease only refreshes the response-timeout clock; the run timeout still applies, and
// the sweeper must notice it.
func TestWorkflowRunTimeoutAfterExtendLease(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.registerTaskDefs(integrationTaskDef(0, "timeoutSeconds", 10, "responseTimeoutSeconds", 10, "timeoutPolicy", "TIME_OUT_WF"))
	b.createWorkflow(oneTaskDef("extend_lease_wf"))
	id := b.startWorkflow("extend_lease_wf", nil)

	task := b.pollTask(itName(0))
	b.clock.Advance(6 * time.Second)
	requireID(t, b.do(http.MethodPost, tasksPath, obj{"workflowInstanceId": id, "taskId": task["taskId"],
		"status": "IN_PROGRESS", "extendLease": true}))
	require.Equal(t, "IN_PROGRESS", b.getTask(task["taskId"].(string))["status"], "extendLease keeps the task running")
	b.advance(5 * time.Second) // 11 s after the start, 5 s after the last update
	wf := b.requireWorkflowStatus(id, "TIMED_OUT")
	require.Equal(t, []string{"t1:TIMED_OUT"}, refsAndStatuses(t, wf))
}

// The run timeout counts from the first start, also while a worker's IN_PROGRESS callback
// keeps the task back in the queue (Conductor checks every started, unfinished task).
func TestWorkflowRunTimeoutDuringCallback(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.registerTaskDefs(integrationTaskDef(0, "timeoutSeconds", 10, "responseTimeoutSeconds", 10, "timeoutPolicy", "TIME_OUT_WF"))
	b.createWorkflow(oneTaskDef("callback_timeout_wf"))
	id := b.startWorkflow("callback_timeout_wf", nil)

	task := b.pollTask(itName(0))
	b.clock.Advance(5 * time.Second)
	b.updateTask(task, "IN_PROGRESS", nil, "callbackAfterSeconds", 60)
	b.advance(6 * time.Second) // 11 s after the start
	wf := b.requireWorkflowStatus(id, "TIMED_OUT")
	require.Equal(t, []string{"t1:TIMED_OUT"}, refsAndStatuses(t, wf))
	b.requireNothingToPoll(itName(0))
}

func TestWorkflowTaskTimeoutAlertOnly(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.registerTaskDefs(integrationTaskDef(0, "timeoutSeconds", 10, "responseTimeoutSeconds", 10, "timeoutPolicy", "ALERT_ONLY"))
	b.createWorkflow(oneTaskDef("alert_only_wf"))
	id := b.startWorkflow("alert_only_wf", nil)

	task := b.pollTask(itName(0))
	b.clock.Advance(6 * time.Second)
	requireID(t, b.do(http.MethodPost, tasksPath, obj{"workflowInstanceId": id, "taskId": task["taskId"],
		"status": "IN_PROGRESS", "extendLease": true}))
	b.advance(5 * time.Second)
	requireEmptyOK(t, b.do(http.MethodPut, executionPath+"/decide/"+id, nil))
	wf := b.requireWorkflowStatus(id, "RUNNING")
	require.Equal(t, []string{"t1:IN_PROGRESS"}, refsAndStatuses(t, wf), "ALERT_ONLY only alerts")

	b.completeTask(task, nil)
	b.requireWorkflowStatus(id, "COMPLETED")
}

func TestWorkflowPollTimeout(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.registerTaskDefs(integrationTaskDef(0, "pollTimeoutSeconds", 5, "timeoutPolicy", "RETRY"))
	b.createWorkflow(oneTaskDef("poll_timeout_wf"))
	id := b.startWorkflow("poll_timeout_wf", nil)

	b.advance(4 * time.Second)
	require.Equal(t, []string{"t1:SCHEDULED"}, refsAndStatuses(t, b.execution(id)))
	b.advance(2 * time.Second)
	wf := b.requireWorkflowStatus(id, "RUNNING")
	require.Equal(t, []string{"t1:TIMED_OUT", "t1:SCHEDULED"}, refsAndStatuses(t, wf), "nobody polled within 5 s")
	require.Contains(t, strings.ToLower(tasksOf(t, wf)[0]["reasonForIncompletion"].(string)), "poll")

	b.advance(6 * time.Second)
	wf = b.requireWorkflowStatus(id, "TIMED_OUT")
	require.Equal(t, []string{"t1:TIMED_OUT", "t1:TIMED_OUT"}, refsAndStatuses(t, wf))
}

func TestWorkflowTimeout(t *testing.T) {
	t.Parallel()
	timedDef := func(name, policy string) obj {
		def := workflowDef(name, workerTask("t1", 0, nil), workerTask("t2", 1, nil))
		def["timeoutSeconds"], def["timeoutPolicy"] = 5, policy
		return def
	}
	t.Run("TIME_OUT_WF", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		b.registerIntegrationTasks(2)
		b.createWorkflow(timedDef("wf_timeout", "TIME_OUT_WF"))
		id := b.startWorkflow("wf_timeout", nil)
		b.pollAndComplete(itName(0), nil)

		b.advance(4 * time.Second)
		b.requireWorkflowStatus(id, "RUNNING")
		b.advance(2 * time.Second)
		wf := b.requireWorkflowStatus(id, "TIMED_OUT")
		require.Equal(t, "Workflow timed out after 6 seconds. Timeout configured as 5 seconds. "+
			"Timeout policy configured to TIME_OUT_WF", wf["reasonForIncompletion"])
		require.Equal(t, []string{"t1:COMPLETED", "t2:CANCELED"}, refsAndStatuses(t, wf))
		b.requireNothingToPoll(itName(1))
	})
	t.Run("TIME_OUT_WF while paused", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		b.registerIntegrationTasks(2)
		b.createWorkflow(timedDef("wf_timeout_paused", "TIME_OUT_WF"))
		id := b.startWorkflow("wf_timeout_paused", nil)
		requireEmptyOK(t, b.do(http.MethodPut, executionPath+"/"+id+"/pause", nil))
		b.advance(6 * time.Second)
		wf := b.requireWorkflowStatus(id, "TIMED_OUT")
		require.Equal(t, []string{"t1:CANCELED"}, refsAndStatuses(t, wf))
	})
	t.Run("ALERT_ONLY", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		b.registerIntegrationTasks(2)
		b.createWorkflow(timedDef("wf_alert", "ALERT_ONLY"))
		id := b.startWorkflow("wf_alert", nil)
		b.advance(60 * time.Second)
		requireEmptyOK(t, b.do(http.MethodPut, executionPath+"/decide/"+id, nil))
		wf := b.requireWorkflowStatus(id, "RUNNING")
		require.Equal(t, []string{"t1:SCHEDULED"}, refsAndStatuses(t, wf))
	})
}

// ---------------------------------------------------------------------------------------------
// Scenario 11: pause and resume; definitions without tasks
// ---------------------------------------------------------------------------------------------

func TestWorkflowPauseResume(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.registerIntegrationTasks(2)
	b.createWorkflow(workflowDef("pause_wf", workerTask("t1", 0, nil), workerTask("t2", 1, nil)))
	id := b.startWorkflow("pause_wf", nil)
	t1 := b.pollTask(itName(0))

	requireEmptyOK(t, b.do(http.MethodPut, executionPath+"/"+id+"/pause", nil))
	b.requireWorkflowStatus(id, "PAUSED")
	requireEmptyOK(t, b.do(http.MethodPut, executionPath+"/"+id+"/pause", nil)) // idempotent

	b.completeTask(t1, obj{"k": "v"})
	wf := b.requireWorkflowStatus(id, "PAUSED")
	require.Equal(t, []string{"t1:COMPLETED"}, refsAndStatuses(t, wf), "a paused workflow records the update but schedules nothing")
	requireEmptyOK(t, b.do(http.MethodPut, executionPath+"/decide/"+id, nil))
	b.advance(time.Minute)
	require.Equal(t, []string{"t1:COMPLETED"}, refsAndStatuses(t, b.requireWorkflowStatus(id, "PAUSED")))
	b.requireNothingToPoll(itName(1))

	requireEmptyOK(t, b.do(http.MethodPut, executionPath+"/"+id+"/resume", nil))
	wf = b.requireWorkflowStatus(id, "RUNNING")
	require.Equal(t, []string{"t1:COMPLETED", "t2:SCHEDULED"}, refsAndStatuses(t, wf))

	// Resuming a workflow that is not paused is refused (Conductor: IllegalStateException).
	resp := b.do(http.MethodPut, executionPath+"/"+id+"/resume", nil)
	require.NotEqual(t, http.StatusOK, resp.Status)
	require.Contains(t, resp.Error(t).Message, "is not PAUSED")

	b.pollAndComplete(itName(1), nil)
	b.requireWorkflowStatus(id, "COMPLETED")
	resp = b.do(http.MethodPut, executionPath+"/"+id+"/pause", nil)
	requireStatus(t, resp, http.StatusConflict)
}

func TestWorkflowWithoutTasks(t *testing.T) {
	t.Parallel()
	b := setup(t)
	empty := obj{"name": "empty_wf", "version": 1, "schemaVersion": 2, "tasks": arr{}}
	requireValidation(t, b.do(http.MethodPost, workflowPath, empty), "tasks: WorkflowTask list cannot be empty")

	// An inline definition is validated like a registered one (StartWorkflowRequest.workflowDef is @Valid).
	resp := b.do(http.MethodPost, executionPath, obj{"name": "empty_wf", "input": obj{}, "workflowDef": empty})
	requireValidation(t, resp, "tasks: WorkflowTask list cannot be empty")
	requireError(t, b.do(http.MethodGet, workflowPath+"/empty_wf", nil), http.StatusNotFound,
		"No such workflow found by name: empty_wf, version: null")
}

func TestWorkflowStartWithInlineDefinition(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.registerIntegrationTasks(1)
	def := workflowDef("adhoc_wf", workerTask("t1", 0, obj{"x": "${workflow.input.x}"}))
	id := b.startWith(obj{"name": "adhoc_wf", "input": obj{"x": 1}, "workflowDef": def})
	wf := b.requireWorkflowStatus(id, "RUNNING")
	require.Equal(t, "adhoc_wf", wf["workflowName"])
	t1 := taskByRef(t, wf, "t1")
	require.Equal(t, obj{"x": num(1)}, t1["inputData"])
	requireNum(t, 120, dig(t, t1, "workflowTask", "taskDefinition", "timeoutSeconds"),
		"the registered task definition is embedded in an inline definition too")
	b.requireWorkflowAbsent("adhoc_wf")
	b.pollAndComplete(itName(0), nil)
	b.requireWorkflowStatus(id, "COMPLETED")
}

// ---------------------------------------------------------------------------------------------
// Scenario 15: SWITCH and DECISION
// ---------------------------------------------------------------------------------------------

// switchStep is a worker task a SWITCH branch runs: its ref and integration task number.
type switchStep struct {
	ref string
	n   int
}

func TestWorkflowSwitch(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name     string
		input    obj
		selected string
		path     []switchStep // the worker tasks of the branch, before tafter
		nested   string       // the nested switch's selected case, if it runs
	}{
		{name: "case a", input: obj{"case": "a"}, selected: "a", path: []switchStep{{"ta", 1}}},
		{name: "case b", input: obj{"case": "b"}, selected: "b", path: []switchStep{{"tb1", 2}, {"tb2", 3}}},
		{name: "default", input: obj{"case": "zzz"}, selected: "zzz", path: []switchStep{{"tdefault", 6}}},
		{name: "missing value", input: obj{}, selected: "null", path: []switchStep{{"tdefault", 6}}},
		{name: "empty case", input: obj{"case": "skip"}, selected: "skip"},
		{name: "nested big", input: obj{"case": "nested", "size": 20}, selected: "nested", nested: "big",
			path: []switchStep{{"tbig", 4}}},
		{name: "nested small", input: obj{"case": "nested", "size": 2}, selected: "nested", nested: "small",
			path: []switchStep{{"tsmall", 5}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t)
			b.registerIntegrationTasks(8)
			b.registerScenario("switch_workflow.json")
			id := b.startWorkflow("switch_wf", tc.input)

			wf := b.execution(id)
			sw := taskByRef(t, wf, "sw")
			require.Equal(t, "SWITCH", sw["taskType"])
			require.Equal(t, "COMPLETED", sw["status"])
			require.Equal(t, tc.selected, dig(t, sw, "inputData", "case"))
			require.Equal(t, obj{"evaluationResult": arr{tc.selected}, "selectedCase": tc.selected}, sw["outputData"])
			if tc.nested != "" {
				nsw := taskByRef(t, wf, "nsw")
				require.Equal(t, "COMPLETED", nsw["status"])
				require.Equal(t, tc.nested, dig(t, nsw, "outputData", "selectedCase"))
			}
			for _, step := range tc.path {
				wf = b.execution(id)
				require.Equal(t, "SCHEDULED", taskByRef(t, wf, step.ref)["status"], "%s: %v", step.ref, refsAndStatuses(t, wf))
				b.pollAndComplete(itName(step.n), nil)
			}
			wf = b.execution(id)
			after := taskByRef(t, wf, "tafter")
			require.Equal(t, "SCHEDULED", after["status"], "execution continues after the switch")
			require.Equal(t, obj{"chosen": tc.selected}, after["inputData"])
			b.pollAndComplete(itName(7), nil)
			wf = b.requireWorkflowStatus(id, "COMPLETED")
			require.Equal(t, obj{"case": tc.selected}, wf["output"])
			require.Len(t, tasksOf(t, wf), 2+len(tc.path)+map[bool]int{true: 1}[tc.nested != ""])
		})
	}
}

func TestWorkflowSwitchWithoutDefault(t *testing.T) {
	t.Parallel()
	start := func(t *testing.T, input obj) (*testBundle, string) {
		b := setup(t)
		b.registerIntegrationTasks(3)
		b.createWorkflow(workflowDef("switch_no_default_wf",
			obj{"name": "sw", "taskReferenceName": "sw", "type": "SWITCH", "evaluatorType": "javascript",
				"expression": "$.k", "inputParameters": obj{"k": "${workflow.input.k}"},
				"decisionCases": obj{"1": arr{workerTask("one", 1, nil)}}},
			workerTask("next", 2, nil)))
		return b, b.startWorkflow("switch_no_default_wf", input)
	}
	t.Run("no match", func(t *testing.T) {
		t.Parallel()
		b, id := start(t, obj{"k": "nothing"})
		wf := b.execution(id)
		require.Equal(t, []string{"sw:COMPLETED", "next:SCHEDULED"}, refsAndStatuses(t, wf))
		b.pollAndComplete(itName(2), nil)
		b.requireWorkflowStatus(id, "COMPLETED")
	})
	t.Run("number selects its string case", func(t *testing.T) {
		t.Parallel()
		b, id := start(t, obj{"k": 1})
		wf := b.execution(id)
		require.Equal(t, []string{"sw:COMPLETED", "one:SCHEDULED"}, refsAndStatuses(t, wf))
		require.Equal(t, "1", dig(t, taskByRef(t, wf, "sw"), "outputData", "selectedCase"))
	})
}

func TestWorkflowSwitchScriptError(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.registerIntegrationTasks(2)
	b.createWorkflow(workflowDef("switch_error_wf",
		obj{"name": "sw", "taskReferenceName": "sw", "type": "SWITCH", "evaluatorType": "javascript",
			"expression": "$.missing.deeper", "decisionCases": obj{"x": arr{workerTask("x", 1, nil)}}}))
	id := b.startWorkflow("switch_error_wf", nil)
	wf := b.requireWorkflowStatus(id, "FAILED")
	require.Equal(t, []string{"sw:FAILED"}, refsAndStatuses(t, wf), "a SWITCH is never retried")
}

func TestWorkflowDecision(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		input   obj
		route   string // d1's case
		first   string // ref run by d1
		firstN  int
		second  string // ref run by d2
		secondN int
		d2Case  string
	}{
		{"param case", obj{"route": "x", "n": 9}, "x", "dx", 1, "dgt", 3, "gt"},
		{"default", obj{"route": "y", "n": 1}, "y", "ddefault", 2, "dle", 4, "le"},
		{"empty case falls to default", obj{"route": "empty", "n": 5}, "empty", "ddefault", 2, "dle", 4, "le"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t)
			b.registerIntegrationTasks(5)
			b.registerScenario("decision_workflow.json")
			id := b.startWorkflow("decision_wf", tc.input)

			wf := b.execution(id)
			d1 := taskByRef(t, wf, "d1")
			require.Equal(t, "DECISION", d1["taskType"])
			require.Equal(t, "COMPLETED", d1["status"])
			require.Equal(t, obj{"caseOutput": arr{tc.route}}, d1["outputData"])
			require.Equal(t, []string{"d1:COMPLETED", tc.first + ":SCHEDULED"}, refsAndStatuses(t, wf))
			b.pollAndComplete(itName(tc.firstN), nil)

			wf = b.execution(id)
			d2 := taskByRef(t, wf, "d2")
			require.Equal(t, "COMPLETED", d2["status"])
			require.Equal(t, obj{"caseOutput": arr{tc.d2Case}}, d2["outputData"])
			require.Equal(t, "SCHEDULED", taskByRef(t, wf, tc.second)["status"])
			b.pollAndComplete(itName(tc.secondN), nil)
			b.requireWorkflowStatus(id, "COMPLETED")
		})
	}
}

// ---------------------------------------------------------------------------------------------
// Scenario 16: TERMINATE and the failure workflow
// ---------------------------------------------------------------------------------------------

// failureHandlerDef is the failure workflow the TERMINATE scenarios start.
func failureHandlerDef() obj {
	return workflowDef("failure_handler", workerTask("fh", 9, obj{"failedId": "${workflow.input.workflowId}"}))
}

func TestWorkflowTerminateCompleted(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.registerIntegrationTasks(10)
	b.createWorkflow(failureHandlerDef())
	b.registerScenario("terminate_workflow.json")

	id := b.startWorkflow("terminate_wf", obj{"a": 21, "why": "enough"})
	wf := b.requireWorkflowStatus(id, "COMPLETED")
	require.Equal(t, []string{"calc:COMPLETED", "term:COMPLETED"}, refsAndStatuses(t, wf), "nothing runs after TERMINATE")
	term := taskByRef(t, wf, "term")
	require.Equal(t, "TERMINATE", term["taskType"])
	require.Equal(t, obj{"doubled": num(42), "why": "enough"}, term["outputData"])
	require.Equal(t, obj{"doubled": num(42), "why": "enough"}, wf["output"], "the TERMINATE output replaces outputParameters")
	require.Contains(t, wf["reasonForIncompletion"], "TERMINATE")
	require.Contains(t, wf["reasonForIncompletion"], term["taskId"])
	b.requireNothingToPoll(itName(1))
	b.requireNothingToPoll(itName(9)) // no failure workflow for a successful end
}

func TestWorkflowTerminateFailedStartsFailureWorkflow(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.registerIntegrationTasks(10)
	b.createWorkflow(failureHandlerDef())
	def := decodeObj(t, fixture(t, "scenarios/terminate_workflow.json"))
	def["name"] = "terminate_failed_wf"
	term := dig(t, def, "tasks", 1).(obj)
	term["inputParameters"] = obj{"terminationStatus": "FAILED", "terminationReason": "custom: ${workflow.input.why}",
		"workflowOutput": obj{"doubled": "${calc.output.result}"}}
	b.createWorkflow(def)

	id := b.startWith(obj{"name": "terminate_failed_wf", "correlationId": "corr-16", "input": obj{"a": 2, "why": "bad input"}})
	wf := b.requireWorkflowStatus(id, "FAILED")
	require.Equal(t, []string{"calc:COMPLETED", "term:COMPLETED"}, refsAndStatuses(t, wf))
	require.Equal(t, "custom: bad input", wf["reasonForIncompletion"])
	require.Equal(t, num(4), dig(t, wf, "output", "doubled"))
	failureID, ok := dig(t, wf, "output", "conductor.failure_workflow").(string)
	require.True(t, ok)
	require.Regexp(t, uuidPattern, failureID)

	fw := b.requireWorkflowStatus(failureID, "RUNNING")
	require.Equal(t, "failure_handler", fw["workflowName"])
	require.Equal(t, "corr-16", fw["correlationId"], "the failure workflow keeps the correlationId")
	require.Equal(t, id, dig(t, fw, "input", "workflowId"))
	require.Equal(t, "custom: bad input", dig(t, fw, "input", "reason"))
	require.Equal(t, taskByRef(t, wf, "term")["taskId"], dig(t, fw, "input", "failureTaskId"))
	require.Equal(t, "FAILED", dig(t, fw, "input", "failureStatus"))
	require.Equal(t, "bad input", dig(t, fw, "input", "why"), "the original input is passed along")
	require.Equal(t, id, dig(t, fw, "input", "failedWorkflow", "workflowId"))
	fh := b.pollTask(itName(9))
	require.Equal(t, obj{"failedId": id}, fh["inputData"])
}

func TestWorkflowFailureWorkflowOnTaskFailure(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.registerIntegrationTasks(10)
	b.createWorkflow(failureHandlerDef())
	def := workflowDef("failing_wf", workerTask("t1", 0, nil, "retryCount", 0))
	def["failureWorkflow"] = "failure_handler"
	b.createWorkflow(def)

	id := b.startWorkflow("failing_wf", obj{"k": "v"})
	task := b.pollTask(itName(0))
	b.failTask(task, "worker gave up")
	wf := b.requireWorkflowStatus(id, "FAILED")
	failureID := dig(t, wf, "output", "conductor.failure_workflow").(string)
	fw := b.requireWorkflowStatus(failureID, "RUNNING")
	require.Equal(t, task["taskId"], dig(t, fw, "input", "failureTaskId"))
	require.Equal(t, failedReason(task, "FAILED", "worker gave up"), dig(t, fw, "input", "reason"))
	require.Equal(t, "v", dig(t, fw, "input", "k"))

	// Terminating through the API does not start the failure workflow.
	other := b.startWorkflow("failing_wf", nil)
	b.terminate(other, "operator")
	wf = b.requireWorkflowStatus(other, "TERMINATED")
	require.NotContains(t, wf["output"], "conductor.failure_workflow")
	b.pollTask(itName(9)) // the one of the first workflow
	b.requireNothingToPoll(itName(9))
}

// ---------------------------------------------------------------------------------------------
// Scenario 19: WAIT
// ---------------------------------------------------------------------------------------------

func waitDef(name string, input obj) obj {
	wait := obj{"name": "wait", "taskReferenceName": "wait", "type": "WAIT"}
	if input != nil {
		wait["inputParameters"] = input
	}
	return workflowDef(name, wait, workerTask("after", 1, obj{"waited": "${wait.output}"}))
}

func TestWorkflowWait(t *testing.T) {
	t.Parallel()
	t.Run("duration", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		b.registerIntegrationTasks(2)
		b.createWorkflow(waitDef("wait_duration_wf", obj{"duration": "30s"}))
		id := b.startWorkflow("wait_duration_wf", nil)
		require.Equal(t, []string{"wait:IN_PROGRESS"}, refsAndStatuses(t, b.execution(id)))
		b.advance(29 * time.Second)
		require.Equal(t, []string{"wait:IN_PROGRESS"}, refsAndStatuses(t, b.execution(id)))
		b.advance(2 * time.Second)
		wf := b.requireWorkflowStatus(id, "RUNNING")
		require.Equal(t, []string{"wait:COMPLETED", "after:SCHEDULED"}, refsAndStatuses(t, wf))
		b.pollAndComplete(itName(1), nil)
		b.requireWorkflowStatus(id, "COMPLETED")
	})
	t.Run("until an external update", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		b.registerIntegrationTasks(2)
		b.createWorkflow(waitDef("wait_forever_wf", nil))
		id := b.startWorkflow("wait_forever_wf", nil)
		b.advance(24 * time.Hour)
		wf := b.execution(id)
		require.Equal(t, []string{"wait:IN_PROGRESS"}, refsAndStatuses(t, wf), "a WAIT without deadline waits")
		waitID := taskByRef(t, wf, "wait")["taskId"]

		resp := b.do(http.MethodPost, tasksPath+"/"+id+"/wait/COMPLETED", obj{"approved": true})
		require.Equal(t, waitID, requireID(t, resp))
		wf = b.execution(id)
		require.Equal(t, []string{"wait:COMPLETED", "after:SCHEDULED"}, refsAndStatuses(t, wf))
		require.Equal(t, obj{"approved": true}, taskByRef(t, wf, "wait")["outputData"])
		require.Equal(t, obj{"waited": obj{"approved": true}}, taskByRef(t, wf, "after")["inputData"])
	})
	t.Run("until in the past", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		b.registerIntegrationTasks(2)
		b.createWorkflow(waitDef("wait_past_wf", obj{"until": "${workflow.input.until}"}))
		id := b.startWorkflow("wait_past_wf", obj{"until": "2020-01-01 00:00 UTC"})
		b.sweep()
		wf := b.requireWorkflowStatus(id, "RUNNING")
		require.Equal(t, []string{"wait:COMPLETED", "after:SCHEDULED"}, refsAndStatuses(t, wf))
	})
	t.Run("until in the future", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		b.registerIntegrationTasks(2)
		b.createWorkflow(waitDef("wait_future_wf", obj{"until": "${workflow.input.until}"}))
		until := b.clock.Now().UTC().Add(2*time.Hour).Format("2006-01-02 15:04") + " UTC"
		id := b.startWorkflow("wait_future_wf", obj{"until": until})
		b.advance(time.Hour)
		require.Equal(t, []string{"wait:IN_PROGRESS"}, refsAndStatuses(t, b.execution(id)))
		b.advance(time.Hour + time.Minute)
		require.Equal(t, []string{"wait:COMPLETED", "after:SCHEDULED"}, refsAndStatuses(t, b.execution(id)))
	})
	t.Run("duration and until are rejected", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		resp := b.do(http.MethodPost, workflowPath, waitDef("wait_both_wf", obj{"duration": "1s", "until": "2030-01-01 00:00 UTC"}))
		requireStatus(t, resp, http.StatusBadRequest)
		e := resp.Error(t)
		require.Equal(t, validationMessage, e.Message)
		require.Len(t, e.ValidationErrors, 1)
		require.Contains(t, e.ValidationErrors[0].Message, "duration")
		b.requireWorkflowAbsent("wait_both_wf")
	})
}

// ---------------------------------------------------------------------------------------------
// INLINE
// ---------------------------------------------------------------------------------------------

func inlineTask(ref, expression string, kv ...any) obj {
	input := with(obj{"evaluatorType": "javascript", "expression": expression, "a": "${workflow.input.a}"}, kv...)
	return obj{"name": ref, "taskReferenceName": ref, "type": "INLINE", "inputParameters": input}
}

func TestWorkflowInline(t *testing.T) {
	t.Parallel()
	b := setup(t)
	cases := []struct {
		task obj
		want any
	}{
		{inlineTask("number", "$.a + 1"), num(2)},
		{inlineTask("fraction", "$.a / 4"), json.Number("0.25")},
		{inlineTask("text", "'hello ' + $.name", "name", "${workflow.input.name}"), "hello world"},
		{inlineTask("boolean", "$.a > 0"), true},
		{inlineTask("object", "({sum: $.a + 1, list: [1, 'two']})"), obj{"sum": num(2), "list": arr{num(1), "two"}}},
		{inlineTask("list", "[$.a, 'x', false, null]"), arr{num(1), "x", false, nil}},
		{inlineTask("null", "null"), nil},
		{inlineTask("function", "(function(){ var x = $.a * 10; return x; })()"), num(10)},
		{inlineTask("graal", "$.a + 2", "evaluatorType", "graaljs"), num(3)},
		{inlineTask("value_param", "v", "evaluatorType", "value-param", "v", "${workflow.input.obj}"), obj{"k": arr{true}}},
		{inlineTask("chained", "$.prev * 3", "prev", "${number.output.result}"), num(6)},
	}
	tasks := make([]obj, len(cases))
	for i, c := range cases {
		tasks[i] = c.task
	}
	b.createWorkflow(workflowDef("inline_wf", tasks...))

	id := b.startWorkflow("inline_wf", obj{"a": 1, "name": "world", "obj": obj{"k": arr{true}}})
	wf := b.requireWorkflowStatus(id, "COMPLETED")
	for _, c := range cases {
		ref := c.task["taskReferenceName"].(string)
		task := taskByRef(t, wf, ref)
		require.Equal(t, "INLINE", task["taskType"], ref)
		require.Equal(t, "COMPLETED", task["status"], ref)
		require.Equal(t, obj{"result": c.want}, task["outputData"], ref)
	}
	require.Equal(t, obj{"result": num(6)}, wf["output"], "without outputParameters the last task's output is the workflow's")
}

func TestWorkflowInlineScriptError(t *testing.T) {
	t.Parallel()
	for name, expression := range map[string]string{
		"type error":   "$.missing.deeper",
		"syntax error": "(",
		"thrown":       "(function(){ throw new Error('no way'); })()",
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			b := setup(t)
			b.registerIntegrationTasks(2)
			b.createWorkflow(workflowDef("inline_error_wf", inlineTask("js", expression), workerTask("after", 1, nil)))
			id := b.startWorkflow("inline_error_wf", obj{"a": 1})
			wf := b.requireWorkflowStatus(id, "FAILED")
			require.Equal(t, []string{"js:FAILED_WITH_TERMINAL_ERROR"}, refsAndStatuses(t, wf))
			js := taskByRef(t, wf, "js")
			reason, _ := js["reasonForIncompletion"].(string)
			require.NotEmpty(t, reason)
			require.NotEmpty(t, dig(t, js, "outputData", "error"))
			require.Equal(t, failedReason(js, "FAILED", reason), wf["reasonForIncompletion"])
			require.Equal(t, arr{"js"}, wf["failedReferenceTaskNames"])
		})
	}
}

func TestWorkflowJQTransformAndLambda(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.createWorkflow(workflowDef("jq_lambda_wf",
		obj{"name": "reshape", "taskReferenceName": "reshape", "type": "JSON_JQ_TRANSFORM", "inputParameters": obj{
			"queryExpression": "{skus: [.items[].sku], n: (.items | length), half: (.items | length) / 4}",
			"items":           "${workflow.input.items}",
		}},
		obj{"name": "each", "taskReferenceName": "each", "type": "JSON_JQ_TRANSFORM", "inputParameters": obj{
			"queryExpression": ".skus[]", "skus": "${reshape.output.result.skus}",
		}},
		obj{"name": "legacy", "taskReferenceName": "legacy", "type": "LAMBDA", "inputParameters": obj{
			"scriptExpression": "return {count: $.n * 10, first: $.skus[0]};",
			"n":                "${reshape.output.result.n}", "skus": "${each.output.resultList}",
		}},
	))
	id := b.startWorkflow("jq_lambda_wf", obj{"items": arr{obj{"sku": "a"}, obj{"sku": "b"}}})
	wf := b.requireWorkflowStatus(id, "COMPLETED")
	require.Equal(t, []string{"reshape:COMPLETED", "each:COMPLETED", "legacy:COMPLETED"}, refsAndStatuses(t, wf))
	reshaped := obj{"skus": arr{"a", "b"}, "n": num(2), "half": json.Number("0.5")}
	require.Equal(t, obj{"result": reshaped, "resultList": arr{reshaped}}, taskByRef(t, wf, "reshape")["outputData"])
	require.Equal(t, obj{"result": "a", "resultList": arr{"a", "b"}}, taskByRef(t, wf, "each")["outputData"])
	require.Equal(t, obj{"result": obj{"count": num(20), "first": "a"}}, taskByRef(t, wf, "legacy")["outputData"])
}

func TestWorkflowNoop(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.registerIntegrationTasks(2)
	b.createWorkflow(workflowDef("noop_wf", obj{"name": "noop", "taskReferenceName": "noop", "type": "NOOP"},
		workerTask("t1", 1, nil)))
	id := b.startWorkflow("noop_wf", nil)
	require.Equal(t, []string{"noop:COMPLETED", "t1:SCHEDULED"}, refsAndStatuses(t, b.execution(id)))
}

// ---------------------------------------------------------------------------------------------
// HTTP
// ---------------------------------------------------------------------------------------------

// httpStub is an external service for HTTP tasks.
type httpStub struct {
	*httptest.Server
	flakyCalls atomic.Int32
	mu         sync.Mutex
	requests   []recordedRequest
}

type recordedRequest struct {
	Method, Path, ContentType, Accept string
	Body                              string
}

func newHTTPStub(t *testing.T) *httpStub {
	s := &httpStub{}
	mux := http.NewServeMux()
	record := func(r *http.Request) recordedRequest {
		body, _ := io.ReadAll(r.Body)
		rec := recordedRequest{Method: r.Method, Path: r.URL.Path, ContentType: r.Header.Get("Content-Type"),
			Accept: r.Header.Get("Accept"), Body: string(body)}
		s.mu.Lock()
		s.requests = append(s.requests, rec)
		s.mu.Unlock()
		return rec
	}
	mux.HandleFunc("GET /item", func(w http.ResponseWriter, r *http.Request) {
		record(r)
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Test", "yes")
		_, _ = io.WriteString(w, `{"x": 42, "name": "widget", "tags": ["a", "b"]}`)
	})
	mux.HandleFunc("POST /echo", func(w http.ResponseWriter, r *http.Request) {
		rec := record(r)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusCreated)
		_, _ = io.WriteString(w, `{"received": `+rec.Body+`}`)
	})
	mux.HandleFunc("GET /text", func(w http.ResponseWriter, r *http.Request) {
		record(r)
		w.Header().Set("Content-Type", "text/plain")
		_, _ = io.WriteString(w, "plain text")
	})
	mux.HandleFunc("GET /fail", func(w http.ResponseWriter, r *http.Request) {
		record(r)
		http.Error(w, "boom", http.StatusInternalServerError)
	})
	mux.HandleFunc("GET /flaky", func(w http.ResponseWriter, r *http.Request) {
		record(r)
		if s.flakyCalls.Add(1) == 1 {
			http.Error(w, "try again", http.StatusServiceUnavailable)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"ok": true}`)
	})
	s.Server = httptest.NewServer(mux)
	t.Cleanup(s.Close)
	return s
}

func (s *httpStub) recorded() []recordedRequest {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]recordedRequest(nil), s.requests...)
}

func httpTask(ref string, request obj) obj {
	return obj{"name": ref, "taskReferenceName": ref, "type": "HTTP", "inputParameters": obj{"http_request": request}}
}

func TestWorkflowHTTPGet(t *testing.T) {
	t.Parallel()
	b := setup(t)
	stub := newHTTPStub(t)
	b.registerIntegrationTasks(2)
	b.createWorkflow(workflowDef("http_get_wf",
		httpTask("h", obj{"uri": "${workflow.input.base}/item", "method": "GET"}),
		workerTask("after", 1, obj{"x": "${h.output.response.body.x}", "tags": "${h.output.response.body.tags}",
			"code": "${h.output.response.statusCode}"})))

	id := b.startWorkflow("http_get_wf", obj{"base": stub.URL})
	wf := b.waitForWorkflow(id, "the HTTP task to complete", func(wf obj) bool {
		return len(attemptsOf(t, wf, "after")) > 0
	})
	h := taskByRef(t, wf, "h")
	require.Equal(t, "HTTP", h["taskType"])
	require.Equal(t, "COMPLETED", h["status"])
	requireNum(t, 200, dig(t, h, "outputData", "response", "statusCode"))
	require.Equal(t, obj{"x": num(42), "name": "widget", "tags": arr{"a", "b"}}, dig(t, h, "outputData", "response", "body"))
	require.Equal(t, arr{"yes"}, dig(t, h, "outputData", "response", "headers", "X-Test"))
	require.Equal(t, obj{"x": num(42), "tags": arr{"a", "b"}, "code": num(200)}, taskByRef(t, wf, "after")["inputData"])

	reqs := stub.recorded()
	require.Len(t, reqs, 1)
	require.Equal(t, "application/json", reqs[0].Accept)
	b.pollAndComplete(itName(1), nil)
	b.requireWorkflowStatus(id, "COMPLETED")
}

func TestWorkflowHTTPPost(t *testing.T) {
	t.Parallel()
	b := setup(t)
	stub := newHTTPStub(t)
	b.createWorkflow(workflowDef("http_post_wf",
		httpTask("h", obj{"uri": "${workflow.input.base}/echo", "method": "POST",
			"body": obj{"hello": "${workflow.input.who}", "n": 3}}),
		httpTask("text", obj{"uri": "${workflow.input.base}/text", "method": "GET"})))

	id := b.startWorkflow("http_post_wf", obj{"base": stub.URL, "who": "podium"})
	wf := b.waitForStatus(id, "COMPLETED")
	h := taskByRef(t, wf, "h")
	requireNum(t, 201, dig(t, h, "outputData", "response", "statusCode"))
	require.Equal(t, obj{"hello": "podium", "n": num(3)}, dig(t, h, "outputData", "response", "body", "received"))
	require.Equal(t, "plain text", dig(t, taskByRef(t, wf, "text"), "outputData", "response", "body"),
		"a body that is not JSON is kept as text")

	reqs := stub.recorded()
	require.Len(t, reqs, 2)
	require.Equal(t, "POST", reqs[0].Method)
	require.Equal(t, "application/json", reqs[0].ContentType)
	require.JSONEq(t, `{"hello": "podium", "n": 3}`, reqs[0].Body)
}

func TestWorkflowHTTPFailure(t *testing.T) {
	t.Parallel()
	b := setup(t)
	stub := newHTTPStub(t)
	b.registerIntegrationTasks(2)
	b.createWorkflow(workflowDef("http_fail_wf",
		httpTask("h", obj{"uri": "${workflow.input.base}/fail", "method": "GET"}), workerTask("after", 1, nil)))

	id := b.startWorkflow("http_fail_wf", obj{"base": stub.URL})
	wf := b.waitForStatus(id, "FAILED")
	require.Equal(t, []string{"h:FAILED"}, refsAndStatuses(t, wf), "no task definition: no retry")
	h := taskByRef(t, wf, "h")
	require.True(t, strings.HasPrefix(h["reasonForIncompletion"].(string), "Failed to invoke HTTP task due to: "),
		"reason: %v", h["reasonForIncompletion"])
	require.Equal(t, failedReason(h, "FAILED", h["reasonForIncompletion"].(string)), wf["reasonForIncompletion"])
	require.Len(t, stub.recorded(), 1)
}

func TestWorkflowHTTPRetry(t *testing.T) {
	t.Parallel()
	b := setup(t)
	stub := newHTTPStub(t)
	b.registerTaskDefs(obj{"name": "flaky_http", "retryCount": 1, "retryDelaySeconds": 0, "responseTimeoutSeconds": 60})
	b.createWorkflow(workflowDef("http_retry_wf",
		obj{"name": "flaky_http", "taskReferenceName": "h", "type": "HTTP",
			"inputParameters": obj{"http_request": obj{"uri": "${workflow.input.base}/flaky", "method": "GET"}}}))

	id := b.startWorkflow("http_retry_wf", obj{"base": stub.URL})
	wf := b.waitForStatus(id, "COMPLETED")
	require.Equal(t, []string{"h:FAILED", "h:COMPLETED"}, refsAndStatuses(t, wf))
	attempts := attemptsOf(t, wf, "h")
	require.Equal(t, attempts[0]["taskId"], attempts[1]["retriedTaskId"])
	require.Equal(t, obj{"ok": true}, dig(t, attempts[1], "outputData", "response", "body"))
	require.EqualValues(t, 2, stub.flakyCalls.Load())
}

// ---------------------------------------------------------------------------------------------
// SET_VARIABLE
// ---------------------------------------------------------------------------------------------

func TestWorkflowSetVariable(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.registerIntegrationTasks(3)
	def := workflowDef("set_variable_wf",
		obj{"name": "sv1", "taskReferenceName": "sv1", "type": "SET_VARIABLE",
			"inputParameters": obj{"x": "${workflow.input.x}", "n": 5, "nested": obj{"k": arr{1, 2}}}},
		workerTask("t1", 1, obj{"x": "${workflow.variables.x}", "init": "${workflow.variables.init}",
			"nested": "${workflow.variables.nested}"}),
		obj{"name": "sv2", "taskReferenceName": "sv2", "type": "SET_VARIABLE", "inputParameters": obj{"x": "overwritten"}},
		workerTask("t2", 2, obj{"x": "${workflow.variables.x}"}))
	def["variables"] = obj{"init": "yes"}
	def["outputParameters"] = obj{"finalX": "${workflow.variables.x}"}
	b.createWorkflow(def)

	id := b.startWorkflow("set_variable_wf", obj{"x": "hello"})
	wf := b.execution(id)
	require.Equal(t, "COMPLETED", taskByRef(t, wf, "sv1")["status"])
	require.Equal(t, obj{"init": "yes", "x": "hello", "n": num(5), "nested": obj{"k": arr{num(1), num(2)}}}, wf["variables"])
	require.Equal(t, obj{"x": "hello", "init": "yes", "nested": obj{"k": arr{num(1), num(2)}}}, taskByRef(t, wf, "t1")["inputData"])

	b.pollAndComplete(itName(1), nil)
	wf = b.execution(id)
	require.Equal(t, "overwritten", dig(t, wf, "variables", "x"))
	require.Equal(t, obj{"x": "overwritten"}, taskByRef(t, wf, "t2")["inputData"])

	resp := b.do(http.MethodGet, executionPath+"/"+id+"/status?includeVariables=true", nil)
	requireStatus(t, resp, http.StatusOK)
	require.Equal(t, wf["variables"], decodeObj(t, resp.Body)["variables"])

	b.pollAndComplete(itName(2), nil)
	wf = b.requireWorkflowStatus(id, "COMPLETED")
	require.Equal(t, obj{"finalX": "overwritten"}, wf["output"])
}

func TestWorkflowSetVariableSizeLimit(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.registerIntegrationTasks(2)
	def := workflowDef("set_variable_limit_wf",
		obj{"name": "sv", "taskReferenceName": "sv", "type": "SET_VARIABLE", "inputParameters": obj{"big": "${workflow.input.big}"}},
		workerTask("t1", 1, nil))
	def["variables"] = obj{"kept": true}
	b.createWorkflow(def)

	fits := b.startWorkflow("set_variable_limit_wf", obj{"big": strings.Repeat("a", 200<<10)})
	wf := b.requireWorkflowStatus(fits, "RUNNING")
	require.Equal(t, []string{"sv:COMPLETED", "t1:SCHEDULED"}, refsAndStatuses(t, wf))
	require.Len(t, dig(t, wf, "variables", "big"), 200<<10)

	tooBig := b.startWorkflow("set_variable_limit_wf", obj{"big": strings.Repeat("a", 300<<10)})
	wf = b.requireWorkflowStatus(tooBig, "FAILED")
	require.Equal(t, []string{"sv:FAILED_WITH_TERMINAL_ERROR"}, refsAndStatuses(t, wf))
	require.Equal(t, obj{"kept": true}, wf["variables"], "variables are left as they were")
	require.Contains(t, taskByRef(t, wf, "sv")["reasonForIncompletion"], "variables")
}

// ---------------------------------------------------------------------------------------------
// Scenario 20: the REST surface end to end, and error contracts
// ---------------------------------------------------------------------------------------------

func TestWorkflowRESTEndToEnd(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.registerIntegrationTasks(3)
	b.registerScenario("simple_workflow_1.json")

	id := b.startWith(obj{"name": "integration_test_wf", "version": 1, "correlationId": "rest-1",
		"input": obj{"param1": "a", "param2": "b"}})
	wf := b.execution(id)
	require.Len(t, tasksOf(t, wf), 1)
	resp := b.do(http.MethodGet, executionPath+"/"+id+"?includeTasks=false", nil)
	requireStatus(t, resp, http.StatusOK)
	require.Equal(t, arr{}, decodeObj(t, resp.Body)["tasks"])

	resp = b.do(http.MethodGet, tasksPath+"/queue/size?taskType=integration_task_1", nil)
	requireStatus(t, resp, http.StatusOK)
	require.Equal(t, "1", string(resp.Body))
	resp = b.do(http.MethodGet, tasksPath+"/queue/sizes?taskType=integration_task_1&taskType=integration_task_2", nil)
	requireStatus(t, resp, http.StatusOK)
	require.Equal(t, obj{"integration_task_1": num(1), "integration_task_2": num(0)}, decodeObj(t, resp.Body))
	resp = b.do(http.MethodGet, tasksPath+"/queue/all", nil)
	requireStatus(t, resp, http.StatusOK)
	require.Equal(t, obj{"integration_task_1": num(1)}, decodeObj(t, resp.Body))

	resp = b.do(http.MethodGet, tasksPath+"/poll/batch/unknown_task_type?count=5&timeout=10", nil)
	requireStatus(t, resp, http.StatusOK)
	require.Equal(t, "[]", string(resp.Body))
	b.requireNothingToPoll("unknown_task_type")

	resp = b.do(http.MethodGet, tasksPath+"/poll/batch/integration_task_1?count=5&timeout=10&workerid=batcher", nil)
	requireStatus(t, resp, http.StatusOK)
	polled := decodeArr(t, resp.Body)
	require.Len(t, polled, 1)
	task := polled[0].(obj)
	require.Equal(t, "batcher", task["workerId"])
	b.completeTask(task, obj{"op": "done"})
	require.Equal(t, []string{"t1:COMPLETED", "t2:SCHEDULED"}, refsAndStatuses(t, b.execution(id)))

	b.terminate(id, "rest+test")
	wf = b.requireWorkflowStatus(id, "TERMINATED")
	require.Equal(t, "rest test", wf["reasonForIncompletion"])
	require.Equal(t, []string{"t1:COMPLETED", "t2:CANCELED"}, refsAndStatuses(t, wf))
	b.requireNothingToPoll("integration_task_2")
	b.terminate(id, "again") // terminating twice is a no-op
	wf = b.requireWorkflowStatus(id, "TERMINATED")
	require.Equal(t, "rest test", wf["reasonForIncompletion"])

	done := b.startWorkflow("integration_test_wf", obj{"param1": "a"})
	b.pollAndComplete("integration_task_1", nil)
	b.pollAndComplete("integration_task_2", nil)
	b.requireWorkflowStatus(done, "COMPLETED")
	requireError(t, b.do(http.MethodDelete, executionPath+"/"+done, nil), http.StatusConflict,
		"Cannot terminate a COMPLETED workflow.")
	wf = b.requireWorkflowStatus(done, "COMPLETED")

	// Remove with archiveWorkflow=false deletes the execution and its tasks (the default archives
	// them: TestArchiveRemove).
	requireEmptyOK(t, b.do(http.MethodDelete, executionPath+"/"+done+"/remove?archiveWorkflow=false", nil))
	requireError(t, b.do(http.MethodGet, executionPath+"/"+done, nil), http.StatusNotFound, "No such workflow found by id: "+done)
	for _, task := range tasksOf(t, wf) {
		requireError(t, b.do(http.MethodGet, tasksPath+"/"+task["taskId"].(string), nil), http.StatusNotFound,
			"Task not found for taskId: "+task["taskId"].(string))
	}
}

func TestWorkflowStartErrors(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.registerIntegrationTasks(1)
	b.createWorkflow(oneTaskDef("start_errors_wf"))

	requireError(t, b.do(http.MethodPost, executionPath+"/no_such_wf", obj{}), http.StatusNotFound,
		"No such workflow found by name: no_such_wf, version: null")
	requireError(t, b.do(http.MethodPost, executionPath+"/start_errors_wf?version=7", obj{}), http.StatusNotFound,
		"No such workflow found by name: start_errors_wf, version: 7")
	requireError(t, b.do(http.MethodPost, executionPath, obj{"name": "no_such_wf", "input": obj{}}), http.StatusNotFound,
		"No such workflow found by name: no_such_wf, version: null")

	requireError(t, b.do(http.MethodPost, executionPath, `{"name": "start_errors_wf", "input": null}`), http.StatusBadRequest,
		"NULL input passed when starting workflow")
	requireError(t, b.do(http.MethodPost, executionPath+"/start_errors_wf", `null`), http.StatusBadRequest,
		"NULL input passed when starting workflow")

	requireStatus(t, b.do(http.MethodPost, executionPath, obj{"name": "start_errors_wf", "input": obj{}, "priority": 100}),
		http.StatusBadRequest)
	requireStatus(t, b.do(http.MethodPost, executionPath, obj{"name": "start_errors_wf", "input": obj{}, "priority": -1}),
		http.StatusBadRequest)
	requireStatus(t, b.do(http.MethodPost, executionPath+"/start_errors_wf?priority=100", obj{}), http.StatusBadRequest)

	// Priorities 0 and 99 are fine, and the workflow and its tasks carry them.
	id := b.startWorkflow("start_errors_wf?priority=99", obj{})
	wf := b.execution(id)
	requireNum(t, 99, wf["priority"])
	requireNum(t, 99, taskByRef(t, wf, "t1")["workflowPriority"])
	b.startWith(obj{"name": "start_errors_wf", "input": obj{}, "priority": 0})

	// Starting without a body, or an input that is not an object, is a client error.
	requireStatus(t, b.do(http.MethodPost, executionPath+"/start_errors_wf", `[1]`), http.StatusBadRequest)
}

func TestWorkflowUnknownIDErrors(t *testing.T) {
	t.Parallel()
	b := setup(t)
	const id = "00000000-0000-4000-8000-000000000000"
	msg := "No such workflow found by id: " + id
	for _, c := range []struct{ method, path string }{
		{http.MethodGet, executionPath + "/" + id},
		{http.MethodGet, executionPath + "/" + id + "/status"},
		{http.MethodDelete, executionPath + "/" + id},
		{http.MethodDelete, executionPath + "/" + id + "/remove"},
		{http.MethodPut, executionPath + "/" + id + "/pause"},
		{http.MethodPut, executionPath + "/" + id + "/resume"},
		{http.MethodPut, executionPath + "/decide/" + id},
	} {
		requireError(t, b.do(c.method, c.path, nil), http.StatusNotFound, msg)
	}
	requireError(t, b.do(http.MethodGet, tasksPath+"/"+id, nil), http.StatusNotFound, "Task not found for taskId: "+id)
	requireStatus(t, b.do(http.MethodPost, tasksPath+"/"+id+"/ref/COMPLETED", obj{}), http.StatusNotFound)

	// Podium's ids are UUIDs: a segment that is none is no route (TestNoRouteIsNeverReadAsAnID),
	// or, a single one under /api/workflow, a workflow name only POST takes.
	requireStatus(t, b.do(http.MethodGet, executionPath+"/not-a-uuid", nil), http.StatusMethodNotAllowed)
	requireError(t, b.do(http.MethodGet, executionPath+"/not-a-uuid/status", nil), http.StatusNotFound,
		"No route for GET "+executionPath+"/not-a-uuid/status")
	requireError(t, b.do(http.MethodGet, tasksPath+"/not-a-uuid", nil), http.StatusNotFound,
		"No route for GET "+tasksPath+"/not-a-uuid")
}

// An empty TaskResult, as the Java client sends `new TaskResult()`, breaks exactly the two
// constraints of Conductor's TaskResult: the ids (status carries none).
func TestTaskResultValidation(t *testing.T) {
	t.Parallel()
	b := setup(t)
	requireValidation(t, b.do(http.MethodPost, tasksPath, `{"callbackAfterSeconds":0,"outputData":{},"logs":[],"extendLease":false}`),
		"taskId: Task ID cannot be null or empty", "workflowInstanceId: Workflow Id cannot be null or empty")
}

func TestTaskUpdateErrors(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.registerIntegrationTasks(2)
	b.createWorkflow(workflowDef("update_errors_wf", workerTask("t1", 0, nil), workerTask("t2", 1, nil)))
	id := b.startWorkflow("update_errors_wf", nil)

	requireValidation(t, b.do(http.MethodPost, tasksPath, obj{"status": "COMPLETED"}),
		"taskId: Task ID cannot be null or empty", "workflowInstanceId: Workflow Id cannot be null or empty")

	const unknown = "00000000-0000-4000-8000-000000000001"
	requireStatus(t, b.do(http.MethodPost, tasksPath, obj{"workflowInstanceId": id, "taskId": unknown, "status": "COMPLETED"}),
		http.StatusNotFound)

	t1 := b.pollTask(itName(0))
	b.completeTask(t1, obj{"first": true})
	// A second result for a finished task is accepted and ignored.
	b.updateTask(t1, "FAILED", obj{"second": true}, "reasonForIncompletion", "late")
	wf := b.execution(id)
	require.Equal(t, []string{"t1:COMPLETED", "t2:SCHEDULED"}, refsAndStatuses(t, wf))
	require.Equal(t, obj{"first": true}, taskByRef(t, wf, "t1")["outputData"])

	// So is a result for a task of an ended workflow.
	t2 := b.pollTask(itName(1))
	b.terminate(id, "stop")
	b.completeTask(t2, obj{"late": true})
	wf = b.requireWorkflowStatus(id, "TERMINATED")
	require.Equal(t, []string{"t1:COMPLETED", "t2:CANCELED"}, refsAndStatuses(t, wf))
	require.Equal(t, obj{}, taskByRef(t, wf, "t2")["outputData"])

	// Long polls are capped at 5 s.
	requireError(t, b.do(http.MethodGet, tasksPath+"/poll/batch/"+itName(0)+"?timeout=5001", nil), http.StatusBadRequest,
		"Long Poll Timeout value cannot be more than 5 seconds")
}

func TestTaskUpdateV2(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.registerIntegrationTasks(2)
	b.createWorkflow(oneTaskDef("update_v2_wf"))
	first := b.startWorkflow("update_v2_wf", nil)
	second := b.startWorkflow("update_v2_wf", nil)

	task := b.pollTask(itName(0))
	resp := b.do(http.MethodPost, tasksPath+"/update-v2", obj{"workflowInstanceId": task["workflowInstanceId"],
		"taskId": task["taskId"], "status": "COMPLETED", "workerId": testWorker})
	requireStatus(t, resp, http.StatusOK)
	next := decodeObj(t, resp.Body)
	require.Equal(t, "IN_PROGRESS", next["status"], "update-v2 hands out the next task of the same type")
	require.NotEqual(t, task["workflowInstanceId"], next["workflowInstanceId"])
	require.ElementsMatch(t, []any{first, second}, []any{task["workflowInstanceId"], next["workflowInstanceId"]})
	b.requireWorkflowStatus(task["workflowInstanceId"].(string), "COMPLETED")

	resp = b.do(http.MethodPost, tasksPath+"/update-v2", obj{"workflowInstanceId": next["workflowInstanceId"],
		"taskId": next["taskId"], "status": "COMPLETED"})
	requireStatus(t, resp, http.StatusNoContent)
	require.Empty(t, resp.Body)
	b.requireWorkflowStatus(next["workflowInstanceId"].(string), "COMPLETED")
}

func TestTaskUpdateByRef(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.registerIntegrationTasks(3)
	b.createWorkflow(workflowDef("by_ref_wf", workerTask("t1", 0, nil), workerTask("t2", 1, nil), workerTask("t3", 2, nil)))
	id := b.startWorkflow("by_ref_wf", nil)

	// The body is merged into the output the worker reported so far.
	t1 := b.pollTask(itName(0))
	b.updateTask(t1, "IN_PROGRESS", obj{"a": 1, "b": "old"})
	resp := b.do(http.MethodPost, tasksPath+"/"+id+"/t1/COMPLETED?workerid=ref-worker", obj{"b": "new", "c": true})
	require.Equal(t, t1["taskId"], requireID(t, resp))
	wf := b.execution(id)
	require.Equal(t, "COMPLETED", taskByRef(t, wf, "t1")["status"])
	require.Equal(t, obj{"a": num(1), "b": "new", "c": true}, taskByRef(t, wf, "t1")["outputData"])

	// No pending task with that ref: an empty 200; /sync answers 404.
	resp = b.do(http.MethodPost, tasksPath+"/"+id+"/t1/COMPLETED", obj{})
	requireStatus(t, resp, http.StatusOK)
	require.Empty(t, resp.Body)
	requireStatus(t, b.do(http.MethodPost, tasksPath+"/"+id+"/t1/COMPLETED/sync", obj{}), http.StatusNotFound)

	// The sync form answers the updated workflow.
	resp = b.do(http.MethodPost, tasksPath+"/"+id+"/t2/COMPLETED/sync", obj{"via": "sync"})
	requireStatus(t, resp, http.StatusOK)
	synced := decodeObj(t, resp.Body)
	require.Equal(t, id, synced["workflowId"])
	require.Equal(t, []string{"t1:COMPLETED", "t2:COMPLETED", "t3:SCHEDULED"}, refsAndStatuses(t, synced))

	resp = b.do(http.MethodPost, tasksPath+"/"+id+"/t3/FAILED_WITH_TERMINAL_ERROR", obj{})
	requireID(t, resp)
	b.requireWorkflowStatus(id, "FAILED")
	requireStatus(t, b.do(http.MethodPost, tasksPath+"/"+id+"/t3/NOT_A_STATUS", obj{}), http.StatusBadRequest)
}

func TestTaskLogsAndPollData(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.registerIntegrationTasks(1)
	b.createWorkflow(oneTaskDef("logs_wf"))
	b.startWorkflow("logs_wf", nil)
	task := b.pollTask(itName(0))
	taskID := task["taskId"].(string)

	requireEmptyOK(t, b.do(http.MethodPost, tasksPath+"/"+taskID+"/log", `"quoted line"`))
	requireEmptyOK(t, b.do(http.MethodPost, tasksPath+"/"+taskID+"/log", "plain line"))
	b.updateTask(task, "COMPLETED", nil, "logs", arr{obj{"log": "from the result"}})
	resp := b.do(http.MethodGet, tasksPath+"/"+taskID+"/log", nil)
	requireStatus(t, resp, http.StatusOK)
	logs := decodeArr(t, resp.Body)
	require.Len(t, logs, 3)
	for i, want := range []string{"quoted line", "plain line", "from the result"} {
		entry := logs[i].(obj)
		require.Equal(t, want, entry["log"])
		require.Equal(t, taskID, entry["taskId"])
		require.Positive(t, int64Of(t, entry["createdTime"]))
	}
	requireStatus(t, b.do(http.MethodPost, tasksPath+"/00000000-0000-4000-8000-000000000002/log", "x"), http.StatusNotFound)

	resp = b.do(http.MethodGet, tasksPath+"/queue/polldata?taskType="+itName(0), nil)
	requireStatus(t, resp, http.StatusOK)
	data := decodeArr(t, resp.Body)
	require.Len(t, data, 1)
	require.Equal(t, itName(0), dig(t, data, 0, "queueName"))
	require.Equal(t, testWorker, dig(t, data, 0, "workerId"))
	requireNum(t, b.clock.Now().UnixMilli(), dig(t, data, 0, "lastPollTime"))
	resp = b.do(http.MethodGet, tasksPath+"/queue/polldata/all", nil)
	requireStatus(t, resp, http.StatusOK)
	require.Len(t, decodeArr(t, resp.Body), 1)
}

// ---------------------------------------------------------------------------------------------
// Concurrency and long polls
// ---------------------------------------------------------------------------------------------

func TestTaskConcurrentBatchPollsHandOutEachTaskOnce(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.registerIntegrationTasks(1)
	b.createWorkflow(oneTaskDef("concurrent_poll_wf"))
	const workflows, workers = 30, 10
	for range workflows {
		b.startWorkflow("concurrent_poll_wf", nil)
	}

	var mu sync.Mutex
	seen := map[string]string{} // task id → worker
	var dups, errs []string
	var wg sync.WaitGroup
	client := b.server.Client()
	for w := range workers {
		wg.Go(func() {
			worker := fmt.Sprintf("w%d", w)
			url := b.server.URL + tasksPath + "/poll/batch/" + itName(0) + "?count=4&timeout=50&workerid=" + worker
			for empty := 0; empty < 2; {
				resp, err := rawRequest(client, http.MethodGet, url, nil, nil)
				if err != nil || resp.Status != http.StatusOK {
					mu.Lock()
					errs = append(errs, fmt.Sprintf("%s: %v %d %s", worker, err, resp.Status, resp.Body))
					mu.Unlock()
					return
				}
				var tasks []struct {
					TaskID string `json:"taskId"`
				}
				if err := json.Unmarshal(resp.Body, &tasks); err != nil {
					mu.Lock()
					errs = append(errs, err.Error())
					mu.Unlock()
					return
				}
				if len(tasks) == 0 {
					empty++
					continue
				}
				mu.Lock()
				for _, task := range tasks {
					if prev, dup := seen[task.TaskID]; dup {
						dups = append(dups, fmt.Sprintf("%s to %s and %s", task.TaskID, prev, worker))
					}
					seen[task.TaskID] = worker
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	require.Empty(t, errs)
	require.Empty(t, dups, "no task may be handed out twice")
	require.Len(t, seen, workflows, "every task is handed out")
	resp := b.do(http.MethodGet, tasksPath+"/queue/size?taskType="+itName(0), nil)
	require.Equal(t, "0", string(resp.Body))
}

func TestTaskConcurrentCompletionsScheduleNextOnce(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.registerIntegrationTasks(2)
	b.createWorkflow(workflowDef("concurrent_update_wf", workerTask("t1", 0, nil), workerTask("t2", 1, nil)))
	const workflows = 8
	ids := make([]string, workflows)
	for i := range ids {
		ids[i] = b.startWorkflow("concurrent_update_wf", nil)
	}
	var tasks []obj
	for range workflows {
		tasks = append(tasks, b.pollTask(itName(0)))
	}

	client := b.server.Client()
	start := make(chan struct{})
	var wg sync.WaitGroup
	var mu sync.Mutex
	var failures []string
	for _, task := range tasks {
		body := mustJSON(t, obj{"workflowInstanceId": task["workflowInstanceId"], "taskId": task["taskId"],
			"status": "COMPLETED", "outputData": obj{"by": "racer"}})
		for range 2 {
			wg.Go(func() {
				<-start
				resp, err := rawRequest(client, http.MethodPost, b.server.URL+tasksPath, body,
					http.Header{"Content-Type": {"application/json"}})
				if err != nil || resp.Status != http.StatusOK || string(resp.Body) != task["taskId"] {
					mu.Lock()
					failures = append(failures, fmt.Sprintf("%v %d %s", err, resp.Status, resp.Body))
					mu.Unlock()
				}
			})
		}
	}
	close(start)
	wg.Wait()
	require.Empty(t, failures, "both concurrent updates are answered 200 with the task id")
	for _, id := range ids {
		wf := b.execution(id)
		require.Equal(t, []string{"t1:COMPLETED", "t2:SCHEDULED"}, refsAndStatuses(t, wf), "the next task is scheduled exactly once")
	}
	resp := b.do(http.MethodGet, tasksPath+"/queue/size?taskType="+itName(1), nil)
	require.Equal(t, fmt.Sprint(workflows), string(resp.Body))
}

// A long poll on an empty queue returns as soon as work arrives (woken by the notification,
// not at the end of its timeout). This one runs in real time.
func TestTaskLongPollWakesOnNewWork(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.registerIntegrationTasks(1)
	b.createWorkflow(oneTaskDef("long_poll_wf"))

	type result struct {
		resp    response
		err     error
		elapsed time.Duration
	}
	done := make(chan result, 1)
	started := time.Now()
	go func() {
		resp, err := rawRequest(b.server.Client(), http.MethodGet,
			b.server.URL+tasksPath+"/poll/batch/"+itName(0)+"?count=1&timeout=3000&workerid=long", nil, nil)
		done <- result{resp, err, time.Since(started)}
	}()
	time.Sleep(300 * time.Millisecond) // let the poll start waiting
	id := b.startWorkflow("long_poll_wf", nil)

	r := <-done
	require.NoError(t, r.err)
	requireStatus(t, r.resp, http.StatusOK)
	polled := decodeArr(t, r.resp.Body)
	require.Len(t, polled, 1)
	require.Equal(t, id, dig(t, polled, 0, "workflowInstanceId"))
	require.Less(t, r.elapsed, 2*time.Second, "the poll must return when the task is scheduled, not at its timeout")
}

func TestTaskSignalCompletesWaitingTask(t *testing.T) {
	t.Parallel()
	b := setup(t)
	resp := b.do(http.MethodPost, "/api/metadata/workflow", map[string]any{
		"name": "signal_wf", "version": 1, "tasks": []any{
			map[string]any{"name": "w", "taskReferenceName": "w", "type": "WAIT"},
			map[string]any{"name": "after", "taskReferenceName": "after", "type": "SET_VARIABLE",
				"inputParameters": map[string]any{"approved": "${w.output.approved}"}},
		}})
	require.Equal(t, http.StatusOK, resp.Status, string(resp.Body))
	resp = b.do(http.MethodPost, "/api/workflow/signal_wf", map[string]any{})
	require.Equal(t, http.StatusOK, resp.Status, string(resp.Body))
	id := string(resp.Body)

	resp = b.do(http.MethodPost, "/api/tasks/"+id+"/COMPLETED/signal/sync", map[string]any{"approved": true})
	require.Equal(t, http.StatusOK, resp.Status, string(resp.Body))
	var wf map[string]any
	resp.JSON(t, &wf)
	require.Equal(t, "COMPLETED", wf["status"])
	require.Equal(t, map[string]any{"approved": true}, wf["variables"])
	require.Equal(t, "TARGET_WORKFLOW", wf["responseType"])

	resp = b.do(http.MethodPost, "/api/tasks/"+id+"/BOGUS/signal", map[string]any{})
	require.Equal(t, http.StatusBadRequest, resp.Status)
	resp = b.do(http.MethodPost, "/api/tasks/00000000-0000-0000-0000-000000000000/COMPLETED/signal", map[string]any{})
	require.Equal(t, http.StatusNotFound, resp.Status)
}
