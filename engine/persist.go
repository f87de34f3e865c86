package engine

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/google/uuid"

	"github.com/podiumhq/podium/engine/decide"
	"github.com/podiumhq/podium/internal/conductor"
	"github.com/podiumhq/podium/internal/notify"
	"github.com/podiumhq/podium/internal/secrets"
	"github.com/podiumhq/podium/store"
)

// mutate runs change on the locked execution workflowID, decides to a fixed point and saves the
// result, all in one transaction. change may return an error to abort without writing. Settled
// attempts are read compact (store.LoadUnsettled), so the cost does not grow with the history.
//
// targets name the attempts the change is about (a worker's result): they are read even while
// dormant (queued or claimed), which other attempts are only on demand.
func (e *Engine) mutate(ctx context.Context, workflowID string, change func(x *execution) error, targets ...string) error {
	_, err := e.mutateWith(ctx, workflowID, store.LoadUnsettled, false, change, targets...)
	return err
}

// mutateWith is mutate reading the execution as load says, returning the workflow with all its
// tasks when show.
func (e *Engine) mutateWith(ctx context.Context, workflowID string, load store.LoadMode, show bool,
	change func(x *execution) error, targets ...string) (*conductor.Workflow, error) {
	targets = slices.DeleteFunc(slices.Clone(targets), func(id string) bool { return !validID(id) })
	var wf *conductor.Workflow
	var topics []notify.Topic
	var done *execution
	if !validID(workflowID) {
		return nil, workflowNotFound(workflowID)
	}
	err := e.store.MutateWorkflow(ctx, workflowID, load, func(q *store.Queries, rec *store.WorkflowRecord, tasks []*store.TaskRecord) (*store.ExecutionSave, error) {
		x, err := e.open(ctx, q, rec, tasks)
		if err != nil {
			return nil, err
		}
		if err := change(x); err != nil {
			return nil, err
		}
		s, err := x.conclude(ctx)
		if err != nil {
			return nil, err
		}
		if show {
			if wf, err = x.snapshot(); err != nil {
				return nil, err
			}
		}
		topics, done = x.topics(), x
		return s, nil
	}, targets...)
	if err == conductor.ErrNotFound { //nolint:errorlint // the bare sentinel means the row itself is missing
		return nil, workflowNotFound(workflowID)
	}
	if err == nil {
		e.afterCommit(ctx, done)
		e.notes.Publish(topics...)
	}
	return wf, err
}

// afterCommit carries out, once decisions committed, what reaches other workflows: the
// children of canceled SUB_WORKFLOW tasks are terminated, and the parents of ended workflows
// decided (each in its own transaction: a decision never locks another workflow). A crash in
// between leaves a parent to its next check (at most 30 s away) and a child's termination to
// the sweeper: the decision stored the request (store.Termination) with its own changes.
func (e *Engine) afterCommit(ctx context.Context, xs ...*execution) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	for _, x := range xs {
		if x == nil {
			continue
		}
		for _, c := range x.Changes().EndChildren {
			if err := e.endChild(ctx, c.WorkflowID, c.Reason); err != nil {
				e.logger.Warn("engine: terminating a sub-workflow failed", "workflow_id", c.WorkflowID, "error", err)
			}
		}
		for _, id := range slices.Compact(slices.Sorted(slices.Values(x.wake))) {
			if err := e.Decide(ctx, id); err != nil && !errors.Is(err, conductor.ErrNotFound) {
				e.logger.Warn("engine: deciding a parent workflow failed", "workflow_id", id, "error", err)
			}
		}
	}
}

// endChild carries out the termination requests of a child workflow: it is terminated, unless
// it has ended, and its requests deleted in the same transaction, so that they are carried out
// once whoever (afterCommit, the sweeper, another replica) gets there first.
func (e *Engine) endChild(ctx context.Context, workflowID, reason string) error {
	err := e.mutate(ctx, workflowID, func(x *execution) error {
		if err := x.q.TerminationsDone(ctx, workflowID); err != nil {
			return err
		}
		if !x.Workflow.Status.IsTerminal() {
			x.Terminate(reason)
		}
		return nil
	})
	if errors.Is(err, conductor.ErrNotFound) {
		return e.store.TerminationsDone(ctx, workflowID) // the child is gone: nothing to end
	}
	return err
}

// open prepares an execution loaded (and locked) in transaction q for a change.
func (e *Engine) open(ctx context.Context, q *store.Queries, rec *store.WorkflowRecord, tasks []*store.TaskRecord) (*execution, error) {
	return e.newExecution(ctx, q, rec, tasks, e.now())
}

// conclude decides the changed execution to a fixed point and returns everything to write.
func (x *execution) conclude(ctx context.Context) (*store.ExecutionSave, error) {
	x.Decide()
	if err := ctx.Err(); err != nil {
		return nil, err // the decision stopped early: write nothing
	}
	if err := x.Err(); err != nil {
		return nil, err // something the decision needed could not be read: write nothing
	}
	return x.prepareSave(ctx)
}

// save writes everything the decision changed (after the starts it asked for) on q.
func (x *execution) save(ctx context.Context, q *store.Queries) error {
	x.q = q
	s, err := x.prepareSave(ctx)
	if err != nil {
		return err
	}
	return q.SaveExecution(ctx, s)
}

