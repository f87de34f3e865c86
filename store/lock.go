package store

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"

	"github.com/podiumhq/podium/internal/conductor"
)

// WorkflowLock locks and reads one execution with all its attempts inside the transaction q
// already runs in (Store.InTx), for a caller that changes several executions in one
// transaction and saves each with SaveExecution. A missing workflow is conductor.ErrNotFound.
func (q *Queries) WorkflowLock(ctx context.Context, workflowID string) (*WorkflowRecord, []*TaskRecord, error) {
	if !q.inTx {
		return nil, nil, errors.New("store: WorkflowLock needs a transaction")
	}
	rec, err := scanWorkflow(q.db.QueryRow(ctx, `SELECT `+workflowColumns+` FROM workflows
		WHERE workflow_id = $1 FOR UPDATE`, workflowID))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil, conductor.ErrNotFound
	}
	if err != nil {
		return nil, nil, interpretError(err, "locking a workflow")
	}
	rows, err := q.db.Query(ctx, `SELECT `+taskColumns+` FROM tasks WHERE workflow_id = $1
		ORDER BY seq FOR UPDATE`, workflowID)
	if err != nil {
		return nil, nil, interpretError(err, "reading tasks")
	}
	tasks, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (*TaskRecord, error) { return scanTask(row) })
	if err != nil {
		return nil, nil, interpretError(err, "reading tasks")
	}
	if rec.Definition, err = q.snapshot(ctx, rec.snapshot); err != nil {
		return nil, nil, err
	}
	attachWorkflowTasks(tasks, rec.Definition)
	if n := len(tasks); n > 0 {
		rec.MaxSeq = tasks[n-1].Task.Seq
	}
	return rec, tasks, nil
}

// WorkflowsLock locks the rows of workflowIDs in id order inside the transaction q runs in,
// the order every transaction locking several workflows takes, so that none can deadlock
// another. Missing ids are skipped.
func (q *Queries) WorkflowsLock(ctx context.Context, workflowIDs []string) error {
	if !q.inTx {
		return errors.New("store: WorkflowsLock needs a transaction")
	}
	_, err := q.db.Exec(ctx, `SELECT 1 FROM workflows WHERE workflow_id = ANY($1::uuid[])
		ORDER BY workflow_id FOR UPDATE`, workflowIDs)
	return interpretError(err, "locking workflows")
}

// WorkflowRecordGet reads an execution's row (its document and sealed state, no tasks)
// without locking it.
func (q *Queries) WorkflowRecordGet(ctx context.Context, workflowID string) (*WorkflowRecord, error) {
	rec, err := scanWorkflow(q.db.QueryRow(ctx, `SELECT `+workflowColumns+` FROM workflows WHERE workflow_id = $1`, workflowID))
	if err != nil {
		return nil, interpretError(err, "reading a workflow")
	}
	return rec, nil
}
