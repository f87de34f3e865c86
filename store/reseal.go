package store

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// SealedTable names a table whose rows hold sealed values: the secrets and the execution data
// (a workflow's secret state, a task's real input and output).
type SealedTable string

// The tables a key rotation walks.
const (
	SealedSecrets   SealedTable = "secrets"
	SealedWorkflows SealedTable = "workflows"
	SealedTasks     SealedTable = "tasks"
)

// sealedTable is the SQL of walking one sealed table by its primary key. Every read answers
// rows of (key, part, stale value per column, how many columns hold a sealed value), where a
// stale value is one sealed under another key than $1 (NULL otherwise) and part is the
// partition key of tasks ("" elsewhere).
type sealedTable struct {
	columns []string
	// first and after read the next sealed rows in key order ($2 of them; after: past $3).
	first, after string
	// byKeys reads the rows of the keys $2 (and parts $3).
	byKeys string
	// swap re-seals the values still equal to the old ones it is given, skipping rows locked
	// by others, and answers per row which columns it replaced. The engine writes a task's
	// sealed columns only under its workflow's row lock, sometimes from a copy it read without
	// locking the task: so the swap of a task holds its workflow's row too (shared, skipped
	// when the engine holds it), or a decision could write back the value it replaced.
	swap string
	// hasPart: key arrays go with a parts array; setsKeyID: swap takes the active key last.
	hasPart, setsKeyID bool
}

// staleSeal is a sealed column whose key id (after a version byte and the id's length) is not $1.
const staleSeal = `CASE WHEN %[1]s IS NOT NULL AND
	convert_from(substring(%[1]s from 3 for get_byte(%[1]s, 1)), 'UTF8') <> $1 THEN %[1]s END`

func tasksSelect() string {
	return `SELECT t.task_id::text, t.workflow_id::text, ` + fmt.Sprintf(staleSeal, "t.sealed_input") + `, ` +
		fmt.Sprintf(staleSeal, "t.sealed_output") + `, (t.sealed_input IS NOT NULL)::int + (t.sealed_output IS NOT NULL)::int`
}

func workflowsSelect() string {
	return `SELECT t.workflow_id::text, '', ` + fmt.Sprintf(staleSeal, "t.sealed") + `, NULL::bytea, 1`
}

const secretsSelect = `SELECT t.name, '', CASE WHEN t.key_id <> $1 THEN t.sealed END, NULL::bytea, 1`

// The partial indexes tasks_sealed and workflows_sealed hold exactly the rows these walk
// (their predicates are the WHERE clauses), so a batch reads nothing but sealed rows.
const (
	tasksSealed     = `(t.sealed_input IS NOT NULL OR t.sealed_output IS NOT NULL)`
	workflowsSealed = `t.sealed IS NOT NULL`
)

var sealedTables = map[SealedTable]sealedTable{
	SealedTasks: {
		columns: []string{"sealed_input", "sealed_output"},
		first:   tasksSelect() + ` FROM tasks t WHERE ` + tasksSealed + ` ORDER BY t.task_id LIMIT $2`,
		after:   tasksSelect() + ` FROM tasks t WHERE ` + tasksSealed + ` AND t.task_id > $3::uuid ORDER BY t.task_id LIMIT $2`,
		byKeys: tasksSelect() + ` FROM unnest($2::uuid[], $3::uuid[]) AS k(task_id, workflow_id)
			JOIN tasks t ON t.task_id = k.task_id AND t.workflow_id = k.workflow_id`,
		swap: `WITH v AS (
				SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::bytea[], $4::bytea[], $5::bytea[], $6::bytea[])
					AS v(task_id, workflow_id, old0, new0, old1, new1)
			), workflow AS (
				SELECT w.workflow_id FROM workflows w WHERE w.workflow_id = ANY($2::uuid[]) FOR SHARE SKIP LOCKED
			), locked AS (
				SELECT t.task_id, t.workflow_id FROM v JOIN tasks t ON t.task_id = v.task_id AND t.workflow_id = v.workflow_id
				WHERE (t.sealed_input = v.old0 OR t.sealed_output = v.old1)
					AND (v.workflow_id IN (SELECT workflow_id FROM workflow)
						OR NOT EXISTS (SELECT FROM workflows x WHERE x.workflow_id = v.workflow_id))
				FOR UPDATE OF t SKIP LOCKED
			)
			UPDATE tasks t SET
				sealed_input = CASE WHEN t.sealed_input = v.old0 THEN v.new0 ELSE t.sealed_input END,
				sealed_output = CASE WHEN t.sealed_output = v.old1 THEN v.new1 ELSE t.sealed_output END
			FROM v JOIN locked l ON l.task_id = v.task_id AND l.workflow_id = v.workflow_id
			WHERE t.task_id = v.task_id AND t.workflow_id = v.workflow_id
			RETURNING t.task_id::text, coalesce(t.sealed_input = v.new0, false), coalesce(t.sealed_output = v.new1, false)`,
		hasPart: true,
	},
	SealedWorkflows: {
		columns: []string{"sealed"},
		first:   workflowsSelect() + ` FROM workflows t WHERE ` + workflowsSealed + ` ORDER BY t.workflow_id LIMIT $2`,
		after:   workflowsSelect() + ` FROM workflows t WHERE ` + workflowsSealed + ` AND t.workflow_id > $3::uuid ORDER BY t.workflow_id LIMIT $2`,
		byKeys:  workflowsSelect() + ` FROM workflows t WHERE t.workflow_id = ANY($2::uuid[])`,
		swap: `WITH v AS (
				SELECT * FROM unnest($1::uuid[], $2::bytea[], $3::bytea[]) AS v(workflow_id, old0, new0)
			), locked AS (
				SELECT t.workflow_id FROM v JOIN workflows t ON t.workflow_id = v.workflow_id
				WHERE t.sealed = v.old0
				FOR UPDATE OF t SKIP LOCKED
			)
			UPDATE workflows t SET sealed = v.new0
			FROM v JOIN locked l ON l.workflow_id = v.workflow_id
			WHERE t.workflow_id = v.workflow_id AND t.sealed = v.old0
			RETURNING t.workflow_id::text, true, false`,
	},
	SealedSecrets: {
		columns: []string{"sealed"},
		first:   secretsSelect + ` FROM secrets t ORDER BY t.name LIMIT $2`,
		after:   secretsSelect + ` FROM secrets t WHERE t.name > $3 ORDER BY t.name LIMIT $2`,
		byKeys:  secretsSelect + ` FROM secrets t WHERE t.name = ANY($2::text[])`,
		swap: `WITH v AS (
				SELECT * FROM unnest($1::text[], $2::bytea[], $3::bytea[]) AS v(name, old0, new0)
			), locked AS (
				SELECT t.name FROM v JOIN secrets t ON t.name = v.name
				WHERE t.sealed = v.old0
				FOR UPDATE OF t SKIP LOCKED
			)
			UPDATE secrets t SET sealed = v.new0, key_id = $4
			FROM v JOIN locked l ON l.name = v.name
			WHERE t.name = v.name AND t.sealed = v.old0
			RETURNING t.name, true, false`,
		setsKeyID: true,
	},
}

