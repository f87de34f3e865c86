package engine

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/podiumhq/podium/internal/conductor"
	"github.com/podiumhq/podium/store/storetest"
)

// sequentialSteps is the length of the workflow BenchmarkSequentialWorkflow drives;
// PODIUM_BENCH_STEPS overrides it for quick runs.
const sequentialSteps = 1000

// BenchmarkSequentialWorkflow drives one workflow of 1,000 SIMPLE tasks in sequence through the
// engine's poll and update APIs on a real database, each step reading the previous step's
// 2 KB output, and reports whether a step costs more late in the workflow than early: the
// median update latency and heap allocations of the first and of the last 100 steps, and their
// ratios (the target is a latency ratio within 1.3 and flat allocations). Run it with
// -benchtime=1x: one iteration is one whole workflow.
//
//	go test -run '^$' -bench BenchmarkSequentialWorkflow -benchtime=1x ./engine
func BenchmarkSequentialWorkflow(b *testing.B) {
	steps := sequentialSteps
	if v, err := strconv.Atoi(os.Getenv("PODIUM_BENCH_STEPS")); err == nil && v >= 20 {
		steps = v
	}
	window := min(100, steps/10)
	ctx := context.Background()
	e := startedBenchEngine(b)

	// One task name per step, as a pipeline of distinct workers would have; each reads the
	// previous step's output.
	def := conductor.NewWorkflowDef()
	def.Name = "sequential_bench"
	for i := range steps {
		wt := conductor.WorkflowTask{Name: "step_" + strconv.Itoa(i), TaskReferenceName: "t" + strconv.Itoa(i),
			Type: conductor.TaskTypeSimple}
		if i > 0 {
			wt.InputParameters = map[string]any{"prev": fmt.Sprintf("${t%d.output.data}", i-1)}
		}
		def.Tasks = append(def.Tasks, wt)
	}
	if err := e.Metadata().CreateWorkflowDef(ctx, &def, true); err != nil {
		b.Fatal(err)
	}
	payload := strings.Repeat("x", 2048)

	var first, last []time.Duration
	var firstAllocs, lastAllocs []float64
	b.ResetTimer()
	for range b.N {
		first, last, firstAllocs, lastAllocs = first[:0], last[:0], firstAllocs[:0], lastAllocs[:0]
		id, err := e.StartWorkflow(ctx, &conductor.StartWorkflowRequest{Name: def.Name})
		if err != nil {
			b.Fatal(err)
		}
		var ms runtime.MemStats
		for i := range steps {
			tasks, err := e.Poll(ctx, PollRequest{TaskType: "step_" + strconv.Itoa(i), WorkerID: "bench", Count: 1})
			if err != nil || len(tasks) != 1 {
				b.Fatalf("step %d: polled %d tasks, error %v", i, len(tasks), err)
			}
			if i > 0 && tasks[0].InputData["prev"] != payload {
				b.Fatalf("step %d did not get the previous step's output", i)
			}
			res := &conductor.TaskResult{WorkflowInstanceID: id, TaskID: tasks[0].TaskID, Status: conductor.TaskCompleted,
				WorkerID: "bench", OutputData: map[string]any{"data": payload}}
			runtime.ReadMemStats(&ms)
			mallocs := ms.Mallocs
			t0 := time.Now()
			if err := e.UpdateTask(ctx, res); err != nil {
				b.Fatalf("step %d: %v", i, err)
			}
			took := time.Since(t0)
			runtime.ReadMemStats(&ms)
			allocs := float64(ms.Mallocs - mallocs)
			switch {
			case i < window:
				first, firstAllocs = append(first, took), append(firstAllocs, allocs)
			case i >= steps-window:
				last, lastAllocs = append(last, took), append(lastAllocs, allocs)
			}
		}
		wf, err := e.Workflow(ctx, id, false)
		if err != nil || wf.Status != conductor.WorkflowCompleted {
			b.Fatalf("the workflow did not complete: %v %v", wf, err)
		}
	}
	b.StopTimer()
	firstMs, lastMs := medianMillis(first), medianMillis(last)
	b.ReportMetric(firstMs, "first100-ms/update")
	b.ReportMetric(lastMs, "last100-ms/update")
	b.ReportMetric(lastMs/firstMs, "latency-ratio")
	fa, la := median(firstAllocs), median(lastAllocs)
	b.ReportMetric(fa, "first100-allocs/update")
	b.ReportMetric(la, "last100-allocs/update")
	b.ReportMetric(la/fa, "allocs-ratio")
	b.ReportMetric(0, "ns/op") // one op is a whole workflow: the figures above are what counts
}

// startedBenchEngine starts an engine on a fresh database for a benchmark, its sweeper idle;
// it stops with the benchmark.
func startedBenchEngine(b *testing.B) *Engine {
	b.Helper()
	e := New(Config{Store: storetest.NewStore(b), SweepInterval: time.Hour})
	if err := e.Start(context.Background()); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = e.Stop(context.Background()) })
	return e
}

func medianMillis(ds []time.Duration) float64 {
	ms := make([]float64, len(ds))
	for i, d := range ds {
		ms[i] = float64(d.Microseconds()) / 1000
	}
	return median(ms)
}

func median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	return s[len(s)/2]
}
