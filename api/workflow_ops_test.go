package api_test

// Black-box tests of the operator actions on executions (Conductor §1.2, §1.3, §3.7): restart,
// retry, rerun, skip, resetcallbacks, the running/correlated/search listings, bulk operations,
// synchronous execution and idempotent starts. The helpers live in workflow_test.go.

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// isoTimePattern is the form of WorkflowSummary times: yyyy-MM-dd'T'HH:mm:ss.SSS'Z'.
var isoTimePattern = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$`)

// isoTime renders epoch milliseconds as a WorkflowSummary time.
func isoTime(ms int64) string { return time.UnixMilli(ms).UTC().Format("2006-01-02T15:04:05.000Z") }

// threeTaskDef runs t1, t2, t3 (integration_task_0..2); t1 reads workflow.input.param and t3
// reads t2's output.
func threeTaskDef(name string) obj {
	return workflowDef(name,
		workerTask("t1", 0, obj{"param": "${workflow.input.param}"}),
		workerTask("t2", 1, obj{"fromT1": "${t1.output.v}"}),
		workerTask("t3", 2, obj{"fromT2": "${t2.output.v}"}))
}

// runToCompletion completes the pending worker tasks of a threeTaskDef execution in order.
func (b *testBundle) runToCompletion(id string) {
	b.t.Helper()
	for i := range 3 {
		b.pollAndComplete(itName(i), obj{"v": fmt.Sprintf("out%d", i+1)})
	}
	b.requireWorkflowStatus(id, "COMPLETED")
}

// requireNoContent asserts a 204 with an empty body (restart, retry, resetcallbacks).
func requireNoContent(t *testing.T, resp response) {
	t.Helper()
	requireStatus(t, resp, http.StatusNoContent)
	require.Empty(t, resp.Body)
}

// requireFailureStatus asserts an error answer (any 4xx or 5xx) with a Conductor error body.
func requireFailureStatus(t *testing.T, resp response) {
	t.Helper()
	require.GreaterOrEqual(t, resp.Status, 400, "body: %s", resp.Body)
	resp.Error(t)
}

// ---------------------------------------------------------------------------------------------
// Restart
// ---------------------------------------------------------------------------------------------

func TestWorkflowRestart(t *testing.T) {
	t.Parallel()
	t.Run("completed workflow", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		b.registerIntegrationTasks(3)
		b.createWorkflow(threeTaskDef("restart_wf"))
		id := b.startWorkflow("restart_wf", obj{"param": "p"})
		requireStatus(t, b.do(http.MethodPost, executionPath+"/"+id+"/restart", nil), http.StatusConflict)

		first := b.execution(id)
		b.runToCompletion(id)
		b.clock.Advance(time.Second)
		requireNoContent(t, b.do(http.MethodPost, executionPath+"/"+id+"/restart", nil))

		wf := b.requireWorkflowStatus(id, "RUNNING")
		require.Equal(t, []string{"t1:SCHEDULED"}, refsAndStatuses(t, wf), "tasks are wiped and the first one scheduled again")
		require.NotEqual(t, taskByRef(t, first, "t1")["taskId"], taskByRef(t, wf, "t1")["taskId"])
		require.Equal(t, obj{"param": "p"}, wf["input"], "the input is kept")
		require.Equal(t, obj{}, wf["output"])
		requireNum(t, 0, wf["endTime"])
		require.Greater(t, int64Of(t, wf["createTime"]), int64Of(t, first["createTime"]), "createTime is reset")
		b.runToCompletion(id)
	})
	t.Run("failed workflow", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		b.registerIntegrationTasks(3)
		b.createWorkflow(threeTaskDef("restart_failed_wf"))
		id := b.startWorkflow("restart_failed_wf", nil)
		b.updateTask(b.pollTask(itName(0)), "FAILED_WITH_TERMINAL_ERROR", nil)
		b.requireWorkflowStatus(id, "FAILED")
		requireNoContent(t, b.do(http.MethodPost, executionPath+"/"+id+"/restart", nil))
		wf := b.requireWorkflowStatus(id, "RUNNING")
		require.Equal(t, []string{"t1:SCHEDULED"}, refsAndStatuses(t, wf))
		require.Equal(t, arr{}, wf["failedReferenceTaskNames"])
		require.NotContains(t, wf, "reasonForIncompletion")
	})
	t.Run("useLatestDefinitions", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		b.registerIntegrationTasks(3)
		b.createWorkflow(workflowDef("restart_latest_wf", workerTask("t1", 0, nil)))
		id := b.startWorkflow("restart_latest_wf", nil)
		b.pollAndComplete(itName(0), nil)
		b.requireWorkflowStatus(id, "COMPLETED")
		v2 := workflowDef("restart_latest_wf", workerTask("t1", 0, nil), workerTask("t2", 1, nil))
		v2["version"] = 2
		b.createWorkflow(v2)

		requireNoContent(t, b.do(http.MethodPost, executionPath+"/"+id+"/restart?useLatestDefinitions=false", nil))
		wf := b.execution(id)
		requireNum(t, 1, wf["workflowVersion"], "without the flag the execution keeps its definition")
		b.pollAndComplete(itName(0), nil)
		b.requireWorkflowStatus(id, "COMPLETED")

		requireNoContent(t, b.do(http.MethodPost, executionPath+"/"+id+"/restart?useLatestDefinitions=true", nil))
		wf = b.execution(id)
		requireNum(t, 2, wf["workflowVersion"])
		b.pollAndComplete(itName(0), nil)
		require.Equal(t, []string{"t1:COMPLETED", "t2:SCHEDULED"}, refsAndStatuses(t, b.execution(id)))
	})
	t.Run("not restartable", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		b.registerIntegrationTasks(1)
		def := oneTaskDef("not_restartable_wf")
		def["restartable"] = false
		b.createWorkflow(def)
		done := b.startWorkflow("not_restartable_wf", nil)
		b.pollAndComplete(itName(0), nil)
		b.requireWorkflowStatus(done, "COMPLETED")
		requireStatus(t, b.do(http.MethodPost, executionPath+"/"+done+"/restart", nil), http.StatusNotFound)
		b.requireWorkflowStatus(done, "COMPLETED")

		// Only COMPLETED executions are protected.
		terminated := b.startWorkflow("not_restartable_wf", nil)
		b.terminate(terminated, "stop")
		requireNoContent(t, b.do(http.MethodPost, executionPath+"/"+terminated+"/restart", nil))
		b.requireWorkflowStatus(terminated, "RUNNING")
	})
	t.Run("unknown workflow", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		const id = "00000000-0000-4000-8000-000000000003"
		requireError(t, b.do(http.MethodPost, executionPath+"/"+id+"/restart", nil), http.StatusNotFound,
			"No such workflow found by id: "+id)
	})
}

// ---------------------------------------------------------------------------------------------
// Retry
// ---------------------------------------------------------------------------------------------

func TestWorkflowRetry(t *testing.T) {
	t.Parallel()
	t.Run("failed task", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		b.registerIntegrationTasks(3)
		b.createWorkflow(workflowDef("retry_op_wf", workerTask("t1", 0, nil), workerTask("t2", 1, nil, "retryCount", 0),
			workerTask("t3", 2, nil)))
		id := b.startWorkflow("retry_op_wf", nil)
		requireError(t, b.do(http.MethodPost, executionPath+"/"+id+"/retry", nil), http.StatusNotFound,
			"Workflow is still running.  status=RUNNING")

		b.pollAndComplete(itName(0), nil)
		failed := b.pollTask(itName(1))
		b.failTask(failed, "broken")
		b.requireWorkflowStatus(id, "FAILED")

		b.clock.Advance(time.Second)
		requireNoContent(t, b.do(http.MethodPost, executionPath+"/"+id+"/retry", nil))
		wf := b.requireWorkflowStatus(id, "RUNNING")
		requireNum(t, b.clock.Now().UnixMilli(), wf["lastRetriedTime"])
		require.NotContains(t, wf, "reasonForIncompletion")
		require.Equal(t, []string{"t1:COMPLETED", "t2:FAILED", "t2:SCHEDULED"}, refsAndStatuses(t, wf),
			"only the failed task is scheduled again")
		again := taskByRef(t, wf, "t2")
		require.Equal(t, failed["taskId"], again["retriedTaskId"])
		require.Equal(t, true, attemptsOf(t, wf, "t2")[0]["retried"])

		require.Equal(t, again["taskId"], b.pollAndComplete(itName(1), nil)["taskId"])
		b.pollAndComplete(itName(2), nil)
		b.requireWorkflowStatus(id, "COMPLETED")
	})
	t.Run("completed workflow", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		b.registerIntegrationTasks(1)
		b.createWorkflow(oneTaskDef("retry_completed_wf"))
		id := b.startWorkflow("retry_completed_wf", nil)
		b.pollAndComplete(itName(0), nil)
		requireStatus(t, b.do(http.MethodPost, executionPath+"/"+id+"/retry", nil), http.StatusConflict)
		b.requireWorkflowStatus(id, "COMPLETED")
	})
	t.Run("terminated workflow", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		b.registerIntegrationTasks(2)
		b.createWorkflow(workflowDef("retry_terminated_wf", workerTask("t1", 0, nil), workerTask("t2", 1, nil)))
		id := b.startWorkflow("retry_terminated_wf", nil)
		b.pollAndComplete(itName(0), nil)
		b.terminate(id, "oops")
		requireNoContent(t, b.do(http.MethodPost, executionPath+"/"+id+"/retry", nil))
		wf := b.requireWorkflowStatus(id, "RUNNING")
		require.Equal(t, []string{"t1:COMPLETED", "t2:CANCELED", "t2:SCHEDULED"}, refsAndStatuses(t, wf))
		b.pollAndComplete(itName(1), nil)
		b.requireWorkflowStatus(id, "COMPLETED")
	})
	t.Run("timed out workflow", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		b.registerIntegrationTasks(2)
		def := workflowDef("retry_timed_out_wf", workerTask("t1", 0, nil), workerTask("t2", 1, nil))
		def["timeoutSeconds"], def["timeoutPolicy"] = 5, "TIME_OUT_WF"
		b.createWorkflow(def)
		id := b.startWorkflow("retry_timed_out_wf", nil)
		b.advance(6 * time.Second)
		b.requireWorkflowStatus(id, "TIMED_OUT")

		requireNoContent(t, b.do(http.MethodPost, executionPath+"/"+id+"/retry", nil))
		wf := b.requireWorkflowStatus(id, "RUNNING")
		require.Equal(t, []string{"t1:CANCELED", "t1:SCHEDULED"}, refsAndStatuses(t, wf))
		b.advance(4 * time.Second)
		b.requireWorkflowStatus(id, "RUNNING") // the timeout counts from lastRetriedTime
		b.pollAndComplete(itName(0), nil)
		b.pollAndComplete(itName(1), nil)
		b.requireWorkflowStatus(id, "COMPLETED")
	})
}

// ---------------------------------------------------------------------------------------------
// Rerun
// ---------------------------------------------------------------------------------------------

func TestWorkflowRerun(t *testing.T) {
	t.Parallel()
	t.Run("from a task", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		b.registerIntegrationTasks(3)
		b.createWorkflow(threeTaskDef("rerun_wf"))
		id := b.startWorkflow("rerun_wf", obj{"param": "p"})
		requireStatus(t, b.do(http.MethodPost, executionPath+"/"+id+"/rerun", obj{"reRunFromWorkflowId": id}),
			http.StatusConflict)
		b.runToCompletion(id)
		t2 := taskByRef(t, b.execution(id), "t2")

		resp := b.do(http.MethodPost, executionPath+"/"+id+"/rerun", obj{"reRunFromWorkflowId": id,
			"reRunFromTaskId": t2["taskId"], "taskInput": obj{"new": "input"}})
		require.Equal(t, id, requireID(t, resp), "rerun answers the same workflow id")
		wf := b.requireWorkflowStatus(id, "RUNNING")
		require.Equal(t, []string{"t1:COMPLETED", "t2:SCHEDULED"}, refsAndStatuses(t, wf), "later tasks are dropped")
		require.Equal(t, obj{"new": "input"}, taskByRef(t, wf, "t2")["inputData"])

		polled := b.pollTask(itName(1))
		require.Equal(t, obj{"new": "input"}, polled["inputData"])
		b.completeTask(polled, obj{"v": "rerun"})
		t3 := b.pollTask(itName(2))
		require.Equal(t, obj{"fromT2": "rerun"}, t3["inputData"])
		b.completeTask(t3, nil)
		b.requireWorkflowStatus(id, "COMPLETED")
	})
	t.Run("whole workflow with new input", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		b.registerIntegrationTasks(3)
		b.createWorkflow(threeTaskDef("rerun_all_wf"))
		id := b.startWorkflow("rerun_all_wf", obj{"param": "old"})
		b.runToCompletion(id)

		resp := b.do(http.MethodPost, executionPath+"/"+id+"/rerun", obj{"reRunFromWorkflowId": id,
			"workflowInput": obj{"param": "new"}, "correlationId": "rerun-corr"})
		require.Equal(t, id, requireID(t, resp))
		wf := b.requireWorkflowStatus(id, "RUNNING")
		require.Equal(t, []string{"t1:SCHEDULED"}, refsAndStatuses(t, wf))
		require.Equal(t, obj{"param": "new"}, wf["input"])
		require.Equal(t, "rerun-corr", wf["correlationId"])
		require.Equal(t, obj{"param": "new"}, taskByRef(t, wf, "t1")["inputData"])
	})
	t.Run("unknown task", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		b.registerIntegrationTasks(1)
		b.createWorkflow(oneTaskDef("rerun_unknown_wf"))
		id := b.startWorkflow("rerun_unknown_wf", nil)
		b.pollAndComplete(itName(0), nil)
		const missing = "00000000-0000-4000-8000-000000000004"
		requireStatus(t, b.do(http.MethodPost, executionPath+"/"+id+"/rerun",
			obj{"reRunFromWorkflowId": id, "reRunFromTaskId": missing}), http.StatusBadRequest)
		b.requireWorkflowStatus(id, "COMPLETED")
	})
}

// ---------------------------------------------------------------------------------------------
// Skip task, reset callbacks
// ---------------------------------------------------------------------------------------------

func TestWorkflowSkipTask(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.registerIntegrationTasks(3)
	b.createWorkflow(threeTaskDef("skip_wf"))
	id := b.startWorkflow("skip_wf", nil)

	requireEmptyOK(t, b.do(http.MethodPut, executionPath+"/"+id+"/skiptask/t2", nil))
	wf := b.execution(id)
	require.ElementsMatch(t, []string{"t1:SCHEDULED", "t2:SKIPPED"}, refsAndStatuses(t, wf))

	// A task already scheduled, or a ref the definition does not have, cannot be skipped.
	requireFailureStatus(t, b.do(http.MethodPut, executionPath+"/"+id+"/skiptask/t1", nil))
	requireFailureStatus(t, b.do(http.MethodPut, executionPath+"/"+id+"/skiptask/nope", nil))

	b.pollAndComplete(itName(0), nil)
	wf = b.execution(id)
	require.ElementsMatch(t, []string{"t1:COMPLETED", "t2:SKIPPED", "t3:SCHEDULED"}, refsAndStatuses(t, wf),
		"the skipped task is jumped over")
	b.requireNothingToPoll(itName(1))
	b.pollAndComplete(itName(2), nil)
	b.requireWorkflowStatus(id, "COMPLETED")

	// Only running workflows take skips.
	requireFailureStatus(t, b.do(http.MethodPut, executionPath+"/"+id+"/skiptask/t3", nil))
}

func TestWorkflowResetCallbacks(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.registerIntegrationTasks(1)
	b.createWorkflow(oneTaskDef("reset_callbacks_wf"))
	id := b.startWorkflow("reset_callbacks_wf", nil)

	task := b.pollTask(itName(0))
	b.updateTask(task, "IN_PROGRESS", nil, "callbackAfterSeconds", 3600)
	b.requireNothingToPoll(itName(0))

	requireNoContent(t, b.do(http.MethodPost, executionPath+"/"+id+"/resetcallbacks", nil))
	again := b.pollTask(itName(0))
	require.Equal(t, task["taskId"], again["taskId"], "the postponed task is pollable at once")
	requireNum(t, 2, again["pollCount"])
	b.completeTask(again, nil)
	b.requireWorkflowStatus(id, "COMPLETED")

	requireStatus(t, b.do(http.MethodPost, executionPath+"/"+id+"/resetcallbacks", nil), http.StatusConflict)
}

// ---------------------------------------------------------------------------------------------
// Running and correlated listings
// ---------------------------------------------------------------------------------------------

func TestWorkflowRunningList(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.registerIntegrationTasks(1)
	b.createWorkflow(oneTaskDef("running_wf"))
	v2 := oneTaskDef("running_wf")
	v2["version"] = 2
	b.createWorkflow(v2)

	early := b.startWorkflow("running_wf?version=1", nil)
	b.clock.Advance(10 * time.Second)
	late := b.startWorkflow("running_wf?version=1", nil)
	ended := b.startWorkflow("running_wf?version=1", nil)
	b.terminate(ended, "stop")
	latest := b.startWorkflow("running_wf", nil) // version 2

	running := func(query string) arr {
		resp := b.do(http.MethodGet, executionPath+"/running/running_wf"+query, nil)
		requireStatus(t, resp, http.StatusOK)
		return decodeArr(t, resp.Body)
	}
	require.ElementsMatch(t, arr{early, late}, running(""), "the version defaults to 1, not to the latest")
	require.ElementsMatch(t, arr{early, late}, running("?version=1"))
	require.Equal(t, arr{latest}, running("?version=2"))
	lateStart := int64Of(t, b.execution(late)["createTime"])
	require.Equal(t, arr{late}, running(fmt.Sprintf("?version=1&startTime=%d&endTime=%d", lateStart-5000, lateStart+5000)))

	resp := b.do(http.MethodGet, executionPath+"/running/no_such_wf", nil)
	requireStatus(t, resp, http.StatusOK)
	require.Equal(t, "[]", string(resp.Body))
}

func TestWorkflowCorrelated(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.registerIntegrationTasks(1)
	b.createWorkflow(oneTaskDef("corr_wf"))
	running := b.startWorkflow("corr_wf?correlationId=c1", nil)
	closed := b.startWorkflow("corr_wf?correlationId=c1", nil)
	b.terminate(closed, "done")
	other := b.startWorkflow("corr_wf?correlationId=c2", nil)

	get := func(query string) []obj {
		resp := b.do(http.MethodGet, executionPath+"/corr_wf/correlated/c1"+query, nil)
		requireStatus(t, resp, http.StatusOK)
		var out []obj
		for _, v := range decodeArr(t, resp.Body) {
			out = append(out, v.(obj))
		}
		return out
	}
	ids := func(wfs []obj) []any {
		var out []any
		for _, wf := range wfs {
			out = append(out, wf["workflowId"])
		}
		return out
	}
	open := get("")
	require.Equal(t, []any{running}, ids(open), "only running executions by default")
	require.Equal(t, arr{}, open[0]["tasks"], "without tasks by default")
	require.ElementsMatch(t, []any{running, closed}, ids(get("?includeClosed=true")))
	withTasks := get("?includeTasks=true")
	require.Len(t, tasksOf(t, withTasks[0]), 1)

	resp := b.do(http.MethodPost, executionPath+"/corr_wf/correlated?includeClosed=true", arr{"c1", "c2", "none"})
	requireStatus(t, resp, http.StatusOK)
	batch := decodeObj(t, resp.Body)
	require.Len(t, batch, 3)
	require.Len(t, batch["c1"], 2)
	require.Len(t, batch["c2"], 1)
	require.Equal(t, other, dig(t, batch, "c2", 0, "workflowId"))
	require.Equal(t, arr{}, batch["none"])
}

// ---------------------------------------------------------------------------------------------
// Search
// ---------------------------------------------------------------------------------------------

func TestWorkflowSearch(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.registerIntegrationTasks(2)
	b.createWorkflow(workflowDef("srch_wf", workerTask("t1", 0, nil, "retryCount", 0)))
	b.createWorkflow(workflowDef("other_wf", workerTask("t1", 1, nil, "retryCount", 0)))

	// One at a time, a second apart, so that start times order them.
	failed := b.startWorkflow("srch_wf?correlationId=s-1", obj{"k": "v"})
	b.failTask(b.pollTask(itName(0)), "broken")
	b.clock.Advance(time.Second)
	completed := b.startWorkflow("srch_wf", nil)
	b.pollAndComplete(itName(0), obj{"r": 1})
	b.clock.Advance(time.Second)
	running := b.startWorkflow("srch_wf", nil)
	b.clock.Advance(time.Second)
	otherFailed := b.startWorkflow("other_wf", nil)
	b.failTask(b.pollTask(itName(1)), "broken too")

	search := func(path string, params url.Values) obj {
		resp := b.do(http.MethodGet, executionPath+path+"?"+params.Encode(), nil)
		requireStatus(t, resp, http.StatusOK)
		return decodeObj(t, resp.Body)
	}
	ids := func(res obj) []any {
		var out []any
		for _, r := range res["results"].(arr) {
			out = append(out, r.(obj)["workflowId"])
		}
		return out
	}

	res := search("/search", url.Values{"query": {"workflowType='srch_wf' AND status='FAILED'"}, "start": {"0"},
		"size": {"10"}, "sort": {"startTime:DESC"}, "freeText": {"*"}})
	requireNum(t, 1, res["totalHits"])
	require.Equal(t, []any{failed}, ids(res))
	summary := dig(t, res, "results", 0).(obj)
	wf := b.execution(failed)
	require.Equal(t, "srch_wf", summary["workflowType"])
	requireNum(t, 1, summary["version"])
	require.Equal(t, "FAILED", summary["status"])
	require.Equal(t, "s-1", summary["correlationId"])
	for _, field := range []string{"startTime", "updateTime", "endTime"} {
		require.Regexp(t, isoTimePattern, summary[field], field)
	}
	require.Equal(t, isoTime(int64Of(t, wf["createTime"])), summary["startTime"])
	require.Equal(t, isoTime(int64Of(t, wf["endTime"])), summary["endTime"])
	require.Equal(t, "t1", summary["failedReferenceTaskNames"], "a comma-joined string in summaries")
	require.IsType(t, "", summary["input"], "summaries carry input and output as strings")
	require.Contains(t, summary["reasonForIncompletion"], "broken")

	res = search("/search", url.Values{"query": {"workflowType='srch_wf'"}, "sort": {"startTime:DESC"}, "size": {"2"}})
	requireNum(t, 3, res["totalHits"])
	require.Equal(t, []any{running, completed}, ids(res))
	res = search("/search", url.Values{"query": {"workflowType='srch_wf'"}, "sort": {"startTime:DESC"}, "size": {"2"},
		"start": {"2"}})
	requireNum(t, 3, res["totalHits"])
	require.Equal(t, []any{failed}, ids(res))
	res = search("/search", url.Values{"query": {"workflowType='srch_wf'"}, "sort": {"startTime:ASC"}})
	require.Equal(t, []any{failed, completed, running}, ids(res))

	res = search("/search", url.Values{"query": {"status='RUNNING'"}})
	require.Equal(t, []any{running}, ids(res))
	require.NotContains(t, dig(t, res, "results", 0), "endTime", "a running workflow has no endTime")

	res = search("/search", url.Values{"query": {"status='FAILED'"}, "sort": {"startTime:ASC"}})
	require.Equal(t, []any{failed, otherFailed}, ids(res))
	res = search("/search", url.Values{"freeText": {"*"}})
	requireNum(t, 4, res["totalHits"])

	res = search("/search-v2", url.Values{"query": {"workflowType='srch_wf' AND status='FAILED'"}})
	requireNum(t, 1, res["totalHits"])
	full := dig(t, res, "results", 0).(obj)
	require.Equal(t, failed, full["workflowId"])
	require.Equal(t, "srch_wf", full["workflowName"])
	require.Equal(t, "FAILED", full["status"])
	require.Equal(t, wf["createTime"], full["startTime"], "search-v2 answers Workflows, with times in ms")
	require.Equal(t, obj{"k": "v"}, full["input"])

	requireError(t, b.do(http.MethodGet, executionPath+"/search?size=5001", nil), http.StatusBadRequest,
		"Cannot return more than 5000 workflows. Please use pagination.")
	requireError(t, b.do(http.MethodGet, executionPath+"/search-v2?size=5001", nil), http.StatusBadRequest,
		"Cannot return more than 5000 workflows. Please use pagination.")
}

// ---------------------------------------------------------------------------------------------
// Bulk operations
// ---------------------------------------------------------------------------------------------

func TestWorkflowBulk(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.registerIntegrationTasks(1)
	b.createWorkflow(oneTaskDef("bulk_wf"))
	a := b.startWorkflow("bulk_wf", nil)
	c := b.startWorkflow("bulk_wf", nil)
	const unknown = "00000000-0000-4000-8000-000000000005"

	bulk := func(method, op string, ids arr) obj {
		resp := b.do(method, executionPath+"/bulk/"+op, ids)
		requireStatus(t, resp, http.StatusOK)
		return decodeObj(t, resp.Body)
	}
	statuses := func(status string) {
		t.Helper()
		b.requireWorkflowStatus(a, status)
		b.requireWorkflowStatus(c, status)
	}

	res := bulk(http.MethodPut, "pause", arr{a, c, unknown})
	require.ElementsMatch(t, arr{a, c}, res["bulkSuccessfulResults"])
	errs := res["bulkErrorResults"].(obj)
	require.Len(t, errs, 1)
	require.Contains(t, errs[unknown], "No such workflow found by id")
	statuses("PAUSED")

	res = bulk(http.MethodPut, "resume", arr{a, c})
	require.ElementsMatch(t, arr{a, c}, res["bulkSuccessfulResults"])
	require.Equal(t, obj{}, res["bulkErrorResults"])
	statuses("RUNNING")
	res = bulk(http.MethodPut, "resume", arr{a})
	require.Equal(t, arr{}, res["bulkSuccessfulResults"])
	require.Contains(t, res["bulkErrorResults"], a, "resuming a running workflow is a per-id error")

	res = bulk(http.MethodPost, "terminate?reason=bulk", arr{a, c})
	require.ElementsMatch(t, arr{a, c}, res["bulkSuccessfulResults"])
	statuses("TERMINATED")
	require.Equal(t, "bulk", b.execution(a)["reasonForIncompletion"])

	res = bulk(http.MethodPost, "retry", arr{a, c})
	require.ElementsMatch(t, arr{a, c}, res["bulkSuccessfulResults"])
	statuses("RUNNING")

	res = bulk(http.MethodPost, "restart", arr{a})
	require.Contains(t, res["bulkErrorResults"], a, "restarting a running workflow is a per-id error")
	bulk(http.MethodPost, "terminate", arr{a, c})
	res = bulk(http.MethodPost, "restart", arr{a, c})
	require.ElementsMatch(t, arr{a, c}, res["bulkSuccessfulResults"])
	statuses("RUNNING")
	require.Equal(t, []string{"t1:SCHEDULED"}, refsAndStatuses(t, b.execution(a)))

	res = bulk(http.MethodDelete, "remove?archiveWorkflow=false", arr{a, c})
	require.ElementsMatch(t, arr{a, c}, res["bulkSuccessfulResults"])
	requireError(t, b.do(http.MethodGet, executionPath+"/"+a, nil), http.StatusNotFound, "No such workflow found by id: "+a)
	requireError(t, b.do(http.MethodGet, executionPath+"/"+c, nil), http.StatusNotFound, "No such workflow found by id: "+c)

	tooMany := make(arr, 1001)
	for i := range tooMany {
		tooMany[i] = fmt.Sprintf("00000000-0000-4000-8000-%012d", i)
	}
	requireStatus(t, b.do(http.MethodPut, executionPath+"/bulk/pause", tooMany), http.StatusBadRequest)
}

// ---------------------------------------------------------------------------------------------
// Synchronous execution and idempotent starts
// ---------------------------------------------------------------------------------------------

func TestWorkflowExecuteSync(t *testing.T) {
	t.Parallel()
	b := setup(t)
	def := workflowDef("exec_wf", inlineTask("calc", "$.a * 2"))
	b.createWorkflow(def)
	v2 := workflowDef("exec_wf", inlineTask("calc", "$.a * 3"))
	v2["version"] = 2
	b.createWorkflow(v2)

	execute := func(version int, input obj) obj {
		resp := b.do(http.MethodPost, fmt.Sprintf("%s/execute/exec_wf/%d", executionPath, version), obj{"input": input})
		requireStatus(t, resp, http.StatusOK)
		require.Equal(t, "application/json", resp.Header.Get("Content-Type"))
		return decodeObj(t, resp.Body)
	}
	res := execute(1, obj{"a": 21})
	id, _ := res["workflowId"].(string)
	if id == "" {
		id, _ = res["targetWorkflowId"].(string)
	}
	require.Regexp(t, uuidPattern, id)
	status := res["status"]
	if status == nil {
		status = res["targetWorkflowStatus"]
	}
	require.Equal(t, "COMPLETED", status, "the answer is the finished workflow")
	require.Equal(t, obj{"result": num(42)}, res["output"])
	wf := b.requireWorkflowStatus(id, "COMPLETED")
	require.Equal(t, obj{"result": num(42)}, wf["output"])

	res = execute(0, obj{"a": 21}) // version 0 is the latest
	require.Equal(t, obj{"result": num(63)}, res["output"])

	requireStatus(t, b.do(http.MethodPost, executionPath+"/execute/no_such_wf/1", obj{"input": obj{}}), http.StatusNotFound)
}

func TestWorkflowIdempotencyKey(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.registerIntegrationTasks(1)
	b.createWorkflow(oneTaskDef("idem_wf"))
	start := func(key, strategy string) response {
		return b.do(http.MethodPost, executionPath, obj{"name": "idem_wf", "input": obj{},
			"idempotencyKey": key, "idempotencyStrategy": strategy})
	}

	first := requireID(t, start("k1", "FAIL"))
	requireStatus(t, start("k1", "FAIL"), http.StatusConflict)
	require.Equal(t, first, requireID(t, start("k1", "RETURN_EXISTING")), "RETURN_EXISTING answers the existing id")
	requireStatus(t, start("k1", "FAIL_ON_RUNNING"), http.StatusConflict)
	require.Equal(t, "k1", b.execution(first)["idempotencyKey"])

	b.terminate(first, "done")
	second := requireID(t, start("k1", "FAIL_ON_RUNNING"))
	require.NotEqual(t, first, second, "FAIL_ON_RUNNING starts anew once the previous one ended")

	other := requireID(t, start("k2", "FAIL"))
	require.NotEqual(t, second, other)
	requireStatus(t, start("k3", "SOMETIMES"), http.StatusBadRequest)

	// A key is scoped to its workflow name.
	b.createWorkflow(oneTaskDef("idem_other_wf"))
	requireID(t, b.do(http.MethodPost, executionPath, obj{"name": "idem_other_wf", "input": obj{},
		"idempotencyKey": "k2", "idempotencyStrategy": "FAIL"}))
	require.False(t, strings.Contains(b.logs.String(), "level=ERROR"), "no internal errors")
}
