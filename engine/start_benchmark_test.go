package engine

import (
	"context"
	"testing"

	"github.com/podiumhq/podium/internal/conductor"
	"github.com/podiumhq/podium/internal/deftest"
	"github.com/podiumhq/podium/store/storetest"
)

func benchEngine(b *testing.B) *Engine {
	b.Helper()
	return New(Config{Store: storetest.NewStore(b)})
}

// BenchmarkStartDef starts the registered definition; every task is inline, so the start
// runs all of the chosen path.
func BenchmarkStartDef(b *testing.B) {
	for name, def := range deftest.BenchShapes() {
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
