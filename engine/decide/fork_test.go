package decide

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/podiumhq/podium/internal/conductor"
)

// fork is a FORK_JOIN of branches and the JOIN after it, joining on joinOn.
func fork(ref string, joinOn []string, branches ...[]conductor.WorkflowTask) []conductor.WorkflowTask {
	f := wt(ref, conductor.TaskTypeForkJoin, nil)
	f.ForkTasks = branches
	j := wt(ref+"_join", conductor.TaskTypeJoin, nil)
	j.JoinOn = joinOn
	return []conductor.WorkflowTask{f, j}
}

// once is a worker task without retries.
func once(ref string) conductor.WorkflowTask {
	return withDef(simpleTask(ref, nil), taskDef(ref, func(d *conductor.TaskDef) { d.RetryCount = 0 }))
}

func branch(tasks ...conductor.WorkflowTask) []conductor.WorkflowTask { return tasks }

// types lists the task types of the attempts, in order.
func (r *run) types() []string {
	var out []string
	for _, a := range r.d.Tasks {
		out = append(out, a.Task.TaskType)
	}
	return out
}

func TestForkSchedulesEveryBranchAndTheJoinAtOnce(t *testing.T) {
	t.Parallel()
	tasks := fork("f", []string{"a2", "b1"},
		branch(simpleTask("a1", nil), simpleTask("a2", obj{"p": "${a1.output.v}"})),
		branch(simpleTask("b1", nil)))
	def := workflow(append(tasks, simpleTask("z", obj{"j": "${f_join.output}"}))...)
	r := start(t, def, nil)
	require.Equal(t, []string{"f", "a1", "b1", "f_join"}, r.refs())
	require.Equal(t, []string{"FORK", "a1", "b1", "JOIN"}, r.types(), "the fork's type is FORK in executions")
	f := r.attempt("f")
	require.Equal(t, conductor.TaskCompleted, f.Task.Status)
	require.Equal(t, "FORK", f.Task.TaskDefName)
	join := r.attempt("f_join")
	require.Equal(t, conductor.TaskInProgress, join.Task.Status)
	require.Equal(t, obj{"joinOn": []any{"a2", "b1"}}, join.Task.InputData)
	require.Empty(t, join.QueueName, "the decider evaluates the JOIN: no worker polls it")
	for i, a := range r.d.Tasks {
		require.Equal(t, i+1, a.Task.Seq)
	}

	r.complete("b1", obj{"b": 1})
	require.Equal(t, conductor.TaskInProgress, join.Task.Status, "a2 has not run yet")
	r.complete("a1", obj{"v": "x"})
	require.Equal(t, obj{"p": "x"}, r.attempt("a2").Task.InputData, "a branch runs in sequence")
	require.Equal(t, conductor.TaskInProgress, join.Task.Status)
	r.complete("a2", obj{"a": 2})
	require.Equal(t, conductor.TaskCompleted, join.Task.Status)
	require.Equal(t, obj{"a2": obj{"a": 2}, "b1": obj{"b": 1}}, join.Task.OutputData, "the JOIN's output is keyed by reference name")
	require.Equal(t, []string{"f", "a1", "b1", "f_join", "a2", "z"}, r.refs())
	require.JSONEq(t, `{"j": {"a2": {"a": 2}, "b1": {"b": 1}}}`, jsonOf(t, r.attempt("z").Task.InputData))
	r.complete("z", nil)
	require.Equal(t, conductor.WorkflowCompleted, r.status())
}

func TestJoinLeavesOutEmptyOutputs(t *testing.T) {
	t.Parallel()
	r := start(t, workflow(fork("f", []string{"a", "b"}, branch(simpleTask("a", nil)), branch(simpleTask("b", nil)))...), nil)
	r.complete("a", nil)
	r.complete("b", obj{"x": 1})
	require.Equal(t, obj{"b": obj{"x": 1}}, r.attempt("f_join").Task.OutputData)
	require.Equal(t, conductor.WorkflowCompleted, r.status())
}

func TestJoinWithoutJoinOnCompletesAtOnce(t *testing.T) {
	t.Parallel()
	r := start(t, workflow(append(fork("f", nil, branch(simpleTask("a", nil))), simpleTask("z", nil))...), nil)
	require.Equal(t, conductor.TaskCompleted, r.attempt("f_join").Task.Status, "Conductor's JOIN has nothing to wait for")
	require.Equal(t, []string{"f", "a", "f_join", "z"}, r.refs())
	r.complete("z", nil)
	require.Equal(t, conductor.WorkflowRunning, r.status(), "the workflow still waits for the branch")
	r.complete("a", nil)
	require.Equal(t, conductor.WorkflowCompleted, r.status())
}

func TestFailedBranchFailsTheWorkflowAndCancelsTheOthers(t *testing.T) {
	t.Parallel()
	r := start(t, workflow(fork("f", []string{"a", "b2"}, branch(once("a")), branch(simpleTask("b1", nil), simpleTask("b2", nil)))...), nil)
	r.report("a", conductor.TaskFailed, nil, "boom")
	require.Equal(t, conductor.WorkflowFailed, r.status())
	require.Equal(t, conductor.TaskCanceled, r.attempt("b1").Task.Status)
	require.Equal(t, conductor.TaskCanceled, r.attempt("f_join").Task.Status)
	require.Contains(t, r.d.Workflow.ReasonForIncompletion, "reason: 'boom'")
}

