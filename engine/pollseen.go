package engine

import (
	"sync"
	"time"
)

// pollDataInterval is how often one worker's polls of one queue are written to poll data;
// lastPollTime is therefore at most this stale.
const pollDataInterval = time.Second

// pollSeen throttles poll-data writes: a worker polling many times a second costs one write a
// second, not one per poll.
type pollSeen struct {
	mu   sync.Mutex
	last map[[3]string]time.Time
}

// due reports whether the poll of taskType by worker (in domain) should be recorded now.
func (p *pollSeen) due(taskType, worker, domain string) bool {
	key := [3]string{taskType, worker, domain}
	now := time.Now()
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.last == nil || len(p.last) > 100_000 {
		p.last = map[[3]string]time.Time{}
	}
	if now.Sub(p.last[key]) < pollDataInterval {
		return false
	}
	p.last[key] = now
	return true
}
