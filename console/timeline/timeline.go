package timeline

import (
	"cmp"
	"html/template"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/podiumhq/podium/internal/conductor"
)

// Defaults of Options.
const (
	DefaultMaxRows = 2000
	DefaultWidth   = 960
	DefaultTitle   = "Task timeline"
)

// Options tunes a timeline. The zero value is usable.
type Options struct {
	// Now is where the bars of attempts still running end. Zero means the latest time any
	// attempt records, so the output stays a function of its inputs.
	Now time.Time
	// MaxRows bounds the rows drawn; attempts past it (in seq order) are counted in a note
	// "N more attempts not shown". 0 means DefaultMaxRows.
	MaxRows int
	// Width of the drawing in pixels; 0 means DefaultWidth (at least 400 is used).
	Width int
	// Location is the zone times are shown in; nil means UTC.
	Location *time.Location
	// Title is the accessible name of the drawing; "" means DefaultTitle.
	Title string
	// NoStyle leaves out the default <style> element (see Stylesheet).
	NoStyle bool
}

// row is one attempt as drawn: its label, loop depth and times in epoch milliseconds
// (0 when unknown); end is set only when the attempt started.
type row struct {
	task              *conductor.Task
	label             string
	depth             int
	sched, start, end int64
	running           bool
}

// Render draws tasks, the attempts of one execution, as an SVG Gantt chart ready to embed
// in an HTML page: one row per attempt in seq order (ties keep the input order). Nil
// entries are skipped.
func Render(tasks []*conductor.Task, opts Options) template.HTML {
	all := make([]*conductor.Task, 0, len(tasks))
	for _, t := range tasks {
		if t != nil {
			all = append(all, t)
		}
	}
	slices.SortStableFunc(all, func(a, b *conductor.Task) int { return cmp.Compare(a.Seq, b.Seq) })
	maxRows := opts.MaxRows
	if maxRows <= 0 {
		maxRows = DefaultMaxRows
	}
	hidden := 0
	if len(all) > maxRows {
		hidden = len(all) - maxRows
		all = all[:maxRows]
	}
	now := opts.Now.UnixMilli()
	if opts.Now.IsZero() {
		now = latest(all)
	}
	rows := make([]row, len(all))
	for i, t := range all {
		rows[i] = rowOf(t, now)
	}
	c := newChart(rows, hidden, opts)
	c.draw(!opts.NoStyle)
	// Safe as HTML: svgWriter escapes every string that does not come from this package.
	return template.HTML(c.w.String())
}

// rowOf places one attempt in time. A running attempt ends at now; an ended one without an
// end time at its last update; an end before the start (clock skew) at the start, as does a
// schedule after the start.
func rowOf(t *conductor.Task, now int64) row {
	r := row{task: t, sched: max(t.ScheduledTime, 0), start: max(t.StartTime, 0)}
	r.label, r.depth = label(t)
	if r.start == 0 {
		return r
	}
	switch {
	case t.EndTime > 0:
		r.end = t.EndTime
	case !t.Status.IsTerminal():
		r.end, r.running = now, true
	case t.UpdateTime > 0:
		r.end = t.UpdateTime
	}
	r.end = max(r.end, r.start)
	if r.sched > r.start {
		r.sched = r.start
	}
	return r
}

// label is how an attempt is named in its row: the reference name without its loop suffix,
// "(iter N)" for a DO_WHILE copy ("(iter 2.3)" in nested loops), "#R" for a retry; and its
// loop nesting depth.
func label(t *conductor.Task) (string, int) {
	parts := strings.Split(t.ReferenceTaskName, "__")
	var b strings.Builder
	b.WriteString(parts[0])
	switch {
	case len(parts) > 1:
		b.WriteString(" (iter " + strings.Join(parts[1:], ".") + ")")
	case t.Iteration > 0:
		b.WriteString(" (iter " + strconv.Itoa(t.Iteration) + ")")
	}
	if t.RetryCount > 0 {
		b.WriteString(" #" + strconv.Itoa(t.RetryCount))
	}
	return b.String(), len(parts) - 1
}

// latest is the latest time any attempt records, 0 when none does.
func latest(tasks []*conductor.Task) int64 {
	var l int64
	for _, t := range tasks {
		l = max(l, t.ScheduledTime, t.StartTime, t.EndTime, t.UpdateTime)
	}
	return l
}

// span is the time range the axis covers: from the earliest schedule or start to the latest
// end or schedule, never empty.
func span(rows []row) (from, to int64) {
	for _, r := range rows {
		for _, v := range []int64{r.sched, r.start} {
			if v > 0 && (from == 0 || v < from) {
				from = v
			}
		}
		to = max(to, r.end, r.sched, r.start)
	}
	if to <= from {
		to = from + 1
	}
	return from, to
}
