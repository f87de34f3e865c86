package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/podiumhq/podium/api"
	"github.com/podiumhq/podium/engine"
	"github.com/podiumhq/podium/internal/access"
	"github.com/podiumhq/podium/internal/clocktest"
	"github.com/podiumhq/podium/internal/events"
	"github.com/podiumhq/podium/internal/metadata"
	"github.com/podiumhq/podium/internal/notify"
	"github.com/podiumhq/podium/internal/retention"
	"github.com/podiumhq/podium/internal/schedule"
	"github.com/podiumhq/podium/internal/search"
	"github.com/podiumhq/podium/internal/secret"
	"github.com/podiumhq/podium/internal/secrets"
	"github.com/podiumhq/podium/internal/startstop"
	"github.com/podiumhq/podium/store"
	"github.com/podiumhq/podium/store/storetest"
)

// testBundle is a real API server on a fresh database, with its engine's clock under the
// test's control.
type testBundle struct {
	t      *testing.T
	server *httptest.Server
	engine *engine.Engine
	// schedules is the bundle's schedule service; it fires only when told to (fire).
	schedules *schedule.Service
	// access and secrets are the bundle's access and secrets services.
	access  *access.Service
	secrets *secrets.Service
	clock   *clocktest.Clock
	logs    *syncBuffer
	// databaseURL lets a test look at the rows the server wrote.
	databaseURL string
}

// syncBuffer is a bytes.Buffer safe for concurrent writers (the server logs from goroutines).
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// String returns everything written so far.
func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// setup starts an API server backed by a fresh migrated database; both go away when t ends.
// The engine's background loops (internal workers) run with the bundle's clock; the sweeper and
// the scheduler do not: tests advance the clock and call b.sweep() or b.fire() instead of sleeping.
func setup(t *testing.T, opts ...func(*api.Config)) *testBundle {
	t.Helper()
	return newBundle(t, nil, opts...)
}

// Bootstrap admin key of bundles with authentication on (setupAuth).
const (
	testAdminKeyID     = "test-admin"
	testAdminKeySecret = "test-admin-secret-0123456789"
)

// setupAuth is setup with authentication on and the bootstrap admin key testAdminKeyID.
func setupAuth(t *testing.T) *testBundle {
	t.Helper()
	return newAccessBundle(t, nil, func(c *access.Config) {
		c.Admin = access.AdminKey{ID: testAdminKeyID, Secret: testAdminKeySecret}
	}, func(c *api.Config) { c.AuthOff = false })
}

// newBundle builds a bundle; engineOpt (when not nil) adjusts the engine's configuration and
// opts the API's (authentication is off unless an option turns it on).
func newBundle(t *testing.T, engineOpt func(*engine.Config), opts ...func(*api.Config)) *testBundle {
	t.Helper()
	return newBundleWith(t, bundleOptions{engine: engineOpt}, opts...)
}

// newAccessBundle is newBundle with accessOpt (when not nil) adjusting the access service's
// configuration too.
func newAccessBundle(t *testing.T, engineOpt func(*engine.Config), accessOpt func(*access.Config), opts ...func(*api.Config)) *testBundle {
	t.Helper()
	return newBundleWith(t, bundleOptions{engine: engineOpt, access: accessOpt}, opts...)
}

// newMetadataBundle is newBundle with metadataOpt adjusting the metadata service's
// configuration.
func newMetadataBundle(t *testing.T, metadataOpt func(*metadata.Config), opts ...func(*api.Config)) *testBundle {
	t.Helper()
	return newBundleWith(t, bundleOptions{metadata: metadataOpt}, opts...)
}

// bundleOptions adjust the configurations of a bundle's services; nil ones leave them be.
type bundleOptions struct {
	engine   func(*engine.Config)
	access   func(*access.Config)
	metadata func(*metadata.Config)
	// retention adjusts the retention cleaner's configuration.
	retention func(*retention.Config)
}

