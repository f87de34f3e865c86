package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/podiumhq/podium/internal/conductor"
)

// ApplicationRecord is a stored application.
type ApplicationRecord struct {
	ID         string
	Name       string
	Roles      []string
	Tags       []Tag
	CreateTime time.Time
	UpdateTime time.Time
	CreatedBy  string
	UpdatedBy  string
}

const applicationColumns = `id::text, name, roles, tags, create_time, update_time, coalesce(created_by, ''), coalesce(updated_by, '')`

func scanApplication(row pgx.Row) (*ApplicationRecord, error) {
	app := new(ApplicationRecord)
	var tags []byte
	if err := row.Scan(&app.ID, &app.Name, &app.Roles, &tags, &app.CreateTime, &app.UpdateTime, &app.CreatedBy, &app.UpdatedBy); err != nil {
		return nil, err
	}
	if err := json.Unmarshal(tags, &app.Tags); err != nil {
		return nil, fmt.Errorf("error decoding application tags: %w", err)
	}
	return app, nil
}

// ApplicationCreate stores a new application.
func (q *Queries) ApplicationCreate(ctx context.Context, app *ApplicationRecord) error {
	_, err := q.db.Exec(ctx, `INSERT INTO applications (id, name, roles, create_time, update_time, created_by, updated_by)
		VALUES ($1, $2, $3, $4, $4, $5, $5)`, app.ID, app.Name, conductor.NonNil(app.Roles), app.CreateTime, nullString(app.CreatedBy))
	return interpretError(err, "creating application")
}

// ApplicationGet reads an application; absent gives conductor.ErrNotFound.
func (q *Queries) ApplicationGet(ctx context.Context, id string) (*ApplicationRecord, error) {
	app, err := scanApplication(q.db.QueryRow(ctx, `SELECT `+applicationColumns+` FROM applications WHERE id = $1`, id))
	return app, interpretError(err, "reading application")
}

// ApplicationGetForUpdate reads and locks an application for the rest of the transaction.
func (q *Queries) ApplicationGetForUpdate(ctx context.Context, id string) (*ApplicationRecord, error) {
	app, err := scanApplication(q.db.QueryRow(ctx, `SELECT `+applicationColumns+` FROM applications WHERE id = $1 FOR UPDATE`, id))
	return app, interpretError(err, "reading application")
}

// ApplicationList returns every application by name.
func (q *Queries) ApplicationList(ctx context.Context) ([]*ApplicationRecord, error) {
	return queryList(ctx, q.db, "listing applications", scanApplication,
		`SELECT `+applicationColumns+` FROM applications ORDER BY name, id`)
}

// ApplicationUpdate writes an application's name, roles and tags.
func (q *Queries) ApplicationUpdate(ctx context.Context, app *ApplicationRecord) error {
	tags, err := json.Marshal(conductor.NonNil(app.Tags))
	if err != nil {
		return fmt.Errorf("error encoding tags: %w", err)
	}
	return execOne(ctx, q.db, "updating application", `UPDATE applications SET name = $2, roles = $3, tags = $4, update_time = $5, updated_by = $6
		WHERE id = $1`, app.ID, app.Name, conductor.NonNil(app.Roles), tags, app.UpdateTime, nullString(app.UpdatedBy))
}

// ApplicationDelete removes an application and its keys; absent gives conductor.ErrNotFound.
func (q *Queries) ApplicationDelete(ctx context.Context, id string) error {
	tag, err := q.db.Exec(ctx, `DELETE FROM applications WHERE id = $1`, id)
	if err != nil {
		return interpretError(err, "deleting application")
	}
	if tag.RowsAffected() == 0 {
		return conductor.ErrNotFound
	}
	_, err = q.db.Exec(ctx, `DELETE FROM grants WHERE subject_type = 'APPLICATION' AND subject_id = $1`, id)
	return interpretError(err, "deleting application grants")
}

// AccessKeyRecord is a stored access key (never its secret).
type AccessKeyRecord struct {
	ID            string
	ApplicationID string
	SecretHash    string
	Status        string
	CreatedAt     time.Time
}

const accessKeyColumns = `id, application_id::text, secret_hash, status, created_at`

