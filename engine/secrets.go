package engine

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"

	"github.com/podiumhq/podium/internal/auth"
	"github.com/podiumhq/podium/internal/conductor"
	"github.com/podiumhq/podium/internal/secret"
	"github.com/podiumhq/podium/store"
)

// MaxSecretBytes caps a secret value.
const MaxSecretBytes = 64 << 10

// secretNamePattern is Podium's rule for secret names: URL-safe, and free of '.' and '}' so
// ${workflow.secrets.NAME.path} stays unambiguous.
var secretNamePattern = regexp.MustCompile(`^[A-Za-z0-9_-]{1,255}$`)

// reservedSecretNames are paths of the secrets API that a secret could not be read back under.
var reservedSecretNames = map[string]bool{"clearLocalCache": true, "clearRedisCache": true}

func validSecretName(name string) error {
	if !secretNamePattern.MatchString(name) {
		return conductor.Invalidf("Invalid secret name %q: use 1 to 255 letters, digits, '_' or '-'", name)
	}
	if reservedSecretNames[name] {
		return conductor.Invalidf("Invalid secret name %q: the name is reserved by the secrets API", name)
	}
	return nil
}

func secretNotFound(name string) error {
	return conductor.NotFoundf("No such secret found by key: %s", name)
}

// PutSecret creates or replaces a secret, sealed under the active key, on behalf of p (nil:
// authentication is off). Replacing needs UPDATE on the secret; creating needs a role that
// writes secrets or CREATE on the name, and gives p every access on the new secret.
func (e *Engine) PutSecret(ctx context.Context, p *auth.Principal, name string, value []byte) error {
	if err := validSecretName(name); err != nil {
		return err
	}
	if len(value) > MaxSecretBytes {
		return conductor.Invalidf("Secret value of %d bytes is larger than the limit of %d bytes", len(value), MaxSecretBytes)
	}
	err := e.store.InTx(ctx, func(q *store.Queries) error {
		created, err := e.mayWriteSecret(ctx, q, p, name)
		if err != nil {
			return err
		}
		by := ""
		if p != nil {
			by = p.ID
		}
		return e.putSecret(ctx, q, secretWrite{owner: p, name: name, value: value, by: by, created: created})
	})
	if err == nil && ownsWhatItCreates(p) {
		e.accessChanged()
	}
	return err
}

