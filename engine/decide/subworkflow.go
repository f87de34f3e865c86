package decide

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"strconv"
	"strings"
	"time"

	"github.com/podiumhq/podium/internal/conductor"
	"github.com/podiumhq/podium/internal/expr"
)

// childCheckInterval is how often a workflow waiting on a child is decided without being told
// the child ended (a fallback: the child's end wakes its parent at once).
const childCheckInterval = 30 * time.Second

// startSubWorkflow starts the child of a scheduled SUB_WORKFLOW attempt in the decision's
// transaction, as Conductor's sub-workflow task does: by name and version (the latest when
// omitted) or from an inline definition, with the task's evaluated input as its input, the
// parent's correlation id, principal and (by default) taskToDomain. The task is then
// IN_PROGRESS with the child's id; a start that is refused fails it.
func (d *Decision) startSubWorkflow(rec *Attempt) {
	t := rec.Task
	wt := t.WorkflowTask
	p := wt.SubWorkflowParam
	if p == nil {
		d.Finish(rec, conductor.TaskFailedWithTerminalError, "SUB_WORKFLOW task "+wt.TaskReferenceName+" has no subWorkflowParam")
		return
	}
	input := d.RealTaskInput(rec)
	name, err := d.evaluateString(p.Name, t.TaskID)
	if err != nil {
		d.Finish(rec, conductor.TaskFailedWithTerminalError, "Error evaluating the sub-workflow name: "+err.Error())
		return
	}
	wf := d.Workflow
	key, err := d.evaluateString(p.IdempotencyKey, t.TaskID)
	if err != nil {
		d.Finish(rec, conductor.TaskFailedWithTerminalError, "Error evaluating the sub-workflow idempotencyKey: "+err.Error())
		return
	}
	priority, err := d.subWorkflowPriority(p, t.TaskID)
	if err != nil {
		d.Finish(rec, conductor.TaskFailedWithTerminalError, err.Error())
		return
	}
	req := &conductor.StartWorkflowRequest{
		Name: name, Version: p.Version, Input: input, CorrelationID: wf.CorrelationID, TaskToDomain: p.TaskToDomain,
		Priority: priority, IdempotencyKey: key, IdempotencyStrategy: p.IdempotencyStrategy,
		RunAs: d.RunAs, ParentWorkflowID: wf.WorkflowID, ParentWorkflowTaskID: t.TaskID, Masks: d.sec.redactor.Values(),
	}
	if req.TaskToDomain == nil {
		req.TaskToDomain = wf.TaskToDomain
	}
	if def, err := d.inlineSubWorkflow(p, t.TaskID); err != nil {
		d.Finish(rec, conductor.TaskFailedWithTerminalError, "The inline sub-workflow definition does not decode: "+err.Error())
		return
	} else if def != nil {
		req.WorkflowDef = def
		if req.Name == "" {
			req.Name = def.Name
		}
	}
	id, err := d.r.StartChild(req)
	if d.err != nil {
		return
	}
	if err != nil {
		d.Finish(rec, conductor.TaskFailed, "Failed to start sub workflow "+req.Name+": "+err.Error())
		return
	}
	shown := map[string]any{"subWorkflowName": req.Name, "workflowInput": input}
	if p.Version != nil {
		shown["subWorkflowVersion"] = *p.Version
	}
	if req.TaskToDomain != nil {
		shown["subWorkflowTaskToDomain"] = req.TaskToDomain
	}
	if p.Priority != nil {
		shown["priority"] = req.Priority
	}
	if req.IdempotencyKey != "" {
		shown["idempotencyKey"], shown["idempotencyStrategy"] = req.IdempotencyKey, req.IdempotencyStrategy
	}
	d.SetTaskInput(rec, shown)
	t.SubWorkflowID, t.Status = id, conductor.TaskInProgress
	d.SetTaskOutput(rec, map[string]any{"subWorkflowId": id})
	d.MarkDirty(rec)
	d.childUpdate(rec) // a child of inline tasks may have ended already
}

// subWorkflowPriority is the priority of the child of p: p's priority (a number, or an
// expression giving one), else its parent's.
func (d *Decision) subWorkflowPriority(p *conductor.SubWorkflowParams, taskID string) (int, error) {
	v := p.Priority
	if v == nil {
		return d.Workflow.Priority, nil
	}
	if s, ok := v.(string); ok {
		evaluated, err := expr.Evaluate(s, d.env(taskID, s))
		if err != nil {
			return 0, fmt.Errorf("Error evaluating the sub-workflow priority: %w", err) //nolint:staticcheck // Conductor's capitalised reason
		}
		v = evaluated
	}
	n, err := strconv.ParseFloat(strings.TrimSpace(fmt.Sprint(v)), 64)
	if err != nil || n != float64(int(n)) || n < 0 || n > 99 {
		return 0, fmt.Errorf("The sub-workflow priority must be an integer from 0 to 99, not %v", v) //nolint:staticcheck // Conductor's capitalised reason
	}
	return int(n), nil
}

