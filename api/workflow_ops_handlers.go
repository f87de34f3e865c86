package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/podiumhq/podium/engine"
	"github.com/podiumhq/podium/internal/conductor"
	"github.com/podiumhq/podium/internal/search"
)

func (s *server) restartWorkflow(w http.ResponseWriter, r *http.Request) {
	latest, err := queryBool(r, "useLatestDefinitions", false)
	if err == nil {
		err = s.engine.Restart(r.Context(), pathParam(r, "workflowId"), latest)
	}
	s.writeNoContent(w, r, err)
}

func (s *server) retryWorkflow(w http.ResponseWriter, r *http.Request) {
	resume, err := queryBool(r, "resumeSubworkflowTasks", false)
	if err == nil {
		err = s.engine.Retry(r.Context(), pathParam(r, "workflowId"), resume)
	}
	s.writeNoContent(w, r, err)
}

// rerunWorkflow answers POST /api/workflow/{id}/rerun with the (same) workflow id as text.
func (s *server) rerunWorkflow(w http.ResponseWriter, r *http.Request) {
	req := new(conductor.RerunRequest)
	if err := decodeJSON(r, req); err != nil {
		s.writeError(w, r, err)
		return
	}
	id := pathParam(r, "workflowId")
	if err := s.engine.Rerun(r.Context(), id, req); err != nil {
		s.writeError(w, r, err)
		return
	}
	writeText(w, id)
}

// skipTask answers PUT /api/workflow/{id}/skiptask/{ref}. The optional SkipTaskRequest comes
// as a JSON body (SDKs) or as taskInput/taskOutput query parameters holding JSON (Spring).
func (s *server) skipTask(w http.ResponseWriter, r *http.Request) {
	req := new(conductor.SkipTaskRequest)
	body, err := io.ReadAll(r.Body)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if len(bytes.TrimSpace(body)) > 0 {
		if err := decodeBytes(body, req); err != nil {
			s.writeError(w, r, jsonError(err))
			return
		}
	}
	for name, dst := range map[string]*map[string]any{"taskInput": &req.TaskInput, "taskOutput": &req.TaskOutput} {
		if raw := r.URL.Query().Get(name); raw != "" {
			if err := json.Unmarshal([]byte(raw), dst); err != nil {
				s.writeError(w, r, conductor.Invalidf("Query parameter %s must be a JSON object", name))
				return
			}
		}
	}
	s.writeEmpty(w, r, s.engine.SkipTask(r.Context(), pathParam(r, "workflowId"), pathParam(r, "taskReferenceName"), req))
}

func (s *server) resetCallbacks(w http.ResponseWriter, r *http.Request) {
	s.writeNoContent(w, r, s.engine.ResetCallbacks(r.Context(), pathParam(r, "workflowId")))
}

// runningWorkflows answers GET /api/workflow/running/{name}: ids of RUNNING executions of
// ?version (default 1, as in Conductor), optionally within ?startTime and ?endTime (ms).
func (s *server) runningWorkflows(w http.ResponseWriter, r *http.Request) {
	version, err := queryInt(r, "version", 1)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var start, end time.Time
	startMs, err1 := queryMillis(r, "startTime")
	endMs, err2 := queryMillis(r, "endTime")
	if err1 != nil || err2 != nil {
		s.writeError(w, r, conductor.Invalidf("startTime and endTime must be epoch milliseconds"))
		return
	}
	if startMs > 0 && endMs > 0 {
		start, end = time.UnixMilli(startMs), time.UnixMilli(endMs)
	}
	ids, err := s.engine.RunningWorkflows(r.Context(), pathParam(r, "name"), version, start, end)
	s.writeList(w, r, ids, err)
}

func correlatedFlags(r *http.Request) (includeClosed, includeTasks bool, err error) {
	if includeClosed, err = queryBool(r, "includeClosed", false); err != nil {
		return
	}
	includeTasks, err = queryBool(r, "includeTasks", false)
	return
}

