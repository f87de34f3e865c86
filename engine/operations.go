package engine

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/podiumhq/podium/engine/decide"
	"github.com/podiumhq/podium/internal/conductor"
	"github.com/podiumhq/podium/internal/notify"
	"github.com/podiumhq/podium/store"
)

// Restart runs an ended workflow again from the start under the same id: its tasks are wiped,
// its input kept; with useLatestDefinitions it runs the latest version of its definition.
//
// A sub-workflow restarted makes its parents wait for it again (see operateUp).
func (e *Engine) Restart(ctx context.Context, workflowID string, useLatestDefinitions bool) error {
	return e.operate(ctx, workflowID, func(x *execution) error {
		if !x.Workflow.Status.IsTerminal() {
			return conductor.Conflictf("Workflow %s is still running; only an ended workflow can be restarted", workflowID)
		}
		if x.Workflow.Status == conductor.WorkflowCompleted && !x.Def.Restartable {
			return conductor.NotFoundf("WorkflowId: %s is an instance of WorkflowDef: %s and version: %d and is non restartable",
				workflowID, x.Def.Name, x.Def.Version)
		}
		if useLatestDefinitions {
			def, err := x.e.definitionFor(ctx, x.q, &conductor.StartWorkflowRequest{Name: x.Workflow.WorkflowName})
			if err != nil {
				return err
			}
			x.replaceDefinition(def)
		}
		return x.restartFrom(ctx, 0, nil)
	})
}

// operate runs an operator action on the whole execution workflowID in one transaction; on a
// sub-workflow it revives its parents too (operateUp).
func (e *Engine) operate(ctx context.Context, workflowID string, change func(x *execution) error) error {
	if !validID(workflowID) {
		return workflowNotFound(workflowID)
	}
	ancestors, err := e.ancestorsOf(ctx, workflowID)
	if err != nil {
		return err
	}
	if len(ancestors) == 0 {
		_, err := e.mutateWith(ctx, workflowID, store.LoadAll, false, change)
		return err
	}
	return e.operateUp(ctx, workflowID, ancestors, change)
}

// replaceDefinition makes the execution run def from now on.
func (x *execution) replaceDefinition(def *conductor.WorkflowDef) {
	x.ReplaceDefinition(def)
	x.rec.Definition = def
	x.defChanged = true
}

// restartFrom deletes every attempt after seq (all when 0) and reopens the workflow, with
// input as its new input when given.
func (x *execution) restartFrom(ctx context.Context, seq int, input map[string]any) error {
	if input != nil {
		if err := x.e.checkWorkflowInput(x.Workflow.WorkflowName, input); err != nil {
			return err
		}
	}
	if err := x.q.TaskDeleteAfterSeq(ctx, x.Workflow.WorkflowID, seq); err != nil {
		return err
	}
	x.Reopen(seq, input)
	return nil
}

// Retry resumes a failed, timed-out or terminated workflow from its failed tasks (§3.7). A
// retried sub-workflow makes its parents wait for it again. With resumeSubworkflowTasks, a
// failed SUB_WORKFLOW task is not attempted again with a new child: its child is retried
// instead (the deepest failed one down the chain), and every workflow above it resumes.
func (e *Engine) Retry(ctx context.Context, workflowID string, resumeSubworkflowTasks bool) error {
	target := workflowID
	if resumeSubworkflowTasks && validID(workflowID) {
		status, err := e.store.WorkflowStatusGet(ctx, workflowID)
		if errors.Is(err, conductor.ErrNotFound) {
			return workflowNotFound(workflowID)
		}
		if err != nil {
			return err
		}
		if status.IsTerminal() && status != conductor.WorkflowCompleted {
			if target, err = e.deepestFailedChild(ctx, workflowID); err != nil {
				return err
			}
		}
	}
	return e.operate(ctx, target, func(x *execution) error { return x.retry() })
}

// retry reopens an ended, unsuccessful execution from its failed attempts.
func (x *execution) retry() error {
	if !x.Workflow.Status.IsTerminal() {
		return conductor.NotFoundf("Workflow is still running.  status=%s", x.Workflow.Status)
	}
	if x.Workflow.Status == conductor.WorkflowCompleted {
		return conductor.Conflictf("Workflow %s is COMPLETED; only an unsuccessful workflow can be retried", x.Workflow.WorkflowID)
	}
	failed := x.unsuccessful()
	if len(failed) == 0 {
		return conductor.Conflictf("There are no retryable tasks in workflow %s", x.Workflow.WorkflowID)
	}
	for _, rec := range failed {
		x.retryAttempt(rec)
	}
	x.reopenForRetry()
	return nil
}

