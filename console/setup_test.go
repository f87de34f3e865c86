package console_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/podiumhq/podium/api"
	"github.com/podiumhq/podium/console"
	"github.com/podiumhq/podium/engine"
	"github.com/podiumhq/podium/internal/access"
	"github.com/podiumhq/podium/internal/notify"
	"github.com/podiumhq/podium/internal/schedule"
	"github.com/podiumhq/podium/internal/search"
	"github.com/podiumhq/podium/internal/secret"
	"github.com/podiumhq/podium/internal/startstop"
	"github.com/podiumhq/podium/store/storetest"
)

const (
	adminKeyID     = "console-admin"
	adminKeySecret = "console-admin-secret-0123456789"
)

// site is a real server (API and console on one handler, as cmd/server serves them) on a
// fresh database, with authentication on and a bootstrap admin key.
type site struct {
	t         *testing.T
	url       string
	admin     string // an API token of the admin
	engine    *engine.Engine
	schedules *schedule.Service
	// sent records every response body the server wrote, to search it for secret values.
	sent *recorder
}

func newSite(t *testing.T, authOff bool) *site {
	t.Helper()
	st := storetest.NewStore(t)
	logger := slog.New(slog.DiscardHandler)
	keys := secret.Ephemeral()
	hub := notify.New(st, logger)
	runUntilEnd(t, hub.Run)
	acc := access.New(access.Config{Store: st, Keys: keys, Notify: hub, Logger: logger,
		Admin: access.AdminKey{ID: adminKeyID, Secret: adminKeySecret}})
	runUntilEnd(t, acc.Run)
	eng := engine.New(engine.Config{Store: st, Logger: logger, Keys: keys, Notify: hub, Access: acc,
		PollRecheck: 50 * time.Millisecond, SweepInterval: time.Hour})
	require.NoError(t, eng.Start(context.Background()))
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		require.NoError(t, eng.Stop(ctx))
	})
	// Firing is manual (Fire): a test decides when slots are due.
	schedules := schedule.New(schedule.Config{Store: st, Logger: logger, Notify: hub, ManualScheduling: true, Starter: eng})
	require.NoError(t, schedules.Start(context.Background()))
	t.Cleanup(func() { require.NoError(t, schedules.Stop(context.Background())) })
	searches := search.New(st, eng)
	router := api.NewRouter(api.Config{Engine: eng, Search: searches, Schedules: schedules, Access: acc, Secrets: eng.Secrets(),
		Metadata: eng.Metadata(), Logger: logger, AuthOff: authOff})
	web := console.New(console.Config{Executions: eng, Search: searches, Sessions: acc, Definitions: eng.Metadata(),
		Schedules: schedules, Secrets: eng.Secrets(), Queues: eng, AuthOff: authOff, Logger: logger})
	sent := &recorder{}
	srv := httptest.NewServer(sent.wrap(console.Front(web, router)))
	t.Cleanup(srv.Close)
	s := &site{t: t, url: srv.URL, engine: eng, schedules: schedules, sent: sent}
	if !authOff {
		s.admin = s.token(adminKeyID, adminKeySecret)
	}
	return s
}

func runUntilEnd(t *testing.T, run func(context.Context)) {
	var r startstop.Runner
	r.Start(context.Background(), run)
	t.Cleanup(func() { _ = r.Stop(context.Background()) })
}

// token logs in to the API with an access key.
func (s *site) token(keyID, secret string) string {
	s.t.Helper()
	var out struct{ Token string }
	s.apiJSON(http.MethodPost, "/api/token", "", map[string]string{"keyId": keyID, "keySecret": secret}, &out)
	require.NotEmpty(s.t, out.Token)
	return out.Token
}

// api calls the REST API as token ("" for none) and returns the status and body.
func (s *site) api(method, path, token string, body any) (int, []byte) {
	s.t.Helper()
	var rd io.Reader
	if body != nil {
		data, err := json.Marshal(body)
		require.NoError(s.t, err)
		rd = strings.NewReader(string(data))
	}
	req, err := http.NewRequest(method, s.url+path, rd)
	require.NoError(s.t, err)
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("X-Authorization", token)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(s.t, err)
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	require.NoError(s.t, err)
	return resp.StatusCode, data
}

