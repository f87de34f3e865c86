package engine

import (
	"context"
	"errors"
	"maps"
	"time"

	"github.com/podiumhq/podium/engine/decide"
	"github.com/podiumhq/podium/internal/conductor"
	"github.com/podiumhq/podium/internal/expr"
	"github.com/podiumhq/podium/store"
)

// Idempotency strategies of StartWorkflowRequest.
const (
	IdempotencyFail           = "FAIL"
	IdempotencyReturnExisting = "RETURN_EXISTING"
	IdempotencyFailOnRunning  = "FAIL_ON_RUNNING"
)

// StartWorkflow starts an execution and returns its id. The workflow and its first tasks
// (inline system tasks already run) are written in one batch, which PostgreSQL runs as one
// implicit transaction: one round trip when the definition is cached.
func (e *Engine) StartWorkflow(ctx context.Context, req *conductor.StartWorkflowRequest) (string, error) {
	if err := validateStart(req); err != nil {
		return "", err
	}
	x, existing, err := e.prepareStart(ctx, e.store.Queries, req, e.now())
	if errors.Is(err, errStartNeedsTx) {
		// It starts a sub-workflow at once: decide and store it all in one transaction.
		err = e.store.InTx(ctx, func(q *store.Queries) error {
			var err error
			if x, existing, err = e.prepareStart(ctx, q, req, e.now()); err != nil || existing != "" {
				return err
			}
			return x.save(ctx, q)
		})
		if err != nil || existing != "" {
			if errors.Is(err, conductor.ErrConflict) && req.IdempotencyKey != "" {
				return e.idempotentConflict(ctx, req, req.Name)
			}
			return existing, err
		}
		e.afterCommit(ctx, x)
		e.notes.Publish(x.topics()...)
		return x.Workflow.WorkflowID, nil
	}
	if err != nil || existing != "" {
		return existing, err
	}
	if ch := x.Changes(); len(ch.Starts) == 0 && len(ch.SecretWrites) == 0 {
		err = x.save(ctx, e.store.Queries)
	} else {
		// Starting a failure workflow or writing a secret as well takes more than one batch:
		// use a transaction, so the start and its writes commit together or not at all.
		err = e.store.InTx(ctx, func(q *store.Queries) error { return x.save(ctx, q) })
	}
	if errors.Is(err, conductor.ErrConflict) {
		return e.idempotentConflict(ctx, req, x.Def.Name)
	}
	if err != nil {
		return "", err
	}
	e.afterCommit(ctx, x)
	e.notes.Publish(x.topics()...)
	return x.Workflow.WorkflowID, nil
}

// idempotentConflict answers a start that lost an idempotency-key race to another start.
func (e *Engine) idempotentConflict(ctx context.Context, req *conductor.StartWorkflowRequest, name string) (string, error) {
	existing, _, err := e.store.WorkflowIDByIdempotencyKey(ctx, name, req.IdempotencyKey)
	if err == nil && req.IdempotencyStrategy == IdempotencyReturnExisting {
		return existing, nil
	}
	return "", conductor.Conflictf("Workflow with idempotencyKey %s already exists: %s", req.IdempotencyKey, existing)
}

func validateStart(req *conductor.StartWorkflowRequest) error {
	if req.InputIsNull {
		return conductor.Invalidf("NULL input passed when starting workflow")
	}
	if req.Name == "" && req.WorkflowDef == nil {
		return conductor.Invalidf("Workflow name cannot be null or empty")
	}
	if err := checkStartNames(req); err != nil {
		return err
	}
	if req.Priority < 0 || req.Priority > 99 {
		return conductor.Invalidf("priority: %d should be between 0 and 99", req.Priority)
	}
	switch req.IdempotencyStrategy {
	case "", IdempotencyFail, IdempotencyReturnExisting, IdempotencyFailOnRunning:
	default:
		return conductor.Invalidf("idempotencyStrategy must be one of FAIL, RETURN_EXISTING, FAIL_ON_RUNNING")
	}
	return nil
}