// prepareSave carries out the decision's effects in its transaction — the workflows it
// starts (failure workflows), the secrets it writes — and returns everything to write.
func (x *execution) prepareSave(ctx context.Context) (*store.ExecutionSave, error) {
	ch := x.Changes()
	wf := x.Workflow
	if wf.Output == nil {
		wf.Output = map[string]any{}
	}
	for _, req := range ch.Starts {
		id, err := x.startChild(ctx, req)
		if err != nil {
			wf.Output["conductor.failure_workflow"] = "failed to start the failure workflow: " + err.Error()
		} else {
			wf.Output["conductor.failure_workflow"] = id
		}
	}
	ch.Starts = nil
	if err := x.Err(); err != nil {
		return nil, err
	}
	for _, w := range ch.SecretWrites {
		granted, err := x.e.secrets.Store(ctx, x.q, secrets.Write{Owner: x.principal(), Name: w.Name,
			Value: []byte(w.Value), By: "workflow:" + wf.WorkflowID, Created: w.Created})
		if err != nil {
			return nil, fmt.Errorf("UPDATE_SECRET: storing secret %s: %w", w.Name, err)
		}
		x.grantsChanged = x.grantsChanged || granted
	}
	ch.SecretWrites = nil
	for _, w := range ch.Warnings {
		x.e.logger.Warn("engine: "+w.Message, append([]any{"workflow_id", wf.WorkflowID}, w.Attrs...)...)
	}
	ch.Warnings = nil
	messages := make([]*store.EventMessage, 0, len(ch.Publishes))
	for _, m := range ch.Publishes {
		messages = append(messages, &store.EventMessage{ID: m.MessageID, Queue: m.Queue, Payload: m.Payload,
			WorkflowID: m.WorkflowID, TaskID: m.TaskID})
	}
	x.published = x.published || len(messages) > 0
	ch.Publishes = nil
	dirty := make([]*store.TaskRecord, 0, len(ch.Dirty))
	for _, a := range ch.Dirty {
		a.Task.Normalize()
		row, err := x.row(a)
		if err != nil {
			return nil, err
		}
		dirty = append(dirty, row)
	}
	slices.SortFunc(dirty, func(a, b *store.TaskRecord) int { return a.Task.Seq - b.Task.Seq })
	if err := x.sealSecrets(); err != nil {
		return nil, err
	}
	x.rec.NextCheckAt = x.NextCheckAt()
	wf.UpdateTime = x.Now.UnixMilli()
	if wf.Status.IsTerminal() && ch.WorkflowChanged {
		x.ended = append(x.ended, wf.WorkflowID)
		if wf.ParentWorkflowID != "" {
			x.wake = append(x.wake, wf.ParentWorkflowID)
		}
	}
	var ends []store.Termination
	for _, c := range ch.EndChildren {
		ends = append(ends, store.Termination{WorkflowID: c.WorkflowID, Reason: c.Reason})
	}
	return &store.ExecutionSave{
		Workflow: x.rec, Insert: x.isNew, DefinitionChanged: x.defChanged, Tasks: dirty, Removed: ch.Removed,
		Terminations: ends, Logs: ch.Logs, Messages: messages, Now: x.Now,
		ReleaseSweepClaim: x.sweeping && !x.stillDue(),
	}, nil
}

// startChild starts a workflow in this execution's transaction; its pollable work is
// announced when this execution's changes are.
func (x *execution) startChild(ctx context.Context, req *conductor.StartWorkflowRequest) (string, error) {
	child, existing, err := x.e.prepareStart(ctx, x.q, req, x.Now)
	if err != nil || existing != "" {
		return existing, err
	}
	if err := child.save(ctx, x.q); err != nil {
		return "", err
	}
	for queue := range child.Changes().Queues {
		x.Enqueued(queue)
	}
	x.ended = append(x.ended, child.ended...)
	for _, id := range child.wake {
		if id != x.Workflow.WorkflowID { // this decision already read the child's end
			x.wake = append(x.wake, id)
		}
	}
	x.grantsChanged = x.grantsChanged || child.grantsChanged
	x.published = x.published || child.published
	return child.Workflow.WorkflowID, nil
}

// snapshot returns the workflow with its tasks, as the API shows it.
func (x *execution) snapshot() (*conductor.Workflow, error) {
	if err := x.LoadAll(); err != nil {
		return nil, err
	}
	wf := *x.Workflow
	wf.Tasks = nil
	for _, rec := range x.Tasks {
		rec.Task.Normalize()
		t := rec.Task
		if decide.RunningLoop(t) {
			// A running loop's row holds only its iteration: show the iterations done so far
			// (on a copy: the attempt itself is saved as it is).
			shown := *t
			shown.OutputData = x.ShownLoopOutput(rec)
			t = &shown
		}
		wf.Tasks = append(wf.Tasks, t)
	}
	wf.WorkflowDefinition = x.Def
	wf.Normalize()
	return &wf, nil
}

// topics are the hints to publish once the decision committed: work in queues, and the
// workflows that ended (for synchronous execution).
func (x *execution) topics() []notify.Topic {
	queues := x.Changes().Queues
	topics := make([]notify.Topic, 0, len(queues)+len(x.ended))
	for queue := range queues {
		topics = append(topics, notify.Queue(queue))
	}
	for _, id := range x.ended {
		topics = append(topics, notify.WorkflowDone(id))
	}
	if x.grantsChanged {
		topics = append(topics, notify.Access)
	}
	if x.published {
		topics = append(topics, notify.Events)
	}
	return topics
}

// validID reports whether id can name a workflow or task (ids are UUIDs); anything else is
// simply not found, without asking the database.
func validID(id string) bool {
	return uuid.Validate(id) == nil
}
