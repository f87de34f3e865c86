package engine

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/podiumhq/podium/internal/auth"
	"github.com/podiumhq/podium/internal/conductor"
)

// Login failures.
var (
	// ErrBadCredentials: unknown key, wrong secret or inactive key (one answer for all three).
	ErrBadCredentials = errors.New("invalid access key id or secret")
	// ErrThrottled: too many failed logins of this key id lately.
	ErrThrottled = errors.New("too many failed logins for this key; try again later")
)

// Login exchanges an access key for a signed token living ttl (0: the default; negative: a
// token that never expires).
func (e *Engine) Login(ctx context.Context, keyID, secret string, ttl time.Duration) (string, error) {
	a := &e.access
	if blocked, _ := a.throttle.Blocked(keyID); blocked {
		return "", ErrThrottled
	}
	subject, err := e.checkKey(ctx, keyID, secret)
	if errors.Is(err, ErrBadCredentials) {
		a.throttle.Fail(keyID)
		e.logger.Warn("auth: failed login", "key_id", keyID)
	}
	if err != nil {
		return "", err
	}
	a.throttle.Succeed(keyID)
	if ttl == 0 {
		ttl = a.tokenTTL
	}
	return a.signer.Issue(subject, keyID, ttl)
}

// checkKey verifies a key pair and returns the principal id it logs in as.
func (e *Engine) checkKey(ctx context.Context, keyID, secret string) (string, error) {
	a := &e.access
	if keyID == "" || secret == "" {
		return "", ErrBadCredentials
	}
	if a.admin.ID != "" && keyID == a.admin.ID {
		if auth.EqualSecret(secret, a.admin.Secret) {
			return AdminPrincipalID, nil
		}
		return "", ErrBadCredentials
	}
	k, err := e.store.AccessKeyGet(ctx, keyID)
	if errors.Is(err, conductor.ErrNotFound) {
		auth.VerifySecret(dummyHash(), secret) // answer as slowly as for a known key
		return "", ErrBadCredentials
	}
	if err != nil {
		return "", err
	}
	if !auth.VerifySecret(k.SecretHash, secret) || k.Status != KeyActive {
		return "", ErrBadCredentials
	}
	return k.ApplicationID, nil
}

// dummyHash is verified against for unknown key ids, so that their answer takes as long.
var dummyHash = sync.OnceValue(func() string { return auth.HashSecret("podium-dummy-secret") })
