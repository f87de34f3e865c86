package diagram

import (
	"encoding/xml"
	"io"
	"strings"
	"testing"

	"github.com/podiumhq/podium/internal/conductor"
)

// elem is one parsed element of a drawing: its name, attributes and direct character data.
type elem struct {
	name  string
	attrs map[string]string
	text  string
	depth int
}

// parse proves out is well-formed XML with an <svg> root and returns its elements in
// document order.
func parse(t testing.TB, out string) []*elem {
	t.Helper()
	dec := xml.NewDecoder(strings.NewReader(out))
	dec.Strict = true
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
			e := &elem{name: tok.Name.Local, attrs: map[string]string{}, depth: len(stack)}
			for _, a := range tok.Attr {
				e.attrs[a.Name.Local] = a.Value
			}
			if len(stack) == 0 && (e.name != "svg" || tok.Name.Space != "http://www.w3.org/2000/svg") {
				t.Fatalf("root is %v, want svg in the SVG namespace", tok.Name)
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
	if len(elems) == 0 {
		t.Fatal("empty output")
	}
	return elems
}

// nodes returns the task node groups of a drawing, keyed by data-ref.
func nodes(elems []*elem) map[string]*elem {
	out := map[string]*elem{}
	for _, e := range elems {
		if e.name == "g" && hasClass(e, "node") {
			out[e.attrs["data-ref"]] = e
		}
	}
	return out
}

// titleOf returns the text of the <title> right after e.
func titleOf(elems []*elem, e *elem) string {
	for i, x := range elems {
		if x == e && i+1 < len(elems) && elems[i+1].name == "title" {
			return elems[i+1].text
		}
	}
	return ""
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

// texts returns the character data of every <text> element.
func texts(elems []*elem) []string {
	var out []string
	for _, e := range elems {
		if e.name == "text" {
			out = append(out, e.text)
		}
	}
	return out
}

// simple returns a worker task.
func simple(ref string) conductor.WorkflowTask {
	return conductor.WorkflowTask{Name: ref, TaskReferenceName: ref, Type: conductor.TaskTypeSimple}
}

// render draws def and fails the test on error.
func render(t testing.TB, def *conductor.WorkflowDef, status map[string]conductor.TaskStatus, opts Options) string {
	t.Helper()
	out, err := Render(def, status, opts)
	if err != nil {
		t.Fatalf("Render: %v", err)
	}
	return string(out)
}

// kitchenSink is a definition using every shape.
func kitchenSink() *conductor.WorkflowDef {
	v := 3
	cond := "if ($.loop['iteration'] < 3) { true; } else { false; }"
	return &conductor.WorkflowDef{Name: "sink", Version: 2, Tasks: []conductor.WorkflowTask{
		simple("first"),
		{Name: "route", TaskReferenceName: "route", Type: conductor.TaskTypeSwitch,
			DecisionCases: map[string][]conductor.WorkflowTask{
				"zeta":  {simple("z1")},
				"alpha": {simple("a1"), simple("a2")},
			},
			DefaultCase: []conductor.WorkflowTask{{Name: "stop", TaskReferenceName: "stop", Type: conductor.TaskTypeTerminate}}},
		{Name: "fork", TaskReferenceName: "fork", Type: conductor.TaskTypeForkJoin,
			ForkTasks: [][]conductor.WorkflowTask{{simple("b1")}, {{Name: "http", TaskReferenceName: "b2", Type: conductor.TaskTypeHTTP}}}},
		{Name: "join", TaskReferenceName: "join", Type: conductor.TaskTypeJoin, JoinOn: []string{"b1", "b2"}},
		{Name: "dyn", TaskReferenceName: "dyn", Type: conductor.TaskTypeForkJoinDynamic},
		{Name: "join", TaskReferenceName: "dynjoin", Type: conductor.TaskTypeJoin},
		{Name: "loop", TaskReferenceName: "loop", Type: conductor.TaskTypeDoWhile, LoopCondition: &cond,
			LoopOver: []conductor.WorkflowTask{simple("body"), {Name: "wait", TaskReferenceName: "pause", Type: conductor.TaskTypeWait}}},
		{Name: "child", TaskReferenceName: "child", Type: conductor.TaskTypeSubWorkflow,
			SubWorkflowParam: &conductor.SubWorkflowParams{Name: "payments", Version: &v}},
	}}
}
