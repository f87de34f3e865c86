package decide

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/podiumhq/podium/internal/conductor"
	"github.com/podiumhq/podium/internal/expr"
	"github.com/podiumhq/podium/internal/secret"
)

// maxDecidePasses bounds one decision; a definition that keeps scheduling inline work beyond
// it (a runaway loop) fails rather than holding the lock forever.
const maxDecidePasses = 10_000

// Decide advances the execution to a fixed point: timeouts and retries applied, successors of
// finished tasks scheduled, inline system tasks run, and the workflow ended when nothing is left.
func (d *Decision) Decide() {
	d.live = d.live[:0]
	for _, rec := range d.Tasks {
		if !rec.Task.Executed && !rec.Task.Retried {
			d.live = append(d.live, rec)
		}
	}
	for range maxDecidePasses {
		if d.err != nil || d.r.Interrupted() {
			return // abandoned: nothing is saved
		}
		if d.Workflow.Status.IsTerminal() {
			d.cancelPending()
			return
		}
		if d.checkWorkflowTimeout() {
			continue
		}
		if d.Workflow.Status == conductor.WorkflowPaused {
			return
		}
		progressed := d.advance()
		if d.Workflow.Status.IsTerminal() {
			continue
		}
		if d.runInline() {
			progressed = true
		}
		if d.evaluateJoins() {
			progressed = true
		}
		if d.evaluateLoops() {
			progressed = true
		}
		if d.evaluateChildren() {
			progressed = true
		}
		if !progressed {
			if !d.hasPending() {
				d.complete()
				continue
			}
			return
		}
	}
	d.end(conductor.WorkflowFailed, "workflow decision did not converge (runaway inline tasks)", nil)
	d.cancelPending()
}

// advance applies timeouts and retries to each current attempt, and schedules the successors of
// those that finished. It reports whether anything changed.
func (d *Decision) advance() bool {
	progressed := false
	for _, rec := range d.liveTasks() {
		t := rec.Task
		if t.Retried || t.Executed {
			continue
		}
		if !t.Status.IsTerminal() {
			d.checkTaskTimeouts(rec)
			if !t.Status.IsTerminal() {
				continue
			}
		}
		if d.Workflow.Status.IsTerminal() {
			return true
		}
		if !t.Status.IsSuccessful() {
			if d.retry(rec) {
				progressed = true
				continue
			}
			wt := t.WorkflowTask
			switch {
			case wt != nil && wt.Optional:
				t.Status = conductor.TaskCompletedWithErrors
			case wt != nil && wt.Permissive:
				// The workflow goes on and fails at the end.
			default:
				t.Executed = true
				d.MarkDirty(rec)
				d.failByTask(t)
				return true
			}
		}
		t.Executed = true
		d.MarkDirty(rec)
		progressed = true
		if t.TaskType == conductor.TaskTypeTerminate && t.Status == conductor.TaskCompleted {
			d.endByTerminate(t)
			return true
		}
		c := ctxOf(t.ReferenceTaskName)
		for _, next := range d.successors(t) {
			d.scheduleIn(next, c)
		}
	}
	return progressed
}

// successors returns what to schedule after a finished attempt: the chosen branch of a switch,
// otherwise the next task in the definition.
func (d *Decision) successors(t *conductor.Task) []*conductor.WorkflowTask {
	wt := t.WorkflowTask
	if wt != nil && (wt.Type == conductor.TaskTypeSwitch || wt.Type == conductor.TaskTypeDecision) && t.Status == conductor.TaskCompleted {
		if branch := d.chosenBranch(t); len(branch) > 0 {
			return []*conductor.WorkflowTask{&branch[0]}
		}
	}
	if next := d.nextAfter(t.ReferenceTaskName); next != nil {
		return []*conductor.WorkflowTask{next}
	}
	return nil
}

// liveTasks drops executed and superseded attempts from d.live and returns a copy of it to
// iterate over while the pass adds attempts.
func (d *Decision) liveTasks() []*Attempt {
	kept := d.live[:0]
	for _, rec := range d.live {
		if !rec.Task.Executed && !rec.Task.Retried {
			kept = append(kept, rec)
		}
	}
	clear(d.live[len(kept):])
	d.live = kept
	return slices.Clone(kept)
}

