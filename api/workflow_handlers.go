package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/tidwall/gjson"

	"github.com/podiumhq/podium/internal/access"
	"github.com/podiumhq/podium/internal/auth"
	"github.com/podiumhq/podium/internal/conductor"
)

// startWorkflow answers POST /api/workflow with the new workflow id as text.
func (s *server) startWorkflow(w http.ResponseWriter, r *http.Request) {
	req, err := s.decodeStartRequest(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.start(w, r, req)
}

// setCreatedBy records the authenticated principal as the start's creator and as the
// principal the workflow runs as (a client's own createdBy stands with authentication off,
// when the workflow runs unrestricted).
//
// It also checks that the principal may start the workflow: a role that starts workflows, or
// EXECUTE on the named definition (an inline definition needs the role: it could be anything).
func setCreatedBy(r *http.Request, req *conductor.StartWorkflowRequest) error {
	req.RunAs = ""
	p := principalOf(r.Context())
	if p == nil {
		return nil
	}
	if !p.Can(auth.WorkflowExecute) && (req.WorkflowDef != nil || !access.MayStart(p, req.Name)) {
		return conductor.Forbiddenf("Access denied: %s has no EXECUTE access to workflow %s", p.Name, req.Name)
	}
	req.CreatedBy, req.RunAs = p.ID, p.ID
	return nil
}

// decodeStartRequest reads a StartWorkflowRequest body, noting an explicit "input": null.
// An inline workflowDef nested far deeper than the depth limit allows is refused undecoded.
func (s *server) decodeStartRequest(r *http.Request) (*conductor.StartWorkflowRequest, error) {
	req := new(conductor.StartWorkflowRequest)
	body, err := readBody(r)
	if err != nil {
		return nil, err
	}
	if def := gjson.GetBytes(body, "workflowDef"); def.IsObject() {
		if err := s.metadata.CheckDefinitionJSON([]byte(def.Raw)); err != nil {
			return nil, err
		}
	}
	if err := decodeBody(body, req); err != nil {
		return nil, err
	}
	if in := gjson.GetBytes(body, "input"); in.Exists() && in.Type == gjson.Null {
		req.InputIsNull = true
	}
	return req, nil
}

// startWorkflowByName answers POST /api/workflow/{name}: the body is the input map.
func (s *server) startWorkflowByName(w http.ResponseWriter, r *http.Request) {
	version, err := queryOptionalInt(r, "version")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	priority, err := queryOptionalInt(r, "priority")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	req := &conductor.StartWorkflowRequest{
		Name: pathParam(r, "name"), Version: version, CorrelationID: r.URL.Query().Get("correlationId"),
	}
	if priority != nil {
		req.Priority = *priority
	}
	body, err := decodeJSONBody(r, &req.Input)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	req.InputIsNull = gjson.ParseBytes(body).Type == gjson.Null
	s.start(w, r, req)
}

func (s *server) start(w http.ResponseWriter, r *http.Request, req *conductor.StartWorkflowRequest) {
	if err := setCreatedBy(r, req); err != nil {
		s.writeError(w, r, err)
		return
	}
	id, err := s.engine.StartWorkflow(r.Context(), req)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeText(w, id)
}

// getWorkflow answers GET /api/workflow/{workflowId}. With its tasks (the default), the body is
// streamed: the workflow first, then each task as it is read, so an execution of any size costs
// the server one task's memory.
func (s *server) getWorkflow(w http.ResponseWriter, r *http.Request) {
	includeTasks, err := queryBool(r, "includeTasks", true)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if !includeTasks {
		wf, err := s.engine.Workflow(r.Context(), pathParam(r, "workflowId"), false)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, wf)
		return
	}
	ws := &workflowStreamer{w: w}
	err = s.engine.StreamWorkflow(r.Context(), pathParam(r, "workflowId"), ws.head, ws.task)
	if err == nil {
		err = ws.finish()
	}
	switch {
	case err == nil:
	case !ws.started:
		s.writeError(w, r, err)
	default:
		// Half a body is out: the status cannot change. Cut the connection, so the client
		// sees a broken response rather than a JSON document that ends early.
		if r.Context().Err() == nil {
			s.logger.ErrorContext(r.Context(), "api: streaming workflow failed",
				slog.String("request_id", requestID(r.Context())), slog.Any("error", err))
		}
		panic(http.ErrAbortHandler)
	}
}

// workflowStreamer writes a workflow's JSON with its tasks streamed into the "tasks" array: the
// bytes are those json.Marshal writes for the whole workflow.
type workflowStreamer struct {
	w       http.ResponseWriter
	started bool
	tasks   int
	rest    []byte // the workflow's JSON after the tasks array's "["
}

