package decide

import (
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/podiumhq/podium/internal/conductor"
)

// dynamicFork is a FORK_JOIN_DYNAMIC with input, followed by its JOIN.
func dynamicFork(ref string, input obj, edit func(*conductor.WorkflowTask)) []conductor.WorkflowTask {
	f := wt(ref, conductor.TaskTypeForkJoinDynamic, input)
	if edit != nil {
		edit(&f)
	}
	return []conductor.WorkflowTask{f, wt(ref+"_join", conductor.TaskTypeJoin, nil)}
}

func TestDynamicForkOfTasksAndInputs(t *testing.T) {
	t.Parallel()
	tasks := dynamicFork("df", obj{"tasks": "${workflow.input.tasks}", "inputs": "${workflow.input.inputs}"}, func(f *conductor.WorkflowTask) {
		f.DynamicForkTasksParam, f.DynamicForkTasksInputParamName = "tasks", "inputs"
	})
	def := workflow(append(tasks, simpleTask("after", obj{"joined": "${df_join.output}"}))...)
	mem := &memory{taskDefs: map[string]*conductor.TaskDef{"resize": taskDef("resize", func(d *conductor.TaskDef) { d.RetryCount = 0 })}}
	r := startWith(t, def, obj{
		"tasks":  []any{obj{"name": "resize", "taskReferenceName": "img1"}, obj{"name": "resize", "taskReferenceName": "img2", "type": "SIMPLE"}},
		"inputs": obj{"img1": obj{"w": 10}, "img2": obj{"w": 20}},
	}, mem)
	require.Equal(t, []string{"df", "img1", "img2", "df_join"}, r.refs())
	require.Equal(t, []string{"FORK", "resize", "resize", "JOIN"}, r.types())
	fork := r.attempt("df")
	require.Equal(t, []any{"img1", "img2"}, fork.Task.InputData["forkedTasks"])
	require.Len(t, fork.Task.InputData["forkedTaskDefs"], 2)
	require.Equal(t, obj{"joinOn": []any{"img1", "img2"}}, r.attempt("df_join").Task.InputData)
	img2 := r.attempt("img2")
	require.JSONEq(t, `{"w": 20}`, jsonOf(t, img2.Task.InputData))
	require.True(t, img2.KeepWorkflowTask, "a generated task is stored with its definition node")
	require.Equal(t, 0, img2.Task.WorkflowTask.TaskDefinition.RetryCount, "the registered task definition governs it")

	r.complete("img1", obj{"ok": 1})
	r.complete("img2", obj{"ok": 2})
	require.JSONEq(t, `{"img1": {"ok": 1}, "img2": {"ok": 2}}`, jsonOf(t, r.attempt("df_join").Task.OutputData))
	require.JSONEq(t, `{"joined": {"img1": {"ok": 1}, "img2": {"ok": 2}}}`, jsonOf(t, r.attempt("after").Task.InputData))
}

func TestDynamicForkSimpleStyle(t *testing.T) {
	t.Parallel()
	def := workflow(dynamicFork("fan", obj{"forkTaskName": "work", "forkTaskInputs": "${workflow.input.items}"}, nil)...)
	r := start(t, def, obj{"items": []any{obj{"n": 1}, "plain"}})
	require.Equal(t, []string{"fan", "_work_0", "_work_1", "fan_join"}, r.refs())
	require.JSONEq(t, `{"n": 1, "__index": 0}`, jsonOf(t, r.attempt("_work_0").Task.InputData))
	require.JSONEq(t, `{"input": "plain", "__index": 1}`, jsonOf(t, r.attempt("_work_1").Task.InputData))
	require.Equal(t, "work", r.attempt("_work_1").QueueName)

	empty := start(t, def, obj{"items": []any{}})
	require.Equal(t, []string{"fan", "fan_join"}, empty.refs())
	require.Equal(t, conductor.TaskCompleted, empty.attempt("fan_join").Task.Status, "no branch: the JOIN has nothing to wait for")
	require.Equal(t, conductor.WorkflowCompleted, empty.status())

	bad := start(t, def, obj{"items": "not a list"})
	require.Equal(t, conductor.WorkflowFailed, bad.status(), "a missing or non-list input fails the workflow")
	require.Contains(t, bad.attempt("fan").Task.ReasonForIncompletion, "forkTaskInputs")
}

