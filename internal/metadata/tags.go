package metadata

import (
	"context"
	"errors"

	"github.com/podiumhq/podium/internal/conductor"
	"github.com/podiumhq/podium/store"
)

// Tags of workflow and task definitions (Orkes' /api/metadata/{workflow,task}/{name}/tags)
// belong to the definition's name, every version alike, and live beside the definitions: the
// definition documents are stored as sent, so a "tags" member in one is kept verbatim and not
// read as the name's tags. They go when the name's last version is deleted.

// WorkflowDefTags returns the tags of the workflow definition name.
func (s *Service) WorkflowDefTags(ctx context.Context, name string) ([]conductor.Tag, error) {
	return s.tags(ctx, store.WorkflowDefKind, name)
}

// TaskDefTags returns the tags of the task definition name.
func (s *Service) TaskDefTags(ctx context.Context, name string) ([]conductor.Tag, error) {
	return s.tags(ctx, store.TaskDefKind, name)
}

// AddWorkflowDefTags adds tags to the workflow definition name; a tag whose key the name has
// replaces its value.
func (s *Service) AddWorkflowDefTags(ctx context.Context, name string, tags []conductor.Tag) error {
	return s.editTags(ctx, store.WorkflowDefKind, name, tags, addTags)
}

// AddTaskDefTags is AddWorkflowDefTags for a task definition.
func (s *Service) AddTaskDefTags(ctx context.Context, name string, tags []conductor.Tag) error {
	return s.editTags(ctx, store.TaskDefKind, name, tags, addTags)
}

// SetWorkflowDefTags replaces every tag of the workflow definition name (the same key twice:
// the last value wins).
func (s *Service) SetWorkflowDefTags(ctx context.Context, name string, tags []conductor.Tag) error {
	return s.editTags(ctx, store.WorkflowDefKind, name, tags, setTags)
}

// SetTaskDefTags is SetWorkflowDefTags for a task definition.
func (s *Service) SetTaskDefTags(ctx context.Context, name string, tags []conductor.Tag) error {
	return s.editTags(ctx, store.TaskDefKind, name, tags, setTags)
}

// DeleteWorkflowDefTags removes the tags matching one of tags in key and value from the
// workflow definition name; others are ignored.
func (s *Service) DeleteWorkflowDefTags(ctx context.Context, name string, tags []conductor.Tag) error {
	return s.editTags(ctx, store.WorkflowDefKind, name, tags, conductor.RemoveTags)
}

// DeleteTaskDefTags is DeleteWorkflowDefTags for a task definition.
func (s *Service) DeleteTaskDefTags(ctx context.Context, name string, tags []conductor.Tag) error {
	return s.editTags(ctx, store.TaskDefKind, name, tags, conductor.RemoveTags)
}

func addTags(cur, tags []conductor.Tag) []conductor.Tag { return conductor.MergeTags(cur, tags) }

func setTags(_, tags []conductor.Tag) []conductor.Tag { return conductor.MergeTags(nil, tags) }

func (s *Service) tags(ctx context.Context, kind store.DefinitionKind, name string) ([]conductor.Tag, error) {
	tags, err := s.store.DefinitionTags(ctx, kind, name)
	if errors.Is(err, conductor.ErrNotFound) {
		return nil, definitionNotFound(kind, name)
	}
	return tags, err
}

// editTags replaces the name's tags by edit(current, tags) in one transaction; nothing is
// written when tags or the result are refused.
func (s *Service) editTags(ctx context.Context, kind store.DefinitionKind, name string, tags []conductor.Tag,
	edit func(cur, tags []conductor.Tag) []conductor.Tag) error {
	if err := conductor.CheckTags(tags); err != nil {
		return err
	}
	return s.store.InTx(ctx, func(q *store.Queries) error {
		cur, err := q.DefinitionTagsForUpdate(ctx, kind, name)
		if errors.Is(err, conductor.ErrNotFound) {
			return definitionNotFound(kind, name)
		}
		if err != nil {
			return err
		}
		next := conductor.NonNil(edit(cur, tags))
		if len(next) > conductor.MaxTags {
			return conductor.TooManyTags(len(next))
		}
		return q.DefinitionTagsSet(ctx, kind, name, next)
	})
}

// definitionNotFound is Conductor's 404 for an unknown definition name.
func definitionNotFound(kind store.DefinitionKind, name string) error {
	if kind == store.TaskDefKind {
		return conductor.NotFoundf("No such taskType found by name: %s", name)
	}
	return conductor.NotFoundf("No such workflow found by name: %s, version: null", name)
}
