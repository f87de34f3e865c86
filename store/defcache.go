package store

import (
	"context"
	"crypto/sha256"
	"fmt"
	"sync"

	"github.com/podiumhq/podium/internal/conductor"
)

// snapshotCacheLimit bounds each generation of a store's snapshot cache.
const snapshotCacheLimit = 1024

// snapshots caches decoded definition snapshots of one database by their hash. An entry is
// present only once its row is known to exist, so a hit also spares the insert. Entries are
// shared: callers must treat the definitions as read-only. Two generations bound the memory:
// when the young one fills up it becomes the old one.
type snapshots struct {
	mu         sync.Mutex
	young, old map[[32]byte]*conductor.WorkflowDef
	// keys remembers the key of each cached definition, sparing its re-encoding on save.
	keys map[*conductor.WorkflowDef][32]byte
}

func newSnapshots() *snapshots {
	return &snapshots{young: map[[32]byte]*conductor.WorkflowDef{}, keys: map[*conductor.WorkflowDef][32]byte{}}
}

// keyOf returns the key of def when def itself is a cached (hence stored) snapshot.
func (c *snapshots) keyOf(def *conductor.WorkflowDef) ([32]byte, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	key, ok := c.keys[def]
	return key, ok
}

func (c *snapshots) get(hash [32]byte) *conductor.WorkflowDef {
	c.mu.Lock()
	defer c.mu.Unlock()
	def, ok := c.young[hash]
	if !ok {
		if def, ok = c.old[hash]; ok {
			c.young[hash] = def
		}
	}
	return def
}

func (c *snapshots) put(hash [32]byte, def *conductor.WorkflowDef) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.young) >= snapshotCacheLimit {
		c.old, c.young = c.young, map[[32]byte]*conductor.WorkflowDef{}
		c.keys = map[*conductor.WorkflowDef][32]byte{}
		for key, d := range c.old {
			c.keys[d] = key
		}
	}
	c.young[hash] = def
	c.keys[def] = hash
}

// encodeSnapshot renders a definition snapshot and its key.
func encodeSnapshot(def *conductor.WorkflowDef) ([]byte, [32]byte, error) {
	doc, err := conductor.EncodeWorkflowDef(def)
	if err != nil {
		return nil, [32]byte{}, fmt.Errorf("error encoding workflow definition: %w", err)
	}
	return doc, sha256.Sum256(doc), nil
}

// snapshot returns the definition snapshot with key hash, reading it on a cache miss.
func (q *Queries) snapshot(ctx context.Context, hash []byte) (*conductor.WorkflowDef, error) {
	if len(hash) != 32 {
		return nil, fmt.Errorf("error reading workflow definition snapshot: bad key of %d bytes", len(hash))
	}
	key := [32]byte(hash)
	if def := q.defs.get(key); def != nil {
		return def, nil
	}
	var doc []byte
	if err := q.db.QueryRow(ctx, `SELECT definition FROM workflow_snapshots WHERE hash = $1`, hash).Scan(&doc); err != nil {
		return nil, interpretError(err, "reading workflow definition snapshot")
	}
	def, err := conductor.DecodeWorkflowDef(doc)
	if err != nil {
		return nil, fmt.Errorf("error decoding workflow definition snapshot: %w", err)
	}
	q.defs.put(key, def)
	return def, nil
}
