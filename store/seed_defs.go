package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/podiumhq/podium/internal/conductor"
)

// seedDefinition is a seeded workflow name with its registered definition's version and
// the key of the snapshot its executions run.
type seedDefinition struct {
	name     string
	version  int
	shape    *seedShape
	snapshot []byte
}

// seedDefinitions registers the definition of each name (the i-th runs seedShapeOf(i)),
// keeping one a previous seed registered, and stores the snapshot executions of it run: the
// registered definition as the engine snapshots it (no task definitions are registered for
// the seeded task names). A name defined by something else than a seed is refused.
func (s *Store) seedDefinitions(ctx context.Context, names []string, now time.Time) ([]seedDefinition, error) {
	defs := make([]seedDefinition, 0, len(names))
	seen := map[string]bool{}
	for i, name := range names {
		if name == "" || seen[name] {
			return nil, fmt.Errorf("seeding: workflow name %q is empty or given twice", name)
		}
		seen[name] = true
		shape := seedShapeOf(i)
		stored, err := s.seedDefinition(ctx, shape.definition(name), now)
		if err != nil {
			return nil, err
		}
		doc, hash, err := encodeSnapshot(stored)
		if err != nil {
			return nil, err
		}
		if _, err := s.pool.Exec(ctx, `INSERT INTO workflow_snapshots (hash, definition) VALUES ($1, $2)
			ON CONFLICT DO NOTHING`, hash[:], doc); err != nil {
			return nil, interpretError(err, "storing a seeded definition snapshot")
		}
		defs = append(defs, seedDefinition{name: name, version: stored.Version, shape: shape, snapshot: hash[:]})
	}
	return defs, nil
}

// seedDefinition returns the stored definition of want's name: want itself, registered now as
// version 1 when the name has none, or the latest version when it is the same as want; a
// changed seed definition is registered as the next version.
func (s *Store) seedDefinition(ctx context.Context, want *conductor.WorkflowDef, now time.Time) (*conductor.WorkflowDef, error) {
	latest, err := s.WorkflowDefGet(ctx, want.Name, nil)
	switch {
	case errors.Is(err, conductor.ErrNotFound):
	case err != nil:
		return nil, err
	case !strings.HasPrefix(latest.Description, seedDescriptionPrefix):
		return nil, fmt.Errorf("seeding: workflow %s is defined already, not by podium seed: seed another name", want.Name)
	case sameSeedDefinition(latest, want):
		return latest, nil
	default:
		want.Version = latest.Version + 1
	}
	if err := s.WorkflowDefInsert(ctx, want, now); errors.Is(err, conductor.ErrConflict) {
		return nil, fmt.Errorf("seeding: workflow %s version %d was registered meanwhile: seed again", want.Name, want.Version)
	} else if err != nil {
		return nil, err
	}
	return s.WorkflowDefGet(ctx, want.Name, &want.Version)
}

// seedDescriptionPrefix starts the description of every seeded definition.
const seedDescriptionPrefix = "Seeded by podium seed"

// sameSeedDefinition reports whether stored is want but for its times and version.
func sameSeedDefinition(stored, want *conductor.WorkflowDef) bool {
	a, b := *stored, *want
	a.CreateTime, a.UpdateTime, a.Version = 0, 0, 0
	b.CreateTime, b.UpdateTime, b.Version = 0, 0, 0
	x, errA := conductor.EncodeWorkflowDef(&a)
	y, errB := conductor.EncodeWorkflowDef(&b)
	return errA == nil && errB == nil && string(x) == string(y)
}
