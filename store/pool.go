package store

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/podiumhq/podium/internal/conductor"
)

// AcquireTimeoutDefault bounds the wait for a free pool connection when Config.AcquireTimeout is 0.
const AcquireTimeoutDefault = 5 * time.Second

// timedPool runs queries on the pool like *pgxpool.Pool does, but waits at most timeout for a
// free connection: a pool that stays exhausted longer is an ErrBusy error (503, retryable),
// not a request hanging until its client gives up. Only the wait for a connection is bounded;
// the statement then runs under the caller's context and the server's statement_timeout.
type timedPool struct {
	pool    *pgxpool.Pool
	timeout time.Duration
}

// acquire takes a connection, failing with ErrBusy when none frees up within the timeout
// while ctx itself is still live.
func (p *timedPool) acquire(ctx context.Context) (*pgxpool.Conn, error) {
	actx, cancel := context.WithTimeout(ctx, p.timeout)
	defer cancel()
	c, err := p.pool.Acquire(actx)
	if err == nil {
		return c, nil
	}
	if ctx.Err() == nil && errors.Is(actx.Err(), context.DeadlineExceeded) {
		return nil, errBusy(p.timeout)
	}
	return nil, err
}

// errBusy is the error of a connection wait that ran out.
func errBusy(waited time.Duration) error {
	return conductor.Busyf("Database is busy: no connection became free within %s; retry later", waited)
}

// Exec runs sql on a pooled connection.
func (p *timedPool) Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error) {
	c, err := p.acquire(ctx)
	if err != nil {
		return pgconn.CommandTag{}, err
	}
	defer c.Release()
	return c.Exec(ctx, sql, args...)
}

// Query runs sql on a pooled connection, released when the rows are closed or read to the end.
func (p *timedPool) Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error) {
	c, err := p.acquire(ctx)
	if err != nil {
		return nil, err
	}
	rows, err := c.Query(ctx, sql, args...)
	if err != nil {
		c.Release()
		return nil, err
	}
	return &releasingRows{Rows: rows, c: c}, nil
}

// QueryRow runs sql on a pooled connection, released by Scan.
func (p *timedPool) QueryRow(ctx context.Context, sql string, args ...any) pgx.Row {
	c, err := p.acquire(ctx)
	if err != nil {
		return errRow{err: err}
	}
	return &releasingRow{row: c.QueryRow(ctx, sql, args...), c: c}
}

// SendBatch sends b on a pooled connection, released when the results are closed.
func (p *timedPool) SendBatch(ctx context.Context, b *pgx.Batch) pgx.BatchResults {
	c, err := p.acquire(ctx)
	if err != nil {
		return pgx.FailedBatchResults(b, err)
	}
	return &releasingBatch{BatchResults: c.SendBatch(ctx, b), c: c}
}

// releasingRows gives its connection back to the pool once the rows are done.
type releasingRows struct {
	pgx.Rows
	c *pgxpool.Conn
}

func (r *releasingRows) release() {
	if r.c != nil {
		r.c.Release()
		r.c = nil
	}
}

// Close closes the rows and releases the connection.
func (r *releasingRows) Close() {
	r.Rows.Close()
	r.release()
}

// Next advances; after the last row the connection is released.
func (r *releasingRows) Next() bool {
	if r.Rows.Next() {
		return true
	}
	r.Close()
	return false
}

// Scan reads the current row; a failure closes the rows.
func (r *releasingRows) Scan(dest ...any) error {
	err := r.Rows.Scan(dest...)
	if err != nil {
		r.Close()
	}
	return err
}

// Values reads the current row; a failure closes the rows.
func (r *releasingRows) Values() ([]any, error) {
	v, err := r.Rows.Values()
	if err != nil {
		r.Close()
	}
	return v, err
}

// releasingRow gives its connection back to the pool when scanned.
type releasingRow struct {
	row pgx.Row
	c   *pgxpool.Conn
}

// Scan reads the row and releases the connection.
func (r *releasingRow) Scan(dest ...any) error {
	defer r.c.Release()
	return r.row.Scan(dest...)
}

// errRow is a row that failed before it was queried.
type errRow struct{ err error }

// Scan returns the failure.
func (r errRow) Scan(...any) error { return r.err }

// releasingBatch gives its connection back to the pool when closed.
type releasingBatch struct {
	pgx.BatchResults
	c *pgxpool.Conn
}

// Close closes the results and releases the connection.
func (b *releasingBatch) Close() error {
	err := b.BatchResults.Close()
	if b.c != nil {
		b.c.Release()
		b.c = nil
	}
	return err
}