// Rerun reruns an ended workflow: without a task id from the start (optionally with new input
// and correlationId); with one, that task is reset and every later task dropped.
//
// The task may be one of a sub-workflow of it, at any depth: that sub-workflow is rerun from
// it and every workflow above it resumes, as after any rerun of a sub-workflow.
func (e *Engine) Rerun(ctx context.Context, workflowID string, req *conductor.RerunRequest) error {
	target, err := e.rerunTarget(ctx, workflowID, req.ReRunFromTaskID)
	if err != nil {
		return err
	}
	return e.operate(ctx, target, func(x *execution) error {
		if !x.Workflow.Status.IsTerminal() {
			return conductor.Conflictf("Workflow %s is still running; only an ended workflow can be rerun", workflowID)
		}
		if err := x.e.checkTaskPayloads(req.ReRunFromTaskID, req.TaskInput, nil); err != nil {
			return err
		}
		if req.CorrelationID != "" {
			x.Workflow.CorrelationID = req.CorrelationID
		}
		if req.ReRunFromTaskID == "" {
			return x.restartFrom(ctx, 0, req.WorkflowInput)
		}
		rec := x.Task(req.ReRunFromTaskID)
		if rec == nil {
			return conductor.Invalidf("Task %s not found", req.ReRunFromTaskID)
		}
		if req.WorkflowInput != nil {
			if err := x.e.checkWorkflowInput(x.Workflow.WorkflowName, req.WorkflowInput); err != nil {
				return err
			}
		}
		// Later attempts are deleted, except the progress of the other branches of the forks
		// holding the task; those forks' JOINs and the loops holding it are reopened.
		x.RerunFrom(rec, req.WorkflowInput)
		t := rec.Task
		t.Status, t.Executed, t.Retried = conductor.TaskScheduled, false, false
		t.StartTime, t.EndTime, t.PollCount, t.ReasonForIncompletion, t.WorkerID = 0, 0, 0, "", ""
		t.ScheduledTime, t.OutputData = x.Now.UnixMilli(), map[string]any{}
		given := rec.KeepWorkflowTask // generated at run time: its input is given, not a template
		real := x.RealTaskInput(rec)
		x.Prepare(rec, t.WorkflowTask, 0)
		if req.TaskInput == nil && given {
			x.SetTaskInput(rec, real)
		}
		if req.TaskInput != nil {
			x.SetTaskInput(rec, req.TaskInput)
		}
		x.MarkDirty(rec)
		if rec.QueueName != "" {
			x.Enqueued(rec.QueueName)
		}
		return nil
	})
}

// rerunTarget is the execution a rerun from taskID changes: workflowID, or the sub-workflow
// of it (at any depth) that holds the task.
func (e *Engine) rerunTarget(ctx context.Context, workflowID, taskID string) (string, error) {
	if taskID == "" || !validID(taskID) || !validID(workflowID) {
		return workflowID, nil
	}
	rec, err := e.store.TaskGet(ctx, taskID)
	if errors.Is(err, conductor.ErrNotFound) {
		return workflowID, nil // answered by the rerun itself: Task X not found
	}
	if err != nil {
		return "", err
	}
	holder := rec.Task.WorkflowInstanceID
	if holder == workflowID {
		return workflowID, nil
	}
	ancestors, err := e.ancestorsOf(ctx, holder)
	if err != nil {
		return "", err
	}
	if !slices.Contains(ancestors, workflowID) {
		return workflowID, nil // another workflow's task: not found in this one
	}
	return holder, nil
}

// SkipTask records ref as SKIPPED in a running workflow before it is scheduled; when the
// workflow reaches it, it moves on to what follows.
func (e *Engine) SkipTask(ctx context.Context, workflowID, ref string, req *conductor.SkipTaskRequest) error {
	_, err := e.mutateWith(ctx, workflowID, store.LoadAll, false, func(x *execution) error {
		if x.Workflow.Status != conductor.WorkflowRunning {
			return conductor.Conflictf("Cannot skip task %s: workflow %s is %s, not RUNNING", ref, workflowID, x.Workflow.Status)
		}
		n := x.Node(ref)
		if n == nil {
			return conductor.Invalidf("Task %s is not part of workflow %s", ref, x.Workflow.WorkflowName)
		}
		if x.Latest(ref) != nil {
			return conductor.Conflictf("Task %s has already been scheduled in workflow %s", ref, workflowID)
		}
		if err := x.e.checkTaskPayloads(ref, req.TaskInput, req.TaskOutput); err != nil {
			return err
		}
		t := &conductor.Task{
			TaskID: decide.NewID(), ReferenceTaskName: ref, TaskDefName: n.Task.Name, TaskType: n.Task.Name,
			WorkflowInstanceID: workflowID, WorkflowType: x.Workflow.WorkflowName, CorrelationID: x.Workflow.CorrelationID,
			Status: conductor.TaskSkipped, ScheduledTime: x.Now.UnixMilli(), EndTime: x.Now.UnixMilli(),
			WorkflowTask: n.Task, Executed: true,
		}
		rec := &decide.Attempt{Task: t}
		x.SetTaskInput(rec, req.TaskInput)
		x.SetTaskOutput(rec, req.TaskOutput)
		x.Add(rec)
		return nil
	})
	return err
}

