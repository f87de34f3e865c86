package systask_test

import (
	"context"
	"encoding/json"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/podiumhq/podium/engine/systask"
	"github.com/podiumhq/podium/internal/conductor"
)

func jqTask(input map[string]any) *systask.Task {
	return &systask.Task{
		TaskID: "task-1", WorkflowID: "wf-1", RefName: "jq_ref", TaskType: conductor.TaskTypeJSONJQTransform,
		Input: input, WorkflowTask: &conductor.WorkflowTask{Type: conductor.TaskTypeJSONJQTransform, TaskReferenceName: "jq_ref"},
	}
}

// requireFailure requires res to be a failure with status and reason, the reason also being
// output.error.
func requireFailure(t *testing.T, res systask.Result, status conductor.TaskStatus, reason string) {
	t.Helper()
	require.Equal(t, status, res.Status, res.ReasonForIncompletion)
	require.Equal(t, reason, res.ReasonForIncompletion)
	require.Equal(t, map[string]any{"error": reason}, res.Output)
}

func TestJQ(t *testing.T) {
	t.Parallel()
	jq := systask.NewJQ(systask.JQConfig{})

	t.Run("TypeAndMode", func(t *testing.T) {
		t.Parallel()
		require.Equal(t, "JSON_JQ_TRANSFORM", jq.Type())
		require.Equal(t, systask.Sync, jq.Mode())
	})

	t.Run("Transforms", func(t *testing.T) {
		t.Parallel()
		for _, tc := range []struct {
			name       string
			input      map[string]any
			result     any
			resultList []any
		}{
			{"MapArray", map[string]any{"queryExpression": ".in | map(.*2)", "in": []any{1, 2}},
				[]any{int64(2), int64(4)}, []any{[]any{int64(2), int64(4)}}},
			{"BuildObject", map[string]any{"queryExpression": "{name: .user.name, n: (.items | length)}",
				"user": map[string]any{"name": "ann"}, "items": []any{"a", "b", "c"}},
				map[string]any{"name": "ann", "n": int64(3)}, []any{map[string]any{"name": "ann", "n": int64(3)}}},
			{"SeveralValues", map[string]any{"queryExpression": ".a[]", "a": []any{"x", 1, true, nil}},
				"x", []any{"x", int64(1), true, nil}},
			{"NoValue", map[string]any{"queryExpression": "empty"}, nil, []any{}},
			{"WholeInputIsTheDocument", map[string]any{"queryExpression": "keys", "b": 1},
				[]any{"b", "queryExpression"}, []any{[]any{"b", "queryExpression"}}},
			{"IntegerStaysInteger", map[string]any{"queryExpression": ".n + 1", "n": 41}, int64(42), []any{int64(42)}},
			{"WholeFloatIsInteger", map[string]any{"queryExpression": ".n", "n": 5.0}, int64(5), []any{int64(5)}},
			{"FractionIsFloat", map[string]any{"queryExpression": ".n / 2", "n": 5}, 2.5, []any{2.5}},
			{"JSONNumbers", map[string]any{"queryExpression": "[.i + 1, .f * 2, .big]",
				"i": json.Number("7"), "f": json.Number("0.25"), "big": json.Number("123456789012345678901234567890")},
				[]any{int64(8), 0.5, json.Number("123456789012345678901234567890")},
				[]any{[]any{int64(8), 0.5, json.Number("123456789012345678901234567890")}}},
			{"OtherGoTypes", map[string]any{"queryExpression": "[.i64, .u8, .f32, .strs[1], .m.k]",
				"i64": int64(1) << 40, "u8": uint8(3), "f32": float32(1.5), "strs": []string{"a", "b"}, "m": map[string]int{"k": 9}},
				[]any{int64(1) << 40, int64(3), 1.5, "b", int64(9)},
				[]any{[]any{int64(1) << 40, int64(3), 1.5, "b", int64(9)}}},
			{"NaNAndInfinity", map[string]any{"queryExpression": "nan, infinite, -infinite"},
				nil, []any{nil, math.MaxFloat64, -math.MaxFloat64}},
			{"HaltKeepsTheValuesSoFar", map[string]any{"queryExpression": "1, halt, 2"}, int64(1), []any{int64(1)}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				t.Parallel()
				res := jq.Execute(context.Background(), jqTask(tc.input))
				require.Equal(t, systask.Result{Status: conductor.TaskCompleted,
					Output: map[string]any{"result": tc.result, "resultList": tc.resultList}}, res)
				_, err := json.Marshal(res.Output)
				require.NoError(t, err, "the output is JSON")
			})
		}
	})

	t.Run("ResultAndResultListShareNothing", func(t *testing.T) {
		t.Parallel()
		res := jq.Execute(context.Background(), jqTask(map[string]any{"queryExpression": ".o", "o": map[string]any{"k": 1}}))
		require.Equal(t, conductor.TaskCompleted, res.Status)
		res.Output["result"].(map[string]any)["k"] = 2
		require.Equal(t, []any{map[string]any{"k": int64(1)}}, res.Output["resultList"])
	})

	t.Run("InputUntouched", func(t *testing.T) {
		t.Parallel()
		in := map[string]any{"queryExpression": ".l += [2] | del(.a)", "a": 1, "l": []any{1}}
		res := jq.Execute(context.Background(), jqTask(in))
		require.Equal(t, conductor.TaskCompleted, res.Status)
		require.Equal(t, map[string]any{"queryExpression": ".l += [2] | del(.a)", "a": 1, "l": []any{1}}, in)
	})

	t.Run("Failures", func(t *testing.T) {
		t.Parallel()
		for _, tc := range []struct {
			name   string
			input  map[string]any
			status conductor.TaskStatus
			reason string
		}{
			{"MissingQuery", map[string]any{"a": 1}, conductor.TaskFailed, "Missing 'queryExpression' in input parameters"},
			{"NullQuery", map[string]any{"queryExpression": nil}, conductor.TaskFailed, "Missing 'queryExpression' in input parameters"},
			{"NonStringQuery", map[string]any{"queryExpression": 42}, conductor.TaskFailed, "Missing 'queryExpression' in input parameters"},
			{"ParseError", map[string]any{"queryExpression": ".a |"}, conductor.TaskFailed, "unexpected EOF"},
			{"UnknownFunction", map[string]any{"queryExpression": "nosuchfunction"}, conductor.TaskFailed, "function not defined: nosuchfunction/0"},
			{"EmptyQuery", map[string]any{"queryExpression": ""}, conductor.TaskFailed, `missing query (try ".")`},
			{"RunTimeError", map[string]any{"queryExpression": ".a.b", "a": "text"}, conductor.TaskFailed,
				`expected an object but got: string ("text")`},
			{"ErrorFunction", map[string]any{"queryExpression": `error("boom")`}, conductor.TaskFailed, "error: boom"},
			{"HaltError", map[string]any{"queryExpression": `"bye" | halt_error`}, conductor.TaskFailed, "halt error: bye"},
			{"NoInput", map[string]any{"queryExpression": "input"}, conductor.TaskFailed, "input(s)/0 is not allowed"},
			{"NoModules", map[string]any{"queryExpression": `import "a" as a; .`}, conductor.TaskFailed, `cannot load module: "a"`},
			{"NoDebug", map[string]any{"queryExpression": "debug"}, conductor.TaskFailed, "function not defined: debug/0"},
			{"NoStderr", map[string]any{"queryExpression": "stderr"}, conductor.TaskFailed, "function not defined: stderr/0"},
			{"NoInputFilename", map[string]any{"queryExpression": "input_filename"}, conductor.TaskFailed, "function not defined: input_filename/0"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				t.Parallel()
				requireFailure(t, jq.Execute(context.Background(), jqTask(tc.input)), tc.status, tc.reason)
			})
		}
	})

	t.Run("ErrorsAreBounded", func(t *testing.T) {
		t.Parallel()
		res := jq.Execute(context.Background(), jqTask(map[string]any{"queryExpression": "error(.s)", "s": strings.Repeat("x", 5000)}))
		require.Equal(t, conductor.TaskFailed, res.Status)
		require.Less(t, len(res.ReasonForIncompletion), 1100)
		require.True(t, strings.HasPrefix(res.ReasonForIncompletion, "error: xxx"))
	})

	t.Run("OutputLimit", func(t *testing.T) {
		t.Parallel()
		task := jqTask(map[string]any{"queryExpression": `range(1000) | "value \(.)"`})
		task.MaxOutputBytes = 1000
		res := jq.Execute(context.Background(), task)
		require.Equal(t, conductor.TaskFailedWithTerminalError, res.Status)
		require.Contains(t, res.ReasonForIncompletion, "is greater than the permissible limit: 1000 bytes")

		task.MaxOutputBytes = 1 << 20
		require.Equal(t, conductor.TaskCompleted, jq.Execute(context.Background(), task).Status)
	})

	t.Run("Interrupted", func(t *testing.T) {
		t.Parallel()
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		res := jq.Execute(ctx, jqTask(map[string]any{"queryExpression": "."}))
		requireFailure(t, res, conductor.TaskFailed, "jq query interrupted: context canceled")
	})
}

