package diagram

import (
	"strconv"
	"testing"

	"github.com/podiumhq/podium/internal/conductor"
)

func BenchmarkRender(b *testing.B) {
	thousand := longDef(1000)
	status := map[string]conductor.TaskStatus{}
	for i := range 1000 {
		status["task_"+strconv.Itoa(i)] = conductor.TaskCompleted
	}
	benches := []struct {
		name   string
		def    *conductor.WorkflowDef
		status map[string]conductor.TaskStatus
	}{
		{"tasks=1000", thousand, status},
		{"nested=10/one-side", nestedDef(10, false), nil},
		{"nested=10/full", nestedDef(10, true), nil},
	}
	for _, bb := range benches {
		b.Run(bb.name, func(b *testing.B) {
			b.ReportAllocs()
			var size int
			for b.Loop() {
				out, err := Render(bb.def, bb.status, Options{})
				if err != nil {
					b.Fatal(err)
				}
				size = len(out)
			}
			b.ReportMetric(float64(size), "bytes/svg")
		})
	}
}
