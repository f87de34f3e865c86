package engine

import (
	"context"

	"github.com/podiumhq/podium/internal/auth"
	"github.com/podiumhq/podium/internal/conductor"
)

// mayOperate refuses a workflow operation to a handler's principal without the role that
// operates workflows (WORKFLOW_MANAGER, USER, ADMIN), as the API's routes do.
func mayOperate(who *auth.Principal, d *delivery, operation string) error {
	if who == nil || who.Can(auth.WorkflowExecute) {
		return nil
	}
	return conductor.Forbiddenf("Access denied: %s, who saved event handler %s, may not %s workflows", who.Name, d.key.Handler, operation)
}

// eventTerminate terminates the workflow of a terminate_workflow action, in the transaction
// of its decision, as the API's terminate does (a COMPLETED workflow is refused, a TERMINATED
// one left as it is).
func (e *Engine) eventTerminate(ctx context.Context, d *delivery, p *conductor.EventTerminateWorkflow) error {
	workflowID, err := d.resolveString(p.WorkflowID)
	if err != nil {
		return conductor.Invalidf("terminate_workflow: %v", err)
	}
	reason, err := d.resolveString(p.TerminationReason)
	if err != nil {
		return conductor.Invalidf("terminate_workflow: %v", err)
	}
	if workflowID == "" {
		return conductor.Invalidf("terminate_workflow: workflowId resolved to nothing")
	}
	return e.mutate(ctx, workflowID, func(x *execution) error {
		if err := d.claim(ctx, x.q, x.Now); err != nil {
			return err
		}
		who, err := e.eventPrincipal(ctx, x.q, d)
		if err != nil {
			return err
		}
		if err := mayOperate(who, d, "terminate"); err != nil {
			return err
		}
		switch x.Workflow.Status {
		case conductor.WorkflowCompleted:
			return conductor.Conflictf("Cannot terminate a COMPLETED workflow.")
		case conductor.WorkflowTerminated:
		default:
			x.Terminate(reason)
		}
		return x.q.EventExecutionFinish(ctx, d.key, conductor.EventExecutionCompleted, map[string]any{"workflowId": workflowID})
	})
}

// eventUpdateVariables merges the variables of an update_workflow_variables action into a
// running (or paused) workflow's, in the transaction of its decision.
func (e *Engine) eventUpdateVariables(ctx context.Context, d *delivery, p *conductor.EventUpdateVariables) error {
	workflowID, err := d.resolveString(p.WorkflowID)
	if err != nil {
		return conductor.Invalidf("update_workflow_variables: %v", err)
	}
	if workflowID == "" {
		return conductor.Invalidf("update_workflow_variables: workflowId resolved to nothing")
	}
	resolved, err := d.resolve(p.Variables)
	if err != nil {
		return conductor.Invalidf("update_workflow_variables: %v", err)
	}
	vars, _ := resolved.(map[string]any)
	appendArray := p.AppendArray != nil && *p.AppendArray
	return e.mutate(ctx, workflowID, func(x *execution) error {
		if err := d.claim(ctx, x.q, x.Now); err != nil {
			return err
		}
		who, err := e.eventPrincipal(ctx, x.q, d)
		if err != nil {
			return err
		}
		if err := mayOperate(who, d, "update"); err != nil {
			return err
		}
		if x.Workflow.Status.IsTerminal() {
			return conductor.Conflictf("Workflow %s has ended (%s): its variables cannot be updated", workflowID, x.Workflow.Status)
		}
		if err := x.UpdateVariables(vars, appendArray); err != nil {
			return err
		}
		return x.q.EventExecutionFinish(ctx, d.key, conductor.EventExecutionCompleted, map[string]any{"workflowId": workflowID})
	})
}
