package engine

import (
	"context"
	"slices"

	"github.com/podiumhq/podium/internal/conductor"
	"github.com/podiumhq/podium/internal/notify"
	"github.com/podiumhq/podium/store"
)

// maxResultBatch caps how many task results one transaction applies.
const maxResultBatch = 64

// resultRequest is a task result waiting to be applied.
type resultRequest struct {
	ctx  context.Context
	res  *conductor.TaskResult
	done chan error
}

// completer applies task results of different workflows together: results that arrive while
// a batch is being written are applied by the next one, in one transaction and one COMMIT, so
// under load each result costs a fraction of a transaction. Results of one workflow are applied
// in arrival order.
type completer struct {
	requests chan *resultRequest
}

// applyResult applies one result through the completer when it runs, else directly.
func (e *Engine) applyTaskResult(ctx context.Context, res *conductor.TaskResult) error {
	if !e.loops.Running() {
		return e.applyTaskResultNow(ctx, res)
	}
	req := &resultRequest{ctx: ctx, res: res, done: make(chan error, 1)}
	select {
	case e.completer.requests <- req:
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case err := <-req.done:
		return err
	case <-ctx.Done():
		return ctx.Err() // the result may still be applied; a retry of it is harmless
	}
}

// completeLoop gathers waiting results into batches until ctx ends.
func (e *Engine) completeLoop(ctx context.Context) {
	for {
		var first *resultRequest
		select {
		case <-ctx.Done():
			return
		case first = <-e.completer.requests:
		}
		batch := []*resultRequest{first}
	gather:
		for len(batch) < maxResultBatch {
			select {
			case req := <-e.completer.requests:
				batch = append(batch, req)
			default:
				break gather
			}
		}
		e.completeBatch(ctx, batch)
	}
}

// completeBatch applies a batch in one transaction; if the transaction fails, each result is
// applied on its own so one bad result cannot fail the others.
func (e *Engine) completeBatch(ctx context.Context, batch []*resultRequest) {
	if len(batch) == 1 {
		batch[0].done <- e.applyTaskResultNow(batch[0].ctx, batch[0].res)
		return
	}
	byWorkflow := map[string][]*resultRequest{}
	var ids []string
	for _, req := range batch {
		id := req.res.WorkflowInstanceID
		if _, seen := byWorkflow[id]; !seen {
			ids = append(ids, id)
		}
		byWorkflow[id] = append(byWorkflow[id], req)
	}
	slices.Sort(ids)
	targets := make([]string, 0, len(batch))
	for _, req := range batch {
		if validID(req.res.TaskID) {
			targets = append(targets, req.res.TaskID)
		}
	}
	outcome := map[*resultRequest]error{}
	var decided []*execution
	var topics []notify.Topic
	err := e.store.MutateWorkflows(ctx, ids, store.LoadUnsettled, func(q *store.Queries, recs map[string]*store.WorkflowRecord, tasks map[string][]*store.TaskRecord) ([]*store.ExecutionSave, error) {
		var saves []*store.ExecutionSave
		for _, id := range ids {
			reqs := byWorkflow[id]
			rec := recs[id]
			if rec == nil {
				for _, req := range reqs {
					outcome[req] = taskNotFound(req.res.TaskID)
				}
				continue
			}
			x, err := e.open(ctx, q, rec, tasks[id])
			if err != nil {
				return nil, err
			}
			for _, req := range reqs {
				t := x.Task(req.res.TaskID)
				if t == nil {
					outcome[req] = taskNotFound(req.res.TaskID)
					continue
				}
				x.ApplyResult(t, req.res)
				outcome[req] = nil
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
	}, targets...)
	if err != nil {
		for _, req := range batch {
			req.done <- e.applyTaskResultNow(req.ctx, req.res)
		}
		return
	}
	e.notes.Publish(topics...)
	for _, req := range batch {
		req.done <- outcome[req]
	}
	e.afterCommit(ctx, decided...)
}