// hasPending reports whether any current attempt is unfinished.
func (d *Decision) hasPending() bool {
	if d.dormant > 0 {
		return true
	}
	for _, rec := range d.live {
		if !rec.Task.Retried && !rec.Task.Status.IsTerminal() {
			return true
		}
	}
	return false
}

// retry schedules the next attempt of a failed task when its retry policy allows one.
func (d *Decision) retry(rec *Attempt) bool {
	t := rec.Task
	wt := t.WorkflowTask
	if wt == nil || !t.Status.IsRetriable() {
		return false
	}
	switch wt.Type {
	case conductor.TaskTypeSwitch, conductor.TaskTypeDecision, conductor.TaskTypeForkJoin, conductor.TaskTypeFork, conductor.TaskTypeJoin,
		conductor.TaskTypeExclusiveJoin, conductor.TaskTypeDoWhile, conductor.TaskTypeTerminate:
		return false
	}
	def := d.TaskDefOf(wt)
	allowed := def.RetryCount
	if wt.RetryCount != nil {
		allowed = *wt.RetryCount
	}
	if t.RetryCount >= allowed {
		return false
	}
	if def.TotalTimeoutSeconds > 0 && d.firstAttemptStart(t.ReferenceTaskName) > 0 &&
		d.Now.UnixMilli()-d.firstAttemptStart(t.ReferenceTaskName) >= def.TotalTimeoutSeconds*1000 {
		return false
	}
	delay := retryDelay(def, t.RetryCount)
	next := &conductor.Task{
		TaskID:               d.newID(),
		ReferenceTaskName:    t.ReferenceTaskName,
		TaskDefName:          t.TaskDefName,
		WorkflowInstanceID:   t.WorkflowInstanceID,
		WorkflowType:         t.WorkflowType,
		CorrelationID:        t.CorrelationID,
		WorkflowPriority:     t.WorkflowPriority,
		ScheduledTime:        d.Now.UnixMilli(),
		WorkflowTask:         wt,
		RetryCount:           t.RetryCount + 1,
		RetriedTaskID:        t.TaskID,
		Iteration:            t.Iteration,
		CallbackAfterSeconds: int64(delay / time.Second),
		StartDelayInSeconds:  int(delay / time.Second),
	}
	nextRec := &Attempt{Task: next}
	if rec.KeepWorkflowTask {
		nextRec.givenInput = d.RealTaskInput(rec) // generated: its input was given, not a template
	}
	d.Prepare(nextRec, wt, delay)
	t.Retried = true
	t.Executed = true
	d.MarkDirty(rec)
	d.Add(nextRec)
	return true
}

// firstAttemptStart is the start time (ms) of the first attempt of ref, 0 if never started.
func (d *Decision) firstAttemptStart(ref string) int64 {
	d.fetchSettled(Filter{Ref: ref})
	for _, rec := range d.Tasks {
		if rec.Task.ReferenceTaskName == ref && rec.Task.StartTime > 0 {
			return rec.Task.StartTime
		}
	}
	return 0
}

// retryDelay computes the wait before attempt retryCount+1 (§3.4).
func retryDelay(def *conductor.TaskDef, retryCount int) time.Duration {
	base := float64(def.RetryDelaySeconds)
	var secs float64
	switch def.RetryLogic {
	case conductor.RetryLinearBackoff:
		secs = base * float64(def.BackoffScaleFactor) * float64(retryCount+1)
	case conductor.RetryExponentialBackoff:
		secs = base * math.Pow(2, float64(retryCount))
	default:
		secs = base
	}
	secs = min(secs, float64(math.MaxInt32))
	if def.MaxRetryDelaySeconds > 0 {
		secs = min(secs, float64(def.MaxRetryDelaySeconds))
	}
	d := time.Duration(secs) * time.Second
	if def.BackoffJitterMs > 0 {
		d += time.Duration(rand.IntN(def.BackoffJitterMs+1)) * time.Millisecond
	}
	return d
}

