package decide

import (
	"fmt"
	"strings"
	"time"

	"github.com/podiumhq/podium/internal/conductor"
	"github.com/podiumhq/podium/internal/expr"
)

// ApplyResult records a worker's result on an attempt (§3.2).
func (d *Decision) ApplyResult(rec *Attempt, res *conductor.TaskResult) {
	t := rec.Task
	if d.Workflow.Status.IsTerminal() || t.Status.IsTerminal() {
		return
	}
	if res.WorkerID != "" {
		t.WorkerID = res.WorkerID
	}
	for _, l := range res.Logs {
		d.Log(t.TaskID, l.Log)
	}
	if res.ExtendLease && res.Status == conductor.TaskInProgress && t.Status == conductor.TaskInProgress && res.OutputData == nil {
		d.ExtendLease(rec)
		return
	}
	if res.OutputData != nil && !d.recordOutput(rec, res.OutputData, res.Status) {
		return
	}
	if res.ReasonForIncompletion != "" {
		t.ReasonForIncompletion = conductor.Truncate(d.Mask(res.ReasonForIncompletion), 500)
	}
	if res.Status == conductor.TaskInProgress {
		t.CallbackAfterSeconds = max(res.CallbackAfterSeconds, 0)
		if d.IsWorkerTask(t.WorkflowTask) {
			// Back to the queue, invisible for callbackAfterSeconds; the next poll resumes it.
			visible := d.Now.Add(time.Duration(t.CallbackAfterSeconds) * time.Second)
			t.Status = conductor.TaskScheduled
			rec.QueueName = QueueName(t.Domain, t.TaskType)
			rec.VisibleAt, rec.LeaseUntil = &visible, nil
			if t.CallbackAfterSeconds == 0 {
				d.Enqueued(rec.QueueName)
			}
		} else {
			t.Status = conductor.TaskInProgress
		}
		d.MarkDirty(rec)
		return
	}
	d.Finish(rec, res.Status, res.ReasonForIncompletion)
}

// ExtendLease restarts the response-timeout clock of a claimed task.
func (d *Decision) ExtendLease(rec *Attempt) {
	if rec.ResponseTimeoutSeconds > 0 {
		until := d.Now.Add(time.Duration(rec.ResponseTimeoutSeconds) * time.Second)
		if deadline, ok := RunDeadline(rec.Task, d.TaskDefOf(rec.Task.WorkflowTask)); ok && time.UnixMilli(deadline).Before(until) {
			until = time.UnixMilli(deadline)
		}
		rec.LeaseUntil = &until
	}
	d.MarkDirty(rec)
}

// Reattempt schedules a new attempt of a finished task, superseding it.
func (d *Decision) Reattempt(rec *Attempt) {
	t := rec.Task
	next := &conductor.Task{
		TaskID: d.newID(), ReferenceTaskName: t.ReferenceTaskName, TaskDefName: t.TaskDefName,
		WorkflowInstanceID: t.WorkflowInstanceID, WorkflowType: t.WorkflowType, CorrelationID: t.CorrelationID,
		WorkflowPriority: t.WorkflowPriority, ScheduledTime: d.Now.UnixMilli(), WorkflowTask: t.WorkflowTask,
		RetryCount: t.RetryCount + 1, RetriedTaskID: t.TaskID, Iteration: t.Iteration,
	}
	nextRec := &Attempt{Task: next}
	if rec.KeepWorkflowTask {
		nextRec.givenInput = d.RealTaskInput(rec) // generated: its input was given, not a template
	}
	d.Prepare(nextRec, t.WorkflowTask, 0)
	t.Retried, t.Executed = true, true
	d.MarkDirty(rec)
	d.Add(nextRec)
}

