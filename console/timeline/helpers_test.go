package timeline

import (
	"encoding/xml"
	"io"
	"strings"
	"testing"

	"github.com/podiumhq/podium/internal/conductor"
)

// elem is one parsed element: its name, attributes and direct character data.
type elem struct {
	name  string
	attrs map[string]string
	text  string
}

// parse proves out is well-formed XML with an <svg> root in the SVG namespace and returns
// its elements in document order.
func parse(t testing.TB, out string) []*elem {
	t.Helper()
	dec := xml.NewDecoder(strings.NewReader(out))
	var elems, stack []*elem
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("output is not well-formed XML: %v\n%s", err, out)
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			if len(stack) == 0 && (tok.Name.Local != "svg" || tok.Name.Space != "http://www.w3.org/2000/svg") {
				t.Fatalf("root is %v, want svg", tok.Name)
			}
			e := &elem{name: tok.Name.Local, attrs: map[string]string{}}
			for _, a := range tok.Attr {
				e.attrs[a.Name.Local] = a.Value
			}
			elems = append(elems, e)
			stack = append(stack, e)
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if len(stack) > 0 {
				stack[len(stack)-1].text += string(tok)
			}
		}
	}
	return elems
}

// attempt is one parsed row: its group, title, label and shapes.
type attempt struct {
	g                 *elem
	title, label      string
	wait, run, marker *elem
}

// attempts returns the rows of a parsed timeline in document order.
func attempts(elems []*elem) []*attempt {
	var out []*attempt
	var cur *attempt
	for _, e := range elems {
		switch {
		case e.name == "g" && hasClass(e, "attempt"):
			cur = &attempt{g: e}
			out = append(out, cur)
		case cur == nil:
		case e.name == "title":
			cur.title = e.text
		case e.name == "text" && hasClass(e, "label"):
			cur.label = e.text
		case e.name == "rect" && hasClass(e, "wait"):
			cur.wait = e
		case e.name == "rect" && hasClass(e, "run"):
			cur.run = e
		case e.name == "path" && hasClass(e, "marker"):
			cur.marker = e
		}
	}
	return out
}

// hasClass reports whether e carries class c.
func hasClass(e *elem, c string) bool {
	for _, f := range strings.Fields(e.attrs["class"]) {
		if f == c {
			return true
		}
	}
	return false
}

// base is the epoch millisecond the fixture executions start at.
const base = int64(1_767_225_600_000) // 2026-01-01T00:00:00Z

// task returns an attempt at offsets (milliseconds from base, -1 for unknown).
func task(seq int, ref string, status conductor.TaskStatus, sched, start, end int64) *conductor.Task {
	at := func(off int64) int64 {
		if off < 0 {
			return 0
		}
		return base + off
	}
	return &conductor.Task{Seq: seq, ReferenceTaskName: ref, TaskType: conductor.TaskTypeSimple, Status: status,
		ScheduledTime: at(sched), StartTime: at(start), EndTime: at(end)}
}