// checkTaskTimeouts applies the response, run and poll timeouts of §3.5 to an unfinished attempt.
func (d *Decision) checkTaskTimeouts(rec *Attempt) {
	t := rec.Task
	wt := t.WorkflowTask
	if wt == nil {
		return
	}
	if t.TaskType == conductor.TaskTypeWait {
		if rec.VisibleAt != nil && !d.Now.Before(*rec.VisibleAt) {
			d.Finish(rec, conductor.TaskCompleted, "")
		}
		return
	}
	if t.Status == conductor.TaskInProgress && rec.LeaseUntil != nil && !d.Now.Before(*rec.LeaseUntil) && !d.IsWorkerTask(wt) &&
		!RunTimedOut(t, d.TaskDefOf(wt), d.Now) {
		// The internal worker running it died: hand it to another one (unless its run
		// timeout passed too, which the timeout below applies).
		t.Status = conductor.TaskScheduled
		rec.QueueName, rec.VisibleAt, rec.LeaseUntil = SystemQueue(t.TaskType), &d.Now, nil
		d.Enqueued(rec.QueueName)
		d.MarkDirty(rec)
		return
	}
	def := d.TaskDefOf(wt)
	now := d.Now.UnixMilli()
	// Conductor's order: run timeout, then poll timeout, then response timeout.
	if deadline, ok := RunDeadline(t, def); ok && now >= deadline {
		d.TimeoutByPolicy(rec, def, fmt.Sprintf("Task timed out after %d seconds. Timeout configured as %d seconds. Timeout policy configured to %s",
			(now-t.StartTime)/1000, def.TimeoutSeconds, def.TimeoutPolicy))
		if t.Status.IsTerminal() {
			return
		}
	}
	if deadline, ok := pollDeadline(t, def, d.IsWorkerTask(wt)); ok && now >= deadline {
		d.TimeoutByPolicy(rec, def, fmt.Sprintf("Task poll timed out after %d seconds. Poll timeout configured as %d seconds",
			(now-t.ScheduledTime)/1000, *def.PollTimeoutSeconds))
		if t.Status.IsTerminal() {
			return
		}
	}
	if t.Status == conductor.TaskInProgress && d.IsWorkerTask(wt) && def.ResponseTimeoutSeconds > 0 &&
		now-t.UpdateTime >= (def.ResponseTimeoutSeconds+t.CallbackAfterSeconds)*1000 {
		d.Finish(rec, conductor.TaskTimedOut, fmt.Sprintf("responseTimeoutSeconds: %d exceeded", def.ResponseTimeoutSeconds))
	}
}

// RunTimedOut reports whether an attempt's timeoutSeconds passed at now.
func RunTimedOut(t *conductor.Task, def *conductor.TaskDef, now time.Time) bool {
	deadline, ok := RunDeadline(t, def)
	return ok && now.UnixMilli() >= deadline
}

// RunDeadline is when a started, unfinished attempt exceeds its definition's timeoutSeconds.
func RunDeadline(t *conductor.Task, def *conductor.TaskDef) (int64, bool) {
	if def.TimeoutSeconds <= 0 || t.StartTime == 0 || t.Status.IsTerminal() {
		return 0, false
	}
	return t.StartTime + int64(t.StartDelayInSeconds)*1000 + def.TimeoutSeconds*1000, true
}

// pollDeadline is when a queued worker task nobody polled exceeds its pollTimeoutSeconds.
func pollDeadline(t *conductor.Task, def *conductor.TaskDef, worker bool) (int64, bool) {
	if !worker || t.Status != conductor.TaskScheduled || def.PollTimeoutSeconds == nil || *def.PollTimeoutSeconds <= 0 {
		return 0, false
	}
	return t.ScheduledTime + (int64(t.StartDelayInSeconds)+int64(*def.PollTimeoutSeconds)+t.CallbackAfterSeconds)*1000, true
}

