package engine

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
	"github.com/podiumhq/podium/store"
)

// maxDecidePasses bounds one decision; a definition that keeps scheduling inline work beyond
// it (a runaway loop) fails rather than holding the lock forever.
const maxDecidePasses = 10_000

// decide advances the execution to a fixed point: timeouts and retries applied, successors of
// finished tasks scheduled, inline system tasks run, and the workflow ended when nothing is left.
func (x *execution) decide() {
	x.live = x.live[:0]
	for _, rec := range x.tasks {
		if !rec.Task.Executed && !rec.Task.Retried {
			x.live = append(x.live, rec)
		}
	}
	for range maxDecidePasses {
		if x.ctx != nil && x.ctx.Err() != nil {
			// The request is gone: stop deciding. Nothing is saved, as the caller sees the error.
			return
		}
		if x.wf.Status.IsTerminal() {
			x.cancelPending()
			return
		}
		if x.checkWorkflowTimeout() {
			continue
		}
		if x.wf.Status == conductor.WorkflowPaused {
			return
		}
		progressed := x.advance()
		if x.wf.Status.IsTerminal() {
			continue
		}
		if x.runInline() {
			progressed = true
		}
		if !progressed {
			if !x.hasPending() {
				x.complete()
				continue
			}
			return
		}
	}
	x.end(conductor.WorkflowFailed, "workflow decision did not converge (runaway inline tasks)", nil)
	x.cancelPending()
}

// advance applies timeouts and retries to each current attempt, and schedules the successors of
// those that finished. It reports whether anything changed.
func (x *execution) advance() bool {
	progressed := false
	for _, rec := range x.liveTasks() {
		t := rec.Task
		if t.Retried || t.Executed {
			continue
		}
		if !t.Status.IsTerminal() {
			x.checkTaskTimeouts(rec)
			if !t.Status.IsTerminal() {
				continue
			}
		}
		if x.wf.Status.IsTerminal() {
			return true
		}
		if !t.Status.IsSuccessful() {
			if x.retry(rec) {
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
				x.markDirty(rec)
				x.failByTask(t)
				return true
			}
		}
		t.Executed = true
		x.markDirty(rec)
		progressed = true
		if t.TaskType == conductor.TaskTypeTerminate && t.Status == conductor.TaskCompleted {
			x.endByTerminate(t)
			return true
		}
		for _, next := range x.successors(t) {
			x.schedule(next)
		}
	}
	return progressed
}

// successors returns what to schedule after a finished attempt: the chosen branch of a switch,
// otherwise the next task in the definition.
func (x *execution) successors(t *conductor.Task) []*conductor.WorkflowTask {
	wt := t.WorkflowTask
	if wt != nil && (wt.Type == conductor.TaskTypeSwitch || wt.Type == conductor.TaskTypeDecision) && t.Status == conductor.TaskCompleted {
		if branch := x.chosenBranch(t); len(branch) > 0 {
			return []*conductor.WorkflowTask{&branch[0]}
		}
	}
	if next := x.nextAfter(t.ReferenceTaskName); next != nil {
		return []*conductor.WorkflowTask{next}
	}
	return nil
}

// liveTasks drops executed and superseded attempts from x.live and returns a copy of it to
// iterate over while the pass adds attempts.
func (x *execution) liveTasks() []*store.TaskRecord {
	kept := x.live[:0]
	for _, rec := range x.live {
		if !rec.Task.Executed && !rec.Task.Retried {
			kept = append(kept, rec)
		}
	}
	clear(x.live[len(kept):])
	x.live = kept
	return slices.Clone(kept)
}

// hasPending reports whether any current attempt is unfinished.
func (x *execution) hasPending() bool {
	for _, rec := range x.live {
		if !rec.Task.Retried && !rec.Task.Status.IsTerminal() {
			return true
		}
	}
	return false
}

