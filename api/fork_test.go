package api_test

// Black-box tests of FORK_JOIN and JOIN through the REST API (Conductor's ForkJoinSpec): the
// shape of the execution (FORK, branch tasks, JOIN), branches advancing independently, the
// JOIN's output, failures, retry, terminate, pause and secrets inside branches.

import (
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// startForkJoin registers the integration tasks (t1 without retries when noRetry) and the
// fork_join_wf scenario, and starts it.
func startForkJoin(t *testing.T, b *testBundle, noRetry bool) string {
	t.Helper()
	b.registerIntegrationTasks(5)
	if noRetry {
		b.registerTaskDefs(integrationTaskDef(1, "retryCount", 0))
	}
	b.registerScenario("fork_join_workflow.json")
	return b.startWorkflow("fork_join_wf", obj{"order": "o-1"})
}

func TestForkJoin(t *testing.T) {
	t.Parallel()
	b := setup(t)
	id := startForkJoin(t, b, false)

	wf := b.execution(id)
	require.Equal(t, []string{"fanout:COMPLETED", "t1:SCHEDULED", "t2:SCHEDULED", "fanin:IN_PROGRESS"}, refsAndStatuses(t, wf),
		"the fork schedules the first task of every branch and the JOIN in one decision")
	tasks := tasksOf(t, wf)
	for i, want := range []string{"FORK", itName(1), itName(2), "JOIN"} {
		require.Equal(t, want, tasks[i]["taskType"])
		requireNum(t, int64(i+1), tasks[i]["seq"])
	}
	require.Equal(t, "FORK", tasks[0]["taskDefName"])
	require.Equal(t, obj{"joinOn": arr{"t3", "t2"}}, tasks[3]["inputData"])
	for _, typ := range []string{"FORK_JOIN", "FORK", "JOIN"} {
		b.requireNothingToPoll(typ) // the engine runs them: never a worker queue
	}

	t1 := b.pollTask(itName(1))
	require.Equal(t, obj{"order": "o-1"}, t1["inputData"])
	b.completeTask(t1, obj{"picked": "p-9"})
	wf = b.execution(id)
	require.Equal(t, []string{"fanout:COMPLETED", "t1:COMPLETED", "t2:SCHEDULED", "fanin:IN_PROGRESS", "t3:SCHEDULED"},
		refsAndStatuses(t, wf), "the left branch advances on its own")
	require.Equal(t, obj{"fromT1": "p-9"}, taskByRef(t, wf, "t3")["inputData"])

	b.pollAndComplete(itName(3), obj{"shipped": true})
	require.Equal(t, "IN_PROGRESS", taskByRef(t, b.execution(id), "fanin")["status"], "t2 is still running")
	b.pollAndComplete(itName(2), obj{"billed": num(42)})

	wf = b.execution(id)
	join := taskByRef(t, wf, "fanin")
	require.Equal(t, "COMPLETED", join["status"])
	want := obj{"t3": obj{"shipped": true}, "t2": obj{"billed": num(42)}}
	require.Equal(t, want, join["outputData"], "the JOIN's output is each joined task's output by reference name")
	t4 := taskByRef(t, wf, "t4")
	require.Equal(t, obj{"joined": want, "shipped": true}, t4["inputData"])
	b.completeTask(b.pollTask(itName(4)), obj{"done": "yes"})

	wf = b.requireWorkflowStatus(id, "COMPLETED")
	require.Equal(t, obj{"billed": num(42), "done": "yes"}, wf["output"])
}

func TestForkJoinFailedBranchThenRetry(t *testing.T) {
	t.Parallel()
	b := setup(t)
	id := startForkJoin(t, b, true)
	b.failTask(b.pollTask(itName(1)), "warehouse offline")

	wf := b.requireWorkflowStatus(id, "FAILED")
	require.Equal(t, []string{"fanout:COMPLETED", "t1:FAILED", "t2:CANCELED", "fanin:CANCELED"}, refsAndStatuses(t, wf),
		"a branch out of retries fails the workflow; the other branches and the JOIN are canceled")
	require.Contains(t, wf["reasonForIncompletion"], "reason: 'warehouse offline'")
	join := taskByRef(t, wf, "fanin")

	requireNoContent(t, b.do(http.MethodPost, executionPath+"/"+id+"/retry", nil))
	wf = b.requireWorkflowStatus(id, "RUNNING")
	require.Equal(t, []string{"fanout:COMPLETED", "t1:FAILED", "t2:CANCELED", "fanin:IN_PROGRESS", "t1:SCHEDULED", "t2:SCHEDULED"},
		refsAndStatuses(t, wf), "retry schedules the failed and canceled branch tasks again and reopens the JOIN")
	require.Equal(t, join["taskId"], taskByRef(t, wf, "fanin")["taskId"], "the JOIN is reopened in place, not replaced")

	b.pollAndComplete(itName(1), obj{"picked": "p-2"})
	b.pollAndComplete(itName(2), nil)
	b.pollAndComplete(itName(3), obj{"shipped": true})
	wf = b.execution(id)
	require.Equal(t, "COMPLETED", taskByRef(t, wf, "fanin")["status"])
	require.Equal(t, obj{"t3": obj{"shipped": true}}, taskByRef(t, wf, "fanin")["outputData"], "an empty output is left out")
	b.pollAndComplete(itName(4), nil)
	b.requireWorkflowStatus(id, "COMPLETED")
}

func TestForkJoinTerminateCancelsEveryBranch(t *testing.T) {
	t.Parallel()
	b := setup(t)
	id := startForkJoin(t, b, false)
	b.pollAndComplete(itName(1), nil)
	b.terminate(id, "operator")
	wf := b.requireWorkflowStatus(id, "TERMINATED")
	require.Equal(t, []string{"fanout:COMPLETED", "t1:COMPLETED", "t2:CANCELED", "fanin:CANCELED", "t3:CANCELED"}, refsAndStatuses(t, wf))
	for _, typ := range []string{itName(2), itName(3)} {
		b.requireNothingToPoll(typ)
	}
}

func TestForkJoinPauseHoldsTheBranches(t *testing.T) {
	t.Parallel()
	b := setup(t)
	id := startForkJoin(t, b, false)
	t1 := b.pollTask(itName(1))
	requireEmptyOK(t, b.do(http.MethodPut, executionPath+"/"+id+"/pause", nil))
	b.completeTask(t1, nil)
	b.pollAndComplete(itName(2), nil)
	wf := b.requireWorkflowStatus(id, "PAUSED")
	require.Equal(t, []string{"fanout:COMPLETED", "t1:COMPLETED", "t2:COMPLETED", "fanin:IN_PROGRESS"}, refsAndStatuses(t, wf),
		"a paused workflow records results but schedules nothing")
	requireEmptyOK(t, b.do(http.MethodPut, executionPath+"/"+id+"/resume", nil))
	wf = b.requireWorkflowStatus(id, "RUNNING")
	require.Equal(t, "SCHEDULED", taskByRef(t, wf, "t3")["status"])
	b.pollAndComplete(itName(3), nil)
	b.pollAndComplete(itName(4), nil)
	b.requireWorkflowStatus(id, "COMPLETED")
}

func TestNestedForksSwitchesAndOptionalBranches(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		mode   string
		branch []int // integration tasks of the switch's branch
	}{
		{"parallel", []int{4, 5}},
		{"single", []int{6}},
	} {
		t.Run(tc.mode, func(t *testing.T) {
			t.Parallel()
			b := setup(t)
			b.registerIntegrationTasks(9)
			b.registerTaskDefs(integrationTaskDef(2, "retryCount", 0))
			b.registerScenario("nested_fork_workflow.json")
			id := b.startWorkflow("nested_fork_wf", obj{"mode": tc.mode})

			wf := b.execution(id)
			head := []string{"outer:COMPLETED", "inner:COMPLETED", "a1:SCHEDULED", "a2:SCHEDULED", "inner_join:IN_PROGRESS",
				"route:COMPLETED", "outer_join:IN_PROGRESS"}
			require.Equal(t, head, refsAndStatuses(t, wf)[:len(head)])
			require.Equal(t, "FORK", taskByRef(t, wf, "inner")["taskType"])

			b.pollAndComplete(itName(1), obj{"a": num(1)})
			b.failTask(b.pollTask(itName(2)), "optional and broken")
			wf = b.execution(id)
			require.Equal(t, "COMPLETED_WITH_ERRORS", taskByRef(t, wf, "a2")["status"])
			innerJoin := taskByRef(t, wf, "inner_join")
			require.Equal(t, "COMPLETED_WITH_ERRORS", innerJoin["status"], "an optional branch failure completes the JOIN with errors")
			require.True(t, strings.HasSuffix(innerJoin["reasonForIncompletion"].(string), " completed with errors"))
			require.Equal(t, obj{"inner": obj{"a1": obj{"a": num(1)}}}, taskByRef(t, wf, "a3")["inputData"])

			for _, n := range tc.branch {
				b.pollAndComplete(itName(n), nil)
			}
			b.pollAndComplete(itName(3), obj{"left": true})
			require.Equal(t, "IN_PROGRESS", taskByRef(t, b.execution(id), "outer_join")["status"])
			b.pollAndComplete(itName(7), obj{"right": true})

			wf = b.execution(id)
			require.Equal(t, obj{"a3": obj{"left": true}, "b_end": obj{"right": true}}, taskByRef(t, wf, "outer_join")["outputData"])
			b.pollAndComplete(itName(8), nil)
			b.requireWorkflowStatus(id, "COMPLETED")
		})
	}
}

