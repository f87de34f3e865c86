package store

import (
	"context"
	"errors"
	"strings"

	"github.com/jackc/pgx/v5"
)

// ExecForTest runs a statement on q; tests use it to put the schema in odd states.
func ExecForTest(ctx context.Context, q *Queries, sql string, args ...any) error {
	_, err := q.db.Exec(ctx, sql, args...)
	return err
}

// IsLocalHost exposes isLocalHost to tests.
var IsLocalHost = isLocalHost

// UnsettledTasksQuery exposes the statement a decision locks its unsettled attempts with.
var UnsettledTasksQuery = unsettledTasksQuery

// ExplainForTest prepares sql (its parameters two uuid[]: ids, and none for the second), then answers the plan of running
// it with ids under PostgreSQL's generic plan, the plan a prepared statement settles on, inside
// one transaction with the session settings a decision uses.
func ExplainForTest(ctx context.Context, s *Store, sql string, ids []string) (string, error) {
	var plan []string
	err := s.InTx(ctx, func(q *Queries) error {
		for _, stmt := range []string{`SET LOCAL enable_bitmapscan = off`, `SET LOCAL plan_cache_mode = force_generic_plan`,
			`PREPARE explained(uuid[], uuid[]) AS ` + sql} {
			if _, err := q.db.Exec(ctx, stmt); err != nil {
				return err
			}
		}
		// EXPLAIN takes no parameters: the ids (UUIDs, from the test) go in as a literal.
		rows, err := q.db.Query(ctx, `EXPLAIN EXECUTE explained('{`+strings.Join(ids, ",")+`}', '{}')`)
		if err != nil {
			return err
		}
		plan, err = pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			return err
		}
		_, err = q.db.Exec(ctx, `DEALLOCATE explained`)
		return err
	})
	return strings.Join(plan, "\n"), err
}

// V7SQLForTest is an SQL expression of a random UUIDv7 whose time is the timestamptz at.
func V7SQLForTest(at string) string {
	return `encode(overlay(uuid_send(gen_random_uuid()) placing substring(int8send((extract(epoch FROM ` + at +
		`) * 1000)::bigint) FROM 3) FROM 1 FOR 6), 'hex')::uuid`
}

// ExplainWorkflowSearchForTest answers the plan of the page statement of a workflow search
// with p, its arguments bound, with sequential scans disabled: a Seq Scan left in the plan is
// a predicate or an order no index can serve. The statements setup run first, in the same
// transaction, which is rolled back.
func ExplainWorkflowSearchForTest(ctx context.Context, s *Store, p WorkflowSearchParams, setup ...string) (string, error) {
	f := filter{perValue: true}
	where, err := workflowSearchWhere(&f, p)
	if err != nil {
		return "", err
	}
	sql, err := workflowPageSQL(&f, matching{where, where}, p.Sort, p.Size, p.Start, p.After)
	if err != nil {
		return "", err
	}
	var plan []string
	err = s.InTx(ctx, func(q *Queries) error {
		for _, stmt := range append([]string{`SET LOCAL enable_seqscan = off`}, setup...) {
			if _, err := q.db.Exec(ctx, stmt); err != nil {
				return err
			}
		}
		rows, err := q.db.Query(ctx, `EXPLAIN `+sql, f.queryArgs()...)
		if err != nil {
			return err
		}
		if plan, err = pgx.CollectRows(rows, pgx.RowTo[string]); err != nil {
			return err
		}
		return errRollBack
	})
	if errors.Is(err, errRollBack) {
		err = nil
	}
	return strings.Join(plan, "\n"), err
}

// errRollBack ends a transaction whose changes must not stay.
var errRollBack = errors.New("rolled back")

// QueryRowForTest runs a one-row query on s and scans it into dest.
func QueryRowForTest(ctx context.Context, s *Store, sql string, dest ...any) error {
	return s.db.QueryRow(ctx, sql).Scan(dest...)
}