// TimeoutByPolicy times out an attempt as its definition's timeoutPolicy says.
func (d *Decision) TimeoutByPolicy(rec *Attempt, def *conductor.TaskDef, reason string) {
	switch def.TimeoutPolicy {
	case conductor.TaskTimeoutAlertOnly:
		d.warn("engine: task timed out (ALERT_ONLY)", "workflow_id", d.Workflow.WorkflowID, "task_id", rec.Task.TaskID)
	case conductor.TaskTimeOutWF:
		d.Finish(rec, conductor.TaskTimedOut, reason)
		rec.Task.Executed = true
		d.end(conductor.WorkflowTimedOut, fmt.Sprintf("Task %s timed out: %s", rec.Task.TaskID, reason), rec.Task)
	default:
		d.Finish(rec, conductor.TaskTimedOut, reason)
	}
}

// Finish moves an attempt to a terminal status and takes it out of its queue.
func (d *Decision) Finish(rec *Attempt, status conductor.TaskStatus, reason string) {
	t := rec.Task
	t.Status = status
	if reason != "" {
		t.ReasonForIncompletion = conductor.Truncate(d.Mask(reason), 500)
	}
	t.EndTime = d.Now.UnixMilli()
	rec.QueueName, rec.VisibleAt, rec.LeaseUntil = "", nil, nil
	d.MarkDirty(rec)
}

// checkWorkflowTimeout ends a workflow past its timeoutSeconds under TIME_OUT_WF.
func (d *Decision) checkWorkflowTimeout() bool {
	secs := d.Def.TimeoutSeconds
	if secs <= 0 || d.Def.TimeoutPolicy != conductor.WorkflowTimeOutWF {
		return false
	}
	start := max(d.Workflow.CreateTime, d.Workflow.LastRetriedTime)
	elapsed := d.Now.UnixMilli() - start
	if elapsed < secs*1000 {
		return false
	}
	d.end(conductor.WorkflowTimedOut, fmt.Sprintf(
		"Workflow timed out after %d seconds. Timeout configured as %d seconds. Timeout policy configured to TIME_OUT_WF",
		elapsed/1000, secs), nil)
	return true
}

// failByTask ends the workflow because a task failed for good.
func (d *Decision) failByTask(t *conductor.Task) {
	status := conductor.WorkflowFailed
	switch t.Status {
	case conductor.TaskCanceled:
		status = conductor.WorkflowTerminated
	case conductor.TaskTimedOut:
		status = conductor.WorkflowTimedOut
	}
	// The status named is the workflow's, as Conductor writes it (a task FAILED_WITH_TERMINAL_ERROR
	// reads "failed with status: FAILED").
	d.end(status, fmt.Sprintf("Task %s failed with status: %s and reason: '%s'", t.TaskID, status, t.ReasonForIncompletion), t)
}

// complete ends a workflow whose tasks all finished, failing it instead when a permissive task
// failed along the way.
func (d *Decision) complete() {
	d.loadHistory()
	var failed []*Attempt
	for _, rec := range d.Tasks {
		t := rec.Task
		if !t.Retried && t.WorkflowTask != nil && t.WorkflowTask.Permissive && !t.WorkflowTask.Optional && !t.Status.IsSuccessful() {
			failed = append(failed, rec)
		}
	}
	if len(failed) == 0 {
		d.end(conductor.WorkflowCompleted, "", nil)
		return
	}
	// Conductor's words: each permissive failure with its task's status, the workflow FAILED.
	d.load(failed...) // for their reasons
	reasons := make([]string, len(failed))
	for i, rec := range failed {
		t := rec.Task
		reasons[i] = fmt.Sprintf("Task %s failed with status: %s and reason: '%s'", t.TaskID, t.Status, t.ReasonForIncompletion)
	}
	d.end(conductor.WorkflowFailed, strings.Join(reasons, ". "), failed[0].Task)
}

// endByTerminate ends the workflow as a completed TERMINATE task asks.
func (d *Decision) endByTerminate(t *conductor.Task) {
	status := conductor.WorkflowStatus(fmt.Sprint(t.InputData["terminationStatus"]))
	reason, _ := t.InputData["terminationReason"].(string)
	if reason == "" {
		reason = fmt.Sprintf("Workflow is %s by TERMINATE task: %s", status, t.TaskID)
	}
	d.end(status, reason, t)
	real := d.RealTaskOutput(d.Task(t.TaskID))
	d.Workflow.Output = d.shownOutput(real)
	d.keepRealOutput(real)
	d.wfVersion++
}