func TestDynamicForkLegacyStyleAndOptional(t *testing.T) {
	t.Parallel()
	def := workflow(dynamicFork("legacy", obj{"dyn": "${workflow.input.dyn}"}, func(f *conductor.WorkflowTask) {
		f.DynamicForkJoinTasksParam, f.Optional = "dyn", true
	})...)
	mem := &memory{taskDefs: map[string]*conductor.TaskDef{"job": taskDef("job", func(d *conductor.TaskDef) { d.RetryCount = 0 })}}
	r := startWith(t, def, obj{"dyn": obj{"dynamicTasks": []any{
		obj{"taskName": "job", "referenceName": "j1", "input": obj{"a": 1}},
		obj{"taskName": "job", "referenceName": "j2", "input": obj{"a": 2}},
	}}}, mem)
	require.Equal(t, []string{"legacy", "j1", "j2", "legacy_join"}, r.refs())
	r.report("j1", conductor.TaskFailed, nil, "broken")
	require.Equal(t, conductor.TaskCompletedWithErrors, r.attempt("j1").Task.Status, "an optional dynamic fork's tasks are optional")
	r.complete("j2", nil)
	require.Equal(t, conductor.TaskCompletedWithErrors, r.attempt("legacy_join").Task.Status)
	require.Equal(t, conductor.WorkflowCompleted, r.status())
}

func TestDynamicForkOfAThousandBranches(t *testing.T) {
	t.Parallel()
	items := make([]any, 1000)
	for i := range items {
		items[i] = obj{"i": i}
	}
	r := start(t, workflow(dynamicFork("wide", obj{"forkTaskName": "w", "forkTaskInputs": "${workflow.input.items}"}, nil)...), obj{"items": items})
	require.Len(t, r.refs(), 1002)
	for i := range 1000 {
		r.complete("_w_"+strconv.Itoa(i), nil)
	}
	require.Equal(t, conductor.WorkflowCompleted, r.status())
}

func TestDynamicForkRefusesDuplicateReferences(t *testing.T) {
	t.Parallel()
	def := workflow(dynamicFork("df", obj{"tasks": "${workflow.input.tasks}", "inputs": obj{}}, func(f *conductor.WorkflowTask) {
		f.DynamicForkTasksParam, f.DynamicForkTasksInputParamName = "tasks", "inputs"
	})...)
	r := start(t, def, obj{"tasks": []any{obj{"name": "a", "taskReferenceName": "x"}, obj{"name": "b", "taskReferenceName": "x"}}})
	require.Equal(t, conductor.WorkflowFailed, r.status())
	noMap := start(t, workflow(dynamicFork("df", obj{"tasks": "${workflow.input.tasks}", "inputs": "oops"}, func(f *conductor.WorkflowTask) {
		f.DynamicForkTasksParam, f.DynamicForkTasksInputParamName = "tasks", "inputs"
	})...), obj{"tasks": []any{obj{"name": "a", "taskReferenceName": "x"}}})
	require.Contains(t, noMap.attempt("df").Task.ReasonForIncompletion, "Input to the dynamically forked tasks is not a map")
}

func TestDynamicTaskRunsTheNamedTask(t *testing.T) {
	t.Parallel()
	dyn := wt("pick", conductor.TaskTypeDynamic, obj{"taskToRun": "${workflow.input.name}", "x": 1})
	dyn.DynamicTaskNameParam = "taskToRun"
	def := workflow(dyn, simpleTask("after", obj{"got": "${pick.output.v}"}))
	mem := &memory{taskDefs: map[string]*conductor.TaskDef{"ship_fast": taskDef("ship_fast", func(*conductor.TaskDef) {})}}
	r := startWith(t, def, obj{"name": "ship_fast"}, mem)
	pick := r.attempt("pick")
	require.Equal(t, "ship_fast", pick.Task.TaskType, "the task runs under the name the input gives")
	require.Equal(t, "ship_fast", pick.QueueName)
	r.complete("pick", obj{"v": "done"})
	require.JSONEq(t, `{"got": "done"}`, jsonOf(t, r.attempt("after").Task.InputData))

	unknown := startWith(t, def, obj{"name": "nobody"}, mem)
	require.Equal(t, conductor.WorkflowFailed, unknown.status())
	require.Equal(t, "Invalid task specified.  Cannot find task by name nobody in the task definitions", unknown.attempt("pick").Task.ReasonForIncompletion)
}

