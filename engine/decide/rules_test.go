package decide

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/podiumhq/podium/internal/conductor"
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

func TestJSONSizeIsTheLengthOfTheEncoding(t *testing.T) {
	t.Parallel()
	for _, v := range []any{
		nil, true, false, "", "plain", `"quoted" \ back`, "<a href='x'>&</a>", "\x00\x01\b\f\n\r\t\x1f",
		"é ü 日本 😀", "bad \xff utf-8 \xc3", "line\u2028sep\u2029", json.Number("12.5e3"), json.Number(""),
		int64(-42), 7, 1.5, map[string]any{}, []any{}, map[string]any(nil), []any(nil),
		map[string]any{"a<": []any{int64(1), "x", nil, map[string]any{"k": json.Number("3")}}, "b": false},
		map[string]string{"typed": "falls back to encoding"},
	} {
		data, err := json.Marshal(v)
		require.NoError(t, err)
		require.Equal(t, int64(len(data)), JSONSize(v), "%#v encodes as %s", v, data)
	}
}

func TestCaseString(t *testing.T) {
	t.Parallel()
	for want, in := range map[string]any{"null": nil, "x": "x", "3": json.Number("3"), "4": 4.0, "4.5": 4.5, "true": true} {
		require.Equal(t, want, caseString(in))
	}
}