// TestJQLimits runs alone (not in parallel with the package's other tests): its queries grow the
// process heap, which the scripts' heap watch would count.
func TestJQLimits(t *testing.T) {
	const timeout = 200 * time.Millisecond
	jq := systask.NewJQ(systask.JQConfig{Timeout: timeout, MaxResults: 100})

	t.Run("Runaway", func(t *testing.T) {
		for _, query := range []string{"def f: f; f", "range(1e9) | empty", "last(range(1e9))", "[range(1e9)] | length"} {
			t.Run(query, func(t *testing.T) {
				start := time.Now()
				res := jq.Execute(context.Background(), jqTask(map[string]any{"queryExpression": query}))
				require.Less(t, time.Since(start), timeout+time.Second, "stopped soon after its time limit")
				requireFailure(t, res, conductor.TaskFailedWithTerminalError, "jq query timed out after 200ms")
			})
		}
	})

	t.Run("TooManyValues", func(t *testing.T) {
		for _, query := range []string{"repeat(1)", "range(1e9)", "range(101)"} {
			res := jq.Execute(context.Background(), jqTask(map[string]any{"queryExpression": query}))
			requireFailure(t, res, conductor.TaskFailedWithTerminalError, "jq query emitted more than 100 values")
		}
		res := jq.Execute(context.Background(), jqTask(map[string]any{"queryExpression": "range(100)"}))
		require.Equal(t, conductor.TaskCompleted, res.Status)
		require.Len(t, res.Output["resultList"], 100)
	})

	t.Run("Memory", func(t *testing.T) {
		greedy := systask.NewJQ(systask.JQConfig{Timeout: 10 * time.Second, MaxHeapGrowth: 16 << 20})
		start := time.Now()
		res := greedy.Execute(context.Background(), jqTask(map[string]any{"queryExpression": "def f: [f]; f"}))
		require.Less(t, time.Since(start), 5*time.Second)
		requireFailure(t, res, conductor.TaskFailedWithTerminalError, "jq query exceeded the memory limit (heap grew by more than 16 MiB)")
	})
}

// TestJQEnvironment cannot run in parallel: it sets an environment variable.
func TestJQEnvironment(t *testing.T) {
	const secret = "podium-jq-test-secret-value"
	t.Setenv("PODIUM_JQ_TEST_SECRET", secret)
	jq := systask.NewJQ(systask.JQConfig{})
	for _, query := range []string{"env", "$ENV", "env.PODIUM_JQ_TEST_SECRET", "$ENV.PODIUM_JQ_TEST_SECRET",
		"[env, $ENV] | tojson", `$ENV | to_entries | map(.value) | join(",")`} {
		res := jq.Execute(context.Background(), jqTask(map[string]any{"queryExpression": query}))
		require.Equal(t, conductor.TaskCompleted, res.Status, "%s: %s", query, res.ReasonForIncompletion)
		data, err := json.Marshal(res.Output)
		require.NoError(t, err)
		require.NotContains(t, string(data), secret, query)
		require.NotContains(t, string(data), "PODIUM_JQ_TEST_SECRET", query)
	}
	res := jq.Execute(context.Background(), jqTask(map[string]any{"queryExpression": "env, $ENV"}))
	require.Equal(t, []any{map[string]any{}, map[string]any{}}, res.Output["resultList"], "both are empty")
}