func (s *site) apiJSON(method, path, token string, body, out any) {
	s.t.Helper()
	status, data := s.api(method, path, token, body)
	require.Less(s.t, status, 300, "%s %s: %s", method, path, data)
	if out != nil {
		require.NoError(s.t, json.Unmarshal(data, out))
	}
}

// browser is a cookie-keeping client of the console that does not follow redirects.
type browser struct {
	s      *site
	client *http.Client
}

func (s *site) browser() *browser {
	jar, err := cookiejar.New(nil)
	require.NoError(s.t, err)
	return &browser{s: s, client: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}}
}

// page is a console response.
type page struct {
	status   int
	body     string
	location string
	header   http.Header
}

func (b *browser) get(path string) page {
	b.s.t.Helper()
	resp, err := b.client.Get(b.s.url + path)
	require.NoError(b.s.t, err)
	return read(b.s.t, resp)
}

// post submits a form, with the CSRF token of the last page (csrf "" sends none).
func (b *browser) post(path string, form url.Values) page {
	b.s.t.Helper()
	resp, err := b.client.PostForm(b.s.url+path, form)
	require.NoError(b.s.t, err)
	return read(b.s.t, resp)
}

func read(t *testing.T, resp *http.Response) page {
	t.Helper()
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return page{status: resp.StatusCode, body: string(data), location: resp.Header.Get("Location"), header: resp.Header}
}

var csrfInput = regexp.MustCompile(`name="csrf" value="([0-9a-f]{64})"`)

// csrf is the CSRF token in a page's forms.
func (p page) csrf(t *testing.T) string {
	t.Helper()
	m := csrfInput.FindStringSubmatch(p.body)
	require.NotNil(t, m, "the page has a form with a CSRF token")
	return m[1]
}

// signIn signs the browser in with an access key and returns the page it lands on.
func (b *browser) signIn(keyID, secret string) page {
	b.s.t.Helper()
	login := b.get("/login")
	require.Equal(b.s.t, http.StatusOK, login.status)
	return b.post("/login", url.Values{"csrf": {login.csrf(b.s.t)}, "keyId": {keyID}, "keySecret": {secret}})
}

// registerWorkflow registers version of a definition of one worker task (console_task),
// unless it is registered already.
func (s *site) registerWorkflow(name string, version int, description string) {
	s.t.Helper()
	def := map[string]any{"name": name, "version": version, "schemaVersion": 2, "ownerEmail": "t@example.com",
		"description": description,
		"tasks": []any{map[string]any{"name": "console_task", "taskReferenceName": "work", "type": "SIMPLE",
			"inputParameters": map[string]any{"in": "${workflow.input.value}"}}}}
	if status, body := s.api(http.MethodPost, "/api/metadata/workflow", s.admin, def); status != http.StatusOK && status != http.StatusConflict {
		s.t.Fatalf("registering %s: %d %s", name, status, body)
	}
}

// startWorkflow registers a definition of one worker task and starts it; it returns the id.
func (s *site) startWorkflow(name string, input map[string]any) string {
	s.t.Helper()
	s.registerWorkflow(name, 1, "")
	status, body := s.api(http.MethodPost, "/api/workflow/"+name, s.admin, input)
	require.Equal(s.t, http.StatusOK, status, string(body))
	return string(body)
}

// recorder keeps a copy of every response body a handler writes.
type recorder struct {
	mu  sync.Mutex
	all bytes.Buffer
}

func (rec *recorder) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(&teeWriter{ResponseWriter: w, rec: rec}, r)
	})
}

// String is everything recorded so far.
func (rec *recorder) String() string {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	return rec.all.String()
}

type teeWriter struct {
	http.ResponseWriter
	rec *recorder
}

func (w *teeWriter) Write(p []byte) (int, error) {
	w.rec.mu.Lock()
	w.rec.all.Write(p)
	w.rec.mu.Unlock()
	return w.ResponseWriter.Write(p)
}

// Flush passes flushes on (streamed API answers).
func (w *teeWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}
