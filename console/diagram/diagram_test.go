package diagram

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/podiumhq/podium/internal/conductor"
)

func TestRenderStructure(t *testing.T) {
	t.Parallel()
	elems := parse(t, render(t, kitchenSink(), nil, Options{}))
	root := elems[0]
	if root.attrs["role"] != "img" || root.attrs["aria-label"] != "Workflow sink version 2" {
		t.Errorf("root role/aria-label = %q/%q", root.attrs["role"], root.attrs["aria-label"])
	}
	if elems[1].name != "title" || elems[1].text != "Workflow sink version 2" {
		t.Errorf("first child = <%s>%s, want the title", elems[1].name, elems[1].text)
	}
	got := nodes(elems)
	want := []string{"first", "route", "z1", "a1", "a2", "stop", "fork", "b1", "b2", "join", "dyn", "dynjoin", "loop", "body", "pause", "child"}
	if len(got) != len(want) {
		t.Errorf("%d nodes, want %d: %v", len(got), len(want), got)
	}
	for _, ref := range want {
		if got[ref] == nil {
			t.Errorf("no node with data-ref %q", ref)
		}
	}
	shapes := map[string]string{"route": "switch", "fork": "fork", "dyn": "fork", "loop": "loop", "child": "task", "stop": "task"}
	for ref, shape := range shapes {
		if n := got[ref]; n != nil && !hasClass(n, shape) {
			t.Errorf("node %s class %q, want shape %s", ref, n.attrs["class"], shape)
		}
	}
	var terminals, placeholders, bars int
	for _, e := range elems {
		switch {
		case e.name == "g" && hasClass(e, "terminal"):
			terminals++
		case e.name == "g" && hasClass(e, "placeholder"):
			placeholders++
		case e.name == "rect" && hasClass(e, "bar"):
			bars++
		}
	}
	if terminals != 2 || placeholders != 1 || bars != 4 {
		t.Errorf("terminals, placeholders, bars = %d, %d, %d; want 2, 1, 4", terminals, placeholders, bars)
	}
	all := strings.Join(texts(elems), "|")
	for _, s := range []string{"start", "end", "TERMINATE", "HTTP", "WAIT", "JOIN", "DO_WHILE", "SUB_WORKFLOW",
		"FORK_JOIN_DYNAMIC", "dynamic branches", "dynamic tasks", "→ payments v3", "while if ($.loop['iteration']"} {
		if !strings.Contains(all, s) {
			t.Errorf("no text %q in %s", s, all)
		}
	}
	if !strings.Contains(titleOf(elems, got["b2"]), "b2 (HTTP, task http): not reached") {
		t.Errorf("title of b2 = %q", titleOf(elems, got["b2"]))
	}
}

func TestRenderCaseLabels(t *testing.T) {
	t.Parallel()
	def := &conductor.WorkflowDef{Name: "w", Tasks: []conductor.WorkflowTask{{
		TaskReferenceName: "sw", Type: conductor.TaskTypeDecision,
		DecisionCases: map[string][]conductor.WorkflowTask{"b": {simple("x")}, "": {}, "a": {simple("y")}, "10": {}},
	}}}
	var labels []string
	for _, e := range parse(t, render(t, def, nil, Options{})) {
		if e.name == "text" && hasClass(e, "case") {
			labels = append(labels, e.text)
		}
	}
	if want := []string{`""`, "10", "a", "b", "default"}; !slices.Equal(labels, want) {
		t.Errorf("case labels %q, want %q", labels, want)
	}
}

