package auth_test

import (
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/stretchr/testify/require"

	"github.com/podiumhq/podium/internal/auth"
	"github.com/podiumhq/podium/internal/clocktest"
)

func key(b byte) []byte { return []byte(strings.Repeat(string(rune('a'+b)), 32)) }

func TestTokensVerifyAndExpire(t *testing.T) {
	t.Parallel()
	c := clocktest.New(time.Unix(1_800_000_000, 0))
	s, err := auth.NewSigner("k1", map[string][]byte{"k1": key(1)}, c.Now)
	require.NoError(t, err)

	tok, err := s.Issue("app-1", "key-1", time.Minute)
	require.NoError(t, err)
	claims, err := s.Verify(tok)
	require.NoError(t, err)
	require.Equal(t, "app-1", claims.Subject)
	require.Equal(t, "key-1", claims.KeyID)
	require.Equal(t, c.Now().Add(time.Minute), claims.ExpiresAt)

	c.Advance(61 * time.Second)
	_, err = s.Verify(tok)
	require.ErrorIs(t, err, auth.ErrTokenExpired)

	for _, ttl := range []time.Duration{-1, 0} {
		_, err = s.Issue("app-1", "key-1", ttl)
		require.Error(t, err, "no token lives forever (%s)", ttl)
	}
}

func TestTokensNeverOutliveTheMaximum(t *testing.T) {
	t.Parallel()
	c := clocktest.New(time.Unix(1_800_000_000, 0))
	s, err := auth.NewSigner("k1", map[string][]byte{"k1": key(1)}, c.Now)
	require.NoError(t, err)
	long, err := s.Issue("app-1", "key-1", 48*time.Hour)
	require.NoError(t, err)
	s.MaxLife = 24 * time.Hour
	_, err = s.Issue("app-1", "key-1", 24*time.Hour+time.Second)
	require.Error(t, err)
	day, err := s.Issue("app-1", "key-1", 24*time.Hour)
	require.NoError(t, err)
	_, err = s.Verify(day)
	require.NoError(t, err)
	_, err = s.Verify(long)
	require.ErrorIs(t, err, auth.ErrTokenInvalid, "a token issued for longer than the maximum is refused once it is set")

	// A token without exp, even one signed with the server's key, is refused.
	forever := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{"sub": "app-1", "keyId": "key-1", "iss": auth.Issuer,
		"iat": c.Now().Unix()})
	forever.Header["kid"] = "k1"
	foreverTok, err := forever.SignedString(key(1))
	require.NoError(t, err)
	s.MaxLife = 0
	_, err = s.Verify(foreverTok)
	require.ErrorIs(t, err, auth.ErrTokenInvalid)
}

func TestTokensRejectForgeries(t *testing.T) {
	t.Parallel()
	s, err := auth.NewSigner("k1", map[string][]byte{"k1": key(1)}, nil)
	require.NoError(t, err)
	other, err := auth.NewSigner("k1", map[string][]byte{"k1": key(2)}, nil)
	require.NoError(t, err)
	tok, err := s.Issue("app-1", "key-1", time.Minute)
	require.NoError(t, err)

	forged, err := other.Issue("app-1", "key-1", time.Minute)
	require.NoError(t, err)
	parts := strings.Split(tok, ".")
	claimsJSON, err := base64.RawURLEncoding.DecodeString(parts[1])
	require.NoError(t, err)
	tampered := parts[0] + "." + base64.RawURLEncoding.EncodeToString([]byte(strings.Replace(string(claimsJSON), "app-1", "app-2", 1))) + "." + parts[2]
	none := jwt.NewWithClaims(jwt.SigningMethodNone, jwt.MapClaims{"sub": "app-1", "keyId": "key-1", "iss": auth.Issuer})
	noneTok, err := none.SignedString(jwt.UnsafeAllowNoneSignatureType)
	require.NoError(t, err)
	unknownKid := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{"sub": "app-1", "keyId": "key-1", "iss": auth.Issuer})
	unknownKid.Header["kid"] = "k9"
	unknownKidTok, err := unknownKid.SignedString(key(1))
	require.NoError(t, err)
	wrongIssuer := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{"sub": "app-1", "keyId": "key-1", "iss": "elsewhere"})
	wrongIssuer.Header["kid"] = "k1"
	wrongIssuerTok, err := wrongIssuer.SignedString(key(1))
	require.NoError(t, err)
	noKeyID := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{"sub": "app-1", "iss": auth.Issuer})
	noKeyID.Header["kid"] = "k1"
	noKeyIDTok, err := noKeyID.SignedString(key(1))
	require.NoError(t, err)

	for name, bad := range map[string]string{
		"other key": forged, "tampered claims": tampered, "alg none": noneTok, "unknown kid": unknownKidTok,
		"wrong issuer": wrongIssuerTok, "no key id": noKeyIDTok, "garbage": "abc", "empty": "",
	} {
		_, err := s.Verify(bad)
		require.ErrorIs(t, err, auth.ErrTokenInvalid, name)
	}
}

