package api_test

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/podiumhq/podium/api"
	"github.com/podiumhq/podium/engine"
	"github.com/podiumhq/podium/store/storetest"
)

// testBundle is a real API server on a fresh database.
type testBundle struct {
	t      *testing.T
	server *httptest.Server
	logs   *bytes.Buffer
}

// setup starts an API server backed by a fresh migrated database; both go away when t ends.
func setup(t *testing.T, opts ...func(*api.Config)) *testBundle {
	t.Helper()
	st := storetest.NewStore(t)
	logs := &bytes.Buffer{}
	logger := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	cfg := api.Config{Engine: engine.New(engine.Config{Store: st, Logger: logger}), Logger: logger, Version: "test"}
	for _, o := range opts {
		o(&cfg)
	}
	srv := httptest.NewServer(api.NewRouter(cfg))
	t.Cleanup(srv.Close)
	return &testBundle{t: t, server: srv, logs: logs}
}

// response is a finished HTTP exchange.
type response struct {
	Status int
	Header http.Header
	Body   []byte
}

// JSON decodes the body into v, failing the test when it is not JSON.
func (r response) JSON(t *testing.T, v any) {
	t.Helper()
	require.NoError(t, json.Unmarshal(r.Body, v), "body: %s", r.Body)
}

// Error decodes a Conductor error body.
func (r response) Error(t *testing.T) api.ErrorResponse {
	t.Helper()
	var e api.ErrorResponse
	r.JSON(t, &e)
	require.Equal(t, r.Status, e.Status, "status in body must repeat the HTTP status")
	return e
}

// do sends method path with body (a string or []byte is sent as is, anything else as JSON).
func (b *testBundle) do(method, path string, body any) response {
	b.t.Helper()
	var rd io.Reader
	switch v := body.(type) {
	case nil:
	case string:
		rd = bytes.NewBufferString(v)
	case []byte:
		rd = bytes.NewReader(v)
	default:
		data, err := json.Marshal(v)
		require.NoError(b.t, err)
		rd = bytes.NewReader(data)
	}
	req, err := http.NewRequest(method, b.server.URL+path, rd)
	require.NoError(b.t, err)
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := b.server.Client().Do(req)
	require.NoError(b.t, err)
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	require.NoError(b.t, err)
	return response{Status: resp.StatusCode, Header: resp.Header, Body: data}
}
