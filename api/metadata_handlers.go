package api

import (
	"context"
	"encoding/json"
	"maps"
	"net/http"
	"slices"

	"github.com/podiumhq/podium/internal/auth"
	"github.com/podiumhq/podium/internal/conductor"
)

// metadataService is what the API needs of the metadata service (internal/metadata):
// registering, validating, reading and deleting workflow and task definitions.
type metadataService interface {
	CheckDefinitionJSON(body []byte) error
	CreateWorkflowDef(ctx context.Context, def *conductor.WorkflowDef, overwrite bool) error
	UpsertWorkflowDefs(ctx context.Context, defs []*conductor.WorkflowDef) (*conductor.BulkResponse, error)
	ValidateWorkflowDef(ctx context.Context, def *conductor.WorkflowDef) error
	WorkflowDef(ctx context.Context, name string, version *int) (*conductor.WorkflowDef, error)
	WorkflowDefs(ctx context.Context) ([]*conductor.WorkflowDef, error)
	LatestWorkflowDefs(ctx context.Context) ([]*conductor.WorkflowDef, error)
	WorkflowNamesAndVersions(ctx context.Context) (map[string][]conductor.WorkflowDefSummary, error)
	WorkflowNames(ctx context.Context) ([]string, error)
	WorkflowDefVersions(ctx context.Context, name string) ([]conductor.WorkflowDefSummary, error)
	DeleteWorkflowDef(ctx context.Context, name string, version int) error
	CreateTaskDefs(ctx context.Context, defs []*conductor.TaskDef) error
	UpdateTaskDef(ctx context.Context, def *conductor.TaskDef) error
	TaskDefs(ctx context.Context) ([]*conductor.TaskDef, error)
	TaskDef(ctx context.Context, name string) (*conductor.TaskDef, error)
	DeleteTaskDef(ctx context.Context, name string) error
	definitionTagsService
}

// decodeDefinitions decodes a body of workflow definitions into v, refusing first, without
// decoding it, a body nested far deeper than the definition depth limit allows.
func (s *server) decodeDefinitions(r *http.Request, v any) error {
	body, err := readBody(r)
	if err != nil {
		return err
	}
	if err := s.metadata.CheckDefinitionJSON(body); err != nil {
		return err
	}
	return decodeBody(body, v)
}

func (s *server) createWorkflowDef(w http.ResponseWriter, r *http.Request) {
	overwrite, err := queryBool(r, "overwrite", false)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	def := new(conductor.WorkflowDef)
	if err := s.decodeDefinitions(r, def); err != nil {
		s.writeError(w, r, err)
		return
	}
	created, err := s.mayWriteDefinitions(r, auth.TargetWorkflowDef, auth.AccessUpdate, def.Name)
	if err == nil {
		err = s.metadata.CreateWorkflowDef(r.Context(), def, overwrite)
	}
	s.ownDefinitions(w, r, auth.TargetWorkflowDef, created, err)
}

// mayWriteDefinitions checks the caller's right to write (access UPDATE) or delete (DELETE)
// the named definitions and returns the names it would create.
func (s *server) mayWriteDefinitions(r *http.Request, targetType string, access auth.Access, names ...string) ([]string, error) {
	return s.access.MayWriteDefinitions(r.Context(), principalOf(r.Context()), targetType, names, access)
}

// ownDefinitions answers a definition write: the error, or 200 once the caller owns the
// definitions it created.
func (s *server) ownDefinitions(w http.ResponseWriter, r *http.Request, targetType string, created []string, err error) {
	if err == nil {
		err = s.access.OwnDefinitions(r.Context(), principalOf(r.Context()), targetType, created)
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusOK)
}

func (s *server) upsertWorkflowDefs(w http.ResponseWriter, r *http.Request) {
	var defs []*conductor.WorkflowDef
	if err := s.decodeDefinitions(r, &defs); err != nil {
		s.writeError(w, r, err)
		return
	}
	if len(defs) == 0 {
		s.writeError(w, r, conductor.Invalidf("Workflow definition list cannot be empty"))
		return
	}
	for i, def := range defs {
		if def == nil {
			s.writeError(w, r, conductor.Invalidf("Workflow definition at index %d is null", i))
			return
		}
	}
	names := make([]string, len(defs))
	for i, def := range defs {
		names[i] = def.Name
	}
	created, err := s.mayWriteDefinitions(r, auth.TargetWorkflowDef, auth.AccessUpdate, names...)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	resp, err := s.metadata.UpsertWorkflowDefs(r.Context(), defs)
	if err == nil {
		var stored []string
		for _, name := range created {
			if slices.Contains(resp.BulkSuccessfulResults, name) {
				stored = append(stored, name)
			}
		}
		err = s.access.OwnDefinitions(r.Context(), principalOf(r.Context()), auth.TargetWorkflowDef, stored)
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, resp)
}

func (s *server) validateWorkflowDef(w http.ResponseWriter, r *http.Request) {
	def := new(conductor.WorkflowDef)
	if err := s.decodeDefinitions(r, def); err != nil {
		s.writeError(w, r, err)
		return
	}
	if err := s.metadata.ValidateWorkflowDef(r.Context(), def); err != nil {
		s.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusOK)
}

func (s *server) getWorkflowDef(w http.ResponseWriter, r *http.Request) {
	version, err := queryOptionalInt(r, "version")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	def, err := s.metadata.WorkflowDef(r.Context(), pathParam(r, "name"), version)
	if err == nil && wantsMetadataTags(r) {
		shown := *def // def may be shared: the tags go on a copy
		shown.Extra, err = withNameTags(r.Context(), def.Extra, s.metadata.WorkflowDefTags, def.Name)
		def = &shown
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, def)
}

