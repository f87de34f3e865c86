package metadata

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/podiumhq/podium/internal/conductor"
	"github.com/podiumhq/podium/store"
)

// Snapshot returns the snapshot an execution of the registered definition name runs, at
// version or, when version is nil, its latest version: the definition, deep-copied, with the
// registered task definitions embedded into its tasks that carry none. Snapshots are shared
// and read-only; they are cached for a start of the same name and version. The definitions
// are read through q, the start's transaction, or through the service's store when q is nil.
func (s *Service) Snapshot(ctx context.Context, q *store.Queries, name string, version *int) (*conductor.WorkflowDef, error) {
	if cached := s.snapshots.get(name, version); cached != nil {
		return cached, nil
	}
	if q == nil {
		q = s.store.Queries
	}
	stored, err := q.WorkflowDefGet(ctx, name, version)
	if errors.Is(err, conductor.ErrNotFound) {
		v := "null"
		if version != nil {
			v = fmt.Sprint(*version)
		}
		return nil, conductor.NotFoundf("No such workflow found by name: %s, version: %s", name, v)
	}
	if err != nil {
		return nil, err
	}
	snapshot, err := s.embedTaskDefs(ctx, q, stored)
	if err != nil {
		return nil, err
	}
	s.snapshots.put(name, version, snapshot)
	return snapshot, nil
}

// InlineSnapshot validates def, given inline in a start request, as ValidateWorkflowDef does,
// and returns the snapshot an execution of it runs, built as Snapshot builds one (not cached).
func (s *Service) InlineSnapshot(ctx context.Context, q *store.Queries, def *conductor.WorkflowDef) (*conductor.WorkflowDef, error) {
	if err := s.ValidateWorkflowDef(ctx, def); err != nil {
		return nil, err
	}
	if q == nil {
		q = s.store.Queries
	}
	return s.embedTaskDefs(ctx, q, def)
}

// embedTaskDefs deep-copies def and embeds the registered task definitions, read through q,
// into every task of the copy that carries none (nil where none is registered).
func (s *Service) embedTaskDefs(ctx context.Context, q *store.Queries, def *conductor.WorkflowDef) (*conductor.WorkflowDef, error) {
	snapshot, err := copyDef(def)
	if err != nil {
		return nil, err
	}
	cache := map[string]*conductor.TaskDef{}
	var embed func(tasks []conductor.WorkflowTask) error
	embed = func(tasks []conductor.WorkflowTask) error {
		for i := range tasks {
			t := &tasks[i]
			if t.TaskDefinition == nil {
				td, seen := cache[t.Name]
				if !seen {
					found, err := q.TaskDefGet(ctx, t.Name)
					if err != nil && !errors.Is(err, conductor.ErrNotFound) {
						return err
					}
					td, cache[t.Name] = found, found
				}
				t.TaskDefinition = td
			}
			for _, list := range t.Children() {
				if err := embed(list); err != nil {
					return err
				}
			}
		}
		return nil
	}
	if err := embed(snapshot.Tasks); err != nil {
		return nil, err
	}
	return snapshot, nil
}

func copyDef(def *conductor.WorkflowDef) (*conductor.WorkflowDef, error) {
	data, err := conductor.EncodeWorkflowDef(def)
	if err == nil {
		var c *conductor.WorkflowDef
		if c, err = conductor.DecodeWorkflowDef(data); err == nil {
			return c, nil
		}
	}
	return nil, fmt.Errorf("error copying workflow definition: %w", err)
}

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
