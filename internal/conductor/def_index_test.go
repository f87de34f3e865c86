package conductor

import (
	"runtime"
	"testing"
	"time"
)

func TestDefIndexLocatesNestedTasks(t *testing.T) {
	t.Parallel()
	def := &WorkflowDef{Tasks: []WorkflowTask{
		{TaskReferenceName: "a"},
		{TaskReferenceName: "sw", Type: TaskTypeSwitch, DecisionCases: map[string][]WorkflowTask{
			"x": {{TaskReferenceName: "x1"}, {TaskReferenceName: "x2"}},
		}},
		{TaskReferenceName: "a"}, // a duplicate: the first one wins
	}}
	ix := NewDefIndex(def)
	if ix.Len() != 4 {
		t.Fatalf("indexed %d tasks, want 4", ix.Len())
	}
	n := ix.Node("x2")
	if n == nil || n.Position != 1 || n.Parent == nil || n.Parent.Task.TaskReferenceName != "sw" || len(n.List) != 2 {
		t.Fatalf("x2 misplaced: %+v", n)
	}
	if ix.Node("a").Task != &def.Tasks[0] {
		t.Fatal("a duplicate reference name must resolve to its first task")
	}
	if ix.Task("x1__3") != ix.Node("x1").Task {
		t.Fatal("a loop copy resolves to its base task")
	}
	if ix.Task("nope") != nil || ix.Node("nope") != nil {
		t.Fatal("an unknown name resolves to nothing")
	}
}

func TestIndexOfBuildsOncePerDefinition(t *testing.T) {
	t.Parallel()
	def := &WorkflowDef{Tasks: []WorkflowTask{{TaskReferenceName: "a"}}}
	first, second := IndexOf(def), IndexOf(def)
	if first != second {
		t.Fatal("the index of one definition is built once")
	}
	other := &WorkflowDef{Tasks: []WorkflowTask{{TaskReferenceName: "b"}}}
	if IndexOf(other).Node("a") != nil {
		t.Fatal("each definition has its own index")
	}
}

func TestIndexOfForgetsCollectedDefinitions(t *testing.T) {
	count := func() int {
		n := 0
		indexes.Range(func(any, any) bool { n++; return true })
		return n
	}
	before := count()
	for range 100 {
		IndexOf(&WorkflowDef{Tasks: []WorkflowTask{{TaskReferenceName: "a"}}})
	}
	deadline := time.Now().Add(5 * time.Second)
	for count() > before+10 {
		if time.Now().After(deadline) {
			t.Fatalf("%d indexes of collected definitions are still cached", count()-before)
		}
		runtime.GC()
		time.Sleep(10 * time.Millisecond)
	}
}