// head writes the workflow up to the opening of its tasks array.
func (ws *workflowStreamer) head(wf *conductor.Workflow) error {
	wf.Tasks = []*conductor.Task{}
	data, err := json.Marshal(wf)
	if err != nil {
		return fmt.Errorf("error encoding workflow: %w", err)
	}
	// The top-level "tasks" key only: gjson does not descend for a plain key.
	at := gjson.GetBytes(data, "tasks").Index
	if at <= 0 || !bytes.HasPrefix(data[at:], []byte("[]")) {
		return errors.New("error encoding workflow: no tasks array")
	}
	ws.rest = data[at+1:]
	ws.w.Header().Set("Content-Type", "application/json")
	ws.w.WriteHeader(http.StatusOK)
	ws.started = true
	_, err = ws.w.Write(data[:at+1])
	return err
}

// task writes one task of the array.
func (ws *workflowStreamer) task(t *conductor.Task) error {
	data, err := json.Marshal(t)
	if err != nil {
		return fmt.Errorf("error encoding task: %w", err)
	}
	if ws.tasks > 0 {
		if _, err := ws.w.Write([]byte{','}); err != nil {
			return err
		}
	}
	ws.tasks++
	_, err = ws.w.Write(data)
	return err
}

// finish closes the array and writes the rest of the workflow.
func (ws *workflowStreamer) finish() error {
	_, err := ws.w.Write(ws.rest)
	return err
}

// workflowStatus is the body of GET /api/workflow/{id}/status.
type workflowStatus struct {
	WorkflowID    string                   `json:"workflowId"`
	CorrelationID string                   `json:"correlationId,omitempty"`
	Output        any                      `json:"output,omitempty"`
	Variables     any                      `json:"variables,omitempty"`
	Status        conductor.WorkflowStatus `json:"status"`
}

func (s *server) getWorkflowStatus(w http.ResponseWriter, r *http.Request) {
	includeOutput, err := queryBool(r, "includeOutput", false)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	includeVariables, err := queryBool(r, "includeVariables", false)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	wf, err := s.engine.Workflow(r.Context(), pathParam(r, "workflowId"), false)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	resp := workflowStatus{WorkflowID: wf.WorkflowID, CorrelationID: wf.CorrelationID, Status: wf.Status}
	if includeOutput {
		resp.Output = wf.Output // never nil: Normalize fills it
	}
	if includeVariables {
		resp.Variables = wf.Variables
	}
	writeJSON(w, http.StatusOK, resp)
}

// terminateWorkflow answers DELETE /api/workflow/{id}?reason=&triggerFailureWorkflow=false.
func (s *server) terminateWorkflow(w http.ResponseWriter, r *http.Request) {
	terminate, err := s.terminator(r)
	if err == nil {
		err = terminate(r.Context(), pathParam(r, "workflowId"), r.URL.Query().Get("reason"))
	}
	s.writeEmpty(w, r, err)
}

// terminator is the engine's terminate operation ?triggerFailureWorkflow (default false) asks for.
func (s *server) terminator(r *http.Request) (func(ctx context.Context, id, reason string) error, error) {
	trigger, err := queryBool(r, "triggerFailureWorkflow", false)
	if trigger {
		return s.engine.TerminateTriggeringFailure, err
	}
	return s.engine.Terminate, err
}

// removeWorkflow answers DELETE /api/workflow/{id}/remove?archiveWorkflow=true.
func (s *server) removeWorkflow(w http.ResponseWriter, r *http.Request) {
	archive, err := queryBool(r, "archiveWorkflow", true)
	if err == nil {
		err = s.engine.RemoveWorkflow(r.Context(), pathParam(r, "workflowId"), archive)
	}
	s.writeEmpty(w, r, err)
}

func (s *server) pauseWorkflow(w http.ResponseWriter, r *http.Request) {
	s.writeEmpty(w, r, s.engine.Pause(r.Context(), pathParam(r, "workflowId")))
}

func (s *server) resumeWorkflow(w http.ResponseWriter, r *http.Request) {
	s.writeEmpty(w, r, s.engine.Resume(r.Context(), pathParam(r, "workflowId")))
}

func (s *server) decideWorkflow(w http.ResponseWriter, r *http.Request) {
	s.writeEmpty(w, r, s.engine.Decide(r.Context(), pathParam(r, "workflowId")))
}

// writeEmpty answers 200 with no body, or the error.
func (s *server) writeEmpty(w http.ResponseWriter, r *http.Request, err error) {
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusOK)
}
