package engine

import (
	"context"
	"fmt"

	"github.com/podiumhq/podium/engine/decide"
	"github.com/podiumhq/podium/internal/access"
	"github.com/podiumhq/podium/internal/auth"
	"github.com/podiumhq/podium/internal/conductor"
	"github.com/podiumhq/podium/internal/expr"
	"github.com/podiumhq/podium/store"
)

// Where the message an action reacts to shows in what it starts or updates (as in Conductor).
const (
	eventMessageIDKey = "conductor.event.messageId"
	eventNameKey      = "conductor.event.name"
)

// runAction carries out one action of a handler for one message. The delivery is recorded in
// the transaction of the action's effect (d.claim), with the handler's principal's rights
// checked in it: the effect and its record commit together, once.
func (e *Engine) runAction(ctx context.Context, d *delivery, a *conductor.EventAction) error {
	switch a.Action {
	case conductor.ActionStartWorkflow:
		if a.StartWorkflow != nil {
			return e.eventStartWorkflow(ctx, d, a.StartWorkflow)
		}
	case conductor.ActionCompleteTask:
		if a.CompleteTask != nil {
			return e.eventUpdateTask(ctx, d, a.CompleteTask, conductor.TaskCompleted)
		}
	case conductor.ActionFailTask:
		if a.FailTask != nil {
			return e.eventUpdateTask(ctx, d, a.FailTask, conductor.TaskFailed)
		}
	case conductor.ActionTerminateWorkflow:
		if a.TerminateWorkflow != nil {
			return e.eventTerminate(ctx, d, a.TerminateWorkflow)
		}
	case conductor.ActionUpdateWorkflowVariables:
		if a.UpdateWorkflowVariables != nil {
			return e.eventUpdateVariables(ctx, d, a.UpdateWorkflowVariables)
		}
	}
	return conductor.Invalidf("Action not supported %s for event %s", a.Action, d.event)
}

// resolve evaluates the templates of v against the message payload.
func (d *delivery) resolve(v any) (any, error) {
	return expr.Evaluate(v, &expr.Env{Doc: d.doc})
}

// resolveString evaluates a template against the payload and renders the result as text.
func (d *delivery) resolveString(s string) (string, error) {
	v, err := d.resolve(s)
	switch v := v.(type) {
	case nil:
		return "", err
	case string:
		return v, err
	default:
		return fmt.Sprint(v), err
	}
}

// eventPrincipal reads, in q, the current rights of the handler's principal (nil: unrestricted).
func (e *Engine) eventPrincipal(ctx context.Context, q *store.Queries, d *delivery) (*auth.Principal, error) {
	return e.access.RunAs(ctx, q, d.runAs)
}

// eventStartWorkflow starts the workflow of a start_workflow action, in the transaction that
// records the delivery; its output is the new workflow's id.
func (e *Engine) eventStartWorkflow(ctx context.Context, d *delivery, p *conductor.EventStartWorkflow) error {
	input, err := d.resolve(expr.DeepCopyMap(p.Input))
	if err != nil {
		return conductor.Invalidf("start_workflow: %v", err)
	}
	in, _ := input.(map[string]any)
	if in == nil {
		in = map[string]any{}
	}
	in[eventMessageIDKey], in[eventNameKey] = d.key.MessageID, d.event
	corr, err := d.resolveString(p.CorrelationID)
	if err != nil {
		return conductor.Invalidf("start_workflow: %v", err)
	}
	req := &conductor.StartWorkflowRequest{Name: p.Name, Version: p.Version, CorrelationID: corr, Input: in,
		TaskToDomain: p.TaskToDomain, CreatedBy: d.runAs, RunAs: d.runAs}
	if req.TaskToDomain == nil {
		// Absent from the handler, the payload's taskToDomain (an EVENT task's) applies.
		if ttd, ok := d.payload["taskToDomain"].(map[string]any); ok {
			req.TaskToDomain = map[string]string{}
			for k, v := range ttd {
				if s, ok := v.(string); ok {
					req.TaskToDomain[k] = s
				}
			}
		}
	}
	if err := validateStart(req); err != nil {
		return err
	}
	var started *execution
	err = e.store.InTx(ctx, func(q *store.Queries) error {
		if err := d.claim(ctx, q, e.now()); err != nil {
			return err
		}
		who, err := e.eventPrincipal(ctx, q, d)
		if err != nil {
			return err
		}
		if !access.MayStart(who, p.Name) {
			return conductor.Forbiddenf("Access denied: %s, who saved event handler %s, has no EXECUTE access to workflow %s",
				who.Name, d.key.Handler, p.Name)
		}
		x, existing, err := e.prepareStart(ctx, q, req, e.now())
		if err != nil {
			return err
		}
		id := existing
		if existing == "" {
			if err := x.save(ctx, q); err != nil {
				return err
			}
			started, id = x, x.Workflow.WorkflowID
		}
		return q.EventExecutionFinish(ctx, d.key, conductor.EventExecutionCompleted, map[string]any{"workflowId": id})
	})
	if err == nil && started != nil {
		e.afterCommit(ctx, started)
		e.notes.Publish(started.topics()...)
	}
	return err
}

