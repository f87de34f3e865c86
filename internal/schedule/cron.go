package schedule

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// ErrCron marks every parse error; its messages all contain the word "cron".
var ErrCron = errors.New("invalid cron expression")

// Cron is a parsed expression.
type Cron struct {
	expr                                  string
	second, minute, hour, dom, month, dow uint64 // bit i set: value i allowed
	domRestricted, dowRestricted          bool
}

// field describes one position of an expression.
type field struct {
	name     string
	min, max int
	names    map[string]int
}

var (
	secondField = field{name: "second", min: 0, max: 59}
	minuteField = field{name: "minute", min: 0, max: 59}
	hourField   = field{name: "hour", min: 0, max: 23}
	domField    = field{name: "day-of-month", min: 1, max: 31}
	monthField  = field{name: "month", min: 1, max: 12, names: map[string]int{
		"JAN": 1, "FEB": 2, "MAR": 3, "APR": 4, "MAY": 5, "JUN": 6, "JUL": 7, "AUG": 8, "SEP": 9, "OCT": 10, "NOV": 11, "DEC": 12}}
	dowField = field{name: "day-of-week", min: 0, max: 7, names: map[string]int{
		"SUN": 0, "MON": 1, "TUE": 2, "WED": 3, "THU": 4, "FRI": 5, "SAT": 6}}
)

var macros = map[string]string{
	"@yearly": "0 0 0 1 1 *", "@annually": "0 0 0 1 1 *", "@monthly": "0 0 0 1 * *",
	"@weekly": "0 0 0 * * 0", "@daily": "0 0 0 * * *", "@midnight": "0 0 0 * * *", "@hourly": "0 0 * * * *",
}

func cronErr(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrCron, fmt.Sprintf(format, args...))
}

// Parse reads a 6-field (seconds first) or 5-field expression, or a macro.
func Parse(expr string) (*Cron, error) {
	text := strings.TrimSpace(expr)
	if m, ok := macros[strings.ToLower(text)]; ok {
		text = m
	} else if strings.HasPrefix(text, "@") {
		return nil, cronErr("unknown cron macro %q (use @yearly, @monthly, @weekly, @daily, @midnight or @hourly)", text)
	}
	fields := strings.Fields(text)
	switch len(fields) {
	case 5:
		fields = append([]string{"0"}, fields...)
	case 6:
	default:
		return nil, cronErr("cron expression %q has %d fields; want 6 (second minute hour day-of-month month day-of-week) or 5", expr, len(fields))
	}
	c := &Cron{expr: expr}
	specs := []struct {
		f   field
		dst *uint64
	}{
		{secondField, &c.second}, {minuteField, &c.minute}, {hourField, &c.hour},
		{domField, &c.dom}, {monthField, &c.month}, {dowField, &c.dow},
	}
	for i, s := range specs {
		bits, restricted, err := parseField(fields[i], s.f)
		if err != nil {
			return nil, err
		}
		*s.dst = bits
		switch s.f.name {
		case domField.name:
			c.domRestricted = restricted
		case dowField.name:
			c.dowRestricted = restricted
		}
	}
	if c.dow&(1<<7) != 0 { // 7 is Sunday too
		c.dow = c.dow&^(1<<7) | 1
	}
	return c, nil
}

// parseField reads one field into a bit set; restricted is false for * and ?.
func parseField(text string, f field) (uint64, bool, error) {
	if strings.ContainsAny(strings.ToUpper(text), "LW#") && !isName(text, f) {
		return 0, false, cronErr("cron %s field %q uses L, W or #, which Podium does not support", f.name, text)
	}
	var bits uint64
	restricted := false
	for _, item := range strings.Split(text, ",") {
		if item == "" {
			return 0, false, cronErr("cron %s field %q has an empty list item", f.name, text)
		}
		rangePart, stepPart, hasStep := strings.Cut(item, "/")
		step := 1
		if hasStep {
			n, err := strconv.Atoi(stepPart)
			if err != nil || n < 1 {
				return 0, false, cronErr("cron %s field %q has a bad step %q", f.name, text, stepPart)
			}
			step = n
		}
		lo, hi := f.min, f.max
		switch rangePart {
		case "*", "?":
			if rangePart == "?" && f.name != domField.name && f.name != dowField.name {
				return 0, false, cronErr("cron %s field may not be '?'", f.name)
			}
			if f.name == dowField.name {
				hi = 6 // 7 duplicates 0
			}
			if hasStep {
				restricted = true
			}
		default:
			restricted = true
			a, b, isRange := strings.Cut(rangePart, "-")
			var err error
			if lo, err = value(a, f); err != nil {
				return 0, false, err
			}
			hi = lo
			if isRange {
				if hi, err = value(b, f); err != nil {
					return 0, false, err
				}
				if hi < lo {
					return 0, false, cronErr("cron %s field %q has a range that runs backwards", f.name, text)
				}
			} else if hasStep {
				hi = f.max // a/n means from a to the end
			}
		}
		for v := lo; v <= hi; v += step {
			bits |= 1 << uint(v)
		}
	}
	return bits, restricted, nil
}

