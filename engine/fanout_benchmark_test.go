package engine

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/podiumhq/podium/internal/conductor"
)

// BenchmarkForkBranchUpdate reports what one branch's result costs in a dynamic fork of n
// branches, for n = 10, 100 and 1,000: the time from start to every branch pollable, and the
// median update latency of the branches' results (the target is an update cost that does not
// grow with n). Run it with -benchtime=1x: one iteration is one whole workflow.
//
//	go test -run '^$' -bench BenchmarkForkBranchUpdate -benchtime=1x ./engine
func BenchmarkForkBranchUpdate(b *testing.B) {
	ctx := context.Background()
	e := startedBenchEngine(b)
	def := conductor.NewWorkflowDef()
	def.Name = "fanout_bench"
	def.Tasks = []conductor.WorkflowTask{
		{Name: "fan", TaskReferenceName: "fan", Type: conductor.TaskTypeForkJoinDynamic,
			InputParameters: map[string]any{"forkTaskName": "branch_work", "forkTaskInputs": "${workflow.input.items}"}},
		{Name: "fan_join", TaskReferenceName: "fan_join", Type: conductor.TaskTypeJoin},
	}
	if err := e.Metadata().CreateWorkflowDef(ctx, &def, true); err != nil {
		b.Fatal(err)
	}
	for _, n := range []int{10, 100, 1000} {
		b.Run(strconv.Itoa(n), func(b *testing.B) {
			items := make([]any, n)
			for i := range items {
				items[i] = map[string]any{"i": i}
			}
			var startTook time.Duration
			var updates []time.Duration
			for range b.N {
				updates = updates[:0]
				t0 := time.Now()
				id, err := e.StartWorkflow(ctx, &conductor.StartWorkflowRequest{Name: def.Name, Input: map[string]any{"items": items}})
				if err != nil {
					b.Fatal(err)
				}
				startTook = time.Since(t0)
				tasks, err := e.Poll(ctx, PollRequest{TaskType: "branch_work", WorkerID: "bench", Count: n})
				if err != nil || len(tasks) != n {
					b.Fatalf("polled %d of %d branches: %v", len(tasks), n, err)
				}
				for _, task := range tasks {
					res := &conductor.TaskResult{WorkflowInstanceID: id, TaskID: task.TaskID, Status: conductor.TaskCompleted, WorkerID: "bench",
						OutputData: map[string]any{"ok": true}}
					t1 := time.Now()
					if err := e.UpdateTask(ctx, res); err != nil {
						b.Fatal(err)
					}
					updates = append(updates, time.Since(t1))
				}
				wf, err := e.Workflow(ctx, id, false)
				if err != nil || wf.Status != conductor.WorkflowCompleted {
					b.Fatalf("the workflow did not complete: %v %v", wf, err)
				}
			}
			b.ReportMetric(float64(startTook.Microseconds())/1000, "start-ms")
			b.ReportMetric(medianMillis(updates), "ms/update")
			b.ReportMetric(0, "ns/op")
		})
	}
}
