package api

import (
	"net/http"

	"github.com/tidwall/gjson"

	"github.com/podiumhq/podium/internal/conductor"
)

// testWorkflow answers POST /api/workflow/test: the workflow run with the request's mocked task
// results, nothing of it stored (see engine.TestWorkflow). It needs what starting the workflow
// needs.
func (s *server) testWorkflow(w http.ResponseWriter, r *http.Request) {
	body, err := readBody(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if def := gjson.GetBytes(body, "workflowDef"); def.IsObject() {
		if err := s.metadata.CheckDefinitionJSON([]byte(def.Raw)); err != nil {
			s.writeError(w, r, err)
			return
		}
	}
	req := new(conductor.WorkflowTestRequest)
	if err := decodeBody(body, req); err != nil {
		s.writeError(w, r, err)
		return
	}
	if in := gjson.GetBytes(body, "input"); in.Exists() && in.Type == gjson.Null {
		req.InputIsNull = true
	}
	if err := setCreatedBy(r, &req.StartWorkflowRequest); err != nil {
		s.writeError(w, r, err)
		return
	}
	wf, err := s.engine.TestWorkflow(r.Context(), req)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, wf)
}