func TestTokensSurviveKeyRotation(t *testing.T) {
	t.Parallel()
	old, err := auth.NewSigner("k1", map[string][]byte{"k1": key(1)}, nil)
	require.NoError(t, err)
	tok, err := old.Issue("app-1", "key-1", time.Minute)
	require.NoError(t, err)
	rotated, err := auth.NewSigner("k2", map[string][]byte{"k2": key(2), "k1": key(1)}, nil)
	require.NoError(t, err)
	_, err = rotated.Verify(tok)
	require.NoError(t, err, "the old key still verifies while it is in the ring")
	dropped, err := auth.NewSigner("k2", map[string][]byte{"k2": key(2)}, nil)
	require.NoError(t, err)
	_, err = dropped.Verify(tok)
	require.ErrorIs(t, err, auth.ErrTokenInvalid)

	_, err = auth.NewSigner("k3", map[string][]byte{"k2": key(2)}, nil)
	require.Error(t, err, "the active key must be present")
	_, err = auth.NewSigner("k1", map[string][]byte{"k1": []byte("short")}, nil)
	require.Error(t, err, "and long enough")
}

func TestSecretHashing(t *testing.T) {
	t.Parallel()
	secret := auth.NewSecret()
	require.GreaterOrEqual(t, len(secret), 43)
	require.NotEqual(t, secret, auth.NewSecret())
	hash := auth.HashSecret(secret)
	require.True(t, strings.HasPrefix(hash, "$argon2id$v=19$m=19456,t=2,p=1$"))
	require.NotContains(t, hash, secret)
	require.NotEqual(t, hash, auth.HashSecret(secret), "salted")
	require.True(t, auth.VerifySecret(hash, secret))
	require.False(t, auth.VerifySecret(hash, secret+"x"))
	require.False(t, auth.VerifySecret(hash, ""))
	for _, bad := range []string{"", "plain", "$argon2i$v=19$m=1,t=1,p=1$c2FsdA$aGFzaA", strings.Replace(hash, "v=19", "v=18", 1),
		hash[:len(hash)-10] + "!!!!!!!!!!"} {
		require.False(t, auth.VerifySecret(bad, secret), bad)
	}
	require.True(t, auth.EqualSecret("abc", "abc"))
	require.False(t, auth.EqualSecret("abc", "abd"))
}