// prepareStart builds and decides a new execution of req in memory, or returns the id of the
// execution its idempotency key names when the strategy says to return it.
func (e *Engine) prepareStart(ctx context.Context, q *store.Queries, req *conductor.StartWorkflowRequest, now time.Time) (*execution, string, error) {
	def, err := e.definitionFor(ctx, q, req)
	if err != nil {
		return nil, "", err
	}
	if req.IdempotencyKey != "" {
		existing, status, err := q.WorkflowIDByIdempotencyKey(ctx, def.Name, req.IdempotencyKey)
		switch {
		case errors.Is(err, conductor.ErrNotFound):
		case err != nil:
			return nil, "", err
		case req.IdempotencyStrategy == IdempotencyReturnExisting:
			return nil, existing, nil
		case req.IdempotencyStrategy == IdempotencyFailOnRunning && status.IsTerminal():
			if err := q.WorkflowClearIdempotencyKey(ctx, existing); err != nil {
				return nil, "", err
			}
		default:
			return nil, "", conductor.Conflictf("Workflow with idempotencyKey %s already exists: %s", req.IdempotencyKey, existing)
		}
	}

	input := maps.Clone(req.Input)
	if input == nil {
		input = map[string]any{}
	}
	for k, v := range def.InputTemplate {
		if _, ok := input[k]; !ok {
			input[k] = v
		}
	}
	if err := e.checkWorkflowInput(def.Name, input); err != nil {
		return nil, "", err
	}
	wf := &conductor.Workflow{
		WorkflowID:           decide.NewIDAt(now),
		WorkflowName:         def.Name,
		WorkflowVersion:      def.Version,
		Status:               conductor.WorkflowRunning,
		CreateTime:           now.UnixMilli(),
		UpdateTime:           now.UnixMilli(),
		Input:                input,
		Output:               map[string]any{},
		CorrelationID:        req.CorrelationID,
		Priority:             req.Priority,
		TaskToDomain:         req.TaskToDomain,
		Variables:            expr.DeepCopyMap(def.Variables),
		CreatedBy:            req.CreatedBy,
		IdempotencyKey:       req.IdempotencyKey,
		ParentWorkflowID:     req.ParentWorkflowID,
		ParentWorkflowTaskID: req.ParentWorkflowTaskID,
	}
	x, err := e.newExecution(ctx, q, &store.WorkflowRecord{Workflow: wf, Definition: def, RunAs: req.RunAs}, nil, now)
	if err != nil {
		return nil, "", err
	}
	x.isNew = true
	x.MaskToo(req.Masks) // what its parent knows to be secret stays masked here too
	x.Begin(input)
	x.Decide()
	if err := x.Err(); err != nil {
		return nil, "", err
	}
	if err := ctx.Err(); err != nil {
		return nil, "", err
	}
	return x, "", nil
}

// definitionFor returns the snapshot an execution of req runs (see metadata.Snapshot): of the
// inline definition, validated, or of the registered one, read through q.
func (e *Engine) definitionFor(ctx context.Context, q *store.Queries, req *conductor.StartWorkflowRequest) (*conductor.WorkflowDef, error) {
	if def := req.WorkflowDef; def != nil {
		if def.Name == "" {
			def.Name = req.Name
		}
		return e.metadata.InlineSnapshot(ctx, q, def)
	}
	return e.metadata.Snapshot(ctx, q, req.Name, req.Version)
}

// Workflow returns an execution, with its tasks when includeTasks.
func (e *Engine) Workflow(ctx context.Context, workflowID string, includeTasks bool) (*conductor.Workflow, error) {
	if !validID(workflowID) {
		return nil, workflowNotFound(workflowID)
	}
	wf, err := e.store.WorkflowGet(ctx, workflowID, includeTasks)
	if errors.Is(err, conductor.ErrNotFound) {
		wf, err = e.store.ArchivedWorkflowGet(ctx, workflowID, includeTasks)
	}
	if errors.Is(err, conductor.ErrNotFound) {
		return nil, workflowNotFound(workflowID)
	}
	if err != nil {
		return nil, err
	}
	return showLoops(wf), nil
}

// showLoops completes the output of the running loops of wf from its other tasks (see
// decide.ShowLoop).
func showLoops(wf *conductor.Workflow) *conductor.Workflow {
	byRef := map[string]*conductor.Task{}
	for _, t := range wf.Tasks {
		if !t.Retried {
			byRef[t.ReferenceTaskName] = t
		}
	}
	for i, t := range wf.Tasks {
		if decide.RunningLoop(t) {
			wf.Tasks[i] = decide.ShowLoop(t, byRef)
		}
	}
	return wf
}

// showLoop completes the output of a running loop read on its own (see decide.ShowLoop).
func (e *Engine) showLoop(ctx context.Context, t *conductor.Task) (*conductor.Task, error) {
	if !decide.RunningLoop(t) {
		return t, nil
	}
	tasks, err := e.store.TaskNewest(ctx, t.WorkflowInstanceID, decide.LoopIterationRefs(t))
	if err != nil {
		return nil, err
	}
	byRef := make(map[string]*conductor.Task, len(tasks))
	for _, task := range tasks {
		byRef[task.ReferenceTaskName] = task
	}
	return decide.ShowLoop(t, byRef), nil
}

// ShowTasks completes stored tasks as GET /api/tasks/{id} shows them: a running DO_WHILE's
// output gathers its completed iterations' outputs (see decide.ShowLoop). Tasks are returned
// in their order; those that need nothing are returned as they are.
func (e *Engine) ShowTasks(ctx context.Context, tasks []*conductor.Task) ([]*conductor.Task, error) {
	for i, t := range tasks {
		shown, err := e.showLoop(ctx, t)
		if err != nil {
			return nil, err
		}
		tasks[i] = shown
	}
	return tasks, nil
}

