package store

import (
	"context"

	"github.com/jackc/pgx/v5"

	"github.com/podiumhq/podium/internal/conductor"
)

// queryList runs a query of any number of rows on db and scans each row with scan, in order;
// no row gives an empty list. A failure of the query or of any row is interpreted (see
// interpretError) as an error while doing what the caller names.
func queryList[T any](ctx context.Context, db DBTX, doing string, scan func(pgx.Row) (T, error), sql string, args ...any) ([]T, error) {
	rows, err := db.Query(ctx, sql, args...)
	if err != nil {
		return nil, interpretError(err, doing)
	}
	list, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (T, error) { return scan(row) })
	return list, interpretError(err, doing)
}

// scanString scans a row of one text column (an id, a name).
func scanString(row pgx.Row) (string, error) {
	var s string
	err := row.Scan(&s)
	return s, err
}

// execOne runs a statement that must touch a row: none touched is conductor.ErrNotFound.
func execOne(ctx context.Context, db DBTX, doing, sql string, args ...any) error {
	tag, err := db.Exec(ctx, sql, args...)
	if err != nil {
		return interpretError(err, doing)
	}
	if tag.RowsAffected() == 0 {
		return conductor.ErrNotFound
	}
	return nil
}
