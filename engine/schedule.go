package engine

import (
	"fmt"
	"strings"
	"time"

	"github.com/podiumhq/podium/engine/systask"
	"github.com/podiumhq/podium/internal/auth"
	"github.com/podiumhq/podium/internal/conductor"
	"github.com/podiumhq/podium/internal/expr"
	"github.com/podiumhq/podium/store"
)

// systemQueuePrefix prefixes the queues internal workers claim async system tasks from, so
// they never mix with worker queues (named after task names).
const systemQueuePrefix = "_system:"

// systemQueue returns the internal queue of an async system task type.
func systemQueue(taskType string) string { return systemQueuePrefix + taskType }

// isWorkerTask reports whether wt is executed by an external worker polling its name.
func (e *Engine) isWorkerTask(wt *conductor.WorkflowTask) bool {
	return e.systasks.RunnerOf(wt.Type) == systask.ByWorker
}

// taskDefOf returns the task definition governing wt: its inline or snapshot definition, or
// Conductor's ad-hoc defaults (SIMPLE tasks get the TaskDef defaults, system tasks no retries).
func (e *Engine) taskDefOf(wt *conductor.WorkflowTask) *conductor.TaskDef {
	if wt.TaskDefinition != nil {
		return wt.TaskDefinition
	}
	def := conductor.NewTaskDef(wt.Name)
	if !e.isWorkerTask(wt) {
		def.RetryCount = 0
		def.ResponseTimeoutSeconds = 0
	}
	return &def
}

// schedule creates the first attempt of wt. A task skipped ahead of time is not created: the
// workflow moves on to what follows it.
func (x *execution) schedule(wt *conductor.WorkflowTask) {
	if prev := x.latest(wt.TaskReferenceName); prev != nil && prev.Task.Status == conductor.TaskSkipped {
		for _, next := range x.successors(prev.Task) {
			x.schedule(next)
		}
		return
	}
	t := &conductor.Task{
		TaskID:              newID(),
		ReferenceTaskName:   wt.TaskReferenceName,
		TaskDefName:         wt.Name,
		WorkflowInstanceID:  x.wf.WorkflowID,
		WorkflowType:        x.wf.WorkflowName,
		CorrelationID:       x.wf.CorrelationID,
		WorkflowPriority:    x.wf.Priority,
		ScheduledTime:       x.now.UnixMilli(),
		WorkflowTask:        wt,
		StartDelayInSeconds: wt.StartDelay,
	}
	rec := &store.TaskRecord{Task: t}
	x.prepare(rec, wt, time.Duration(wt.StartDelay)*time.Second)
	x.add(rec)
}

// prepare sets the type, status, input and queue of a new attempt of wt made visible after delay.
func (x *execution) prepare(rec *store.TaskRecord, wt *conductor.WorkflowTask, delay time.Duration) {
	t := rec.Task
	def := x.e.taskDefOf(wt)
	t.TaskType = wt.Type
	t.Status = conductor.TaskScheduled
	t.RateLimitPerFrequency = def.RateLimitPerFrequency
	t.RateLimitFrequencyInSec = def.RateLimitFrequencyInSeconds
	t.ResponseTimeoutSeconds = def.ResponseTimeoutSeconds
	if wt.TaskDefinition != nil {
		t.TaskDefinition = wt.TaskDefinition
	}
	x.sec.missing, x.sec.denied = nil, nil
	real, err := x.evaluateInput(wt, def, t.TaskID)
	if err != nil {
		x.setTaskInput(rec, map[string]any{})
		x.finish(rec, conductor.TaskFailedWithTerminalError, "Error evaluating the input parameters: "+err.Error())
		return
	}
	if reason := x.taskPayloadError(rec, payloadInput, real); reason != "" {
		x.failOversizedTask(rec, payloadInput, reason)
		return
	}
	x.setTaskInput(rec, real)
	if len(x.sec.denied) > 0 {
		x.finish(rec, conductor.TaskFailedWithTerminalError, x.securityError(x.sec.denied[0], auth.AccessExecute, auth.AccessRead))
		return
	}
	if len(x.sec.missing) > 0 {
		// Resolved nothing for an absent secret: fail for good, naming the secret only.
		x.finish(rec, conductor.TaskFailedWithTerminalError, fmt.Sprintf("Secret %s is not defined", x.sec.missing[0]))
		return
	}
	if x.e.systasks.RunnerOf(wt.Type) == systask.Unsupported {
		// Registration refuses such types; a definition stored before that rule still never
		// turns a system type into a worker queue.
		x.finish(rec, conductor.TaskFailedWithTerminalError, unsupportedTypeMessage(wt))
		return
	}
	visible := x.now.Add(delay)

	switch {
	case x.e.isWorkerTask(wt):
		if wt.Type == conductor.TaskTypeSimple || wt.Type == "" {
			t.TaskType = wt.Name
		}
		t.Domain = x.domainFor(wt.Name)
		rec.QueueName = queueName(t.Domain, t.TaskType)
		rec.VisibleAt = &visible
		rec.ResponseTimeoutSeconds = def.ResponseTimeoutSeconds
		rec.TimeoutSeconds = def.TimeoutSeconds
	default:
		if h, ok := x.e.systasks.Get(wt.Type); ok && h.Mode() == systask.Async {
			rec.QueueName = systemQueue(wt.Type)
			rec.VisibleAt = &visible
			rec.TimeoutSeconds = def.TimeoutSeconds
			rec.ResponseTimeoutSeconds = int64(max(x.e.systemTaskLease/time.Second, 1))
		}
	}
}

