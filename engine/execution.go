package engine

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/podiumhq/podium/engine/decide"
	"github.com/podiumhq/podium/engine/systask"
	"github.com/podiumhq/podium/internal/auth"
	"github.com/podiumhq/podium/internal/conductor"
	"github.com/podiumhq/podium/internal/secrets"
	"github.com/podiumhq/podium/store"
)

// execution is a workflow being decided inside the transaction that locked it: the pure
// decision (decide.Decision) plus what only the engine holds — the transaction, the stored
// rows behind the decision's attempts, and the bookkeeping of what to announce once it commits.
// It is also the decision's decide.Resolver.
type execution struct {
	*decide.Decision
	e   *Engine
	ctx context.Context
	q   *store.Queries // the transaction the execution is locked in; nil for a detached start
	rec *store.WorkflowRecord
	// rows are the stored rows behind the attempts read from the store.
	rows map[*decide.Attempt]*store.TaskRecord

	ended         []string // workflows that reached a terminal status in this decision
	wake          []string // parents of workflows that ended, to decide once this decision committed
	grantsChanged bool     // a write gave a principal an owner grant; caches must forget rights
	published     bool     // the decision published event messages (EVENT tasks)
	isNew         bool     // the workflow row is inserted, not updated, on save
	defChanged    bool     // the definition snapshot was replaced (restart with the latest definition)
	sweeping      bool     // a sweeper's decision: its save releases the claim unless still due

	taskDefs    map[string]*conductor.TaskDef // registered task definitions read so far (nil: none)
	runAs       *auth.Principal               // the rights of rec.RunAs, read once per decision (principal)
	runAsLoaded bool
}

// newExecution prepares the decision of rec and its loaded attempts tasks, in transaction q.
func (e *Engine) newExecution(ctx context.Context, q *store.Queries, rec *store.WorkflowRecord, tasks []*store.TaskRecord, now time.Time) (*execution, error) {
	x := &execution{e: e, ctx: ctx, q: q, rec: rec, rows: make(map[*decide.Attempt]*store.TaskRecord, len(tasks))}
	atts := make([]*decide.Attempt, len(tasks))
	for i, row := range tasks {
		atts[i] = x.attempt(row)
	}
	st, err := e.openSecrets(rec)
	if err != nil {
		return nil, err
	}
	x.Decision = decide.New(&e.decideCfg, x, decide.State{
		Workflow: rec.Workflow, Def: rec.Definition, Tasks: atts, Partial: rec.Partial, MaxSeq: rec.MaxSeq,
		RunAs: rec.RunAs, Secrets: st, Dormant: rec.Dormant, NextCheckAt: rec.NextCheckAt,
	}, now)
	return x, nil
}

// attempt is the decider's view of a stored row.
func (x *execution) attempt(row *store.TaskRecord) *decide.Attempt {
	a := &decide.Attempt{
		Task: row.Task, QueueName: row.QueueName, VisibleAt: row.VisibleAt, LeaseUntil: row.LeaseUntil,
		ResponseTimeoutSeconds: row.ResponseTimeoutSeconds, TimeoutSeconds: row.TimeoutSeconds,
		KeepWorkflowTask: row.KeepWorkflowTask, New: row.New, SealedInput: row.SealedInput,
		SealedOutput: row.SealedOutput, Compact: row.Compact(),
	}
	x.rows[a] = row
	return a
}

// row is the stored row of an attempt to save, the real documents the decision set sealed.
func (x *execution) row(a *decide.Attempt) (*store.TaskRecord, error) {
	row := x.rows[a]
	if row == nil {
		row = &store.TaskRecord{}
		x.rows[a] = row
	}
	if a.RealInput != nil && a.SealedInput == nil {
		sealed, err := x.e.sealDoc(taskInputSeal(a.Task.TaskID), a.RealInput)
		if err != nil {
			return nil, fmt.Errorf("sealing the input of task %s: %w", a.Task.TaskID, err)
		}
		a.SealedInput = sealed
	}
	if a.RealOutput != nil && a.SealedOutput == nil {
		sealed, err := x.e.sealDoc(taskOutputSeal(a.Task.TaskID), a.RealOutput)
		if err != nil {
			return nil, fmt.Errorf("sealing the output of task %s: %w", a.Task.TaskID, err)
		}
		a.SealedOutput = sealed
	}
	row.Task, row.QueueName, row.VisibleAt, row.LeaseUntil = a.Task, a.QueueName, a.VisibleAt, a.LeaseUntil
	row.ResponseTimeoutSeconds, row.TimeoutSeconds = a.ResponseTimeoutSeconds, a.TimeoutSeconds
	row.KeepWorkflowTask, row.New = a.KeepWorkflowTask, a.New
	row.SealedInput, row.SealedOutput = a.SealedInput, a.SealedOutput
	return row, nil
}