// StreamWorkflow reads an execution with its tasks without holding it all in memory: head
// gets the workflow (its Tasks empty), then each gets every task, in order, as it is read.
// Errors of head and each stop the read and are returned.
func (e *Engine) StreamWorkflow(ctx context.Context, workflowID string,
	head func(*conductor.Workflow) error, each func(*conductor.Task) error) error {
	if !validID(workflowID) {
		return workflowNotFound(workflowID)
	}
	err := e.store.WorkflowStream(ctx, workflowID, head, func(t *conductor.Task) error {
		shown, err := e.showLoop(ctx, t)
		if err != nil {
			return err
		}
		return each(shown)
	})
	if err == conductor.ErrNotFound { //nolint:errorlint // the bare sentinel means the row itself is missing
		return e.streamArchived(ctx, workflowID, head, each)
	}
	return err
}

// streamArchived is StreamWorkflow for an archived execution, read whole: archived executions
// are read rarely, and their size was bounded while they ran.
func (e *Engine) streamArchived(ctx context.Context, workflowID string,
	head func(*conductor.Workflow) error, each func(*conductor.Task) error) error {
	wf, err := e.store.ArchivedWorkflowGet(ctx, workflowID, true)
	if errors.Is(err, conductor.ErrNotFound) {
		return workflowNotFound(workflowID)
	}
	if err != nil {
		return err
	}
	tasks := wf.Tasks
	wf.Tasks = []*conductor.Task{}
	if err := head(wf); err != nil {
		return err
	}
	for _, t := range tasks {
		if err := each(t); err != nil {
			return err
		}
	}
	return nil
}

// Terminate ends a running or paused workflow as TERMINATED (§1.2): 409 for a COMPLETED one,
// a no-op for a TERMINATED one; FAILED and TIMED_OUT executions flip to TERMINATED. The
// failure workflow is not started.
func (e *Engine) Terminate(ctx context.Context, workflowID, reason string) error {
	return e.terminate(ctx, workflowID, reason, false)
}

// TerminateTriggeringFailure is Terminate that also starts the definition's failureWorkflow, in
// the same transaction, when it ends a running or paused workflow (Orkes'
// triggerFailureWorkflow=true). A FAILED or TIMED_OUT workflow flipped to TERMINATED started
// its failure workflow when it ended, so none is started again.
func (e *Engine) TerminateTriggeringFailure(ctx context.Context, workflowID, reason string) error {
	return e.terminate(ctx, workflowID, reason, true)
}

func (e *Engine) terminate(ctx context.Context, workflowID, reason string, triggerFailure bool) error {
	err := e.mutate(ctx, workflowID, func(x *execution) error {
		switch x.Workflow.Status {
		case conductor.WorkflowCompleted:
			return conductor.Conflictf("Cannot terminate a COMPLETED workflow.")
		case conductor.WorkflowTerminated:
			return nil
		case conductor.WorkflowRunning, conductor.WorkflowPaused:
			if triggerFailure {
				x.TerminateTriggeringFailure(reason)
				return nil
			}
		}
		x.Terminate(reason)
		return nil
	})
	return err
}

// Pause stops scheduling new tasks of a running workflow; worker updates are still recorded.
func (e *Engine) Pause(ctx context.Context, workflowID string) error {
	err := e.mutate(ctx, workflowID, func(x *execution) error {
		if x.Workflow.Status.IsTerminal() {
			return conductor.Conflictf("Workflow %s has ended, status cannot be updated to PAUSED.", workflowID)
		}
		if x.Workflow.Status != conductor.WorkflowPaused {
			x.Workflow.Status = conductor.WorkflowPaused
			x.Touch()
		}
		return nil
	})
	return err
}

// Resume lets a paused workflow continue and decides it.
func (e *Engine) Resume(ctx context.Context, workflowID string) error {
	err := e.mutate(ctx, workflowID, func(x *execution) error {
		if x.Workflow.Status != conductor.WorkflowPaused {
			return conductor.Conflictf("The workflow %s is not PAUSED so cannot resume", workflowID)
		}
		x.Workflow.Status = conductor.WorkflowRunning
		x.Touch()
		return nil
	})
	return err
}

// Decide re-evaluates a workflow now.
func (e *Engine) Decide(ctx context.Context, workflowID string) error {
	// Every unfinished attempt is read: a sweep applies their timeouts and expired leases.
	err := e.mutate(ctx, workflowID, func(x *execution) error { return x.LoadPending() })
	return err
}

// RemoveWorkflow removes an execution, whatever its status, from the live tables: with archive
// (Conductor's default) it moves to the archive, where it stays readable by id (Workflow, Task)
// but is never decided, swept, claimed or searched again; without, it is deleted, from the
// archive too. Only this execution is removed: its sub-workflows and its parent stay as they
// are, as in Conductor.
func (e *Engine) RemoveWorkflow(ctx context.Context, workflowID string, archive bool) error {
	if !validID(workflowID) {
		return workflowNotFound(workflowID)
	}
	var err error
	if archive {
		err = e.store.WorkflowArchive(ctx, workflowID, e.now())
	} else {
		err = e.store.WorkflowDelete(ctx, workflowID)
	}
	if errors.Is(err, conductor.ErrNotFound) {
		return workflowNotFound(workflowID)
	}
	return err
}

// workflowNotFound is Conductor's 404 for an unknown execution.
func workflowNotFound(workflowID string) error {
	return conductor.NotFoundf("No such workflow found by id: %s", workflowID)
}
