package engine

import (
	"context"
	"errors"
	"strings"

	"github.com/podiumhq/podium/engine/decide"
	"github.com/podiumhq/podium/internal/conductor"
)

// QueueCounts are the tasks of one worker queue: waiting, and claimed by a worker but not
// finished yet (Conductor's "unacked").
type QueueCounts struct {
	Size    int
	Unacked int
}

// QueueCounts counts waiting and claimed tasks per worker queue (internal queues left out, as
// in QueueSizes).
func (e *Engine) QueueCounts(ctx context.Context) (map[string]QueueCounts, error) {
	counts, err := e.store.TaskQueueCounts(ctx)
	if err != nil {
		return nil, err
	}
	out := make(map[string]QueueCounts, len(counts))
	for name, c := range counts {
		if !strings.HasPrefix(name, decide.SystemQueuePrefix) {
			out[name] = QueueCounts{Size: c.Size, Unacked: c.Unacked}
		}
	}
	return out, nil
}

// RequeuePendingTasks answers Conductor's "requeue the pending tasks of a type" with how many
// SCHEDULED worker tasks of taskType are in a queue, changing nothing.
//
// Conductor keeps its queues beside the executions and this call repairs them: it pushes every
// pending task of the type back into its queue (with what is left of its callback delay). Here
// the task table is the queue: a SCHEDULED task with a queue name is pollable once its
// visible_at passes, so no task can be missing from its queue, and every delay visible_at holds
// was asked for (callbackAfterSeconds, a retry delay) and is kept, as Conductor keeps the rest of
// the callback. Unlike Conductor, claimed (IN_PROGRESS) tasks are not handed out again: a worker
// that went away loses its claim when the lease expires, and the task is retried by its
// definition. System task types count 0, as Conductor skips them.
func (e *Engine) RequeuePendingTasks(ctx context.Context, taskType string) (int, error) {
	return e.store.TaskQueuedOfType(ctx, taskType, decide.SystemQueuePrefix)
}

// PendingTasks returns a page of the unfinished (SCHEDULED or IN_PROGRESS) tasks of taskType,
// as stored (masked).
func (e *Engine) PendingTasks(ctx context.Context, taskType string, start, count int) ([]*conductor.Task, error) {
	if start < 0 || count < 0 {
		return nil, conductor.Invalidf("start and count must not be negative")
	}
	tasks, err := e.store.TaskPendingOfType(ctx, taskType, start, count)
	for _, t := range tasks {
		t.Normalize()
	}
	return tasks, err
}

// VerifyAndRepair answers Conductor's consistency check of one execution. A table queue holds
// nothing that can disagree with the execution, so the repair is a decision of a live workflow
// that has not ended (due timeouts and expired leases applied, what can run scheduled): true
// when it was decided, false for an ended or archived workflow, which has nothing to repair.
func (e *Engine) VerifyAndRepair(ctx context.Context, workflowID string) (bool, error) {
	if !validID(workflowID) {
		return false, workflowNotFound(workflowID)
	}
	status, err := e.store.WorkflowStatusGet(ctx, workflowID)
	if errors.Is(err, conductor.ErrNotFound) {
		_, err = e.Workflow(ctx, workflowID, false) // archived, or found nowhere: 404
		return false, err
	}
	if err != nil || status.IsTerminal() {
		return false, err
	}
	if err := e.Decide(ctx, workflowID); err != nil {
		return false, err
	}
	return true, nil
}
