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
			d.w.Raw(`<a class="link"`)
			d.w.Attr("href", href)
			d.w.Raw(">")
			linked = true
		}
	}
	status := string(d.status[ref])
	d.w.Raw(`<g class="node `)
	d.w.Raw(shape)
	if c := statusClass(status); c != "" {
		d.w.Raw(" " + c)
	}
	d.w.Raw(`"`)
	d.w.Attr("data-ref", ref)
	d.w.Attr("data-type", t.Type)
	if status != "" {
		d.w.Attr("data-status", status)
	}
	d.w.Raw("><title>")
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
	d.w.Text(tip.String())
	d.w.Raw("</title>")
	return linked
}

// close ends what open started.
func (d *drawer) close(linked bool) {
	d.w.Raw("</g>")
	if linked {
		d.w.Raw("</a>")
	}
}

// texts writes a node's type label and text lines, top at y.
func (d *drawer) texts(blk *block, x, y int) {
	d.w.Raw(`<text class="type"`)
	d.w.Nums("x", x, "y", y+12)
	d.w.Raw(">")
	d.w.Text(blk.label)
	d.w.Raw("</text>")
	for i, l := range blk.lines {
		class := `<text class="name"`
		if i == 0 {
			class = `<text class="ref"`
		}
		d.w.Raw(class)
		d.w.Nums("x", x, "y", y+typeHeight+(i+1)*lineHeight-1)
		d.w.Raw(">")
		d.w.Text(l)
		d.w.Raw("</text>")
	}
}

// arrow writes an edge from (x, y1) down to (x, y2) with its head at y2.
func (d *drawer) arrow(x, y1, y2 int) {
	d.line(x, y1, x, y2-6)
	d.w.Raw(`<path class="head" d="M`)
	d.w.Raw(pts(x, y2) + "L" + pts(x-4, y2-7) + "L" + pts(x+4, y2-7) + `Z"/>`)
}

// line writes a straight edge.
func (d *drawer) line(x1, y1, x2, y2 int) {
	d.w.Raw(`<path class="edge" d="M`)
	d.w.Raw(pts(x1, y1) + "L" + pts(x2, y2) + `"/>`)
}

// bar writes the thick bar of a fork or its merge, from x1 to x2 at y.
func (d *drawer) bar(x1, y, x2 int) {
	d.w.Raw(`<rect class="bar"`)
	d.w.Nums("x", x1, "y", y, "width", x2-x1, "height", 4)
	d.w.Raw("/>")
}

// pts formats a path point.
func pts(x, y int) string { return itoa(x) + " " + itoa(y) }

// itoa formats an integer.
func itoa(n int) string { return strconv.Itoa(n) }
