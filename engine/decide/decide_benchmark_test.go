package decide

import (
	"fmt"
	"strings"
	"testing"

	"github.com/podiumhq/podium/internal/conductor"
)

// sequentialDef is a workflow of n worker tasks, each reading the previous one's output.
func sequentialDef(n int) *conductor.WorkflowDef {
	tasks := make([]conductor.WorkflowTask, n)
	for i := range tasks {
		var input map[string]any
		if i > 0 {
			input = map[string]any{"prev": fmt.Sprintf("${t%d.output.data}", i-1)}
		}
		tasks[i] = simpleTask(fmt.Sprintf("t%d", i), input)
	}
	return workflow(tasks...)
}

// BenchmarkDecideStep measures one step of a sequential workflow — a worker's result applied
// and the next task scheduled — at a given depth of history. The cost must not depend on it.
func BenchmarkDecideStep(b *testing.B) {
	payload := map[string]any{"data": strings.Repeat("x", 2048)}
	for _, history := range []int{10, 1000} {
		b.Run(fmt.Sprintf("history=%d", history), func(b *testing.B) {
			def := sequentialDef(history + 1)
			wf := &conductor.Workflow{WorkflowID: "wf-1", Status: conductor.WorkflowRunning, Input: obj{}}
			d := New(testConfig(), &memory{}, State{Workflow: wf, Def: def}, epoch)
			d.Begin(nil)
			d.Decide()
			step := func(i int) {
				a := d.Latest(fmt.Sprintf("t%d", i))
				d.ApplyResult(a, &conductor.TaskResult{TaskID: a.Task.TaskID, Status: conductor.TaskCompleted, OutputData: payload})
				d.Decide()
			}
			for i := range history - 1 {
				step(i)
			}
			last := history - 1
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				// The same step again: the attempt is reopened, so each iteration decides the
				// step after `history` settled attempts.
				a := d.Latest(fmt.Sprintf("t%d", last))
				a.Task.Status, a.Task.Executed = conductor.TaskInProgress, false
				d.live = append(d.live[:0], a)
				d.Tasks = d.Tasks[:last+1]
				clear(d.changes.Dirty)
				step(last)
			}
		})
	}
}
