package api_test

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/podiumhq/podium/api"
	"github.com/podiumhq/podium/engine"
	"github.com/podiumhq/podium/internal/search"
	"github.com/podiumhq/podium/store"
	"github.com/podiumhq/podium/store/storetest"
)

// TestBusyDatabaseAnswers503 exhausts a two-connection pool: starts then answer 503, retryable,
// with Retry-After and Conductor's error body, write nothing, and succeed once connections free up.
func TestBusyDatabaseAnswers503(t *testing.T) {
	t.Parallel()
	dbURL := storetest.NewDatabaseURL(t)
	st := openStore(t, store.Config{URL: dbURL, MaxConns: 2, AcquireTimeout: 200 * time.Millisecond})
	logs := &syncBuffer{}
	logger := slog.New(slog.NewTextHandler(logs, nil))
	eng := startEngine(t, engine.Config{Store: st, Logger: logger, SweepInterval: time.Hour})
	srv := httptest.NewServer(api.NewRouter(api.Config{Engine: eng, Search: search.New(st, eng), Access: eng.Access(), Secrets: eng.Secrets(),
		Metadata: eng.Metadata(), Logger: logger, AuthOff: true}))
	t.Cleanup(srv.Close)
	b := &testBundle{t: t, server: srv, engine: eng, logs: logs, databaseURL: dbURL}

	b.createWorkflow(obj{"name": "busy_wf", "version": 1, "schemaVersion": 2,
		"tasks": arr{obj{"name": "busy_task", "taskReferenceName": "t1", "type": "SIMPLE"}}})

	// Hold both connections of the pool in open transactions until release closes.
	release := make(chan struct{})
	held := make(chan struct{}, 2)
	done := make(chan error, 2)
	for range 2 {
		go func() {
			done <- st.InTx(context.Background(), func(*store.Queries) error {
				held <- struct{}{}
				<-release
				return nil
			})
		}()
	}
	<-held
	<-held

	for _, req := range []struct{ path, body string }{
		{"/api/workflow", `{"name":"busy_wf","input":{"a":1}}`},
		{"/api/workflow/busy_wf", `{"a":1}`},
	} {
		resp := b.do(http.MethodPost, req.path, req.body)
		require.Equal(t, http.StatusServiceUnavailable, resp.Status, "%s answered %s", req.path, resp.Body)
		require.Equal(t, "1", resp.Header.Get("Retry-After"))
		e := resp.Error(t)
		require.True(t, e.Retryable)
		require.Contains(t, e.Message, "busy")
	}
	close(release)
	require.NoError(t, <-done)
	require.NoError(t, <-done)

	conn, err := pgx.Connect(context.Background(), dbURL)
	require.NoError(t, err)
	defer conn.Close(context.Background())
	var workflows, tasks int
	require.NoError(t, conn.QueryRow(context.Background(),
		`SELECT (SELECT count(*) FROM workflows), (SELECT count(*) FROM tasks)`).Scan(&workflows, &tasks))
	require.Zero(t, workflows, "a refused start must leave no workflow")
	require.Zero(t, tasks, "a refused start must leave no task")
	require.NotContains(t, logs.String(), "api: request failed", "busy is not an internal error")

	requireStatus(t, b.do(http.MethodPost, "/api/workflow", `{"name":"busy_wf"}`), http.StatusOK)
}