func TestThrottleLocksAKeyAfterRepeatedFailures(t *testing.T) {
	t.Parallel()
	c := clocktest.New(time.Unix(1_800_000_000, 0))
	th := &auth.Throttle{MaxFailures: 3, Window: time.Minute, Now: c.Now}
	for range 2 {
		th.Fail("10.0.0.1", "k1")
	}
	blocked, _ := th.Blocked("10.0.0.1", "k1")
	require.False(t, blocked)
	th.Fail("10.0.0.1", "k1")
	blocked, left := th.Blocked("10.0.0.1", "k1")
	require.True(t, blocked)
	require.Equal(t, time.Minute, left)
	blocked, _ = th.Blocked("10.0.0.1", "k2")
	require.False(t, blocked, "other keys are not affected")
	blocked, _ = th.Blocked("10.0.0.2", "k1")
	require.False(t, blocked, "nor the same key from another source")

	c.Advance(time.Minute)
	blocked, _ = th.Blocked("10.0.0.1", "k1")
	require.False(t, blocked, "the lock ends with the window")

	th.Fail("10.0.0.1", "k3")
	th.Fail("10.0.0.1", "k3")
	th.Succeed("10.0.0.1", "k3")
	th.Fail("10.0.0.1", "k3")
	th.Fail("10.0.0.1", "k3")
	blocked, _ = th.Blocked("10.0.0.1", "k3")
	require.False(t, blocked, "a success forgets earlier failures")
}

func TestThrottleLocksASourceGuessingManyKeys(t *testing.T) {
	t.Parallel()
	c := clocktest.New(time.Unix(1_800_000_000, 0))
	th := &auth.Throttle{MaxFailures: 3, MaxSourceFailures: 5, Window: time.Minute, Now: c.Now}
	for i := range 5 {
		blocked, _ := th.Blocked("10.0.0.1", "any")
		require.False(t, blocked)
		th.Fail("10.0.0.1", fmt.Sprintf("k%d", i))
	}
	blocked, left := th.Blocked("10.0.0.1", "any")
	require.True(t, blocked, "five failures from one source lock it for every key id")
	require.Equal(t, time.Minute, left)
	th.Succeed("10.0.0.1", "mine")
	blocked, _ = th.Blocked("10.0.0.1", "any")
	require.True(t, blocked, "a success with another key does not clear the source's count")
	blocked, _ = th.Blocked("10.0.0.2", "k1")
	require.False(t, blocked, "other sources are not affected")
}

func TestThrottleMemoryIsBounded(t *testing.T) {
	t.Parallel()
	c := clocktest.New(time.Unix(1_800_000_000, 0))
	th := &auth.Throttle{MaxFailures: 3, MaxSourceFailures: 10, Window: time.Minute, MaxEntries: 100, Now: c.Now}
	long := strings.Repeat("k", 1<<16)
	for i := range 1000 {
		th.Fail(fmt.Sprintf("10.0.%d.%d", i/256, i%256), long+strconv.Itoa(i))
		c.Advance(time.Millisecond)
	}
	require.LessOrEqual(t, th.Tracked(), 200, "each table holds at most MaxEntries windows")
	// The newest windows are the ones kept.
	th.Fail("10.0.3.231", long+"999")
	th.Fail("10.0.3.231", long+"999")
	blocked, _ := th.Blocked("10.0.3.231", long+"999")
	require.True(t, blocked)

	// Windows that are over go first, live ones only when all are live.
	c.Advance(time.Minute)
	th.Fail("10.9.9.9", "k")
	require.Equal(t, 2, th.Tracked(), "expired windows are dropped to make room")
}

func TestRolesGrantWhatTheySay(t *testing.T) {
	t.Parallel()
	p := func(roles ...string) *auth.Principal { return &auth.Principal{Roles: roles} }
	require.True(t, p(auth.RoleAdmin).Can(auth.Admin))
	require.True(t, p(auth.RoleAdmin).CanReadSecret("anything"))
	require.True(t, p(auth.RoleWorker).Can(auth.TaskWork))
	require.False(t, p(auth.RoleWorker).Can(auth.WorkflowRead))
	require.True(t, p(auth.RoleUserReadOnly).Can(auth.SecretList))
	require.False(t, p(auth.RoleUserReadOnly).Can(auth.MetadataWrite))
	require.False(t, p(auth.RoleUserReadOnly).CanReadSecret("s"))
	granted := &auth.Principal{Roles: []string{auth.RoleUserReadOnly}, Grants: auth.Grants{
		{Type: auth.TargetSecret, ID: "s"}: {auth.AccessRead}, {Type: auth.TargetSecret, ID: "e"}: {auth.AccessExecute}}}
	require.True(t, granted.CanReadSecret("s"))
	require.False(t, granted.CanReadSecret("e"), "EXECUTE uses a secret in workflows, it does not show its value")
	require.True(t, granted.CanUseSecret("e"))
	require.True(t, granted.CanUseSecret("s"), "READ implies use")
	require.False(t, granted.CanUseSecret("other"))
	require.False(t, p(auth.RoleUser).Can(auth.Admin))
	require.False(t, p(auth.RoleApplicationManager).Can(auth.WorkflowExecute))
	require.True(t, p().Can(auth.Authenticated))
	require.False(t, p().Can(auth.MetadataRead))
	for _, role := range auth.Roles {
		require.True(t, auth.ValidRole(role))
	}
	require.False(t, auth.ValidRole("admin"))
}

