package engine

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/podiumhq/podium/internal/auth"
	"github.com/podiumhq/podium/internal/conductor"
	"github.com/podiumhq/podium/store"
)

// Access defaults.
const (
	// TokenTTLDefault is how long a token lives when the login asks for no expiration. The SDKs
	// refresh tokens after 45 minutes, so it must be longer.
	TokenTTLDefault = 60 * time.Minute
	// principalCacheTTL bounds how long a resolved access key is trusted without the database;
	// changes made anywhere also clear the caches through NOTIFY at once.
	principalCacheTTL = time.Second
	// accessChangesQueue is the hub key (and NOTIFY payload) of access changes.
	accessChangesQueue = "_access"
	// AdminPrincipalID is the principal id of the bootstrap admin key.
	AdminPrincipalID = "admin"
)

// AdminKey is the bootstrap admin access key from configuration.
type AdminKey struct {
	ID     string
	Secret string
}

// access is the engine's authentication state.
type access struct {
	admin    AdminKey
	tokenTTL time.Duration
	signer   *auth.Signer
	throttle *auth.Throttle

	mu    sync.Mutex
	cache map[string]cachedPrincipal
}

type cachedPrincipal struct {
	p       *auth.Principal
	expires time.Time
}

func (a *access) clear() {
	a.mu.Lock()
	a.cache = nil
	a.mu.Unlock()
}

// accessChanged clears the principal caches of every process.
func (e *Engine) accessChanged() {
	e.access.clear()
	e.announce(map[string]bool{accessChangesQueue: true})
}

// Authenticate resolves a token to the principal it acts for: the key it was issued for must
// still exist and be active, and its application's roles apply as they are now.
func (e *Engine) Authenticate(ctx context.Context, token string) (*auth.Principal, error) {
	a := &e.access
	claims, err := a.signer.Verify(token)
	if err != nil {
		return nil, err
	}
	if a.admin.ID != "" && claims.KeyID == a.admin.ID && claims.Subject == AdminPrincipalID {
		return &auth.Principal{ID: AdminPrincipalID, Name: "admin", KeyID: claims.KeyID, Roles: []string{auth.RoleAdmin}}, nil
	}
	p, err := e.keyPrincipal(ctx, claims.KeyID)
	if err != nil {
		return nil, err
	}
	if p.ID != claims.Subject {
		return nil, auth.ErrTokenInvalid
	}
	return p, nil
}

// keyPrincipal returns the principal of an active access key, from a short-lived cache.
func (e *Engine) keyPrincipal(ctx context.Context, keyID string) (*auth.Principal, error) {
	a := &e.access
	now := time.Now()
	a.mu.Lock()
	c, ok := a.cache[keyID]
	a.mu.Unlock()
	if ok && now.Before(c.expires) {
		if c.p == nil {
			return nil, auth.ErrTokenInvalid
		}
		return c.p, nil
	}
	kp, err := e.store.KeyPrincipalGet(ctx, keyID)
	var p *auth.Principal
	switch {
	case errors.Is(err, conductor.ErrNotFound):
	case err != nil:
		return nil, err
	case kp.KeyStatus == KeyActive:
		p = &auth.Principal{ID: kp.ApplicationID, Name: kp.Name, KeyID: keyID, Roles: kp.Roles, SecretGrants: kp.SecretGrants}
	}
	a.mu.Lock()
	if a.cache == nil {
		a.cache = map[string]cachedPrincipal{}
	}
	a.cache[keyID] = cachedPrincipal{p: p, expires: now.Add(principalCacheTTL)}
	a.mu.Unlock()
	if p == nil {
		return nil, auth.ErrTokenInvalid
	}
	return p, nil
}

