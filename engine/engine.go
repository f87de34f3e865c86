// Package engine holds Conductor's semantics on top of the store: starting and deciding
// workflows (over the definition snapshots of internal/metadata), the task queue (poll,
// update, leases, timeouts, retries), the sweeper and the internal workers that run
// asynchronous system tasks.
//
// Every state change runs in one transaction that locks the workflow row, applies the change,
// decides to a fixed point and saves the result (see DESIGN.md §2). Nothing correct depends on
// in-memory state: notifications only wake pollers early.
package engine

import (
	"context"
	"log/slog"
	"time"

	"github.com/podiumhq/podium/engine/decide"
	"github.com/podiumhq/podium/engine/systask"
	"github.com/podiumhq/podium/internal/access"
	"github.com/podiumhq/podium/internal/defaults"
	"github.com/podiumhq/podium/internal/metadata"
	"github.com/podiumhq/podium/internal/notify"
	"github.com/podiumhq/podium/internal/secret"
	"github.com/podiumhq/podium/internal/secrets"
	"github.com/podiumhq/podium/internal/startstop"
	"github.com/podiumhq/podium/store"
)

// Clock tells the time; tests inject a fixed one.
type Clock func() time.Time

// Defaults of Config.
const (
	PollRecheckDefault   = time.Second
	SweepIntervalDefault = time.Second
	SystemWorkersDefault = 256
	// SystemPerDestinationDefault is how many async system tasks calling one destination (an
	// HTTP task's scheme, host and port) run at once per process.
	SystemPerDestinationDefault = 8
	SystemTaskLeaseDefault      = 15 * time.Second
)

// Config is what New needs.
type Config struct {
	Store  *store.Store
	Logger *slog.Logger
	// Now defaults to time.Now.
	Now Clock
	// SystemTasks maps system task types to handlers; nil means systask.Default().
	SystemTasks *systask.Registry
	// ExprParams are the bare ${NAME} values expressions may read (an allow-list).
	ExprParams map[string]string
	// PollRecheck is how often a waiting poll re-checks its queue without a notification.
	PollRecheck time.Duration
	// SweepInterval is how long the sweeper waits, once nothing is due, before it looks for
	// timeouts and timers again.
	SweepInterval time.Duration
	// SweepWorkers is how many batches of due workflows the sweeper decides at once, each in
	// a transaction of its own; 0 takes SweepWorkersFor the store's pool size.
	SweepWorkers int
	// SweepClaim is how long the sweeper's claim on the workflows it decides holds
	// (SweepClaimDefault): other replicas skip them meanwhile, and take them over after it.
	SweepClaim time.Duration
	// SystemWorkers is how many async system tasks (HTTP calls, …) run at once per process.
	SystemWorkers int
	// SystemPerDestination is how many of them may call one destination at once
	// (SystemPerDestinationDefault), so a slow or hung destination cannot take every worker.
	SystemPerDestination int
	// Keys seal execution data (real task inputs and outputs, workflow secret state) and, for
	// the access and secrets services the engine builds itself, secrets and tokens; nil means a
	// random key held in memory only (tests). Shared services must use the same keyring.
	Keys *secret.Keyring
	// SystemTaskLease is how long an internal worker holds a system task without renewing it;
	// a crashed process's tasks are taken over after it. It is renewed every third of it.
	SystemTaskLease time.Duration
	// PayloadMaxBytes bounds every task input and output and every workflow input and output,
	// in bytes of its JSON encoding; 0 takes PayloadMaxBytesDefault. A task over it fails, a
	// start over it is refused, a workflow output over it fails the workflow.
	PayloadMaxBytes int64
	// Notify carries change hints between processes; nil means a hub of the engine's own,
	// run by Start. A hub shared with other services is run by whoever built it.
	Notify *notify.Hub
	// Access resolves the rights of the principals workflows run as; nil means an access
	// service of the engine's own (over Keys and Notify), run by Start. A shared one is run by
	// whoever built it.
	Access *access.Service
	// Secrets reads and writes the secrets decisions use (${workflow.secrets.NAME},
	// UPDATE_SECRET); nil means a secrets service of the engine's own over Keys and Access.
	Secrets *secrets.Service
	// Metadata gives starts their definition snapshots (validating inline definitions) and
	// polls their task limits; nil means a metadata service of the engine's own over
	// SystemTasks, with the default definition limits. A shared one must be the service the
	// definitions are registered through, so that its changes clear the caches starts read.
	Metadata *metadata.Service
}

