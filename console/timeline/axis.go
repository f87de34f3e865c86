package timeline

import (
	"strconv"
	"strings"
	"time"
)

// tickSteps are the axis steps on offer, in milliseconds: 1-2-5 below a second, then steps
// that fall on whole seconds, minutes, hours and days. Past a week the step is a multiple
// of a week.
var tickSteps = []int64{
	1, 2, 5, 10, 20, 50, 100, 200, 500,
	1e3, 2e3, 5e3, 10e3, 15e3, 30e3,
	60e3, 2 * 60e3, 5 * 60e3, 10 * 60e3, 15 * 60e3, 30 * 60e3,
	3600e3, 2 * 3600e3, 3 * 3600e3, 6 * 3600e3, 12 * 3600e3,
	86400e3, 2 * 86400e3, 7 * 86400e3,
}

// tickStep picks the smallest step that puts at most maxTicks intervals on a span of ms.
func tickStep(spanMS int64, maxTicks int) int64 {
	maxTicks = max(maxTicks, 1)
	for _, s := range tickSteps {
		if spanMS/s <= int64(maxTicks) {
			return s
		}
	}
	week := tickSteps[len(tickSteps)-1]
	n := spanMS/week/int64(maxTicks) + 1
	return n * week
}

// ticks returns the offsets from the start of the axis, multiples of step, up to spanMS.
func ticks(spanMS, step int64) []int64 {
	out := make([]int64, 0, spanMS/step+1)
	for t := int64(0); t <= spanMS; t += step {
		out = append(out, t)
	}
	return out
}

// formatDuration writes a duration in milliseconds the short way a console shows it:
// "0", "350ms", "1.25s", "4m30s", "2h15m", "3d4h" — the two largest units, milliseconds
// only as decimals of seconds under a minute.
func formatDuration(ms int64) string {
	if ms < 0 {
		return "-" + formatDuration(-ms)
	}
	const (
		sec    = int64(1000)
		minute = 60 * sec
		hour   = 60 * minute
		day    = 24 * hour
	)
	switch {
	case ms == 0:
		return "0"
	case ms < sec:
		return strconv.FormatInt(ms, 10) + "ms"
	case ms < minute:
		s := strconv.FormatFloat(float64(ms)/1000, 'f', 3, 64)
		return strings.TrimRight(strings.TrimRight(s, "0"), ".") + "s"
	case ms < hour:
		return two(ms/minute, "m", ms%minute/sec, "s")
	case ms < day:
		return two(ms/hour, "h", ms%hour/minute, "m")
	}
	return two(ms/day, "d", ms%day/hour, "h")
}

// two formats "<a><ua><b><ub>", leaving out the second unit when it is zero.
func two(a int64, ua string, b int64, ub string) string {
	s := strconv.FormatInt(a, 10) + ua
	if b > 0 {
		s += strconv.FormatInt(b, 10) + ub
	}
	return s
}

// formatTime writes an epoch-millisecond time in loc, "—" when unknown.
func formatTime(ms int64, loc *time.Location) string {
	if ms <= 0 {
		return "—"
	}
	return time.UnixMilli(ms).In(loc).Format("2006-01-02 15:04:05.000 MST")
}