// principalMayStart reports whether the principal id that saved a schedule may still start
// workflows; "" (saved with authentication off) may.
func (e *Engine) principalMayStart(ctx context.Context, id string) (bool, error) {
	switch id {
	case "", AdminPrincipalID:
		return true, nil
	}
	if !validID(id) {
		return false, nil
	}
	app, err := e.store.ApplicationGet(ctx, id)
	if errors.Is(err, conductor.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return (&auth.Principal{Roles: app.Roles}).Can(auth.WorkflowExecute), nil
}

// validRole checks a role name.
func validRole(role string) error {
	if !auth.ValidRole(role) {
		return conductor.Invalidf("Unknown role %q; one of %s", role, strings.Join(auth.Roles, ", "))
	}
	return nil
}

// Access key statuses.
const (
	KeyActive   = "ACTIVE"
	KeyInactive = "INACTIVE"
)

// Application is an application as the API shows it.
type Application struct {
	ID         string          `json:"id"`
	Name       string          `json:"name"`
	CreatedBy  string          `json:"createdBy,omitempty"`
	UpdatedBy  string          `json:"updatedBy,omitempty"`
	CreateTime int64           `json:"createTime"`
	UpdateTime int64           `json:"updateTime"`
	Roles      []string        `json:"roles"`
	Tags       []conductor.Tag `json:"tags"`
}

func applicationOf(rec *store.ApplicationRecord) *Application {
	return &Application{ID: rec.ID, Name: rec.Name, CreatedBy: rec.CreatedBy, UpdatedBy: rec.UpdatedBy,
		CreateTime: rec.CreateTime.UnixMilli(), UpdateTime: rec.UpdateTime.UnixMilli(),
		Roles: nonNil(rec.Roles), Tags: nonNil(rec.Tags)}
}

func applicationNotFound(id string) error {
	return conductor.NotFoundf("Application '%s' not found", id)
}

func validApplicationName(name string) error {
	if strings.TrimSpace(name) == "" {
		return conductor.Invalidf("Application name is required")
	}
	if len(name) > 255 {
		return conductor.Invalidf("Application name must be at most 255 characters")
	}
	return nil
}

// CreateApplication creates an application (with no roles) on behalf of by.
func (e *Engine) CreateApplication(ctx context.Context, name, by string) (*Application, error) {
	if err := validApplicationName(name); err != nil {
		return nil, err
	}
	now := e.now()
	rec := &store.ApplicationRecord{ID: newID(), Name: name, CreateTime: now, UpdateTime: now, CreatedBy: by, UpdatedBy: by}
	if err := e.store.ApplicationCreate(ctx, rec); err != nil {
		return nil, err
	}
	return applicationOf(rec), nil
}

// Applications lists every application.
func (e *Engine) Applications(ctx context.Context) ([]*Application, error) {
	recs, err := e.store.ApplicationList(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]*Application, len(recs))
	for i, rec := range recs {
		out[i] = applicationOf(rec)
	}
	return out, nil
}

// Application returns one application; 404 when unknown.
func (e *Engine) Application(ctx context.Context, id string) (*Application, error) {
	if !validID(id) {
		return nil, applicationNotFound(id)
	}
	rec, err := e.store.ApplicationGet(ctx, id)
	if errors.Is(err, conductor.ErrNotFound) {
		return nil, applicationNotFound(id)
	}
	if err != nil {
		return nil, err
	}
	return applicationOf(rec), nil
}

// editApplication runs change on the locked application id and saves it.
func (e *Engine) editApplication(ctx context.Context, id, by string, change func(rec *store.ApplicationRecord) error) (*Application, error) {
	if !validID(id) {
		return nil, applicationNotFound(id)
	}
	var out *Application
	err := e.store.InTx(ctx, func(q *store.Queries) error {
		rec, err := q.ApplicationGetForUpdate(ctx, id)
		if errors.Is(err, conductor.ErrNotFound) {
			return applicationNotFound(id)
		}
		if err != nil {
			return err
		}
		if err := change(rec); err != nil {
			return err
		}
		rec.UpdateTime = e.now()
		if by != "" {
			rec.UpdatedBy = by
		}
		out = applicationOf(rec)
		return q.ApplicationUpdate(ctx, rec)
	})
	if err == nil {
		e.accessChanged()
	}
	return out, err
}

// RenameApplication changes an application's name.
func (e *Engine) RenameApplication(ctx context.Context, id, name, by string) (*Application, error) {
	if err := validApplicationName(name); err != nil {
		return nil, err
	}
	return e.editApplication(ctx, id, by, func(rec *store.ApplicationRecord) error {
		rec.Name = name
		return nil
	})
}

// AddApplicationRole gives an application a role.
func (e *Engine) AddApplicationRole(ctx context.Context, id, role, by string) (*Application, error) {
	if err := validRole(role); err != nil {
		return nil, err
	}
	return e.editApplication(ctx, id, by, func(rec *store.ApplicationRecord) error {
		if !slices.Contains(rec.Roles, role) {
			rec.Roles = append(rec.Roles, role)
		}
		return nil
	})
}

// RemoveApplicationRole takes a role from an application.
func (e *Engine) RemoveApplicationRole(ctx context.Context, id, role, by string) (*Application, error) {
	if err := validRole(role); err != nil {
		return nil, err
	}
	return e.editApplication(ctx, id, by, func(rec *store.ApplicationRecord) error {
		rec.Roles = slices.DeleteFunc(rec.Roles, func(r string) bool { return r == role })
		return nil
	})
}

// PutApplicationTags adds tags; a tag whose key exists replaces its value.
func (e *Engine) PutApplicationTags(ctx context.Context, id string, tags []conductor.Tag) error {
	if err := checkTags(tags); err != nil {
		return err
	}
	_, err := e.editApplication(ctx, id, "", func(rec *store.ApplicationRecord) error {
		rec.Tags = mergeTags(rec.Tags, tags)
		if len(rec.Tags) > MaxTags {
			return tooManyTags(len(rec.Tags))
		}
		return nil
	})
	return err
}

