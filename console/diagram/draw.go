package diagram

import (
	"sort"

	"github.com/podiumhq/podium/internal/conductor"
)

// drawer writes laid-out blocks as SVG. Node groups never nest inside one another (a
// container's frame or head is closed before its children are drawn), so a status class
// on one node cannot cascade to the nodes it holds.
type drawer struct {
	w      svgWriter
	nodes  int // tasks in the drawing, to size the output up front
	status map[string]conductor.TaskStatus
	link   func(ref string, task *conductor.WorkflowTask) string
}

// svg writes the root element around the drawing of root.
func (d *drawer) svg(def *conductor.WorkflowDef, root *block, style bool) {
	width, height := root.w+2*margin, root.h+2*margin
	name := title(def)
	d.w.Grow(2048 + d.nodes*512)
	d.w.Raw(`<svg xmlns="http://www.w3.org/2000/svg" class="podium-diagram" role="img"`)
	d.w.Attr("aria-label", name)
	d.w.Attr("data-workflow", def.Name)
	d.w.Nums("width", width, "height", height)
	d.w.Raw(` viewBox="0 0 `)
	d.w.Num(width)
	d.w.Raw(" ")
	d.w.Num(height)
	d.w.Raw(`"><title>`)
	d.w.Text(name)
	d.w.Raw("</title>")
	if style {
		d.w.Raw("<style>" + Stylesheet + "</style>")
	}
	d.draw(root, width/2, margin)
	d.w.Raw("</svg>")
}

// draw writes blk centred on x with its top at y.
func (d *drawer) draw(blk *block, x, y int) {
	switch blk.kind {
	case kindSeq:
		for i, it := range blk.items {
			if i > 0 {
				d.arrow(x, y-vGap, y)
			}
			d.draw(it, x, y)
			y += it.h + vGap
		}
	case kindTerminal:
		d.w.Raw(`<g class="terminal `)
		d.w.Raw(blk.label)
		d.w.Raw(`"><rect`)
		d.w.Nums("x", x-blk.w/2, "y", y, "width", blk.w, "height", blk.h, "rx", blk.h/2)
		d.w.Raw(`/><text`)
		d.w.Nums("x", x, "y", y+blk.h/2+4)
		d.w.Raw(">" + blk.label + "</text></g>")
	case kindNode:
		d.node(blk, x, y, "task")
	case kindSwitch, kindFork:
		d.branches(blk, x, y)
	case kindLoop:
		d.loop(blk, x, y)
	case kindDynamic:
		d.w.Raw(`<g class="placeholder"><rect`)
		d.w.Nums("x", x-blk.w/2, "y", y, "width", blk.w, "height", blk.h, "rx", 6)
		d.w.Raw(`/><text`)
		d.w.Nums("x", x, "y", y+blk.h/2+4)
		d.w.Raw(">dynamic tasks</text></g>")
	}
}

// branches writes a switch or fork: its head, the branch bar, each labelled column and the
// rejoin (a line for a switch, a merge bar for a fork, which the JOIN task then follows).
func (d *drawer) branches(blk *block, x, y int) {
	shape := "fork"
	if blk.kind == kindSwitch {
		shape = "switch"
	}
	d.node(blk.head, x, y, shape)
	top := y + blk.head.h
	barY := top + branchGap
	total, tallest := colGap*(len(blk.cols)-1), 0
	for i, c := range blk.cols {
		total += colWidth(c, blk.labels, i)
		tallest = max(tallest, c.h)
	}
	centres := make([]int, len(blk.cols))
	left := x - total/2
	for i, c := range blk.cols {
		cw := colWidth(c, blk.labels, i)
		centres[i] = left + cw/2
		left += cw + colGap
	}
	first, last := centres[0], centres[len(centres)-1]
	colTop := barY + labelGap
	rejoin := colTop + tallest + branchGap
	d.line(x, top, x, barY)
	if blk.kind == kindFork {
		d.bar(min(first, x)-20, barY-2, max(last, x)+20)
	} else {
		d.line(first, barY, last, barY)
	}
	for i, c := range blk.cols {
		cx := centres[i]
		d.arrow(cx, barY, colTop)
		if i < len(blk.labels) {
			d.w.Raw(`<text class="case"`)
			d.w.Nums("x", cx, "y", barY+16)
			d.w.Raw(">")
			d.w.Text(blk.labels[i])
			d.w.Raw("</text>")
		}
		d.draw(c, cx, colTop)
		d.line(cx, colTop+c.h, cx, rejoin)
	}
	if blk.kind == kindFork {
		d.bar(min(first, x)-20, rejoin, max(last, x)+20)
	} else {
		d.line(first, rejoin, last, rejoin)
	}
}

// loop writes a DO_WHILE frame with its header, then its body and the loop-back arrow.
func (d *drawer) loop(blk *block, x, y int) {
	linked := d.open(blk, "loop")
	d.w.Raw(`<rect class="frame"`)
	d.w.Nums("x", x-blk.w/2, "y", y, "width", blk.w, "height", blk.h, "rx", 8)
	d.w.Raw("/>")
	d.texts(blk, x, y)
	d.close(linked)
	body := blk.cols[0]
	bodyTop := y + blk.headH + vGap
	bodyBottom := bodyTop + body.h
	back := bodyBottom + loopPad
	lane := x + body.w/2 + loopPad + loopLane/2
	join := bodyTop - vGap/2
	d.line(x-blk.w/2, y+blk.headH, x+blk.w/2, y+blk.headH)
	d.arrow(x, y+blk.headH, bodyTop)
	d.draw(body, x, bodyTop)
	d.w.Raw(`<path class="edge loop-back" d="M`)
	d.w.Raw(pts(x, bodyBottom) + "V" + itoa(back) + "H" + itoa(lane) + "V" + itoa(join) + "H" + itoa(x+7))
	d.w.Raw(`"/><path class="head" d="M`)
	d.w.Raw(pts(x+1, join) + "L" + pts(x+8, join-4) + "L" + pts(x+8, join+4) + `Z"/>`)
}

// node writes a task's box (a diamond for a switch head).
func (d *drawer) node(blk *block, x, y int, shape string) {
	linked := d.open(blk, shape)
	left, right := x-blk.w/2, x+blk.w/2
	if shape == "switch" {
		mid := y + blk.h/2
		d.w.Raw(`<path class="shape" d="M`)
		d.w.Raw(pts(x, y) + "L" + pts(right, mid) + "L" + pts(x, y+blk.h) + "L" + pts(left, mid) + `Z"/>`)
		d.texts(blk, x, y+nodePad)
	} else {
		d.w.Raw(`<rect class="shape"`)
		d.w.Nums("x", left, "y", y, "width", blk.w, "height", blk.h, "rx", 6)
		d.w.Raw("/>")
		d.texts(blk, x, y)
	}
	d.close(linked)
}

// sortedCaseKeys returns the case values of a switch in a stable order.
func sortedCaseKeys(cases map[string][]conductor.WorkflowTask) []string {
	keys := make([]string, 0, len(cases))
	for k := range cases {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// caseLabel is how a case value is shown above its column.
func caseLabel(k string) string {
	if k == "" {
		return `""`
	}
	return truncate(k, 24)
}
