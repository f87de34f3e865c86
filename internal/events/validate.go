package events

import (
	"fmt"
	"strings"

	"github.com/podiumhq/podium/internal/conductor"
	"github.com/podiumhq/podium/internal/expr"
)

// actionNames lists the actions Podium executes.
var actionNames = []string{
	conductor.ActionStartWorkflow, conductor.ActionCompleteTask, conductor.ActionFailTask,
	conductor.ActionTerminateWorkflow, conductor.ActionUpdateWorkflowVariables,
}

// Validate checks a handler as Conductor does (name, event and at least one action are
// required, with its messages), and what Podium adds: the event is one of the conductor
// provider, the evaluator is one it runs, each action names one it executes with the parameters
// that action needs, and every ${…} template in them can be evaluated.
func Validate(h *conductor.EventHandler) error {
	var errs conductor.ValidationErrors
	if h.Name == "" {
		errs.Add("name", "Missing event handler name", nil)
	} else if strings.ContainsAny(h.Name, "/\\") {
		errs.Add("name", "event handler name must not contain / or \\", h.Name)
	}
	switch {
	case h.Event == "":
		errs.Add("event", "Missing event location", nil)
	case !eventReachable(h.Event):
		errs.Add("event", conductor.UnreachableSinkMessage("event", h.Event), h.Event)
	}
	switch h.EvaluatorType {
	case "", conductor.EvaluatorJavaScript, conductor.EvaluatorGraalJS:
	case conductor.EvaluatorValueParam:
		if h.Condition == "" {
			errs.Add("condition", "a value-param condition names the payload member to test", nil)
		}
	default:
		errs.Add("evaluatorType", fmt.Sprintf("evaluatorType %s is not supported: use javascript, graaljs or value-param", h.EvaluatorType), h.EvaluatorType)
	}
	if len(h.Actions) == 0 {
		errs.Add("actions", "No actions specified. Please specify at-least one action", nil)
	}
	for i, a := range h.Actions {
		validateAction(&errs, fmt.Sprintf("actions[%d]", i), &a)
	}
	return errs.Err()
}

// eventReachable reports whether Podium delivers event: conductor:<queue>.
func eventReachable(event string) bool {
	rest, ok := strings.CutPrefix(event, conductor.EventProviderConductor+":")
	return ok && rest != ""
}

// validateAction checks one action at path.
func validateAction(errs *conductor.ValidationErrors, path string, a *conductor.EventAction) {
	need := func(ok bool, member, what string) {
		if !ok {
			errs.Add(path+"."+member, fmt.Sprintf("%s needs %s", a.Action, what), nil)
		}
	}
	var params any
	switch a.Action {
	case conductor.ActionStartWorkflow:
		need(a.StartWorkflow != nil && a.StartWorkflow.Name != "", "start_workflow.name", "the name of the workflow to start")
		if a.StartWorkflow != nil {
			params = []any{a.StartWorkflow.CorrelationID, a.StartWorkflow.Input}
		}
	case conductor.ActionCompleteTask, conductor.ActionFailTask:
		d, member := a.CompleteTask, "complete_task"
		if a.Action == conductor.ActionFailTask {
			d, member = a.FailTask, "fail_task"
		}
		need(d != nil && (d.TaskID != "" || d.WorkflowID != "" && d.TaskRefName != ""), member,
			"taskId, or workflowId and taskRefName")
		if d != nil {
			params = []any{d.WorkflowID, d.TaskRefName, d.TaskID, d.ReasonForIncompletion, d.Output}
		}
	case conductor.ActionTerminateWorkflow:
		need(a.TerminateWorkflow != nil && a.TerminateWorkflow.WorkflowID != "", "terminate_workflow.workflowId", "the workflowId to terminate")
		if a.TerminateWorkflow != nil {
			params = []any{a.TerminateWorkflow.WorkflowID, a.TerminateWorkflow.TerminationReason}
		}
	case conductor.ActionUpdateWorkflowVariables:
		u := a.UpdateWorkflowVariables
		need(u != nil && u.WorkflowID != "", "update_workflow_variables.workflowId", "the workflowId to update")
		need(u != nil && len(u.Variables) > 0, "update_workflow_variables.variables", "the variables to set")
		if u != nil {
			params = []any{u.WorkflowID, u.Variables}
		}
	case "":
		errs.Add(path+".action", "Missing action: use one of "+strings.Join(actionNames, ", "), nil)
	default:
		errs.Add(path+".action", fmt.Sprintf("action %s is not supported: use one of %s", a.Action, strings.Join(actionNames, ", ")), a.Action)
	}
	checkTemplates(errs, path, params)
}

// checkTemplates reports the strings of v whose ${…} expressions cannot be evaluated.
func checkTemplates(errs *conductor.ValidationErrors, path string, v any) {
	switch v := v.(type) {
	case string:
		if _, err := expr.ParseTemplate(v); err != nil {
			errs.Add(path, fmt.Sprintf("invalid expression in %q: %v", v, err), v)
		}
	case []any:
		for _, e := range v {
			checkTemplates(errs, path, e)
		}
	case map[string]any:
		for _, e := range v {
			checkTemplates(errs, path, e)
		}
	}
}
