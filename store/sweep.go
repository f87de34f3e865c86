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
// (each once, oldest due first). The statement that finds them writes the claims
// (sweep_claims, until until): workflows locked by a decision or another claimer are skipped,
// and so are those another sweeper's live claim holds, so each due workflow goes to one
// sweeper. Nothing the decision reads is changed: next_check_at and the tasks' lease_until
// stay as they are. The claim ends when the sweeper's decision releases it (see
// ExecutionSave.ReleaseSweepClaim) or at until, when the workflow is due to anyone again.
//
// lost counts the due workflows found that another sweeper claimed while the statement ran:
// no ids and nothing lost means nothing is due that is not in someone's hands.
func (q *Queries) WorkflowsClaimDue(ctx context.Context, now, until time.Time, limit int) (ids []string, lost int, err error) {
	type found struct {
		id  string
		won bool
	}
	rows, err := claim(ctx, q, "claiming due workflows", func(row pgx.Row) (found, error) {
		var f found
		err := row.Scan(&f.id, &f.won)
		return f, err
	}, `
		WITH timers AS (
			SELECT w.workflow_id, w.next_check_at AS due FROM workflows w
			WHERE w.next_check_at <= $1 AND NOT EXISTS (SELECT 1 FROM sweep_claims c
				WHERE c.workflow_id = w.workflow_id AND c.claimed_until > $1)
			ORDER BY w.next_check_at
			LIMIT $3
			FOR UPDATE OF w SKIP LOCKED
		), leases AS (
			SELECT w.workflow_id, t.lease_until AS due FROM tasks t JOIN workflows w ON w.workflow_id = t.workflow_id
			WHERE t.status = 'IN_PROGRESS' AND t.lease_until <= $1 AND NOT EXISTS (SELECT 1 FROM sweep_claims c
				WHERE c.workflow_id = t.workflow_id AND c.claimed_until > $1)
			ORDER BY t.lease_until
			LIMIT $3
			FOR UPDATE OF w SKIP LOCKED
		), due AS (
			SELECT workflow_id, min(due) AS due FROM (SELECT * FROM timers UNION ALL SELECT * FROM leases) d
			GROUP BY workflow_id
		), claimed AS (
			-- A claim another sweeper wrote since this statement's snapshot wins: it is not
			-- overwritten, and the workflow is not returned.
			INSERT INTO sweep_claims AS c (workflow_id, claimed_until) SELECT workflow_id, $2 FROM due
			ON CONFLICT (workflow_id) DO UPDATE SET claimed_until = excluded.claimed_until WHERE c.claimed_until <= $1
			RETURNING c.workflow_id
		)
		SELECT d.workflow_id::text, c.workflow_id IS NOT NULL FROM due d LEFT JOIN claimed c USING (workflow_id)
		ORDER BY d.due, d.workflow_id`,
		now, until, limit)
	if err != nil {
		return nil, 0, err
	}
	ids = make([]string, 0, len(rows))
	for _, f := range rows {
		if f.won {
			ids = append(ids, f.id)
		} else {
			lost++
		}
	}
	return ids, lost, nil
}

// queueSweepClaimsRelease queues the deletion of the sweeper's claims on workflowIDs, decided.
func queueSweepClaimsRelease(batch *pgx.Batch, workflowIDs []string) {
	if len(workflowIDs) > 0 {
		batch.Queue(`DELETE FROM sweep_claims WHERE workflow_id = ANY($1::uuid[])`, workflowIDs)
	}
}

// SweepClaimsExpired deletes the claims that expired by now. They already mean nothing (a
// workflow whose claim expired is due to anyone); deleting them keeps the table the size of
// the work in hand, whatever became of the workflows their claimers left behind.
func (q *Queries) SweepClaimsExpired(ctx context.Context, now time.Time) error {
	_, err := q.db.Exec(ctx, `DELETE FROM sweep_claims WHERE claimed_until <= $1`, now)
	return interpretError(err, "deleting expired sweep claims")
}

// TerminationsClaimDue claims up to limit termination requests written before before and not
// carried out yet (their writer stopped between its commit and carrying them out), oldest
// first, and returns one per workflow. Claiming moves a request's created_at to now, in the
// statement that finds it and skipping rows another claimer holds: other replicas leave it
// alone for the grace period again, and retry it after that if this claimer does not carry it
// out (carrying it out deletes it, see TerminationsDone).
func (q *Queries) TerminationsClaimDue(ctx context.Context, before, now time.Time, limit int) ([]Termination, error) {
	ts, err := claim(ctx, q, "claiming termination requests", func(row pgx.Row) (Termination, error) {
		var t Termination
		err := row.Scan(&t.WorkflowID, &t.Reason)
		return t, err
	}, `
		WITH picked AS (
			SELECT ctid FROM workflow_signals WHERE created_at < $1
			ORDER BY created_at
			LIMIT $3
			FOR UPDATE SKIP LOCKED
		)
		UPDATE workflow_signals s SET created_at = $2 FROM picked WHERE s.ctid = picked.ctid
		RETURNING s.workflow_id::text, s.reason`, before, now, limit)
	if err != nil {
		return nil, err
	}
	// One per workflow: carrying one out deletes them all.
	slices.SortFunc(ts, func(a, b Termination) int {
		return cmp.Or(cmp.Compare(a.WorkflowID, b.WorkflowID), cmp.Compare(a.Reason, b.Reason))
	})
	ts = slices.CompactFunc(ts, func(a, b Termination) bool { return a.WorkflowID == b.WorkflowID })
	return ts, nil
}

// claim runs a claiming statement and returns its rows. Outside a transaction it commits
// without waiting for the commit to reach the disk (synchronous_commit off, one round trip
// for BEGIN, statement and COMMIT): a claim is a courtesy to other sweepers, and one lost in
// a crash only lets another sweeper decide the same workflows, which deciding tolerates.
func claim[T any](ctx context.Context, q *Queries, doing string, scan func(pgx.Row) (T, error), sql string, args ...any) ([]T, error) {
	if q.inTx {
		return queryList(ctx, q.db, doing, scan, sql, args...)
	}
	batch := &pgx.Batch{}
	batch.Queue("BEGIN")
	batch.Queue("SET LOCAL synchronous_commit = off")
	var list []T
	batch.Queue(sql, args...).Query(func(rows pgx.Rows) error {
		var err error
		list, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (T, error) { return scan(row) })
		return err
	})
	batch.Queue("COMMIT")
	if err := q.db.SendBatch(ctx, batch).Close(); err != nil {
		return nil, interpretError(err, doing)
	}
	if list == nil {
		list = []T{}
	}
	return list, nil
}