// newBundleWith builds a bundle whose services' configurations o adjusts.
func newBundleWith(t *testing.T, o bundleOptions, opts ...func(*api.Config)) *testBundle {
	t.Helper()
	dbURL := storetest.NewDatabaseURL(t)
	st := openStore(t, store.Config{URL: dbURL, MaxConns: 4})
	logs := &syncBuffer{}
	logger := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	clock := clocktest.New(time.Now().Truncate(time.Millisecond))
	ecfg := engine.Config{Store: st, Logger: logger, Now: clock.Now,
		PollRecheck: 50 * time.Millisecond, SweepInterval: time.Hour}
	if o.engine != nil {
		o.engine(&ecfg)
	}
	if ecfg.Keys == nil {
		ecfg.Keys = secret.Ephemeral()
	}
	hub := runHub(t, st, logger)
	acfg := access.Config{Store: st, Keys: ecfg.Keys, Notify: hub, Logger: logger, Now: clock.Now}
	if o.access != nil {
		o.access(&acfg)
	}
	acc := startAccess(t, acfg)
	sec := secrets.New(secrets.Config{Store: st, Keys: ecfg.Keys, Logger: logger, Now: clock.Now, Owners: acc})
	mcfg := metadata.Config{Store: st, Logger: logger, Now: clock.Now, SystemTasks: ecfg.SystemTasks}
	if o.metadata != nil {
		o.metadata(&mcfg)
	}
	meta := metadata.New(mcfg)
	ecfg.Notify, ecfg.Access, ecfg.Secrets, ecfg.Metadata = hub, acc, sec, meta
	// Executions land in time partitions, as the server's do.
	rcfg := retention.Config{Store: st, Logger: logger, Now: clock.Now}
	if o.retention != nil {
		o.retention(&rcfg)
	}
	cleaner := retention.New(rcfg)
	if err := cleaner.Prepare(context.Background()); err != nil {
		t.Fatalf("creating partitions: %v", err)
	}
	eng := startEngine(t, ecfg)
	schedules := startSchedules(t, schedule.Config{Store: st, Logger: logger, Now: clock.Now, Notify: hub,
		ManualScheduling: true, Starter: eng})
	cfg := api.Config{Engine: eng, Search: search.New(st, eng), Schedules: schedules, Access: acc, Secrets: sec, Metadata: meta,
		Events: events.New(events.Config{Store: st, Logger: logger, Now: clock.Now}), Retention: cleaner, Logger: logger,
		Version: "test", AuthOff: true}
	for _, o := range opts {
		o(&cfg)
	}
	srv := httptest.NewServer(api.NewRouter(cfg))
	t.Cleanup(srv.Close)
	return &testBundle{t: t, server: srv, engine: eng, schedules: schedules, access: acc, secrets: sec, clock: clock,
		logs: logs, databaseURL: dbURL}
}

// openStore opens a store with a pool of its own; it closes when t ends (after everything
// started later stops, and before a database created earlier is dropped).
func openStore(t *testing.T, cfg store.Config) *store.Store {
	t.Helper()
	st, err := store.Open(context.Background(), cfg)
	require.NoError(t, err)
	t.Cleanup(st.Close)
	return st
}

// startEngine starts an engine and its background loops; they stop when t ends, before the
// services it uses (registered earlier).
func startEngine(t *testing.T, cfg engine.Config) *engine.Engine {
	t.Helper()
	eng := engine.New(cfg)
	startUntilEnd(t, eng)
	return eng
}

// runHub runs a notification hub over st until t ends (after everything started later stops).
func runHub(t *testing.T, st *store.Store, logger *slog.Logger) *notify.Hub {
	t.Helper()
	hub := notify.New(st, logger)
	runUntilEnd(t, hub.Run)
	return hub
}

// startSchedules starts a schedule service; it stops when t ends, before the engine it starts
// workflows with (registered earlier).
func startSchedules(t *testing.T, cfg schedule.Config) *schedule.Service {
	t.Helper()
	svc := schedule.New(cfg)
	startUntilEnd(t, svc)
	return svc
}

// startAccess returns an access service running its invalidation loop until t ends (after the
// engine that uses it stops).
func startAccess(t *testing.T, cfg access.Config) *access.Service {
	t.Helper()
	svc := access.New(cfg)
	runUntilEnd(t, svc.Run)
	return svc
}

// startStopper is a service with background work between Start and Stop (the engine, the
// schedule service).
type startStopper interface {
	Start(ctx context.Context) error
	Stop(ctx context.Context) error
}

// startUntilEnd starts svc; it stops, within 10 s, when t ends: before everything registered
// earlier goes away.
func startUntilEnd(t *testing.T, svc startStopper) {
	t.Helper()
	require.NoError(t, svc.Start(context.Background()))
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		require.NoError(t, svc.Stop(ctx))
	})
}

// runUntilEnd runs run in the background until t ends, and waits for it to return before
// everything registered earlier goes away.
func runUntilEnd(t *testing.T, run func(context.Context)) {
	t.Helper()
	var r startstop.Runner
	r.Start(context.Background(), run)
	t.Cleanup(func() { _ = r.Stop(context.Background()) })
}

// sweep runs the engine's sweeper once (timeouts, timers) at the bundle clock's time.
func (b *testBundle) sweep() {
	b.t.Helper()
	_, err := b.engine.Sweep(context.Background())
	require.NoError(b.t, err)
}

// fire runs the scheduler once at the bundle clock's time and returns how many slots it started.
func (b *testBundle) fire() int {
	b.t.Helper()
	n, err := b.schedules.Fire(context.Background())
	require.NoError(b.t, err)
	return n
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