// Settled implements decide.Resolver: settled attempts read compact from the transaction.
func (x *execution) Settled(f decide.Filter) ([]*decide.Attempt, error) {
	return x.read(f, (*store.Queries).TaskSettled)
}

// Unsettled implements decide.Resolver: dormant attempts, locked and read whole in the
// transaction.
func (x *execution) Unsettled(f decide.Filter) ([]*decide.Attempt, error) {
	return x.read(f, (*store.Queries).TaskUnsettled)
}

// read reads the attempts f selects with one of the store's task readers, in the transaction.
func (x *execution) read(f decide.Filter, reader func(*store.Queries, context.Context, string, *conductor.WorkflowDef, store.SettledFilter) ([]*store.TaskRecord, error)) ([]*decide.Attempt, error) {
	if x.q == nil {
		return nil, nil
	}
	rows, err := reader(x.q, x.ctx, x.Workflow.WorkflowID, x.Def, store.SettledFilter(f))
	if err != nil {
		return nil, err
	}
	atts := make([]*decide.Attempt, len(rows))
	for i, row := range rows {
		atts[i] = x.attempt(row)
	}
	return atts, nil
}

// errStartNeedsTx abandons a start decided outside a transaction that starts a child.
var errStartNeedsTx = errors.New("engine: starting a sub-workflow needs a transaction")

// StartChild implements decide.Resolver: the child workflow is started and stored in this
// decision's transaction. A request the child's start refuses (no such definition, bad input)
// is the SUB_WORKFLOW task's failure; anything else abandons the decision.
func (x *execution) StartChild(req *conductor.StartWorkflowRequest) (string, error) {
	if x.q == nil || !x.q.InTx() {
		// A start decided outside a transaction: it is decided again inside one, so that the
		// child and its parent are stored together or not at all.
		x.Abort(errStartNeedsTx)
		return "", errStartNeedsTx
	}
	id, err := x.startChild(x.ctx, req)
	refused := errors.Is(err, conductor.ErrNotFound) || errors.Is(err, conductor.ErrInvalid) ||
		errors.Is(err, conductor.ErrConflict) || errors.Is(err, conductor.ErrForbidden)
	if err != nil && !refused {
		x.Abort(err)
	}
	return id, err
}

// Child implements decide.Resolver: a child workflow read in the transaction.
func (x *execution) Child(id string) (*conductor.Workflow, []string, error) {
	if x.q == nil {
		return nil, nil, conductor.ErrNotFound
	}
	rec, err := x.q.WorkflowRecordGet(x.ctx, id)
	if err != nil {
		return nil, nil, err
	}
	st, err := x.e.openSecrets(rec)
	if err != nil || st == nil {
		return rec.Workflow, nil, err
	}
	if st.Output != nil {
		rec.Workflow.Output = st.Output
	}
	return rec.Workflow, st.Masks, nil
}

// Polled implements decide.Resolver from the poll data.
func (x *execution) Polled(taskType, domain string, since time.Time) (bool, error) {
	if x.q == nil {
		return false, nil
	}
	return x.q.PollDataSince(x.ctx, taskType, domain, since)
}

// Pending implements decide.Resolver.
func (x *execution) Pending(refs, prefixes, known []string) (bool, error) {
	if x.q == nil {
		return false, nil
	}
	return x.q.TaskPending(x.ctx, x.Workflow.WorkflowID, refs, prefixes, known)
}

// Load implements decide.Resolver: the documents of compact attempts, in one round trip.
func (x *execution) Load(atts []*decide.Attempt) error {
	if x.q == nil {
		return nil
	}
	rows := make([]*store.TaskRecord, 0, len(atts))
	for _, a := range atts {
		if row := x.rows[a]; row != nil && row.Compact() {
			rows = append(rows, row)
		}
	}
	if err := x.q.TaskLoad(x.ctx, rows...); err != nil {
		return err
	}
	for _, a := range atts {
		if row := x.rows[a]; row != nil {
			a.Task, a.SealedInput, a.SealedOutput, a.Compact = row.Task, row.SealedInput, row.SealedOutput, row.Compact()
			a.KeepWorkflowTask = row.KeepWorkflowTask
		}
	}
	return nil
}

