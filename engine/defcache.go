package engine

import (
	"sync"
	"time"

	"github.com/podiumhq/podium/internal/conductor"
)

// snapshotTTL bounds how long a start may use a cached definition snapshot. Changes made
// through this process invalidate the cache at once; changes made through another replica
// reach this one's new starts within the TTL.
const snapshotTTL = 2 * time.Second

// snapshotCache keeps the definition snapshots new executions run (registered definition with
// task definitions embedded), keyed by name and version (0 = latest). Snapshots are shared and
// read-only.
type snapshotCache struct {
	mu      sync.Mutex
	entries map[snapshotKey]snapshotEntry
}

type snapshotKey struct {
	name    string
	version int
}

type snapshotEntry struct {
	def     *conductor.WorkflowDef
	fetched time.Time
}

func (c *snapshotCache) get(name string, version *int) *conductor.WorkflowDef {
	key := snapshotKey{name: name}
	if version != nil {
		key.version = *version
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	entry, ok := c.entries[key]
	if !ok || time.Since(entry.fetched) > snapshotTTL {
		return nil
	}
	return entry.def
}

func (c *snapshotCache) put(name string, version *int, def *conductor.WorkflowDef) {
	key := snapshotKey{name: name}
	if version != nil {
		key.version = *version
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.entries == nil || len(c.entries) > 4096 {
		c.entries = map[snapshotKey]snapshotEntry{}
	}
	c.entries[key] = snapshotEntry{def: def, fetched: time.Now()}
}

// invalidate forgets every snapshot (after a metadata change).
func (c *snapshotCache) invalidate() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.entries = nil
}
