package api_test

// Black-box tests of DO_WHILE through the REST API (Conductor's DoWhileSpec): iteration
// reference names and numbers, the loop's output per iteration, list iteration, keepLastN,
// loops holding forks and loops, failures and retry.

import (
	"context"
	"fmt"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestDoWhile(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.registerIntegrationTasks(3)
	b.registerScenario("do_while_workflow.json")
	id := b.startWorkflow("do_while_wf", obj{"loops": 3})

	wf := b.execution(id)
	require.Equal(t, []string{"loop:IN_PROGRESS", "fetch__1:SCHEDULED"}, refsAndStatuses(t, wf))
	require.Equal(t, "DO_WHILE", taskByRef(t, wf, "loop")["taskType"])
	for i := 1; i <= 3; i++ {
		task := b.pollTask(itName(1))
		require.Equal(t, fmt.Sprintf("fetch__%d", i), task["referenceTaskName"])
		requireNum(t, int64(i), task["iteration"])
		require.Equal(t, obj{"page": num(int64(i))}, task["inputData"], "the body reads the loop's iteration")
		b.completeTask(task, obj{"n": num(int64(i))})
	}
	wf = b.execution(id)
	require.Equal(t, []string{"loop:COMPLETED", "fetch__1:COMPLETED", "double__1:COMPLETED", "fetch__2:COMPLETED",
		"double__2:COMPLETED", "fetch__3:COMPLETED", "double__3:COMPLETED", "report:SCHEDULED"}, refsAndStatuses(t, wf))
	loop := taskByRef(t, wf, "loop")
	require.Equal(t, obj{
		"iteration": num(3),
		"1":         obj{"fetch": obj{"n": num(1)}, "double": obj{"result": num(2)}},
		"2":         obj{"fetch": obj{"n": num(2)}, "double": obj{"result": num(4)}},
		"3":         obj{"fetch": obj{"n": num(3)}, "double": obj{"result": num(6)}},
	}, loop["outputData"])
	report := taskByRef(t, wf, "report")
	requireNum(t, 0, report["iteration"], "a task after the loop is in no iteration")
	require.Equal(t, obj{"iterations": num(3), "last": num(6)}, report["inputData"], "a reference to a body task reads its last iteration")
	b.pollAndComplete(itName(2), nil)
	b.requireWorkflowStatus(id, "COMPLETED")
	for _, typ := range []string{"DO_WHILE", "INLINE"} {
		b.requireNothingToPoll(typ)
	}
}

func TestDoWhileOverItemsKeepsTheLastIterations(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.registerIntegrationTasks(3)
	b.registerScenario("do_while_items_workflow.json")
	orders := arr{"o-1", "o-2", "o-3", "o-4"}
	id := b.startWorkflow("do_while_items_wf", obj{"orders": orders})
	for i, order := range orders {
		task := b.pollTask(itName(1))
		require.Equal(t, obj{"order": order, "index": num(int64(i))}, task["inputData"])
		b.completeTask(task, obj{"shipped": order})
	}
	wf := b.execution(id)
	require.Equal(t, []string{"each:COMPLETED", "ship__3:COMPLETED", "ship__4:COMPLETED", "done:SCHEDULED"}, refsAndStatuses(t, wf),
		"keepLastN 2 removes the older iterations' tasks")
	require.Equal(t, obj{
		"iteration": num(4), "loopIndex": num(3), "loopItem": "o-4",
		"3": obj{"ship": obj{"shipped": "o-3"}}, "4": obj{"ship": obj{"shipped": "o-4"}},
	}, taskByRef(t, wf, "each")["outputData"])
	require.Equal(t, obj{"count": num(4)}, taskByRef(t, wf, "done")["inputData"])
	var stored int
	require.NoError(t, b.dbConn().QueryRow(context.Background(), `SELECT count(*) FROM tasks WHERE workflow_id = $1`, id).Scan(&stored))
	require.Equal(t, 4, stored, "removed iterations leave the database too")
	b.pollAndComplete(itName(2), nil)
	b.requireWorkflowStatus(id, "COMPLETED")

	empty := b.startWorkflow("do_while_items_wf", obj{"orders": arr{}})
	wf = b.execution(empty)
	require.Equal(t, []string{"each:COMPLETED", "done:SCHEDULED"}, refsAndStatuses(t, wf), "an empty list runs no iteration")
	require.Equal(t, obj{"iteration": num(0)}, taskByRef(t, wf, "each")["outputData"])
}

func TestDoWhileHoldingAForkAndALoop(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.registerIntegrationTasks(3)
	b.registerScenario("do_while_fork_workflow.json")
	id := b.startWorkflow("do_while_fork_wf", nil)
	for outer := 1; outer <= 2; outer++ {
		left := b.pollTask(itName(1))
		require.Equal(t, fmt.Sprintf("left__%d", outer), left["referenceTaskName"])
		b.completeTask(left, obj{"side": "left"})
		for inner := 1; inner <= 2; inner++ {
			right := b.pollTask(itName(2))
			require.Equal(t, fmt.Sprintf("right__%d__%d", outer, inner), right["referenceTaskName"], "a nested loop's tasks carry both iterations")
			requireNum(t, int64(inner), right["iteration"])
			b.completeTask(right, obj{"n": num(int64(inner))})
		}
		merge := taskByRef(t, b.execution(id), fmt.Sprintf("merge__%d", outer))
		require.Equal(t, "COMPLETED", merge["status"])
		require.Equal(t, arr{"left", "inner"}, dig(t, merge, "inputData", "joinOn"))
		require.Equal(t, obj{"side": "left"}, dig(t, merge, "outputData", fmt.Sprintf("left__%d", outer)))
	}
	wf := b.requireWorkflowStatus(id, "COMPLETED")
	require.Equal(t, []string{"outer:COMPLETED",
		"split__1:COMPLETED", "left__1:COMPLETED", "inner__1:COMPLETED", "merge__1:COMPLETED", "right__1__1:COMPLETED", "right__1__2:COMPLETED",
		"split__2:COMPLETED", "left__2:COMPLETED", "inner__2:COMPLETED", "merge__2:COMPLETED", "right__2__1:COMPLETED", "right__2__2:COMPLETED",
	}, refsAndStatuses(t, wf))
	require.Equal(t, "FORK", taskByRef(t, wf, "split__2")["taskType"])
	require.Equal(t, obj{"iteration": num(2), "1": obj{"right": obj{"n": num(1)}}, "2": obj{"right": obj{"n": num(2)}}},
		taskByRef(t, wf, "inner__2")["outputData"])
}

func TestDoWhileFailureThenRetryResumesTheIteration(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.registerIntegrationTasks(3)
	b.registerTaskDefs(integrationTaskDef(1, "retryCount", 0))
	b.registerScenario("do_while_workflow.json")
	id := b.startWorkflow("do_while_wf", obj{"loops": 3})
	b.pollAndComplete(itName(1), obj{"n": num(1)})
	b.failTask(b.pollTask(itName(1)), "page 2 unavailable")

	wf := b.requireWorkflowStatus(id, "FAILED")
	require.Equal(t, "CANCELED", taskByRef(t, wf, "loop")["status"])
	require.Equal(t, "FAILED", taskByRef(t, wf, "fetch__2")["status"])
	loopID := taskByRef(t, wf, "loop")["taskId"]

	requireNoContent(t, b.do(http.MethodPost, executionPath+"/"+id+"/retry", nil))
	wf = b.requireWorkflowStatus(id, "RUNNING")
	loop := taskByRef(t, wf, "loop")
	require.Equal(t, loopID, loop["taskId"], "the loop is reopened in place")
	require.Equal(t, "IN_PROGRESS", loop["status"])
	again := b.pollTask(itName(1))
	require.Equal(t, "fetch__2", again["referenceTaskName"], "the retry resumes the iteration that failed")
	b.completeTask(again, obj{"n": num(2)})
	b.pollAndComplete(itName(1), obj{"n": num(3)})
	wf = b.execution(id)
	require.Equal(t, num(3), dig(t, taskByRef(t, wf, "loop"), "outputData", "iteration"))
	b.pollAndComplete(itName(2), nil)
	b.requireWorkflowStatus(id, "COMPLETED")
}

func TestDoWhileThousandIterations(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.createWorkflow(workflowDef("long_loop_wf",
		task("loop", "DO_WHILE", "loopCondition", "$.loop['iteration'] < 1000", "loopOver", arr{
			inlineTask("step", "$.i * 2", "i", "${loop.output.iteration}"),
		}),
	))
	id := b.startWorkflow("long_loop_wf", nil)
	wf := b.requireWorkflowStatus(id, "COMPLETED")
	require.Len(t, tasksOf(t, wf), 1001)
	loop := taskByRef(t, wf, "loop")
	require.Equal(t, num(1000), dig(t, loop, "outputData", "iteration"))
	require.Equal(t, obj{"step": obj{"result": num(2000)}}, dig(t, loop, "outputData", "1000"))
	require.Equal(t, "step__1000", tasksOf(t, wf)[1000]["referenceTaskName"])
}

func TestDoWhileMasksSecretsInItsOutput(t *testing.T) {
	t.Parallel()
	b := setup(t)
	const value = "loop-body-s3cr3t"
	b.putSecret("loop_key", `"`+value+`"`)
	b.registerIntegrationTasks(2)
	b.createWorkflow(workflowDef("loop_secret_wf",
		task("loop", "DO_WHILE", "loopCondition", "$.loop['iteration'] < 2", "loopOver", arr{
			workerTask("call", 1, obj{"auth": "${workflow.secrets.loop_key}"}),
		}),
	))
	id := b.startWorkflow("loop_secret_wf", nil)
	for range 2 {
		task := b.pollTask(itName(1))
		require.Equal(t, obj{"auth": value}, task["inputData"])
		b.completeTask(task, obj{"echo": value})
	}
	wf := b.requireWorkflowStatus(id, "COMPLETED")
	require.Equal(t, obj{"iteration": num(2), "1": obj{"call": obj{"echo": "***"}}, "2": obj{"call": obj{"echo": "***"}}},
		taskByRef(t, wf, "loop")["outputData"])
	b.requireNotShown(value, executionPath+"/"+id, executionPath+"/search?query=workflowType='loop_secret_wf'")
}

func TestDoWhileRerunFromAnIteration(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.registerIntegrationTasks(3)
	b.registerScenario("do_while_workflow.json")
	id := b.startWorkflow("do_while_wf", obj{"loops": 3})
	var second obj
	for i := 1; i <= 3; i++ {
		task := b.pollTask(itName(1))
		if i == 2 {
			second = task
		}
		b.completeTask(task, obj{"n": num(int64(i))})
	}
	b.pollAndComplete(itName(2), nil)
	b.requireWorkflowStatus(id, "COMPLETED")

	require.Equal(t, id, requireID(t, b.do(http.MethodPost, executionPath+"/"+id+"/rerun", obj{"reRunFromWorkflowId": id, "reRunFromTaskId": second["taskId"]})))
	wf := b.requireWorkflowStatus(id, "RUNNING")
	require.Equal(t, []string{"loop:IN_PROGRESS", "fetch__1:COMPLETED", "double__1:COMPLETED", "fetch__2:SCHEDULED"}, refsAndStatuses(t, wf),
		"the loop is reopened in the task's iteration; later iterations are dropped")
	loop := taskByRef(t, wf, "loop")
	require.Equal(t, obj{"iteration": num(2), "1": obj{"fetch": obj{"n": num(1)}, "double": obj{"result": num(2)}}}, loop["outputData"])
	b.pollAndComplete(itName(1), obj{"n": num(20)})
	b.pollAndComplete(itName(1), obj{"n": num(30)})
	wf = b.execution(id)
	require.Equal(t, obj{"result": num(40)}, dig(t, taskByRef(t, wf, "loop"), "outputData", "2", "double"))
	b.pollAndComplete(itName(2), nil)
	b.requireWorkflowStatus(id, "COMPLETED")
}

func TestDoWhileRunningShowsItsCompletedIterations(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.registerIntegrationTasks(3)
	b.registerScenario("do_while_workflow.json")
	id := b.startWorkflow("do_while_wf", obj{"loops": 5})
	for i := 1; i <= 2; i++ {
		b.pollAndComplete(itName(1), obj{"n": num(int64(i))})
	}
	want := obj{"iteration": num(3),
		"1": obj{"fetch": obj{"n": num(1)}, "double": obj{"result": num(2)}},
		"2": obj{"fetch": obj{"n": num(2)}, "double": obj{"result": num(4)}}}
	wf := b.execution(id)
	loop := taskByRef(t, wf, "loop")
	require.Equal(t, "IN_PROGRESS", loop["status"])
	require.Equal(t, want, loop["outputData"], "a running loop shows the iterations done so far, as Conductor")
	require.Equal(t, want, b.getTask(loop["taskId"].(string))["outputData"])
	var stored string
	require.NoError(t, b.dbConn().QueryRow(context.Background(), `SELECT doc->>'outputData' FROM tasks WHERE task_id = $1`, loop["taskId"]).Scan(&stored))
	require.JSONEq(t, `{"iteration": 3}`, stored, "its row holds only the iteration: an iteration costs the same at the thousandth")
}
