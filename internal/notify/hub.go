package notify

import (
	"context"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"
)

// Channel is the PostgreSQL notification channel every process listens on.
const Channel = "podium_tasks"

// gatherWindow is how long published topics are gathered before one NOTIFY carries them, so a
// burst of commits costs one notification rather than one each (NOTIFY takes a cluster-wide
// lock at commit).
const gatherWindow = 2 * time.Millisecond

// maxPayload keeps each NOTIFY under PostgreSQL's 8000-byte payload limit.
const maxPayload = 7000

// Transport is what the hub needs of the database: LISTEN and NOTIFY on one channel.
type Transport interface {
	// Listen delivers every notification on channel to fn until ctx ends, running onConnect
	// after each (re)connection.
	Listen(ctx context.Context, channel string, onConnect func(), fn func(payload string)) error
	// Notify sends payload on channel.
	Notify(ctx context.Context, channel, payload string) error
}

// Hub fans hints out to the waiters of this process and, through NOTIFY, of every other one.
type Hub struct {
	transport Transport
	logger    *slog.Logger

	mu   sync.Mutex
	subs map[Topic]map[chan struct{}]struct{}

	pendingMu sync.Mutex
	pending   map[Topic]bool
	kick      chan struct{}
}

// New returns a hub over transport; call Run to connect it to other processes.
func New(transport Transport, logger *slog.Logger) *Hub {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Hub{transport: transport, logger: logger, subs: map[Topic]map[chan struct{}]struct{}{},
		kick: make(chan struct{}, 1)}
}

// Subscribe returns a channel that receives a value when t may have happened, and the function
// that ends the subscription.
func (h *Hub) Subscribe(t Topic) (<-chan struct{}, func()) {
	ch := make(chan struct{}, 1)
	h.mu.Lock()
	if h.subs[t] == nil {
		h.subs[t] = map[chan struct{}]struct{}{}
	}
	h.subs[t][ch] = struct{}{}
	h.mu.Unlock()
	return ch, func() {
		h.mu.Lock()
		defer h.mu.Unlock()
		delete(h.subs[t], ch)
		if len(h.subs[t]) == 0 {
			delete(h.subs, t)
		}
	}
}

// Wake signals the waiters of t in this process only.
func (h *Hub) Wake(t Topic) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for ch := range h.subs[t] {
		signal(ch)
	}
}

// wakeAll signals every waiter (after a reconnection, when hints may have been lost).
func (h *Hub) wakeAll() {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, subs := range h.subs {
		for ch := range subs {
			signal(ch)
		}
	}
}

func signal(ch chan struct{}) {
	select {
	case ch <- struct{}{}:
	default:
	}
}

// Publish wakes the waiters of topics in this process now and queues their notification to the
// other processes. Call it after the change it announces committed.
func (h *Hub) Publish(topics ...Topic) {
	if len(topics) == 0 {
		return
	}
	h.pendingMu.Lock()
	if h.pending == nil {
		h.pending = map[Topic]bool{}
	}
	for _, t := range topics {
		h.Wake(t)
		h.pending[t] = true
	}
	h.pendingMu.Unlock()
	signal(h.kick)
}

// Run listens for other processes' hints and sends this process's until ctx ends.
func (h *Hub) Run(ctx context.Context) {
	var wg sync.WaitGroup
	wg.Go(func() {
		_ = h.transport.Listen(ctx, Channel, h.wakeAll, func(payload string) {
			for _, t := range decodePayload(payload) {
				h.Wake(t)
			}
		})
	})
	wg.Go(func() { h.sendLoop(ctx) })
	wg.Wait()
}

// sendLoop sends the gathered topics until ctx ends.
func (h *Hub) sendLoop(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-h.kick:
		}
		time.Sleep(gatherWindow)
		h.pendingMu.Lock()
		lines := make([]string, 0, len(h.pending))
		for t := range h.pending {
			lines = append(lines, t.encode())
		}
		h.pending = nil
		h.pendingMu.Unlock()
		slices.Sort(lines)
		for _, payload := range chunk(lines) {
			if err := h.transport.Notify(ctx, Channel, payload); err != nil && ctx.Err() == nil {
				h.logger.Warn("notify: notifying other processes failed", "error", err)
			}
		}
	}
}

// chunk joins lines with newlines into payloads that fit a NOTIFY.
func chunk(lines []string) []string {
	var payloads []string
	var b strings.Builder
	for _, l := range lines {
		if b.Len() > 0 && b.Len()+len(l)+1 > maxPayload {
			payloads = append(payloads, b.String())
			b.Reset()
		}
		if b.Len() > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(l)
	}
	if b.Len() > 0 {
		payloads = append(payloads, b.String())
	}
	return payloads
}
