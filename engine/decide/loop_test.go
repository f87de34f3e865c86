package decide

import (
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/podiumhq/podium/internal/conductor"
)

// loop is a DO_WHILE over body with condition.
func loop(ref, condition string, body ...conductor.WorkflowTask) conductor.WorkflowTask {
	l := wt(ref, conductor.TaskTypeDoWhile, nil)
	l.LoopCondition, l.LoopOver = &condition, body
	return l
}

// upTo is a loop condition running n iterations of the loop ref.
func upTo(ref string, n int) string {
	return "if ($." + ref + "['iteration'] < " + strconv.Itoa(n) + ") { true; } else { false; }"
}

func TestLoopRunsItsBodyWhileTheConditionHolds(t *testing.T) {
	t.Parallel()
	body := []conductor.WorkflowTask{simpleTask("a", obj{"it": "${loop.output.iteration}"}), wt("b", "INLINE", obj{"value": "${a.output.n}"})}
	def := workflow(loop("loop", upTo("loop", 3), body...), simpleTask("after", obj{"all": "${loop.output}"}))
	r := start(t, def, nil)
	l := r.attempt("loop")
	require.Equal(t, []string{"loop", "a__1"}, r.refs())
	require.Equal(t, conductor.TaskInProgress, l.Task.Status)
	require.Equal(t, 1, l.Task.Iteration)
	require.Equal(t, 1, r.attempt("a__1").Task.Iteration)
	require.JSONEq(t, `{"it": 1}`, jsonOf(t, r.attempt("a__1").Task.InputData), "the body reads the loop's iteration")

	for i := 1; i <= 3; i++ {
		r.complete("a__"+strconv.Itoa(i), obj{"n": i * 10})
	}
	require.Equal(t, []string{"loop", "a__1", "b__1", "a__2", "b__2", "a__3", "b__3", "after"}, r.refs())
	require.Equal(t, conductor.TaskCompleted, l.Task.Status)
	require.JSONEq(t, `{"iteration": 3, "1": {"a": {"n": 10}, "b": {"result": 10}}, "2": {"a": {"n": 20}, "b": {"result": 20}},
		"3": {"a": {"n": 30}, "b": {"result": 30}}}`, jsonOf(t, l.Task.OutputData), "each iteration's outputs under its number")
	after := r.attempt("after")
	require.Zero(t, after.Task.Iteration, "a task after the loop is in no iteration")
	require.JSONEq(t, jsonOf(t, l.Task.OutputData), jsonOf(t, after.Task.InputData["all"]))
	r.complete("after", nil)
	require.Equal(t, conductor.WorkflowCompleted, r.status())
}

func TestLoopConditionReadsTheBodyOutputAndRunsAtLeastOnce(t *testing.T) {
	t.Parallel()
	r := start(t, workflow(loop("poll", "$.check['ready'] != true", simpleTask("check", nil))), nil)
	r.complete("check__1", obj{"ready": false})
	r.complete("check__2", obj{"ready": true})
	require.Equal(t, []string{"poll", "check__1", "check__2"}, r.refs())
	require.Equal(t, conductor.WorkflowCompleted, r.status())

	once := start(t, workflow(loop("once", "false", simpleTask("x", nil))), nil)
	once.complete("x__1", nil)
	require.Equal(t, conductor.TaskCompleted, once.attempt("once").Task.Status, "the condition is checked after the body")

	empty := start(t, workflow(loop("e", "", simpleTask("y", nil))), nil)
	empty.complete("y__1", nil)
	require.Equal(t, conductor.WorkflowCompleted, empty.status(), "an empty condition is false, as in Conductor: one iteration")
}

