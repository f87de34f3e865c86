package engine

import (
	"context"

	"github.com/podiumhq/podium/internal/access"
	"github.com/podiumhq/podium/internal/auth"
	"github.com/podiumhq/podium/internal/conductor"
	"github.com/podiumhq/podium/internal/secrets"
	"github.com/podiumhq/podium/store"
)

// principalMayStart reports whether the principal id that saved a schedule may still start
// workflow name: a role that starts workflows or EXECUTE on its definition; "" (saved with
// authentication off) may.
func (e *Engine) principalMayStart(ctx context.Context, q *store.Queries, id, name string) (bool, error) {
	p, err := e.access.RunAs(ctx, q, id)
	if err != nil {
		return false, err
	}
	return access.MayStart(p, name), nil
}

// principal returns the current rights of the principal the workflow runs as, once per
// decision: nil when it runs unrestricted (started with authentication off). A failure to
// read them leaves a principal with no rights, so that nothing is allowed by accident.
func (x *execution) principal() *auth.Principal {
	if x.runAsLoaded {
		return x.runAs
	}
	p, err := x.e.access.RunAs(x.ctx, x.q, x.rec.RunAs)
	if err != nil {
		x.e.logger.Error("engine: reading the rights of a workflow's principal failed",
			"workflow_id", x.Workflow.WorkflowID, "principal", x.rec.RunAs, "error", err)
		p = &auth.Principal{ID: x.rec.RunAs, Name: x.rec.RunAs}
	}
	x.runAs, x.runAsLoaded = p, true
	return p
}

// ForbiddenTaskType refuses work on a task type p has no EXECUTE on.
func ForbiddenTaskType(p *auth.Principal, taskType string) error {
	return conductor.Forbiddenf("Access denied: %s has no EXECUTE access to task type %s", p.Name, taskType)
}

// Access returns the access service the engine resolves rights with: Config.Access, or the
// engine's own.
func (e *Engine) Access() *access.Service { return e.access }

// Secrets returns the secrets service the engine's decisions read and write secrets with:
// Config.Secrets, or the engine's own.
func (e *Engine) Secrets() *secrets.Service { return e.secrets }
