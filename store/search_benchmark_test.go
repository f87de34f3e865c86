package store_test

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/podiumhq/podium/store"
	"github.com/podiumhq/podium/store/storetest"
)

// BenchmarkWorkflowSearch measures the common searches of the console and the SDKs on seeded
// databases of each size PODIUM_BENCH_SEARCH_SIZES names (comma-separated executions, default
// 10000; e.g. 10000,1000000 compares two sizes in one run): name and status newest first, its
// next page through a cursor, a page 50 deep through start, everything newest first, by
// correlation id, and as free text an id, the start of one, part of a correlation id and a
// workflow name. It reports the p99 and p50 of one search (page and
// count) in milliseconds.
func BenchmarkWorkflowSearch(b *testing.B) {
	if testing.Short() {
		b.Skip("seeds tens of thousands of executions")
	}
	sizes := []int{10_000}
	if env := os.Getenv("PODIUM_BENCH_SEARCH_SIZES"); env != "" {
		sizes = nil
		for _, field := range strings.Split(env, ",") {
			n, err := strconv.Atoi(strings.TrimSpace(field))
			if err != nil || n <= 0 {
				b.Fatalf("PODIUM_BENCH_SEARCH_SIZES: %q is no positive count", field)
			}
			sizes = append(sizes, n)
		}
	}
	for _, n := range sizes {
		b.Run(fmt.Sprintf("executions=%d", n), func(b *testing.B) { benchmarkSearchesAt(b, n) })
	}
}

func benchmarkSearchesAt(b *testing.B, n int) {
	ctx, st := storetest.Setup(b)
	if _, err := st.SeedExecutions(ctx, store.SeedOptions{Executions: n, Seed: 1}); err != nil {
		b.Fatal(err)
	}
	if err := store.ExecForTest(ctx, st.Queries, `VACUUM ANALYZE workflows`); err != nil {
		b.Fatal(err)
	}
	var id, name, correlation string
	if err := store.QueryRowForTest(ctx, st, `SELECT workflow_id::text, workflow_name, correlation_id FROM workflows
		WHERE correlation_id IS NOT NULL ORDER BY create_time DESC LIMIT 1 OFFSET 100`, &id, &name, &correlation); err != nil {
		b.Fatal(err)
	}
	eq := func(field, value string) store.Condition {
		return store.Condition{Field: field, Op: "=", Values: []string{value}}
	}
	byNameStatus := store.Query{{eq("workflowType", name), eq("status", "COMPLETED")}}
	_, _, cursor, err := st.WorkflowSearch(ctx, store.WorkflowSearchParams{Query: byNameStatus, Size: 20})
	if err != nil || cursor == nil {
		b.Fatalf("first page: %v (cursor %v)", err, cursor)
	}
	for _, tc := range []struct {
		name string
		p    store.WorkflowSearchParams
	}{
		{"name_and_status", store.WorkflowSearchParams{Query: byNameStatus, Size: 20}},
		{"name_and_status_cursor", store.WorkflowSearchParams{Query: byNameStatus, Size: 20, After: cursor}},
		{"name_and_status_start_1000", store.WorkflowSearchParams{Query: byNameStatus, Size: 20, Start: 1000}},
		{"newest_first", store.WorkflowSearchParams{Size: 20}},
		{"correlation_id", store.WorkflowSearchParams{Query: store.Query{{eq("correlationId", correlation)}}, Size: 20}},
		{"free_text_id", store.WorkflowSearchParams{FreeText: id, Size: 20}},
		{"free_text_id_start", store.WorkflowSearchParams{FreeText: id[:13], Size: 20}},
		{"free_text_correlation_part", store.WorkflowSearchParams{FreeText: correlation[len(correlation)-7:], Size: 20}},
		{"free_text_name", store.WorkflowSearchParams{FreeText: name, Size: 20}},
	} {
		b.Run(tc.name, func(b *testing.B) {
			var took []time.Duration
			for b.Loop() {
				began := time.Now()
				if _, _, _, err := st.WorkflowSearch(context.Background(), tc.p); err != nil {
					b.Fatal(err)
				}
				took = append(took, time.Since(began))
			}
			slices.Sort(took)
			at := func(q float64) float64 { return float64(took[int(q*float64(len(took)-1))].Microseconds()) / 1000 }
			b.ReportMetric(at(0.99), "p99-ms")
			b.ReportMetric(at(0.50), "p50-ms")
		})
	}
}
