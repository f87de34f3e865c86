package api_test

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestNextFewSchedules(t *testing.T) {
	t.Parallel()
	b := setup(t)
	get := func(params url.Values) response {
		return b.do(http.MethodGet, "/api/scheduler/nextFewSchedules?"+params.Encode(), nil)
	}
	now := time.Now()

	resp := get(url.Values{"cronExpression": {"0 0 * ? * *"}})
	require.Equal(t, http.StatusOK, resp.Status, string(resp.Body))
	var times []int64
	resp.JSON(t, &times)
	require.Len(t, times, 3, "three by default")
	for i, ms := range times {
		tm := time.UnixMilli(ms).UTC()
		require.True(t, tm.After(now))
		require.Zero(t, tm.Minute()+tm.Second(), "on the hour")
		if i > 0 {
			require.Equal(t, time.Hour, tm.Sub(time.UnixMilli(times[i-1])))
		}
	}

	resp = get(url.Values{"cronExpression": {"0/5 * * ? * *"}, "limit": {"10"}})
	require.Equal(t, http.StatusOK, resp.Status)
	resp.JSON(t, &times)
	require.Len(t, times, 5, "at most five")

	start := now.Add(48 * time.Hour).Truncate(time.Hour)
	resp = get(url.Values{"cronExpression": {"0 0 * ? * *"}, "limit": {"5"},
		"scheduleStartTime": {itoa64(start.UnixMilli())}, "scheduleEndTime": {itoa64(start.Add(2 * time.Hour).UnixMilli())}})
	require.Equal(t, http.StatusOK, resp.Status)
	resp.JSON(t, &times)
	require.Equal(t, []int64{start.UnixMilli(), start.Add(time.Hour).UnixMilli(), start.Add(2 * time.Hour).UnixMilli()}, times,
		"the window is inclusive at both ends")

	for name, params := range map[string]url.Values{
		"bad cron":        {"cronExpression": {"0 0 L * * ?"}},
		"too few fields":  {"cronExpression": {"* * *"}},
		"missing":         {},
		"bad limit":       {"cronExpression": {"0 0 * ? * *"}, "limit": {"x"}},
		"window reversed": {"cronExpression": {"0 0 * ? * *"}, "scheduleStartTime": {"2000"}, "scheduleEndTime": {"1000"}},
	} {
		resp := get(params)
		require.Equal(t, http.StatusBadRequest, resp.Status, name)
		e := resp.Error(t)
		if strings.HasPrefix(name, "bad cron") || name == "too few fields" {
			require.Contains(t, e.Message, "cron", name)
		}
	}
}

func itoa64(n int64) string { return strconv.FormatInt(n, 10) }
