package timeline

import (
	"strconv"
	"strings"
	"time"
)

// Geometry, in pixels.
const (
	headerH  = 22 // the summary line
	axisH    = 20 // tick labels
	rowH     = 18
	barH     = 10
	indent   = 12 // per loop nesting level of a row's label
	maxDepth = 6  // deepest indent drawn
	charW    = 6  // estimated advance of one label character
	noteH    = 20 // the "N more" note
	padRight = 16
	tickGapX = 90 // least room between two tick labels
)

// chart is a timeline being drawn.
type chart struct {
	w        svgWriter
	rows     []row
	hidden   int
	title    string
	loc      *time.Location
	from, to int64
	width    int
	labelW   int
}

// newChart prepares the drawing of rows.
func newChart(rows []row, hidden int, opts Options) *chart {
	c := &chart{rows: rows, hidden: hidden, title: opts.Title, loc: opts.Location, width: opts.Width}
	if c.title == "" {
		c.title = DefaultTitle
	}
	if c.loc == nil {
		c.loc = time.UTC
	}
	if c.width <= 0 {
		c.width = DefaultWidth
	}
	c.width = max(c.width, 400)
	c.labelW = min(max(c.width*28/100, 140), 280)
	c.from, c.to = span(rows)
	return c
}

// x is the horizontal position of time ms.
func (c *chart) x(ms int64) int {
	plot := float64(c.width - padRight - c.labelW)
	return c.labelW + int(float64(ms-c.from)*plot/float64(c.to-c.from)+0.5)
}

// draw writes the whole chart.
func (c *chart) draw(style bool) {
	top := headerH + axisH
	height := top + len(c.rows)*rowH + 8
	if c.hidden > 0 {
		height += noteH
	}
	c.w.Grow(1024 + len(c.rows)*640)
	c.w.Raw(`<svg xmlns="http://www.w3.org/2000/svg" class="podium-timeline" role="img"`)
	c.w.Attr("aria-label", c.title)
	c.w.Nums("width", c.width, "height", height)
	c.w.Raw(` viewBox="0 0 ` + strconv.Itoa(c.width) + " " + strconv.Itoa(height) + `"><title>`)
	c.w.Text(c.title)
	c.w.Raw("</title>")
	if style {
		c.w.Raw("<style>" + Stylesheet + "</style>")
	}
	c.header()
	c.axis(top, height-8)
	for i := range c.rows {
		c.row(i, top+i*rowH)
	}
	if c.hidden > 0 {
		c.w.Raw(`<text class="more"`)
		c.w.Nums("x", 8, "y", height-12)
		c.w.Raw(">" + strconv.Itoa(c.hidden) + " more attempts not shown</text>")
	}
	c.w.Raw("</svg>")
}

// header writes the summary line: how many attempts, from when, over how long.
func (c *chart) header() {
	n := len(c.rows) + c.hidden
	s := strconv.Itoa(n) + " attempts"
	if n == 1 {
		s = "1 attempt"
	}
	if c.from > 0 {
		s += " · from " + formatTime(c.from, c.loc) + " · span " + formatDuration(c.to-c.from)
	} else if n > 0 {
		s += " · none started"
	}
	c.w.Raw(`<text class="header"`)
	c.w.Nums("x", 8, "y", 15)
	c.w.Raw(">")
	c.w.Text(s)
	c.w.Raw("</text>")
}

// axis writes the tick labels and a grid line per tick, from y1 to y2.
func (c *chart) axis(y1, y2 int) {
	if c.from == 0 {
		return
	}
	spanMS := c.to - c.from
	step := tickStep(spanMS, (c.width-padRight-c.labelW)/tickGapX)
	for _, off := range ticks(spanMS, step) {
		x := c.x(c.from + off)
		c.w.Raw(`<text class="tick"`)
		c.w.Nums("x", x, "y", y1-6)
		c.w.Raw(">" + formatDuration(off) + `</text><path class="grid" d="M` + strconv.Itoa(x) + " " +
			strconv.Itoa(y1) + "V" + strconv.Itoa(y2) + `"/>`)
	}
}

// row writes attempt i with its top at y: a stripe on odd rows, the label, then the queue
// wait and run bars, or a marker at its scheduled time when it never started.
func (c *chart) row(i, y int) {
	r := c.rows[i]
	t := r.task
	if i%2 == 1 {
		c.w.Raw(`<rect class="stripe"`)
		c.w.Nums("x", 0, "y", y, "width", c.width, "height", rowH)
		c.w.Raw("/>")
	}
	c.w.Raw(`<g class="attempt ` + statusClass(t.Status))
	if r.running {
		c.w.Raw(" running")
	}
	c.w.Raw(`"`)
	c.w.Attr("data-ref", t.ReferenceTaskName)
	c.w.Attr("data-status", string(t.Status))
	c.w.Nums("data-seq", t.Seq)
	c.w.Raw("><title>")
	c.w.Text(c.tooltip(r))
	c.w.Raw(`</title><text class="label"`)
	depth := min(r.depth, maxDepth)
	c.w.Nums("x", 8+depth*indent, "y", y+rowH-5)
	c.w.Raw(">")
	c.w.Text(truncate(r.label, (c.labelW-16-depth*indent)/charW))
	c.w.Raw("</text>")
	barY := y + (rowH-barH)/2
	if r.start == 0 {
		x := c.labelW
		if r.sched > 0 {
			x = c.x(r.sched)
		}
		mid := y + rowH/2
		c.w.Raw(`<path class="marker" d="M` + strconv.Itoa(x) + " " + strconv.Itoa(mid-5) + `l5 5l-5 5l-5 -5Z"/>`)
	} else {
		if r.sched > 0 && r.sched < r.start {
			c.bar("wait", c.x(r.sched), c.x(r.start), barY)
		}
		c.bar("run", c.x(r.start), c.x(r.end), barY)
	}
	c.w.Raw("</g>")
}

// bar writes one bar from x1 to x2, at least 2 pixels wide so that instants show.
func (c *chart) bar(class string, x1, x2, y int) {
	c.w.Raw(`<rect class="` + class + `"`)
	c.w.Nums("x", x1, "y", y, "width", max(x2-x1, 2), "height", barH)
	c.w.Raw("/>")
}

// tooltip is the text of a row's <title>: what ran, when, and for how long.
func (c *chart) tooltip(r row) string {
	t := r.task
	var b strings.Builder
	b.WriteString(t.ReferenceTaskName + " (" + t.TaskType + "): " + string(t.Status))
	if t.RetryCount > 0 {
		b.WriteString(", retry " + strconv.Itoa(t.RetryCount))
	}
	if t.Iteration > 0 {
		b.WriteString(", iteration " + strconv.Itoa(t.Iteration))
	}
	b.WriteString("\nscheduled " + formatTime(r.sched, c.loc) + "\nstarted " + formatTime(r.start, c.loc))
	switch {
	case r.start == 0:
		b.WriteString("\nnot started")
		return b.String()
	case r.running:
		b.WriteString("\nrunning, " + formatDuration(r.end-r.start) + " so far")
	default:
		b.WriteString("\nended " + formatTime(r.end, c.loc) + "\nran " + formatDuration(r.end-r.start))
	}
	if r.sched > 0 {
		b.WriteString(", queue wait " + formatDuration(r.start-r.sched))
	}
	return b.String()
}
