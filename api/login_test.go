package api_test

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/podiumhq/podium/api"
	"github.com/podiumhq/podium/internal/access"
)

// setupLogin is setupAuth behind a trusted proxy (the test client), so that X-Forwarded-For
// names each login's source address; accessOpt (when not nil) adjusts the access service
// further.
func setupLogin(t *testing.T, accessOpt func(*access.Config)) *testBundle {
	t.Helper()
	return newAccessBundle(t, nil, func(c *access.Config) {
		c.Admin = access.AdminKey{ID: testAdminKeyID, Secret: testAdminKeySecret}
		if accessOpt != nil {
			accessOpt(c)
		}
	}, func(c *api.Config) {
		c.AuthOff = false
		c.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}
	})
}

// loginFrom posts a login as if from source (through the trusted proxy); body adds fields.
func (b *testBundle) loginFrom(source, keyID, secret string, body obj) (response, error) {
	req := obj{"keyId": keyID, "keySecret": secret}
	for k, v := range body {
		req[k] = v
	}
	data, err := json.Marshal(req)
	if err != nil {
		return response{}, err
	}
	return rawRequest(b.server.Client(), http.MethodPost, b.server.URL+"/api/token", data,
		http.Header{"Content-Type": {"application/json"}, "X-Forwarded-For": {source}})
}

// mustLoginFrom is loginFrom failing the test on a transport error.
func (b *testBundle) mustLoginFrom(source, keyID, secret string, body obj) response {
	b.t.Helper()
	resp, err := b.loginFrom(source, keyID, secret, body)
	require.NoError(b.t, err)
	return resp
}

// requireRetryLater checks a 429: Retry-After in whole seconds and Conductor's error body.
func requireRetryLater(t *testing.T, resp response, maxSeconds int, secrets ...string) {
	t.Helper()
	requireStatus(t, resp, http.StatusTooManyRequests)
	secs, err := strconv.Atoi(resp.Header.Get("Retry-After"))
	require.NoError(t, err, "Retry-After: %q", resp.Header.Get("Retry-After"))
	require.Positive(t, secs)
	require.LessOrEqual(t, secs, maxSeconds)
	e := resp.Error(t)
	require.True(t, e.Retryable)
	require.NotEmpty(t, e.Message)
	for _, s := range secrets {
		require.NotContains(t, string(resp.Body), s)
	}
}

func TestLoginHashingIsBoundedUnderAFlood(t *testing.T) {
	t.Parallel()
	const slots = 2
	b := setupLogin(t, func(c *access.Config) { c.LoginConcurrency, c.LoginWait = slots, 300*time.Millisecond })
	admin := b.login(testAdminKeyID, testAdminKeySecret)
	_, keyID, secret := b.newApplication(admin, "flooded", "USER")

	// 100 bad logins at once from 100 addresses (none is throttled): half a real key id with
	// wrong secrets, half unknown key ids (which hash a dummy, to answer as slowly).
	const n = 100
	var wg sync.WaitGroup
	resps, errs := make([]response, n), make([]error, n)
	for i := range n {
		wg.Go(func() {
			id := keyID
			if i%2 == 1 {
				id = uuid.NewString()
			}
			resps[i], errs[i] = b.loginFrom(fmt.Sprintf("10.1.%d.%d", i/250, i%250+1), id, fmt.Sprintf("wrong-%d", i), nil)
		})
	}
	// Meanwhile the admin logs in: its key is not hashed, so it never waits for a slot.
	adminResp := b.mustLoginFrom("10.9.9.9", testAdminKeyID, testAdminKeySecret, nil)
	wg.Wait()
	requireStatus(t, adminResp, http.StatusOK)

	var refused, bad int
	for i, resp := range resps {
		require.NoError(t, errs[i])
		switch resp.Status {
		case http.StatusUnauthorized:
			bad++
		case http.StatusTooManyRequests:
			refused++
			requireRetryLater(t, resp, 1, secret)
		default:
			t.Fatalf("login %d: status %d: %s", i, resp.Status, resp.Body)
		}
	}
	stats := b.access.LoginStats()
	t.Logf("hashed %d, refused busy %d, peak concurrent hashes %d", bad, refused, stats.Peak)
	require.GreaterOrEqual(t, bad, slots, "the slots were used")
	require.Positive(t, refused, "logins that waited too long were refused")
	require.Equal(t, refused, stats.Busy)
	require.LessOrEqual(t, stats.Peak, slots, "never more hashes at once than slots")
	require.Positive(t, stats.Peak)
	require.Zero(t, stats.InFlight)

	// The flood over, the key's owner logs in.
	requireStatus(t, b.mustLoginFrom("10.2.0.1", keyID, secret, nil), http.StatusOK)
}