func TestOptionalBranchCompletesTheJoinWithErrors(t *testing.T) {
	t.Parallel()
	opt := once("a")
	opt.Optional = true
	r := start(t, workflow(fork("f", []string{"a", "b"}, branch(opt), branch(simpleTask("b", nil)))...), nil)
	r.report("a", conductor.TaskFailed, obj{"e": 1}, "flaky")
	require.Equal(t, conductor.TaskCompletedWithErrors, r.attempt("a").Task.Status)
	require.Equal(t, conductor.WorkflowRunning, r.status())
	r.complete("b", obj{"ok": true})
	join := r.attempt("f_join")
	require.Equal(t, conductor.TaskCompletedWithErrors, join.Task.Status)
	require.Equal(t, "a/"+r.attempt("a").Task.TaskID+" completed with errors", join.Task.ReasonForIncompletion)
	require.Equal(t, conductor.WorkflowCompleted, r.status())
}

func TestPermissiveBranchFailsTheJoinOnceAllAreDone(t *testing.T) {
	t.Parallel()
	perm := once("a")
	perm.Permissive = true
	r := start(t, workflow(fork("f", []string{"a", "b"}, branch(perm), branch(simpleTask("b", nil)))...), nil)
	r.report("a", conductor.TaskFailed, nil, "bad input")
	join := r.attempt("f_join")
	require.Equal(t, conductor.TaskInProgress, join.Task.Status, "a permissive failure waits for the other branches")
	r.complete("b", nil)
	require.Equal(t, conductor.TaskFailed, join.Task.Status)
	require.Equal(t, "bad input", join.Task.ReasonForIncompletion)
	require.Equal(t, conductor.WorkflowFailed, r.status())
	require.Contains(t, r.d.Workflow.ReasonForIncompletion, "Task "+join.Task.TaskID+" failed")
}

func TestBranchRetriesBeforeTheJoinDecides(t *testing.T) {
	t.Parallel()
	retried := withDef(simpleTask("a", nil), taskDef("a", func(d *conductor.TaskDef) { d.RetryCount, d.RetryDelaySeconds = 1, 0 }))
	r := start(t, workflow(fork("f", []string{"a", "b"}, branch(retried), branch(simpleTask("b", nil)))...), nil)
	r.complete("b", nil)
	r.report("a", conductor.TaskFailed, nil, "once")
	require.Equal(t, 2, r.attempts("a"))
	require.Equal(t, conductor.TaskInProgress, r.attempt("f_join").Task.Status)
	r.complete("a", obj{"second": true})
	require.Equal(t, obj{"a": obj{"second": true}}, r.attempt("f_join").Task.OutputData, "the newest attempt is joined")
	require.Equal(t, conductor.WorkflowCompleted, r.status())
}

func TestNestedForksAndForksInSwitches(t *testing.T) {
	t.Parallel()
	inner := fork("inner", []string{"x", "y"}, branch(simpleTask("x", nil)), branch(simpleTask("y", nil)))
	sw := wt("sw", conductor.TaskTypeSwitch, obj{"k": "${workflow.input.k}"})
	sw.EvaluatorType, sw.Expression = "value-param", "k"
	sw.DecisionCases = map[string][]conductor.WorkflowTask{"go": fork("sf", []string{"s1"}, branch(simpleTask("s1", nil)))}
	outer := fork("outer", []string{"after", "sf_join"},
		branch(append(inner, simpleTask("after", obj{"in": "${inner_join.output.x.v}"}))...),
		branch(sw))
	r := start(t, workflow(append(outer, simpleTask("z", nil))...), obj{"k": "go"})
	require.Equal(t, []string{"outer", "inner", "x", "y", "inner_join", "sw", "outer_join", "sf", "s1", "sf_join"}, r.refs())
	r.complete("x", obj{"v": 7})
	r.complete("y", nil)
	require.Equal(t, conductor.TaskCompleted, r.attempt("inner_join").Task.Status)
	require.JSONEq(t, `{"in": 7}`, jsonOf(t, r.attempt("after").Task.InputData))
	r.complete("after", nil)
	require.Equal(t, conductor.TaskInProgress, r.attempt("outer_join").Task.Status, "the switch's fork still runs")
	r.complete("s1", nil)
	require.Equal(t, conductor.TaskCompleted, r.attempt("sf_join").Task.Status)
	require.Equal(t, conductor.TaskCompleted, r.attempt("outer_join").Task.Status, "the switch ended with its fork")
	require.Equal(t, "z", r.refs()[len(r.refs())-1])
	r.complete("z", nil)
	require.Equal(t, conductor.WorkflowCompleted, r.status())
}

func TestForkWithoutJoinFailsTheWorkflow(t *testing.T) {
	t.Parallel()
	f := wt("f", conductor.TaskTypeForkJoin, nil)
	f.ForkTasks = [][]conductor.WorkflowTask{{simpleTask("a", nil)}}
	r := start(t, workflow(f), nil)
	require.Equal(t, conductor.WorkflowFailed, r.status())
	require.Equal(t, []string{"f"}, r.refs(), "no branch is scheduled without a JOIN to wait for it")
	require.Equal(t, forkWithoutJoin, r.attempt("f").Task.ReasonForIncompletion)
}

func TestSecretsInABranchAreMaskedInTheJoin(t *testing.T) {
	t.Parallel()
	mem := &memory{secrets: map[string]string{"api_key": "s3cr3t-value"}}
	r := startWith(t, workflow(fork("f", []string{"a"}, branch(simpleTask("a", obj{"key": "${workflow.secrets.api_key}"})))...), nil, mem)
	a := r.attempt("a")
	require.Equal(t, obj{"key": "***"}, a.Task.InputData)
	r.complete("a", obj{"echo": "got s3cr3t-value"})
	join := r.attempt("f_join")
	require.Equal(t, conductor.TaskCompleted, join.Task.Status)
	require.NotContains(t, jsonOf(t, join.Task.OutputData), "s3cr3t-value")
	require.NotContains(t, jsonOf(t, r.d.Workflow.Output), "s3cr3t-value")
}
