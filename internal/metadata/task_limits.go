package metadata

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

// TaskLimits returns the poll-time limits (concurrency, rate) of taskType from its registered
// definition; none when it has no definition. They are cached for a few seconds.
func (s *Service) TaskLimits(ctx context.Context, taskType string) (store.TaskLimits, error) {
	c := &s.taskLimits
	c.mu.Lock()
	entry, ok := c.entries[taskType]
	c.mu.Unlock()
	if ok && time.Since(entry.fetched) < limitsCacheTTL {
		return entry.limits, nil
	}
	var lim store.TaskLimits
	def, err := s.store.TaskDefGet(ctx, taskType)
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
