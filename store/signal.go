package store

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
)

// Termination asks for a workflow to be terminated with a reason: a parent's decision asking
// for its canceled SUB_WORKFLOW task's child to end.
type Termination struct {
	WorkflowID string
	Reason     string
}

// TerminationsDone deletes the termination requests of workflowID, in the transaction that
// carries them out.
func (q *Queries) TerminationsDone(ctx context.Context, workflowID string) error {
	_, err := q.db.Exec(ctx, `DELETE FROM workflow_signals WHERE workflow_id = $1`, workflowID)
	return interpretError(err, "deleting termination requests")
}

// TerminationsDue returns up to limit termination requests written before before and not
// carried out yet (their writer stopped between its commit and carrying them out), oldest
// first, one per workflow.
func (q *Queries) TerminationsDue(ctx context.Context, before time.Time, limit int) ([]Termination, error) {
	rows, err := q.db.Query(ctx, `SELECT workflow_id::text, min(reason) FROM workflow_signals
		WHERE created_at < $1 GROUP BY workflow_id ORDER BY min(created_at) LIMIT $2`, before, limit)
	if err != nil {
		return nil, interpretError(err, "reading termination requests")
	}
	ts, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (Termination, error) {
		var t Termination
		err := row.Scan(&t.WorkflowID, &t.Reason)
		return t, err
	})
	return ts, interpretError(err, "reading termination requests")
}
