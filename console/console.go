// Package console serves Podium's web console: server-rendered pages (html/template, assets
// embedded in the binary, no JavaScript build chain, no third-party CDN) over the same
// services as the REST API, with the same roles and grants deciding what a page shows and
// allows. It never imports the store: it declares the narrow interfaces it consumes.
package console

import (
	"context"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"

	"github.com/podiumhq/podium/internal/auth"
	"github.com/podiumhq/podium/internal/conductor"
	"github.com/podiumhq/podium/internal/search"
	"github.com/podiumhq/podium/internal/secrets"
)

// Executions is what the console needs of the engine: read executions and act on them.
type Executions interface {
	Workflow(ctx context.Context, workflowID string, includeTasks bool) (*conductor.Workflow, error)
	Task(ctx context.Context, taskID string) (*conductor.Task, error)
	TaskLogs(ctx context.Context, taskID string) ([]conductor.TaskExecLog, error)
	Terminate(ctx context.Context, workflowID, reason string) error
	Pause(ctx context.Context, workflowID string) error
	Resume(ctx context.Context, workflowID string) error
	Retry(ctx context.Context, workflowID string, resumeSubworkflowTasks bool) error
	Restart(ctx context.Context, workflowID string, useLatestDefinitions bool) error
	Rerun(ctx context.Context, workflowID string, req *conductor.RerunRequest) error
}

// Searcher runs workflow searches and counts activity (internal/search's service).
type Searcher interface {
	Workflows(ctx context.Context, req search.Request) (*conductor.SearchResult[*conductor.Workflow], error)
	Activity(ctx context.Context, now time.Time) (*search.Activity, error)
}

// Sessions exchanges access keys for tokens and resolves tokens to principals
// (internal/access's service).
type Sessions interface {
	Login(ctx context.Context, source, keyID, secret string, ttl time.Duration) (string, error)
	Authenticate(ctx context.Context, token string) (*auth.Principal, error)
}

// Definitions reads workflow and task definitions (internal/metadata's service).
type Definitions interface {
	WorkflowNamesAndVersions(ctx context.Context) (map[string][]conductor.WorkflowDefSummary, error)
	WorkflowDef(ctx context.Context, name string, version *int) (*conductor.WorkflowDef, error)
	WorkflowDefVersions(ctx context.Context, name string) ([]conductor.WorkflowDefSummary, error)
	TaskDefs(ctx context.Context) ([]*conductor.TaskDef, error)
	TaskDef(ctx context.Context, name string) (*conductor.TaskDef, error)
}

// Schedules reads schedules and pauses or resumes them (internal/schedule's service).
type Schedules interface {
	List(ctx context.Context, workflowName string) ([]*conductor.WorkflowSchedule, error)
	Get(ctx context.Context, name string) (*conductor.WorkflowSchedule, error)
	Status(ctx context.Context, name string, limit int) (*conductor.ScheduleStatus, error)
	Pause(ctx context.Context, name, reason, by string) error
	Resume(ctx context.Context, name, by string) error
}

// Secrets lists secrets (names and tags, never values) and sets their values on behalf of a
// principal (internal/secrets' service, which checks the principal's grants).
type Secrets interface {
	List(ctx context.Context) ([]secrets.Summary, error)
	Put(ctx context.Context, p *auth.Principal, name string, value []byte) error
}

// Queues reads the task queues and their workers' polls (the engine).
type Queues interface {
	QueueSizes(ctx context.Context) (map[string]int, error)
	PollData(ctx context.Context, taskType string) ([]conductor.PollData, error)
}

// Config is what New needs. Every service is required.
type Config struct {
	Executions  Executions
	Search      Searcher
	Sessions    Sessions
	Definitions Definitions
	Schedules   Schedules
	Secrets     Secrets
	Queues      Queues
	// AuthOff serves every page without signing in (the server's PODIUM_AUTH=off).
	AuthOff bool
	Logger  *slog.Logger
	// Now is the clock pages show times against; nil means time.Now.
	Now func() time.Time
}

// Console is the console's HTTP handler.
type Console struct {
	cfg    Config
	pages  *pages
	router chi.Router
}

// New returns the console over cfg's services.
func New(cfg Config) *Console {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	c := &Console{cfg: cfg, pages: loadPages()}
	r := chi.NewRouter()
	r.Use(middleware.Recoverer, limitForms, securityHeaders, c.csrf)
	r.NotFound(func(w http.ResponseWriter, r *http.Request) { c.notFound(w, r, "No such page.") })
	r.Get("/static/drawings.css", serveDrawingsCSS)
	r.Handle("/static/*", http.StripPrefix("/static/", staticFiles()))
	r.Get("/login", c.loginPage)
	r.Post("/login", c.login)
	r.Post("/logout", c.logout)
	r.Group(func(r chi.Router) {
		r.Use(c.requireSession)
		r.Get("/", c.home)
		r.Get("/executions", c.executions)
		r.Get("/executions/{workflowId}", c.execution)
		r.Get("/executions/{workflowId}/tasks/{taskId}", c.taskPage)
		r.Post("/executions/{workflowId}/{action}", c.act)
		r.Get("/definitions", c.definitions)
		r.Get("/definitions/workflow/{name}", c.workflowDef)
		r.Get("/definitions/task/{name}", c.taskDef)
		r.Get("/schedules", c.schedules)
		r.Get("/schedules/{name}", c.schedule)
		r.Post("/schedules/{name}/{action}", c.scheduleAct)
		r.Get("/secrets", c.secrets)
		r.Post("/secrets", c.putSecret)
		r.Get("/queues", c.queues)
	})
	c.router = r
	return c
}

// ServeHTTP serves the console's pages.
func (c *Console) ServeHTTP(w http.ResponseWriter, r *http.Request) { c.router.ServeHTTP(w, r) }

// prefixes are the paths the console owns (besides "/").
var prefixes = []string{"/login", "/logout", "/executions", "/definitions", "/schedules", "/secrets", "/queues", "/static/"}

// Owns reports whether path is one of the console's: "/" and its pages, never /api, /health
// or /metrics.
func Owns(path string) bool {
	if path == "/" {
		return true
	}
	for _, p := range prefixes {
		if path == p || strings.HasPrefix(path, strings.TrimSuffix(p, "/")+"/") {
			return true
		}
	}
	return false
}

// Front serves the console's paths with console and every other path with next (the API).
func Front(console http.Handler, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if Owns(r.URL.Path) {
			console.ServeHTTP(w, r)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// param is a path parameter, percent-decoded (chi routes on the raw path when it has escapes).
func param(r *http.Request, name string) string {
	raw := chi.URLParam(r, name)
	if r.URL.RawPath == "" {
		return raw
	}
	if v, err := url.PathUnescape(raw); err == nil {
		return v
	}
	return raw
}

// securityHeaders forbids framing, sniffing and any script or style not served by Podium.
func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "+
			"form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("X-Frame-Options", "DENY")
		if !strings.HasPrefix(r.URL.Path, "/static/") {
			h.Set("Cache-Control", "no-store")
		}
		next.ServeHTTP(w, r)
	})
}

// maxFormBytes caps the body of a console form.
const maxFormBytes = 64 << 10

// limitForms caps request bodies: the console's forms are small.
func limitForms(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
		next.ServeHTTP(w, r)
	})
}
