package engine

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"testing"

	"github.com/podiumhq/podium/internal/conductor"
	"github.com/podiumhq/podium/internal/secret"
	"github.com/podiumhq/podium/store"
	"github.com/podiumhq/podium/store/storetest"
)

// sealedChain is a definition of n inline tasks whose inputs hold the workflow's secret input,
// so each of its tasks has a sealed input.
func sealedChain(name string, n int) *conductor.WorkflowDef {
	def := conductor.NewWorkflowDef()
	def.Name = name
	for i := range n {
		ref := fmt.Sprintf("s%d", i)
		def.Tasks = append(def.Tasks, conductor.WorkflowTask{Name: ref, TaskReferenceName: ref,
			Type:            conductor.TaskTypeSetVariable,
			InputParameters: map[string]any{"_secrets": map[string]any{"t": "${workflow.input._secrets.token}"}}})
	}
	return &def
}

// testKey returns "id:base64key" for a fresh random key.
func testKey(tb testing.TB, id string) string {
	tb.Helper()
	raw := make([]byte, secret.KeySize)
	if _, err := rand.Read(raw); err != nil {
		tb.Fatal(err)
	}
	return id + ":" + base64.StdEncoding.EncodeToString(raw)
}

func mustKeys(tb testing.TB, spec string) *secret.Keyring {
	tb.Helper()
	k, err := secret.ParseKeys(spec)
	if err != nil {
		tb.Fatal(err)
	}
	return k
}

// BenchmarkResealTasks rotates the key of n sealed task inputs; ns/row stays flat as n grows
// when the cost is linear.
func BenchmarkResealTasks(b *testing.B) {
	if testing.Short() {
		b.Skip("seeds tens of thousands of tasks")
	}
	for _, n := range []int{10_000, 40_000} {
		b.Run(fmt.Sprintf("rows=%d", n), func(b *testing.B) {
			ctx := context.Background()
			st := storetest.NewStore(b)
			spec := testKey(b, "k0")
			e := New(Config{Store: st, Keys: mustKeys(b, spec)})
			const perWorkflow = 1000
			def := sealedChain("sealed_chain", perWorkflow)
			if err := e.Metadata().CreateWorkflowDef(ctx, def, true); err != nil {
				b.Fatal(err)
			}
			for range n / perWorkflow {
				req := &conductor.StartWorkflowRequest{Name: def.Name, Input: map[string]any{"_secrets": map[string]any{"token": "tok-" + spec[3:15]}}}
				if _, err := e.StartWorkflow(ctx, req); err != nil {
					b.Fatal(err)
				}
			}
			b.ResetTimer()
			i := 0
			for b.Loop() {
				i++
				spec = testKey(b, fmt.Sprintf("k%d", i)) + "," + spec
				r := New(Config{Store: st, Keys: mustKeys(b, spec)})
				if _, err := r.ResealExecutionData(ctx, store.ResealOpts{}); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/row")
		})
	}
}