// eventUpdateTask completes or fails the task a complete_task or fail_task action names (by
// taskId, or by workflowId and taskRefName: the newest attempt, of a loop's iterations too),
// in the transaction of the workflow's decision. As in Conductor the task's output becomes
// the resolved parameters with the message id and event name.
func (e *Engine) eventUpdateTask(ctx context.Context, d *delivery, det *conductor.EventTaskDetails, status conductor.TaskStatus) error {
	raw := expr.DeepCopyMap(det.Output)
	if raw == nil {
		raw = map[string]any{}
	}
	raw["workflowId"], raw["taskId"], raw["taskRefName"] = det.WorkflowID, det.TaskID, det.TaskRefName
	raw["reasonForIncompletion"] = det.ReasonForIncompletion
	resolvedAny, err := d.resolve(raw)
	if err != nil {
		return conductor.Invalidf("%s: %v", d.action, err)
	}
	resolved := resolvedAny.(map[string]any)
	for k, v := range resolved {
		if v == nil || v == "" {
			delete(resolved, k)
		}
	}
	str := func(k string) string { s, _ := resolved[k].(string); return s }
	workflowID, taskID, ref, reason := str("workflowId"), str("taskId"), str("taskRefName"), str("reasonForIncompletion")
	notFound := conductor.NotFoundf("No task found with taskId: %s, reference name: %s, workflowId: %s", taskID, ref, workflowID)
	if taskID != "" {
		t, err := e.Task(ctx, taskID)
		if err != nil {
			return notFound
		}
		workflowID = t.WorkflowInstanceID
	}
	if workflowID == "" {
		return notFound
	}
	output := expr.DeepCopyMap(resolved)
	output[eventMessageIDKey], output[eventNameKey] = d.key.MessageID, d.event
	var targets []string
	if taskID != "" {
		targets = append(targets, taskID)
	}
	err = e.mutate(ctx, workflowID, func(x *execution) error {
		if err := d.claim(ctx, x.q, x.Now); err != nil {
			return err
		}
		var rec *decide.Attempt
		if taskID != "" {
			rec = x.Task(taskID)
		} else {
			if err := x.LoadPending(); err != nil {
				return err
			}
			rec = newestByRef(x.Tasks, ref)
		}
		if rec == nil || rec.Task.Status.IsTerminal() || x.Workflow.Status.IsTerminal() {
			return notFound
		}
		who, err := e.eventPrincipal(ctx, x.q, d)
		if err != nil {
			return err
		}
		if who != nil && !who.Can(auth.WorkflowExecute) && !who.CanExecuteTask(rec.Task.TaskType) {
			return conductor.Forbiddenf("Access denied: %s, who saved event handler %s, has no EXECUTE access to task type %s",
				who.Name, d.key.Handler, rec.Task.TaskType)
		}
		res := &conductor.TaskResult{WorkflowInstanceID: workflowID, TaskID: rec.Task.TaskID, Status: status, OutputData: output}
		if status != conductor.TaskCompleted {
			res.ReasonForIncompletion = reason
		}
		x.ApplyResult(rec, res)
		return x.q.EventExecutionFinish(ctx, d.key, conductor.EventExecutionCompleted, resolved)
	}, targets...)
	return err
}

// newestByRef returns the newest attempt named ref, or the newest iteration of loop task ref.
func newestByRef(tasks []*decide.Attempt, ref string) *decide.Attempt {
	for i := len(tasks) - 1; i >= 0; i-- {
		t := tasks[i].Task
		base, _, _ := decide.CutLoopSuffix(t.ReferenceTaskName)
		if (t.ReferenceTaskName == ref || base == ref) && !t.Retried {
			return tasks[i]
		}
	}
	return nil
}
