package store

import (
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"sync"

	"github.com/podiumhq/podium/internal/conductor"
)

// defCacheLimit bounds each generation of the decoded-definition cache.
const defCacheLimit = 1024

// defCache keeps decoded workflow definition snapshots keyed by a hash of their stored bytes,
// so loading an execution does not decode the same definition again and again. Entries are
// shared: callers must treat the returned definition as read-only. Two generations bound the
// memory: when the young one fills up it becomes the old one.
var defCache = &decodedDefs{young: map[[32]byte]*conductor.WorkflowDef{}}

type decodedDefs struct {
	mu         sync.Mutex
	young, old map[[32]byte]*conductor.WorkflowDef
}

// decodeDefinition returns the definition stored as data, decoding it only on a cache miss.
func decodeDefinition(data []byte) (*conductor.WorkflowDef, error) {
	key := sha256.Sum256(data)
	c := defCache
	c.mu.Lock()
	def, ok := c.young[key]
	if !ok {
		if def, ok = c.old[key]; ok {
			c.young[key] = def
		}
	}
	c.mu.Unlock()
	if ok {
		return def, nil
	}
	def = new(conductor.WorkflowDef)
	if err := json.Unmarshal(data, def); err != nil {
		return nil, fmt.Errorf("error decoding workflow definition snapshot: %w", err)
	}
	c.mu.Lock()
	if len(c.young) >= defCacheLimit {
		c.old, c.young = c.young, map[[32]byte]*conductor.WorkflowDef{}
	}
	c.young[key] = def
	c.mu.Unlock()
	return def, nil
}
