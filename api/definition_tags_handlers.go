package api

import (
	"bytes"
	"context"
	"net/http"

	"github.com/podiumhq/podium/internal/auth"
	"github.com/podiumhq/podium/internal/conductor"
)

// definitionTagsService is what the definition tag routes need of the metadata service
// (internal/metadata): the tags of workflow and task definition names.
type definitionTagsService interface {
	WorkflowDefTags(ctx context.Context, name string) ([]conductor.Tag, error)
	AddWorkflowDefTags(ctx context.Context, name string, tags []conductor.Tag) error
	SetWorkflowDefTags(ctx context.Context, name string, tags []conductor.Tag) error
	DeleteWorkflowDefTags(ctx context.Context, name string, tags []conductor.Tag) error
	TaskDefTags(ctx context.Context, name string) ([]conductor.Tag, error)
	AddTaskDefTags(ctx context.Context, name string, tags []conductor.Tag) error
	SetTaskDefTags(ctx context.Context, name string, tags []conductor.Tag) error
	DeleteTaskDefTags(ctx context.Context, name string, tags []conductor.Tag) error
}

// tagEdit changes the tags of a definition name.
type tagEdit = func(ctx context.Context, name string, tags []conductor.Tag) error

// definitionTagRoutes serves GET, POST, PUT and DELETE of /api/metadata/{workflow|task}/{name}/tags
// over one of the two kinds' methods.
type definitionTagRoutes struct {
	// target is the grant target type of the definitions (auth.TargetWorkflowDef, …): changing
	// tags takes the UPDATE a change of the definition takes.
	target             string
	list               func(ctx context.Context, name string) ([]conductor.Tag, error)
	add, set, deletion tagEdit
}

func (s *server) workflowDefTagRoutes() definitionTagRoutes {
	m := s.metadata
	return definitionTagRoutes{target: auth.TargetWorkflowDef, list: m.WorkflowDefTags, add: m.AddWorkflowDefTags, set: m.SetWorkflowDefTags,
		deletion: m.DeleteWorkflowDefTags}
}

func (s *server) taskDefTagRoutes() definitionTagRoutes {
	m := s.metadata
	return definitionTagRoutes{target: auth.TargetTaskDef, list: m.TaskDefTags, add: m.AddTaskDefTags, set: m.SetTaskDefTags,
		deletion: m.DeleteTaskDefTags}
}

// get answers the name's tags.
func (s *server) getDefinitionTags(routes func() definitionTagRoutes) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		tags, err := routes().list(r.Context(), pathParam(r, "name"))
		s.writeList(w, r, tags, err)
	}
}

// editDefinitionTags applies one edit to the name's tags. PUT takes a list (it replaces them
// all); POST (add) and DELETE (remove) take one TagObject, as the Orkes SDKs send, or a list.
func (s *server) editDefinitionTags(routes func() definitionTagRoutes, pick func(definitionTagRoutes) tagEdit, listOnly bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		t, name := routes(), pathParam(r, "name")
		tags, err := decodeTagBody(r, listOnly)
		if err == nil {
			// A name not registered yet is not the caller's to create here: the edit answers 404.
			_, err = s.mayWriteDefinitions(r, t.target, auth.AccessUpdate, name)
		}
		if err == nil {
			err = pick(t)(r.Context(), name, tags)
		}
		s.writeEmpty(w, r, err)
	}
}

// decodeTagBody decodes a body of one tag or (always when listOnly) a list of tags; every tag
// needs a key, a deprecated "type" is ignored.
func decodeTagBody(r *http.Request, listOnly bool) ([]conductor.Tag, error) {
	body, err := readBody(r)
	if err != nil {
		return nil, err
	}
	var reqs []tagRequest
	if trimmed := bytes.TrimSpace(body); !listOnly && len(trimmed) > 0 && trimmed[0] == '{' {
		var one tagRequest
		err = decodeBody(body, &one)
		reqs = []tagRequest{one}
	} else {
		err = decodeBody(body, &reqs)
	}
	if err != nil {
		return nil, err
	}
	tags := make([]conductor.Tag, len(reqs))
	for i, t := range reqs {
		if t.Key == "" {
			return nil, conductor.Invalidf("Tag at index %d has no key", i)
		}
		tags[i] = conductor.Tag{Key: t.Key, Value: t.Value}
	}
	return tags, nil
}