// ReopenInPlace makes a finished container task (a JOIN, a DO_WHILE, a SUB_WORKFLOW whose
// child runs again) wait again, as the same attempt: Conductor's retry reopens containers
// rather than superseding them. A loop resumes in the iteration it stopped in.
func (d *Decision) ReopenInPlace(rec *Attempt) {
	t := rec.Task
	t.Status, t.Executed, t.EndTime, t.ReasonForIncompletion = conductor.TaskInProgress, false, 0, ""
	switch t.TaskType {
	case conductor.TaskTypeDoWhile:
		d.SetTaskOutput(rec, compactLoopOutput(d.RealTaskOutput(rec))) // running again: the compact form
	case conductor.TaskTypeSubWorkflow:
		d.SetTaskOutput(rec, map[string]any{"subWorkflowId": t.SubWorkflowID}) // its child runs again
	}
	d.MarkDirty(rec)
}

// Reopens reports whether retrying an attempt of taskType reopens it in place.
func Reopens(taskType string) bool {
	return taskType == conductor.TaskTypeJoin || taskType == conductor.TaskTypeDoWhile
}

// securityError is the reason of a task refused for want of a right: it names the principal
// the workflow runs as, the secret and the access it lacks, never a value.
func (d *Decision) securityError(secretName string, accesses ...string) string {
	who := "the workflow's principal"
	if name, id := d.r.Principal(); id != "" {
		who = fmt.Sprintf("%s (%s), whom the workflow runs as,", name, id)
	}
	return fmt.Sprintf("Security Error: %s has no %s access to secret %s", who, strings.Join(accesses, " or "), secretName)
}

// Reopen drops every attempt after seq (all when 0) and makes the ended workflow RUNNING
// again, with input as its new input when given; from 0 it starts over: creation time and
// variables reset, the first task scheduled.
func (d *Decision) Reopen(seq int, input map[string]any) {
	d.DropAfter(seq)
	d.reopenWorkflow(input)
	if seq == 0 {
		wf := d.Workflow
		wf.CreateTime = d.Now.UnixMilli()
		d.SetVariables(expr.DeepCopyMap(d.Def.Variables))
		if len(d.Def.Tasks) > 0 {
			d.Schedule(&d.Def.Tasks[0])
		}
	}
}

// reopenWorkflow makes an ended workflow RUNNING again, with input as its new input when
// given.
func (d *Decision) reopenWorkflow(input map[string]any) {
	wf := d.Workflow
	if input != nil {
		d.SetWorkflowInput(input)
	}
	wf.Status = conductor.WorkflowRunning
	wf.EndTime = 0
	wf.ReasonForIncompletion = ""
	wf.Output = map[string]any{}
	d.dropRealOutput()
	wf.FailedReferenceTaskNames, wf.FailedTaskNames = nil, nil
	d.wfVersion++
	d.Touch()
}

// Begin starts a new workflow: its input recorded (masked where shown) and its first task
// scheduled. Decide then runs what can run at once.
func (d *Decision) Begin(input map[string]any) {
	d.SetWorkflowInput(input)
	if len(d.Def.Tasks) > 0 {
		d.Schedule(&d.Def.Tasks[0])
	}
}

// Terminate ends a running or paused workflow as TERMINATED with reason: its output computed,
// its pending tasks canceled. No failure workflow is started (Conductor's rule for an operator
// terminating a workflow).
func (d *Decision) Terminate(reason string) {
	wf := d.Workflow
	wf.Status = conductor.WorkflowTerminated
	wf.ReasonForIncompletion = d.Mask(reason)
	if wf.EndTime == 0 {
		wf.EndTime = d.Now.UnixMilli()
	}
	d.wfVersion++
	out, tooLarge := d.boundedWorkflowOutput(d.workflowOutput())
	if tooLarge != "" {
		wf.ReasonForIncompletion = joinReasons(wf.ReasonForIncompletion, d.Mask(tooLarge))
	}
	wf.Output = d.shownOutput(out)
	d.recordFailedNames()
	d.Touch()
	d.cancelPending()
}

// TerminateTriggeringFailure is Terminate, then starts the definition's failureWorkflow as an
// unsuccessful end decided by the engine does (Orkes' triggerFailureWorkflow=true), with the
// failed workflow and no failureTaskId in its input.
func (d *Decision) TerminateTriggeringFailure(reason string) {
	d.Terminate(reason)
	if d.Def.FailureWorkflow != "" {
		d.startFailureWorkflow(nil)
	}
}
