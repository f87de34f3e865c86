package engine

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/podiumhq/podium/internal/clocktest"
	"github.com/podiumhq/podium/internal/conductor"
	"github.com/podiumhq/podium/store"
	"github.com/podiumhq/podium/store/storetest"
)

// sweepBenchWaits is how many WAIT tasks BenchmarkSweepDueWaits makes due at once;
// PODIUM_BENCH_WAITS overrides it (the target is 100,000 within 30 s on one server).
const sweepBenchWaits = 10_000

// BenchmarkSweepDueWaits makes N workflows' WAIT tasks due in the same second (N from
// PODIUM_BENCH_WAITS, default 10,000) and measures how long one server, then two servers on
// one database, take to sweep them all: each WAIT completed and the SIMPLE task after it
// scheduled. The executions are written with set-based SQL, copies of one started through the
// engine, and time is the engine's injected clock, so setting up costs seconds, not the run.
// Each server has a pool of PODIUM_BENCH_DB_CONNS connections (default 16, the server's
// default) and the sweep workers that pool gives (PODIUM_BENCH_SWEEP_WORKERS overrides);
// PODIUM_BENCH_SWEEP_BATCH overrides the workflows per claim and transaction. One iteration is
// one whole sweep:
//
//	PODIUM_BENCH_WAITS=100000 go test ./engine -run '^$' -bench BenchmarkSweepDueWaits -benchtime 1x
func BenchmarkSweepDueWaits(b *testing.B) {
	n := benchEnvInt("PODIUM_BENCH_WAITS", sweepBenchWaits)
	conns := benchEnvInt("PODIUM_BENCH_DB_CONNS", 16)
	workers := benchEnvInt("PODIUM_BENCH_SWEEP_WORKERS", 0)
	batch := benchEnvInt("PODIUM_BENCH_SWEEP_BATCH", sweepBatchDefault)
	for _, servers := range []int{1, 2} {
		b.Run(fmt.Sprintf("servers=%d", servers), func(b *testing.B) {
			for range b.N {
				b.StopTimer()
				clock := clocktest.New(storetest.Epoch)
				url := storetest.NewDatabaseURL(b)
				engines := make([]*Engine, servers)
				for i := range engines {
					st, err := store.Open(context.Background(), store.Config{URL: url, MaxConns: int32(conns)})
					if err != nil {
						b.Fatal(err)
					}
					b.Cleanup(st.Close)
					engines[i] = New(Config{Store: st, Now: clock.Now, SweepWorkers: workers})
					engines[i].sweepBatchSize = batch
				}
				db := benchConn(b, url)
				writeDueWaits(b, engines[0], db, n)
				clock.Advance(2 * time.Second)

				b.StartTimer()
				started := time.Now()
				counts := make([]int, servers)
				var wg sync.WaitGroup
				for i, e := range engines {
					wg.Go(func() {
						var err error
						if counts[i], err = e.Sweep(context.Background()); err != nil {
							b.Error(err)
						}
					})
				}
				wg.Wait()
				elapsed := time.Since(started)
				b.StopTimer()

				checkSweptWaits(b, db, n)
				b.ReportMetric(elapsed.Seconds(), "s/sweep")
				b.ReportMetric(float64(n)/elapsed.Seconds(), "timers/s")
				b.Logf("%d due WAITs swept by %d server(s), %d sweep workers each, in %s (decided per server: %v)",
					n, servers, engines[0].sweepWorkers, elapsed.Round(time.Millisecond), counts)
			}
		})
	}
}

