package store

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
)

// Forever is the cutoff of what is kept forever: no end time is before it.
var Forever = time.Date(1, time.January, 1, 0, 0, 0, 0, time.UTC)

// RetentionCutoffs say, at one instant, which ended executions have expired: a top-level
// execution of a name that ended before its cutoff goes, with its sub-workflows. Names holds
// the cutoffs of the names with an override; the others take Default. Forever keeps. With
// Archive, expired executions move to the archive (readable by id and search) instead of
// being deleted.
type RetentionCutoffs struct {
	Default time.Time
	Names   map[string]time.Time
	Archive bool
	// Now is when the pass runs: the archive time of what it archives.
	Now time.Time
}

// Of returns the cutoff of the executions of name.
func (c RetentionCutoffs) Of(name string) time.Time {
	if at, ok := c.Names[name]; ok {
		return at
	}
	return c.Default
}

// earliest is the earliest cutoff: whatever ended before it has expired under every rule.
func (c RetentionCutoffs) earliest() time.Time {
	at := c.Default
	for _, n := range c.Names {
		if n.Before(at) {
			at = n
		}
	}
	return at
}

// latest is the latest cutoff: whatever ended after it is kept under every rule.
func (c RetentionCutoffs) latest() time.Time {
	at := c.Default
	for _, n := range c.Names {
		if n.After(at) {
			at = n
		}
	}
	return at
}

// PartitionDrop removes partition p of every history table if all it holds has expired
// under cutoffs: every execution in it ended before the cutoff of its name, no sub-workflow in
// it belongs to an execution that stays elsewhere, and the sub-workflows of its executions
// that lie in later partitions are removed with it. It reports whether p was dropped and how
// many executions went with it; a partition still holding anything to keep stays untouched.
func (s *Store) PartitionDrop(ctx context.Context, p Partition, cutoffs RetentionCutoffs) (bool, int64, error) {
	// Only a partition wholly before the latest cutoff can have expired whole; a later one may
	// still hold, or receive, executions that cannot have.
	if !p.End.Before(cutoffs.latest()) {
		return false, 0, nil
	}
	var dropped bool
	var removed int64
	err := s.InTx(ctx, func(q *Queries) error {
		// Lock the partition's rows against decisions first, so none revives an execution
		// between the check and the drop.
		part := pgx.Identifier{"workflows_" + p.Suffix}.Sanitize()
		if _, err := q.db.Exec(ctx, `SET LOCAL lock_timeout = '2s'`); err != nil {
			return interpretError(err, "dropping partition")
		}
		if _, err := q.db.Exec(ctx, `LOCK TABLE `+part+` IN EXCLUSIVE MODE`); err != nil {
			return interpretError(err, "locking partition")
		}
		keep, err := q.partitionHoldsKept(ctx, part, p, cutoffs)
		if err != nil || keep {
			return err
		}
		if err := q.db.QueryRow(ctx, `SELECT count(*) FROM `+part).Scan(&removed); err != nil {
			return interpretError(err, "counting partition")
		}
		// Sub-workflows of the partition's executions that started in a later partition.
		children, err := queryList(ctx, q.db, "listing sub-workflows", scanString, `
			WITH RECURSIVE tree(id) AS (
				SELECT workflow_id FROM workflows
				WHERE parent_workflow_id >= $1::uuid AND parent_workflow_id < $2::uuid
				  AND NOT (workflow_id >= $1::uuid AND workflow_id < $2::uuid)
				UNION
				SELECT c.workflow_id FROM workflows c JOIN tree t ON c.parent_workflow_id = t.id)
			SELECT id::text FROM tree`, p.Lower, p.Upper)
		if err != nil {
			return err
		}
		if err := q.executionsRemove(ctx, children, cutoffs); err != nil {
			return err
		}
		removed += int64(len(children))
		if cutoffs.Archive {
			if err := q.partitionArchive(ctx, p, cutoffs.Now); err != nil {
				return err
			}
		}
		for _, stmt := range []string{
			`DELETE FROM workflow_idempotency_keys WHERE workflow_id >= $1::uuid AND workflow_id < $2::uuid`,
			`DELETE FROM workflow_signals WHERE workflow_id >= $1::uuid AND workflow_id < $2::uuid`,
		} {
			if _, err := q.db.Exec(ctx, stmt, p.Lower, p.Upper); err != nil {
				return interpretError(err, "dropping partition")
			}
		}
		for i := len(historyTables) - 1; i >= 0; i-- {
			if _, err := q.db.Exec(ctx, `DROP TABLE `+pgx.Identifier{historyTables[i] + "_" + p.Suffix}.Sanitize()); err != nil {
				return interpretError(err, "dropping partition "+p.Suffix)
			}
		}
		if _, err := q.db.Exec(ctx, `DELETE FROM history_partitions WHERE suffix = $1`, p.Suffix); err != nil {
			return interpretError(err, "forgetting partition")
		}
		dropped = true
		return nil
	})
	if err != nil {
		return false, 0, err
	}
	return dropped, removed, nil
}

