package store

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/podiumhq/podium/internal/conductor"
)

const workflowDefColumns = `definition, create_time, update_time`

// WorkflowDefInsert stores def, which must not exist yet: an existing name and version gives
// conductor.ErrConflict. createTime becomes now.
func (q *Queries) WorkflowDefInsert(ctx context.Context, def *conductor.WorkflowDef, now time.Time) error {
	doc, err := conductor.EncodeWorkflowDef(def)
	if err != nil {
		return fmt.Errorf("error encoding definition: %w", err)
	}
	tag, err := q.db.Exec(ctx, `
		INSERT INTO workflow_defs (name, version, definition, create_time)
		VALUES ($1, $2, $3, $4)
		ON CONFLICT (name, version) DO NOTHING`,
		def.Name, def.Version, doc, now)
	if err != nil {
		return interpretError(err, "inserting workflow definition")
	}
	if tag.RowsAffected() == 0 {
		return conductor.ErrConflict
	}
	def.CreateTime, def.UpdateTime = now.UnixMilli(), 0
	return nil
}

// WorkflowDefUpsert stores def, replacing the same name and version if present (keeping its
// createTime and setting updateTime to now). def's times are set to the stored ones.
func (q *Queries) WorkflowDefUpsert(ctx context.Context, def *conductor.WorkflowDef, now time.Time) error {
	doc, err := conductor.EncodeWorkflowDef(def)
	if err != nil {
		return fmt.Errorf("error encoding definition: %w", err)
	}
	var created time.Time
	var updated *time.Time
	err = q.db.QueryRow(ctx, `
		INSERT INTO workflow_defs (name, version, definition, create_time)
		VALUES ($1, $2, $3, $4)
		ON CONFLICT (name, version) DO UPDATE
		SET definition = excluded.definition, update_time = excluded.create_time
		RETURNING create_time, update_time`,
		def.Name, def.Version, doc, now).Scan(&created, &updated)
	if err != nil {
		return interpretError(err, "upserting workflow definition")
	}
	def.CreateTime, def.UpdateTime = created.UnixMilli(), millisOrZero(updated)
	return nil
}

// WorkflowDefGet returns the definition name at version, or its latest version when version
// is nil. Absent gives conductor.ErrNotFound.
func (q *Queries) WorkflowDefGet(ctx context.Context, name string, version *int) (*conductor.WorkflowDef, error) {
	var row pgx.Row
	if version == nil {
		row = q.db.QueryRow(ctx, `SELECT `+workflowDefColumns+` FROM workflow_defs
			WHERE name = $1 ORDER BY version DESC LIMIT 1`, name)
	} else {
		row = q.db.QueryRow(ctx, `SELECT `+workflowDefColumns+` FROM workflow_defs
			WHERE name = $1 AND version = $2`, name, *version)
	}
	def, err := scanWorkflowDef(row)
	if err != nil {
		return nil, interpretError(err, "reading workflow definition")
	}
	return def, nil
}

// WorkflowDefList returns every version of every definition, by name then version.
func (q *Queries) WorkflowDefList(ctx context.Context) ([]*conductor.WorkflowDef, error) {
	return queryList(ctx, q.db, "listing workflow definitions", scanWorkflowDef,
		`SELECT `+workflowDefColumns+` FROM workflow_defs ORDER BY name, version`)
}

// WorkflowDefListLatest returns the latest version of each definition, by name.
func (q *Queries) WorkflowDefListLatest(ctx context.Context) ([]*conductor.WorkflowDef, error) {
	return queryList(ctx, q.db, "listing workflow definitions", scanWorkflowDef,
		`SELECT DISTINCT ON (name) `+workflowDefColumns+`
		FROM workflow_defs ORDER BY name, version DESC`)
}

// WorkflowDefListVersions returns every version of the definition name, oldest first.
func (q *Queries) WorkflowDefListVersions(ctx context.Context, name string) ([]*conductor.WorkflowDef, error) {
	return queryList(ctx, q.db, "listing workflow definitions", scanWorkflowDef,
		`SELECT `+workflowDefColumns+` FROM workflow_defs
		WHERE name = $1 ORDER BY version`, name)
}

// WorkflowDefSummaries returns name, version and times of every definition, by name then version,
// without reading the documents.
func (q *Queries) WorkflowDefSummaries(ctx context.Context) ([]conductor.WorkflowDefSummary, error) {
	return queryList(ctx, q.db, "listing workflow definitions", scanWorkflowDefSummary,
		`SELECT name, version, create_time, update_time FROM workflow_defs ORDER BY name, version`)
}

func scanWorkflowDefSummary(row pgx.Row) (conductor.WorkflowDefSummary, error) {
	var s conductor.WorkflowDefSummary
	var created time.Time
	var updated *time.Time
	err := row.Scan(&s.Name, &s.Version, &created, &updated)
	s.CreateTime, s.UpdateTime = created.UnixMilli(), millisOrZero(updated)
	return s, err
}

// WorkflowDefDelete removes one version of a definition, and the name's tags with its last
// version; absent gives conductor.ErrNotFound.
func (q *Queries) WorkflowDefDelete(ctx context.Context, name string, version int) error {
	return execOne(ctx, q.db, "deleting workflow definition", `WITH gone AS (DELETE FROM workflow_defs WHERE name = $1 AND version = $2 RETURNING name),
		untag AS (DELETE FROM definition_tags WHERE kind = 'WORKFLOW_DEF' AND name IN (SELECT name FROM gone)
			AND NOT EXISTS (SELECT 1 FROM workflow_defs WHERE name = $1 AND version <> $2))
		SELECT FROM gone`, name, version)
}

func scanWorkflowDef(row pgx.Row) (*conductor.WorkflowDef, error) {
	var doc []byte
	var created time.Time
	var updated *time.Time
	if err := row.Scan(&doc, &created, &updated); err != nil {
		return nil, err
	}
	def, err := conductor.DecodeWorkflowDef(doc)
	if err != nil {
		return nil, fmt.Errorf("error decoding stored workflow definition: %w", err)
	}
	def.CreateTime, def.UpdateTime = created.UnixMilli(), millisOrZero(updated)
	return def, nil
}

func millisOrZero(t *time.Time) int64 {
	if t == nil {
		return 0
	}
	return t.UnixMilli()
}
