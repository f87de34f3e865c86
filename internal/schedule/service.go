package schedule

import (
	"context"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/podiumhq/podium/internal/conductor"
	"github.com/podiumhq/podium/internal/defaults"
	"github.com/podiumhq/podium/internal/notify"
	"github.com/podiumhq/podium/internal/startstop"
	"github.com/podiumhq/podium/store"
)

// ReconcileDefault is how often schedules are re-read even without a notification, so a change
// made on another replica takes effect within it.
const ReconcileDefault = time.Second

// Starter is what firing and saving schedules need of the engine that runs workflows.
type Starter interface {
	// StartScheduled starts the workflow of req as principal runAs inside the transaction q of
	// the slot being fired, at now. It returns the id of the workflow started (or of the one
	// its idempotency key names) and the topics to publish once q commits.
	StartScheduled(ctx context.Context, q *store.Queries, req *conductor.StartWorkflowRequest, runAs string, now time.Time) (workflowID string, topics []notify.Topic, err error)
	// MayStartScheduled reports, inside q, whether the principal id that saved a schedule may
	// still start workflow name ("" — saved with authentication off — may).
	MayStartScheduled(ctx context.Context, q *store.Queries, id, name string) (bool, error)
	// CheckStart validates a start request as starting it would (names, priority,
	// idempotency strategy).
	CheckStart(req *conductor.StartWorkflowRequest) error
	// ResolveDefinition checks that the definition req names (or carries inline) can be run:
	// a conductor.ErrNotFound error when it is not registered.
	ResolveDefinition(ctx context.Context, req *conductor.StartWorkflowRequest) error
}

// Config is what New needs.
type Config struct {
	Store  *store.Store
	Logger *slog.Logger
	// Now defaults to time.Now.
	Now func() time.Time
	// Notify carries schedule changes between processes and the wake-ups of the workflows
	// started; it is run by whoever built it.
	Notify *notify.Hub
	// Reconcile is how often the scheduler re-reads schedules and fires due slots without
	// being woken; 0 takes ReconcileDefault.
	Reconcile time.Duration
	// ManualScheduling leaves firing schedules to explicit Fire calls (tests that control the
	// clock); Start does not run the scheduler loop.
	ManualScheduling bool
	// Starter starts the workflows of the slots fired.
	Starter Starter
}

// Service owns schedules: saving, reading and editing them, and firing their slots, each slot
// exactly once across every process sharing the database.
type Service struct {
	store     *store.Store
	logger    *slog.Logger
	now       func() time.Time
	notes     *notify.Hub
	reconcile time.Duration
	manual    bool
	starter   Starter
	paused    atomic.Bool
	// beforeStart, when set (tests), runs inside the transaction that starts a claimed slot,
	// after the slot is locked and before the workflow is started.
	beforeStart func(executionID string)

	loop startstop.Runner // the scheduler loop, between Start and Stop
}

// New returns a schedule service over cfg.Store. Call Start to run its scheduler loop.
func New(cfg Config) *Service {
	s := &Service{store: cfg.Store, logger: cfg.Logger, now: cfg.Now, notes: cfg.Notify,
		reconcile: cfg.Reconcile, manual: cfg.ManualScheduling, starter: cfg.Starter}
	if s.logger == nil {
		s.logger = slog.New(slog.DiscardHandler)
	}
	if s.now == nil {
		s.now = time.Now
	}
	s.reconcile = defaults.Positive(s.reconcile, ReconcileDefault)
	return s
}

// Start runs the scheduler loop (unless ManualScheduling); Stop ends it.
func (s *Service) Start(ctx context.Context) error {
	if !s.manual {
		s.loop.Start(ctx, s.run)
	}
	return nil
}

// Stop ends the scheduler loop and waits for the round it is in to end, or for ctx.
func (s *Service) Stop(ctx context.Context) error { return s.loop.Stop(ctx) }

// run fires schedules: gocron wakes it at the next slot of each schedule, schedule changes
// (NOTIFY) and a periodic reconcile re-arm it. The database decides what is due.
func (s *Service) run(ctx context.Context) {
	kick := make(chan struct{}, 1)
	wake := func() {
		select {
		case kick <- struct{}{}:
		default:
		}
	}
	waker, err := NewWaker(wake)
	if err != nil {
		s.logger.Error("scheduler: cannot start gocron; schedules fire on the reconcile tick only", "error", err)
	} else {
		defer func() { _ = waker.Stop() }()
	}
	changes, unsubscribe := s.notes.Subscribe(notify.Schedules)
	defer unsubscribe()
	ticker := time.NewTicker(s.reconcile)
	defer ticker.Stop()
	for ctx.Err() == nil {
		if !s.paused.Load() {
			if _, err := s.Fire(ctx); err != nil && ctx.Err() == nil {
				s.logger.Warn("scheduler: firing schedules failed", "error", err)
			}
		}
		if waker != nil {
			next, err := s.store.ScheduleNextRuns(ctx, s.now().Add(wakeHorizon))
			if err == nil {
				err = waker.Arm(next)
			}
			if err != nil && ctx.Err() == nil {
				s.logger.Warn("scheduler: arming schedules failed", "error", err)
			}
		}
		select {
		case <-ctx.Done():
		case <-kick:
		case <-changes:
		case <-ticker.C:
		}
	}
}

// PauseFiring stops (paused) or restarts firing schedules in this process; other processes
// are not affected.
func (s *Service) PauseFiring(paused bool) {
	s.paused.Store(paused)
	s.notes.Wake(notify.Schedules)
}