// inlineSubWorkflow is the inline definition of p, if any: an object, or an expression (a
// string) that gives one when the task is scheduled.
func (d *Decision) inlineSubWorkflow(p *conductor.SubWorkflowParams, taskID string) (*conductor.WorkflowDef, error) {
	raw := p.WorkflowDefinition
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	var text string
	if json.Unmarshal(raw, &text) == nil {
		v, err := expr.Evaluate(text, d.env(taskID, text))
		if err != nil {
			return nil, err
		}
		if v == nil {
			return nil, nil
		}
		if raw, err = json.Marshal(v); err != nil {
			return nil, err
		}
	}
	var def conductor.WorkflowDef
	if err := json.Unmarshal(raw, &def); err != nil {
		return nil, err
	}
	return &def, nil
}

// evaluateString resolves the ${…} expressions of a string value.
func (d *Decision) evaluateString(s, taskID string) (string, error) {
	if !strings.Contains(s, "${") {
		return s, nil
	}
	v, err := expr.Evaluate(s, d.env(taskID, s))
	if err != nil {
		return "", err
	}
	if str, ok := v.(string); ok {
		return str, nil
	}
	return fmt.Sprint(v), nil
}

// evaluateChildren applies the end of the children of the running SUB_WORKFLOW tasks. It
// reports whether any task finished.
func (d *Decision) evaluateChildren() bool {
	done := false
	for _, rec := range d.liveTasks() {
		if t := rec.Task; t.TaskType == conductor.TaskTypeSubWorkflow && t.Status == conductor.TaskInProgress && t.SubWorkflowID != "" &&
			d.childUpdate(rec) {
			done = true
		}
	}
	return done
}

// childUpdate maps an ended child onto its SUB_WORKFLOW task as Conductor does: COMPLETED with
// the child's output; FAILED or TIMED_OUT likewise; TERMINATED as CANCELED (its parent is then
// TERMINATED); the reason names the child. It reports whether the task finished.
func (d *Decision) childUpdate(rec *Attempt) bool {
	t := rec.Task
	if d.checkedChildren[t.SubWorkflowID] {
		return false
	}
	child, masks, err := d.r.Child(t.SubWorkflowID)
	if errors.Is(err, conductor.ErrNotFound) {
		d.Finish(rec, conductor.TaskFailed, "Sub workflow "+t.SubWorkflowID+" does not exist")
		return true
	}
	if err != nil {
		d.Abort(err)
		return false
	}
	if !child.Status.IsTerminal() {
		if d.checkedChildren == nil {
			d.checkedChildren = map[string]bool{}
		}
		d.checkedChildren[t.SubWorkflowID] = true // unchanged for the rest of this decision
		return false
	}
	d.MaskToo(masks) // what the child knows to be secret is secret here too
	out := maps.Clone(child.Output)
	if out == nil {
		out = map[string]any{}
	}
	out["subWorkflowId"] = t.SubWorkflowID
	status := conductor.TaskCompleted
	switch child.Status {
	case conductor.WorkflowFailed:
		status = conductor.TaskFailed
	case conductor.WorkflowTimedOut:
		status = conductor.TaskTimedOut
	case conductor.WorkflowTerminated:
		status = conductor.TaskCanceled
	}
	if !d.recordOutput(rec, out, status) {
		return true
	}
	reason := ""
	if status != conductor.TaskCompleted {
		// Conductor names the child by its toShortString: name.version/id.
		reason = fmt.Sprintf("Sub workflow %s.%d/%s failure reason: %s", child.WorkflowName, child.WorkflowVersion,
			t.SubWorkflowID, child.ReasonForIncompletion)
	}
	d.Finish(rec, status, reason)
	return true
}

// runStartWorkflow starts the workflow a START_WORKFLOW task's input describes (its
// startWorkflow member, a StartWorkflowRequest) in the decision's transaction — fire and
// forget: the task completes at once with the new workflow's id. correlationId and
// taskToDomain default to this workflow's; the new one runs as this workflow's principal and
// masks what this one knows to be secret. A start that is refused fails the task.
func (d *Decision) runStartWorkflow(rec *Attempt) {
	var req conductor.StartWorkflowRequest
	raw, ok := d.RealTaskInput(rec)["startWorkflow"].(map[string]any)
	if !ok {
		d.Finish(rec, conductor.TaskFailedWithTerminalError, "START_WORKFLOW needs inputParameters.startWorkflow, a start workflow request")
		return
	}
	if err := convert(raw, &req); err != nil || req.Name == "" && req.WorkflowDef == nil {
		d.Finish(rec, conductor.TaskFailedWithTerminalError, "START_WORKFLOW: startWorkflow is not a start workflow request with a name")
		return
	}
	if req.Name == "" {
		req.Name = req.WorkflowDef.Name
	}
	if req.CorrelationID == "" {
		req.CorrelationID = d.Workflow.CorrelationID
	}
	if req.TaskToDomain == nil {
		req.TaskToDomain = d.Workflow.TaskToDomain
	}
	if req.Input == nil {
		req.Input = map[string]any{}
	}
	req.RunAs, req.Masks = d.RunAs, d.sec.redactor.Values()
	id, err := d.r.StartChild(&req)
	if d.err != nil {
		return
	}
	if err != nil {
		d.Finish(rec, conductor.TaskFailed, "Failed to start workflow "+req.Name+": "+err.Error())
		return
	}
	d.SetTaskOutput(rec, map[string]any{"workflowId": id})
	d.Finish(rec, conductor.TaskCompleted, "")
}
