package metadata

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/podiumhq/podium/internal/conductor"
	"github.com/podiumhq/podium/internal/deftest"
	"github.com/podiumhq/podium/store/storetest"
)

func benchService(b *testing.B) *Service {
	b.Helper()
	return New(Config{Store: storetest.NewStore(b)})
}

func encodeDef(b *testing.B, def *conductor.WorkflowDef) []byte {
	b.Helper()
	data, err := json.Marshal(def)
	if err != nil {
		b.Fatal(err)
	}
	return data
}

// BenchmarkRegisterDef decodes a definition as the API does and registers it.
func BenchmarkRegisterDef(b *testing.B) {
	for name, def := range deftest.BenchShapes() {
		b.Run(name, func(b *testing.B) {
			s := benchService(b)
			data := encodeDef(b, def)
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				d := new(conductor.WorkflowDef)
				if err := json.Unmarshal(data, d); err != nil {
					b.Fatal(err)
				}
				if err := s.CreateWorkflowDef(context.Background(), d, true); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkListDefs lists and encodes ten stored definitions of the shape.
func BenchmarkListDefs(b *testing.B) {
	for name, def := range deftest.BenchShapes() {
		b.Run(name, func(b *testing.B) {
			s := benchService(b)
			for v := 1; v <= 10; v++ {
				def.Version = v
				if err := s.CreateWorkflowDef(context.Background(), def, true); err != nil {
					b.Fatal(err)
				}
			}
			for b.Loop() {
				defs, err := s.WorkflowDefs(context.Background())
				if err != nil {
					b.Fatal(err)
				}
				if _, err := json.Marshal(defs); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkGetDef reads and encodes one stored definition.
func BenchmarkGetDef(b *testing.B) {
	for name, def := range deftest.BenchShapes() {
		b.Run(name, func(b *testing.B) {
			s := benchService(b)
			if err := s.CreateWorkflowDef(context.Background(), def, true); err != nil {
				b.Fatal(err)
			}
			for b.Loop() {
				d, err := s.WorkflowDef(context.Background(), def.Name, nil)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := json.Marshal(d); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
