// Package events owns event handlers (/api/event): registering, updating, listing and removing
// them, with Conductor's validation plus Podium's own rule that a handler may only listen to
// the conductor provider (the one queue Podium delivers), and the read-only record of what each
// handler did with each message. Delivering messages is the engine's (its event processor): it
// starts, completes, fails, terminates and updates workflows.
package events

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/podiumhq/podium/internal/conductor"
	"github.com/podiumhq/podium/store"
)

// Config is what New needs.
type Config struct {
	Store  *store.Store
	Logger *slog.Logger
	// Now defaults to time.Now.
	Now func() time.Time
}

// Service registers event handlers and reads event executions.
type Service struct {
	store  *store.Store
	logger *slog.Logger
	now    func() time.Time
}

// New returns the service over cfg.Store.
func New(cfg Config) *Service {
	s := &Service{store: cfg.Store, logger: cfg.Logger, now: cfg.Now}
	if s.logger == nil {
		s.logger = slog.New(slog.DiscardHandler)
	}
	if s.now == nil {
		s.now = time.Now
	}
	return s
}

// Add registers a new handler whose actions run as principal runAs ("" with authentication
// off); a name already registered is a conflict.
func (s *Service) Add(ctx context.Context, h *conductor.EventHandler, runAs string) error {
	if err := Validate(h); err != nil {
		return err
	}
	return createHandler(ctx, s.store.Queries, h, runAs, s.now())
}

// AddAll registers new handlers, all or none: the list Orkes' POST /api/event takes (what its
// SDKs send, a one-element list for one handler). An invalid handler's errors are reported under
// its index ("[1].event"); a name already registered, or twice in hs, is a conflict.
func (s *Service) AddAll(ctx context.Context, hs []*conductor.EventHandler, runAs string) error {
	if len(hs) == 0 {
		return conductor.Invalidf("No event handlers given")
	}
	var errs conductor.ValidationErrors
	for i, h := range hs {
		at := fmt.Sprintf("[%d]", i)
		if h == nil {
			errs.Add(at, "Missing event handler", nil)
			continue
		}
		var invalid conductor.ValidationErrors
		if err := Validate(h); errors.As(err, &invalid) {
			for _, fe := range invalid {
				fe.Path = at + "." + fe.Path
				errs = append(errs, fe)
			}
		} else if err != nil {
			return err
		}
	}
	if err := errs.Err(); err != nil {
		return err
	}
	now := s.now()
	return s.store.InTx(ctx, func(q *store.Queries) error {
		for _, h := range hs {
			if err := createHandler(ctx, q, h, runAs, now); err != nil {
				return err
			}
		}
		return nil
	})
}

// createHandler stores a validated new handler through q.
func createHandler(ctx context.Context, q *store.Queries, h *conductor.EventHandler, runAs string, now time.Time) error {
	err := q.EventHandlerCreate(ctx, &store.EventHandlerRecord{Handler: h, RunAs: runAs}, now)
	if errors.Is(err, conductor.ErrConflict) {
		return conductor.Conflictf("EventHandler with name %s already exists!", h.Name)
	}
	return err
}

// Update replaces a registered handler; its actions run as runAs from now on.
func (s *Service) Update(ctx context.Context, h *conductor.EventHandler, runAs string) error {
	if err := Validate(h); err != nil {
		return err
	}
	err := s.store.EventHandlerUpdate(ctx, &store.EventHandlerRecord{Handler: h, RunAs: runAs}, s.now())
	if errors.Is(err, conductor.ErrNotFound) {
		return handlerNotFound(h.Name)
	}
	return err
}

// Delete removes a handler.
func (s *Service) Delete(ctx context.Context, name string) error {
	err := s.store.EventHandlerDelete(ctx, name)
	if errors.Is(err, conductor.ErrNotFound) {
		return handlerNotFound(name)
	}
	return err
}

// List returns every handler, by name.
func (s *Service) List(ctx context.Context) ([]*conductor.EventHandler, error) {
	recs, err := s.store.EventHandlerList(ctx)
	return handlersOf(recs), err
}

// ForEvent returns the handlers of event (only the active ones when activeOnly), by name.
func (s *Service) ForEvent(ctx context.Context, event string, activeOnly bool) ([]*conductor.EventHandler, error) {
	recs, err := s.store.EventHandlersFor(ctx, event, activeOnly)
	return handlersOf(recs), err
}

// ExecutionsRequest selects event executions: of one event and/or one handler, a page of
// them, newest first.
type ExecutionsRequest struct {
	Event, Handler string
	Start, Size    int
}

// Largest and default page of Executions.
const (
	ExecutionsSizeDefault = 100
	ExecutionsSizeMax     = 1000
)

// Executions returns a page of recorded deliveries and how many match in all.
func (s *Service) Executions(ctx context.Context, req ExecutionsRequest) (*conductor.SearchResult[*conductor.EventExecution], error) {
	if req.Start < 0 {
		return nil, conductor.Invalidf("start must not be negative")
	}
	switch {
	case req.Size == 0:
		req.Size = ExecutionsSizeDefault
	case req.Size < 0 || req.Size > ExecutionsSizeMax:
		return nil, conductor.Invalidf("size must be between 1 and %d", ExecutionsSizeMax)
	}
	total, list, err := s.store.EventExecutionList(ctx, store.EventExecutionFilter{
		Event: req.Event, Handler: req.Handler, Start: req.Start, Size: req.Size,
	})
	if err != nil {
		return nil, err
	}
	if list == nil {
		list = []*conductor.EventExecution{}
	}
	return &conductor.SearchResult[*conductor.EventExecution]{TotalHits: int64(total), Results: list}, nil
}

func handlersOf(recs []*store.EventHandlerRecord) []*conductor.EventHandler {
	out := make([]*conductor.EventHandler, len(recs))
	for i, r := range recs {
		out[i] = r.Handler
	}
	return out
}

// handlerNotFound is Conductor's 404 for an unknown handler.
func handlerNotFound(name string) error {
	return conductor.NotFoundf("EventHandler with name %s not found!", name)
}