func TestRenderStatusClasses(t *testing.T) {
	t.Parallel()
	def := kitchenSink()
	status := map[string]conductor.TaskStatus{
		"first": conductor.TaskCompleted, "route": conductor.TaskCompleted, "stop": conductor.TaskSkipped,
		"b1": conductor.TaskFailed, "b2": conductor.TaskTimedOut, "join": conductor.TaskInProgress,
		"loop": conductor.TaskInProgress, "body__1": conductor.TaskFailed, "body__2": conductor.TaskCompleted,
		"pause__1": conductor.TaskCompleted, "pause__2": conductor.TaskScheduled,
		"child": conductor.TaskCanceled, "dyn": "<bogus>",
	}
	got := nodes(parse(t, render(t, def, status, Options{})))
	tests := []struct{ ref, class string }{
		{"first", "status-COMPLETED"}, {"route", "status-COMPLETED"}, {"stop", "status-SKIPPED"},
		{"b1", "status-FAILED"}, {"b2", "status-TIMED_OUT"}, {"join", "status-IN_PROGRESS"},
		{"loop", "status-IN_PROGRESS"}, {"body", "status-COMPLETED"}, {"pause", "status-SCHEDULED"},
		{"child", "status-CANCELED"}, {"dyn", "status-UNKNOWN"},
	}
	for _, tt := range tests {
		if n := got[tt.ref]; n == nil || !hasClass(n, tt.class) {
			t.Errorf("node %s: class %v, want %s", tt.ref, n, tt.class)
		}
	}
	for _, ref := range []string{"z1", "a1", "a2", "dynjoin"} {
		if strings.Contains(got[ref].attrs["class"], "status-") || got[ref].attrs["data-status"] != "" {
			t.Errorf("node %s not reached but has class %q", ref, got[ref].attrs["class"])
		}
	}
}

func TestNormalizeStatus(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   map[string]conductor.TaskStatus
		want map[string]conductor.TaskStatus
	}{
		{"plain", map[string]conductor.TaskStatus{"a": "COMPLETED"}, map[string]conductor.TaskStatus{"a": "COMPLETED"}},
		{"last iteration wins numerically", map[string]conductor.TaskStatus{"a__2": "FAILED", "a__10": "COMPLETED", "a__9": "IN_PROGRESS"},
			map[string]conductor.TaskStatus{"a": "COMPLETED"}},
		{"iteration beats plain", map[string]conductor.TaskStatus{"a": "SCHEDULED", "a__1": "FAILED"}, map[string]conductor.TaskStatus{"a": "FAILED"}},
		{"nested loops compare outer first", map[string]conductor.TaskStatus{"a__2__1": "SCHEDULED", "a__1__7": "COMPLETED"},
			map[string]conductor.TaskStatus{"a": "SCHEDULED"}},
		{"nil", nil, map[string]conductor.TaskStatus{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			for range 20 { // map order must not matter
				got := NormalizeStatus(tt.in)
				if len(got) != len(tt.want) {
					t.Fatalf("got %v, want %v", got, tt.want)
				}
				for k, v := range tt.want {
					if got[k] != v {
						t.Fatalf("got %v, want %v", got, tt.want)
					}
				}
			}
		})
	}
}

func TestRenderLinks(t *testing.T) {
	t.Parallel()
	link := func(ref string, task *conductor.WorkflowTask) string {
		switch {
		case task.Type == conductor.TaskTypeSubWorkflow:
			return "/console/executions/child-1?from=" + ref + "&x=\"y\""
		case ref == "first":
			return "javascript:alert(1)"
		case ref == "b1":
			return "https://example.test/task/b1"
		}
		return ""
	}
	elems := parse(t, render(t, kitchenSink(), nil, Options{LinkFunc: link}))
	hrefs := map[string]string{}
	for i, e := range elems {
		if e.name == "a" {
			if !hasClass(elems[i+1], "node") || elems[i+1].depth != e.depth+1 {
				t.Fatalf("link %q does not wrap a node", e.attrs["href"])
			}
			hrefs[elems[i+1].attrs["data-ref"]] = e.attrs["href"]
		}
	}
	want := map[string]string{"child": `/console/executions/child-1?from=child&x="y"`, "b1": "https://example.test/task/b1"}
	if len(hrefs) != len(want) || hrefs["child"] != want["child"] || hrefs["b1"] != want["b1"] {
		t.Errorf("links %v, want %v (javascript: dropped)", hrefs, want)
	}
}