func TestLoginThrottleIsPerSourceAndKeyID(t *testing.T) {
	t.Parallel()
	b := setupLogin(t, nil)
	admin := b.login(testAdminKeyID, testAdminKeySecret)
	_, key1, secret1 := b.newApplication(admin, "victim", "USER")
	_, key2, secret2 := b.newApplication(admin, "neighbour", "USER")
	const attacker, owner = "203.0.113.7", "198.51.100.20"

	for _, k := range []struct{ id, secret string }{{key1, secret1}, {testAdminKeyID, testAdminKeySecret}} {
		for i := range 5 {
			requireStatus(t, b.mustLoginFrom(attacker, k.id, fmt.Sprintf("wrong-%d", i), nil), http.StatusUnauthorized)
		}
		// The attacker's address is locked out of that key id, even with the right secret...
		requireRetryLater(t, b.mustLoginFrom(attacker, k.id, k.secret, nil), 60, k.secret)
		// ... its owner, elsewhere, is not.
		requireStatus(t, b.mustLoginFrom(owner, k.id, k.secret, nil), http.StatusOK)
	}
	requireStatus(t, b.mustLoginFrom(attacker, key2, secret2, nil), http.StatusOK) // other key ids from there still work

	// An address guessing many key ids is locked out for all of them; others are not.
	const scanner = "2001:db8:1:2::5"
	for range 50 {
		requireStatus(t, b.mustLoginFrom(scanner, uuid.NewString(), "", nil), http.StatusUnauthorized)
	}
	requireRetryLater(t, b.mustLoginFrom(scanner, key2, secret2, nil), 60, secret2)
	requireRetryLater(t, b.mustLoginFrom("2001:db8:1:2::99", key2, secret2, nil), 60, secret2) // same /64
	requireStatus(t, b.mustLoginFrom("2001:db8:1:3::5", key2, secret2, nil), http.StatusOK)
	requireStatus(t, b.mustLoginFrom(owner, testAdminKeyID, testAdminKeySecret, nil), http.StatusOK)

	// All of it ends with the window.
	b.clock.Advance(61 * time.Second)
	requireStatus(t, b.mustLoginFrom(attacker, key1, secret1, nil), http.StatusOK)
	requireStatus(t, b.mustLoginFrom(attacker, testAdminKeyID, testAdminKeySecret, nil), http.StatusOK)
	requireStatus(t, b.mustLoginFrom(scanner, key2, secret2, nil), http.StatusOK)
	require.NotContains(t, b.logs.String(), secret1)
}

func TestLoginIgnoresForwardedForFromUntrustedPeers(t *testing.T) {
	t.Parallel()
	b := setupAuth(t) // no trusted proxies: X-Forwarded-For is anyone's to forge
	for i := range 5 {
		resp, err := b.loginFrom(fmt.Sprintf("10.3.0.%d", i+1), testAdminKeyID, "wrong", nil)
		require.NoError(t, err)
		requireStatus(t, resp, http.StatusUnauthorized)
	}
	// Every attempt counted against the connection's address, whatever the header said.
	resp, err := b.loginFrom("10.3.0.99", testAdminKeyID, testAdminKeySecret, nil)
	require.NoError(t, err)
	requireRetryLater(t, resp, 60, testAdminKeySecret)
}

// tokenLife returns the exp-iat of a token, read from its (unverified) claims.
func tokenLife(t *testing.T, resp response) time.Duration {
	t.Helper()
	requireStatus(t, resp, http.StatusOK)
	parts := strings.Split(decodeObj(t, resp.Body)["token"].(string), ".")
	require.Len(t, parts, 3)
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	require.NoError(t, err)
	var c struct {
		IssuedAt  *int64 `json:"iat"`
		ExpiresAt *int64 `json:"exp"`
	}
	require.NoError(t, json.Unmarshal(payload, &c))
	require.NotNil(t, c.IssuedAt)
	require.NotNil(t, c.ExpiresAt, "every token expires")
	return time.Duration(*c.ExpiresAt-*c.IssuedAt) * time.Second
}

func TestLoginTokenLifeIsBounded(t *testing.T) {
	t.Parallel()
	b := setupLogin(t, nil)
	const src = "192.0.2.1"
	login := func(body obj) response {
		return b.mustLoginFrom(src, testAdminKeyID, testAdminKeySecret, body)
	}
	require.Equal(t, time.Hour, tokenLife(t, login(nil)), "the default")
	require.Equal(t, time.Hour, tokenLife(t, login(obj{"expiration": 0})))
	require.Equal(t, 90*time.Minute, tokenLife(t, login(obj{"expiration": 90 * 60 * 1000})))
	require.Equal(t, 24*time.Hour, tokenLife(t, login(obj{"expiration": 48 * 3600 * 1000})), "clamped to the maximum")
	require.Equal(t, 24*time.Hour, tokenLife(t, login(obj{"expiration": int64(1) << 62})), "no overflow")

	// "Never expires" is refused, before the key is even checked.
	for _, secret := range []string{testAdminKeySecret, "wrong"} {
		resp := b.mustLoginFrom(src, testAdminKeyID, secret, obj{"expiration": -1})
		requireStatus(t, resp, http.StatusBadRequest)
		require.Contains(t, resp.Error(t).Message, "expiration must not be negative")
		require.NotContains(t, string(resp.Body), "token\"")
	}

	// The clamped token stops working at the maximum.
	resp := login(obj{"expiration": 48 * 3600 * 1000})
	tok := decodeObj(t, resp.Body)["token"].(string)
	b.clock.Advance(24*time.Hour - time.Minute)
	requireStatus(t, b.as(tok, http.MethodGet, "/api/metadata/workflow", nil), http.StatusOK)
	b.clock.Advance(2 * time.Minute)
	resp = b.as(tok, http.MethodGet, "/api/metadata/workflow", nil)
	requireStatus(t, resp, http.StatusUnauthorized)
	require.Equal(t, "EXPIRED_TOKEN", resp.Error(t).Error)
}
