package engine

import (
	"context"
	"errors"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/podiumhq/podium/internal/conductor"
	"github.com/podiumhq/podium/internal/notify"
	"github.com/podiumhq/podium/store"
)

// Sweeper defaults and bounds.
const (
	// SweepClaimDefault is how long a sweeper's claim on the workflows it is deciding holds:
	// other replicas skip them until then, and decide them after it if the claimer died. A
	// decision that leaves a workflow still due (a paused workflow's timer) keeps the claim,
	// so such a workflow is decided again once per claim, not in a loop.
	SweepClaimDefault = 10 * time.Second
	// sweepBatchDefault is how many due workflows one claim takes and one transaction decides.
	sweepBatchDefault = 128
	// terminationBatch is how many left-behind termination requests one claim takes.
	terminationBatch = 200
)

// SweepWorkersFor is the default number of sweep workers for a pool of maxConns connections:
// a quarter of it, so that a burst of timers leaves the pool to the API and the workers.
func SweepWorkersFor(maxConns int) int { return max(1, maxConns/4) }

// sweepLoop drains whatever is due (Sweep), then waits sweepInterval, until ctx ends: while
// timers keep coming due it does not sleep between batches.
func (e *Engine) sweepLoop(ctx context.Context) {
	timer := time.NewTimer(e.sweepInterval)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-timer.C:
		}
		if _, err := e.Sweep(ctx); err != nil && ctx.Err() == nil {
			e.logger.Warn("engine: sweep failed", "error", err)
		}
		timer.Reset(e.sweepInterval)
	}
}

// Sweep decides every workflow with a due timer or an expired task lease, and carries out the
// sub-workflow terminations a crash left behind; it returns how many workflows it decided and
// terminations it carried out. sweepWorkers goroutines each claim a batch (WorkflowsClaimDue:
// SKIP LOCKED, and a claim other replicas respect), decide it in one transaction, and claim
// again until nothing is due, so several replicas share the work without deciding anything
// twice. A claim whose claimer dies expires after sweepClaim and is taken over.
func (e *Engine) Sweep(ctx context.Context) (int, error) {
	var decided atomic.Int64
	var errMu sync.Mutex
	var errs []error
	var wg sync.WaitGroup
	for range e.sweepWorkers {
		wg.Go(func() {
			for ctx.Err() == nil {
				n, lost, err := e.sweepBatch(ctx)
				decided.Add(int64(n))
				if err != nil {
					errMu.Lock()
					errs = append(errs, err)
					errMu.Unlock()
					return
				}
				if n == 0 && lost == 0 {
					return // nothing more is due but what others hold
				}
			}
		})
	}
	wg.Wait()
	ended, err := e.sweepTerminations(ctx)
	errs = append(errs, err)
	if ctx.Err() == nil {
		errs = append(errs, e.store.SweepClaimsExpired(ctx, e.now()))
	}
	return int(decided.Load()) + ended, errors.Join(errs...)
}

// sweepBatch claims up to sweepBatchSize due workflows and decides them. It returns how many
// it claimed, and how many due ones it found claimed by another sweeper meanwhile (see
// WorkflowsClaimDue): both 0 when nothing is left to claim.
func (e *Engine) sweepBatch(ctx context.Context) (claimed, lost int, err error) {
	now := e.now()
	ids, lost, err := e.store.WorkflowsClaimDue(ctx, now, now.Add(e.sweepClaim), e.sweepBatchSize)
	if err != nil || len(ids) == 0 {
		return 0, lost, err
	}
	e.decideDue(ctx, ids)
	return len(ids), lost, nil
}

// decideDue decides claimed workflows in one transaction and one COMMIT. If that fails, each
// is decided on its own, so that one failing decision cannot hold back the others; one that
// fails alone keeps its claim and is retried when the claim expires.
func (e *Engine) decideDue(ctx context.Context, ids []string) {
	slices.Sort(ids)
	var decided []*execution
	var topics []notify.Topic
	err := e.store.MutateWorkflows(ctx, ids, store.LoadUnsettled, func(q *store.Queries, recs map[string]*store.WorkflowRecord, tasks map[string][]*store.TaskRecord) ([]*store.ExecutionSave, error) {
		decided, topics = decided[:0], topics[:0]
		saves := make([]*store.ExecutionSave, 0, len(ids))
		for _, id := range ids {
			rec := recs[id]
			if rec == nil {
				continue // removed since it was claimed
			}
			x, err := e.open(ctx, q, rec, tasks[id])
			if err != nil {
				return nil, err
			}
			if err := x.sweep(); err != nil {
				return nil, err
			}
			save, err := x.conclude(ctx)
			if err != nil {
				return nil, err
			}
			saves = append(saves, save)
			topics = append(topics, x.topics()...)
			decided = append(decided, x)
		}
		return saves, nil
	})
	if err == nil {
		e.notes.Publish(topics...)
		e.afterCommit(ctx, decided...)
		return
	}
	for _, id := range ids {
		if ctx.Err() != nil {
			return
		}
		err := e.mutate(ctx, id, (*execution).sweep)
		if err != nil && !errors.Is(err, conductor.ErrNotFound) && ctx.Err() == nil {
			e.logger.Warn("engine: sweeping workflow failed", "workflow_id", id, "error", err)
		}
	}
}

// sweep prepares a sweeper's decision: every unfinished attempt is read, so that their
// timeouts and expired leases apply, and the save releases the sweeper's claim unless the
// workflow is still due afterwards (see stillDue).
func (x *execution) sweep() error {
	x.sweeping = true
	return x.LoadPending()
}

// stillDue reports whether the sweeper would claim the decided workflow again at once: its
// next check is not in the future, or a claimed attempt's lease expired. A decision runs to
// a fixed point, so deciding it again now would change nothing (a paused workflow's due
// timer, a lease past whose expiry the task's policy only alerts).
func (x *execution) stillDue() bool {
	if next := x.rec.NextCheckAt; next != nil && !next.After(x.Now) {
		return true
	}
	for _, a := range x.Tasks {
		if a.Task.Status == conductor.TaskInProgress && a.LeaseUntil != nil && !x.Now.Before(*a.LeaseUntil) {
			return true
		}
	}
	return false
}

// sweepTerminations carries out the termination requests older than terminationGrace, claimed
// a batch at a time (TerminationsClaimDue), and returns how many it carried out.
func (e *Engine) sweepTerminations(ctx context.Context) (int, error) {
	done := 0
	for ctx.Err() == nil {
		now := e.now()
		ends, err := e.store.TerminationsClaimDue(ctx, now.Add(-terminationGrace), now, terminationBatch)
		if err != nil {
			return done, err
		}
		for _, t := range ends {
			if err := e.endChild(ctx, t.WorkflowID, t.Reason); err != nil && ctx.Err() == nil {
				e.logger.Warn("engine: terminating a sub-workflow failed", "workflow_id", t.WorkflowID, "error", err)
				continue
			}
			done++
		}
		if len(ends) == 0 {
			break
		}
	}
	return done, nil
}

// terminationGrace is how old a termination request must be before the sweeper carries it
// out: younger ones are being carried out by the decision that wrote them.
const terminationGrace = 10 * time.Second