func TestForkJoinMasksSecretsInBranches(t *testing.T) {
	t.Parallel()
	b := setup(t)
	const value = "fork-branch-s3cr3t"
	b.putSecret("branch_key", `"`+value+`"`)
	b.registerIntegrationTasks(3)
	b.createWorkflow(workflowDef("fork_secret_wf",
		task("fan", "FORK_JOIN", "forkTasks", arr{
			arr{workerTask("s1", 1, obj{"key": "${workflow.secrets.branch_key}"})},
			arr{workerTask("s2", 2, obj{"header": "Bearer ${workflow.secrets.branch_key}"})},
		}),
		task("fan_join", "JOIN", "joinOn", arr{"s1", "s2"}),
	))
	id := b.startWorkflow("fork_secret_wf", nil)

	s1 := b.pollTask(itName(1))
	require.Equal(t, obj{"key": value}, s1["inputData"], "the worker gets the real value")
	b.completeTask(s1, obj{"echo": value})
	s2 := b.pollTask(itName(2))
	require.Equal(t, obj{"header": "Bearer " + value}, s2["inputData"])
	b.completeTask(s2, obj{"sent": "Bearer " + value})

	wf := b.requireWorkflowStatus(id, "COMPLETED")
	require.Equal(t, obj{"s1": obj{"echo": "***"}, "s2": obj{"sent": "Bearer ***"}}, taskByRef(t, wf, "fan_join")["outputData"])
	b.requireNotShown(value,
		executionPath+"/"+id,
		executionPath+"/"+id+"?includeTasks=true",
		tasksPath+"/"+s1["taskId"].(string),
		executionPath+"/search?query=workflowType='fork_secret_wf'",
		executionPath+"/search-v2?query=workflowType='fork_secret_wf'")
}

