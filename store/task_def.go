package store

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/podiumhq/podium/internal/conductor"
)

const taskDefColumns = `definition, create_time, update_time`

// TaskDefUpsertMany stores every definition in one statement, replacing existing names (their
// createTime is kept). Each def's times are set to the stored ones.
func (q *Queries) TaskDefUpsertMany(ctx context.Context, defs []*conductor.TaskDef, now time.Time) error {
	names := make([]string, len(defs))
	docs := make([]string, len(defs))
	for i, def := range defs {
		doc, err := conductor.EncodeTaskDef(def)
		if err != nil {
			return fmt.Errorf("error encoding definition: %w", err)
		}
		names[i], docs[i] = def.Name, string(doc)
	}
	rows, err := q.db.Query(ctx, `
		INSERT INTO task_defs (name, definition, create_time)
		SELECT name, doc::jsonb, $3 FROM unnest($1::text[], $2::text[]) AS t(name, doc)
		ON CONFLICT (name) DO UPDATE
		SET definition = excluded.definition, update_time = excluded.create_time
		RETURNING name, create_time, update_time`, names, docs, now)
	if err != nil {
		return interpretError(err, "upserting task definitions")
	}
	byName := make(map[string]*conductor.TaskDef, len(defs))
	for _, def := range defs {
		byName[def.Name] = def
	}
	var name string
	var created time.Time
	var updated *time.Time
	_, err = pgx.ForEachRow(rows, []any{&name, &created, &updated}, func() error {
		if def := byName[name]; def != nil {
			def.CreateTime, def.UpdateTime = created.UnixMilli(), millisOrZero(updated)
		}
		return nil
	})
	return interpretError(err, "upserting task definitions")
}

// TaskDefUpdate replaces an existing definition; an unknown name gives conductor.ErrNotFound.
func (q *Queries) TaskDefUpdate(ctx context.Context, def *conductor.TaskDef, now time.Time) error {
	doc, err := conductor.EncodeTaskDef(def)
	if err != nil {
		return fmt.Errorf("error encoding definition: %w", err)
	}
	var created time.Time
	err = q.db.QueryRow(ctx, `
		UPDATE task_defs SET definition = $2, update_time = $3
		WHERE name = $1 RETURNING create_time`, def.Name, doc, now).Scan(&created)
	if err != nil {
		return interpretError(err, "updating task definition")
	}
	def.CreateTime, def.UpdateTime = created.UnixMilli(), now.UnixMilli()
	return nil
}

// TaskDefGet returns the definition name; absent gives conductor.ErrNotFound.
func (q *Queries) TaskDefGet(ctx context.Context, name string) (*conductor.TaskDef, error) {
	def, err := scanTaskDef(q.db.QueryRow(ctx, `SELECT `+taskDefColumns+` FROM task_defs WHERE name = $1`, name))
	if err != nil {
		return nil, interpretError(err, "reading task definition")
	}
	return def, nil
}

// TaskDefList returns every task definition by name.
func (q *Queries) TaskDefList(ctx context.Context) ([]*conductor.TaskDef, error) {
	return queryList(ctx, q.db, "listing task definitions", scanTaskDef,
		`SELECT `+taskDefColumns+` FROM task_defs ORDER BY name`)
}

// TaskDefDelete removes a definition and its tags; absent gives conductor.ErrNotFound.
func (q *Queries) TaskDefDelete(ctx context.Context, name string) error {
	return execOne(ctx, q.db, "deleting task definition", `WITH gone AS (DELETE FROM task_defs WHERE name = $1 RETURNING name),
		untag AS (DELETE FROM definition_tags WHERE kind = 'TASK_DEF' AND name IN (SELECT name FROM gone))
		SELECT FROM gone`, name)
}

func scanTaskDef(row pgx.Row) (*conductor.TaskDef, error) {
	var doc []byte
	var created time.Time
	var updated *time.Time
	if err := row.Scan(&doc, &created, &updated); err != nil {
		return nil, err
	}
	def, err := conductor.DecodeTaskDef(doc)
	if err != nil {
		return nil, fmt.Errorf("error decoding stored task definition: %w", err)
	}
	def.CreateTime, def.UpdateTime = created.UnixMilli(), millisOrZero(updated)
	return def, nil
}
