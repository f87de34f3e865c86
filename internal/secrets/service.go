// Package secrets is the secrets service: secret values sealed at rest under the keyring,
// their tags, the grant checks of every read and write, and the online rotation of the keys
// that seal them (RotateKeys).
package secrets

import (
	"context"
	"log/slog"
	"time"

	"github.com/podiumhq/podium/internal/auth"
	"github.com/podiumhq/podium/internal/secret"
	"github.com/podiumhq/podium/store"
)

// Owners is what the service needs of the access service (internal/access implements it):
// the owner grant of the secrets a principal creates, and clearing the cached rights.
type Owners interface {
	// GrantOwner gives p every access on the resource name of targetType it has just created,
	// in the transaction q, and reports whether it granted anything (only applications own
	// what they create).
	GrantOwner(ctx context.Context, q *store.Queries, p *auth.Principal, targetType, name string) (bool, error)
	// Changed clears the cached rights of every process; it is called after a commit.
	Changed()
}

// Resealer re-seals, under the keyring's active key, the sealed data kept outside the secrets
// table (the engine's execution data); RotateKeys calls it after the secrets.
type Resealer interface {
	// ResealExecutionData re-seals every piece of sealed data held under another key, walking
	// each table once (store.ResealWalk with opts), and answers the totals per table.
	ResealExecutionData(ctx context.Context, opts store.ResealOpts) ([]store.ResealTotals, error)
}

// Config is what New needs.
type Config struct {
	Store *store.Store
	// Keys seal the values; nil means a random key held in memory only (tests).
	Keys   *secret.Keyring
	Logger *slog.Logger
	// Now defaults to time.Now.
	Now func() time.Time
	// Owners grants the creators of secrets their ownership and clears cached rights; nil
	// (tools that only rotate keys) grants nothing.
	Owners Owners
}

// Service is the secrets service.
type Service struct {
	store  *store.Store
	keys   *secret.Keyring
	logger *slog.Logger
	now    func() time.Time
	owners Owners
}

// New returns the secrets service over cfg.Store.
func New(cfg Config) *Service {
	s := &Service{store: cfg.Store, keys: cfg.Keys, logger: cfg.Logger, now: cfg.Now, owners: cfg.Owners}
	if s.keys == nil {
		s.keys = secret.Ephemeral()
	}
	if s.logger == nil {
		s.logger = slog.New(slog.DiscardHandler)
	}
	if s.now == nil {
		s.now = time.Now
	}
	return s
}

// Keyring returns the keyring the service seals with.
func (s *Service) Keyring() *secret.Keyring { return s.keys }

// changed clears the cached rights everywhere, once a change of grants committed.
func (s *Service) changed() {
	if s.owners != nil {
		s.owners.Changed()
	}
}
