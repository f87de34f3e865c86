package auth

import (
	"errors"
	"fmt"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// Token errors; both are 401 to a client, with different codes.
var (
	ErrTokenExpired = errors.New("token expired")
	ErrTokenInvalid = errors.New("invalid token")
)

// Issuer is the iss claim of Podium's tokens.
const Issuer = "podium"

// Signer issues and verifies HS256 tokens. Every key it holds verifies; the active one signs,
// and its id goes into the token header (kid), so keys can be rotated.
type Signer struct {
	// MaxLife, when positive, is the longest life a token may have: Verify refuses tokens
	// issued for longer (say, before the limit was lowered).
	MaxLife time.Duration

	active string
	keys   map[string][]byte
	now    func() time.Time
}

// NewSigner returns a signer over keys (key id → HMAC key) that signs with active.
func NewSigner(active string, keys map[string][]byte, now func() time.Time) (*Signer, error) {
	if len(keys[active]) < 32 {
		return nil, fmt.Errorf("auth: the active signing key %q is missing or shorter than 32 bytes", active)
	}
	if now == nil {
		now = time.Now
	}
	return &Signer{active: active, keys: keys, now: now}, nil
}

// Claims is what a token says.
type Claims struct {
	// Subject is the principal's id.
	Subject string
	// KeyID is the access key the token was issued for.
	KeyID string
	// ExpiresAt is when the token stops working; every token has one.
	ExpiresAt time.Time
}

type tokenClaims struct {
	KeyID string `json:"keyId"`
	jwt.RegisteredClaims
}

// Issue signs a token for subject and keyID living ttl, which must be positive (no token
// lives forever) and at most MaxLife when that is set.
func (s *Signer) Issue(subject, keyID string, ttl time.Duration) (string, error) {
	if ttl <= 0 || (s.MaxLife > 0 && ttl > s.MaxLife) {
		return "", fmt.Errorf("auth: a token's life must be positive and at most the maximum, not %s", ttl)
	}
	now := s.now()
	c := tokenClaims{KeyID: keyID, RegisteredClaims: jwt.RegisteredClaims{
		Issuer: Issuer, Subject: subject, IssuedAt: jwt.NewNumericDate(now), ExpiresAt: jwt.NewNumericDate(now.Add(ttl)),
	}}
	tok := jwt.NewWithClaims(jwt.SigningMethodHS256, c)
	tok.Header["kid"] = s.active
	return tok.SignedString(s.keys[s.active])
}

// Verify checks a token's signature, issuer and expiry and returns its claims. A token without
// an expiry, or (with MaxLife set) issued for longer than MaxLife, is invalid.
func (s *Signer) Verify(token string) (*Claims, error) {
	var c tokenClaims
	_, err := jwt.ParseWithClaims(token, &c, func(t *jwt.Token) (any, error) {
		kid, _ := t.Header["kid"].(string)
		key, ok := s.keys[kid]
		if !ok {
			return nil, errors.New("unknown signing key")
		}
		return key, nil
	}, jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}), jwt.WithIssuer(Issuer),
		jwt.WithTimeFunc(s.now), jwt.WithIssuedAt(), jwt.WithExpirationRequired())
	switch {
	case errors.Is(err, jwt.ErrTokenExpired):
		return nil, ErrTokenExpired
	case err != nil:
		return nil, ErrTokenInvalid
	case c.Subject == "" || c.KeyID == "" || c.ExpiresAt == nil:
		return nil, ErrTokenInvalid
	case s.MaxLife > 0 && (c.IssuedAt == nil || c.ExpiresAt.Sub(c.IssuedAt.Time) > s.MaxLife+time.Second):
		return nil, ErrTokenInvalid // a second of slack: the claims are whole seconds
	}
	return &Claims{Subject: c.Subject, KeyID: c.KeyID, ExpiresAt: c.ExpiresAt.Time}, nil
}