// partitionHoldsKept reports whether the partition part (of p) holds an execution to keep: one
// not ended, one ended at or after the cutoff of its name, or a sub-workflow of an execution
// outside the partition that still exists. The common cases cost an index probe or two.
func (q *Queries) partitionHoldsKept(ctx context.Context, part string, p Partition, cutoffs RetentionCutoffs) (bool, error) {
	var running bool
	var lastEnd *time.Time
	if err := q.db.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM `+part+` WHERE end_time IS NULL),
			(SELECT max(end_time) FROM `+part+`)`).Scan(&running, &lastEnd); err != nil {
		return false, interpretError(err, "reading partition")
	}
	if running {
		return true, nil
	}
	if lastEnd != nil && !lastEnd.Before(cutoffs.earliest()) {
		if len(cutoffs.Names) == 0 {
			return true, nil
		}
		names, ats := make([]string, 0, len(cutoffs.Names)), make([]time.Time, 0, len(cutoffs.Names))
		for n, at := range cutoffs.Names {
			names, ats = append(names, n), append(ats, at)
		}
		var kept bool
		if err := q.db.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM `+part+` w
				LEFT JOIN unnest($1::text[], $2::timestamptz[]) AS o(name, cutoff) ON o.name = w.workflow_name
				WHERE w.end_time >= $4 AND w.end_time >= coalesce(o.cutoff, $3))`,
			names, ats, cutoffs.Default, cutoffs.earliest()).Scan(&kept); err != nil {
			return false, interpretError(err, "reading partition")
		}
		if kept {
			return true, nil
		}
	}
	var orphaned bool
	err := q.db.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM `+part+` c
		WHERE c.parent_workflow_id IS NOT NULL
		  AND NOT (c.parent_workflow_id >= $1::uuid AND c.parent_workflow_id < $2::uuid)
		  AND EXISTS (SELECT 1 FROM workflows r WHERE r.workflow_id = c.parent_workflow_id))`, p.Lower, p.Upper).Scan(&orphaned)
	return orphaned, interpretError(err, "reading partition")
}

// ExpiredRemove removes (or archives) up to limit top-level executions of name that ended
// before its cutoff,
// each with its sub-workflows at every depth, their tasks, log lines and sealed data, and
// returns how many top-level executions it found and how many executions (sub-workflows
// included) went. An execution with a sub-workflow still running, or locked by a decision at
// that moment, is left for a later call.
func (s *Store) ExpiredRemove(ctx context.Context, name string, cutoffs RetentionCutoffs, limit int) (found, removed int, err error) {
	cutoff := cutoffs.Of(name)
	err = s.InTx(ctx, func(q *Queries) error {
		roots, err := queryList(ctx, q.db, "listing expired executions", scanString, `
			SELECT workflow_id::text FROM workflows
			WHERE workflow_name = $1 AND parent_workflow_id IS NULL AND end_time < $2
			  AND status NOT IN ('RUNNING', 'PAUSED')
			ORDER BY end_time LIMIT $3 FOR UPDATE SKIP LOCKED`, name, cutoff, limit)
		found = len(roots)
		if err != nil || len(roots) == 0 {
			return err
		}
		ids, err := q.executionTrees(ctx, roots)
		if err != nil {
			return err
		}
		if err := q.executionsRemove(ctx, ids, cutoffs); err != nil {
			return err
		}
		removed = len(ids)
		return nil
	})
	return found, removed, err
}

// executionTrees returns the executions of roots with their sub-workflows at every depth,
// leaving out every tree in which an execution has not ended.
func (q *Queries) executionTrees(ctx context.Context, roots []string) ([]string, error) {
	rows, err := q.db.Query(ctx, `
		WITH RECURSIVE tree(root, id, ended) AS (
			SELECT r, r, true FROM unnest($1::uuid[]) AS r
			UNION ALL
			SELECT t.root, c.workflow_id, c.end_time IS NOT NULL
			FROM tree t JOIN workflows c ON c.parent_workflow_id = t.id)
		SELECT root::text, id::text, ended FROM tree`, roots)
	if err != nil {
		return nil, interpretError(err, "listing sub-workflows")
	}
	members := map[string][]string{}
	open := map[string]bool{}
	var root, id string
	var ended bool
	if _, err := pgx.ForEachRow(rows, []any{&root, &id, &ended}, func() error {
		members[root] = append(members[root], id)
		open[root] = open[root] || !ended
		return nil
	}); err != nil {
		return nil, interpretError(err, "listing sub-workflows")
	}
	var ids []string
	for _, r := range roots {
		if !open[r] {
			ids = append(ids, members[r]...)
		}
	}
	return ids, nil
}

// executionsRemove archives or deletes the executions ids, as cutoffs say.
func (q *Queries) executionsRemove(ctx context.Context, ids []string, cutoffs RetentionCutoffs) error {
	if cutoffs.Archive {
		return q.executionsArchive(ctx, ids, cutoffs.Now)
	}
	return q.executionsDelete(ctx, ids)
}

// executionsDelete removes the executions ids with everything that belongs to them: tasks,
// log lines, idempotency keys and pending signals.
func (q *Queries) executionsDelete(ctx context.Context, ids []string) error {
	if len(ids) == 0 {
		return nil
	}
	batch := &pgx.Batch{}
	for _, table := range []string{"task_logs", "tasks", "workflow_idempotency_keys", "workflow_signals", "workflows"} {
		batch.Queue(`DELETE FROM `+table+` WHERE workflow_id = ANY($1::uuid[])`, ids)
	}
	return interpretError(q.db.SendBatch(ctx, batch).Close(), "deleting executions")
}

// EndedWorkflowNames lists the names of the top-level executions, one index probe per name.
func (q *Queries) EndedWorkflowNames(ctx context.Context) ([]string, error) {
	return queryList(ctx, q.db, "listing workflow names", scanString, `
		WITH RECURSIVE names(name) AS (
			(SELECT workflow_name FROM workflows WHERE parent_workflow_id IS NULL ORDER BY workflow_name LIMIT 1)
			UNION ALL
			SELECT (SELECT workflow_name FROM workflows WHERE parent_workflow_id IS NULL AND workflow_name > n.name
				ORDER BY workflow_name LIMIT 1) FROM names n WHERE n.name IS NOT NULL)
		SELECT name FROM names WHERE name IS NOT NULL`)
}

// HistoryRemove removes up to limit records older than cutoff of the other history: schedule
// slot records that settled (not the ones being fired), event deliveries and processed event
// messages. It returns how many rows went.
func (q *Queries) HistoryRemove(ctx context.Context, cutoff time.Time, limit int) (int64, error) {
	var total int64
	for _, stmt := range []struct {
		sql string
		at  any
	}{
		{`DELETE FROM schedule_executions WHERE execution_id IN (SELECT execution_id FROM schedule_executions
			WHERE scheduled_time < $1 AND state <> 'POLLED' ORDER BY scheduled_time LIMIT $2)`, cutoff.UnixMilli()},
		{`DELETE FROM event_executions WHERE ctid IN (SELECT ctid FROM event_executions
			WHERE created_at < $1 ORDER BY created_at LIMIT $2)`, cutoff},
		{`DELETE FROM event_messages WHERE message_id IN (SELECT message_id FROM event_messages
			WHERE processed_at < $1 ORDER BY processed_at LIMIT $2)`, cutoff},
	} {
		tag, err := q.db.Exec(ctx, stmt.sql, stmt.at, limit)
		if err != nil {
			return total, interpretError(err, "removing old records")
		}
		total += tag.RowsAffected()
	}
	return total, nil
}

// ArchiveRemove removes up to limit archived executions archived before cutoff, oldest
// first, with their tasks; it returns how many went. It reads archived_at's index, so it
// costs what it removes.
func (q *Queries) ArchiveRemove(ctx context.Context, cutoff time.Time, limit int) (int64, error) {
	tag, err := q.db.Exec(ctx, `DELETE FROM archived_workflows WHERE workflow_id IN (SELECT workflow_id
		FROM archived_workflows WHERE archived_at < $1 ORDER BY archived_at LIMIT $2)`, cutoff, limit)
	if err != nil {
		return 0, interpretError(err, "removing archived executions")
	}
	return tag.RowsAffected(), nil
}

// RetentionOverride is how long the ended executions of one workflow name are kept, in place
// of the server's default. Keep 0 keeps them forever.
type RetentionOverride struct {
	WorkflowName string
	Keep         time.Duration
	UpdateTime   time.Time
	UpdatedBy    string
}

// RetentionOverrideSet stores o, replacing the override of its name.
func (q *Queries) RetentionOverrideSet(ctx context.Context, o RetentionOverride) error {
	var keep *int64
	if o.Keep > 0 {
		secs := int64(o.Keep / time.Second)
		keep = &secs
	}
	_, err := q.db.Exec(ctx, `INSERT INTO retention_overrides (workflow_name, keep_seconds, update_time, updated_by)
		VALUES ($1, $2, $3, $4) ON CONFLICT (workflow_name) DO UPDATE
		SET keep_seconds = excluded.keep_seconds, update_time = excluded.update_time, updated_by = excluded.updated_by`,
		o.WorkflowName, keep, o.UpdateTime, nullString(o.UpdatedBy))
	return interpretError(err, "saving retention")
}

// RetentionOverrideDelete removes the override of name; none gives conductor.ErrNotFound.
func (q *Queries) RetentionOverrideDelete(ctx context.Context, name string) error {
	return execOne(ctx, q.db, "deleting retention", `DELETE FROM retention_overrides WHERE workflow_name = $1`, name)
}

// RetentionOverrides lists every override by name.
func (q *Queries) RetentionOverrides(ctx context.Context) ([]RetentionOverride, error) {
	return queryList(ctx, q.db, "listing retention", func(row pgx.Row) (RetentionOverride, error) {
		var o RetentionOverride
		var keep *int64
		var by *string
		err := row.Scan(&o.WorkflowName, &keep, &o.UpdateTime, &by)
		if keep != nil {
			o.Keep = time.Duration(*keep) * time.Second
		}
		if by != nil {
			o.UpdatedBy = *by
		}
		return o, err
	}, `SELECT workflow_name, keep_seconds, update_time, updated_by FROM retention_overrides ORDER BY workflow_name`)
}
