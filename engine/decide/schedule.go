package decide

import (
	"fmt"
	"strings"
	"time"

	"github.com/podiumhq/podium/internal/conductor"
	"github.com/podiumhq/podium/internal/expr"
)

// SystemQueuePrefix prefixes the queues internal workers claim async system tasks from, so
// they never mix with worker queues (named after task names).
const SystemQueuePrefix = "_system:"

// SystemQueue returns the internal queue of an async system task type.
func SystemQueue(taskType string) string { return SystemQueuePrefix + taskType }

// IsWorkerTask reports whether wt is executed by an external worker polling its name.
func (d *Decision) IsWorkerTask(wt *conductor.WorkflowTask) bool {
	return d.cfg.RunnerOf(wt.Type) == ByWorker
}

// TaskDefOf returns the task definition governing wt: its inline or snapshot definition, or
// Conductor's ad-hoc defaults (SIMPLE tasks get the TaskDef defaults, system tasks no retries).
func (d *Decision) TaskDefOf(wt *conductor.WorkflowTask) *conductor.TaskDef {
	return TaskDefOf(wt, d.IsWorkerTask(wt))
}

// TaskDefOf is the task definition governing wt, executed by a worker or not.
func TaskDefOf(wt *conductor.WorkflowTask, worker bool) *conductor.TaskDef {
	if wt.TaskDefinition != nil {
		return wt.TaskDefinition
	}
	def := conductor.NewTaskDef(wt.Name)
	if !worker {
		def.RetryCount = 0
		def.ResponseTimeoutSeconds = 0
	}
	return &def
}

// Schedule creates the first attempt of wt. A task skipped ahead of time is not created: the
// workflow moves on to what follows it.
func (d *Decision) Schedule(wt *conductor.WorkflowTask) { d.scheduleIn(wt, loopCtx{}) }

// scheduleIn creates the first attempt of wt where c says: outside loops, or in a DO_WHILE
// iteration, whose suffix its reference name takes.
func (d *Decision) scheduleIn(wt *conductor.WorkflowTask, c loopCtx) {
	ref := wt.TaskReferenceName + c.suffix
	// A skipped attempt is always loaded (State.Tasks): no need to read the history.
	if prev := d.loaded(ref); prev != nil && prev.Task.Status == conductor.TaskSkipped {
		for _, next := range d.successors(prev.Task) {
			d.scheduleIn(next, c)
		}
		return
	}
	t := &conductor.Task{
		TaskID:              d.newID(),
		ReferenceTaskName:   ref,
		TaskDefName:         wt.Name,
		WorkflowInstanceID:  d.Workflow.WorkflowID,
		WorkflowType:        d.Workflow.WorkflowName,
		CorrelationID:       d.Workflow.CorrelationID,
		WorkflowPriority:    d.Workflow.Priority,
		ScheduledTime:       d.Now.UnixMilli(),
		WorkflowTask:        wt,
		StartDelayInSeconds: wt.StartDelay,
		Iteration:           c.iteration,
	}
	rec := &Attempt{Task: t}
	d.Prepare(rec, wt, time.Duration(wt.StartDelay)*time.Second)
	switch wt.Type {
	case conductor.TaskTypeForkJoin:
		d.scheduleFork(wt, rec)
	case conductor.TaskTypeDoWhile:
		d.startLoop(rec)
	case conductor.TaskTypeForkJoinDynamic:
		d.scheduleDynamicFork(wt, rec)
	case conductor.TaskTypeDynamic:
		d.scheduleDynamicTask(wt, rec, c)
	default:
		d.Add(rec)
	}
}

