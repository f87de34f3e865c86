package store

import "context"

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