func TestGrantsAndRolesLayer(t *testing.T) {
	t.Parallel()
	worker := &auth.Principal{Roles: []string{auth.RoleWorker}, Grants: auth.Grants{
		{Type: auth.TargetTaskDef, ID: "mine"}: {auth.AccessExecute}, {Type: auth.TargetTaskDef, ID: "seen"}: {auth.AccessRead}}}
	require.True(t, worker.CanExecuteTask("mine"))
	require.False(t, worker.CanExecuteTask("seen"), "READ on a task type is not EXECUTE")
	require.False(t, worker.CanExecuteTask("other"))
	require.True(t, (&auth.Principal{Roles: []string{auth.RoleUnrestrictedWorker}}).CanExecuteTask("any"))
	require.True(t, (&auth.Principal{Roles: []string{auth.RoleAdmin}}).CanExecuteTask("any"))
	require.True(t, (&auth.Principal{Roles: []string{auth.RoleAdmin}}).Allowed(auth.TargetSecret, "x", auth.AccessDelete))

	manager := &auth.Principal{Roles: []string{auth.RoleApplicationManager, auth.RoleWorker}}
	require.True(t, manager.HoldsAll(nil))
	require.True(t, manager.HoldsAll([]string{auth.RoleWorker}))
	require.False(t, manager.HoldsAll([]string{auth.RoleWorker, auth.RoleAdmin}))
	require.True(t, (&auth.Principal{Roles: []string{auth.RoleAdmin}}).HoldsAll(auth.Roles))

	g := auth.Grants{}
	g.Add(auth.Target{Type: auth.TargetSecret, ID: "a"}, auth.AccessRead, auth.AccessRead, auth.AccessUpdate)
	require.Equal(t, []auth.Access{auth.AccessRead, auth.AccessUpdate}, g[auth.Target{Type: auth.TargetSecret, ID: "a"}])
	require.True(t, g.HasAll(auth.Target{Type: auth.TargetSecret, ID: "a"}, auth.AccessRead, auth.AccessUpdate))
	require.False(t, g.HasAll(auth.Target{Type: auth.TargetSecret, ID: "a"}, auth.AccessRead, auth.AccessDelete))
	require.True(t, g.AnyOn(auth.TargetSecret, auth.AccessUpdate))
	require.False(t, g.AnyOn(auth.TargetSecret, auth.AccessDelete))
	require.False(t, g.AnyOn(auth.TargetTaskDef, auth.AccessRead))
}

// BenchmarkVerify is the per-request cost of checking a token.
func BenchmarkVerify(b *testing.B) {
	s, err := auth.NewSigner("k1", map[string][]byte{"k1": key(1)}, nil)
	require.NoError(b, err)
	tok, err := s.Issue("app-1", "key-1", time.Hour)
	require.NoError(b, err)
	for b.Loop() {
		if _, err := s.Verify(tok); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkVerifySecret is the cost of one login's hash check (deliberately slow).
func BenchmarkVerifySecret(b *testing.B) {
	hash := auth.HashSecret("secret")
	for b.Loop() {
		auth.VerifySecret(hash, "secret")
	}
}
