package systask_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/podiumhq/podium/engine/systask"
	"github.com/podiumhq/podium/internal/conductor"
)

func TestLambda(t *testing.T) {
	t.Parallel()
	lambda := systask.NewLambda(systask.LambdaConfig{ScriptLimits: systask.ScriptLimits{Timeout: 200 * time.Millisecond}})
	execute := func(input map[string]any) systask.Result {
		return lambda.Execute(context.Background(), &systask.Task{
			TaskID: "task-1", WorkflowID: "wf-1", RefName: "lambda_ref", TaskType: conductor.TaskTypeLambda, Input: input,
			WorkflowTask: &conductor.WorkflowTask{Type: conductor.TaskTypeLambda, TaskReferenceName: "lambda_ref"},
		})
	}

	t.Run("TypeAndMode", func(t *testing.T) {
		t.Parallel()
		require.Equal(t, "LAMBDA", lambda.Type())
		require.Equal(t, systask.Sync, lambda.Mode())
	})

	t.Run("Results", func(t *testing.T) {
		t.Parallel()
		for _, tc := range []struct {
			name   string
			input  map[string]any
			result any
		}{
			{"ReturnsAnObject", map[string]any{"scriptExpression": "return {a: 1, b: [true, 'x']};"},
				map[string]any{"a": int64(1), "b": []any{true, "x"}}},
			{"ReadsTheInput", map[string]any{"scriptExpression": "if ($.input.a > 1) return 'big'; return 'small';",
				"input": map[string]any{"a": 2}}, "big"},
			{"SeesItsOwnScript", map[string]any{"scriptExpression": "return $.scriptExpression.length;"}, int64(33)},
			{"NoReturnIsNull", map[string]any{"scriptExpression": "var x = 1;"}, nil},
			{"TrailingLineComment", map[string]any{"scriptExpression": "return 7; // done"}, int64(7)},
		} {
			t.Run(tc.name, func(t *testing.T) {
				t.Parallel()
				require.Equal(t, systask.Result{Status: conductor.TaskCompleted, Output: map[string]any{"result": tc.result}},
					execute(tc.input))
			})
		}
	})

	t.Run("Failures", func(t *testing.T) {
		t.Parallel()
		const empty = "Empty 'scriptExpression' in Lambda task's input parameters. A non-empty String value must be provided."
		for _, tc := range []struct {
			name   string
			input  map[string]any
			reason string
		}{
			{"Missing", map[string]any{"a": 1}, empty},
			{"Empty", map[string]any{"scriptExpression": ""}, empty},
			{"NotAString", map[string]any{"scriptExpression": 1}, empty},
			{"Throws", map[string]any{"scriptExpression": "throw new Error('boom');"}, "script error: Error: boom (line 1, column 28)"},
			{"SyntaxError", map[string]any{"scriptExpression": "return (;"}, "script syntax error: Line 1:30 Unexpected token ; (and 3 more errors)"},
			{"TimesOut", map[string]any{"scriptExpression": "while (true) {}"}, "script timed out after 200ms"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				t.Parallel()
				requireFailure(t, execute(tc.input), conductor.TaskFailed, tc.reason)
			})
		}
	})

	t.Run("Interrupted", func(t *testing.T) {
		t.Parallel()
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		res := lambda.Execute(ctx, &systask.Task{Input: map[string]any{"scriptExpression": "return 1;"}})
		require.Equal(t, conductor.TaskFailed, res.Status)
		require.Contains(t, res.ReasonForIncompletion, "script evaluation interrupted")
	})
}
