package timeline

import (
	"strconv"
	"testing"
	"time"

	"github.com/podiumhq/podium/internal/conductor"
)

func BenchmarkRender(b *testing.B) {
	tasks := make([]*conductor.Task, 10_000)
	for i := range tasks {
		ref := "task_" + strconv.Itoa(i%100)
		if i%3 == 0 {
			ref += "__" + strconv.Itoa(i/100+1)
		}
		tasks[i] = task(len(tasks)-i, ref, conductor.TaskCompleted, int64(i)*100, int64(i)*100+20, int64(i)*100+90)
	}
	tasks[42].Status, tasks[42].EndTime = conductor.TaskInProgress, 0
	now := time.UnixMilli(base + 1_000_000)
	for _, rows := range []int{DefaultMaxRows, 10_000} {
		b.Run("attempts=10000/rows="+strconv.Itoa(rows), func(b *testing.B) {
			b.ReportAllocs()
			var size int
			for b.Loop() {
				size = len(Render(tasks, Options{Now: now, MaxRows: rows}))
			}
			b.ReportMetric(float64(size), "bytes/svg")
		})
	}
}