func scanAccessKey(row pgx.Row) (*AccessKeyRecord, error) {
	k := new(AccessKeyRecord)
	err := row.Scan(&k.ID, &k.ApplicationID, &k.SecretHash, &k.Status, &k.CreatedAt)
	return k, err
}

// AccessKeyCreate stores a new access key.
func (q *Queries) AccessKeyCreate(ctx context.Context, k *AccessKeyRecord) error {
	_, err := q.db.Exec(ctx, `INSERT INTO access_keys (id, application_id, secret_hash, status, created_at)
		VALUES ($1, $2, $3, $4, $5)`, k.ID, k.ApplicationID, k.SecretHash, k.Status, k.CreatedAt)
	return interpretError(err, "creating access key")
}

// AccessKeyGet reads an access key; absent gives conductor.ErrNotFound.
func (q *Queries) AccessKeyGet(ctx context.Context, id string) (*AccessKeyRecord, error) {
	k, err := scanAccessKey(q.db.QueryRow(ctx, `SELECT `+accessKeyColumns+` FROM access_keys WHERE id = $1`, id))
	if err != nil {
		return nil, interpretError(err, "reading access key")
	}
	return k, nil
}

// AccessKeyList returns an application's keys, oldest first.
func (q *Queries) AccessKeyList(ctx context.Context, applicationID string) ([]*AccessKeyRecord, error) {
	return queryList(ctx, q.db, "listing access keys", scanAccessKey, `SELECT `+accessKeyColumns+`
		FROM access_keys WHERE application_id = $1 ORDER BY created_at, id`, applicationID)
}

// AccessKeyDelete removes an application's key; absent gives conductor.ErrNotFound.
func (q *Queries) AccessKeyDelete(ctx context.Context, applicationID, id string) error {
	return execOne(ctx, q.db, "deleting access key", `DELETE FROM access_keys WHERE id = $1 AND application_id = $2`, id, applicationID)
}

// AccessKeyToggle flips an application's key between ACTIVE and INACTIVE and returns it;
// absent gives conductor.ErrNotFound.
func (q *Queries) AccessKeyToggle(ctx context.Context, applicationID, id string) (*AccessKeyRecord, error) {
	k, err := scanAccessKey(q.db.QueryRow(ctx, `UPDATE access_keys
		SET status = CASE status WHEN 'ACTIVE' THEN 'INACTIVE' ELSE 'ACTIVE' END
		WHERE id = $1 AND application_id = $2 RETURNING `+accessKeyColumns, id, applicationID))
	if err != nil {
		return nil, interpretError(err, "toggling access key")
	}
	return k, nil
}

// KeyPrincipal is what authenticating a request needs about an access key.
type KeyPrincipal struct {
	KeyStatus     string
	ApplicationID string
	Name          string
	Roles         []string
	Grants        []Grant
}

// principalGrants aggregates the grants of the application a.id as JSON.
const principalGrants = `coalesce((SELECT json_agg(json_build_array(g.target_type, g.target_id, g.access)
		ORDER BY g.target_type, g.target_id) FROM grants g
		WHERE g.subject_type = 'APPLICATION' AND g.subject_id = a.id::text), '[]')`

// KeyPrincipalGet reads an access key's status, its application and the application's grants
// in one round trip; an unknown key gives conductor.ErrNotFound.
func (q *Queries) KeyPrincipalGet(ctx context.Context, keyID string) (*KeyPrincipal, error) {
	p := new(KeyPrincipal)
	var grants []byte
	err := q.db.QueryRow(ctx, `SELECT k.status, a.id::text, a.name, a.roles, `+principalGrants+`
		FROM access_keys k JOIN applications a ON a.id = k.application_id WHERE k.id = $1`, keyID).
		Scan(&p.KeyStatus, &p.ApplicationID, &p.Name, &p.Roles, &grants)
	if err != nil {
		return nil, interpretError(err, "reading access key")
	}
	p.Grants, err = decodeGrants(p.ApplicationID, grants)
	return p, err
}

