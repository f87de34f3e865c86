// Package access holds who may do what: applications and their access keys, grants, login
// (access key → signed token), the resolution of tokens and of the principals workflows run as
// to their current rights, and the ownership of the resources a principal creates.
//
// Resolved principals are cached for at most a second; a change made anywhere clears the
// caches of every process at once through the notify.Access topic (see Run).
package access

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/podiumhq/podium/internal/auth"
	"github.com/podiumhq/podium/internal/conductor"
	"github.com/podiumhq/podium/internal/defaults"
	"github.com/podiumhq/podium/internal/notify"
	"github.com/podiumhq/podium/internal/secret"
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

// Config is what New needs.
type Config struct {
	Store *store.Store
	// Keys is the keyring token signing keys are derived from; nil means a random key held in
	// memory only (tests).
	Keys *secret.Keyring
	// Notify carries access changes between processes; it is run by whoever built it. nil
	// means a hub of the service's own that is never run: changes clear this process's
	// caches only.
	Notify *notify.Hub
	Logger *slog.Logger
	// Now defaults to time.Now.
	Now func() time.Time
	// Admin is the bootstrap admin access key; empty means none.
	Admin AdminKey
	// TokenTTL is the life of a token whose login asks for none; 0 takes TokenTTLDefault.
	TokenTTL time.Duration
	// TokenMaxTTL is the longest life a token may have; 0 takes TokenMaxTTLDefault.
	TokenMaxTTL time.Duration
	// LoginConcurrency is how many logins hash their secret at once (19 MiB each); 0 takes
	// LoginConcurrencyDefault.
	LoginConcurrency int
	// LoginWait is how long a login waits for a hashing slot before it is refused; 0 takes
	// LoginWaitDefault.
	LoginWait time.Duration
}

// Service is the access service. Run its invalidation loop (Run) for as long as it is used.
type Service struct {
	store    *store.Store
	notes    *notify.Hub
	logger   *slog.Logger
	now      func() time.Time
	admin    AdminKey
	tokenTTL time.Duration
	signer   *auth.Signer
	throttle *auth.Throttle
	login    loginGate

	mu    sync.Mutex
	cache map[string]cachedPrincipal
}

type cachedPrincipal struct {
	p       *auth.Principal
	expires time.Time
}

// New returns the access service over cfg.Store.
func New(cfg Config) *Service {
	s := &Service{store: cfg.Store, notes: cfg.Notify, logger: cfg.Logger, now: cfg.Now, admin: cfg.Admin,
		tokenTTL: cfg.TokenTTL}
	keys := cfg.Keys
	if keys == nil {
		keys = secret.Ephemeral()
	}
	if s.logger == nil {
		s.logger = slog.New(slog.DiscardHandler)
	}
	if s.notes == nil {
		s.notes = notify.New(cfg.Store, s.logger)
	}
	if s.now == nil {
		s.now = time.Now
	}
	s.login = newLoginGate(cfg.LoginConcurrency, cfg.LoginWait, cfg.TokenMaxTTL)
	s.tokenTTL = defaults.Positive(s.tokenTTL, TokenTTLDefault)
	s.tokenTTL = min(s.tokenTTL, s.login.maxTTL)
	active, signingKeys := keys.Derive("token signing")
	signer, err := auth.NewSigner(active, signingKeys, s.now)
	if err != nil {
		panic(err) // the keyring always holds its active key
	}
	signer.MaxLife = s.login.maxTTL
	s.signer = signer
	s.throttle = &auth.Throttle{MaxFailures: loginFailuresAllowed, MaxSourceFailures: loginSourceFailuresAllowed,
		Window: loginThrottleWindow, Now: s.now}
	return s
}

// Run clears the cached principals whenever access changes anywhere, until ctx ends.
func (s *Service) Run(ctx context.Context) {
	changes, unsubscribe := s.notes.Subscribe(notify.Access)
	defer unsubscribe()
	for {
		select {
		case <-ctx.Done():
			return
		case <-changes:
			s.clear()
		}
	}
}

func (s *Service) clear() {
	s.mu.Lock()
	s.cache = nil
	s.mu.Unlock()
}

// Changed clears the principal caches of this process at once and of every other one through
// NOTIFY. Call it after a change of applications, keys or grants committed.
func (s *Service) Changed() {
	s.clear()
	s.notes.Publish(notify.Access)
}

// Authenticate resolves a token to the principal it acts for: the key it was issued for must
// still exist and be active, and its application's roles apply as they are now.
func (s *Service) Authenticate(ctx context.Context, token string) (*auth.Principal, error) {
	claims, err := s.signer.Verify(token)
	if err != nil {
		return nil, err
	}
	if s.admin.ID != "" && claims.KeyID == s.admin.ID && claims.Subject == AdminPrincipalID {
		return adminPrincipal(claims.KeyID), nil
	}
	p, err := s.keyPrincipal(ctx, claims.KeyID)
	if err != nil {
		return nil, err
	}
	if p.ID != claims.Subject {
		return nil, auth.ErrTokenInvalid
	}
	return p, nil
}

// keyPrincipal returns the principal of an active access key, from a short-lived cache.
func (s *Service) keyPrincipal(ctx context.Context, keyID string) (*auth.Principal, error) {
	now := time.Now()
	s.mu.Lock()
	c, ok := s.cache[keyID]
	s.mu.Unlock()
	if ok && now.Before(c.expires) {
		if c.p == nil {
			return nil, auth.ErrTokenInvalid
		}
		return c.p, nil
	}
	kp, err := s.store.KeyPrincipalGet(ctx, keyID)
	var p *auth.Principal
	switch {
	case errors.Is(err, conductor.ErrNotFound):
	case err != nil:
		return nil, err
	case kp.KeyStatus == KeyActive:
		p = principalOf(kp)
		p.KeyID = keyID
	}
	s.remember(keyID, p, now)
	if p == nil {
		return nil, auth.ErrTokenInvalid
	}
	return p, nil
}

// remember caches p under key for principalCacheTTL from now.
func (s *Service) remember(key string, p *auth.Principal, now time.Time) {
	s.mu.Lock()
	if s.cache == nil {
		s.cache = map[string]cachedPrincipal{}
	}
	s.cache[key] = cachedPrincipal{p: p, expires: now.Add(principalCacheTTL)}
	s.mu.Unlock()
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

// RunAs resolves the principal id a workflow or schedule runs as to its current rights,
// reading through q (a decision's transaction, so that checking rights never waits for a
// second connection): nil (no restriction) for "" — started with authentication off — and
// the bootstrap admin's for AdminPrincipalID; an application that no longer exists has no
// rights at all. Results are cached briefly and dropped on any access change, like those of
// access keys.
func (s *Service) RunAs(ctx context.Context, q *store.Queries, id string) (*auth.Principal, error) {
	switch id {
	case "":
		return nil, nil
	case AdminPrincipalID:
		return adminPrincipal(""), nil
	}
	now := time.Now()
	cacheKey := "app:" + id
	s.mu.Lock()
	c, ok := s.cache[cacheKey]
	s.mu.Unlock()
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
	s.remember(cacheKey, p, now)
	return p, nil
}

// MayStart reports whether p (nil: authentication is off) may start workflow name: a role
// that starts workflows, or EXECUTE on the workflow definition.
func MayStart(p *auth.Principal, name string) bool {
	return p == nil || p.Can(auth.WorkflowExecute) || p.Allowed(auth.TargetWorkflowDef, name, auth.AccessExecute)
}