// writeDueWaits registers a workflow of one WAIT of a second and a SIMPLE task, starts one
// execution through e at the clock's time, and copies it n-1 times with set-based SQL (new
// workflow and task ids, written into the documents too).
func writeDueWaits(b *testing.B, e *Engine, db *pgx.Conn, n int) {
	b.Helper()
	ctx := context.Background()
	def := conductor.NewWorkflowDef()
	def.Name = "due_waits"
	def.Tasks = []conductor.WorkflowTask{
		{Name: "wait", TaskReferenceName: "wait", Type: conductor.TaskTypeWait, InputParameters: map[string]any{"duration": "1s"}},
		{Name: "after_wait", TaskReferenceName: "after_wait", Type: conductor.TaskTypeSimple},
	}
	if err := e.Metadata().CreateWorkflowDef(ctx, &def, false); err != nil {
		b.Fatal(err)
	}
	model, err := e.StartWorkflow(ctx, &conductor.StartWorkflowRequest{Name: def.Name, Input: map[string]any{"n": 1}})
	if err != nil {
		b.Fatal(err)
	}
	copies := []struct {
		sql  string
		args []any
	}{
		{`CREATE TEMP TABLE copies AS SELECT gen_random_uuid() AS wid, gen_random_uuid() AS tid
			FROM generate_series(2, $1::int)`, []any{n}},
		{`INSERT INTO workflows SELECT r.* FROM workflows w, copies c,
			LATERAL jsonb_populate_record(w, jsonb_build_object('workflow_id', c.wid,
				'doc', replace(w.doc::text, $1, c.wid::text)::jsonb)) r
			WHERE w.workflow_id = $1::uuid`, []any{model}},
		{`INSERT INTO tasks SELECT r.* FROM tasks t, copies c,
			LATERAL jsonb_populate_record(t, jsonb_build_object('task_id', c.tid, 'workflow_id', c.wid,
				'doc', replace(replace(t.doc::text, $1, c.wid::text), t.task_id::text, c.tid::text)::jsonb)) r
			WHERE t.workflow_id = $1::uuid`, []any{model}},
		{`ANALYZE workflows`, nil},
		{`ANALYZE tasks`, nil},
	}
	for _, c := range copies {
		if _, err := db.Exec(ctx, c.sql, c.args...); err != nil {
			b.Fatalf("copying the model execution: %v", err)
		}
	}
	if due := countRows(b, db, `SELECT count(*) FROM workflows WHERE next_check_at IS NOT NULL`); due != n {
		b.Fatalf("%d workflows have a timer, want %d", due, n)
	}
}

// checkSweptWaits fails unless every WAIT completed once and each next task was scheduled once.
func checkSweptWaits(b *testing.B, db *pgx.Conn, n int) {
	b.Helper()
	for sql, want := range map[string]int{
		`SELECT count(*) FROM tasks WHERE task_type = 'WAIT' AND status = 'COMPLETED'`:       n,
		`SELECT count(*) FROM tasks WHERE task_type = 'after_wait' AND status = 'SCHEDULED'`: n,
		`SELECT count(*) FROM tasks`:                                                             2 * n,
		`SELECT count(*) FROM workflows WHERE next_check_at IS NOT NULL`:                         0,
		`SELECT count(*) FROM sweep_claims`:                                                      0,
		`SELECT count(*) FROM (SELECT 1 FROM tasks GROUP BY workflow_id HAVING count(*) <> 2) x`: 0,
	} {
		if got := countRows(b, db, sql); got != want {
			b.Fatalf("%s: %d, want %d", sql, got, want)
		}
	}
}

func benchConn(b *testing.B, url string) *pgx.Conn {
	b.Helper()
	conn, err := pgx.Connect(context.Background(), url)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = conn.Close(context.Background()) })
	return conn
}

func countRows(b *testing.B, db *pgx.Conn, sql string) int {
	b.Helper()
	var n int
	if err := db.QueryRow(context.Background(), sql).Scan(&n); err != nil {
		b.Fatalf("%s: %v", sql, err)
	}
	return n
}

// benchEnvInt reads a positive integer setting of a benchmark from the environment.
func benchEnvInt(key string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(key)); err == nil && v > 0 {
		return v
	}
	return def
}
