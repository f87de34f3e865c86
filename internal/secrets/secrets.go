package secrets

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"time"

	"github.com/podiumhq/podium/internal/auth"
	"github.com/podiumhq/podium/internal/conductor"
	"github.com/podiumhq/podium/store"
)

// MaxSecretBytes caps a secret value.
const MaxSecretBytes = 64 << 10

// secretNamePattern is Podium's rule for secret names: URL-safe, and free of '.' and '}' so
// ${workflow.secrets.NAME.path} stays unambiguous.
var secretNamePattern = regexp.MustCompile(`^[A-Za-z0-9_-]{1,255}$`)

// reservedSecretNames are words of the secrets API's paths that a secret could not be read
// back under: its static routes (/api/secrets/clearLocalCache, …/clearRedisCache) and v2,
// kept for Orkes' /api/secrets/v2 form of the listing (Podium serves /api/secrets-v2).
var reservedSecretNames = map[string]bool{"clearLocalCache": true, "clearRedisCache": true, "v2": true}

// Reserved reports whether name is a word of the secrets API's paths, which no secret may be
// named: the API answers such a path "no route" rather than reading it as a secret.
func Reserved(name string) bool { return reservedSecretNames[name] }

// ValidName checks a secret name: 1 to 255 letters, digits, '_' or '-', and not a path of the
// secrets API.
func ValidName(name string) error {
	if !secretNamePattern.MatchString(name) {
		return conductor.Invalidf("Invalid secret name %q: use 1 to 255 letters, digits, '_' or '-'", name)
	}
	if reservedSecretNames[name] {
		return conductor.Invalidf("Invalid secret name %q: %s is a reserved word of the secrets API's paths", name, name)
	}
	return nil
}

func secretNotFound(name string) error {
	return conductor.NotFoundf("No such secret found by key: %s", name)
}

// Put creates or replaces a secret, sealed under the active key, on behalf of p (nil:
// authentication is off). Replacing needs UPDATE on the secret; creating needs a role that
// writes secrets or CREATE on the name, and gives p every access on the new secret.
func (s *Service) Put(ctx context.Context, p *auth.Principal, name string, value []byte) error {
	if err := ValidName(name); err != nil {
		return err
	}
	if len(value) > MaxSecretBytes {
		return conductor.Invalidf("Secret value of %d bytes is larger than the limit of %d bytes", len(value), MaxSecretBytes)
	}
	granted := false
	err := s.store.InTx(ctx, func(q *store.Queries) error {
		created, err := s.CheckWrite(ctx, q, p, name)
		if err != nil {
			return err
		}
		by := ""
		if p != nil {
			by = p.ID
		}
		granted, err = s.Store(ctx, q, Write{Owner: p, Name: name, Value: value, By: by, Created: created})
		return err
	})
	if err == nil && granted {
		s.changed()
	}
	return err
}

// CheckWrite checks, in the transaction q, that p may write secret name, locking it when it
// exists, and reports whether writing creates it. A refusal is conductor.ErrForbidden naming
// the secret and the access p lacks.
func (s *Service) CheckWrite(ctx context.Context, q *store.Queries, p *auth.Principal, name string) (created bool, err error) {
	_, err = q.SecretGetForUpdate(ctx, name)
	switch {
	case errors.Is(err, conductor.ErrNotFound):
		if p != nil && !p.Can(auth.SecretWrite) && !p.Allowed(auth.TargetSecret, name, auth.AccessCreate) {
			return true, forbiddenSecret(p, name, auth.AccessCreate)
		}
		return true, nil
	case err != nil:
		return false, err
	case p != nil && !p.Allowed(auth.TargetSecret, name, auth.AccessUpdate):
		return false, forbiddenSecret(p, name, auth.AccessUpdate)
	}
	return false, nil
}

// Write is one write of a secret's value, checked by CheckWrite.
type Write struct {
	Owner   *auth.Principal // on whose behalf (nil: unrestricted)
	Name    string
	Value   []byte
	By      string // recorded as who changed it
	Created bool   // the secret did not exist
}

// Store seals and stores a secret in the transaction q; when it is created, its creator is
// given every access on it, as Orkes makes the creator of a resource its owner. It reports
// whether it granted anything: the caller then announces an access change once q commits.
func (s *Service) Store(ctx context.Context, q *store.Queries, w Write) (granted bool, err error) {
	sealed, err := s.keys.Seal(w.Name, w.Value)
	if err != nil {
		return false, err
	}
	if err := q.SecretPut(ctx, w.Name, sealed, s.keys.ActiveKeyID(), w.By, s.now()); err != nil {
		return false, err
	}
	if !w.Created || s.owners == nil {
		return false, nil
	}
	return s.owners.GrantOwner(ctx, q, w.Owner, auth.TargetSecret, w.Name)
}

