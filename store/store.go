// Package store is Podium's only door to PostgreSQL: every SQL statement lives here. It opens
// the pgx pool, applies the embedded migrations, and maps rows to internal/conductor types and
// database errors to conductor error kinds.
package store

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/podiumhq/podium/internal/conductor"
)

// Config tunes the connection pool.
type Config struct {
	// URL is a PostgreSQL connection string (postgres://… or key=value).
	URL string
	// MaxConns caps the pool; 0 takes MaxConnsDefault.
	MaxConns int32
	// StatementTimeout aborts any statement running longer; 0 takes StatementTimeoutDefault.
	StatementTimeout time.Duration
	// ApplicationName shows in pg_stat_activity; "" takes "podium".
	ApplicationName string
	// AcquireTimeout bounds the wait for a free connection; a longer wait fails with
	// conductor.ErrBusy. 0 takes AcquireTimeoutDefault.
	AcquireTimeout time.Duration
}

// Pool defaults.
const (
	MaxConnsDefault         = 20
	StatementTimeoutDefault = 30 * time.Second
	connectTimeoutDefault   = 10 * time.Second
)

// DBTX is what queries run on: the pool or a transaction.
type DBTX interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
	SendBatch(ctx context.Context, b *pgx.Batch) pgx.BatchResults
}

// Queries holds every query method; it runs them on the pool or inside a transaction.
type Queries struct {
	db   DBTX
	defs *snapshots
	// inTx marks queries running inside a transaction that may still roll back.
	inTx bool
}

// InTx reports whether q runs inside a transaction.
func (q *Queries) InTx() bool { return q.inTx }

// Store owns the connection pool.
type Store struct {
	*Queries
	pool  *pgxpool.Pool
	timed *timedPool
	defs  *snapshots
}

// Open connects to the database of cfg.URL, creating that database first when it is missing
// on a local server.
func Open(ctx context.Context, cfg Config) (*Store, error) {
	pcfg, err := pgxpool.ParseConfig(cfg.URL)
	if err != nil {
		return nil, fmt.Errorf("error parsing database URL: %w", err)
	}
	pcfg.MaxConns = cmp.Or(max(cfg.MaxConns, 0), MaxConnsDefault)
	timeout := cmp.Or(cfg.StatementTimeout, StatementTimeoutDefault)
	params := pcfg.ConnConfig.RuntimeParams
	params["application_name"] = cmp.Or(cfg.ApplicationName, "podium")
	params["timezone"] = "UTC"
	params["statement_timeout"] = fmt.Sprint(timeout.Milliseconds())
	params["idle_in_transaction_session_timeout"] = fmt.Sprint((2 * timeout).Milliseconds())
	// Every statement runs a generic plan, planned once per connection. The history tables are
	// partitioned, and a statement that finds its partition by a parameter (a workflow id, a
	// queue's tasks in every partition) is planned afresh for each run otherwise, over every
	// partition and its indexes: with eight partitions a decision's lookups and a claim spent 4
	// to 14 ms planning for under 1 ms of work. Generic plans prune partitions as they run.
	// Searches, whose best plan depends on the values they carry, are planned for them (see
	// filter.queryArgs).
	params["plan_cache_mode"] = "force_generic_plan"
	if pcfg.ConnConfig.ConnectTimeout == 0 {
		pcfg.ConnConfig.ConnectTimeout = connectTimeoutDefault // unless the URL sets connect_timeout
	}
	pcfg.MaxConnIdleTime = 5 * time.Minute
	pcfg.HealthCheckPeriod = 30 * time.Second

	if err := ensureDatabase(ctx, pcfg.ConnConfig); err != nil {
		return nil, err
	}
	pool, err := pgxpool.NewWithConfig(ctx, pcfg)
	if err != nil {
		return nil, fmt.Errorf("error creating pool: %w", err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("error connecting to database: %w", err)
	}
	defs := newSnapshots()
	timed := &timedPool{pool: pool, timeout: cmp.Or(cfg.AcquireTimeout, AcquireTimeoutDefault)}
	return &Store{Queries: &Queries{db: timed, defs: defs}, pool: pool, timed: timed, defs: defs}, nil
}

// Close releases every connection.
func (s *Store) Close() { s.pool.Close() }

// MaxConns is the size of the connection pool: what the services sharing the store size
// their concurrency by.
func (s *Store) MaxConns() int { return int(s.pool.Config().MaxConns) }

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error { return s.pool.Ping(ctx) }

// InTx runs fn in one transaction, committed when fn returns nil and rolled back otherwise.
func (s *Store) InTx(ctx context.Context, fn func(q *Queries) error) error {
	conn, err := s.timed.acquire(ctx)
	if err != nil {
		return interpretError(err, "acquiring a connection")
	}
	defer conn.Release()
	return pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
		return fn(&Queries{db: tx, defs: s.defs, inTx: true})
	})
}

// interpretError maps driver errors to conductor error kinds; others get context.
func interpretError(err error, doing string) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, pgx.ErrNoRows) {
		return conductor.ErrNotFound
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch pgErr.Code {
		case "23505": // unique_violation
			return conductor.ErrConflict
		case "22P05", "22021": // untranslatable_character, character_not_in_repertoire
			return conductor.Invalidf("text contains a character that cannot be stored (such as \\u0000)")
		case "54000": // program_limit_exceeded: an index row too large, a value too long
			return conductor.Invalidf("a value is too large to be stored")
		case "22003": // numeric_value_out_of_range
			return conductor.Invalidf("a number is out of range")
		case "22008": // datetime_field_overflow
			return conductor.Invalidf("a time is out of range")
		case "53300", "57P03": // too_many_connections, cannot_connect_now
			return conductor.Busyf("Database is busy: it takes no more connections now; retry later")
		}
	}
	return fmt.Errorf("error %s: %w", doing, err)
}
