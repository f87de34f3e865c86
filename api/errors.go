package api

import (
	"context"
	"errors"
	"log/slog"
	"net/http"

	"github.com/podiumhq/podium/internal/conductor"
)

// ErrorResponse is Conductor's error body.
type ErrorResponse struct {
	Status int `json:"status"`
	// Error is the code of an authentication failure (INVALID_TOKEN, EXPIRED_TOKEN), which the
	// SDKs answer by fetching a new token.
	Error            string                 `json:"error,omitempty"`
	Message          string                 `json:"message"`
	Instance         string                 `json:"instance,omitempty"`
	Retryable        bool                   `json:"retryable"`
	ValidationErrors []conductor.FieldError `json:"validationErrors,omitempty"`
}

// statusClientClosedRequest is the de-facto status (from nginx) of a request whose client left.
const statusClientClosedRequest = 499

// retryAfterSeconds is the Retry-After of a 503: how long a client should wait before
// retrying a request the server was too busy to take.
const retryAfterSeconds = "1"

// errMethodNotAllowed answers a known path requested with a verb it does not serve.
var errMethodNotAllowed = errors.New("method not allowed")

// writeError answers err with its status and Conductor's error body. Errors of no known kind
// are internal: their text is logged with the request ID, never sent.
func (s *server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	resp := ErrorResponse{Instance: s.instance}
	var validation conductor.ValidationErrors
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &validation):
		resp.Status, resp.Message, resp.ValidationErrors = http.StatusBadRequest, conductor.ValidationMessage, validation
		resp.Instance = ""
	case errors.As(err, &tooLarge):
		resp.Status = http.StatusRequestEntityTooLarge
		resp.Message = "Request body is larger than the limit of " + formatInt(tooLarge.Limit) + " bytes"
	case errors.Is(err, conductor.ErrInvalid):
		resp.Status, resp.Message = http.StatusBadRequest, err.Error()
	case errors.Is(err, conductor.ErrNotFound):
		resp.Status, resp.Message = http.StatusNotFound, err.Error()
	case errors.Is(err, conductor.ErrConflict):
		resp.Status, resp.Message = http.StatusConflict, err.Error()
	case errors.Is(err, conductor.ErrForbidden):
		resp.Status, resp.Message = http.StatusForbidden, err.Error()
	case errors.Is(err, errMethodNotAllowed):
		resp.Status, resp.Message = http.StatusMethodNotAllowed, "Method "+r.Method+" is not allowed on "+r.URL.Path
	case errors.Is(err, conductor.ErrBusy):
		// Overload, not failure: nothing was written and the same request may succeed soon.
		resp.Status, resp.Retryable = http.StatusServiceUnavailable, true
		resp.Message = "Server is busy (no database connection free); retry later"
		w.Header().Set("Retry-After", retryAfterSeconds)
		s.logger.WarnContext(r.Context(), "api: request refused, server busy",
			slog.String("request_id", requestID(r.Context())), slog.String("method", r.Method),
			slog.String("path", r.URL.Path), slog.Any("error", err))
	case r.Context().Err() != nil && errors.Is(err, context.Canceled):
		// The client went away; nobody reads the answer and nothing failed on our side.
		resp.Status, resp.Message = statusClientClosedRequest, "Client closed the request"
	default:
		resp.Status = http.StatusInternalServerError
		resp.Message = "Internal server error (request " + requestID(r.Context()) + ")"
		resp.Retryable = true
		s.logger.ErrorContext(r.Context(), "api: request failed",
			slog.String("request_id", requestID(r.Context())), slog.String("method", r.Method),
			slog.String("path", r.URL.Path), slog.Any("error", err))
	}
	writeJSON(w, resp.Status, resp)
}

func notFoundRoute(r *http.Request) error {
	return conductor.NotFoundf("No route for %s %s", r.Method, r.URL.Path)
}

func isConflict(err error) bool { return errors.Is(err, conductor.ErrConflict) }
