package api_test

// Black-box tests of FORK_JOIN_DYNAMIC, DYNAMIC and EXCLUSIVE_JOIN through the REST API
// (Conductor's DynamicForkJoinSpec and ExclusiveJoinSpec).

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestDynamicForkFromATaskOutput(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.registerIntegrationTasks(4)
	b.registerScenario("dynamic_fork_workflow.json")
	id := b.startWorkflow("dynamic_fork_wf", nil)
	b.pollAndComplete(itName(1), obj{
		"dynamicTasks": arr{
			obj{"name": itName(2), "taskReferenceName": "xdt1", "type": "SIMPLE"},
			obj{"name": itName(3), "taskReferenceName": "xdt2"},
		},
		"dynamicTasksInput": obj{"xdt1": obj{"k1": "v1"}, "xdt2": obj{"k2": "v2"}},
	})

	wf := b.execution(id)
	require.Equal(t, []string{"plan:COMPLETED", "dynfork:COMPLETED", "xdt1:SCHEDULED", "xdt2:SCHEDULED", "dynjoin:IN_PROGRESS"}, refsAndStatuses(t, wf))
	fork := taskByRef(t, wf, "dynfork")
	require.Equal(t, "FORK", fork["taskType"])
	require.Equal(t, arr{"xdt1", "xdt2"}, dig(t, fork, "inputData", "forkedTasks"))
	require.Equal(t, arr{"xdt1", "xdt2"}, dig(t, taskByRef(t, wf, "dynjoin"), "inputData", "joinOn"))

	x1 := b.pollTask(itName(2))
	require.Equal(t, obj{"k1": "v1"}, x1["inputData"])
	b.completeTask(x1, obj{"r": "one"})
	b.pollAndComplete(itName(3), obj{"r": "two"})
	wf = b.execution(id)
	join := taskByRef(t, wf, "dynjoin")
	require.Equal(t, "COMPLETED", join["status"])
	require.Equal(t, obj{"xdt1": obj{"r": "one"}, "xdt2": obj{"r": "two"}}, join["outputData"])
	require.Equal(t, obj{"results": join["outputData"]}, taskByRef(t, wf, "summary")["inputData"])
	b.pollAndComplete(itName(3), nil)
	b.requireWorkflowStatus(id, "COMPLETED")
}

func TestDynamicForkWithInvalidInputFailsTheWorkflow(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.registerIntegrationTasks(4)
	b.registerScenario("dynamic_fork_workflow.json")
	id := b.startWorkflow("dynamic_fork_wf", nil)
	b.pollAndComplete(itName(1), obj{"dynamicTasks": arr{obj{"name": itName(2), "taskReferenceName": "x"}}, "dynamicTasksInput": "nope"})
	wf := b.requireWorkflowStatus(id, "FAILED")
	require.Contains(t, wf["reasonForIncompletion"], "Input to the dynamically forked tasks is not a map")
}

func TestDynamicForkOfInputsRetriesABranch(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.registerIntegrationTasks(3)
	b.registerTaskDefs(integrationTaskDef(2, "retryCount", 0))
	b.registerScenario("dynamic_fork_inputs_workflow.json")
	id := b.startWorkflow("dynamic_fork_inputs_wf", obj{"batches": arr{obj{"b": "first"}, obj{"b": "second"}}})
	wf := b.execution(id)
	require.Equal(t, []string{"per_batch:COMPLETED", "_integration_task_2_0:SCHEDULED", "_integration_task_2_1:SCHEDULED", "batches_done:IN_PROGRESS"},
		refsAndStatuses(t, wf))

	first := b.pollTask(itName(2))
	want := map[string]obj{"_integration_task_2_0": {"b": "first", "__index": num(0)}, "_integration_task_2_1": {"b": "second", "__index": num(1)}}
	require.Equal(t, want[first["referenceTaskName"].(string)], first["inputData"])
	b.failTask(first, "bad batch")
	b.requireWorkflowStatus(id, "FAILED")

	requireNoContent(t, b.do(http.MethodPost, executionPath+"/"+id+"/retry", nil))
	again := b.pollTask(itName(2))
	second := b.pollTask(itName(2))
	if again["referenceTaskName"] != first["referenceTaskName"] {
		again, second = second, again
	}
	require.Equal(t, first["inputData"], again["inputData"], "a retried generated task keeps its input")
	require.Equal(t, first["taskId"], again["retriedTaskId"])
	b.completeTask(again, nil)
	b.completeTask(second, nil)
	b.requireWorkflowStatus(id, "COMPLETED")

	none := b.startWorkflow("dynamic_fork_inputs_wf", obj{"batches": arr{}})
	wf = b.requireWorkflowStatus(none, "COMPLETED")
	require.Equal(t, []string{"per_batch:COMPLETED", "batches_done:COMPLETED"}, refsAndStatuses(t, wf), "no branch at all")
}