// Engine executes Conductor operations against the store.
type Engine struct {
	store          *store.Store
	logger         *slog.Logger
	now            Clock
	systasks       *systask.Registry
	exprParams     map[string]string
	pollRecheck    time.Duration
	sweepInterval  time.Duration
	sweepWorkers   int
	sweepBatchSize int // due workflows per claim and transaction
	sweepClaim     time.Duration
	systemWorkers  int
	// systemPerDestination bounds the system tasks running against one destination.
	systemPerDestination int
	systemTaskLease      time.Duration
	keys                 *secret.Keyring
	notes                *notify.Hub
	ownsNotes            bool // Start runs notes
	pollSeen             pollSeen
	completer            completer
	payloadMax           int64
	decideCfg            decide.Config // what every decision is given

	access     *access.Service
	ownsAccess bool // Start runs access
	secrets    *secrets.Service
	metadata   *metadata.Service

	loops startstop.Runner // Start and Stop
}

// New returns an engine over cfg.Store. Call Start to run its background loops.
func New(cfg Config) *Engine {
	e := &Engine{
		store: cfg.Store, logger: cfg.Logger, now: cfg.Now, systasks: cfg.SystemTasks,
		exprParams: cfg.ExprParams, pollRecheck: cfg.PollRecheck, sweepInterval: cfg.SweepInterval,
		systemWorkers: cfg.SystemWorkers, systemTaskLease: cfg.SystemTaskLease, notes: cfg.Notify,
		systemPerDestination: cfg.SystemPerDestination,
		payloadMax:           cfg.PayloadMaxBytes,
	}
	e.payloadMax = defaults.Positive(e.payloadMax, PayloadMaxBytesDefault)
	e.completer.requests = make(chan *resultRequest, 4*maxResultBatch)
	e.keys = cfg.Keys
	if e.keys == nil {
		e.keys = secret.Ephemeral()
	}
	if e.logger == nil {
		e.logger = slog.New(slog.DiscardHandler)
	}
	if e.notes == nil {
		e.notes, e.ownsNotes = notify.New(cfg.Store, e.logger), true
	}
	if e.now == nil {
		e.now = time.Now
	}
	if e.systasks == nil {
		e.systasks = systask.Default()
	}
	e.pollRecheck = defaults.Positive(e.pollRecheck, PollRecheckDefault)
	e.sweepInterval = defaults.Positive(e.sweepInterval, SweepIntervalDefault)
	e.sweepWorkers = defaults.Positive(cfg.SweepWorkers, SweepWorkersFor(cfg.Store.MaxConns()))
	e.sweepClaim = defaults.Positive(cfg.SweepClaim, SweepClaimDefault)
	e.sweepBatchSize = sweepBatchDefault
	e.systemTaskLease = defaults.Positive(e.systemTaskLease, SystemTaskLeaseDefault)
	e.access, e.secrets = cfg.Access, cfg.Secrets
	if e.access == nil {
		e.access = access.New(access.Config{Store: cfg.Store, Keys: e.keys, Notify: e.notes, Logger: e.logger, Now: e.now})
		e.ownsAccess = true
	}
	if e.secrets == nil {
		e.secrets = secrets.New(secrets.Config{Store: cfg.Store, Keys: e.keys, Logger: e.logger, Now: e.now, Owners: e.access})
	}
	e.metadata = cfg.Metadata
	if e.metadata == nil {
		e.metadata = metadata.New(metadata.Config{Store: cfg.Store, Logger: e.logger, Now: e.now, SystemTasks: e.systasks})
	}
	e.systemWorkers = defaults.Positive(e.systemWorkers, SystemWorkersDefault)
	e.systemPerDestination = defaults.Positive(e.systemPerDestination, SystemPerDestinationDefault)
	e.decideCfg = e.decideConfig()
	return e
}

// Ping reports whether the database answers.
func (e *Engine) Ping(ctx context.Context) error { return e.store.Ping(ctx) }

// Metadata returns the metadata service the engine's starts and polls read definitions
// through: Config.Metadata, or the engine's own.
func (e *Engine) Metadata() *metadata.Service { return e.metadata }
