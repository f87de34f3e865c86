package store

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/podiumhq/podium/internal/conductor"
)

// DefinitionKind names the namespace a definition's name lives in: its tags belong to the name.
type DefinitionKind string

// Definition kinds.
const (
	WorkflowDefKind DefinitionKind = "WORKFLOW_DEF"
	TaskDefKind     DefinitionKind = "TASK_DEF"
)

// existsQuery is the condition that a definition of the kind is registered under $2.
func (k DefinitionKind) existsQuery() string {
	if k == TaskDefKind {
		return `EXISTS (SELECT 1 FROM task_defs WHERE name = $2)`
	}
	return `EXISTS (SELECT 1 FROM workflow_defs WHERE name = $2)`
}

// DefinitionTags returns the tags of the definition name; a name with no definition of the
// kind gives conductor.ErrNotFound.
func (q *Queries) DefinitionTags(ctx context.Context, kind DefinitionKind, name string) ([]Tag, error) {
	var doc []byte
	err := q.db.QueryRow(ctx, `SELECT coalesce((SELECT tags FROM definition_tags WHERE kind = $1 AND name = $2), '[]')
		WHERE `+kind.existsQuery(), string(kind), name).Scan(&doc)
	if err != nil {
		return nil, interpretError(err, "reading definition tags")
	}
	return decodeTags(doc)
}

// DefinitionTagsForUpdate is DefinitionTags in a transaction, locking the name's tags (and the
// definition against deletion) until it ends: for a read-modify-write of the tags.
func (q *Queries) DefinitionTagsForUpdate(ctx context.Context, kind DefinitionKind, name string) ([]Tag, error) {
	table := "workflow_defs"
	if kind == TaskDefKind {
		table = "task_defs"
	}
	var n int
	if err := q.db.QueryRow(ctx, `SELECT count(*) FROM (SELECT 1 FROM `+table+` WHERE name = $1 FOR KEY SHARE) d`,
		name).Scan(&n); err != nil {
		return nil, interpretError(err, "locking definition")
	}
	if n == 0 {
		return nil, conductor.ErrNotFound
	}
	if _, err := q.db.Exec(ctx, `INSERT INTO definition_tags (kind, name) VALUES ($1, $2) ON CONFLICT DO NOTHING`,
		string(kind), name); err != nil {
		return nil, interpretError(err, "locking definition tags")
	}
	var doc []byte
	if err := q.db.QueryRow(ctx, `SELECT tags FROM definition_tags WHERE kind = $1 AND name = $2 FOR UPDATE`,
		string(kind), name).Scan(&doc); err != nil {
		return nil, interpretError(err, "locking definition tags")
	}
	return decodeTags(doc)
}

// DefinitionTagsSet replaces the tags of the definition name (read with
// DefinitionTagsForUpdate in the same transaction).
func (q *Queries) DefinitionTagsSet(ctx context.Context, kind DefinitionKind, name string, tags []Tag) error {
	doc, err := json.Marshal(conductor.NonNil(tags))
	if err != nil {
		return fmt.Errorf("error encoding tags: %w", err)
	}
	_, err = q.db.Exec(ctx, `INSERT INTO definition_tags (kind, name, tags) VALUES ($1, $2, $3)
		ON CONFLICT (kind, name) DO UPDATE SET tags = excluded.tags`, string(kind), name, doc)
	return interpretError(err, "tagging definition")
}

func decodeTags(doc []byte) ([]Tag, error) {
	var tags []Tag
	if err := json.Unmarshal(doc, &tags); err != nil {
		return nil, fmt.Errorf("error decoding definition tags: %w", err)
	}
	return conductor.NonNil(tags), nil
}