func TestDynamicForkOfAThousandBranches(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.registerIntegrationTasks(3)
	b.registerScenario("dynamic_fork_inputs_workflow.json")
	batches := make(arr, 1000)
	for i := range batches {
		batches[i] = obj{"b": i}
	}
	id := b.startWorkflow("dynamic_fork_inputs_wf", obj{"batches": batches})
	resp := b.do(http.MethodGet, tasksPath+"/queue/sizes?taskType="+itName(2), nil)
	requireStatus(t, resp, http.StatusOK)
	require.Equal(t, obj{itName(2): num(1000)}, decodeObj(t, resp.Body), "every branch is pollable once the start returns")

	for range 10 {
		resp := b.do(http.MethodGet, tasksPath+"/poll/batch/"+itName(2)+"?workerid=w&count=100", nil)
		requireStatus(t, resp, http.StatusOK)
		for _, v := range decodeArr(t, resp.Body) {
			b.completeTask(v.(obj), obj{"done": true})
		}
	}
	wf := b.requireWorkflowStatus(id, "COMPLETED")
	require.Len(t, tasksOf(t, wf), 1002)
	require.Len(t, taskByRef(t, wf, "batches_done")["outputData"], 1000)
}

func TestExclusiveJoinAndDynamicTask(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ path, ref string }{{"fast", "fast"}, {"slow", "slow"}, {"other", "fallback"}} {
		t.Run(tc.path, func(t *testing.T) {
			t.Parallel()
			b := setup(t)
			b.registerIntegrationTasks(6)
			b.registerScenario("exclusive_join_workflow.json")
			id := b.startWorkflow("exclusive_join_wf", obj{"path": tc.path, "finisher": itName(5)})
			wf := b.execution(id)
			task := taskByRef(t, wf, tc.ref)
			b.completeTask(b.pollTask(task["taskType"].(string)), obj{"route": tc.ref})
			wf = b.execution(id)
			ej := taskByRef(t, wf, "one_of")
			require.Equal(t, "COMPLETED", ej["status"])
			require.Equal(t, obj{"route": tc.ref}, ej["outputData"], "the output of the path that ran")
			finish := taskByRef(t, wf, "finish")
			require.Equal(t, itName(5), finish["taskType"], "DYNAMIC runs the task its input names")
			require.Equal(t, obj{"taskToExecute": itName(5), "route": tc.ref}, finish["inputData"])
			b.pollAndComplete(itName(5), nil)
			b.requireWorkflowStatus(id, "COMPLETED")
		})
	}
	t.Run("unknown dynamic task", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		b.registerIntegrationTasks(6)
		b.registerScenario("exclusive_join_workflow.json")
		id := b.startWorkflow("exclusive_join_wf", obj{"path": "fast", "finisher": "no_such_task"})
		b.pollAndComplete(itName(1), nil)
		wf := b.requireWorkflowStatus(id, "FAILED")
		require.Contains(t, wf["reasonForIncompletion"], fmt.Sprintf("Cannot find task by name %s", "no_such_task"))
	})
}
