package metadata

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"

	"github.com/podiumhq/podium/internal/conductor"
)

// CreateWorkflowDef registers def. Without overwrite an existing name and version is a
// conflict; with it the stored version is replaced (keeping its createTime).
func (s *Service) CreateWorkflowDef(ctx context.Context, def *conductor.WorkflowDef, overwrite bool) error {
	defer s.snapshots.invalidate()
	if err := s.ValidateWorkflowDef(ctx, def); err != nil {
		return err
	}
	if overwrite {
		return s.store.WorkflowDefUpsert(ctx, def, s.now())
	}
	err := s.store.WorkflowDefInsert(ctx, def, s.now())
	if errors.Is(err, conductor.ErrConflict) {
		return conductor.Conflictf("Workflow with %s.%d already exists!", def.Name, def.Version)
	}
	return err
}

// UpsertWorkflowDefs creates or replaces every definition. If any definition is invalid the
// whole request fails and nothing is stored; storage failures are reported per definition.
func (s *Service) UpsertWorkflowDefs(ctx context.Context, defs []*conductor.WorkflowDef) (*conductor.BulkResponse, error) {
	defer s.snapshots.invalidate()
	var errs conductor.ValidationErrors
	for i, def := range defs {
		if err := s.checkDefinitionLimits(ctx, def); err != nil {
			return nil, prefixValidation(err, fmt.Sprintf("[%d].", i))
		}
	}
	taskDefs, err := s.taskDefsUsedBy(ctx, defs...)
	if err != nil {
		return nil, err
	}
	for i, def := range defs {
		verrs, err := validateWorkflowDef(ctx, def, taskDefs, s.systasks)
		if err != nil {
			return nil, err
		}
		for _, fe := range verrs {
			errs.Add(fmt.Sprintf("[%d].%s", i, fe.Path), fe.Message, fe.InvalidValue)
		}
	}
	if err := errs.Err(); err != nil {
		return nil, err
	}
	resp := &conductor.BulkResponse{BulkSuccessfulResults: []string{}, BulkErrorResults: map[string]string{}}
	now := s.now()
	for _, def := range defs {
		if err := s.store.WorkflowDefUpsert(ctx, def, now); err != nil {
			resp.BulkErrorResults[def.Name] = "failed to store the workflow definition"
			if errors.Is(err, conductor.ErrInvalid) {
				resp.BulkErrorResults[def.Name] = err.Error()
			} else {
				s.logger.ErrorContext(ctx, "metadata: storing workflow definition failed", "workflow_name", def.Name, "error", err)
			}
			continue
		}
		resp.BulkSuccessfulResults = append(resp.BulkSuccessfulResults, def.Name)
	}
	return resp, nil
}

// ValidateWorkflowDef checks def against the registration rules without storing it.
// Definitions over the limits (DefinitionLimits) are refused before anything else is checked.
func (s *Service) ValidateWorkflowDef(ctx context.Context, def *conductor.WorkflowDef) error {
	if err := s.checkDefinitionLimits(ctx, def); err != nil {
		return err
	}
	taskDefs, err := s.taskDefsUsedBy(ctx, def)
	if err != nil {
		return err
	}
	errs, err := validateWorkflowDef(ctx, def, taskDefs, s.systasks)
	if err != nil {
		return err
	}
	return errs.Err()
}

// prefixValidation prefixes the paths of validation errors with prefix; other errors pass.
func prefixValidation(err error, prefix string) error {
	var verrs conductor.ValidationErrors
	if !errors.As(err, &verrs) {
		return err
	}
	out := make(conductor.ValidationErrors, len(verrs))
	for i, fe := range verrs {
		fe.Path = prefix + fe.Path
		out[i] = fe
	}
	return out
}

// taskDefsUsedBy loads the registered task definitions that validation consults (HTTP tasks'
// input templates).
func (s *Service) taskDefsUsedBy(ctx context.Context, defs ...*conductor.WorkflowDef) (map[string]*conductor.TaskDef, error) {
	found := map[string]*conductor.TaskDef{}
	var visit func(tasks []conductor.WorkflowTask) error
	visit = func(tasks []conductor.WorkflowTask) error {
		for i := range tasks {
			t := &tasks[i]
			if t.Type == conductor.TaskTypeHTTP && t.InputParameters["uri"] == nil && t.InputParameters["http_request"] == nil {
				if _, seen := found[t.Name]; !seen {
					td, err := s.store.TaskDefGet(ctx, t.Name)
					if err != nil && !errors.Is(err, conductor.ErrNotFound) {
						return err
					}
					found[t.Name] = td
				}
			}
			for _, list := range t.Children() {
				if err := visit(list); err != nil {
					return err
				}
			}
		}
		return nil
	}
	for _, def := range defs {
		if err := visit(def.Tasks); err != nil {
			return nil, err
		}
	}
	return found, nil
}

// WorkflowDef returns the definition name at version, or its latest version when version is nil.
func (s *Service) WorkflowDef(ctx context.Context, name string, version *int) (*conductor.WorkflowDef, error) {
	def, err := s.store.WorkflowDefGet(ctx, name, version)
	if errors.Is(err, conductor.ErrNotFound) {
		v := "null"
		if version != nil {
			v = fmt.Sprint(*version)
		}
		return nil, conductor.NotFoundf("No such workflow found by name: %s, version: %s", name, v)
	}
	return def, err
}

// WorkflowDefs returns every version of every definition.
func (s *Service) WorkflowDefs(ctx context.Context) ([]*conductor.WorkflowDef, error) {
	return s.store.WorkflowDefList(ctx)
}

// LatestWorkflowDefs returns the latest version of each definition.
func (s *Service) LatestWorkflowDefs(ctx context.Context) ([]*conductor.WorkflowDef, error) {
	return s.store.WorkflowDefListLatest(ctx)
}

// WorkflowDefVersions returns a summary of every version of the definition name.
func (s *Service) WorkflowDefVersions(ctx context.Context, name string) ([]conductor.WorkflowDefSummary, error) {
	all, err := s.WorkflowNamesAndVersions(ctx)
	if err != nil {
		return nil, err
	}
	versions, ok := all[name]
	if !ok {
		return nil, conductor.NotFoundf("No such workflow found by name: %s, version: null", name)
	}
	return versions, nil
}

// WorkflowNames returns the name of every registered definition, sorted.
func (s *Service) WorkflowNames(ctx context.Context) ([]string, error) {
	all, err := s.WorkflowNamesAndVersions(ctx)
	if err != nil {
		return nil, err
	}
	return slices.Sorted(maps.Keys(all)), nil
}

// WorkflowNamesAndVersions groups version summaries by definition name.
func (s *Service) WorkflowNamesAndVersions(ctx context.Context) (map[string][]conductor.WorkflowDefSummary, error) {
	summaries, err := s.store.WorkflowDefSummaries(ctx)
	if err != nil {
		return nil, err
	}
	byName := map[string][]conductor.WorkflowDefSummary{}
	for _, sum := range summaries {
		byName[sum.Name] = append(byName[sum.Name], sum)
	}
	return byName, nil
}

// DeleteWorkflowDef removes one version of a definition. Running executions keep their snapshot.
func (s *Service) DeleteWorkflowDef(ctx context.Context, name string, version int) error {
	defer s.snapshots.invalidate()
	err := s.store.WorkflowDefDelete(ctx, name, version)
	if errors.Is(err, conductor.ErrNotFound) {
		return conductor.NotFoundf("No such workflow definition: %s version: %d", name, version)
	}
	return err
}
