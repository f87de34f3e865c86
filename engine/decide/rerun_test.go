package decide

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/podiumhq/podium/internal/conductor"
)

// rerunFrom reruns the workflow from the newest attempt of ref as the engine does: RerunFrom,
// then that attempt reset to run again, then a decision.
func (r *run) rerunFrom(ref string) {
	r.t.Helper()
	a := r.attempt(ref)
	r.d.RerunFrom(a, nil)
	t := a.Task
	t.Status, t.Executed, t.Retried, t.StartTime, t.EndTime, t.ReasonForIncompletion = conductor.TaskScheduled, false, false, 0, 0, ""
	r.d.Prepare(a, t.WorkflowTask, 0)
	r.d.MarkDirty(a)
	r.d.Decide()
	require.NoError(r.t, r.d.Err())
}

func TestRerunInsideAForkKeepsTheOtherBranches(t *testing.T) {
	t.Parallel()
	inner := fork("inner", []string{"y", "z"}, branch(simpleTask("y", nil)), branch(simpleTask("z", nil)))
	def := workflow(append(fork("outer", []string{"x2", "inner_join"}, branch(once("x"), simpleTask("x2", nil)), branch(inner...)),
		simpleTask("after", nil))...)
	r := start(t, def, nil)
	r.complete("y", nil)
	r.report("x", conductor.TaskFailed, nil, "broken")
	require.Equal(t, conductor.WorkflowFailed, r.status())
	require.Equal(t, conductor.TaskCanceled, r.attempt("inner_join").Task.Status)

	r.rerunFrom("x")
	require.Equal(t, conductor.WorkflowRunning, r.status())
	require.Equal(t, conductor.TaskScheduled, r.attempt("x").Task.Status)
	require.Equal(t, conductor.TaskInProgress, r.attempt("outer_join").Task.Status, "the fork's JOIN is reopened")
	require.Equal(t, conductor.TaskInProgress, r.attempt("inner_join").Task.Status, "a JOIN of the other branch is reopened")
	require.Equal(t, conductor.TaskCompleted, r.attempt("y").Task.Status, "the other branch keeps its progress")
	require.Equal(t, conductor.TaskScheduled, r.attempt("z").Task.Status, "its canceled task runs again")
	require.Equal(t, 2, r.attempts("z"))

	r.complete("x", nil)
	r.complete("x2", nil)
	r.complete("z", nil)
	require.Equal(t, conductor.TaskCompleted, r.attempt("outer_join").Task.Status)
	r.complete("after", nil)
	require.Equal(t, conductor.WorkflowCompleted, r.status())
}
