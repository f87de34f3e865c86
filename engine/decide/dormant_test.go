package decide

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/podiumhq/podium/internal/conductor"
)

// inDecision reports whether the decision holds an attempt of ref.
func (r *run) inDecision(ref string) bool { return r.d.loaded(ref) != nil }

func TestABranchResultLeavesTheOtherBranchesUnread(t *testing.T) {
	t.Parallel()
	def := workflow(append(fork("f", []string{"a", "b", "c"}, branch(simpleTask("a", nil)), branch(simpleTask("b", nil)),
		branch(simpleTask("c", nil))), simpleTask("after", obj{"j": "${f_join.output}"}))...)
	r := start(t, def, nil)

	r.reopen("a")
	require.False(t, r.inDecision("b"), "a queued branch is dormant")
	r.mem.pendingAsks = 0
	r.complete("a", obj{"n": 1})
	require.Equal(t, 1, r.mem.pendingAsks, "the JOIN asks once per decision, however many passes it takes")
	require.False(t, r.inDecision("b"), "the JOIN asked whether a joined task is pending, without reading them")
	require.Equal(t, conductor.TaskInProgress, r.attempt("f_join").Task.Status)
	require.Equal(t, conductor.WorkflowRunning, r.status())

	r.reopen("b")
	r.complete("b", obj{"n": 2})
	r.reopen("c")
	r.complete("c", obj{"n": 3})
	join := r.attempt("f_join")
	require.Equal(t, conductor.TaskCompleted, join.Task.Status)
	require.JSONEq(t, `{"a": {"n": 1}, "b": {"n": 2}, "c": {"n": 3}}`, jsonOf(t, join.Task.OutputData))
	require.Equal(t, conductor.TaskScheduled, r.attempt("after").Task.Status)
}

func TestEndingAWorkflowReadsItsDormantTasks(t *testing.T) {
	t.Parallel()
	def := workflow(fork("f", []string{"a", "b"}, branch(once("a")), branch(simpleTask("b", nil)))...)
	r := start(t, def, nil)
	r.reopen("a")
	r.report("a", conductor.TaskFailed, nil, "boom")
	require.Equal(t, conductor.WorkflowFailed, r.status())
	require.True(t, r.inDecision("b"))
	require.Equal(t, conductor.TaskCanceled, r.attempt("b").Task.Status, "a dormant branch is canceled with the workflow")
	require.Contains(t, r.dirtyIDs(), r.attempt("b").Task.TaskID)

	r2 := start(t, def, nil)
	r2.reopen()
	r2.d.Terminate("operator")
	require.Equal(t, conductor.TaskCanceled, r2.attempt("a").Task.Status)
	require.Equal(t, conductor.TaskCanceled, r2.attempt("b").Task.Status)
}

func TestALoopWaitsForItsDormantTasks(t *testing.T) {
	t.Parallel()
	body := fork("f", []string{"x", "y"}, branch(simpleTask("x", nil)), branch(simpleTask("y", nil)))
	r := start(t, workflow(loop("l", upTo("l", 2), body...)), nil)
	r.reopen("x__1")
	r.complete("x__1", nil)
	require.Equal(t, 1, r.attempt("l").Task.Iteration)
	r.reopen("y__1")
	r.complete("y__1", nil)
	require.Equal(t, 2, r.attempt("l").Task.Iteration, "the iteration ended once its last task did")
	r.reopen("x__2")
	r.complete("x__2", nil)
	r.reopen("y__2")
	r.complete("y__2", nil)
	require.Equal(t, conductor.WorkflowCompleted, r.status())
}

func TestDormantTimersStandUntilASweep(t *testing.T) {
	t.Parallel()
	timed := withDef(simpleTask("slow", nil), taskDef("slow", func(d *conductor.TaskDef) {
		d.PollTimeoutSeconds = new(int)
		*d.PollTimeoutSeconds = 60
	}))
	r := start(t, workflow(fork("f", []string{"slow", "fast"}, branch(timed), branch(simpleTask("fast", nil)))...), nil)
	deadline := r.d.NextCheckAt()
	require.NotNil(t, deadline)
	require.Equal(t, epoch.Add(60*time.Second).UnixMilli(), deadline.UnixMilli())

	r.reopen("fast")
	r.d.prevCheck = deadline
	r.complete("fast", nil)
	require.False(t, r.inDecision("slow"))
	require.Equal(t, deadline, r.d.NextCheckAt(), "the stored check stands for the unread task's poll timeout")

	r.reopen()
	require.NoError(t, r.d.LoadPending())
	require.True(t, r.inDecision("slow"), "a sweep reads every unfinished attempt")
	r.at(61 * time.Second)
	require.Equal(t, conductor.TaskTimedOut, r.attempt("slow").Task.Status)
}
