package store

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// historyTables are the tables partitioned by RANGE (workflow_id) on the same bounds, in the
// order their partitions are created; they are dropped in the reverse order.
var historyTables = []string{"workflows", "tasks", "task_logs"}

// tableStorage is the storage parameters of each history table's partitions: claims rewrite
// task rows, and the free room lets the new version stay on the same page.
var tableStorage = map[string]string{"tasks": " WITH (fillfactor = 80)"}

// Partition is one time partition of the history tables: the executions started in
// [Start, End), whose UUIDv7 ids lie in [Lower, Upper).
type Partition struct {
	Suffix       string
	Start, End   time.Time
	Lower, Upper string
}

// IDBound returns the smallest UUIDv7 of the millisecond t: every id generated at or after t
// is at least this one, every id generated before it is smaller.
func IDBound(t time.Time) string {
	var u uuid.UUID
	var ms [8]byte
	binary.BigEndian.PutUint64(ms[:], uint64(max(t.UnixMilli(), 0)))
	copy(u[:6], ms[2:])
	return u.String()
}

// PartitionSuffix names the partition of the executions started from start on.
func PartitionSuffix(start time.Time) string {
	return "p" + start.UTC().Format("20060102t150405")
}

// Partitions lists the time partitions, oldest first.
func (q *Queries) Partitions(ctx context.Context) ([]Partition, error) {
	return queryList(ctx, q.db, "listing partitions", func(row pgx.Row) (Partition, error) {
		var p Partition
		err := row.Scan(&p.Suffix, &p.Start, &p.End, &p.Lower, &p.Upper)
		return p, err
	}, `SELECT suffix, starts_at, ends_at, lower::text, upper::text FROM history_partitions ORDER BY starts_at`)
}

// EnsurePartitions creates the time partitions that hold the executions started from the
// span-aligned window of now through ahead windows later (see EnsurePartitionsBetween).
func (s *Store) EnsurePartitions(ctx context.Context, now time.Time, span time.Duration, ahead int) ([]Partition, error) {
	from := now.UTC().Truncate(span)
	return s.EnsurePartitionsBetween(ctx, from, from.Add(time.Duration(ahead+1)*span), span)
}

// EnsurePartitionsBetween creates the span-aligned time partitions that hold the executions
// started from from until until, skipping the time existing partitions cover (a changed span
// leaves the old bounds as they are), and returns those it created. Several processes may call
// it at once: one creates, the others see its partitions. Seeding history into the past
// creates the past partitions with it.
func (s *Store) EnsurePartitionsBetween(ctx context.Context, from, until time.Time, span time.Duration) ([]Partition, error) {
	if span < time.Minute {
		return nil, fmt.Errorf("partition span %s is shorter than a minute", span)
	}
	var created []Partition
	// Locking the default partitions can deadlock with queries that read them in another
	// order, or wait out its timeout: the loser is rolled back, and tried again.
	var err error
	for attempt := range partitionAttempts {
		if attempt > 0 {
			select {
			case <-ctx.Done():
				return nil, ctx.Err()
			case <-time.After(time.Duration(attempt) * 50 * time.Millisecond):
			}
		}
		created, err = s.ensurePartitions(ctx, from, until, span)
		if !isLockConflict(err) {
			break
		}
	}
	return created, err
}

// partitionAttempts is how many times EnsurePartitionsBetween tries before giving up.
const partitionAttempts = 5

// isLockConflict reports whether err is a deadlock or a lock timeout.
func isLockConflict(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && (pgErr.Code == "40P01" || pgErr.Code == "55P03")
}

