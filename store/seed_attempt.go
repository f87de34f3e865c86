package store

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/podiumhq/podium/internal/conductor"
)

// The attempts of a seeded execution, written as the engine writes them: one attempt per
// try of a step, superseded attempts marked retried, times in order, nothing after x.now.

// attempt makes up a finished attempt of st ending in status (with reason when it failed);
// a failed earlier attempt of the same step is superseded by it, as a retry.
func (x *seedExecution) attempt(st *seedStep, status conductor.TaskStatus, reason string) *seedAttempt {
	a := x.schedule(st)
	t := &a.task
	switch {
	case st.isWorker():
		a.claim(x, x.seedWorker(st))
		if status == conductor.TaskTimedOut {
			x.clock = t.StartTime + conductor.TaskDefResponseTimeoutSecondsDefault*1000
		} else {
			x.clock = t.StartTime + x.duration(20, 3_000, 60_000)
		}
	case st.isAsync():
		a.claim(x, seedInternalWorker)
		x.clock = t.StartTime + x.duration(30, 1_500, 20_000)
		if status == conductor.TaskTimedOut {
			x.clock = t.StartTime + seedSystemLeaseSeconds*1000
		}
	default:
		t.StartTime = x.at(t.ScheduledTime + int64(x.between(0, 2)))
		x.clock = t.StartTime + int64(x.between(0, 3))
	}
	t.Status, t.ReasonForIncompletion, t.Executed = status, reason, true
	t.EndTime = x.at(x.clock)
	t.UpdateTime = t.EndTime
	a.queue, a.visibleAt = "", 0
	switch {
	case status.IsSuccessful():
		t.OutputData = x.output(st)
	case status == conductor.TaskTimedOut:
	case st.isAsync():
		code := 500 + 3*x.r.IntN(2)
		t.OutputData = x.response(code, seedDoc{"error": x.text(x.between(10, 80))})
		t.ReasonForIncompletion = fmt.Sprintf("HTTP request failed with status code %d", code)
	default:
		t.OutputData = map[string]any{"error": reason, "retryable": status == conductor.TaskFailed}
	}
	x.clock += int64(x.between(1, 25)) // the decision that follows
	return a
}

// schedule adds a new attempt of st, scheduled at the execution's clock; it supersedes the
// step's previous attempt if that one failed.
func (x *seedExecution) schedule(st *seedStep) *seedAttempt {
	wt := &st.task
	a := &seedAttempt{}
	t := &a.task
	t.TaskType, t.TaskDefName, t.ReferenceTaskName = wt.Type, wt.Name, wt.TaskReferenceName
	t.Seq = len(x.tasks) + 1
	t.ScheduledTime = x.at(x.clock)
	if len(x.tasks) > 0 {
		if prev := x.last(); prev.task.ReferenceTaskName == wt.TaskReferenceName && !prev.task.Status.IsSuccessful() {
			prev.task.Retried = true
			t.RetryCount, t.RetriedTaskID = prev.task.RetryCount+1, prev.task.TaskID
			t.StartDelayInSeconds = conductor.TaskDefRetryDelaySecondsDefault
			t.ScheduledTime = prev.task.EndTime
			x.clock = prev.task.EndTime + conductor.TaskDefRetryDelaySecondsDefault*1000
		}
	}
	a.id = seedUUIDv7(t.ScheduledTime, x.r)
	t.TaskID = a.id.String()
	t.WorkflowInstanceID, t.WorkflowType = x.wf.WorkflowID, x.wf.WorkflowName
	t.CorrelationID, t.WorkflowPriority = x.wf.CorrelationID, x.wf.Priority
	t.CallbackFromWorker, t.RateLimitFrequencyInSec = true, conductor.TaskDefRateLimitFrequencySecsDefault
	t.Status, t.UpdateTime = conductor.TaskScheduled, t.ScheduledTime
	t.InputData = x.resolveMap(wt.InputParameters)
	t.OutputData = map[string]any{}
	if st.isWorker() {
		t.TaskType = wt.Name
		t.ResponseTimeoutSeconds = conductor.TaskDefResponseTimeoutSecondsDefault
		a.responseTimeout = t.ResponseTimeoutSeconds
		a.queue, a.visibleAt = t.TaskType, t.ScheduledTime
	}
	if st.isAsync() {
		a.responseTimeout = int64(seedSystemLeaseSeconds)
		a.queue, a.visibleAt = seedSystemQueuePrefix+wt.Type, t.ScheduledTime
	}
	if wt.Type == conductor.TaskTypeSwitch {
		t.InputData["case"] = x.route
	}
	x.tasks = append(x.tasks, a)
	return a
}

// seedSystemLeaseSeconds is the lease the internal workers take on a system task (the
// engine's default SystemTaskLease); seedSystemQueuePrefix names their queues (the engine's
// decide.SystemQueuePrefix).
const (
	seedSystemLeaseSeconds = 15
	seedSystemQueuePrefix  = "_system:"
)

// pending adds an attempt of st still waiting in its queue.
func (x *seedExecution) pending(st *seedStep) *seedAttempt { return x.schedule(st) }

