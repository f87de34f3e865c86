// Package metadata owns workflow and task definitions: their registration and validation
// (Conductor's rules, the definition limits, the task types the engine executes), reads, and
// the one cache of the definition snapshots new executions run (Snapshot), together with the
// poll-time limits of task types (TaskLimits).
//
// Every change made through a Service clears its caches at once. Other replicas have caches
// of their own, which expire after a few seconds (snapshotTTL, limitsCacheTTL): a change made
// through one replica reaches the new starts and polls of another within that time.
package metadata

import (
	"log/slog"
	"time"

	"github.com/podiumhq/podium/engine/systask"
	"github.com/podiumhq/podium/store"
)

// Config is what New needs.
type Config struct {
	Store  *store.Store
	Logger *slog.Logger
	// Now defaults to time.Now; it stamps the create and update times of definitions.
	Now func() time.Time
	// SystemTasks is the registry of the task types the engine executes; definitions using
	// a type it does not support are refused. nil means systask.Default(). It must be the
	// registry the engine runs.
	SystemTasks *systask.Registry
	// Limits bound the workflow definitions accepted, registered or inline in a start
	// request; zero fields take the defaults.
	Limits DefinitionLimits
}

// Service registers, validates and reads definitions and caches their snapshots.
type Service struct {
	store    *store.Store
	logger   *slog.Logger
	now      func() time.Time
	systasks *systask.Registry
	limits   DefinitionLimits

	snapshots  snapshotCache
	taskLimits limitsCache
}

// New returns the metadata service over cfg.Store.
func New(cfg Config) *Service {
	s := &Service{store: cfg.Store, logger: cfg.Logger, now: cfg.Now, systasks: cfg.SystemTasks,
		limits: cfg.Limits.withDefaults()}
	if s.logger == nil {
		s.logger = slog.New(slog.DiscardHandler)
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.systasks == nil {
		s.systasks = systask.Default()
	}
	return s
}