// DeleteApplicationTags removes tags (matching key and value).
func (e *Engine) DeleteApplicationTags(ctx context.Context, id string, tags []conductor.Tag) error {
	_, err := e.editApplication(ctx, id, "", func(rec *store.ApplicationRecord) error {
		rec.Tags = removeTags(rec.Tags, tags)
		return nil
	})
	return err
}

// DeleteApplication removes an application, its keys and its grants: tokens issued for its
// keys stop working at once.
func (e *Engine) DeleteApplication(ctx context.Context, id string) error {
	if !validID(id) {
		return applicationNotFound(id)
	}
	err := e.store.InTx(ctx, func(q *store.Queries) error { return q.ApplicationDelete(ctx, id) })
	if errors.Is(err, conductor.ErrNotFound) {
		return applicationNotFound(id)
	}
	if err == nil {
		e.accessChanged()
	}
	return err
}

// AccessKey is an access key as listed (never its secret).
type AccessKey struct {
	ID        string `json:"id"`
	CreatedAt int64  `json:"createdAt"`
	Status    string `json:"status"`
}

// NewAccessKey is a created key: the only time its secret is shown.
type NewAccessKey struct {
	ID     string `json:"id"`
	Secret string `json:"secret"`
}

func accessKeyOf(k *store.AccessKeyRecord) AccessKey {
	return AccessKey{ID: k.ID, CreatedAt: k.CreatedAt.UnixMilli(), Status: k.Status}
}

// CreateAccessKey issues a key for an application; its secret is returned once and stored
// only as a slow hash.
func (e *Engine) CreateAccessKey(ctx context.Context, applicationID string) (*NewAccessKey, error) {
	if _, err := e.Application(ctx, applicationID); err != nil {
		return nil, err
	}
	secret := auth.NewSecret()
	k := &store.AccessKeyRecord{ID: newID(), ApplicationID: applicationID, SecretHash: auth.HashSecret(secret),
		Status: KeyActive, CreatedAt: e.now()}
	if err := e.store.AccessKeyCreate(ctx, k); err != nil {
		if errors.Is(err, conductor.ErrNotFound) || errors.Is(err, conductor.ErrConflict) {
			return nil, applicationNotFound(applicationID)
		}
		return nil, fmt.Errorf("error creating access key: %w", err)
	}
	return &NewAccessKey{ID: k.ID, Secret: secret}, nil
}

// AccessKeys lists an application's keys.
func (e *Engine) AccessKeys(ctx context.Context, applicationID string) ([]AccessKey, error) {
	if _, err := e.Application(ctx, applicationID); err != nil {
		return nil, err
	}
	keys, err := e.store.AccessKeyList(ctx, applicationID)
	if err != nil {
		return nil, err
	}
	out := make([]AccessKey, len(keys))
	for i, k := range keys {
		out[i] = accessKeyOf(k)
	}
	return out, nil
}

func accessKeyNotFound(id string) error { return conductor.NotFoundf("Access key '%s' not found", id) }

// DeleteAccessKey removes a key: its tokens stop working at once.
func (e *Engine) DeleteAccessKey(ctx context.Context, applicationID, keyID string) error {
	if !validID(applicationID) {
		return applicationNotFound(applicationID)
	}
	err := e.store.AccessKeyDelete(ctx, applicationID, keyID)
	if errors.Is(err, conductor.ErrNotFound) {
		return accessKeyNotFound(keyID)
	}
	if err == nil {
		e.accessChanged()
	}
	return err
}

// ToggleAccessKey flips a key between ACTIVE and INACTIVE; an inactive key's tokens stop
// working at once.
func (e *Engine) ToggleAccessKey(ctx context.Context, applicationID, keyID string) (*AccessKey, error) {
	if !validID(applicationID) {
		return nil, applicationNotFound(applicationID)
	}
	k, err := e.store.AccessKeyToggle(ctx, applicationID, keyID)
	if errors.Is(err, conductor.ErrNotFound) {
		return nil, accessKeyNotFound(keyID)
	}
	if err != nil {
		return nil, err
	}
	e.accessChanged()
	out := accessKeyOf(k)
	return &out, nil
}

// ApplicationByKey returns the application owning an access key.
func (e *Engine) ApplicationByKey(ctx context.Context, keyID string) (*Application, error) {
	k, err := e.store.AccessKeyGet(ctx, keyID)
	if errors.Is(err, conductor.ErrNotFound) {
		return nil, accessKeyNotFound(keyID)
	}
	if err != nil {
		return nil, err
	}
	return e.Application(ctx, k.ApplicationID)
}