// mayWriteSecret checks that p may write secret name, locking it when it exists, and reports
// whether writing creates it.
func (e *Engine) mayWriteSecret(ctx context.Context, q *store.Queries, p *auth.Principal, name string) (created bool, err error) {
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

// ownsWhatItCreates reports whether p is given grants on the secrets it creates: an application
// (ADMIN and an unrestricted caller have every right anyway).
func ownsWhatItCreates(p *auth.Principal) bool { return p != nil && !p.IsAdmin() }

// secretWrite is one write of a secret's value.
type secretWrite struct {
	owner   *auth.Principal // on whose behalf (nil: unrestricted)
	name    string
	value   []byte
	by      string // recorded as who changed it
	created bool   // the secret did not exist
}

// putSecret seals and stores a secret; when it is created, its creator is given every access
// on it, as Orkes makes the creator of a resource its owner.
func (e *Engine) putSecret(ctx context.Context, q *store.Queries, w secretWrite) error {
	sealed, err := e.keys.Seal(w.name, w.value)
	if err != nil {
		return err
	}
	if err := q.SecretPut(ctx, w.name, sealed, e.keys.ActiveKeyID(), w.by, e.now()); err != nil {
		return err
	}
	p, name := w.owner, w.name
	if !w.created || !ownsWhatItCreates(p) {
		return nil
	}
	return q.GrantPut(ctx, ownerGrant(p, auth.TargetSecret, name))
}

// forbiddenSecret is the refusal of an access to a secret: it names the secret, never a value.
func forbiddenSecret(p *auth.Principal, name string, access auth.Access) error {
	return conductor.Forbiddenf("Access denied: %s has no %s access to secret %s", p.Name, access, name)
}

// mayChangeSecret checks that p may change (UPDATE) or delete (DELETE) an existing secret.
func (e *Engine) mayChangeSecret(p *auth.Principal, name string, access auth.Access) error {
	if p != nil && !p.Allowed(auth.TargetSecret, name, access) {
		return forbiddenSecret(p, name, access)
	}
	return nil
}

// Secret returns a secret's value.
func (e *Engine) Secret(ctx context.Context, name string) (string, error) {
	if err := validSecretName(name); err != nil {
		return "", err
	}
	rec, err := e.store.SecretGet(ctx, name)
	if errors.Is(err, conductor.ErrNotFound) {
		return "", secretNotFound(name)
	}
	if err != nil {
		return "", err
	}
	value, err := e.keys.Open(name, rec.Sealed)
	if err != nil {
		return "", fmt.Errorf("error opening secret %s: %w", name, err)
	}
	return string(value), nil
}

// DeleteSecret removes a secret and every grant on it, on behalf of p (nil: authentication is
// off), which needs DELETE on it.
func (e *Engine) DeleteSecret(ctx context.Context, p *auth.Principal, name string) error {
	if err := validSecretName(name); err != nil {
		return err
	}
	if err := e.mayChangeSecret(p, name, auth.AccessDelete); err != nil {
		return err
	}
	err := e.store.InTx(ctx, func(q *store.Queries) error {
		if err := q.SecretDelete(ctx, name); err != nil {
			return err
		}
		return q.GrantsOnTargetRemove(ctx, auth.TargetSecret, name)
	})
	if errors.Is(err, conductor.ErrNotFound) {
		return secretNotFound(name)
	}
	if err == nil {
		e.accessChanged()
	}
	return err
}

// SecretExists reports whether a secret exists.
func (e *Engine) SecretExists(ctx context.Context, name string) (bool, error) {
	if err := validSecretName(name); err != nil {
		return false, err
	}
	_, err := e.store.SecretGet(ctx, name)
	if errors.Is(err, conductor.ErrNotFound) {
		return false, nil
	}
	return err == nil, err
}

// SecretSummary is a secret without its value.
type SecretSummary struct {
	Name string      `json:"name"`
	Tags []store.Tag `json:"tags"`
}

// SecretsAccessible lists the names of the secrets p has every one of accesses on (all of them
// for ADMIN and with authentication off), as Orkes' GET /api/secrets?access=… does.
func (e *Engine) SecretsAccessible(ctx context.Context, p *auth.Principal, accesses []auth.Access) ([]string, error) {
	recs, err := e.store.SecretList(ctx)
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

// Secrets lists every secret's name and tags, never values.
func (e *Engine) Secrets(ctx context.Context) ([]SecretSummary, error) {
	recs, err := e.store.SecretList(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]SecretSummary, len(recs))
	for i, rec := range recs {
		out[i] = SecretSummary{Name: rec.Name, Tags: nonNil(rec.Tags)}
	}
	return out, nil
}

// SecretTags returns a secret's tags.
func (e *Engine) SecretTags(ctx context.Context, name string) ([]store.Tag, error) {
	if err := validSecretName(name); err != nil {
		return nil, err
	}
	rec, err := e.store.SecretGet(ctx, name)
	if errors.Is(err, conductor.ErrNotFound) {
		return nil, secretNotFound(name)
	}
	if err != nil {
		return nil, err
	}
	return nonNil(rec.Tags), nil
}

// PutSecretTags adds tags on behalf of p (UPDATE on the secret); a tag whose key exists
// replaces its value.
func (e *Engine) PutSecretTags(ctx context.Context, p *auth.Principal, name string, tags []store.Tag) error {
	if err := checkTags(tags); err != nil {
		return err
	}
	return e.editSecretTags(ctx, p, name, func(cur []store.Tag) []store.Tag { return mergeTags(cur, tags) })
}

// DeleteSecretTags removes tags (matching key and value) on behalf of p (UPDATE on the secret).
func (e *Engine) DeleteSecretTags(ctx context.Context, p *auth.Principal, name string, tags []store.Tag) error {
	return e.editSecretTags(ctx, p, name, func(cur []store.Tag) []store.Tag { return removeTags(cur, tags) })
}

// mergeTags adds tags to cur; a tag whose key exists replaces its value.
func mergeTags(cur, tags []conductor.Tag) []conductor.Tag {
	for _, t := range tags {
		i := slices.IndexFunc(cur, func(c conductor.Tag) bool { return c.Key == t.Key })
		if i >= 0 {
			cur[i].Value = t.Value
		} else {
			cur = append(cur, t)
		}
	}
	return nonNil(cur)
}

// removeTags removes from cur the tags matching one of tags in key and value.
func removeTags(cur, tags []conductor.Tag) []conductor.Tag {
	return nonNil(slices.DeleteFunc(cur, func(c conductor.Tag) bool { return slices.Contains(tags, c) }))
}

func (e *Engine) editSecretTags(ctx context.Context, p *auth.Principal, name string, edit func([]store.Tag) []store.Tag) error {
	if err := validSecretName(name); err != nil {
		return err
	}
	if err := e.mayChangeSecret(p, name, auth.AccessUpdate); err != nil {
		return err
	}
	return e.store.InTx(ctx, func(q *store.Queries) error {
		rec, err := q.SecretGetForUpdate(ctx, name)
		if errors.Is(err, conductor.ErrNotFound) {
			return secretNotFound(name)
		}
		if err != nil {
			return err
		}
		tags := nonNil(edit(rec.Tags))
		if len(tags) > MaxTags {
			return tooManyTags(len(tags))
		}
		return q.SecretSetTags(ctx, name, tags)
	})
}

// RotateSecretKeys re-seals, under the active key and while servers run, every secret and
// every sealed piece of execution data (real task inputs and outputs, workflow secret state)
// sealed with another key; each value is replaced only if nobody changed it meanwhile. It
// returns how many secrets it re-sealed. Afterwards the other keys can be removed.
func (e *Engine) RotateSecretKeys(ctx context.Context) (int, error) {
	n, err := e.rotateSecrets(ctx)
	if err != nil {
		return n, err
	}
	return n, e.rotateExecutionData(ctx)
}

// rotateExecutionData re-seals sealed execution data under the active key.
func (e *Engine) rotateExecutionData(ctx context.Context) error {
	names := map[string]func(string) string{"task_input": taskInputSeal, "task_output": taskOutputSeal, "workflow": workflowSeal}
	for stalled := 0; stalled < 3; {
		items, err := e.store.SealedItemsWithOtherKeys(ctx, e.keys.ActiveKeyID(), 200)
		if err != nil || len(items) == 0 {
			return err
		}
		progressed := false
		for _, it := range items {
			name := names[it.Kind](it.ID)
			value, err := e.keys.Open(name, it.Sealed)
			if err != nil {
				return fmt.Errorf("error opening sealed %s of %s: %w", it.Kind, it.ID, err)
			}
			sealed, err := e.keys.Seal(name, value)
			if err != nil {
				return err
			}
			ok, err := e.store.ResealItem(ctx, it, sealed)
			if err != nil {
				return err
			}
			progressed = progressed || ok
		}
		if progressed {
			stalled = 0
		} else {
			stalled++
		}
	}
	return fmt.Errorf("sealed execution data keeps changing under another key; is another process sealing with a different active key?")
}

func (e *Engine) rotateSecrets(ctx context.Context) (int, error) {
	done, stalled := 0, 0
	for {
		recs, err := e.store.SecretsSealedWithOtherKeys(ctx, e.keys.ActiveKeyID(), 100)
		if err != nil || len(recs) == 0 {
			return done, err
		}
		if stalled >= 3 {
			return done, fmt.Errorf("%d secrets keep changing under another key; is another process sealing with a different active key?", len(recs))
		}
		progressed := false
		for _, rec := range recs {
			value, err := e.keys.Open(rec.Name, rec.Sealed)
			if err != nil {
				return done, fmt.Errorf("error opening secret %s: %w", rec.Name, err)
			}
			sealed, err := e.keys.Seal(rec.Name, value)
			if err != nil {
				return done, err
			}
			ok, err := e.store.SecretReseal(ctx, rec.Name, rec.Sealed, sealed, e.keys.ActiveKeyID())
			if err != nil {
				return done, err
			}
			if ok {
				done++
				progressed = true
			}
		}
		if progressed {
			stalled = 0
		} else {
			stalled++ // every candidate changed under us; writers seal with their active key
		}
	}
}

// Keyring returns the engine's keyring.
func (e *Engine) Keyring() *secret.Keyring { return e.keys }
