package decide

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

var waitDurationPart = regexp.MustCompile(`^\s*(\d+)\s*([a-zA-Z]+)`)

// parseWaitDuration parses WAIT durations such as "30s", "1h 5m", "2 days" or "10 minutes".
func parseWaitDuration(s string) (time.Duration, error) {
	rest := strings.TrimSpace(s)
	if rest == "" {
		return 0, fmt.Errorf("empty duration")
	}
	var total time.Duration
	for rest != "" {
		m := waitDurationPart.FindStringSubmatch(rest)
		if m == nil {
			return 0, fmt.Errorf("cannot parse duration %q", s)
		}
		n, err := strconv.ParseInt(m[1], 10, 64)
		if err != nil {
			return 0, fmt.Errorf("cannot parse duration %q", s)
		}
		var unit time.Duration
		switch strings.ToLower(m[2]) {
		case "s", "sec", "secs", "second", "seconds":
			unit = time.Second
		case "m", "min", "mins", "minute", "minutes":
			unit = time.Minute
		case "h", "hr", "hrs", "hour", "hours":
			unit = time.Hour
		case "d", "day", "days":
			unit = 24 * time.Hour
		default:
			return 0, fmt.Errorf("unknown unit %q in duration %q", m[2], s)
		}
		total += time.Duration(n) * unit
		rest = strings.TrimSpace(rest[len(m[0]):])
	}
	return total, nil
}

// parseWaitUntil parses WAIT deadlines "yyyy-MM-dd HH:mm z", "yyyy-MM-dd HH:mm" (UTC) or "yyyy-MM-dd".
func parseWaitUntil(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	for _, layout := range []string{"2006-01-02 15:04 MST", "2006-01-02 15:04 -0700", "2006-01-02 15:04", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("cannot parse until %q (want yyyy-MM-dd HH:mm z)", s)
}
