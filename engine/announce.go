package engine

import (
	"context"
	"slices"
	"strings"
	"sync"
	"time"
)

// announceWindow is how long remote announcements are gathered before one NOTIFY carries them.
const announceWindow = 2 * time.Millisecond

// maxNotifyPayload keeps each NOTIFY under PostgreSQL's 8000-byte payload limit.
const maxNotifyPayload = 7000

// announcer tells polls that queues received work: at once in this process, and to other
// processes through NOTIFY, batched so that a burst of commits costs one notification rather
// than one each. NOTIFY takes a cluster-wide lock at commit, so it stays off the hot path.
type announcer struct {
	mu      sync.Mutex
	pending map[string]bool
	kick    chan struct{}
}

// announce wakes local polls of queues now and schedules the notification of other processes.
// It is called after the change that queued the work committed.
func (e *Engine) announce(queues map[string]bool) {
	if len(queues) == 0 {
		return
	}
	a := &e.announcer
	a.mu.Lock()
	if a.pending == nil {
		a.pending = map[string]bool{}
	}
	for q := range queues {
		e.hub.wake(q)
		a.pending[q] = true
	}
	a.mu.Unlock()
	select {
	case a.kick <- struct{}{}:
	default:
	}
}

// announceLoop sends the gathered announcements until ctx ends.
func (e *Engine) announceLoop(ctx context.Context) {
	a := &e.announcer
	for {
		select {
		case <-ctx.Done():
			return
		case <-a.kick:
		}
		time.Sleep(announceWindow)
		a.mu.Lock()
		queues := make([]string, 0, len(a.pending))
		for q := range a.pending {
			queues = append(queues, q)
		}
		a.pending = nil
		a.mu.Unlock()
		slices.Sort(queues)
		for _, payload := range chunkPayload(queues) {
			if err := e.store.Notify(ctx, notifyChannel, payload); err != nil && ctx.Err() == nil {
				e.logger.Warn("engine: notifying other processes failed", "error", err)
			}
		}
	}
}

// chunkPayload joins queue names with newlines into payloads that fit a NOTIFY.
func chunkPayload(queues []string) []string {
	var payloads []string
	var b strings.Builder
	for _, q := range queues {
		if b.Len() > 0 && b.Len()+len(q)+1 > maxNotifyPayload {
			payloads = append(payloads, b.String())
			b.Reset()
		}
		if b.Len() > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(q)
	}
	if b.Len() > 0 {
		payloads = append(payloads, b.String())
	}
	return payloads
}
