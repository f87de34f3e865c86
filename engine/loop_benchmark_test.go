package engine

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/podiumhq/podium/internal/conductor"
)

// BenchmarkLoopIterations drives a DO_WHILE of 1,000 iterations of one worker task through the
// poll and update APIs, with and without keepLastN, and reports the median update latency of
// the first and last 100 iterations, their ratio, and the whole run's time. Run it with
// -benchtime=1x: one iteration is one whole workflow.
//
//	go test -run '^$' -bench BenchmarkLoopIterations -benchtime=1x ./engine
func BenchmarkLoopIterations(b *testing.B) {
	ctx := context.Background()
	e := startedBenchEngine(b)
	const iterations = 1000
	for _, keep := range []int{0, 10} {
		b.Run("keepLastN="+strconv.Itoa(keep), func(b *testing.B) {
			def := conductor.NewWorkflowDef()
			def.Name = "loop_bench_" + strconv.Itoa(keep)
			loop := conductor.WorkflowTask{Name: "loop", TaskReferenceName: "loop", Type: conductor.TaskTypeDoWhile,
				LoopCondition: new("$.loop['iteration'] < " + strconv.Itoa(iterations)),
				LoopOver: []conductor.WorkflowTask{{Name: "loop_step", TaskReferenceName: "step", Type: conductor.TaskTypeSimple,
					InputParameters: map[string]any{"i": "${loop.output.iteration}"}}}}
			if keep > 0 {
				loop.InputParameters = map[string]any{"keepLastN": keep}
			}
			def.Tasks = []conductor.WorkflowTask{loop}
			if err := e.Metadata().CreateWorkflowDef(ctx, &def, true); err != nil {
				b.Fatal(err)
			}
			var first, last []time.Duration
			var total time.Duration
			for range b.N {
				first, last = first[:0], last[:0]
				t0 := time.Now()
				id, err := e.StartWorkflow(ctx, &conductor.StartWorkflowRequest{Name: def.Name})
				if err != nil {
					b.Fatal(err)
				}
				for i := range iterations {
					tasks, err := e.Poll(ctx, PollRequest{TaskType: "loop_step", WorkerID: "bench", Count: 1})
					if err != nil || len(tasks) != 1 {
						b.Fatalf("iteration %d: polled %d tasks, error %v", i+1, len(tasks), err)
					}
					res := &conductor.TaskResult{WorkflowInstanceID: id, TaskID: tasks[0].TaskID, Status: conductor.TaskCompleted,
						WorkerID: "bench", OutputData: map[string]any{"n": i}}
					t1 := time.Now()
					if err := e.UpdateTask(ctx, res); err != nil {
						b.Fatal(err)
					}
					took := time.Since(t1)
					switch {
					case i < 100:
						first = append(first, took)
					case i >= iterations-100:
						last = append(last, took)
					}
				}
				total = time.Since(t0)
				wf, err := e.Workflow(ctx, id, false)
				if err != nil || wf.Status != conductor.WorkflowCompleted {
					b.Fatalf("the workflow did not complete: %v %v", wf, err)
				}
			}
			f, l := medianMillis(first), medianMillis(last)
			b.ReportMetric(f, "first100-ms/update")
			b.ReportMetric(l, "last100-ms/update")
			b.ReportMetric(l/f, "latency-ratio")
			b.ReportMetric(total.Seconds(), "s/run")
			b.ReportMetric(0, "ns/op")
		})
	}
}
