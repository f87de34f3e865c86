package api

import (
	"context"
	"net/http"

	"github.com/podiumhq/podium/internal/retention"
)

// retentionService is what the retention routes need (internal/retention's Cleaner).
type retentionService interface {
	Policy(ctx context.Context) (*retention.Policy, error)
	SetOverride(ctx context.Context, name, keep, by string) (*retention.Override, error)
	DeleteOverride(ctx context.Context, name string) error
	Pass(ctx context.Context) (retention.Report, error)
}

// retentionRequest is the body of PUT /api/admin/retention/workflow/{name}.
type retentionRequest struct {
	// Retention is how long the name's ended executions are kept: 30d, 12h, 90s or "forever".
	Retention string `json:"retention"`
}

// getRetention answers GET /api/admin/retention: the default retention, the cleaner's
// interval and the override of each workflow name.
func (s *server) getRetention(w http.ResponseWriter, r *http.Request) {
	p, err := s.retention.Policy(r.Context())
	s.writeResult(w, r, p, err)
}

// putRetention answers PUT /api/admin/retention/workflow/{name}: the ended executions of the
// name are kept as long as the body says, in place of the default.
func (s *server) putRetention(w http.ResponseWriter, r *http.Request) {
	var req retentionRequest
	if err := decodeJSON(r, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	o, err := s.retention.SetOverride(r.Context(), pathParam(r, "name"), req.Retention, principal(r))
	s.writeResult(w, r, o, err)
}

// deleteRetention answers DELETE /api/admin/retention/workflow/{name}: the name goes back to
// the default retention.
func (s *server) deleteRetention(w http.ResponseWriter, r *http.Request) {
	if err := s.retention.DeleteOverride(r.Context(), pathParam(r, "name")); err != nil {
		s.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusOK)
}

// runRetention answers POST /api/admin/retention/run: one cleaning pass now, and what it did.
func (s *server) runRetention(w http.ResponseWriter, r *http.Request) {
	rep, err := s.retention.Pass(r.Context())
	s.writeResult(w, r, rep, err)
}