// retry schedules the next attempt of a failed task when its retry policy allows one.
func (x *execution) retry(rec *store.TaskRecord) bool {
	t := rec.Task
	wt := t.WorkflowTask
	if wt == nil || !t.Status.IsRetriable() {
		return false
	}
	switch wt.Type {
	case conductor.TaskTypeSwitch, conductor.TaskTypeDecision, conductor.TaskTypeForkJoin, conductor.TaskTypeJoin,
		conductor.TaskTypeExclusiveJoin, conductor.TaskTypeDoWhile, conductor.TaskTypeTerminate:
		return false
	}
	def := x.e.taskDefOf(wt)
	allowed := def.RetryCount
	if wt.RetryCount != nil {
		allowed = *wt.RetryCount
	}
	if t.RetryCount >= allowed {
		return false
	}
	if def.TotalTimeoutSeconds > 0 && x.firstAttemptStart(t.ReferenceTaskName) > 0 &&
		x.now.UnixMilli()-x.firstAttemptStart(t.ReferenceTaskName) >= def.TotalTimeoutSeconds*1000 {
		return false
	}
	delay := retryDelay(def, t.RetryCount)
	next := &conductor.Task{
		TaskID:               newID(),
		ReferenceTaskName:    t.ReferenceTaskName,
		TaskDefName:          t.TaskDefName,
		WorkflowInstanceID:   t.WorkflowInstanceID,
		WorkflowType:         t.WorkflowType,
		CorrelationID:        t.CorrelationID,
		WorkflowPriority:     t.WorkflowPriority,
		ScheduledTime:        x.now.UnixMilli(),
		WorkflowTask:         wt,
		RetryCount:           t.RetryCount + 1,
		RetriedTaskID:        t.TaskID,
		Iteration:            t.Iteration,
		CallbackAfterSeconds: int64(delay / time.Second),
		StartDelayInSeconds:  int(delay / time.Second),
	}
	nextRec := &store.TaskRecord{Task: next}
	x.prepare(nextRec, wt, delay)
	t.Retried = true
	t.Executed = true
	x.markDirty(rec)
	x.add(nextRec)
	return true
}