// queueName is the queue a worker task waits in: its type, prefixed by its domain if any.
func queueName(domain, taskType string) string {
	if domain == "" {
		return taskType
	}
	return domain + ":" + taskType
}

// domainFor picks the domain of a worker task from the workflow's taskToDomain: the entry of
// the task name, else "*"; the first domain of a comma list; NO_DOMAIN means none.
func (x *execution) domainFor(name string) string {
	spec, ok := x.wf.TaskToDomain[name]
	if !ok {
		spec = x.wf.TaskToDomain["*"]
	}
	first, _, _ := strings.Cut(spec, ",")
	first = strings.TrimSpace(first)
	if first == "NO_DOMAIN" {
		return ""
	}
	return first
}

// evaluateInput resolves wt's inputParameters, with the task definition's inputTemplate filling
// absent keys and keys that resolved to null.
// An expression that cannot be evaluated is an error: the task is not run with a guess.
func (x *execution) evaluateInput(wt *conductor.WorkflowTask, def *conductor.TaskDef, taskID string) (map[string]any, error) {
	env := x.env(taskID, wt.InputParameters, def.InputTemplate)
	input, err := expr.EvaluateMap(wt.InputParameters, env)
	if err != nil {
		return nil, err
	}
	if len(def.InputTemplate) > 0 {
		tmpl, err := expr.EvaluateMap(def.InputTemplate, env)
		if err != nil {
			return nil, fmt.Errorf("inputTemplate of task definition %s: %w", def.Name, err)
		}
		for k, v := range tmpl {
			if cur, ok := input[k]; !ok || cur == nil {
				input[k] = v
			}
		}
	}
	return input, nil
}

// env returns the expression environment of this execution for evaluating values.
func (x *execution) env(taskID string, values ...any) *expr.Env {
	return &expr.Env{Doc: x.document(neededRoots(values...)), TaskID: taskID, Params: x.e.exprParams, Lookup: x.lookupSecret}
}

// nextAfter returns the WorkflowTask that follows ref in the definition, climbing out of
// switch branches; nil at the end of the workflow.
func (x *execution) nextAfter(ref string) *conductor.WorkflowTask {
	base, _, _ := cutLoopSuffix(ref)
	n := x.nodes[base]
	for n != nil {
		if n.index+1 < len(n.list) {
			return &n.list[n.index+1]
		}
		if n.parent == nil {
			return nil
		}
		switch n.parent.task.Type {
		case conductor.TaskTypeSwitch, conductor.TaskTypeDecision:
			n = n.parent
		default:
			return nil // other containers decide themselves what follows their body
		}
	}
	return nil
}
