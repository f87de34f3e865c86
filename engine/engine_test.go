package engine

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/podiumhq/podium/internal/conductor"
	"github.com/podiumhq/podium/store"
)

func TestRetryDelay(t *testing.T) {
	t.Parallel()
	def := func(logic conductor.RetryLogic, delay, scale, maxDelay int) *conductor.TaskDef {
		d := conductor.NewTaskDef("t")
		d.RetryLogic, d.RetryDelaySeconds, d.BackoffScaleFactor, d.MaxRetryDelaySeconds = logic, delay, scale, maxDelay
		return &d
	}
	for _, tc := range []struct {
		name    string
		def     *conductor.TaskDef
		attempt int
		want    time.Duration
	}{
		{"fixed", def(conductor.RetryFixed, 5, 1, 0), 3, 5 * time.Second},
		{"linear first", def(conductor.RetryLinearBackoff, 2, 3, 0), 0, 6 * time.Second},
		{"linear third", def(conductor.RetryLinearBackoff, 2, 3, 0), 2, 18 * time.Second},
		{"exponential", def(conductor.RetryExponentialBackoff, 1, 1, 0), 4, 16 * time.Second},
		{"exponential capped", def(conductor.RetryExponentialBackoff, 1, 1, 10), 6, 10 * time.Second},
		{"overflow clamps", def(conductor.RetryExponentialBackoff, 60, 1, 0), 200, time.Duration(1<<31-1) * time.Second},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tc.want, retryDelay(tc.def, tc.attempt))
		})
	}
	jittered := def(conductor.RetryFixed, 1, 1, 0)
	jittered.BackoffJitterMs = 500
	for range 50 {
		d := retryDelay(jittered, 0)
		require.GreaterOrEqual(t, d, time.Second)
		require.LessOrEqual(t, d, 1500*time.Millisecond)
	}
}

func TestParseWait(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]time.Duration{
		"30s": 30 * time.Second, "1h 5m": 65 * time.Minute, "2 days": 48 * time.Hour,
		"10 minutes": 10 * time.Minute, "1d2h3m4s": 26*time.Hour + 3*time.Minute + 4*time.Second,
	} {
		got, err := parseWaitDuration(in)
		require.NoError(t, err, in)
		require.Equal(t, want, got, in)
	}
	for _, bad := range []string{"", "soon", "5 fortnights", "-3s"} {
		_, err := parseWaitDuration(bad)
		require.Error(t, err, bad)
	}
	until, err := parseWaitUntil("2026-12-01 10:30 UTC")
	require.NoError(t, err)
	require.Equal(t, time.Date(2026, 12, 1, 10, 30, 0, 0, time.UTC), until.UTC())
	until, err = parseWaitUntil("2026-12-01")
	require.NoError(t, err)
	require.Equal(t, time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC), until)
	_, err = parseWaitUntil("tomorrow")
	require.Error(t, err)
}

func TestParseQuery(t *testing.T) {
	t.Parallel()
	got, err := parseQuery(`workflowType='a b' AND status IN (FAILED, 'TIMED_OUT') OR startTime>=1700000000000 AND version != 2`)
	require.NoError(t, err)
	require.Equal(t, [][]store.SearchCondition{
		{{Field: "workflowType", Op: "=", Values: []string{"a b"}}, {Field: "status", Op: "IN", Values: []string{"FAILED", "TIMED_OUT"}}},
		{{Field: "startTime", Op: ">=", Values: []string{"1700000000000"}}, {Field: "version", Op: "!=", Values: []string{"2"}}},
	}, got)
	got, err = parseQuery(`status NOT IN ("RUNNING")`)
	require.NoError(t, err)
	require.Equal(t, "NOT IN", got[0][0].Op)
	empty, err := parseQuery("   ")
	require.NoError(t, err)
	require.Empty(t, empty)

	for _, bad := range []string{
		"nosuchfield='x'", "status", "status ~ 'x'", "status IN FAILED", "status IN (A", "status='x' AND",
		"status='x' status='y'", "version='abc'", "workflowType='unterminated",
	} {
		_, err := parseQuery(bad)
		require.ErrorIs(t, err, conductor.ErrInvalid, bad)
	}
}

func TestSearchParamsLimits(t *testing.T) {
	t.Parallel()
	_, err := searchParams(SearchRequest{Size: MaxSearchSize + 1})
	require.ErrorContains(t, err, "Cannot return more than 5000 workflows")
	_, err = searchParams(SearchRequest{Sort: "nosuch:ASC"})
	require.ErrorIs(t, err, conductor.ErrInvalid)
	p, err := searchParams(SearchRequest{Sort: "startTime:DESC|workflowId"})
	require.NoError(t, err)
	require.Equal(t, []store.SortField{{Field: "startTime", Desc: true}, {Field: "workflowId"}}, p.Sort)
	require.Equal(t, 100, p.Size, "size defaults to 100")
}

func TestJavaString(t *testing.T) {
	t.Parallel()
	require.Equal(t, "{a=1, b=[x, null, {c=true}], d=2.5}",
		javaString(map[string]any{"b": []any{"x", nil, map[string]any{"c": true}}, "a": json.Number("1"), "d": 2.5}))
	require.Equal(t, "{}", javaString(map[string]any{}))
}

func TestCaseString(t *testing.T) {
	t.Parallel()
	for want, in := range map[string]any{"null": nil, "x": "x", "3": json.Number("3"), "4": 4.0, "4.5": 4.5, "true": true} {
		require.Equal(t, want, caseString(in))
	}
}

// An input that cannot be evaluated fails the task for good, with the reason, instead of
// running it with an empty input.
func TestInputEvaluationErrorFailsTheTask(t *testing.T) {
	t.Parallel()
	e := New(Config{})
	def := &conductor.WorkflowDef{Name: "wf", Version: 1, Tasks: []conductor.WorkflowTask{{
		Name: "t", TaskReferenceName: "t", Type: conductor.TaskTypeSimple,
		// Not a JSON value: definitions decoded from JSON never hold one, but nothing may
		// turn an evaluation error into a run.
		InputParameters: map[string]any{"bad": struct{}{}},
	}}}
	wf := &conductor.Workflow{WorkflowID: newID(), WorkflowName: "wf", Status: conductor.WorkflowRunning}
	x := newExecution(e, &store.WorkflowRecord{Workflow: wf, Definition: def}, nil, time.Now())
	x.schedule(&def.Tasks[0])
	require.Len(t, x.tasks, 1)
	task := x.tasks[0].Task
	require.Equal(t, conductor.TaskFailedWithTerminalError, task.Status)
	require.True(t, strings.HasPrefix(task.ReasonForIncompletion, "Error evaluating the input parameters: "), task.ReasonForIncompletion)
	require.Empty(t, x.tasks[0].QueueName, "never queued for a worker")
	require.Empty(t, task.InputData)
}
