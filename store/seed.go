package store

import (
	"cmp"
	"context"
	crand "crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"math/rand/v2"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/podiumhq/podium/internal/conductor"
)

// SeedOptions says what SeedExecutions writes.
type SeedOptions struct {
	// Executions is how many executions to add.
	Executions int
	// Workflows are the workflow names to seed, each with a definition of its own; none
	// takes SeedWorkflowNames.
	Workflows []string
	// Span is how far back from Now the executions' create times spread; 0 takes
	// SeedSpanDefault.
	Span time.Duration
	// Now ends the span; zero takes the current time.
	Now time.Time
	// Connections is how many connections copy in parallel; 0 takes SeedConnectionsDefault().
	Connections int
	// Batch is how many executions one transaction copies; 0 takes SeedBatchDefault.
	Batch int
	// Seed makes the data reproducible (ids included, so a second run with the same seed
	// conflicts); 0 picks one at random.
	Seed uint64
	// Progress, when set, is called after each committed batch with the totals so far, by
	// one goroutine at a time.
	Progress func(SeedReport)
	// PartitionSpan is the span of the time partitions created for the seeded past (the
	// server's, which follows its retention); 0 takes a week.
	PartitionSpan time.Duration
}

// Seeding defaults.
const (
	SeedSpanDefault  = 30 * 24 * time.Hour
	SeedBatchDefault = 1000
)

// SeedConnectionsDefault is how many connections SeedExecutions copies over unless told: one
// per CPU the process may use, from 2 to 8. The work is PostgreSQL's on the same machine, as a
// rule; more connections than cores only take turns.
func SeedConnectionsDefault() int { return min(max(runtime.GOMAXPROCS(0), 2), 8) }

// SeedReport counts what SeedExecutions wrote.
type SeedReport struct {
	Executions int64
	Tasks      int64
	// ByStatus counts the executions by status.
	ByStatus map[conductor.WorkflowStatus]int64
	// Oldest and Newest bound the create times of the executions (from Now-Span to Now).
	Oldest, Newest time.Time
	Elapsed        time.Duration
}

// PerSecond is the rate executions were written at.
func (r SeedReport) PerSecond() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.Executions) / r.Elapsed.Seconds()
}

// SeedExecutions fills the database with made-up executions for load and scale tests: a
// definition registered per name (kept when a previous seed registered it), then
// opts.Executions executions of those names with create times spread evenly over the span,
// copied in batches over several connections in parallel. Most completed, some failed, timed
// out or were terminated (with retried and canceled attempts); the few still RUNNING or PAUSED
// wait on a worker task type nobody polls (seed_manual_review) with no timer set, so a server
// on the same database leaves them be. Ids are UUIDv7 of their create (or scheduled) times.
func (s *Store) SeedExecutions(ctx context.Context, opts SeedOptions) (SeedReport, error) {
	if opts.Executions <= 0 {
		return SeedReport{}, errors.New("seeding: the number of executions must be positive")
	}
	now := opts.Now
	if now.IsZero() {
		now = time.Now()
	}
	span := cmp.Or(opts.Span, SeedSpanDefault)
	if span < 0 {
		return SeedReport{}, errors.New("seeding: the span must be positive")
	}
	names := opts.Workflows
	if len(names) == 0 {
		names = SeedWorkflowNames
	}
	defs, err := s.seedDefinitions(ctx, names, now)
	if err != nil {
		return SeedReport{}, err
	}
	// The seeded past lands in time partitions, as executions started then would have.
	if _, err := s.EnsurePartitionsBetween(ctx, now.Add(-span), now.Add(time.Second),
		cmp.Or(opts.PartitionSpan, 7*24*time.Hour)); err != nil {
		return SeedReport{}, err
	}
	seed := opts.Seed
	if seed == 0 {
		var b [8]byte
		if _, err := crand.Read(b[:]); err != nil {
			return SeedReport{}, fmt.Errorf("seeding: %w", err)
		}
		seed = binary.LittleEndian.Uint64(b[:])
	}
	run := &seedRun{store: s, defs: defs, seed: seed, total: opts.Executions,
		batch: cmp.Or(opts.Batch, SeedBatchDefault), nowMs: now.UnixMilli(), spanMs: max(span.Milliseconds(), 1),
		progress: opts.Progress, started: time.Now(),
		report: SeedReport{ByStatus: map[conductor.WorkflowStatus]int64{}}}
	g, gctx := errgroup.WithContext(ctx)
	for range min(cmp.Or(opts.Connections, SeedConnectionsDefault()), run.batches()) {
		g.Go(func() error { return run.work(gctx) })
	}
	err = g.Wait()
	report := run.snapshot()
	report.Oldest, report.Newest = time.UnixMilli(run.createdAt(0)), time.UnixMilli(run.createdAt(opts.Executions-1))
	return report, err
}

// seedRun is one SeedExecutions call: the batches its workers take in turn and its totals.
type seedRun struct {
	store    *Store
	defs     []seedDefinition
	seed     uint64
	total    int
	batch    int
	nowMs    int64
	spanMs   int64
	next     atomic.Int64
	progress func(SeedReport)
	started  time.Time

	mu     sync.Mutex
	report SeedReport
}

func (r *seedRun) batches() int { return (r.total + r.batch - 1) / r.batch }

// createdAt is the create time (ms) of the i-th execution: the span divided evenly, with a
// random instant in each execution's share (so times stay in order).
func (r *seedRun) createdAt(i int) int64 {
	start := r.nowMs - r.spanMs
	return start + int64(float64(r.spanMs)*(float64(i)+0.5)/float64(r.total))
}

// work copies batches until none is left.
func (r *seedRun) work(ctx context.Context) error {
	rows := &seedRows{}
	for {
		b := int(r.next.Add(1) - 1)
		if b >= r.batches() {
			return nil
		}
		first, last := b*r.batch, min((b+1)*r.batch, r.total)
		r.generate(rows, b, first, last)
		if err := rows.copy(ctx, r.store); err != nil {
			return err
		}
		r.add(rows)
	}
}

// generate writes into rows the executions first to last-1, with the random source of
// batch b.
func (r *seedRun) generate(rows *seedRows, b, first, last int) {
	rnd := rand.New(rand.NewPCG(r.seed, uint64(b)))
	rows.start(last - first)
	for i := first; i < last; i++ {
		def := r.defs[rnd.IntN(len(r.defs))]
		slot := r.spanMs / int64(r.total)
		created := r.createdAt(i) - slot/2 + rnd.Int64N(max(slot, 1))
		x := newSeedExecution(rnd, def.shape, def.name, def.version, min(created, r.nowMs), r.nowMs)
		rows.add(x, def.snapshot)
	}
}

// add counts a committed batch and reports progress.
func (r *seedRun) add(rows *seedRows) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.report.Executions += int64(rows.executions)
	r.report.Tasks += int64(rows.taskCount)
	for status, n := range rows.byStatus {
		r.report.ByStatus[status] += n
	}
	r.report.Elapsed = time.Since(r.started)
	if r.progress != nil {
		r.progress(r.copyReport())
	}
}

func (r *seedRun) snapshot() SeedReport {
	r.mu.Lock()
	defer r.mu.Unlock()
	rep := r.copyReport()
	rep.Elapsed = time.Since(r.started)
	return rep
}

func (r *seedRun) copyReport() SeedReport {
	rep := r.report
	rep.ByStatus = make(map[conductor.WorkflowStatus]int64, len(r.report.ByStatus))
	for k, v := range r.report.ByStatus {
		rep.ByStatus[k] = v
	}
	return rep
}
