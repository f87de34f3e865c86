package api

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/require"

	"github.com/podiumhq/podium/engine"
	"github.com/podiumhq/podium/store/storetest"
)

func TestPanicBecomes500WithoutLeakingInternals(t *testing.T) {
	t.Parallel()
	var logs bytes.Buffer
	s := &server{
		logger:  slog.New(slog.NewTextHandler(&logs, nil)),
		metrics: newMetrics(prometheus.NewRegistry()),
	}
	h := withRequestID(s.instrument(s.recoverer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {
		panic("db password is hunter2")
	}))))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/boom", nil))

	require.Equal(t, http.StatusInternalServerError, rec.Code)
	var body ErrorResponse
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &body))
	require.Equal(t, 500, body.Status)
	require.NotContains(t, rec.Body.String(), "hunter2", "the panic value stays out of the response")
	id := rec.Header().Get(requestIDHeader)
	require.NotEmpty(t, id)
	require.Contains(t, body.Message, id, "the message names the request ID to find the log line")
	require.Contains(t, logs.String(), "handler panicked")
	require.Contains(t, logs.String(), id)
}

func TestHealthReportsUnreachableDatabase(t *testing.T) {
	t.Parallel()
	st := storetest.NewStore(t)
	eng := engine.New(engine.Config{Store: st})
	router := NewRouter(Config{Engine: eng, Access: eng.Access(), Secrets: eng.Secrets(), Metadata: eng.Metadata(), AuthOff: true})
	rec := httptest.NewRecorder()
	router.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/health", nil))
	require.Equal(t, http.StatusOK, rec.Code)

	st.Close()
	rec = httptest.NewRecorder()
	router.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/api/health", nil))
	require.Equal(t, http.StatusServiceUnavailable, rec.Code)
	var body healthResponse
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &body))
	require.False(t, body.Healthy)
	require.Equal(t, "database", body.HealthResults[0].Name)
	require.False(t, body.HealthResults[0].Healthy)
}

func TestPathParamsAreUnescaped(t *testing.T) {
	t.Parallel()
	st := storetest.NewStore(t)
	eng := engine.New(engine.Config{Store: st})
	router := NewRouter(Config{Engine: eng, Access: eng.Access(), Secrets: eng.Secrets(), Metadata: eng.Metadata(), AuthOff: true})
	body := `{"name":"my flow/1","tasks":[{"name":"a","taskReferenceName":"a"}]}`
	rec := httptest.NewRecorder()
	router.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/api/metadata/workflow", bytes.NewBufferString(body)))
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())

	rec = httptest.NewRecorder()
	router.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/api/metadata/workflow/my%20flow%2F1", nil))
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	require.Contains(t, rec.Body.String(), `"name":"my flow/1"`)
}

func TestMethodNotAllowedListsAllowedMethodsAndHeadWorks(t *testing.T) {
	t.Parallel()
	router := NewRouter(Config{AuthOff: true})
	rec := httptest.NewRecorder()
	router.ServeHTTP(rec, httptest.NewRequest(http.MethodPatch, "/api/metadata/workflow", nil))
	require.Equal(t, http.StatusMethodNotAllowed, rec.Code)
	require.Equal(t, []string{"GET", "HEAD", "POST", "PUT"}, rec.Header().Values("Allow"))

	rec = httptest.NewRecorder()
	router.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/api/metadata/taskdefs/x", nil))
	require.Equal(t, http.StatusMethodNotAllowed, rec.Code)
	require.Equal(t, []string{"GET", "HEAD", "DELETE"}, rec.Header().Values("Allow"))

	rec = httptest.NewRecorder()
	router.ServeHTTP(rec, httptest.NewRequest(http.MethodHead, "/api/version", nil))
	require.Equal(t, http.StatusOK, rec.Code)
}
