package diagram

import (
	"strconv"
	"testing"

	"github.com/podiumhq/podium/internal/conductor"
)

// box is a node's bounding box in the drawing.
type box struct {
	ref            string
	x1, y1, x2, y2 int
}

// shapeBoxes returns the bounding box of every task shape (loop frames excluded: they
// contain their body by design).
func shapeBoxes(t *testing.T, elems []*elem) []box {
	t.Helper()
	var out []box
	var ref string
	for _, e := range elems {
		if e.name == "g" && hasClass(e, "node") {
			ref = e.attrs["data-ref"]
		}
		if e.name == "rect" && hasClass(e, "shape") {
			x, _ := strconv.Atoi(e.attrs["x"])
			y, _ := strconv.Atoi(e.attrs["y"])
			w, _ := strconv.Atoi(e.attrs["width"])
			h, _ := strconv.Atoi(e.attrs["height"])
			out = append(out, box{ref, x, y, x + w, y + h})
		}
	}
	return out
}

func TestLayoutNoOverlap(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		def  *conductor.WorkflowDef
	}{
		{"kitchen sink", kitchenSink()},
		{"nested fork and switch", nestedDef(6, true)},
		{"nested one side", nestedDef(10, false)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			elems := parse(t, render(t, tt.def, nil, Options{}))
			width, _ := strconv.Atoi(elems[0].attrs["width"])
			height, _ := strconv.Atoi(elems[0].attrs["height"])
			boxes := shapeBoxes(t, elems)
			for i, a := range boxes {
				if a.x1 < 0 || a.y1 < 0 || a.x2 > width || a.y2 > height {
					t.Errorf("%s %v outside the %dx%d drawing", a.ref, a, width, height)
				}
				for _, b := range boxes[i+1:] {
					if a.x1 < b.x2 && b.x1 < a.x2 && a.y1 < b.y2 && b.y1 < a.y2 {
						t.Errorf("%s %v overlaps %s %v", a.ref, a, b.ref, b)
					}
				}
			}
		})
	}
}

func TestLayoutSequenceGoesDown(t *testing.T) {
	t.Parallel()
	boxes := shapeBoxes(t, parse(t, render(t, longDef(5), nil, Options{})))
	for i := 1; i < len(boxes); i++ {
		if boxes[i].y1 <= boxes[i-1].y2 || boxes[i].x1 != boxes[i-1].x1 {
			t.Errorf("%v is not right below %v", boxes[i], boxes[i-1])
		}
	}
}

// longDef is a sequence of n worker tasks.
func longDef(n int) *conductor.WorkflowDef {
	def := &conductor.WorkflowDef{Name: "long", Version: 1}
	for i := range n {
		def.Tasks = append(def.Tasks, simple("task_"+strconv.Itoa(i)))
	}
	return def
}

// nestedDef nests depth levels alternating a switch (two cases and a default) and a fork
// (two branches) followed by its join. With both set every column nests further (2^depth
// leaves); otherwise only the first column does.
func nestedDef(depth int, both bool) *conductor.WorkflowDef {
	var level func(d int, id string) []conductor.WorkflowTask
	level = func(d int, id string) []conductor.WorkflowTask {
		if d == 0 {
			return []conductor.WorkflowTask{simple("leaf" + id)}
		}
		first := level(d-1, id+"a")
		second := []conductor.WorkflowTask{simple("side" + id)}
		if both {
			second = level(d-1, id+"b")
		}
		if d%2 == 0 {
			return []conductor.WorkflowTask{{TaskReferenceName: "sw" + id, Type: conductor.TaskTypeSwitch,
				DecisionCases: map[string][]conductor.WorkflowTask{"x": first, "y": second},
				DefaultCase:   []conductor.WorkflowTask{simple("def" + id)}}}
		}
		return []conductor.WorkflowTask{
			{TaskReferenceName: "fork" + id, Type: conductor.TaskTypeForkJoin, ForkTasks: [][]conductor.WorkflowTask{first, second}},
			{TaskReferenceName: "join" + id, Type: conductor.TaskTypeJoin},
		}
	}
	return &conductor.WorkflowDef{Name: "nested", Version: 1, Tasks: level(depth, "")}
}
