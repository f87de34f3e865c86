package diagram

import (
	"strconv"
	"strings"
)

// open starts the group of a task node: its link when LinkFunc gives one, its classes
// (node, the shape, the status class), data-ref, data-type and a <title> with the reference
// name, the type, the name when different and the status. It reports whether it opened a
// link, for close.
func (d *drawer) open(blk *block, shape string) (linked bool) {
	t := blk.task
	ref := t.TaskReferenceName
	if d.link != nil {
		if href := safeURL(d.link(ref, t)); href != "" {
			d.w.raw(`<a class="link"`)
			d.w.attr("href", href)
			d.w.raw(">")
			linked = true
		}
	}
	status := string(d.status[ref])
	d.w.raw(`<g class="node `)
	d.w.raw(shape)
	if c := statusClass(status); c != "" {
		d.w.raw(" " + c)
	}
	d.w.raw(`"`)
	d.w.attr("data-ref", ref)
	d.w.attr("data-type", t.Type)
	if status != "" {
		d.w.attr("data-status", status)
	}
	d.w.raw("><title>")
	var tip strings.Builder
	tip.WriteString(ref)
	tip.WriteString(" (")
	tip.WriteString(t.Type)
	if t.Name != "" && t.Name != ref {
		tip.WriteString(", task ")
		tip.WriteString(t.Name)
	}
	tip.WriteString("): ")
	if status == "" {
		status = "not reached"
	}
	tip.WriteString(status)
	d.w.text(tip.String())
	d.w.raw("</title>")
	return linked
}

// close ends what open started.
func (d *drawer) close(linked bool) {
	d.w.raw("</g>")
	if linked {
		d.w.raw("</a>")
	}
}

// texts writes a node's type label and text lines, top at y.
func (d *drawer) texts(blk *block, x, y int) {
	d.w.raw(`<text class="type"`)
	d.w.nums("x", x, "y", y+12)
	d.w.raw(">")
	d.w.text(blk.label)
	d.w.raw("</text>")
	for i, l := range blk.lines {
		class := `<text class="name"`
		if i == 0 {
			class = `<text class="ref"`
		}
		d.w.raw(class)
		d.w.nums("x", x, "y", y+typeHeight+(i+1)*lineHeight-1)
		d.w.raw(">")
		d.w.text(l)
		d.w.raw("</text>")
	}
}

// arrow writes an edge from (x, y1) down to (x, y2) with its head at y2.
func (d *drawer) arrow(x, y1, y2 int) {
	d.line(x, y1, x, y2-6)
	d.w.raw(`<path class="head" d="M`)
	d.w.raw(pts(x, y2) + "L" + pts(x-4, y2-7) + "L" + pts(x+4, y2-7) + `Z"/>`)
}

// line writes a straight edge.
func (d *drawer) line(x1, y1, x2, y2 int) {
	d.w.raw(`<path class="edge" d="M`)
	d.w.raw(pts(x1, y1) + "L" + pts(x2, y2) + `"/>`)
}

// bar writes the thick bar of a fork or its merge, from x1 to x2 at y.
func (d *drawer) bar(x1, y, x2 int) {
	d.w.raw(`<rect class="bar"`)
	d.w.nums("x", x1, "y", y, "width", x2-x1, "height", 4)
	d.w.raw("/>")
}

// pts formats a path point.
func pts(x, y int) string { return itoa(x) + " " + itoa(y) }

// itoa formats an integer.
func itoa(n int) string { return strconv.Itoa(n) }
