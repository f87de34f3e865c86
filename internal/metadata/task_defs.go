package metadata

import (
	"context"
	"errors"
	"fmt"

	"github.com/podiumhq/podium/internal/conductor"
)

// CreateTaskDefs validates every definition and then creates or replaces them all at once.
// A name given twice keeps the last one.
func (s *Service) CreateTaskDefs(ctx context.Context, defs []*conductor.TaskDef) error {
	defer s.snapshots.invalidate()
	defer s.taskLimits.invalidate()
	var errs conductor.ValidationErrors
	for i, def := range defs {
		errs = append(errs, validateTaskDef(def, fmt.Sprintf("[%d].", i))...)
	}
	if err := errs.Err(); err != nil {
		return err
	}
	unique := make([]*conductor.TaskDef, 0, len(defs))
	index := map[string]int{}
	for _, def := range defs {
		if i, dup := index[def.Name]; dup {
			unique[i] = def
			continue
		}
		index[def.Name] = len(unique)
		unique = append(unique, def)
	}
	return s.store.TaskDefUpsertMany(ctx, unique, s.now())
}

// UpdateTaskDef replaces an existing task definition.
func (s *Service) UpdateTaskDef(ctx context.Context, def *conductor.TaskDef) error {
	defer s.snapshots.invalidate()
	defer s.taskLimits.invalidate()
	if err := validateTaskDef(def, "").Err(); err != nil {
		return err
	}
	err := s.store.TaskDefUpdate(ctx, def, s.now())
	if errors.Is(err, conductor.ErrNotFound) {
		return conductor.NotFoundf("No such taskType found by name: %s", def.Name)
	}
	return err
}

// TaskDef returns the task definition name.
func (s *Service) TaskDef(ctx context.Context, name string) (*conductor.TaskDef, error) {
	def, err := s.store.TaskDefGet(ctx, name)
	if errors.Is(err, conductor.ErrNotFound) {
		return nil, conductor.NotFoundf("No such taskType found by name: %s", name)
	}
	return def, err
}

// TaskDefs returns every task definition.
func (s *Service) TaskDefs(ctx context.Context) ([]*conductor.TaskDef, error) {
	return s.store.TaskDefList(ctx)
}

// DeleteTaskDef removes a task definition.
func (s *Service) DeleteTaskDef(ctx context.Context, name string) error {
	defer s.snapshots.invalidate()
	defer s.taskLimits.invalidate()
	err := s.store.TaskDefDelete(ctx, name)
	if errors.Is(err, conductor.ErrNotFound) {
		return conductor.NotFoundf("No such taskType found by name: %s", name)
	}
	return err
}
