package conductor

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// KeepForever is the retention of what is never removed, written "forever".
const KeepForever = "forever"

var retentionPart = regexp.MustCompile(`^([0-9]+)(w|d|h|m|s)`)

// retentionUnits are the units a retention is written in.
var retentionUnits = map[string]time.Duration{"w": 7 * 24 * time.Hour, "d": 24 * time.Hour, "h": time.Hour, "m": time.Minute, "s": time.Second}

// ParseRetention reads how long ended executions are kept: whole numbers of weeks, days,
// hours, minutes and seconds (30d, 90s, 1d12h), at least a second; "forever" (or "") gives 0,
// keep forever.
func ParseRetention(s string) (time.Duration, error) {
	s = strings.TrimSpace(strings.ToLower(s))
	if s == "" || s == KeepForever {
		return 0, nil
	}
	var total time.Duration
	for rest := s; rest != ""; {
		m := retentionPart.FindStringSubmatch(rest)
		if m == nil {
			return 0, fmt.Errorf("retention %q is not a duration such as 30d, 12h or 90s, nor %q", s, KeepForever)
		}
		n, err := strconv.ParseInt(m[1], 10, 64)
		unit := retentionUnits[m[2]]
		if err != nil || n > int64(100*365*24*time.Hour/unit) {
			return 0, fmt.Errorf("retention %q is longer than 100 years", s)
		}
		total += time.Duration(n) * unit
		rest = rest[len(m[0]):]
	}
	if total < time.Second {
		return 0, fmt.Errorf("retention %q is shorter than a second", s)
	}
	if total > 100*365*24*time.Hour {
		return 0, fmt.Errorf("retention %q is longer than 100 years", s)
	}
	return total, nil
}

// FormatRetention writes a retention the way ParseRetention reads it: 0 is "forever".
func FormatRetention(d time.Duration) string {
	if d <= 0 {
		return KeepForever
	}
	var b strings.Builder
	for _, u := range []string{"d", "h", "m", "s"} {
		if n := d / retentionUnits[u]; n > 0 {
			fmt.Fprintf(&b, "%d%s", n, u)
			d -= n * retentionUnits[u]
		}
	}
	return b.String()
}
