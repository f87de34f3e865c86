package timeline

import (
	"strings"
	"testing"
)

func TestFormatDuration(t *testing.T) {
	t.Parallel()
	tests := []struct {
		ms   int64
		want string
	}{
		{0, "0"}, {7, "7ms"}, {999, "999ms"}, {1000, "1s"}, {1250, "1.25s"}, {59_999, "59.999s"},
		{60_000, "1m"}, {90_500, "1m30s"}, {3_600_000, "1h"}, {8_100_000, "2h15m"},
		{86_400_000, "1d"}, {100_800_000, "1d4h"}, {-1500, "-1.5s"},
	}
	for _, tt := range tests {
		if got := formatDuration(tt.ms); got != tt.want {
			t.Errorf("formatDuration(%d) = %q, want %q", tt.ms, got, tt.want)
		}
	}
}

func TestTickStep(t *testing.T) {
	t.Parallel()
	tests := []struct {
		span     int64
		maxTicks int
		want     int64
	}{
		{1, 8, 1}, {40, 8, 5}, {900, 8, 200}, {3500, 8, 500}, {45_000, 8, 10_000}, {100_000, 8, 15_000},
		{20 * 60_000, 8, 5 * 60_000}, {5 * 3_600_000, 8, 3_600_000}, {3 * 86_400_000, 8, 12 * 3_600_000},
		{400 * 86_400_000, 8, 8 * 7 * 86_400_000}, {1000, 0, 1000},
	}
	for _, tt := range tests {
		got := tickStep(tt.span, tt.maxTicks)
		if got != tt.want {
			t.Errorf("tickStep(%d, %d) = %d, want %d", tt.span, tt.maxTicks, got, tt.want)
		}
		if n := len(ticks(tt.span, got)) - 1; n > max(tt.maxTicks, 1) {
			t.Errorf("tickStep(%d, %d) gives %d intervals", tt.span, tt.maxTicks, n)
		}
	}
}

func TestAxisLabels(t *testing.T) {
	t.Parallel()
	tasks := execution() // spans 0 .. 5.3s (the running b1 ends at the latest time known)
	var labels []string
	for _, e := range parse(t, string(Render(tasks, Options{Width: 960}))) {
		if hasClass(e, "tick") {
			labels = append(labels, e.text)
		}
	}
	if got := strings.Join(labels, " "); got != "0 1s 2s 3s 4s 5s" {
		t.Errorf("tick labels %q", got)
	}
}