func (s *Store) ensurePartitions(ctx context.Context, from, until time.Time, span time.Duration) ([]Partition, error) {
	var created []Partition
	err := s.InTx(ctx, func(q *Queries) error {
		if _, err := q.db.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtext('podium.partitions'))`); err != nil {
			return interpretError(err, "locking partitions")
		}
		existing, err := q.Partitions(ctx)
		if err != nil {
			return err
		}
		for _, p := range plannedPartitions(existing, from, until, span) {
			if err := q.createPartition(ctx, p); err != nil {
				return err
			}
			created = append(created, p)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return created, nil
}

// plannedPartitions returns the windows to create: span-aligned, from the window of from
// until until, cut where existing partitions begin and skipped where they lie.
func plannedPartitions(existing []Partition, from, until time.Time, span time.Duration) []Partition {
	var planned []Partition
	for at := from.UTC().Truncate(span); at.Before(until); {
		end := at.Truncate(span).Add(span)
		covered := false
		for _, p := range existing {
			switch {
			case !p.Start.After(at) && p.End.After(at): // at lies inside p: continue after it
				end, covered = p.End, true
			case p.Start.After(at) && p.Start.Before(end): // p begins inside the window: stop there
				end = p.Start
			}
			if covered {
				break
			}
		}
		if !covered {
			planned = append(planned, Partition{Suffix: PartitionSuffix(at), Start: at, End: end,
				Lower: IDBound(at), Upper: IDBound(end)})
		}
		at = end
	}
	return planned
}

// createPartition adds p to every history table. Rows of its range already in the default
// partitions (ids from before time partitions, or from a window no partition covered yet) are
// moved into it first: the default partitions are locked meanwhile, so none can arrive between
// the move and the attach, and the attach finds the default holding nothing of the range.
func (q *Queries) createPartition(ctx context.Context, p Partition) error {
	if _, err := q.db.Exec(ctx, `SET LOCAL lock_timeout = '10s'`); err != nil {
		return interpretError(err, "creating partition")
	}
	if _, err := q.db.Exec(ctx, `LOCK TABLE workflows_default, tasks_default, task_logs_default IN ACCESS EXCLUSIVE MODE`); err != nil {
		return interpretError(err, "locking default partitions")
	}
	for _, table := range historyTables {
		name := pgx.Identifier{table + "_" + p.Suffix}.Sanitize()
		bounds := fmt.Sprintf("workflow_id >= '%s' AND workflow_id < '%s'", p.Lower, p.Upper)
		for _, stmt := range []string{
			fmt.Sprintf(`CREATE TABLE %s (LIKE %s INCLUDING DEFAULTS)%s`, name, table, tableStorage[table]),
			fmt.Sprintf(`INSERT INTO %s SELECT * FROM %s_default WHERE %s`, name, table, bounds),
			fmt.Sprintf(`DELETE FROM %s_default WHERE %s`, table, bounds),
			// The constraint spares the attach a scan of the new partition.
			fmt.Sprintf(`ALTER TABLE %s ADD CONSTRAINT %s CHECK (%s)`, name, pgx.Identifier{table + "_" + p.Suffix + "_bounds"}.Sanitize(), bounds),
			fmt.Sprintf(`ALTER TABLE %s ATTACH PARTITION %s FOR VALUES FROM ('%s') TO ('%s')`, table, name, p.Lower, p.Upper),
		} {
			if _, err := q.db.Exec(ctx, stmt); err != nil {
				return interpretError(err, "creating partition "+p.Suffix+" of "+table)
			}
		}
		if err := q.nameIndexes(ctx, table+"_"+p.Suffix, p.Suffix); err != nil {
			return err
		}
	}
	_, err := q.db.Exec(ctx, `INSERT INTO history_partitions (suffix, starts_at, ends_at, lower, upper) VALUES ($1, $2, $3, $4, $5)`,
		p.Suffix, p.Start, p.End, p.Lower, p.Upper)
	return interpretError(err, "recording partition")
}

// nameIndexes renames the indexes the attach created on partition after their parent
// indexes (tasks_unsettled_<suffix>), so a plan says which index it uses.
func (q *Queries) nameIndexes(ctx context.Context, partition, suffix string) error {
	rows, err := q.db.Query(ctx, `SELECT c.relname, p.relname
		FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_class p ON p.oid = i.inhparent
		JOIN pg_index x ON x.indexrelid = c.oid WHERE x.indrelid = $1::regclass`, partition)
	if err != nil {
		return interpretError(err, "naming partition indexes")
	}
	renames, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (string, error) {
		var child, parent string
		err := row.Scan(&child, &parent)
		return fmt.Sprintf(`ALTER INDEX %s RENAME TO %s`, pgx.Identifier{child}.Sanitize(), pgx.Identifier{parent + "_" + suffix}.Sanitize()), err
	})
	if err != nil {
		return interpretError(err, "naming partition indexes")
	}
	for _, stmt := range renames {
		if _, err := q.db.Exec(ctx, stmt); err != nil {
			return interpretError(err, "naming partition indexes")
		}
	}
	return nil
}
