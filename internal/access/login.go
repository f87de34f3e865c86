package access

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/podiumhq/podium/internal/auth"
	"github.com/podiumhq/podium/internal/conductor"
	"github.com/podiumhq/podium/internal/defaults"
)

// Login defaults and limits.
const (
	// TokenMaxTTLDefault is the longest life a token may have unless configured.
	TokenMaxTTLDefault = 24 * time.Hour
	// LoginConcurrencyDefault is how many password hashes (19 MiB of memory each) run at once.
	LoginConcurrencyDefault = 2
	// LoginWaitDefault is how long a login waits for a hashing slot before it gets 429.
	LoginWaitDefault = 2 * time.Second
	// loginBusyRetryAfter is the Retry-After of a login refused for want of a hashing slot.
	loginBusyRetryAfter = time.Second
	// loggedKeyIDLen bounds how much of a failed login's key id is logged.
	loggedKeyIDLen = 64
)

// Failed-login throttling: this many failures of one key id from one source address within the
// window lock that key id for that address for the rest of the window; this many failures from
// one address, whatever the key ids, lock the address.
const (
	loginFailuresAllowed       = 5
	loginSourceFailuresAllowed = 50
	loginThrottleWindow        = time.Minute
)

// Login failures.
var (
	// ErrBadCredentials: unknown key, wrong secret or inactive key (one answer for all three).
	ErrBadCredentials = errors.New("invalid access key id or secret")
	// ErrThrottled: too many failed logins of this key id from this address lately.
	ErrThrottled = errors.New("too many failed logins for this key; try again later")
	// ErrLoginBusy: every hashing slot stayed taken for as long as a login may wait.
	ErrLoginBusy = errors.New("too many logins at once; try again shortly")
)

// RetryLaterError is a refused login (ErrThrottled or ErrLoginBusy) with how long to wait.
type RetryLaterError struct {
	Err   error
	After time.Duration
}

func (e *RetryLaterError) Error() string { return e.Err.Error() }

// Unwrap returns ErrThrottled or ErrLoginBusy.
func (e *RetryLaterError) Unwrap() error { return e.Err }

// LoginStats counts the password hashing of logins.
type LoginStats struct {
	// InFlight is how many hashes run now; Peak the most that ever ran at once.
	InFlight, Peak int
	// Busy is how many logins were refused for want of a hashing slot.
	Busy int
}

// loginGate bounds the password hashes that run at once, since each takes 19 MiB: a flood of
// logins waits for a slot instead of taking the process's memory.
type loginGate struct {
	slots                chan struct{}
	wait                 time.Duration
	maxTTL               time.Duration
	inFlight, peak, busy atomic.Int64
}

func newLoginGate(concurrency int, wait, maxTTL time.Duration) loginGate {
	concurrency = defaults.Positive(concurrency, LoginConcurrencyDefault)
	wait = defaults.Positive(wait, LoginWaitDefault)
	maxTTL = defaults.Positive(maxTTL, TokenMaxTTLDefault)
	return loginGate{slots: make(chan struct{}, concurrency), wait: wait, maxTTL: maxTTL}
}

// verify checks secret against hash once a slot is free, waiting at most the gate's wait and
// as long as ctx lives.
func (g *loginGate) verify(ctx context.Context, hash, secret string) (bool, error) {
	select {
	case g.slots <- struct{}{}:
	default:
		timer := time.NewTimer(g.wait)
		defer timer.Stop()
		select {
		case g.slots <- struct{}{}:
		case <-ctx.Done():
			return false, ctx.Err()
		case <-timer.C:
			g.busy.Add(1)
			return false, &RetryLaterError{Err: ErrLoginBusy, After: loginBusyRetryAfter}
		}
	}
	defer func() { <-g.slots }()
	n := g.inFlight.Add(1)
	defer g.inFlight.Add(-1)
	for p := g.peak.Load(); n > p; p = g.peak.Load() {
		if g.peak.CompareAndSwap(p, n) {
			break
		}
	}
	return auth.VerifySecret(hash, secret), nil
}

// LoginStats returns the counts of the hashing of logins.
func (s *Service) LoginStats() LoginStats {
	g := &s.login
	return LoginStats{InFlight: int(g.inFlight.Load()), Peak: int(g.peak.Load()), Busy: int(g.busy.Load())}
}

// Login exchanges an access key for a signed token living ttl: 0 takes the default, longer
// than the maximum (TokenMaxTTLDefault unless configured) gets the maximum, and a negative
// ttl (Orkes' "never expires") is invalid: every token expires.
//
// source is the caller's address: failed logins are throttled per (source, key id) and per
// source, so that nobody can lock a key's owner out from elsewhere.
func (s *Service) Login(ctx context.Context, source, keyID, secret string, ttl time.Duration) (string, error) {
	switch {
	case ttl < 0:
		return "", conductor.Invalidf("expiration must not be negative: every token expires, after at most %d ms",
			s.login.maxTTL.Milliseconds())
	case ttl == 0:
		ttl = s.tokenTTL
	}
	ttl = min(ttl, s.login.maxTTL)
	if blocked, left := s.throttle.Blocked(source, keyID); blocked {
		return "", &RetryLaterError{Err: ErrThrottled, After: left}
	}
	subject, err := s.checkKey(ctx, keyID, secret)
	if errors.Is(err, ErrBadCredentials) {
		s.throttle.Fail(source, keyID)
		logged := keyID
		if len(logged) > loggedKeyIDLen {
			logged = fmt.Sprintf("%.*s… (%d bytes)", loggedKeyIDLen, logged, len(keyID))
		}
		s.logger.Warn("auth: failed login", "key_id", logged, "source", source)
	}
	if err != nil {
		return "", err
	}
	s.throttle.Succeed(source, keyID)
	return s.signer.Issue(subject, keyID, ttl)
}

// checkKey verifies a key pair and returns the principal id it logs in as.
func (s *Service) checkKey(ctx context.Context, keyID, secret string) (string, error) {
	if keyID == "" || secret == "" {
		return "", ErrBadCredentials
	}
	if s.admin.ID != "" && keyID == s.admin.ID {
		if auth.EqualSecret(secret, s.admin.Secret) { // not hashed: needs no slot
			return AdminPrincipalID, nil
		}
		return "", ErrBadCredentials
	}
	k, err := s.store.AccessKeyGet(ctx, keyID)
	if errors.Is(err, conductor.ErrNotFound) {
		// Answer as slowly as for a known key, under the same bound.
		if _, err := s.login.verify(ctx, dummyHash(), secret); err != nil {
			return "", err
		}
		return "", ErrBadCredentials
	}
	if err != nil {
		return "", err
	}
	ok, err := s.login.verify(ctx, k.SecretHash, secret)
	if err != nil {
		return "", err
	}
	if !ok || k.Status != KeyActive {
		return "", ErrBadCredentials
	}
	return k.ApplicationID, nil
}

// dummyHash is verified against for unknown key ids, so that their answer takes as long.
var dummyHash = sync.OnceValue(func() string { return auth.HashSecret("podium-dummy-secret") })