func TestLoopOverItems(t *testing.T) {
	t.Parallel()
	each := loop("each", "", simpleTask("ship", obj{"item": "${each.output.loopItem}", "index": "${each.output.loopIndex}"}))
	each.Items = "${workflow.input.orders}"
	def := workflow(each, simpleTask("done", nil))

	r := start(t, def, obj{"orders": []any{"o1", "o2", "o3"}})
	for i := 1; i <= 3; i++ {
		ship := r.attempt("ship__" + strconv.Itoa(i))
		require.JSONEq(t, `{"item": "o`+strconv.Itoa(i)+`", "index": `+strconv.Itoa(i-1)+`}`, jsonOf(t, ship.Task.InputData))
		r.complete(ship.Task.ReferenceTaskName, obj{"shipped": i})
	}
	l := r.attempt("each")
	require.Equal(t, conductor.TaskCompleted, l.Task.Status, "the list ends the loop without a condition")
	require.JSONEq(t, `{"iteration": 3, "loopIndex": 2, "loopItem": "o3", "1": {"ship": {"shipped": 1}}, "2": {"ship": {"shipped": 2}},
		"3": {"ship": {"shipped": 3}}}`, jsonOf(t, l.Task.OutputData))
	require.Equal(t, "done", r.refs()[len(r.refs())-1])

	empty := start(t, def, obj{"orders": []any{}})
	require.Equal(t, []string{"each", "done"}, empty.refs(), "an empty list runs no iteration")
	require.JSONEq(t, `{"iteration": 0}`, jsonOf(t, empty.attempt("each").Task.OutputData))

	limited := each
	more := "$.ship['more'] == true"
	limited.LoopCondition = &more
	cut := start(t, workflow(limited), obj{"orders": []any{"a", "b", "c"}})
	cut.complete("ship__1", obj{"more": true})
	cut.complete("ship__2", obj{"more": false})
	require.Equal(t, conductor.TaskCompleted, cut.attempt("each").Task.Status, "a condition can end a list loop early")
	require.Equal(t, 3, len(cut.refs()))
}

func TestLoopKeepsTheLastIterations(t *testing.T) {
	t.Parallel()
	l := loop("l", upTo("l", 5), simpleTask("w", nil))
	l.InputParameters = obj{"keepLastN": 2}
	r := start(t, workflow(l), nil)
	for i := 1; i <= 5; i++ {
		r.complete("w__"+strconv.Itoa(i), obj{"i": i})
	}
	require.Equal(t, conductor.WorkflowCompleted, r.status())
	require.Equal(t, []string{"l", "w__4", "w__5"}, r.refs(), "older iterations' tasks are removed")
	require.JSONEq(t, `{"iteration": 5, "4": {"w": {"i": 4}}, "5": {"w": {"i": 5}}}`, jsonOf(t, r.attempt("l").Task.OutputData))
}

func TestNestedLoopsNameEachIteration(t *testing.T) {
	t.Parallel()
	inner := loop("inner", upTo("inner", 2), simpleTask("x", nil))
	r := start(t, workflow(loop("outer", upTo("outer", 2), inner, simpleTask("y", nil))), nil)
	for _, ref := range []string{"x__1__1", "x__1__2", "y__1", "x__2__1", "x__2__2", "y__2"} {
		a := r.attempt(ref)
		require.Equal(t, conductor.TaskScheduled, a.Task.Status, ref)
		r.complete(ref, obj{"ref": ref})
	}
	require.Equal(t, []string{"outer", "inner__1", "x__1__1", "x__1__2", "y__1", "inner__2", "x__2__1", "x__2__2", "y__2"}, r.refs())
	require.Equal(t, 1, r.attempt("x__2__1").Task.Iteration, "a task's iteration is its innermost loop's")
	require.Equal(t, 2, r.attempt("y__2").Task.Iteration)
	require.JSONEq(t, `{"iteration": 2, "1": {"x": {"ref": "x__2__1"}}, "2": {"x": {"ref": "x__2__2"}}}`, jsonOf(t, r.attempt("inner__2").Task.OutputData))
	require.Equal(t, conductor.WorkflowCompleted, r.status())
}