// requireNotShown requires each GET of paths to answer 200 without value anywhere in its body.
func (b *testBundle) requireNotShown(value string, paths ...string) {
	b.t.Helper()
	for _, path := range paths {
		resp := b.do(http.MethodGet, path, nil)
		requireStatus(b.t, resp, http.StatusOK)
		require.NotContains(b.t, string(resp.Body), value, path)
	}
}

func TestForkJoinRerunFromATaskInABranch(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.registerIntegrationTasks(5)
	b.registerTaskDefs(integrationTaskDef(2, "retryCount", 0))
	b.registerScenario("fork_join_workflow.json")
	id := b.startWorkflow("fork_join_wf", obj{"order": "o-1"})
	t1 := b.pollTask(itName(1))
	b.completeTask(t1, obj{"picked": "p-1"})
	b.failTask(b.pollTask(itName(2)), "billing down")
	wf := b.requireWorkflowStatus(id, "FAILED")
	require.Equal(t, []string{"fanout:COMPLETED", "t1:COMPLETED", "t2:FAILED", "fanin:CANCELED", "t3:CANCELED"}, refsAndStatuses(t, wf))
	join := taskByRef(t, wf, "fanin")

	require.Equal(t, id, requireID(t, b.do(http.MethodPost, executionPath+"/"+id+"/rerun", obj{"reRunFromWorkflowId": id, "reRunFromTaskId": t1["taskId"]})))
	wf = b.requireWorkflowStatus(id, "RUNNING")
	require.Equal(t, []string{"fanout:COMPLETED", "t1:SCHEDULED", "t2:FAILED", "fanin:IN_PROGRESS", "t2:SCHEDULED"}, refsAndStatuses(t, wf),
		"the task is reset, the rest of its branch dropped, the other branch retried and the JOIN reopened")
	require.Equal(t, join["taskId"], taskByRef(t, wf, "fanin")["taskId"])

	b.pollAndComplete(itName(1), obj{"picked": "p-2"})
	b.pollAndComplete(itName(2), obj{"billed": num(7)})
	t3 := b.pollTask(itName(3))
	require.Equal(t, obj{"fromT1": "p-2"}, t3["inputData"])
	b.completeTask(t3, obj{"shipped": true})
	b.pollAndComplete(itName(4), obj{"done": "again"})
	b.requireWorkflowStatus(id, "COMPLETED")
}