// shownOutput is a workflow output as stored and shown: secret material and maskedFields masked.
func (d *Decision) shownOutput(out map[string]any) map[string]any {
	d.addMasks(func(r *secret.Redactor) { r.SecretsUnder(out) })
	return secret.MaskFields(d.sec.redactor.Map(out), d.Def.MaskedFields)
}

// end moves the workflow to a terminal status: output computed, failed names recorded, pending
// tasks canceled, and the failure workflow started when the decider ended it unsuccessfully.
//
// An output over the payload limit is not stored: the output is empty and a workflow that
// would have COMPLETED is FAILED with the reason naming the output's size; any other end keeps
// its status, its reason telling of the dropped output too.
func (d *Decision) end(status conductor.WorkflowStatus, reason string, cause *conductor.Task) {
	out, tooLarge := d.boundedWorkflowOutput(d.workflowOutput())
	switch {
	case tooLarge == "":
	case status == conductor.WorkflowCompleted:
		status, reason = conductor.WorkflowFailed, tooLarge
	default:
		reason = joinReasons(reason, tooLarge)
	}
	wf := d.Workflow
	wf.Status = status
	wf.ReasonForIncompletion = d.Mask(reason)
	wf.EndTime = d.Now.UnixMilli()
	wf.Output = d.shownOutput(out)
	d.keepRealOutput(out)
	d.recordFailedNames()
	d.Touch()
	d.cancelPending()
	if status != conductor.WorkflowCompleted && d.Def.FailureWorkflow != "" {
		d.startFailureWorkflow(cause)
	}
}

// workflowOutput evaluates outputParameters, or takes the last task's output (§3.6).
func (d *Decision) workflowOutput() map[string]any {
	d.loadHistory()
	if len(d.Def.OutputParameters) > 0 {
		out, err := expr.EvaluateMap(d.Def.OutputParameters, d.env("", d.Def.OutputParameters))
		if err == nil {
			return out
		}
	}
	for i := len(d.Tasks) - 1; i >= 0; i-- {
		if t := d.Tasks[i].Task; t.Status.IsTerminal() {
			return d.RealTaskOutput(d.Tasks[i])
		}
	}
	return map[string]any{}
}

func (d *Decision) recordFailedNames() {
	d.loadHistory()
	var failed []*Attempt
	for _, rec := range d.Tasks {
		if s := rec.Task.Status; s == conductor.TaskFailed || s == conductor.TaskFailedWithTerminalError {
			failed = append(failed, rec)
		}
	}
	d.load(failed...) // for their task definition names
	refs, names := map[string]bool{}, map[string]bool{}
	d.Workflow.FailedReferenceTaskNames, d.Workflow.FailedTaskNames = nil, nil
	for _, rec := range d.Tasks {
		t := rec.Task
		if t.Status != conductor.TaskFailed && t.Status != conductor.TaskFailedWithTerminalError {
			continue
		}
		if !refs[t.ReferenceTaskName] {
			refs[t.ReferenceTaskName] = true
			d.Workflow.FailedReferenceTaskNames = append(d.Workflow.FailedReferenceTaskNames, t.ReferenceTaskName)
		}
		if !names[t.TaskDefName] {
			names[t.TaskDefName] = true
			d.Workflow.FailedTaskNames = append(d.Workflow.FailedTaskNames, t.TaskDefName)
		}
	}
}

// childEndReason is the reason a child is terminated with when its ended parent cancels its
// SUB_WORKFLOW task, as Conductor's SubWorkflow.cancel words it: the parent's reason when it
// has one (already masked), else its status.
func (d *Decision) childEndReason() string {
	if r := d.Workflow.ReasonForIncompletion; r != "" {
		return "Parent workflow has been terminated with reason: " + r
	}
	return "Parent workflow has been terminated with status " + string(d.Workflow.Status)
}