func TestForkAndSwitchInsideALoop(t *testing.T) {
	t.Parallel()
	sw := wt("sw", conductor.TaskTypeSwitch, obj{"k": "${l.output.iteration}"})
	sw.EvaluatorType, sw.Expression = "value-param", "k"
	sw.DecisionCases = map[string][]conductor.WorkflowTask{"1": {simpleTask("first", nil)}}
	body := append(fork("f", []string{"a", "b"}, branch(simpleTask("a", nil)), branch(simpleTask("b", nil))), sw)
	r := start(t, workflow(loop("l", upTo("l", 2), body...)), nil)
	require.Equal(t, []string{"l", "f__1", "a__1", "b__1", "f_join__1"}, r.refs())
	require.Equal(t, obj{"joinOn": []any{"a", "b"}}, r.attempt("f_join__1").Task.InputData)
	r.complete("a__1", obj{"a": 1})
	r.complete("b__1", nil)
	require.JSONEq(t, `{"a__1": {"a": 1}}`, jsonOf(t, r.attempt("f_join__1").Task.OutputData), "a JOIN in a loop joins on its iteration's tasks")
	r.complete("first__1", nil)
	require.Equal(t, []string{"l", "f__1", "a__1", "b__1", "f_join__1", "sw__1", "first__1", "f__2", "a__2", "b__2", "f_join__2"}, r.refs())
	r.complete("a__2", nil)
	r.complete("b__2", nil)
	require.Equal(t, conductor.TaskCompleted, r.attempt("sw__2").Task.Status)
	require.Equal(t, conductor.WorkflowCompleted, r.status(), "the second iteration's switch took no case")
}

func TestLoopFailures(t *testing.T) {
	t.Parallel()
	t.Run("a task failing for good fails the workflow", func(t *testing.T) {
		t.Parallel()
		r := start(t, workflow(loop("l", upTo("l", 3), once("w"))), nil)
		r.report("w__1", conductor.TaskFailed, nil, "no")
		require.Equal(t, conductor.WorkflowFailed, r.status())
		require.Equal(t, conductor.TaskCanceled, r.attempt("l").Task.Status)
	})
	t.Run("a permissive failure fails the loop at the end of its iteration", func(t *testing.T) {
		t.Parallel()
		perm := once("w")
		perm.Permissive = true
		r := start(t, workflow(loop("l", upTo("l", 3), perm, simpleTask("v", nil))), nil)
		r.report("w__1", conductor.TaskFailed, nil, "bad row")
		require.Equal(t, conductor.TaskInProgress, r.attempt("l").Task.Status)
		r.complete("v__1", nil)
		l := r.attempt("l")
		require.Equal(t, conductor.TaskFailed, l.Task.Status)
		require.Equal(t, "bad row", l.Task.ReasonForIncompletion)
		require.Equal(t, conductor.WorkflowFailed, r.status())
	})
	t.Run("a condition that does not evaluate", func(t *testing.T) {
		t.Parallel()
		r := start(t, workflow(loop("l", "$.nope.deeper > 1", simpleTask("w", nil))), nil)
		r.complete("w__1", nil)
		l := r.attempt("l")
		require.Equal(t, conductor.TaskFailedWithTerminalError, l.Task.Status)
		require.Contains(t, l.Task.ReasonForIncompletion, "Unable to evaluate condition $.nope.deeper > 1, exception ")
		require.Equal(t, conductor.WorkflowFailed, r.status())
	})
}

func TestLoopOfInlineTasksRunsInOneDecision(t *testing.T) {
	t.Parallel()
	l := loop("l", upTo("l", 1000), wt("step", "INLINE", obj{"value": "${l.output.iteration}"}))
	l.InputParameters = obj{"keepLastN": 3}
	r := start(t, workflow(l), nil)
	require.Equal(t, conductor.WorkflowCompleted, r.status())
	require.Equal(t, []string{"l", "step__998", "step__999", "step__1000"}, r.refs())
	require.JSONEq(t, `{"result": 1000}`, jsonOf(t, r.attempt("step__1000").Task.OutputData))
}

func TestSecretsInALoopAreMaskedInItsOutput(t *testing.T) {
	t.Parallel()
	mem := &memory{secrets: map[string]string{"token": "loop-s3cr3t"}}
	r := startWith(t, workflow(loop("l", upTo("l", 2), simpleTask("w", obj{"auth": "${workflow.secrets.token}"}))), nil, mem)
	require.Equal(t, obj{"auth": "***"}, r.attempt("w__1").Task.InputData)
	r.complete("w__1", obj{"echo": "loop-s3cr3t"})
	r.complete("w__2", obj{"echo": "x loop-s3cr3t"})
	require.Equal(t, conductor.WorkflowCompleted, r.status())
	require.NotContains(t, jsonOf(t, r.attempt("l").Task.OutputData), "loop-s3cr3t")
	require.Contains(t, jsonOf(t, r.attempt("l").Task.OutputData), "x ***")
}
