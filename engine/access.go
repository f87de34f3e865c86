package engine

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/podiumhq/podium/internal/auth"
	"github.com/podiumhq/podium/internal/conductor"
	"github.com/podiumhq/podium/internal/notify"
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
	e.notes.Publish(notify.Access)
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
		return adminPrincipal(claims.KeyID), nil
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
		p = principalOf(kp)
		p.KeyID = keyID
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

// principalOf builds the principal of an application from its stored roles and grants.
func principalOf(kp *store.KeyPrincipal) *auth.Principal {
	p := &auth.Principal{ID: kp.ApplicationID, Name: kp.Name, Roles: kp.Roles, Grants: auth.Grants{}}
	for _, g := range kp.Grants {
		accesses := make([]auth.Access, len(g.Access))
		for i, a := range g.Access {
			accesses[i] = auth.Access(a)
		}
		p.Grants.Add(auth.Target{Type: g.TargetType, ID: g.TargetID}, accesses...)
	}
	return p
}

// adminPrincipal is the principal of the bootstrap admin key.
func adminPrincipal(keyID string) *auth.Principal {
	return &auth.Principal{ID: AdminPrincipalID, Name: "admin", KeyID: keyID, Roles: []string{auth.RoleAdmin}}
}

// RunAs resolves the principal id a workflow or schedule runs as to its current rights: nil
// (no restriction) for "" — started with authentication off — and the bootstrap admin's for
// AdminPrincipalID; an application that no longer exists has no rights at all. Results are
// cached briefly and dropped on any access change, like those of access keys.
func (e *Engine) RunAs(ctx context.Context, id string) (*auth.Principal, error) {
	return e.runAs(ctx, e.store.Queries, id)
}

// runAs is RunAs reading through q (a decision's transaction, so that checking rights never
// waits for a second connection).
func (e *Engine) runAs(ctx context.Context, q *store.Queries, id string) (*auth.Principal, error) {
	switch id {
	case "":
		return nil, nil
	case AdminPrincipalID:
		return adminPrincipal(""), nil
	}
	a := &e.access
	now := time.Now()
	cacheKey := "app:" + id
	a.mu.Lock()
	c, ok := a.cache[cacheKey]
	a.mu.Unlock()
	if ok && now.Before(c.expires) {
		return c.p, nil
	}
	p := &auth.Principal{ID: id, Name: id}
	if validID(id) {
		kp, err := q.ApplicationPrincipalGet(ctx, id)
		switch {
		case errors.Is(err, conductor.ErrNotFound):
		case err != nil:
			return nil, err
		default:
			p = principalOf(kp)
		}
	}
	a.mu.Lock()
	if a.cache == nil {
		a.cache = map[string]cachedPrincipal{}
	}
	a.cache[cacheKey] = cachedPrincipal{p: p, expires: now.Add(principalCacheTTL)}
	a.mu.Unlock()
	return p, nil
}

// principalMayStart reports whether the principal id that saved a schedule may still start
// workflow name: a role that starts workflows or EXECUTE on its definition; "" (saved with
// authentication off) may.
func (e *Engine) principalMayStart(ctx context.Context, q *store.Queries, id, name string) (bool, error) {
	p, err := e.runAs(ctx, q, id)
	if err != nil {
		return false, err
	}
	return MayStart(p, name), nil
}

// MayStart reports whether p (nil: authentication is off) may start workflow name: a role
// that starts workflows, or EXECUTE on the workflow definition.
func MayStart(p *auth.Principal, name string) bool {
	return p == nil || p.Can(auth.WorkflowExecute) || p.Allowed(auth.TargetWorkflowDef, name, auth.AccessExecute)
}