func (s *server) correlatedWorkflows(w http.ResponseWriter, r *http.Request) {
	closed, tasks, err := correlatedFlags(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	wfs, err := s.engine.CorrelatedWorkflows(r.Context(), pathParam(r, "name"), pathParam(r, "correlationId"), closed, tasks)
	s.writeList(w, r, wfs, err)
}

// correlatedWorkflowsBatch answers POST /api/workflow/{name}/correlated: {correlationId: [Workflow]}.
func (s *server) correlatedWorkflowsBatch(w http.ResponseWriter, r *http.Request) {
	var ids []string
	if err := decodeJSON(r, &ids); err != nil {
		s.writeError(w, r, err)
		return
	}
	s.correlated(w, r, []string{pathParam(r, "name")}, ids)
}

// correlationSearch is the body of POST /api/workflow/correlated/batch (Orkes): the
// workflows of any of the names with any of the correlation ids.
type correlationSearch struct {
	CorrelationIDs []string `json:"correlationIds"`
	WorkflowNames  []string `json:"workflowNames"`
}

// correlatedBatch answers POST /api/workflow/correlated/batch: {correlationId: [Workflow]},
// every correlation id of the request a key, the workflows of all the names together, newest
// first per name. At least one name is required; at most maxCorrelatedLookups pairs.
func (s *server) correlatedBatch(w http.ResponseWriter, r *http.Request) {
	var req correlationSearch
	if err := decodeJSON(r, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	if len(req.WorkflowNames) == 0 {
		s.writeError(w, r, conductor.Invalidf("workflowNames must name at least one workflow"))
		return
	}
	if len(req.CorrelationIDs)*len(req.WorkflowNames) > maxCorrelatedLookups {
		s.writeError(w, r, conductor.Invalidf("Cannot look up more than %d correlation id and workflow name pairs at once",
			maxCorrelatedLookups))
		return
	}
	s.correlated(w, r, req.WorkflowNames, req.CorrelationIDs)
}

// maxCorrelatedLookups caps the (workflow name, correlation id) pairs one batch looks up.
const maxCorrelatedLookups = 1000

// correlated answers the workflows of names with each of ids, keyed by correlation id (an id
// nothing matches keeps an empty list), honouring ?includeClosed and ?includeTasks.
func (s *server) correlated(w http.ResponseWriter, r *http.Request, names, ids []string) {
	closed, tasks, err := correlatedFlags(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	out := make(map[string][]*conductor.Workflow, len(ids))
	for _, id := range ids {
		if _, done := out[id]; done {
			continue
		}
		found := []*conductor.Workflow{}
		for _, name := range names {
			wfs, err := s.engine.CorrelatedWorkflows(r.Context(), name, id, closed, tasks)
			if err != nil {
				s.writeError(w, r, err)
				return
			}
			found = append(found, wfs...)
		}
		out[id] = found
	}
	writeJSON(w, http.StatusOK, out)
}

func searchRequest(r *http.Request) (search.Request, error) {
	start, err := queryInt(r, "start", 0)
	if err != nil {
		return search.Request{}, err
	}
	size, err := queryInt(r, "size", 100)
	if err != nil {
		return search.Request{}, err
	}
	q := r.URL.Query()
	return search.Request{Start: start, Size: size, Sort: strings.Join(q["sort"], "|"),
		FreeText: q.Get("freeText"), Query: q.Get("query"), Cursor: q.Get("cursor")}, nil
}

// searchWorkflows answers GET /api/workflow/search with WorkflowSummary rows.
func (s *server) searchWorkflows(w http.ResponseWriter, r *http.Request) {
	s.search(w, r, func(ctx context.Context, req search.Request) (any, error) {
		return s.searches.WorkflowSummaries(ctx, req)
	})
}

// searchWorkflowsV2 answers GET /api/workflow/search-v2 with whole workflows.
func (s *server) searchWorkflowsV2(w http.ResponseWriter, r *http.Request) {
	s.search(w, r, func(ctx context.Context, req search.Request) (any, error) {
		return s.searches.Workflows(ctx, req)
	})
}

// searchWorkflowsByTasks answers GET /api/workflow/search-by-tasks with WorkflowSummary rows
// of the workflows that have a task matching the query.
func (s *server) searchWorkflowsByTasks(w http.ResponseWriter, r *http.Request) {
	s.search(w, r, func(ctx context.Context, req search.Request) (any, error) {
		return s.searches.WorkflowSummariesByTasks(ctx, req)
	})
}

// searchWorkflowsByTasksV2 answers GET /api/workflow/search-by-tasks-v2 with whole workflows.
func (s *server) searchWorkflowsByTasksV2(w http.ResponseWriter, r *http.Request) {
	s.search(w, r, func(ctx context.Context, req search.Request) (any, error) {
		return s.searches.WorkflowsByTasks(ctx, req)
	})
}

// searchTasks answers GET /api/tasks/search with TaskSummary rows.
func (s *server) searchTasks(w http.ResponseWriter, r *http.Request) {
	s.search(w, r, func(ctx context.Context, req search.Request) (any, error) {
		return s.searches.TaskSummaries(ctx, req)
	})
}

// searchTasksV2 answers GET /api/tasks/search-v2 with whole task attempts.
func (s *server) searchTasksV2(w http.ResponseWriter, r *http.Request) {
	s.search(w, r, func(ctx context.Context, req search.Request) (any, error) {
		return s.searches.Tasks(ctx, req)
	})
}

func (s *server) search(w http.ResponseWriter, r *http.Request, run func(context.Context, search.Request) (any, error)) {
	req, err := searchRequest(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	res, err := run(r.Context(), req)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, res)
}

// workflowTasks answers GET /api/workflow/{id}/tasks: a page of its tasks, optionally by status.
func (s *server) workflowTasks(w http.ResponseWriter, r *http.Request) {
	start, err := queryInt(r, "start", 0)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	count, err := queryInt(r, "count", 15)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	wf, err := s.engine.Workflow(r.Context(), pathParam(r, "workflowId"), true)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	statuses := map[string]bool{}
	for _, v := range r.URL.Query()["status"] {
		for _, st := range strings.Split(v, ",") {
			statuses[strings.TrimSpace(st)] = true
		}
	}
	var matched []*conductor.Task
	for _, t := range wf.Tasks {
		if len(statuses) == 0 || statuses[string(t.Status)] {
			matched = append(matched, t)
		}
	}
	page := []*conductor.Task{}
	if start >= 0 && start < len(matched) && count > 0 {
		page = matched[start:min(len(matched), start+count)]
	}
	writeJSON(w, http.StatusOK, conductor.SearchResult[*conductor.Task]{TotalHits: int64(len(matched)), Results: page})
}

// executeWorkflow answers POST /api/workflow/execute/{name}/{version}: start, wait up to
// ?waitForSeconds (default 10) for the end (or ?waitUntilTaskRef), answer the workflow.
func (s *server) executeWorkflow(w http.ResponseWriter, r *http.Request) {
	version, err := parseInt("version", pathParam(r, "version"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	wait, err := queryInt(r, "waitForSeconds", 10)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if limit := int(s.executeMaxWait / time.Second); wait > limit {
		s.writeError(w, r, conductor.Invalidf("waitForSeconds must be at most %d", limit))
		return
	}
	req, err := s.decodeStartRequest(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	req.Name = pathParam(r, "name")
	if err := setCreatedBy(r, req); err != nil {
		s.writeError(w, r, err)
		return
	}
	req.Version = nil
	if version > 0 {
		req.Version = &version
	}
	var refs []string
	if v := r.URL.Query().Get("waitUntilTaskRef"); v != "" {
		refs = strings.Split(v, ",")
	}
	wf, err := s.engine.Execute(r.Context(), &engine.ExecuteRequest{
		Start: req, WaitUntilTaskRefs: refs, Wait: time.Duration(max(wait, 0)) * time.Second,
	})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, newSignalResponse(wf))
}

// newSignalResponse shapes a synchronous answer as Orkes' WorkflowRun: the execution and its
// tasks without the definition snapshot, plus where it stands.
func newSignalResponse(wf *conductor.Workflow) signalResponse {
	run := *wf
	run.WorkflowDefinition = nil
	return signalResponse{Workflow: &run, ResponseType: "TARGET_WORKFLOW",
		TargetWorkflowID: wf.WorkflowID, TargetWorkflowStatus: wf.Status}
}

// signalResponse is the synchronous execution answer: the workflow plus where it stands.
type signalResponse struct {
	*conductor.Workflow
	ResponseType         string                   `json:"responseType"`
	TargetWorkflowID     string                   `json:"targetWorkflowId"`
	TargetWorkflowStatus conductor.WorkflowStatus `json:"targetWorkflowStatus"`
}

// bulk runs one operation on a JSON list of workflow ids and answers a BulkResponse.
func (s *server) bulk(op func(r *http.Request) (func(ctx context.Context, id string) error, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		fn, err := op(r)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		var ids []string
		if err := decodeJSON(r, &ids); err != nil {
			s.writeError(w, r, err)
			return
		}
		resp, err := s.engine.Bulk(r.Context(), ids, fn)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, resp)
	}
}

func (s *server) bulkRoutes() map[string]http.HandlerFunc {
	e := s.engine
	plain := func(fn func(ctx context.Context, id string) error) http.HandlerFunc {
		return s.bulk(func(*http.Request) (func(context.Context, string) error, error) { return fn, nil })
	}
	return map[string]http.HandlerFunc{
		"pause":  plain(func(ctx context.Context, id string) error { return e.Pause(ctx, id) }),
		"resume": plain(func(ctx context.Context, id string) error { return e.Resume(ctx, id) }),
		"remove": s.bulk(func(r *http.Request) (func(context.Context, string) error, error) {
			archive, err := queryBool(r, "archiveWorkflow", true)
			return func(ctx context.Context, id string) error { return e.RemoveWorkflow(ctx, id, archive) }, err
		}),
		"retry": plain(func(ctx context.Context, id string) error { return e.Retry(ctx, id, false) }),
		"restart": s.bulk(func(r *http.Request) (func(context.Context, string) error, error) {
			latest, err := queryBool(r, "useLatestDefinitions", false)
			return func(ctx context.Context, id string) error { return e.Restart(ctx, id, latest) }, err
		}),
		"terminate": s.bulk(func(r *http.Request) (func(context.Context, string) error, error) {
			reason := r.URL.Query().Get("reason")
			terminate, err := s.terminator(r)
			return func(ctx context.Context, id string) error { return terminate(ctx, id, reason) }, err
		}),
		"terminate-remove": s.bulk(func(r *http.Request) (func(context.Context, string) error, error) {
			reason := r.URL.Query().Get("reason")
			archive, err := queryBool(r, "archiveWorkflow", true)
			return func(ctx context.Context, id string) error { return terminateRemove(ctx, e, id, reason, archive) }, err
		}),
	}
}

// terminateRemoveWorkflow answers DELETE /api/workflow/{id}/terminate-remove?reason=&archiveWorkflow=true.
func (s *server) terminateRemoveWorkflow(w http.ResponseWriter, r *http.Request) {
	archive, err := queryBool(r, "archiveWorkflow", true)
	if err == nil {
		err = terminateRemove(r.Context(), s.engine, pathParam(r, "workflowId"), r.URL.Query().Get("reason"), archive)
	}
	s.writeEmpty(w, r, err)
}

// terminateRemove terminates a workflow unless it already ended, then removes it (archived or
// deleted, see engine.Engine.RemoveWorkflow). An archived execution, not live to terminate, is
// removed all the same; one found nowhere is the remove's 404.
func terminateRemove(ctx context.Context, e executionService, id, reason string, archive bool) error {
	if err := e.Terminate(ctx, id, reason); err != nil && !isConflict(err) && !errors.Is(err, conductor.ErrNotFound) {
		return err
	}
	return e.RemoveWorkflow(ctx, id, archive)
}

// writeNoContent answers 204, or the error.
func (s *server) writeNoContent(w http.ResponseWriter, r *http.Request, err error) {
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