// ApplicationPrincipalGet reads an application's name, roles and grants in one round trip (what
// checking the rights of a workflow it runs needs); an unknown id gives conductor.ErrNotFound.
func (q *Queries) ApplicationPrincipalGet(ctx context.Context, id string) (*KeyPrincipal, error) {
	p := &KeyPrincipal{ApplicationID: id}
	var grants []byte
	err := q.db.QueryRow(ctx, `SELECT a.name, a.roles, `+principalGrants+` FROM applications a WHERE a.id = $1`, id).
		Scan(&p.Name, &p.Roles, &grants)
	if err != nil {
		return nil, interpretError(err, "reading application")
	}
	p.Grants, err = decodeGrants(id, grants)
	return p, err
}

func decodeGrants(subjectID string, data []byte) ([]Grant, error) {
	var rows [][3]json.RawMessage
	if err := json.Unmarshal(data, &rows); err != nil {
		return nil, fmt.Errorf("error decoding grants: %w", err)
	}
	grants := make([]Grant, len(rows))
	for i, row := range rows {
		g := Grant{SubjectType: "APPLICATION", SubjectID: subjectID}
		if err := errors.Join(json.Unmarshal(row[0], &g.TargetType), json.Unmarshal(row[1], &g.TargetID),
			json.Unmarshal(row[2], &g.Access)); err != nil {
			return nil, fmt.Errorf("error decoding grants: %w", err)
		}
		grants[i] = g
	}
	return grants, nil
}

// Grant is an explicit permission of a subject on a target.
type Grant struct {
	SubjectType string
	SubjectID   string
	TargetType  string
	TargetID    string
	Access      []string
}

// GrantPut adds access to a grant, creating it.
func (q *Queries) GrantPut(ctx context.Context, g Grant) error {
	_, err := q.db.Exec(ctx, `INSERT INTO grants (subject_type, subject_id, target_type, target_id, access)
		VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (subject_type, subject_id, target_type, target_id) DO UPDATE
		SET access = (SELECT array_agg(DISTINCT a ORDER BY a) FROM unnest(grants.access || excluded.access) a)`,
		g.SubjectType, g.SubjectID, g.TargetType, g.TargetID, g.Access)
	return interpretError(err, "granting access")
}

// GrantRemove removes access from a grant, dropping it when nothing is left.
func (q *Queries) GrantRemove(ctx context.Context, g Grant) error {
	_, err := q.db.Exec(ctx, `UPDATE grants SET access = (SELECT coalesce(array_agg(a ORDER BY a), '{}')
			FROM unnest(access) a WHERE NOT a = ANY ($5))
		WHERE subject_type = $1 AND subject_id = $2 AND target_type = $3 AND target_id = $4`,
		g.SubjectType, g.SubjectID, g.TargetType, g.TargetID, g.Access)
	if err != nil {
		return interpretError(err, "revoking access")
	}
	_, err = q.db.Exec(ctx, `DELETE FROM grants WHERE cardinality(access) = 0`)
	return interpretError(err, "revoking access")
}

// GrantsOf lists the grants of a subject (or, with targetType set, those on a target).
func (q *Queries) GrantsOf(ctx context.Context, byTarget bool, typ, id string) ([]Grant, error) {
	cond := `subject_type = $1 AND subject_id = $2`
	if byTarget {
		cond = `target_type = $1 AND target_id = $2`
	}
	return queryList(ctx, q.db, "listing grants", scanGrant, `SELECT subject_type, subject_id, target_type, target_id, access
		FROM grants WHERE `+cond+` ORDER BY subject_type, subject_id, target_type, target_id`, typ, id)
}

func scanGrant(row pgx.Row) (Grant, error) {
	var g Grant
	err := row.Scan(&g.SubjectType, &g.SubjectID, &g.TargetType, &g.TargetID, &g.Access)
	return g, err
}

// GrantsOnTargetRemove removes every grant on a target (its resource is gone).
func (q *Queries) GrantsOnTargetRemove(ctx context.Context, targetType, targetID string) error {
	_, err := q.db.Exec(ctx, `DELETE FROM grants WHERE target_type = $1 AND target_id = $2`, targetType, targetID)
	return interpretError(err, "removing grants")
}
