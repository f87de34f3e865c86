// Package engine holds Conductor's semantics on top of the store. So far it owns the metadata
// service: registering, validating and reading workflow and task definitions.
package engine

import (
	"context"
	"log/slog"
	"time"

	"github.com/podiumhq/podium/store"
)

// Clock tells the time; tests inject a fixed one.
type Clock func() time.Time

// Config is what New needs.
type Config struct {
	Store  *store.Store
	Logger *slog.Logger
	// Now defaults to time.Now.
	Now Clock
}

// Engine executes Conductor operations against the store.
type Engine struct {
	store  *store.Store
	logger *slog.Logger
	now    Clock
}

// New returns an engine over cfg.Store.
func New(cfg Config) *Engine {
	e := &Engine{store: cfg.Store, logger: cfg.Logger, now: cfg.Now}
	if e.logger == nil {
		e.logger = slog.New(slog.DiscardHandler)
	}
	if e.now == nil {
		e.now = time.Now
	}
	return e
}

// Ping reports whether the database answers.
func (e *Engine) Ping(ctx context.Context) error { return e.store.Ping(ctx) }