func TestExclusiveJoinTakesTheBranchThatRan(t *testing.T) {
	t.Parallel()
	sw := wt("route", conductor.TaskTypeSwitch, obj{"k": "${workflow.input.k}"})
	sw.EvaluatorType, sw.Expression = "value-param", "k"
	sw.DecisionCases = map[string][]conductor.WorkflowTask{"a": {simpleTask("a1", nil)}, "b": {simpleTask("b1", nil)}}
	sw.DefaultCase = []conductor.WorkflowTask{simpleTask("d1", nil)}
	ej := wt("ej", conductor.TaskTypeExclusiveJoin, nil)
	ej.JoinOn, ej.DefaultExclusiveJoinTask = []string{"a1", "b1"}, []string{"d1"}
	def := workflow(sw, ej, simpleTask("z", obj{"from": "${ej.output.v}"}))
	for k, ref := range map[string]string{"a": "a1", "b": "b1", "other": "d1"} {
		r := start(t, def, obj{"k": k})
		r.complete(ref, obj{"v": ref})
		require.Equal(t, conductor.TaskCompleted, r.attempt("ej").Task.Status, k)
		require.JSONEq(t, `{"v": "`+ref+`"}`, jsonOf(t, r.attempt("ej").Task.OutputData))
		require.JSONEq(t, `{"from": "`+ref+`"}`, jsonOf(t, r.attempt("z").Task.InputData))
	}
}

func TestDynamicForkOfSystemTasks(t *testing.T) {
	t.Parallel()
	def := workflow(dynamicFork("df", obj{"tasks": "${workflow.input.tasks}", "inputs": "${workflow.input.inputs}"}, func(f *conductor.WorkflowTask) {
		f.DynamicForkTasksParam, f.DynamicForkTasksInputParamName = "tasks", "inputs"
	})...)
	r := start(t, def, obj{
		"tasks":  []any{obj{"name": "calc", "taskReferenceName": "calc", "type": "INLINE"}, obj{"name": "w", "taskReferenceName": "w"}},
		"inputs": obj{"calc": obj{"value": 5}, "w": obj{}},
	})
	require.Equal(t, conductor.TaskCompleted, r.attempt("calc").Task.Status, "a system task branch runs in the decision")
	require.JSONEq(t, `{"result": 5}`, jsonOf(t, r.attempt("calc").Task.OutputData))
	require.Equal(t, "w", r.attempt("w").QueueName)
	r.complete("w", obj{"x": 1})
	require.JSONEq(t, `{"calc": {"result": 5}, "w": {"x": 1}}`, jsonOf(t, r.attempt("df_join").Task.OutputData))
}

func TestDynamicForkMasksSecretsInItsForkedTaskDefs(t *testing.T) {
	t.Parallel()
	mem := &memory{secrets: map[string]string{"key": "dyn-s3cr3t"}}
	def := workflow(dynamicFork("df", obj{
		"tasks":  []any{obj{"name": "w", "taskReferenceName": "w", "inputParameters": obj{"auth": "${workflow.secrets.key}"}}},
		"inputs": obj{"w": obj{"token": "${workflow.secrets.key}"}},
	}, func(f *conductor.WorkflowTask) {
		f.DynamicForkTasksParam, f.DynamicForkTasksInputParamName = "tasks", "inputs"
	})...)
	r := startWith(t, def, nil, mem)
	w := r.attempt("w")
	require.JSONEq(t, `{"auth": "dyn-s3cr3t", "token": "dyn-s3cr3t"}`, jsonOf(t, w.RealInput), "the branch gets the real values")
	for _, shown := range []any{r.attempt("df").Task.InputData, w.Task.InputData, w.Task.WorkflowTask} {
		require.NotContains(t, jsonOf(t, shown), "dyn-s3cr3t")
	}
}
