// Package deftest builds workflow definitions of chosen shapes and sizes for tests and
// benchmarks of the packages that register, validate and start them (internal/metadata,
// engine). It is for tests only: production code never imports it (a depguard rule).
package deftest

import (
	"context"
	"fmt"
	"sync/atomic"

	"github.com/podiumhq/podium/internal/conductor"
)

// SetVariableTask is an inline task reading the workflow input and the task before it.
func SetVariableTask(ref, prev string) conductor.WorkflowTask {
	in := map[string]any{"v": "${workflow.input.x}"}
	if prev != "" {
		in["prev"] = "${" + prev + ".output}"
	}
	return conductor.WorkflowTask{Name: ref, TaskReferenceName: ref, Type: conductor.TaskTypeSetVariable, InputParameters: in}
}

// SwitchTask is a value-param SWITCH taking case "go" when the workflow input says so.
func SwitchTask(ref string, goCase, other []conductor.WorkflowTask) conductor.WorkflowTask {
	return conductor.WorkflowTask{
		Name: ref, TaskReferenceName: ref, Type: conductor.TaskTypeSwitch,
		EvaluatorType: "value-param", Expression: "sel",
		InputParameters: map[string]any{"sel": "${workflow.input.path}"},
		DecisionCases:   map[string][]conductor.WorkflowTask{"go": goCase},
		DefaultCase:     other,
	}
}

// FlatChain is n inline tasks in a row, alternating SET_VARIABLE and SWITCH.
func FlatChain(name string, n int) *conductor.WorkflowDef {
	def := conductor.NewWorkflowDef()
	def.Name = name
	prev := ""
	for i := range n {
		ref := fmt.Sprintf("t%d", i)
		if i%2 == 1 {
			def.Tasks = append(def.Tasks, SwitchTask(ref, []conductor.WorkflowTask{}, nil))
		} else {
			def.Tasks = append(def.Tasks, SetVariableTask(ref, prev))
		}
		prev = ref
	}
	return &def
}

// NestedSwitch is depth SWITCH tasks nested in each other's "go" case, with n tasks in all:
// every level runs its share of SET_VARIABLE tasks, then the next SWITCH; the default cases
// hold one task each.
func NestedSwitch(name string, depth, n int) *conductor.WorkflowDef {
	def := conductor.NewWorkflowDef()
	def.Name = name
	perLevel := max(n/depth-2, 0) // the switch and its default-case task count too
	var build func(level int) []conductor.WorkflowTask
	build = func(level int) []conductor.WorkflowTask {
		var list []conductor.WorkflowTask
		prev := ""
		for i := range perLevel {
			ref := fmt.Sprintf("l%d_%d", level, i)
			list = append(list, SetVariableTask(ref, prev))
			prev = ref
		}
		if level < depth {
			ref := fmt.Sprintf("s%d", level)
			other := []conductor.WorkflowTask{SetVariableTask(fmt.Sprintf("d%d", level), "")}
			list = append(list, SwitchTask(ref, build(level+1), other))
		}
		return list
	}
	def.Tasks = build(1)
	return &def
}

// BenchShapes are the definitions benchmarks measure, by name: a flat chain and a nested
// switch of 2,000 tasks each (the default task limit). With the input path "go" every switch
// takes its "go" case.
func BenchShapes() map[string]*conductor.WorkflowDef {
	return map[string]*conductor.WorkflowDef{
		"flat2000":      FlatChain("flat2000", 2000),
		"nested32x2000": NestedSwitch("nested32x2000", 32, 2000),
	}
}

// CancelAfter is a context that reports itself canceled from its Limit-th Err call on, and
// counts the calls: how often a loop looked tells whether it stopped early.
type CancelAfter struct {
	context.Context
	// Limit is the first Err call that reports context.Canceled.
	Limit int64
	calls atomic.Int64
}

// Err reports context.Canceled from the Limit-th call on, nil before.
func (c *CancelAfter) Err() error {
	if c.calls.Add(1) >= c.Limit {
		return context.Canceled
	}
	return nil
}

// Calls returns how often Err was called.
func (c *CancelAfter) Calls() int64 { return c.calls.Load() }
