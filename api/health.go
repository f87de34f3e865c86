package api

import (
	"context"
	"net/http"
	"time"
)

// healthResult is one check in Conductor's health body.
type healthResult struct {
	Name    string         `json:"name"`
	Healthy bool           `json:"healthy"`
	Details map[string]any `json:"details,omitempty"`
}

// healthResponse is the Netflix runtime-health body Conductor clients expect.
type healthResponse struct {
	HealthResults           []healthResult `json:"healthResults"`
	SuppressedHealthResults []healthResult `json:"suppressedHealthResults"`
	Healthy                 bool           `json:"healthy"`
}

// health reports database reachability: 200 when healthy, 503 when not.
func (s *server) health(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	db := healthResult{Name: "database", Healthy: true}
	if err := s.engine.Ping(ctx); err != nil {
		db.Healthy = false
		db.Details = map[string]any{"error": "database unreachable"}
		s.logger.WarnContext(r.Context(), "api: health check failed", "error", err)
	}
	resp := healthResponse{HealthResults: []healthResult{db}, SuppressedHealthResults: []healthResult{}, Healthy: db.Healthy}
	status := http.StatusOK
	if !resp.Healthy {
		status = http.StatusServiceUnavailable
	}
	writeJSON(w, status, resp)
}

// version answers the server version as text.
func (s *server) version(w http.ResponseWriter, _ *http.Request) {
	writeText(w, s.serverVersion)
}