// Open implements decide.Resolver: a sealed task document, opened with the keyring.
func (x *execution) Open(a *decide.Attempt, output bool) (map[string]any, error) {
	name, sealed := taskInputSeal(a.Task.TaskID), a.SealedInput
	if output {
		name, sealed = taskOutputSeal(a.Task.TaskID), a.SealedOutput
	}
	real, err := x.e.openDoc(name, sealed)
	if err != nil {
		// A key configuration error; the log names the task, never data.
		x.e.logger.Error("engine: opening sealed task data failed", "task_id", a.Task.TaskID, "error", err)
	}
	return real, err
}

// Secret implements decide.Resolver: a secret's value, read in the decision's transaction.
// A read error is not "missing": it abandons the decision, which the caller retries.
func (x *execution) Secret(name string) (string, bool, error) {
	return x.e.secrets.Value(x.ctx, x.q, name)
}

// TaskDef implements decide.Resolver: a registered task definition, read in the decision's
// transaction (once per name and decision).
func (x *execution) TaskDef(name string) (*conductor.TaskDef, bool, error) {
	if def, seen := x.taskDefs[name]; seen {
		return def, def != nil, nil
	}
	if x.q == nil {
		return nil, false, nil
	}
	def, err := x.q.TaskDefGet(x.ctx, name)
	if errors.Is(err, conductor.ErrNotFound) {
		def, err = nil, nil
	}
	if err != nil {
		return nil, false, err
	}
	if x.taskDefs == nil {
		x.taskDefs = map[string]*conductor.TaskDef{}
	}
	x.taskDefs[name] = def
	return def, def != nil, nil
}

// MayUseSecret implements decide.Resolver: EXECUTE or READ on the secret.
func (x *execution) MayUseSecret(name string) bool {
	p := x.principal()
	return p == nil || p.CanUseSecret(name)
}

// CheckSecretWrite implements decide.Resolver (UPDATE_SECRET).
func (x *execution) CheckSecretWrite(name string) (bool, error) {
	return x.e.secrets.CheckWrite(x.ctx, x.q, x.principal(), name)
}

// Principal implements decide.Resolver.
func (x *execution) Principal() (name, id string) {
	if p := x.principal(); p != nil {
		return p.Name, p.ID
	}
	return "", ""
}

// Execute implements decide.Resolver: a synchronous system task handler run inline.
func (x *execution) Execute(a *decide.Attempt, input map[string]any) decide.Result {
	t := a.Task
	h, ok := x.e.systasks.Get(t.WorkflowTask.Type)
	if !ok {
		return decide.Result{Status: conductor.TaskFailedWithTerminalError, ReasonForIncompletion: "no handler for task type " + t.TaskType}
	}
	res := h.Execute(context.Background(), &systask.Task{
		TaskID: t.TaskID, WorkflowID: t.WorkflowInstanceID, RefName: t.ReferenceTaskName, TaskType: t.TaskType,
		RetryCount: t.RetryCount, PollCount: t.PollCount, Input: input, WorkflowTask: t.WorkflowTask,
		MaxOutputBytes: x.e.payloadMax,
	})
	return resultOf(res)
}

// taskDefOf is the task definition governing wt (see decide.TaskDefOf).
func (e *Engine) taskDefOf(wt *conductor.WorkflowTask) *conductor.TaskDef {
	return decide.TaskDefOf(wt, e.runnerOf(wt.Type) == decide.ByWorker)
}

// Interrupted implements decide.Resolver: the request's context ended.
func (x *execution) Interrupted() bool { return x.ctx != nil && x.ctx.Err() != nil }

// resultOf is a handler's result as the decider takes it.
func resultOf(res systask.Result) decide.Result {
	return decide.Result{Status: res.Status, Output: res.Output, ReasonForIncompletion: res.ReasonForIncompletion,
		CallbackAfterSeconds: res.CallbackAfterSeconds, Logs: res.Logs}
}

// decideConfig is the decider's view of the engine's configuration.
func (e *Engine) decideConfig() decide.Config {
	return decide.Config{
		PayloadMax: e.payloadMax, SystemTaskLease: e.systemTaskLease, Params: e.exprParams,
		RunnerOf: e.runnerOf, Script: e.evalScript,
		MaxSecretBytes: secrets.MaxSecretBytes, ValidSecretName: secrets.ValidName,
	}
}

// runnerOf says who executes a task type, from the systask registry.
func (e *Engine) runnerOf(taskType string) decide.Runner {
	switch e.systasks.RunnerOf(taskType) {
	case systask.ByWorker:
		return decide.ByWorker
	case systask.Unsupported:
		return decide.Unsupported
	case systask.ByDecider:
		return decide.ByDecider
	}
	if h, ok := e.systasks.Get(taskType); ok && h.Mode() == systask.Async {
		return decide.ByAsyncHandler
	}
	return decide.BySyncHandler
}
