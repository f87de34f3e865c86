package decide

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"

	"github.com/podiumhq/podium/internal/conductor"
	"github.com/podiumhq/podium/internal/expr"
)

// runEvent runs an EVENT task: it publishes a message to the queue its sink names, as part of
// the decision (the engine writes the message in the decision's transaction, so the task is
// done exactly when its message is stored).
//
// As in Conductor, the task's input gains the evaluated sink and asyncComplete, and its output
// is the input plus workflowInstanceId, workflowType, workflowVersion, correlationId and
// taskToDomain (when the workflow has them) and event_produced, the queue's name. The message's
// payload is that output as stored, masked: secrets resolved into the input never travel in
// plaintext. The task then COMPLETES, or stays IN_PROGRESS with asyncComplete until it is
// updated through the task API.
func (d *Decision) runEvent(rec *Attempt) {
	t := rec.Task
	wt := t.WorkflowTask
	sinkValue, err := expr.Evaluate(wt.Sink, d.env(t.TaskID, wt.Sink))
	sink, _ := sinkValue.(string)
	if err != nil || sink == "" {
		d.Finish(rec, conductor.TaskFailed, fmt.Sprintf("Invalid / Unsupported sink specified: %s", wt.Sink))
		return
	}
	input := maps.Clone(d.RealTaskInput(rec))
	if input == nil {
		input = map[string]any{}
	}
	input["sink"], input["asyncComplete"] = sink, wt.AsyncComplete
	d.SetTaskInput(rec, input)
	queue, ok := conductor.EventQueue(sink, d.Workflow.WorkflowName, t.ReferenceTaskName)
	if !ok {
		d.Finish(rec, conductor.TaskFailed, conductor.UnreachableSinkMessage("sink", sink))
		return
	}
	out := maps.Clone(input)
	wf := d.Workflow
	out["workflowInstanceId"], out["workflowType"], out["workflowVersion"] = wf.WorkflowID, wf.WorkflowName, wf.WorkflowVersion
	if wf.CorrelationID != "" {
		out["correlationId"] = wf.CorrelationID
	}
	if wf.TaskToDomain != nil {
		out["taskToDomain"] = wf.TaskToDomain
	}
	out["event_produced"] = queue
	status := conductor.TaskCompleted
	if wt.AsyncComplete {
		status = conductor.TaskInProgress
	}
	if !d.recordOutput(rec, out, status) {
		return // too large: failed for good, nothing published
	}
	d.changes.Publishes = append(d.changes.Publishes, Publish{
		MessageID: d.newID(), Queue: queue, WorkflowID: wf.WorkflowID, TaskID: t.TaskID,
		Payload: expr.DeepCopyMap(t.OutputData), // the stored, masked output
	})
	if wt.AsyncComplete {
		t.Status = conductor.TaskInProgress
		d.MarkDirty(rec)
		return
	}
	d.Finish(rec, conductor.TaskCompleted, "")
}

// UpdateVariables merges vars into the workflow's variables (an event handler's
// update_workflow_variables action). With appendArray, a list is appended to the list already
// stored under its name instead of replacing it. Variables over Conductor's size limit are
// refused and nothing changes.
func (d *Decision) UpdateVariables(vars map[string]any, appendArray bool) error {
	merged := maps.Clone(d.Variables())
	if merged == nil {
		merged = map[string]any{}
	}
	for k, v := range vars {
		if appendArray {
			cur, isList := merged[k].([]any)
			add, addList := v.([]any)
			if isList && addList {
				merged[k] = append(slices.Clone(cur), add...)
				continue
			}
		}
		merged[k] = v
	}
	data, err := json.Marshal(merged)
	if err != nil || len(data) > maxVariablesBytes {
		return conductor.Invalidf("The variables payload size: %d of workflow: %s is greater than the permissible limit: %d bytes",
			len(data), d.Workflow.WorkflowID, maxVariablesBytes)
	}
	d.SetVariables(merged)
	d.Touch()
	return nil
}