// firstAttemptStart is the start time (ms) of the first attempt of ref, 0 if never started.
func (x *execution) firstAttemptStart(ref string) int64 {
	x.fetchSettled(store.SettledFilter{Ref: ref})
	for _, rec := range x.tasks {
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
func (x *execution) checkTaskTimeouts(rec *store.TaskRecord) {
	t := rec.Task
	wt := t.WorkflowTask
	if wt == nil {
		return
	}
	if t.TaskType == conductor.TaskTypeWait {
		if rec.VisibleAt != nil && !x.now.Before(*rec.VisibleAt) {
			x.finish(rec, conductor.TaskCompleted, "")
		}
		return
	}
	if t.Status == conductor.TaskInProgress && rec.LeaseUntil != nil && !x.now.Before(*rec.LeaseUntil) && !x.e.isWorkerTask(wt) &&
		!runTimedOut(t, x.e.taskDefOf(wt), x.now) {
		// The internal worker running it died: hand it to another one (unless its run
		// timeout passed too, which the timeout below applies).
		t.Status = conductor.TaskScheduled
		rec.QueueName, rec.VisibleAt, rec.LeaseUntil = systemQueue(t.TaskType), &x.now, nil
		x.queues[rec.QueueName] = true
		x.markDirty(rec)
		return
	}
	def := x.e.taskDefOf(wt)
	now := x.now.UnixMilli()
	// Conductor's order: run timeout, then poll timeout, then response timeout.
	if deadline, ok := runDeadline(t, def); ok && now >= deadline {
		x.timeoutByPolicy(rec, def, fmt.Sprintf("Task timed out after %d seconds. Timeout configured as %d seconds. Timeout policy configured to %s",
			(now-t.StartTime)/1000, def.TimeoutSeconds, def.TimeoutPolicy))
		if t.Status.IsTerminal() {
			return
		}
	}
	if deadline, ok := pollDeadline(t, def, x.e.isWorkerTask(wt)); ok && now >= deadline {
		x.timeoutByPolicy(rec, def, fmt.Sprintf("Task poll timed out after %d seconds. Poll timeout configured as %d seconds",
			(now-t.ScheduledTime)/1000, *def.PollTimeoutSeconds))
		if t.Status.IsTerminal() {
			return
		}
	}
	if t.Status == conductor.TaskInProgress && x.e.isWorkerTask(wt) && def.ResponseTimeoutSeconds > 0 &&
		now-t.UpdateTime >= (def.ResponseTimeoutSeconds+t.CallbackAfterSeconds)*1000 {
		x.finish(rec, conductor.TaskTimedOut, fmt.Sprintf("responseTimeoutSeconds: %d exceeded", def.ResponseTimeoutSeconds))
	}
}

// runTimedOut reports whether an attempt's timeoutSeconds passed at now.
func runTimedOut(t *conductor.Task, def *conductor.TaskDef, now time.Time) bool {
	deadline, ok := runDeadline(t, def)
	return ok && now.UnixMilli() >= deadline
}

// runDeadline is when a started, unfinished attempt exceeds its definition's timeoutSeconds.
func runDeadline(t *conductor.Task, def *conductor.TaskDef) (int64, bool) {
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

// timeoutByPolicy times out an attempt as its definition's timeoutPolicy says.
func (x *execution) timeoutByPolicy(rec *store.TaskRecord, def *conductor.TaskDef, reason string) {
	switch def.TimeoutPolicy {
	case conductor.TaskTimeoutAlertOnly:
		x.e.logger.Warn("engine: task timed out (ALERT_ONLY)", "workflow_id", x.wf.WorkflowID, "task_id", rec.Task.TaskID)
	case conductor.TaskTimeOutWF:
		x.finish(rec, conductor.TaskTimedOut, reason)
		rec.Task.Executed = true
		x.end(conductor.WorkflowTimedOut, fmt.Sprintf("Task %s timed out: %s", rec.Task.TaskID, reason), rec.Task)
	default:
		x.finish(rec, conductor.TaskTimedOut, reason)
	}
}

// finish moves an attempt to a terminal status and takes it out of its queue.
func (x *execution) finish(rec *store.TaskRecord, status conductor.TaskStatus, reason string) {
	t := rec.Task
	t.Status = status
	if reason != "" {
		t.ReasonForIncompletion = truncate(x.mask(reason), 500)
	}
	t.EndTime = x.now.UnixMilli()
	rec.QueueName, rec.VisibleAt, rec.LeaseUntil = "", nil, nil
	x.markDirty(rec)
}

// checkWorkflowTimeout ends a workflow past its timeoutSeconds under TIME_OUT_WF.
func (x *execution) checkWorkflowTimeout() bool {
	secs := x.def.TimeoutSeconds
	if secs <= 0 || x.def.TimeoutPolicy != conductor.WorkflowTimeOutWF {
		return false
	}
	start := max(x.wf.CreateTime, x.wf.LastRetriedTime)
	elapsed := x.now.UnixMilli() - start
	if elapsed < secs*1000 {
		return false
	}
	x.end(conductor.WorkflowTimedOut, fmt.Sprintf(
		"Workflow timed out after %d seconds. Timeout configured as %d seconds. Timeout policy configured to TIME_OUT_WF",
		elapsed/1000, secs), nil)
	return true
}

// failByTask ends the workflow because a task failed for good.
func (x *execution) failByTask(t *conductor.Task) {
	status := conductor.WorkflowFailed
	switch t.Status {
	case conductor.TaskCanceled:
		status = conductor.WorkflowTerminated
	case conductor.TaskTimedOut:
		status = conductor.WorkflowTimedOut
	}
	x.end(status, fmt.Sprintf("Task %s failed with status: %s and reason: '%s'", t.TaskID, t.Status, t.ReasonForIncompletion), t)
}

// complete ends a workflow whose tasks all finished, failing it instead when a permissive task
// failed along the way.
func (x *execution) complete() {
	x.loadHistory()
	for _, rec := range x.tasks {
		t := rec.Task
		if !t.Retried && t.WorkflowTask != nil && t.WorkflowTask.Permissive && !t.WorkflowTask.Optional && !t.Status.IsSuccessful() {
			x.load(rec) // for its reason
			x.failByTask(t)
			return
		}
	}
	x.end(conductor.WorkflowCompleted, "", nil)
}

// endByTerminate ends the workflow as a completed TERMINATE task asks.
func (x *execution) endByTerminate(t *conductor.Task) {
	status := conductor.WorkflowStatus(fmt.Sprint(t.InputData["terminationStatus"]))
	reason, _ := t.InputData["terminationReason"].(string)
	if reason == "" && status == conductor.WorkflowCompleted {
		reason = "Workflow is COMPLETED by TERMINATE task: " + t.TaskID
	}
	x.end(status, reason, t)
	x.wf.Output = x.shownOutput(x.realTaskOutput(x.task(t.TaskID)))
}

// shownOutput is a workflow output as stored and shown: secret material and maskedFields masked.
func (x *execution) shownOutput(out map[string]any) map[string]any {
	x.addMasks(func(r *secret.Redactor) { r.SecretsUnder(out) })
	return secret.MaskFields(x.sec.redactor.Map(out), x.def.MaskedFields)
}

// end moves the workflow to a terminal status: output computed, failed names recorded, pending
// tasks canceled, and the failure workflow started when the decider ended it unsuccessfully.
//
// An output over the payload limit is not stored: the output is empty and a workflow that
// would have COMPLETED is FAILED with the reason naming the output's size; any other end keeps
// its status, its reason telling of the dropped output too.
func (x *execution) end(status conductor.WorkflowStatus, reason string, cause *conductor.Task) {
	out, tooLarge := x.boundedWorkflowOutput(x.workflowOutput())
	switch {
	case tooLarge == "":
	case status == conductor.WorkflowCompleted:
		status, reason = conductor.WorkflowFailed, tooLarge
	default:
		reason = joinReasons(reason, tooLarge)
	}
	wf := x.wf
	wf.Status = status
	wf.ReasonForIncompletion = x.mask(reason)
	wf.EndTime = x.now.UnixMilli()
	wf.Output = x.shownOutput(out)
	x.recordFailedNames()
	x.touch()
	x.cancelPending()
	if status != conductor.WorkflowCompleted && x.def.FailureWorkflow != "" {
		x.startFailureWorkflow(cause)
	}
}

// workflowOutput evaluates outputParameters, or takes the last task's output (§3.6).
func (x *execution) workflowOutput() map[string]any {
	x.loadHistory()
	if len(x.def.OutputParameters) > 0 {
		out, err := expr.EvaluateMap(x.def.OutputParameters, x.env("", x.def.OutputParameters))
		if err == nil {
			return out
		}
	}
	for i := len(x.tasks) - 1; i >= 0; i-- {
		if t := x.tasks[i].Task; t.Status.IsTerminal() {
			return x.realTaskOutput(x.tasks[i])
		}
	}
	return map[string]any{}
}

func (x *execution) recordFailedNames() {
	x.loadHistory()
	var failed []*store.TaskRecord
	for _, rec := range x.tasks {
		if s := rec.Task.Status; s == conductor.TaskFailed || s == conductor.TaskFailedWithTerminalError {
			failed = append(failed, rec)
		}
	}
	x.load(failed...) // for their task definition names
	refs, names := map[string]bool{}, map[string]bool{}
	x.wf.FailedReferenceTaskNames, x.wf.FailedTaskNames = nil, nil
	for _, rec := range x.tasks {
		t := rec.Task
		if t.Status != conductor.TaskFailed && t.Status != conductor.TaskFailedWithTerminalError {
			continue
		}
		if !refs[t.ReferenceTaskName] {
			refs[t.ReferenceTaskName] = true
			x.wf.FailedReferenceTaskNames = append(x.wf.FailedReferenceTaskNames, t.ReferenceTaskName)
		}
		if !names[t.TaskDefName] {
			names[t.TaskDefName] = true
			x.wf.FailedTaskNames = append(x.wf.FailedTaskNames, t.TaskDefName)
		}
	}
}

// cancelPending cancels every unfinished attempt of an ended workflow.
func (x *execution) cancelPending() {
	for _, rec := range x.tasks {
		if t := rec.Task; !t.Retried && !t.Status.IsTerminal() {
			x.finish(rec, conductor.TaskCanceled, "")
			t.Executed = true
		}
	}
}

// startFailureWorkflow queues the start of the definition's failureWorkflow (§3.6).
func (x *execution) startFailureWorkflow(cause *conductor.Task) {
	name := x.def.FailureWorkflow
	if rest, ok := strings.CutPrefix(name, "$workflow.input."); ok {
		name, _ = x.wf.Input[rest].(string)
	}
	if name == "" {
		return
	}
	input := map[string]any{}
	for k, v := range x.wf.Input {
		input[k] = v
	}
	input["workflowId"] = x.wf.WorkflowID
	input["reason"] = x.wf.ReasonForIncompletion
	input["failureStatus"] = string(x.wf.Status)
	if cause != nil {
		input["failureTaskId"] = cause.TaskID
	}
	x.loadHistory()
	x.load(x.tasks...)
	failed := *x.wf
	failed.Tasks = nil
	for _, rec := range x.tasks {
		failed.Tasks = append(failed.Tasks, rec.Task)
	}
	failed.Normalize()
	input["failedWorkflow"] = &failed
	x.toStart = append(x.toStart, &conductor.StartWorkflowRequest{
		Name: name, Version: x.def.FailureWorkflowVersion, Input: input,
		CorrelationID: x.wf.CorrelationID, TaskToDomain: x.wf.TaskToDomain, RunAs: x.rec.RunAs,
	})
}

// nextCheckAt is when the sweeper must decide this workflow again: its timeout, a WAIT
// deadline or a poll timeout. Lease expiries are swept separately.
func (x *execution) nextCheckAt() *time.Time {
	if x.wf.Status.IsTerminal() {
		return nil
	}
	var next *time.Time
	consider := func(t time.Time) {
		if next == nil || t.Before(*next) {
			next = &t
		}
	}
	if x.def.TimeoutSeconds > 0 && x.def.TimeoutPolicy == conductor.WorkflowTimeOutWF {
		start := max(x.wf.CreateTime, x.wf.LastRetriedTime)
		consider(time.UnixMilli(start + x.def.TimeoutSeconds*1000))
	}
	for _, rec := range x.tasks {
		t := rec.Task
		if t.Retried || t.Status.IsTerminal() || t.WorkflowTask == nil {
			continue
		}
		if t.TaskType == conductor.TaskTypeWait && rec.VisibleAt != nil {
			consider(*rec.VisibleAt)
		}
		def := x.e.taskDefOf(t.WorkflowTask)
		if def.TimeoutPolicy == conductor.TaskTimeoutAlertOnly {
			continue // nothing happens at the deadline but a log line
		}
		if deadline, ok := runDeadline(t, def); ok {
			consider(time.UnixMilli(deadline))
		}
		if deadline, ok := pollDeadline(t, def, x.e.isWorkerTask(t.WorkflowTask)); ok {
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

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}