// sealedRow is one row of a sealed table as a walk sees it.
type sealedRow struct {
	key, part string
	// stale holds, per column, the value sealed under another key (nil: nothing to re-seal);
	// fresh the same value sealed under the active key.
	stale, fresh [2][]byte
	// sealed is how many of its columns hold a sealed value.
	sealed int
}

// staleCount is how many of the row's values are sealed under another key.
func (r *sealedRow) staleCount() int {
	n := 0
	for _, v := range r.stale {
		if v != nil {
			n++
		}
	}
	return n
}

func scanSealedRow(row pgx.Row) (*sealedRow, error) {
	r := &sealedRow{}
	err := row.Scan(&r.key, &r.part, &r.stale[0], &r.stale[1], &r.sealed)
	return r, err
}

// sealedRowsAfter reads the next limit sealed rows of t past the key after ("" from the first),
// in key order: one range read of the table's sealed-rows index.
func (q *Queries) sealedRowsAfter(ctx context.Context, t sealedTable, activeKeyID, after string, limit int) ([]*sealedRow, error) {
	if after == "" {
		return queryList(ctx, q.db, "reading sealed rows", scanSealedRow, t.first, activeKeyID, limit)
	}
	return queryList(ctx, q.db, "reading sealed rows", scanSealedRow, t.after, activeKeyID, limit, after)
}

// sealedRowsByKey reads the present state of rows (by primary key); a row gone is left out.
func (q *Queries) sealedRowsByKey(ctx context.Context, t sealedTable, activeKeyID string, rows []*sealedRow) ([]*sealedRow, error) {
	keys, parts := make([]string, len(rows)), make([]string, len(rows))
	for i, r := range rows {
		keys[i], parts[i] = r.key, r.part
	}
	args := []any{activeKeyID, keys}
	if t.hasPart {
		args = append(args, parts)
	}
	return queryList(ctx, q.db, "re-reading sealed rows", scanSealedRow, t.byKeys, args...)
}

// swapSealed replaces, in one statement, every stale value of rows that is still the one read
// by its fresh value; a row locked by another transaction is skipped (so a walk never waits
// for, nor deadlocks with, the engine). It answers which values it replaced, per key.
func (q *Queries) swapSealed(ctx context.Context, t sealedTable, activeKeyID string, rows []*sealedRow) (map[string][2]bool, error) {
	keys, parts := make([]string, len(rows)), make([]string, len(rows))
	old, fresh := [2][][]byte{make([][]byte, len(rows)), make([][]byte, len(rows))}, [2][][]byte{make([][]byte, len(rows)), make([][]byte, len(rows))}
	for i, r := range rows {
		keys[i], parts[i] = r.key, r.part
		for c := range t.columns {
			old[c][i], fresh[c][i] = r.stale[c], r.fresh[c]
		}
	}
	args := []any{keys}
	if t.hasPart {
		args = append(args, parts)
	}
	for c := range t.columns {
		args = append(args, old[c], fresh[c])
	}
	if t.setsKeyID {
		args = append(args, activeKeyID)
	}
	res, err := q.db.Query(ctx, t.swap, args...)
	if err != nil {
		return nil, interpretError(err, "re-sealing rows")
	}
	swapped := map[string][2]bool{}
	for res.Next() {
		var key string
		var done [2]bool
		if err := res.Scan(&key, &done[0], &done[1]); err != nil {
			res.Close()
			return nil, interpretError(err, "re-sealing rows")
		}
		swapped[key] = done
	}
	return swapped, interpretError(res.Err(), "re-sealing rows")
}
