package engine

import (
	"context"
	"time"

	"github.com/podiumhq/podium/internal/conductor"
	"github.com/podiumhq/podium/internal/notify"
	"github.com/podiumhq/podium/internal/schedule"
	"github.com/podiumhq/podium/store"
)

// The engine is what the schedule service starts workflows with.
var _ schedule.Starter = (*Engine)(nil)

// StartScheduled starts the workflow of a schedule's slot inside the slot's transaction q, as
// principal runAs, and returns its id (or that of the execution its idempotency key names) and
// the topics to publish once q commits.
func (e *Engine) StartScheduled(ctx context.Context, q *store.Queries, req *conductor.StartWorkflowRequest, runAs string, now time.Time) (string, []notify.Topic, error) {
	start := *req
	start.RunAs = runAs
	x, existing, err := e.prepareStart(ctx, q, &start, now)
	if err != nil {
		return "", nil, err
	}
	if existing != "" {
		return existing, nil, nil
	}
	if err := x.save(ctx, q); err != nil {
		return "", nil, err
	}
	return x.Workflow.WorkflowID, x.topics(), nil
}

// MayStartScheduled reports whether the principal id that saved a schedule may still start
// workflow name.
func (e *Engine) MayStartScheduled(ctx context.Context, q *store.Queries, id, name string) (bool, error) {
	return e.principalMayStart(ctx, q, id, name)
}

// CheckStart validates a start request as StartWorkflow does before starting it.
func (e *Engine) CheckStart(req *conductor.StartWorkflowRequest) error {
	return validateStart(req)
}

// ResolveDefinition checks that the definition req names, or carries inline, can be run.
func (e *Engine) ResolveDefinition(ctx context.Context, req *conductor.StartWorkflowRequest) error {
	_, err := e.definitionFor(ctx, e.store.Queries, req)
	return err
}