// cancelPending cancels every unfinished attempt of an ended workflow.
func (d *Decision) cancelPending() {
	d.loadDormant()
	for _, rec := range d.Tasks {
		if t := rec.Task; !t.Retried && !t.Status.IsTerminal() {
			if t.TaskType == conductor.TaskTypeSubWorkflow && t.SubWorkflowID != "" {
				d.changes.EndChildren = append(d.changes.EndChildren, ChildEnd{WorkflowID: t.SubWorkflowID, Reason: d.childEndReason()})
			}
			d.finishLoopOutput(rec)
			d.Finish(rec, conductor.TaskCanceled, "")
			t.Executed = true
		}
	}
}

// startFailureWorkflow queues the start of the definition's failureWorkflow (§3.6).
func (d *Decision) startFailureWorkflow(cause *conductor.Task) {
	name := d.Def.FailureWorkflow
	if rest, ok := strings.CutPrefix(name, "$workflow.input."); ok {
		name, _ = d.Workflow.Input[rest].(string)
	}
	if name == "" {
		return
	}
	input := map[string]any{}
	for k, v := range d.Workflow.Input {
		input[k] = v
	}
	input["workflowId"] = d.Workflow.WorkflowID
	input["reason"] = d.Workflow.ReasonForIncompletion
	input["failureStatus"] = string(d.Workflow.Status)
	if cause != nil {
		input["failureTaskId"] = cause.TaskID
	}
	d.loadHistory()
	d.load(d.Tasks...)
	failed := *d.Workflow
	failed.Tasks = nil
	for _, rec := range d.Tasks {
		failed.Tasks = append(failed.Tasks, rec.Task)
	}
	failed.Normalize()
	input["failedWorkflow"] = &failed
	d.changes.Starts = append(d.changes.Starts, &conductor.StartWorkflowRequest{
		Name: name, Version: d.Def.FailureWorkflowVersion, Input: input,
		CorrelationID: d.Workflow.CorrelationID, TaskToDomain: d.Workflow.TaskToDomain, RunAs: d.RunAs,
	})
}

// NextCheckAt is when the sweeper must decide this workflow again: its timeout, a WAIT
// deadline or a poll timeout. Lease expiries are swept separately.
func (d *Decision) NextCheckAt() *time.Time {
	if d.Workflow.Status.IsTerminal() {
		return nil
	}
	var next *time.Time
	consider := func(t time.Time) {
		if next == nil || t.Before(*next) {
			next = &t
		}
	}
	if d.Def.TimeoutSeconds > 0 && d.Def.TimeoutPolicy == conductor.WorkflowTimeOutWF {
		start := max(d.Workflow.CreateTime, d.Workflow.LastRetriedTime)
		consider(time.UnixMilli(start + d.Def.TimeoutSeconds*1000))
	}
	if d.dormant > 0 && d.prevCheck != nil {
		consider(*d.prevCheck) // the timers of the attempts left unread stand as they were
	}
	for _, rec := range d.Tasks {
		t := rec.Task
		if t.Retried || t.Status.IsTerminal() || t.WorkflowTask == nil {
			continue
		}
		if t.TaskType == conductor.TaskTypeWait && rec.VisibleAt != nil {
			consider(*rec.VisibleAt)
		}
		if t.TaskType == conductor.TaskTypeSubWorkflow && t.Status == conductor.TaskInProgress {
			consider(d.Now.Add(childCheckInterval))
		}
		def := d.TaskDefOf(t.WorkflowTask)
		if def.TimeoutPolicy == conductor.TaskTimeoutAlertOnly {
			continue // nothing happens at the deadline but a log line
		}
		if deadline, ok := RunDeadline(t, def); ok {
			consider(time.UnixMilli(deadline))
		}
		if deadline, ok := pollDeadline(t, def, d.IsWorkerTask(t.WorkflowTask)); ok {
			consider(time.UnixMilli(deadline))
		}
	}
	return next
}

// joinReasons appends a second reason to a first one.
func joinReasons(first, second string) string {
	if first == "" {
		return second
	}
	return first + "; " + second
}