// forbiddenSecret is the refusal of an access to a secret: it names the secret, never a value.
func forbiddenSecret(p *auth.Principal, name string, access auth.Access) error {
	return conductor.Forbiddenf("Access denied: %s has no %s access to secret %s", p.Name, access, name)
}

// mayChangeSecret checks that p may change (UPDATE) or delete (DELETE) an existing secret.
func mayChangeSecret(p *auth.Principal, name string, access auth.Access) error {
	if p != nil && !p.Allowed(auth.TargetSecret, name, access) {
		return forbiddenSecret(p, name, access)
	}
	return nil
}

// Get returns a secret's value.
func (s *Service) Get(ctx context.Context, name string) (string, error) {
	if err := ValidName(name); err != nil {
		return "", err
	}
	rec, err := s.store.SecretGet(ctx, name)
	if errors.Is(err, conductor.ErrNotFound) {
		return "", secretNotFound(name)
	}
	if err != nil {
		return "", err
	}
	value, err := s.keys.Open(name, rec.Sealed)
	if err != nil {
		return "", fmt.Errorf("error opening secret %s: %w", name, err)
	}
	return string(value), nil
}

// Value reads and opens secret name in the transaction q (a decision resolving
// ${workflow.secrets.NAME}); found is false when it does not exist. Failing to read or to open
// it is an error, not "missing": a task must not fail for good because the database hiccuped.
func (s *Service) Value(ctx context.Context, q *store.Queries, name string) (value string, found bool, err error) {
	rec, err := q.SecretGet(ctx, name)
	switch {
	case errors.Is(err, conductor.ErrNotFound):
		return "", false, nil
	case err != nil:
		return "", false, fmt.Errorf("reading secret %s: %w", name, err)
	}
	opened, err := s.keys.Open(name, rec.Sealed)
	if err != nil {
		return "", false, fmt.Errorf("opening secret %s (is its key configured?): %w", name, err)
	}
	return string(opened), true, nil
}

// Delete removes a secret and every grant on it, on behalf of p (nil: authentication is off),
// which needs DELETE on it.
func (s *Service) Delete(ctx context.Context, p *auth.Principal, name string) error {
	if err := ValidName(name); err != nil {
		return err
	}
	if err := mayChangeSecret(p, name, auth.AccessDelete); err != nil {
		return err
	}
	err := s.store.InTx(ctx, func(q *store.Queries) error {
		if err := q.SecretDelete(ctx, name); err != nil {
			return err
		}
		return q.GrantsOnTargetRemove(ctx, auth.TargetSecret, name)
	})
	if errors.Is(err, conductor.ErrNotFound) {
		return secretNotFound(name)
	}
	if err == nil {
		s.changed()
	}
	return err
}

// Exists reports whether a secret exists.
func (s *Service) Exists(ctx context.Context, name string) (bool, error) {
	if err := ValidName(name); err != nil {
		return false, err
	}
	_, err := s.store.SecretGet(ctx, name)
	if errors.Is(err, conductor.ErrNotFound) {
		return false, nil
	}
	return err == nil, err
}

// Summary is a secret without its value.
type Summary struct {
	Name string          `json:"name"`
	Tags []conductor.Tag `json:"tags"`
	// UpdateTime is when the value was last set. It is not part of the API's JSON (Orkes'
	// secrets-v2 shape is name and tags); the console shows it.
	UpdateTime time.Time `json:"-"`
}

// Accessible lists the names of the secrets p has every one of accesses on (all of them for
// ADMIN and with authentication off), as Orkes' GET /api/secrets?access=… does.
func (s *Service) Accessible(ctx context.Context, p *auth.Principal, accesses []auth.Access) ([]string, error) {
	recs, err := s.store.SecretList(ctx)
	if err != nil {
		return nil, err
	}
	names := []string{}
	for _, rec := range recs {
		if p == nil || p.IsAdmin() || p.Grants.HasAll(auth.Target{Type: auth.TargetSecret, ID: rec.Name}, accesses...) {
			names = append(names, rec.Name)
		}
	}
	return names, nil
}

// List lists every secret's name, tags and last update, never values.
func (s *Service) List(ctx context.Context) ([]Summary, error) {
	recs, err := s.store.SecretList(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]Summary, len(recs))
	for i, rec := range recs {
		out[i] = Summary{Name: rec.Name, Tags: conductor.NonNil(rec.Tags), UpdateTime: rec.UpdateTime}
	}
	return out, nil
}
