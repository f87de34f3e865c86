package store_test

import (
	"testing"

	"github.com/podiumhq/podium/store"
	"github.com/podiumhq/podium/store/storetest"
)

// BenchmarkSeed measures SeedExecutions copying batches of 20,000 executions into one
// database (the tables growing from one iteration to the next), in executions per second.
func BenchmarkSeed(b *testing.B) {
	if testing.Short() {
		b.Skip("copies tens of thousands of executions")
	}
	ctx, st := storetest.Setup(b)
	var executions, tasks int64
	for b.Loop() {
		rep, err := st.SeedExecutions(ctx, store.SeedOptions{Executions: 20_000})
		if err != nil {
			b.Fatal(err)
		}
		executions, tasks = executions+rep.Executions, tasks+rep.Tasks
	}
	b.ReportMetric(float64(executions)/b.Elapsed().Seconds(), "executions/s")
	b.ReportMetric(float64(tasks)/float64(executions), "tasks/execution")
}
