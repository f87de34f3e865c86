package engine

import (
	"context"
	"errors"
	"slices"

	"github.com/podiumhq/podium/engine/decide"
	"github.com/podiumhq/podium/internal/conductor"
	"github.com/podiumhq/podium/internal/notify"
	"github.com/podiumhq/podium/store"
)

// maxNesting bounds how many levels of sub-workflows an operator action walks.
const maxNesting = 64

// errStopRevive ends the walk up a chain of parents: this parent does not wait for its child.
var errStopRevive = errors.New("engine: the parent does not wait for this child")

// ancestorsOf returns the ids of workflowID's parent, grandparent, …, nearest first, read
// without locks (a workflow's parent never changes).
func (e *Engine) ancestorsOf(ctx context.Context, workflowID string) ([]string, error) {
	var ids []string
	for id := workflowID; len(ids) < maxNesting; {
		wf, err := e.store.WorkflowGet(ctx, id, false)
		if errors.Is(err, conductor.ErrNotFound) {
			if id == workflowID {
				return nil, workflowNotFound(workflowID)
			}
			break // an orphan: its parent was removed
		}
		if err != nil {
			return nil, err
		}
		if wf.ParentWorkflowID == "" {
			break
		}
		id = wf.ParentWorkflowID
		ids = append(ids, id)
	}
	return ids, nil
}

// operateUp runs an operator action (change) on the sub-workflow workflowID and revives its
// parents, as Conductor does after a retry, restart or rerun of a sub-workflow: each parent's
// SUB_WORKFLOW task waiting on the child goes back to IN_PROGRESS and the parent to RUNNING, up
// the chain, all in one transaction, so that a crash leaves either nothing or all of it done.
// ancestors are workflowID's (ancestorsOf).
func (e *Engine) operateUp(ctx context.Context, workflowID string, ancestors []string, change func(x *execution) error) error {
	var done []*execution
	err := e.store.InTx(ctx, func(q *store.Queries) error {
		done = done[:0]
		// Lock the whole chain first, in id order, as every transaction locking several
		// workflows does: two of them cannot deadlock.
		if err := q.WorkflowsLock(ctx, append(slices.Clone(ancestors), workflowID)); err != nil {
			return err
		}
		x, err := e.changeInTx(ctx, q, workflowID, change)
		if err != nil {
			return err
		}
		done = append(done, x)
		child := workflowID
		for _, id := range ancestors {
			childID := child
			px, err := e.changeInTx(ctx, q, id, func(px *execution) error { return px.reviveFor(childID) })
			if errors.Is(err, errStopRevive) {
				break
			}
			if err != nil {
				return err
			}
			done = append(done, px)
			child = id
		}
		return nil
	})
	if err != nil {
		return err
	}
	var topics []notify.Topic
	for _, x := range done {
		topics = append(topics, x.topics()...)
	}
	e.afterCommit(ctx, done...)
	e.notes.Publish(topics...)
	return nil
}

// changeInTx locks and reads workflowID whole in transaction q, applies change, decides and
// saves it there.
func (e *Engine) changeInTx(ctx context.Context, q *store.Queries, workflowID string, change func(x *execution) error) (*execution, error) {
	rec, tasks, err := q.WorkflowLock(ctx, workflowID)
	if errors.Is(err, conductor.ErrNotFound) {
		return nil, workflowNotFound(workflowID)
	}
	if err != nil {
		return nil, err
	}
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
	return x, q.SaveExecution(ctx, s)
}

// reviveFor makes this workflow wait again for its child childID, which an operator made run
// again: the SUB_WORKFLOW attempt that started it goes back to IN_PROGRESS, the workflow to
// RUNNING, and its other unsuccessful attempts are attempted again (as a retry would). It is
// errStopRevive when the attempt is optional, superseded or still running, as in Conductor.
func (x *execution) reviveFor(childID string) error {
	var sub *decide.Attempt
	for _, a := range x.Tasks {
		if a.Task.TaskType == conductor.TaskTypeSubWorkflow && a.Task.SubWorkflowID == childID {
			sub = a
		}
	}
	if sub == nil || sub.Task.Retried || !sub.Task.Status.IsTerminal() ||
		(sub.Task.WorkflowTask != nil && sub.Task.WorkflowTask.Optional) {
		return errStopRevive
	}
	x.ReopenInPlace(sub)
	x.Log(sub.Task.TaskID, "Sub workflow "+childID+" resumed.")
	if x.Workflow.Status.IsTerminal() {
		for _, a := range x.unsuccessful() {
			if a != sub {
				x.retryAttempt(a)
			}
		}
	}
	x.reopenForRetry()
	return nil
}

// unsuccessful lists the newest attempts that ended without success, which a retry attempts
// again.
func (x *execution) unsuccessful() []*decide.Attempt {
	var failed []*decide.Attempt
	for _, rec := range x.Tasks {
		t := rec.Task
		if t.Retried {
			continue
		}
		switch t.Status {
		case conductor.TaskFailed, conductor.TaskFailedWithTerminalError, conductor.TaskTimedOut, conductor.TaskCanceled:
			failed = append(failed, rec)
		}
	}
	return failed
}

// retryAttempt attempts an unsuccessful attempt again: containers reopen in place, anything
// else gets a new attempt.
func (x *execution) retryAttempt(a *decide.Attempt) {
	if decide.Reopens(a.Task.TaskType) {
		x.ReopenInPlace(a) // it waits again for the tasks retried with it
		return
	}
	x.Reattempt(a)
}

// reopenForRetry makes the workflow RUNNING again after a retry.
func (x *execution) reopenForRetry() {
	wf := x.Workflow
	wf.Status = conductor.WorkflowRunning
	wf.EndTime = 0
	wf.ReasonForIncompletion = ""
	wf.LastRetriedTime = x.Now.UnixMilli()
	x.Touch()
}

// deepestFailedChild follows, from workflowID, the first unsuccessful SUB_WORKFLOW attempt to
// its child while that child ended unsuccessfully, and returns the deepest workflow reached
// (workflowID itself when there is none): the one a retry with resumeSubworkflowTasks retries.
func (e *Engine) deepestFailedChild(ctx context.Context, workflowID string) (string, error) {
	id := workflowID
	for range maxNesting {
		wf, err := e.store.WorkflowGet(ctx, id, true)
		if err != nil {
			return "", err
		}
		next := ""
		for _, t := range wf.Tasks {
			if t.TaskType == conductor.TaskTypeSubWorkflow && !t.Retried && t.SubWorkflowID != "" &&
				t.Status.IsTerminal() && !t.Status.IsSuccessful() {
				next = t.SubWorkflowID
				break
			}
		}
		if next == "" {
			return id, nil
		}
		status, err := e.store.WorkflowStatusGet(ctx, next)
		if errors.Is(err, conductor.ErrNotFound) || (err == nil && (!status.IsTerminal() || status == conductor.WorkflowCompleted)) {
			return id, nil
		}
		if err != nil {
			return "", err
		}
		id = next
	}
	return id, nil
}
