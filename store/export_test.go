package store

import "context"

// ExecForTest runs a statement on q; tests use it to put the schema in odd states.
func ExecForTest(ctx context.Context, q *Queries, sql string, args ...any) error {
	_, err := q.db.Exec(ctx, sql, args...)
	return err
}

// IsLocalHost exposes isLocalHost to tests.
var IsLocalHost = isLocalHost
