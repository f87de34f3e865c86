package engine

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/podiumhq/podium/internal/conductor"
	"github.com/podiumhq/podium/store"
)

// limitsCacheTTL bounds how stale a task definition's limits may be at poll time.
const limitsCacheTTL = 5 * time.Second

// limitsCache remembers the poll-time limits of task types for a few seconds, so polls of
// unlimited types (the common case) cost no extra query.
type limitsCache struct {
	mu      sync.Mutex
	entries map[string]limitsEntry
}

type limitsEntry struct {
	limits  store.TaskLimits
	fetched time.Time
}

// taskLimits returns the limits of taskType from its registered definition.
func (e *Engine) taskLimits(ctx context.Context, taskType string) (store.TaskLimits, error) {
	c := &e.limits
	c.mu.Lock()
	entry, ok := c.entries[taskType]
	c.mu.Unlock()
	if ok && time.Since(entry.fetched) < limitsCacheTTL {
		return entry.limits, nil
	}
	var lim store.TaskLimits
	def, err := e.store.TaskDefGet(ctx, taskType)
	switch {
	case errors.Is(err, conductor.ErrNotFound):
	case err != nil:
		return lim, err
	default:
		if def.ConcurrentExecLimit != nil {
			lim.ConcurrentExecLimit = *def.ConcurrentExecLimit
		}
		lim.RateLimitPerFrequency = def.RateLimitPerFrequency
		lim.RateLimitFrequencyInSeconds = def.RateLimitFrequencyInSeconds
	}
	c.mu.Lock()
	if c.entries == nil {
		c.entries = map[string]limitsEntry{}
	}
	c.entries[taskType] = limitsEntry{limits: lim, fetched: time.Now()}
	c.mu.Unlock()
	return lim, nil
}

// invalidate forgets every cached limit (after a task definition change).
func (c *limitsCache) invalidate() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.entries = nil
}

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