// wantsMetadataTags reports ?metadata=true: Orkes then answers the definition with its name's
// tags in "tags", which the Go SDK's GetTagsForWorkflowDef and GetTagsForTaskDef read.
func wantsMetadataTags(r *http.Request) bool {
	return r.URL.Query().Get("metadata") == "true"
}

// withNameTags returns a copy of extra whose "tags" member is the name's tags, as Orkes
// TagObjects (type METADATA), replacing a "tags" member the registered document held.
func withNameTags(ctx context.Context, extra conductor.Extra, list func(context.Context, string) ([]conductor.Tag, error),
	name string) (conductor.Extra, error) {
	tags, err := list(ctx, name)
	if err != nil {
		return nil, err
	}
	type tagObject struct {
		Key   string `json:"key"`
		Type  string `json:"type"`
		Value string `json:"value"`
	}
	objects := make([]tagObject, 0, len(tags))
	for _, t := range tags {
		objects = append(objects, tagObject{Key: t.Key, Type: "METADATA", Value: t.Value})
	}
	data, err := json.Marshal(objects)
	if err != nil {
		return nil, err
	}
	out := maps.Clone(extra)
	if out == nil {
		out = conductor.Extra{}
	}
	out["tags"] = data
	return out, nil
}

func (s *server) listWorkflowDefs(w http.ResponseWriter, r *http.Request) {
	defs, err := s.metadata.WorkflowDefs(r.Context())
	s.writeList(w, r, defs, err)
}

func (s *server) listLatestWorkflowDefs(w http.ResponseWriter, r *http.Request) {
	defs, err := s.metadata.LatestWorkflowDefs(r.Context())
	s.writeList(w, r, defs, err)
}

func (s *server) workflowNamesAndVersions(w http.ResponseWriter, r *http.Request) {
	byName, err := s.metadata.WorkflowNamesAndVersions(r.Context())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, byName)
}

func (s *server) workflowNames(w http.ResponseWriter, r *http.Request) {
	names, err := s.metadata.WorkflowNames(r.Context())
	s.writeList(w, r, names, err)
}

func (s *server) workflowDefVersions(w http.ResponseWriter, r *http.Request) {
	versions, err := s.metadata.WorkflowDefVersions(r.Context(), pathParam(r, "name"))
	s.writeList(w, r, versions, err)
}

func (s *server) deleteWorkflowDef(w http.ResponseWriter, r *http.Request) {
	version, err := parseInt("version", pathParam(r, "version"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if _, err := s.mayWriteDefinitions(r, auth.TargetWorkflowDef, auth.AccessDelete, pathParam(r, "name")); err != nil {
		s.writeError(w, r, err)
		return
	}
	if err := s.metadata.DeleteWorkflowDef(r.Context(), pathParam(r, "name"), version); err != nil {
		s.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusOK)
}

func (s *server) createTaskDefs(w http.ResponseWriter, r *http.Request) {
	var defs []*conductor.TaskDef
	if err := decodeJSON(r, &defs); err != nil {
		s.writeError(w, r, err)
		return
	}
	if len(defs) == 0 {
		s.writeError(w, r, conductor.Invalidf("Task definition list cannot be empty"))
		return
	}
	for i, def := range defs {
		if def == nil {
			s.writeError(w, r, conductor.Invalidf("Task definition at index %d is null", i))
			return
		}
	}
	names := make([]string, len(defs))
	for i, def := range defs {
		names[i] = def.Name
	}
	created, err := s.mayWriteDefinitions(r, auth.TargetTaskDef, auth.AccessUpdate, names...)
	if err == nil {
		err = s.metadata.CreateTaskDefs(r.Context(), defs)
	}
	s.ownDefinitions(w, r, auth.TargetTaskDef, created, err)
}

func (s *server) updateTaskDef(w http.ResponseWriter, r *http.Request) {
	def := new(conductor.TaskDef)
	if err := decodeJSON(r, def); err != nil {
		s.writeError(w, r, err)
		return
	}
	if _, err := s.mayWriteDefinitions(r, auth.TargetTaskDef, auth.AccessUpdate, def.Name); err != nil {
		s.writeError(w, r, err)
		return
	}
	if err := s.metadata.UpdateTaskDef(r.Context(), def); err != nil {
		s.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusOK)
}

func (s *server) listTaskDefs(w http.ResponseWriter, r *http.Request) {
	defs, err := s.metadata.TaskDefs(r.Context())
	s.writeList(w, r, defs, err)
}

func (s *server) getTaskDef(w http.ResponseWriter, r *http.Request) {
	def, err := s.metadata.TaskDef(r.Context(), pathParam(r, "name"))
	if err == nil && wantsMetadataTags(r) {
		shown := *def // def may be shared: the tags go on a copy
		shown.Extra, err = withNameTags(r.Context(), def.Extra, s.metadata.TaskDefTags, def.Name)
		def = &shown
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, def)
}

func (s *server) deleteTaskDef(w http.ResponseWriter, r *http.Request) {
	if _, err := s.mayWriteDefinitions(r, auth.TargetTaskDef, auth.AccessDelete, pathParam(r, "name")); err != nil {
		s.writeError(w, r, err)
		return
	}
	if err := s.metadata.DeleteTaskDef(r.Context(), pathParam(r, "name")); err != nil {
		s.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusOK)
}