// ResetCallbacks makes every postponed worker task of a running workflow pollable now.
func (e *Engine) ResetCallbacks(ctx context.Context, workflowID string) error {
	_, err := e.mutateWith(ctx, workflowID, store.LoadAll, false, func(x *execution) error {
		if x.Workflow.Status.IsTerminal() {
			return conductor.Conflictf("Workflow %s has ended", workflowID)
		}
		for _, rec := range x.Tasks {
			t := rec.Task
			if t.Status == conductor.TaskScheduled && rec.QueueName != "" && t.CallbackAfterSeconds > 0 {
				t.CallbackAfterSeconds = 0
				now := x.Now
				rec.VisibleAt = &now
				x.Enqueued(rec.QueueName)
				x.MarkDirty(rec)
			}
		}
		return nil
	})
	return err
}

// RunningWorkflows lists the ids of RUNNING executions of name at version, optionally created
// between start and end.
func (e *Engine) RunningWorkflows(ctx context.Context, name string, version int, start, end time.Time) ([]string, error) {
	return e.store.WorkflowRunningIDs(ctx, name, version, start, end)
}

// CorrelatedWorkflows returns executions of name with correlationID.
func (e *Engine) CorrelatedWorkflows(ctx context.Context, name, correlationID string, includeClosed, includeTasks bool) ([]*conductor.Workflow, error) {
	ids, err := e.store.WorkflowIDsByCorrelation(ctx, name, correlationID, includeClosed)
	if err != nil {
		return nil, err
	}
	wfs := make([]*conductor.Workflow, 0, len(ids))
	for _, id := range ids {
		wf, err := e.Workflow(ctx, id, includeTasks)
		if errors.Is(err, conductor.ErrNotFound) {
			continue // removed meanwhile
		}
		if err != nil {
			return nil, err
		}
		wfs = append(wfs, wf)
	}
	return wfs, nil
}

// ExecuteRequest starts a workflow and waits for it.
type ExecuteRequest struct {
	Start *conductor.StartWorkflowRequest
	// WaitUntilTaskRefs ends the wait when any of these tasks has finished.
	WaitUntilTaskRefs []string
	Wait              time.Duration
}

// Execute starts a workflow and waits up to req.Wait for it to end (or for one of
// req.WaitUntilTaskRefs to finish), then returns its state.
func (e *Engine) Execute(ctx context.Context, req *ExecuteRequest) (*conductor.Workflow, error) {
	id, err := e.StartWorkflow(ctx, req.Start)
	if err != nil {
		return nil, err
	}
	deadline := time.Now().Add(req.Wait)
	waitErr := e.waitNotified(ctx, notify.WorkflowDone(id), deadline, 100*time.Millisecond, func() bool {
		var done bool
		done, err = e.executionDone(ctx, id, req.WaitUntilTaskRefs)
		return err != nil || done
	})
	if waitErr != nil {
		return nil, waitErr
	}
	if err != nil {
		return nil, err
	}
	return e.Workflow(ctx, id, true)
}

// executionDone reports whether a synchronous execution may answer: the workflow ended or one
// of refs finished. Without refs only the status is read.
func (e *Engine) executionDone(ctx context.Context, id string, refs []string) (bool, error) {
	if len(refs) == 0 {
		status, err := e.store.WorkflowStatusGet(ctx, id)
		return status.IsTerminal(), err
	}
	wf, err := e.Workflow(ctx, id, true)
	if err != nil {
		return false, err
	}
	return wf.Status.IsTerminal() || reached(wf, refs), nil
}

func reached(wf *conductor.Workflow, refs []string) bool {
	for _, t := range wf.Tasks {
		for _, ref := range refs {
			if t.ReferenceTaskName == ref && t.Status.IsTerminal() {
				return true
			}
		}
	}
	return false
}

// MaxBulk is the largest number of workflow ids one bulk request may name.
const MaxBulk = 1000

// Bulk applies op to each id and reports per-id outcomes; an error for one id never fails
// the others.
func (e *Engine) Bulk(ctx context.Context, ids []string, op func(ctx context.Context, id string) error) (*conductor.BulkResponse, error) {
	if len(ids) > MaxBulk {
		return nil, conductor.Invalidf("Cannot process more than %d workflows. Please use multiple requests.", MaxBulk)
	}
	resp := &conductor.BulkResponse{BulkSuccessfulResults: []string{}, BulkErrorResults: map[string]string{}}
	for _, id := range ids {
		if err := op(ctx, id); err != nil {
			msg := err.Error()
			if !errors.Is(err, conductor.ErrNotFound) && !errors.Is(err, conductor.ErrConflict) && !errors.Is(err, conductor.ErrInvalid) {
				e.logger.ErrorContext(ctx, "engine: bulk operation failed", "workflow_id", id, "error", err)
				msg = fmt.Sprintf("internal error on workflow %s", id)
			}
			resp.BulkErrorResults[id] = msg
			continue
		}
		resp.BulkSuccessfulResults = append(resp.BulkSuccessfulResults, id)
	}
	return resp, nil
}
