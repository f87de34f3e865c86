package engine

import (
	"context"
	"fmt"
	"testing"

	"github.com/podiumhq/podium/internal/conductor"
	"github.com/podiumhq/podium/store/storetest"
)

// setVariableTask is an inline task reading the workflow input and the task before it.
func setVariableTask(ref, prev string) conductor.WorkflowTask {
	in := map[string]any{"v": "${workflow.input.x}"}
	if prev != "" {
		in["prev"] = "${" + prev + ".output}"
	}
	return conductor.WorkflowTask{Name: ref, TaskReferenceName: ref, Type: conductor.TaskTypeSetVariable, InputParameters: in}
}

// switchTask is a value-param SWITCH taking case "go" when the workflow input says so.
func switchTask(ref string, goCase, other []conductor.WorkflowTask) conductor.WorkflowTask {
	return conductor.WorkflowTask{
		Name: ref, TaskReferenceName: ref, Type: conductor.TaskTypeSwitch,
		EvaluatorType: "value-param", Expression: "sel",
		InputParameters: map[string]any{"sel": "${workflow.input.path}"},
		DecisionCases:   map[string][]conductor.WorkflowTask{"go": goCase},
		DefaultCase:     other,
	}
}

// flatChainDef is n inline tasks in a row, alternating SET_VARIABLE and SWITCH.
func flatChainDef(name string, n int) *conductor.WorkflowDef {
	def := conductor.NewWorkflowDef()
	def.Name = name
	prev := ""
	for i := range n {
		ref := fmt.Sprintf("t%d", i)
		if i%2 == 1 {
			def.Tasks = append(def.Tasks, switchTask(ref, []conductor.WorkflowTask{}, nil))
		} else {
			def.Tasks = append(def.Tasks, setVariableTask(ref, prev))
		}
		prev = ref
	}
	return &def
}

// nestedSwitchDef is depth SWITCH tasks nested in each other's "go" case, with n tasks in all:
// every level runs its share of SET_VARIABLE tasks, then the next SWITCH; the default cases
// hold one task each.
func nestedSwitchDef(name string, depth, n int) *conductor.WorkflowDef {
	def := conductor.NewWorkflowDef()
	def.Name = name
	perLevel := max(n/depth-2, 0) // the switch and its default-case task count too
	var build func(level int) []conductor.WorkflowTask
	build = func(level int) []conductor.WorkflowTask {
		var list []conductor.WorkflowTask
		prev := ""
		for i := range perLevel {
			ref := fmt.Sprintf("l%d_%d", level, i)
			list = append(list, setVariableTask(ref, prev))
			prev = ref
		}
		if level < depth {
			ref := fmt.Sprintf("s%d", level)
			other := []conductor.WorkflowTask{setVariableTask(fmt.Sprintf("d%d", level), "")}
			list = append(list, switchTask(ref, build(level+1), other))
		}
		return list
	}
	def.Tasks = build(1)
	return &def
}

func benchShapes() map[string]*conductor.WorkflowDef {
	return map[string]*conductor.WorkflowDef{
		"flat2000":      flatChainDef("flat2000", 2000),
		"nested32x2000": nestedSwitchDef("nested32x2000", 32, 2000),
	}
}

func benchEngine(b *testing.B) *Engine {
	b.Helper()
	return New(Config{Store: storetest.NewStore(b)})
}

// BenchmarkStartDef starts the registered definition; every task is inline, so the start
// runs all of the chosen path.
func BenchmarkStartDef(b *testing.B) {
	for name, def := range benchShapes() {
		b.Run(name, func(b *testing.B) {
			e := benchEngine(b)
			if err := e.Metadata().CreateWorkflowDef(context.Background(), def, true); err != nil {
				b.Fatal(err)
			}
			req := &conductor.StartWorkflowRequest{Name: def.Name, Input: map[string]any{"x": "hello", "path": "go"}}
			for b.Loop() {
				if _, err := e.StartWorkflow(context.Background(), req); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