// Prepare sets the type, status, input and queue of a new attempt of wt made visible after delay.
func (d *Decision) Prepare(rec *Attempt, wt *conductor.WorkflowTask, delay time.Duration) {
	t := rec.Task
	def := d.TaskDefOf(wt)
	t.TaskType = wt.Type
	t.Status = conductor.TaskScheduled
	t.RateLimitPerFrequency = def.RateLimitPerFrequency
	t.RateLimitFrequencyInSec = def.RateLimitFrequencyInSeconds
	t.ResponseTimeoutSeconds = def.ResponseTimeoutSeconds
	if wt.TaskDefinition != nil {
		t.TaskDefinition = wt.TaskDefinition
	}
	if n := d.index.Node(wt.TaskReferenceName); n == nil || n.Task != wt {
		rec.KeepWorkflowTask = true // generated at run time (a dynamic fork's branch): stored with the task
	}
	d.sec.missing, d.sec.denied = nil, nil
	real, err := rec.givenInput, error(nil)
	if real == nil {
		real, err = d.evaluateInput(wt, def, t.TaskID)
	}
	rec.givenInput = nil
	if d.err != nil {
		return // something the input needs could not be read: the decision is abandoned
	}
	if err != nil {
		d.SetTaskInput(rec, map[string]any{})
		d.Finish(rec, conductor.TaskFailedWithTerminalError, "Error evaluating the input parameters: "+err.Error())
		return
	}
	if reason := d.taskPayloadError(rec, payloadInput, real); reason != "" {
		d.failOversizedTask(rec, payloadInput, reason)
		return
	}
	d.SetTaskInput(rec, real)
	if len(d.sec.denied) > 0 {
		d.Finish(rec, conductor.TaskFailedWithTerminalError, d.securityError(d.sec.denied[0], "EXECUTE", "READ"))
		return
	}
	if len(d.sec.missing) > 0 {
		// Resolved nothing for an absent secret: fail for good, naming the secret only.
		d.Finish(rec, conductor.TaskFailedWithTerminalError, fmt.Sprintf("Secret %s is not defined", d.sec.missing[0]))
		return
	}
	switch wt.Type {
	case conductor.TaskTypeJoin:
		// A JOIN waits on its joinOn (its only input, as in Conductor), evaluated by the
		// decider whenever the workflow is decided.
		d.SetTaskInput(rec, map[string]any{"joinOn": stringList(wt.JoinOn)})
		t.Status, t.StartTime = conductor.TaskInProgress, d.Now.UnixMilli()
		return
	case conductor.TaskTypeExclusiveJoin:
		d.SetTaskInput(rec, map[string]any{"joinOn": stringList(wt.JoinOn), "defaultExclusiveJoinTask": stringList(wt.DefaultExclusiveJoinTask)})
		t.Status, t.StartTime = conductor.TaskInProgress, d.Now.UnixMilli()
		return
	}
	if d.cfg.RunnerOf(wt.Type) == Unsupported {
		// Registration refuses such types; a definition stored before that rule still never
		// turns a system type into a worker queue.
		d.Finish(rec, conductor.TaskFailedWithTerminalError, conductor.UnsupportedTypeMessage(wt))
		return
	}
	visible := d.Now.Add(delay)

	switch {
	case d.IsWorkerTask(wt):
		if wt.Type == conductor.TaskTypeSimple || wt.Type == "" {
			t.TaskType = wt.Name
		}
		t.Domain = d.domainFor(wt.Name)
		rec.QueueName = QueueName(t.Domain, t.TaskType)
		rec.VisibleAt = &visible
		rec.ResponseTimeoutSeconds = def.ResponseTimeoutSeconds
		rec.TimeoutSeconds = def.TimeoutSeconds
	default:
		if d.cfg.RunnerOf(wt.Type) == ByAsyncHandler {
			rec.QueueName = SystemQueue(wt.Type)
			rec.VisibleAt = &visible
			rec.TimeoutSeconds = def.TimeoutSeconds
			rec.ResponseTimeoutSeconds = int64(max(d.cfg.SystemTaskLease/time.Second, 1))
		}
	}
}

// QueueName is the queue a worker task waits in: its type, prefixed by its domain if any.
func QueueName(domain, taskType string) string {
	if domain == "" {
		return taskType
	}
	return domain + ":" + taskType
}

// activeWorkerWindow is how recently a worker must have polled a domain for a comma list of
// domains to pick it (Conductor's activeWorkerLastPollTimeout).
const activeWorkerWindow = 10 * time.Second

// domainFor picks the domain of a worker task from the workflow's taskToDomain, as Conductor
// does: the entry of the task name, else "*"; of a comma list, the first domain a worker
// polled within activeWorkerWindow, else the last one; NO_DOMAIN means none.
func (d *Decision) domainFor(name string) string {
	spec, ok := d.Workflow.TaskToDomain[name]
	if !ok {
		spec = d.Workflow.TaskToDomain["*"]
	}
	domains := strings.Split(spec, ",")
	for i := range domains {
		domains[i] = strings.TrimSpace(domains[i])
	}
	pick := domains[len(domains)-1]
	if len(domains) > 1 {
		for _, domain := range domains {
			if domain == "NO_DOMAIN" || domain == "" {
				continue
			}
			active, err := d.r.Polled(name, domain, d.Now.Add(-activeWorkerWindow))
			if err != nil {
				d.Abort(err)
				break
			}
			if active {
				pick = domain
				break
			}
		}
	}
	if pick == "NO_DOMAIN" {
		return ""
	}
	return pick
}

// evaluateInput resolves wt's inputParameters, with the task definition's inputTemplate filling
// absent keys and keys that resolved to null.
// An expression that cannot be evaluated is an error: the task is not run with a guess.
func (d *Decision) evaluateInput(wt *conductor.WorkflowTask, def *conductor.TaskDef, taskID string) (map[string]any, error) {
	env := d.env(taskID, wt.InputParameters, def.InputTemplate)
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
func (d *Decision) env(taskID string, values ...any) *expr.Env {
	return &expr.Env{Doc: d.document(neededRoots(values...)), TaskID: taskID, Params: d.cfg.Params, Lookup: d.lookupSecret}
}

// nextAfter returns the WorkflowTask that follows ref in the definition, climbing out of
// switch branches; nil at the end of the workflow.
func (d *Decision) nextAfter(ref string) *conductor.WorkflowTask {
	base, _, _ := CutLoopSuffix(ref)
	n := d.index.Node(base)
	for n != nil {
		if n.Position+1 < len(n.List) {
			return &n.List[n.Position+1]
		}
		if n.Parent == nil {
			return nil
		}
		switch n.Parent.Task.Type {
		case conductor.TaskTypeSwitch, conductor.TaskTypeDecision:
			n = n.Parent
		default:
			return nil // other containers decide themselves what follows their body
		}
	}
	return nil
}

// stringList is a list of strings as decoded JSON holds it.
func stringList(list []string) []any {
	out := make([]any, len(list))
	for i, s := range list {
		out[i] = s
	}
	return out
}