func TestRenderEscaping(t *testing.T) {
	t.Parallel()
	evil := `<script>alert("x")</script>' & "q"` + "\x00\x1b\xff"
	def := &conductor.WorkflowDef{Name: evil, Tasks: []conductor.WorkflowTask{
		{Name: evil, TaskReferenceName: `r"><script>`, Type: `T<b>`},
		{TaskReferenceName: "sw", Type: conductor.TaskTypeSwitch, DecisionCases: map[string][]conductor.WorkflowTask{evil: nil}},
		{TaskReferenceName: "sub", Type: conductor.TaskTypeSubWorkflow, SubWorkflowParam: &conductor.SubWorkflowParams{Name: evil}},
		{TaskReferenceName: "loop", Type: conductor.TaskTypeDoWhile, LoopCondition: &evil},
	}}
	out := render(t, def, map[string]conductor.TaskStatus{`r"><script>`: `"><script>`}, Options{
		LinkFunc: func(string, *conductor.WorkflowTask) string { return `/x?a="><script>` },
	})
	if strings.Contains(strings.ToLower(out), "<script") || strings.Contains(out, "\x00") {
		t.Fatalf("unescaped user text in output:\n%s", out)
	}
	elems := parse(t, out)
	if n := nodes(elems)[`r"><script>`]; n == nil || n.attrs["data-type"] != "T<b>" || !hasClass(n, "status-UNKNOWN") {
		t.Errorf("escaped node did not round-trip: %+v", n)
	}
	if !strings.HasPrefix(elems[0].attrs["aria-label"], `Workflow <script>alert("x")</script>'`) {
		t.Errorf("aria-label = %q", elems[0].attrs["aria-label"])
	}
}

func TestRenderDeterministic(t *testing.T) {
	t.Parallel()
	def := kitchenSink()
	cases := map[string][]conductor.WorkflowTask{}
	for _, k := range []string{"q", "w", "e", "r", "t", "y", "u", "i", "o", "p"} {
		cases[k] = []conductor.WorkflowTask{simple("c" + k)}
	}
	def.Tasks = append(def.Tasks, conductor.WorkflowTask{TaskReferenceName: "many", Type: conductor.TaskTypeSwitch, DecisionCases: cases})
	status := map[string]conductor.TaskStatus{"body__1": "FAILED", "body__2": "COMPLETED", "body__3": "IN_PROGRESS"}
	first := render(t, def, status, Options{})
	for range 30 {
		if render(t, def, status, Options{}) != first {
			t.Fatal("two renders of the same input differ")
		}
	}
}

func TestRenderErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		def  *conductor.WorkflowDef
		opts Options
		want error
	}{
		{"nil definition", nil, Options{}, ErrNilDefinition},
		{"too deep", nestedDef(8, false), Options{MaxDepth: 5}, ErrTooDeep},
		{"too many nodes", longDef(50), Options{MaxNodes: 49}, ErrTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if _, err := Render(tt.def, nil, tt.opts); !errors.Is(err, tt.want) {
				t.Errorf("err = %v, want %v", err, tt.want)
			}
		})
	}
}

func TestRenderOptions(t *testing.T) {
	t.Parallel()
	def := longDef(3)
	if out := render(t, def, nil, Options{}); !strings.Contains(out, "<style>") {
		t.Error("default render has no <style>")
	}
	out := render(t, def, nil, Options{NoStyle: true})
	if strings.Contains(out, "<style>") {
		t.Error("NoStyle render has a <style>")
	}
	if got := len(nodes(parse(t, out))); got != 3 {
		t.Errorf("%d nodes, want 3", got)
	}
	empty := parse(t, render(t, &conductor.WorkflowDef{Name: "empty"}, nil, Options{}))
	if len(nodes(empty)) != 0 || !slices.Contains(texts(empty), "end") {
		t.Error("an empty definition should draw start and end only")
	}
}
