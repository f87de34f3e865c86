package store

import (
	"cmp"
	"context"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
)

// WorkflowsClaimDue claims, for the sweeper, up to limit executions whose next check time has
// passed and up to limit more holding a claimed task whose lease expired, and returns their ids
// (each once, oldest due first). The statement that finds them also writes the claim: rows
// locked by a decision or another claimer are skipped, and every returned workflow carries
// sweep_claimed_until = until, so other replicas skip it until then (see migration 000015).
// Nothing the decision reads is changed: next_check_at and the tasks' lease_until stay as
// they are. A workflow claimed by someone else is due again once its claim expired.
func (q *Queries) WorkflowsClaimDue(ctx context.Context, now, until time.Time, limit int) ([]string, error) {
	return queryList(ctx, q.db, "claiming due workflows", scanString, `
		WITH timers AS (
			SELECT workflow_id, next_check_at AS due FROM workflows
			WHERE next_check_at <= $1 AND (sweep_claimed_until IS NULL OR sweep_claimed_until <= $1)
			ORDER BY next_check_at
			LIMIT $3
			FOR UPDATE SKIP LOCKED
		), leases AS (
			SELECT w.workflow_id, t.lease_until AS due FROM tasks t JOIN workflows w ON w.workflow_id = t.workflow_id
			WHERE t.status = 'IN_PROGRESS' AND t.lease_until <= $1
			  AND (w.sweep_claimed_until IS NULL OR w.sweep_claimed_until <= $1)
			ORDER BY t.lease_until
			LIMIT $3
			FOR UPDATE OF w SKIP LOCKED
		), due AS (
			SELECT workflow_id, min(due) AS due FROM (SELECT * FROM timers UNION ALL SELECT * FROM leases) d
			GROUP BY workflow_id
		), claimed AS (
			UPDATE workflows w SET sweep_claimed_until = $2
			FROM due WHERE w.workflow_id = due.workflow_id
			RETURNING w.workflow_id, due.due
		)
		SELECT workflow_id::text FROM claimed ORDER BY due, workflow_id`,
		now, until, limit)
}

// TerminationsClaimDue claims up to limit termination requests written before before and not
// carried out yet (their writer stopped between its commit and carrying them out), oldest
// first, and returns one per workflow. Claiming moves a request's created_at to now, in the
// statement that finds it and skipping rows another claimer holds: other replicas leave it
// alone for the grace period again, and retry it after that if this claimer does not carry it
// out (carrying it out deletes it, see TerminationsDone).
func (q *Queries) TerminationsClaimDue(ctx context.Context, before, now time.Time, limit int) ([]Termination, error) {
	rows, err := q.db.Query(ctx, `
		WITH picked AS (
			SELECT ctid FROM workflow_signals WHERE created_at < $1
			ORDER BY created_at
			LIMIT $3
			FOR UPDATE SKIP LOCKED
		)
		UPDATE workflow_signals s SET created_at = $2 FROM picked WHERE s.ctid = picked.ctid
		RETURNING s.workflow_id::text, s.reason`, before, now, limit)
	if err != nil {
		return nil, interpretError(err, "claiming termination requests")
	}
	ts, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (Termination, error) {
		var t Termination
		err := row.Scan(&t.WorkflowID, &t.Reason)
		return t, err
	})
	if err != nil {
		return nil, interpretError(err, "claiming termination requests")
	}
	// One per workflow: carrying one out deletes them all.
	slices.SortFunc(ts, func(a, b Termination) int {
		return cmp.Or(cmp.Compare(a.WorkflowID, b.WorkflowID), cmp.Compare(a.Reason, b.Reason))
	})
	ts = slices.CompactFunc(ts, func(a, b Termination) bool { return a.WorkflowID == b.WorkflowID })
	if ts == nil {
		ts = []Termination{}
	}
	return ts, nil
}
