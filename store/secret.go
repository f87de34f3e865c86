package store

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/podiumhq/podium/internal/conductor"
)

// Tag labels a secret or a schedule.
type Tag = conductor.Tag

// SecretRecord is a stored secret: its sealed value and metadata.
type SecretRecord struct {
	Name       string
	Sealed     []byte
	KeyID      string
	Tags       []Tag
	CreateTime time.Time
	UpdateTime time.Time
	CreatedBy  string
	UpdatedBy  string
}

// SecretPut creates or replaces a secret's sealed value, keeping its tags and creation.
func (q *Queries) SecretPut(ctx context.Context, name string, sealed []byte, keyID, by string, now time.Time) error {
	_, err := q.db.Exec(ctx, `
		INSERT INTO secrets (name, sealed, key_id, create_time, update_time, created_by, updated_by)
		VALUES ($1, $2, $3, $4, $4, $5, $5)
		ON CONFLICT (name) DO UPDATE SET sealed = excluded.sealed, key_id = excluded.key_id,
			update_time = excluded.update_time, updated_by = excluded.updated_by`,
		name, sealed, keyID, now, nullString(by))
	return interpretError(err, "storing secret")
}

// SecretGet reads one secret; absent gives conductor.ErrNotFound.
func (q *Queries) SecretGet(ctx context.Context, name string) (*SecretRecord, error) {
	rec, err := scanSecret(q.db.QueryRow(ctx, `SELECT `+secretColumns+` FROM secrets WHERE name = $1`, name))
	return rec, interpretError(err, "reading secret")
}

// SecretGetMany reads the named secrets that exist.
func (q *Queries) SecretGetMany(ctx context.Context, names []string) ([]*SecretRecord, error) {
	return queryList(ctx, q.db, "reading secrets", scanSecret,
		`SELECT `+secretColumns+` FROM secrets WHERE name = ANY($1)`, names)
}

// SecretDelete removes a secret; absent gives conductor.ErrNotFound.
func (q *Queries) SecretDelete(ctx context.Context, name string) error {
	return execOne(ctx, q.db, "deleting secret", `DELETE FROM secrets WHERE name = $1`, name)
}

// SecretList returns every secret's metadata (never its value), by name.
func (q *Queries) SecretList(ctx context.Context) ([]*SecretRecord, error) {
	return queryList(ctx, q.db, "listing secrets", scanSecret, `SELECT name, ''::bytea, key_id, tags,
		create_time, update_time, created_by, updated_by FROM secrets ORDER BY name COLLATE "C"`)
}

// SecretSetTags replaces a secret's tags; absent gives conductor.ErrNotFound.
func (q *Queries) SecretSetTags(ctx context.Context, name string, tags []Tag) error {
	doc, err := json.Marshal(tags)
	if err != nil {
		return fmt.Errorf("error encoding tags: %w", err)
	}
	return execOne(ctx, q.db, "tagging secret", `UPDATE secrets SET tags = $2 WHERE name = $1`, name, doc)
}

const secretColumns = `name, sealed, key_id, tags, create_time, update_time, created_by, updated_by`

func scanSecret(row pgx.Row) (*SecretRecord, error) {
	rec := &SecretRecord{}
	var tags []byte
	var createdBy, updatedBy *string
	if err := row.Scan(&rec.Name, &rec.Sealed, &rec.KeyID, &tags, &rec.CreateTime, &rec.UpdateTime, &createdBy, &updatedBy); err != nil {
		return nil, err
	}
	if err := json.Unmarshal(tags, &rec.Tags); err != nil {
		return nil, fmt.Errorf("error decoding secret tags: %w", err)
	}
	if createdBy != nil {
		rec.CreatedBy = *createdBy
	}
	if updatedBy != nil {
		rec.UpdatedBy = *updatedBy
	}
	return rec, nil
}

// SecretGetForUpdate reads one secret and locks it until the transaction ends.
func (q *Queries) SecretGetForUpdate(ctx context.Context, name string) (*SecretRecord, error) {
	rec, err := scanSecret(q.db.QueryRow(ctx, `SELECT `+secretColumns+` FROM secrets WHERE name = $1 FOR UPDATE`, name))
	return rec, interpretError(err, "reading secret")
}