// claim makes a scheduled attempt claimed by worker after a wait in the queue.
func (a *seedAttempt) claim(x *seedExecution, worker string) {
	t := &a.task
	wait := x.duration(2, 400, 30_000)
	if worker == seedInternalWorker {
		wait = int64(x.between(1, 40))
	}
	t.StartTime = x.at(max(t.ScheduledTime, x.clock) + wait)
	t.Status, t.PollCount, t.WorkerID, t.UpdateTime = conductor.TaskInProgress, 1, worker, t.StartTime
	t.QueueWaitTime = t.StartTime - t.ScheduledTime
	a.startedAt = t.StartTime
}

// cancel ends an unfinished attempt as a terminated execution does.
func (x *seedExecution) cancel(a *seedAttempt) {
	t := &a.task
	t.Status, t.Executed = conductor.TaskCanceled, true
	t.EndTime = x.at(max(x.clock, t.StartTime, t.ScheduledTime))
	t.UpdateTime = t.EndTime
	a.queue, a.visibleAt = "", 0
}

// finish ends the execution in status.
func (x *seedExecution) finish(status conductor.WorkflowStatus, reason string) {
	wf := &x.wf
	wf.Status, wf.ReasonForIncompletion = status, reason
	wf.EndTime = x.at(x.clock)
	wf.UpdateTime = wf.EndTime
	wf.Output = x.resolveMap(x.shape.outputParameters)
	refs := map[string]bool{}
	for _, a := range x.tasks {
		t := &a.task
		if (t.Status == conductor.TaskFailed || t.Status == conductor.TaskFailedWithTerminalError) && !refs[t.ReferenceTaskName] {
			refs[t.ReferenceTaskName] = true
			wf.FailedReferenceTaskNames = append(wf.FailedReferenceTaskNames, t.ReferenceTaskName)
			wf.FailedTaskNames = append(wf.FailedTaskNames, t.TaskDefName)
		}
	}
}

// output makes up the output of a successful attempt of st and remembers it for the
// templates of the steps after it.
func (x *seedExecution) output(st *seedStep) map[string]any {
	var out map[string]any
	switch {
	case st.task.Type == conductor.TaskTypeSwitch:
		out = map[string]any{"evaluationResult": []any{x.route}, "selectedCase": x.route}
	case st.output != nil:
		out = st.output(x)
	default:
		out = map[string]any{"done": true}
	}
	if st.task.Type == conductor.TaskTypeSetVariable {
		for k, v := range x.last().task.InputData {
			x.wf.Variables[k] = v
		}
	}
	x.outputs[st.task.TaskReferenceName] = out
	return out
}

// seedWorker returns the worker an attempt of st is claimed by.
func (x *seedExecution) seedWorker(st *seedStep) string {
	return st.task.Name + "@" + x.worker()
}

// duration returns a duration in ms from lo, mostly up to typical, sometimes up to long.
func (x *seedExecution) duration(lo, typical, long int) int64 {
	if x.chance(0.05) {
		return int64(x.between(typical, long))
	}
	return int64(x.between(lo, typical))
}

// resolveMap returns params with their ${…} templates resolved against the execution so far.
func (x *seedExecution) resolveMap(params map[string]any) map[string]any {
	out := make(map[string]any, len(params))
	for k, v := range params {
		out[k] = x.resolve(v)
	}
	return out
}

// resolve resolves the templates of one parameter value: a string that is one ${path} takes
// the value at path (nil when missing), templates inside text are replaced by their text.
func (x *seedExecution) resolve(v any) any {
	switch v := v.(type) {
	case map[string]any:
		return x.resolveMap(v)
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = x.resolve(e)
		}
		return out
	case string:
		if strings.HasPrefix(v, "${") && strings.IndexByte(v, '}') == len(v)-1 {
			return x.lookup(v[2 : len(v)-1])
		}
		return x.interpolate(v)
	}
	return v
}

// interpolate replaces the ${…} templates inside text by the text of their values.
func (x *seedExecution) interpolate(text string) string {
	var b strings.Builder
	for {
		start := strings.Index(text, "${")
		end := strings.IndexByte(text[max(start, 0):], '}')
		if start < 0 || end < 0 {
			b.WriteString(text)
			return b.String()
		}
		end += start
		b.WriteString(text[:start])
		switch value := x.lookup(text[start+2 : end]).(type) {
		case string:
			b.WriteString(value)
		default:
			encoded, _ := json.Marshal(value)
			b.Write(encoded)
		}
		text = text[end+1:]
	}
}

// lookup returns the value at a template path: workflow.input.…, workflow.correlationId or
// <ref>.output.….
func (x *seedExecution) lookup(path string) any {
	parts := strings.Split(path, ".")
	var cur any
	switch {
	case len(parts) >= 2 && parts[0] == "workflow" && parts[1] == "input":
		cur, parts = x.input, parts[2:]
	case len(parts) == 2 && parts[0] == "workflow" && parts[1] == "correlationId":
		return x.wf.CorrelationID
	case len(parts) >= 2 && parts[1] == "output":
		out, ok := x.outputs[parts[0]]
		if !ok {
			return nil
		}
		cur, parts = out, parts[2:]
	default:
		return nil
	}
	for _, p := range parts {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		cur = m[p]
	}
	return cur
}