func isName(text string, f field) bool {
	for _, part := range strings.FieldsFunc(strings.ToUpper(text), func(r rune) bool { return r == ',' || r == '-' || r == '/' }) {
		if _, ok := f.names[part]; !ok {
			if _, err := strconv.Atoi(part); err != nil {
				return false
			}
		}
	}
	return true
}

func value(text string, f field) (int, error) {
	if v, ok := f.names[strings.ToUpper(text)]; ok {
		return v, nil
	}
	v, err := strconv.Atoi(text)
	if err != nil {
		return 0, cronErr("cron %s field: %q is neither a number nor a name", f.name, text)
	}
	if v < f.min || v > f.max {
		return 0, cronErr("cron %s field: %d is outside %d-%d", f.name, v, f.min, f.max)
	}
	return v, nil
}

// String returns the expression as written.
func (c *Cron) String() string { return c.expr }

// dayMatches applies Spring's rule: every restricted day field must match.
func (c *Cron) dayMatches(t time.Time) bool {
	if c.month&(1<<uint(t.Month())) == 0 {
		return false
	}
	if c.domRestricted && c.dom&(1<<uint(t.Day())) == 0 {
		return false
	}
	if c.dowRestricted && c.dow&(1<<uint(t.Weekday())) == 0 {
		return false
	}
	return true
}

// searchYears bounds the search for a next time (an expression such as "0 0 0 30 2 *" never fires).
const searchYears = 5

// Next returns the first time strictly after `after` that the expression matches, evaluated on
// the wall clock of loc. Local times that do not exist (a DST gap) are skipped. It reports false
// when no time matches within five years.
func (c *Cron) Next(after time.Time, loc *time.Location) (time.Time, bool) {
	start := after.In(loc).Truncate(time.Second).Add(time.Second)
	day := time.Date(start.Year(), start.Month(), start.Day(), 0, 0, 0, 0, loc)
	limit := day.AddDate(searchYears, 0, 0)
	// On the first day, wall-clock times before start's cannot match: begin there.
	h0, m0, s0 := start.Hour(), start.Minute(), start.Second()
	for ; day.Before(limit); day = time.Date(day.Year(), day.Month(), day.Day()+1, 0, 0, 0, 0, loc) {
		if c.dayMatches(day) {
			if t, ok := c.nextOnDay(day, start, h0, m0, s0); ok {
				return t, true
			}
		}
		h0, m0, s0 = 0, 0, 0
	}
	return time.Time{}, false
}

// nextOnDay returns the first matching time of day at or after start, trying wall-clock times
// from h0:m0:s0 on.
func (c *Cron) nextOnDay(day, start time.Time, h0, m0, s0 int) (time.Time, bool) {
	loc := day.Location()
	for h := h0; h < 24; h++ {
		if c.hour&(1<<uint(h)) == 0 {
			continue
		}
		mFrom := 0
		if h == h0 {
			mFrom = m0
		}
		for m := mFrom; m < 60; m++ {
			if c.minute&(1<<uint(m)) == 0 {
				continue
			}
			sFrom := 0
			if h == h0 && m == m0 {
				sFrom = s0
			}
			for s := sFrom; s < 60; s++ {
				if c.second&(1<<uint(s)) == 0 {
					continue
				}
				t := time.Date(day.Year(), day.Month(), day.Day(), h, m, s, 0, loc)
				if t.Hour() != h || t.Minute() != m || t.Day() != day.Day() {
					continue // a wall-clock time the DST gap skipped
				}
				if !t.Before(start) {
					return t, true
				}
			}
		}
	}
	return time.Time{}, false
}

// NextN returns up to n next times after `after`.
func (c *Cron) NextN(after time.Time, loc *time.Location, n int) []time.Time {
	var out []time.Time
	for len(out) < n {
		t, ok := c.Next(after, loc)
		if !ok {
			break
		}
		out = append(out, t)
		after = t
	}
	return out
}

// Preview returns up to limit (at most MaxPreview) times the expression fires after now,
// within [start, end] when those are non-zero, evaluated in loc.
func (c *Cron) Preview(now, start, end time.Time, loc *time.Location, limit int) []time.Time {
	limit = min(max(limit, 1), MaxPreview)
	from := now
	if !start.IsZero() && start.After(from) {
		from = start.Add(-time.Second) // start itself may fire
	}
	var out []time.Time
	for _, t := range c.NextN(from, loc, limit) {
		if !end.IsZero() && t.After(end) {
			break
		}
		out = append(out, t)
	}
	return out
}

// MaxPreview caps how many next times a preview returns, as Orkes does.
const MaxPreview = 5
