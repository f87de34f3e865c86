package engine

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
func (e *Engine) CreateWorkflowDef(ctx context.Context, def *conductor.WorkflowDef, overwrite bool) error {
	defer e.snapshots.invalidate()
	if err := e.ValidateWorkflowDef(ctx, def); err != nil {
		return err
	}
	if overwrite {
		return e.store.WorkflowDefUpsert(ctx, def, e.now())
	}
	err := e.store.WorkflowDefInsert(ctx, def, e.now())
	if errors.Is(err, conductor.ErrConflict) {
		return conductor.Conflictf("Workflow with %s.%d already exists!", def.Name, def.Version)
	}
	return err
}

// UpsertWorkflowDefs creates or replaces every definition. If any definition is invalid the
// whole request fails and nothing is stored; storage failures are reported per definition.
func (e *Engine) UpsertWorkflowDefs(ctx context.Context, defs []*conductor.WorkflowDef) (*conductor.BulkResponse, error) {
	defer e.snapshots.invalidate()
	var errs conductor.ValidationErrors
	for i, def := range defs {
		if err := e.checkDefinitionLimits(ctx, def); err != nil {
			return nil, prefixValidation(err, fmt.Sprintf("[%d].", i))
		}
	}
	taskDefs, err := e.taskDefsUsedBy(ctx, defs...)
	if err != nil {
		return nil, err
	}
	for i, def := range defs {
		verrs, err := validateWorkflowDef(ctx, def, taskDefs, e.systasks)
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
	now := e.now()
	for _, def := range defs {
		if err := e.store.WorkflowDefUpsert(ctx, def, now); err != nil {
			resp.BulkErrorResults[def.Name] = "failed to store the workflow definition"
			if errors.Is(err, conductor.ErrInvalid) {
				resp.BulkErrorResults[def.Name] = err.Error()
			} else {
				e.logger.ErrorContext(ctx, "metadata: storing workflow definition failed", "workflow_name", def.Name, "error", err)
			}
			continue
		}
		resp.BulkSuccessfulResults = append(resp.BulkSuccessfulResults, def.Name)
	}
	return resp, nil
}

// ValidateWorkflowDef checks def against the registration rules without storing it.
// Definitions over the limits (DefinitionLimits) are refused before anything else is checked.
func (e *Engine) ValidateWorkflowDef(ctx context.Context, def *conductor.WorkflowDef) error {
	if err := e.checkDefinitionLimits(ctx, def); err != nil {
		return err
	}
	taskDefs, err := e.taskDefsUsedBy(ctx, def)
	if err != nil {
		return err
	}
	errs, err := validateWorkflowDef(ctx, def, taskDefs, e.systasks)
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
func (e *Engine) taskDefsUsedBy(ctx context.Context, defs ...*conductor.WorkflowDef) (map[string]*conductor.TaskDef, error) {
	found := map[string]*conductor.TaskDef{}
	var visit func(tasks []conductor.WorkflowTask) error
	visit = func(tasks []conductor.WorkflowTask) error {
		for i := range tasks {
			t := &tasks[i]
			if t.Type == conductor.TaskTypeHTTP && t.InputParameters["uri"] == nil && t.InputParameters["http_request"] == nil {
				if _, seen := found[t.Name]; !seen {
					td, err := e.store.TaskDefGet(ctx, t.Name)
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
func (e *Engine) WorkflowDef(ctx context.Context, name string, version *int) (*conductor.WorkflowDef, error) {
	def, err := e.store.WorkflowDefGet(ctx, name, version)
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
func (e *Engine) WorkflowDefs(ctx context.Context) ([]*conductor.WorkflowDef, error) {
	return e.store.WorkflowDefList(ctx)
}

// LatestWorkflowDefs returns the latest version of each definition.
func (e *Engine) LatestWorkflowDefs(ctx context.Context) ([]*conductor.WorkflowDef, error) {
	return e.store.WorkflowDefListLatest(ctx)
}

// WorkflowDefVersions returns a summary of every version of the definition name.
func (e *Engine) WorkflowDefVersions(ctx context.Context, name string) ([]conductor.WorkflowDefSummary, error) {
	all, err := e.WorkflowNamesAndVersions(ctx)
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
func (e *Engine) WorkflowNames(ctx context.Context) ([]string, error) {
	all, err := e.WorkflowNamesAndVersions(ctx)
	if err != nil {
		return nil, err
	}
	return slices.Sorted(maps.Keys(all)), nil
}

// WorkflowNamesAndVersions groups version summaries by definition name.
func (e *Engine) WorkflowNamesAndVersions(ctx context.Context) (map[string][]conductor.WorkflowDefSummary, error) {
	summaries, err := e.store.WorkflowDefSummaries(ctx)
	if err != nil {
		return nil, err
	}
	byName := map[string][]conductor.WorkflowDefSummary{}
	for _, s := range summaries {
		byName[s.Name] = append(byName[s.Name], s)
	}
	return byName, nil
}

// DeleteWorkflowDef removes one version of a definition. Running executions keep their snapshot.
func (e *Engine) DeleteWorkflowDef(ctx context.Context, name string, version int) error {
	defer e.snapshots.invalidate()
	err := e.store.WorkflowDefDelete(ctx, name, version)
	if errors.Is(err, conductor.ErrNotFound) {
		return conductor.NotFoundf("No such workflow definition: %s version: %d", name, version)
	}
	return err
}

// CreateTaskDefs validates every definition and then creates or replaces them all at once.
// A name given twice keeps the last one.
func (e *Engine) CreateTaskDefs(ctx context.Context, defs []*conductor.TaskDef) error {
	defer e.snapshots.invalidate()
	defer e.limits.invalidate()
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
	return e.store.TaskDefUpsertMany(ctx, unique, e.now())
}

// UpdateTaskDef replaces an existing task definition.
func (e *Engine) UpdateTaskDef(ctx context.Context, def *conductor.TaskDef) error {
	defer e.snapshots.invalidate()
	defer e.limits.invalidate()
	if err := validateTaskDef(def, "").Err(); err != nil {
		return err
	}
	err := e.store.TaskDefUpdate(ctx, def, e.now())
	if errors.Is(err, conductor.ErrNotFound) {
		return conductor.NotFoundf("No such taskType found by name: %s", def.Name)
	}
	return err
}

// TaskDef returns the task definition name.
func (e *Engine) TaskDef(ctx context.Context, name string) (*conductor.TaskDef, error) {
	def, err := e.store.TaskDefGet(ctx, name)
	if errors.Is(err, conductor.ErrNotFound) {
		return nil, conductor.NotFoundf("No such taskType found by name: %s", name)
	}
	return def, err
}

// TaskDefs returns every task definition.
func (e *Engine) TaskDefs(ctx context.Context) ([]*conductor.TaskDef, error) {
	return e.store.TaskDefList(ctx)
}

// DeleteTaskDef removes a task definition.
func (e *Engine) DeleteTaskDef(ctx context.Context, name string) error {
	defer e.snapshots.invalidate()
	defer e.limits.invalidate()
	err := e.store.TaskDefDelete(ctx, name)
	if errors.Is(err, conductor.ErrNotFound) {
		return conductor.NotFoundf("No such taskType found by name: %s", name)
	}
	return err
}
