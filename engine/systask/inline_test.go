package systask_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/podiumhq/podium/engine/systask"
	"github.com/podiumhq/podium/internal/conductor"
)

func inlineTask(input map[string]any) *systask.Task {
	return &systask.Task{
		TaskID: "task-1", WorkflowID: "wf-1", RefName: "inline_ref", TaskType: conductor.TaskTypeInline,
		Input: input, WorkflowTask: &conductor.WorkflowTask{Type: conductor.TaskTypeInline, TaskReferenceName: "inline_ref"},
	}
}

func TestInline(t *testing.T) {
	t.Parallel()

	type testBundle struct {
		inline *systask.Inline
	}
	setup := func(t *testing.T) *testBundle {
		t.Helper()
		return &testBundle{inline: systask.NewInline(systask.InlineConfig{ScriptLimits: systask.ScriptLimits{Timeout: 200 * time.Millisecond}})}
	}
	execute := func(t *testing.T, input map[string]any) systask.Result {
		t.Helper()
		return setup(t).inline.Execute(context.Background(), inlineTask(input))
	}
	requireTerminal := func(t *testing.T, res systask.Result, reason string) {
		t.Helper()
		require.Equal(t, conductor.TaskFailedWithTerminalError, res.Status)
		require.Contains(t, res.ReasonForIncompletion, reason)
		require.Equal(t, map[string]any{"error": res.ReasonForIncompletion}, res.Output)
	}

	t.Run("TypeAndMode", func(t *testing.T) {
		t.Parallel()
		bundle := setup(t)
		require.Equal(t, "INLINE", bundle.inline.Type())
		require.Equal(t, systask.Sync, bundle.inline.Mode())
	})

	t.Run("SpecExample", func(t *testing.T) {
		t.Parallel()
		res := execute(t, map[string]any{"evaluatorType": "graaljs", "expression": "$.a + 1", "a": 1})
		require.Equal(t, systask.Result{Status: conductor.TaskCompleted, Output: map[string]any{"result": int64(2)}}, res)
	})

	t.Run("JavaScriptIsTheDefault", func(t *testing.T) {
		t.Parallel()
		for _, evaluator := range []any{nil, "", "javascript"} {
			in := map[string]any{"expression": "$.evaluatorType === undefined ? $.expression.length : 0", "x": 1}
			if evaluator != nil {
				in["evaluatorType"] = evaluator
			}
			res := execute(t, in)
			require.Equal(t, conductor.TaskCompleted, res.Status, "%v", evaluator)
		}
	})

	t.Run("ObjectsAndArrays", func(t *testing.T) {
		t.Parallel()
		res := execute(t, map[string]any{
			"expression": "(function(){ return {names: $.users.map(function(u){ return u.name }), n: $.users.length} })()",
			"users":      []any{map[string]any{"name": "ann"}, map[string]any{"name": "bob"}},
		})
		require.Equal(t, conductor.TaskCompleted, res.Status)
		require.Equal(t, map[string]any{"result": map[string]any{"names": []any{"ann", "bob"}, "n": int64(2)}}, res.Output)
	})

	t.Run("ValueParam", func(t *testing.T) {
		t.Parallel()
		res := execute(t, map[string]any{"evaluatorType": "value-param", "expression": "k", "k": map[string]any{"x": 1}})
		require.Equal(t, systask.Result{Status: conductor.TaskCompleted, Output: map[string]any{"result": map[string]any{"x": 1}}}, res)
		res = execute(t, map[string]any{"evaluatorType": "value-param", "expression": "missing"})
		require.Equal(t, systask.Result{Status: conductor.TaskCompleted, Output: map[string]any{"result": nil}}, res)
	})

	t.Run("MissingExpression", func(t *testing.T) {
		t.Parallel()
		for _, expr := range []any{nil, "", 42} {
			in := map[string]any{"evaluatorType": "javascript"}
			if expr != nil {
				in["expression"] = expr
			}
			requireTerminal(t, execute(t, in), "Empty 'expression' in INLINE task's input parameters")
		}
	})

	t.Run("UnsupportedEvaluator", func(t *testing.T) {
		t.Parallel()
		requireTerminal(t, execute(t, map[string]any{"evaluatorType": "python", "expression": "1"}),
			`evaluatorType "python" is not supported`)
		requireTerminal(t, execute(t, map[string]any{"evaluatorType": 1, "expression": "1"}), "evaluatorType must be a string")
	})

	t.Run("ScriptErrors", func(t *testing.T) {
		t.Parallel()
		res := execute(t, map[string]any{"expression": "$.a +", "a": 1})
		requireTerminal(t, res, "script syntax error: Line 1:6 Unexpected end of input")
		res = execute(t, map[string]any{"expression": "throw new Error('boom')"})
		require.Equal(t, "script error: Error: boom (line 1, column 7)", res.ReasonForIncompletion)
		requireTerminal(t, res, "boom")
		requireTerminal(t, execute(t, map[string]any{"expression": "while(true){}"}), "script timed out after 200ms")
		requireTerminal(t, execute(t, map[string]any{"expression": "function f(){ return f() } f()"}), "maximum call stack size")
	})

	t.Run("Interrupted", func(t *testing.T) {
		t.Parallel()
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		res := setup(t).inline.Execute(ctx, inlineTask(map[string]any{"expression": "1"}))
		require.Equal(t, conductor.TaskFailed, res.Status, "the caller's interruption is retriable")
		require.Contains(t, res.ReasonForIncompletion, "script evaluation interrupted")
	})

	t.Run("InputUntouched", func(t *testing.T) {
		t.Parallel()
		in := map[string]any{"expression": "$.l.push(2); delete $.a; $.l", "a": 1, "l": []any{1}}
		res := execute(t, in)
		require.Equal(t, map[string]any{"result": []any{int64(1), int64(2)}}, res.Output)
		require.Equal(t, map[string]any{"expression": "$.l.push(2); delete $.a; $.l", "a": 1, "l": []any{1}}, in)
	})
}

func TestRegistryWithScriptAndHTTP(t *testing.T) {
	t.Parallel()
	r := systask.NewRegistry(systask.NewInline(systask.InlineConfig{}), systask.NewHTTP(systask.HTTPConfig{}))
	require.Equal(t, []string{"HTTP"}, r.AsyncTypes())
	h, ok := r.Get("INLINE")
	require.True(t, ok)
	require.Equal(t, systask.Sync, h.Mode())
}
