package api

import (
	"net/http"

	"github.com/tidwall/gjson"

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

// setCreatedBy records the authenticated principal as the start's creator (a client's own
// createdBy stands with authentication off).
func setCreatedBy(r *http.Request, req *conductor.StartWorkflowRequest) {
	if p := principal(r); p != "" {
		req.CreatedBy = p
	}
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
		if err := s.engine.CheckDefinitionJSON([]byte(def.Raw)); err != nil {
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
	setCreatedBy(r, req)
	id, err := s.engine.StartWorkflow(r.Context(), req)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeText(w, id)
}

func (s *server) getWorkflow(w http.ResponseWriter, r *http.Request) {
	includeTasks, err := queryBool(r, "includeTasks", true)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	wf, err := s.engine.Workflow(r.Context(), pathParam(r, "workflowId"), includeTasks)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, wf)
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

func (s *server) terminateWorkflow(w http.ResponseWriter, r *http.Request) {
	s.writeEmpty(w, r, s.engine.Terminate(r.Context(), pathParam(r, "workflowId"), r.URL.Query().Get("reason")))
}

func (s *server) removeWorkflow(w http.ResponseWriter, r *http.Request) {
	s.writeEmpty(w, r, s.engine.RemoveWorkflow(r.Context(), pathParam(r, "workflowId")))
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
