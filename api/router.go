// Package api serves Podium's Conductor-compatible REST API: the route table, thin handlers
// that decode a request, call the engine and encode the answer, and the mapping of errors to
// HTTP statuses and Conductor's error body.
package api

import (
	"log/slog"
	"net/http"
	"net/netip"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// MaxBodyBytesDefault caps request bodies when Config.MaxBodyBytes is 0.
const MaxBodyBytesDefault = 8 << 20

// ExecuteMaxWaitDefault is the longest waitForSeconds of POST /api/workflow/execute when
// Config.ExecuteMaxWait is 0, as in Conductor.
const ExecuteMaxWaitDefault = 300 * time.Second

// Config is what NewRouter needs.
type Config struct {
	// Engine runs executions and their task queues (package engine's Engine).
	Engine executionService
	// Search runs workflow searches (internal/search's service).
	Search searchService
	Logger *slog.Logger
	// Registry receives the HTTP metrics and is served on /metrics; nil means a fresh registry.
	Registry *prometheus.Registry
	// Version is reported by /api/version.
	Version string
	// MaxBodyBytes caps request bodies; 0 takes MaxBodyBytesDefault.
	MaxBodyBytes int64
	// AuthOff serves every route without a token and answers /api/token with 404 (what SDKs
	// read as "no authentication"). Only for servers on a loopback address.
	AuthOff bool
	// ExecuteMaxWait is the longest synchronous wait POST /api/workflow/execute accepts
	// (waitForSeconds above it is a 400); 0 takes ExecuteMaxWaitDefault. The HTTP server's
	// write timeout must be longer.
	ExecuteMaxWait time.Duration
	// TrustedProxies are the proxies whose X-Forwarded-For names a login's source address
	// (failed logins are throttled per address); empty means the connection's address counts.
	TrustedProxies []netip.Prefix
	// Schedules serves the scheduler routes (internal/schedule's service).
	Schedules scheduleService
	// Access serves login, applications, keys and grants, and resolves the tokens of the auth
	// middleware (internal/access's service).
	Access accessService
	// Secrets serves the secrets routes (internal/secrets's service).
	Secrets secretsService
	// Metadata serves the definition routes and checks the inline definitions of start
	// requests (internal/metadata's service; the one the engine starts workflows with).
	Metadata metadataService
	// AdminConfig is what GET /api/admin/config answers: the configuration with every secret
	// redacted (internal/config's Config.Redacted).
	AdminConfig map[string]any
	// Events serves the event handler routes (internal/events's service).
	Events eventService
	// Retention serves the retention routes (internal/retention's Cleaner).
	Retention retentionService
}

type server struct {
	engine        executionService
	searches      searchService
	schedules     scheduleService
	access        accessService
	secrets       secretsService
	metadata      metadataService
	events        eventService
	retention     retentionService
	logger        *slog.Logger
	metrics       *metrics
	instance      string
	serverVersion string
	maxBodyBytes  int64
	authOff       bool
	// executeMaxWait bounds waitForSeconds of execute.
	executeMaxWait time.Duration
	proxies        []netip.Prefix
	// adminConfigDump is Config.AdminConfig.
	adminConfigDump map[string]any
}

// NewRouter returns the HTTP handler serving the whole API.
func NewRouter(cfg Config) http.Handler {
	reg := cfg.Registry
	if reg == nil {
		reg = prometheus.NewRegistry()
	}
	s := &server{
		engine:        cfg.Engine,
		searches:      cfg.Search,
		schedules:     cfg.Schedules,
		access:        cfg.Access,
		secrets:       cfg.Secrets,
		metadata:      cfg.Metadata,
		events:        cfg.Events,
		retention:     cfg.Retention,
		logger:        cfg.Logger,
		metrics:       newMetrics(reg),
		serverVersion: cfg.Version,
		maxBodyBytes:  cfg.MaxBodyBytes,
		authOff:       cfg.AuthOff,
		proxies:       cfg.TrustedProxies,

		adminConfigDump: cfg.AdminConfig,
	}
	if s.logger == nil {
		s.logger = slog.New(slog.DiscardHandler)
	}
	if s.maxBodyBytes <= 0 {
		s.maxBodyBytes = MaxBodyBytesDefault
	}
	s.executeMaxWait = cfg.ExecuteMaxWait
	if s.executeMaxWait <= 0 {
		s.executeMaxWait = ExecuteMaxWaitDefault
	}
	s.instance, _ = os.Hostname()

	r := chi.NewRouter()
	r.Use(withRequestID, s.instrument, s.recoverer, s.limitBody, middleware.GetHead)
	if !s.authOff {
		r.Use(s.authenticate(r))
	}
	r.NotFound(func(w http.ResponseWriter, r *http.Request) {
		s.writeError(w, r, notFoundRoute(r))
	})
	r.MethodNotAllowed(func(w http.ResponseWriter, req *http.Request) {
		for _, m := range allowedMethods(r, req.URL.Path) {
			w.Header().Add("Allow", m)
		}
		s.writeError(w, req, errMethodNotAllowed)
	})

	r.Get("/health", s.health)
	r.Get("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}).ServeHTTP)

	r.Route("/api", func(r chi.Router) {
		r.Get("/health", s.health)
		r.Get("/version", s.version)
		r.Post("/token", s.token)
		r.Get("/token/userInfo", s.userInfo)

		r.Route("/applications", func(r chi.Router) {
			r.Post("/", s.createApplication)
			r.Get("/", s.listApplications)
			r.Get("/key/{keyId}", s.applicationByKey)
			r.Get("/{id}", s.getApplication)
			r.Put("/{id}", s.updateApplication)
			r.Delete("/{id}", s.deleteApplication)
			r.Post("/{id}/accessKeys", s.createAccessKey)
			r.Get("/{id}/accessKeys", s.listAccessKeys)
			r.Delete("/{id}/accessKeys/{keyId}", s.deleteAccessKey)
			r.Post("/{id}/accessKeys/{keyId}/status", s.toggleAccessKey)
			r.Post("/{id}/roles/{role}", s.addApplicationRole)
			r.Delete("/{id}/roles/{role}", s.removeApplicationRole)
			r.Get("/{id}/permissions", s.applicationPermissions)
			r.Put("/{id}/tags", s.putApplicationTags)
			r.Get("/{id}/tags", s.getApplicationTags)
			r.Delete("/{id}/tags", s.deleteApplicationTags)
		})
		r.Post("/auth/authorization", s.grantAccess)
		r.Delete("/auth/authorization", s.revokeAccess)
		r.Get("/auth/authorization/{type}/{id}", s.grantsOn)

		r.Route("/metadata", func(r chi.Router) {
			r.Post("/workflow", s.createWorkflowDef)
			r.Put("/workflow", s.upsertWorkflowDefs)
			r.Get("/workflow", s.listWorkflowDefs)
			r.Post("/workflow/validate", s.validateWorkflowDef)
			r.Get("/workflow/latest-versions", s.listLatestWorkflowDefs)
			r.Get("/workflow/names-and-versions", s.workflowNamesAndVersions)
			r.Get("/workflow/names", s.workflowNames)
			r.Get("/workflow/{name}", s.getWorkflowDef)
			r.Get("/workflow/{name}/versions", s.workflowDefVersions)
			r.Delete("/workflow/{name}/{version}", s.deleteWorkflowDef)
			s.tagRoutes(r, "/workflow/{name}/tags", s.workflowDefTagRoutes)
			s.tagRoutes(r, "/task/{name}/tags", s.taskDefTagRoutes)

			r.Post("/taskdefs", s.createTaskDefs)
			r.Put("/taskdefs", s.updateTaskDef)
			r.Get("/taskdefs", s.listTaskDefs)
			r.Get("/taskdefs/{name}", s.getTaskDef)
			r.Delete("/taskdefs/{name}", s.deleteTaskDef)
		})

		r.Route("/workflow", func(r chi.Router) {
			r.Post("/", s.startWorkflow)
			r.Get("/search", s.searchWorkflows)
			r.Get("/search-v2", s.searchWorkflowsV2)
			r.Get("/search-by-tasks", s.searchWorkflowsByTasks)
			r.Get("/search-by-tasks-v2", s.searchWorkflowsByTasksV2)
			r.Post("/correlated/batch", s.correlatedBatch)
			r.Get("/running/{name}", s.runningWorkflows)
			r.Post("/execute/{name}/{version}", s.executeWorkflow)
			r.Get("/{name}/correlated/{correlationId}", s.correlatedWorkflows)
			r.Post("/{name}/correlated", s.correlatedWorkflowsBatch)
			r.Get("/"+workflowIDParam+"/tasks", s.workflowTasks)
			r.Post("/"+workflowIDParam+"/restart", s.restartWorkflow)
			r.Post("/"+workflowIDParam+"/retry", s.retryWorkflow)
			r.Post("/"+workflowIDParam+"/rerun", s.rerunWorkflow)
			r.Put("/"+workflowIDParam+"/skiptask/{taskReferenceName}", s.skipTask)
			r.Post("/"+workflowIDParam+"/resetcallbacks", s.resetCallbacks)
			r.Delete("/"+workflowIDParam+"/terminate-remove", s.terminateRemoveWorkflow)
			bulk := s.bulkRoutes()
			r.Put("/bulk/pause", bulk["pause"])
			r.Put("/bulk/resume", bulk["resume"])
			r.Post("/bulk/restart", bulk["restart"])
			r.Post("/bulk/retry", bulk["retry"])
			r.Post("/bulk/terminate", bulk["terminate"])
			r.Delete("/bulk/remove", bulk["remove"])
			r.Delete("/bulk/terminate-remove", bulk["terminate-remove"])
			r.Post("/test", s.testWorkflow)
			r.Post("/{name}", s.startWorkflowByName)
			r.Get("/"+workflowIDParam, s.getWorkflow)
			r.Get("/"+workflowIDParam+"/status", s.getWorkflowStatus)
			r.Delete("/"+workflowIDParam, s.terminateWorkflow)
			r.Delete("/"+workflowIDParam+"/remove", s.removeWorkflow)
			r.Put("/"+workflowIDParam+"/pause", s.pauseWorkflow)
			r.Put("/"+workflowIDParam+"/resume", s.resumeWorkflow)
			r.Put("/decide/"+workflowIDParam, s.decideWorkflow)
		})

		r.Route("/event", func(r chi.Router) {
			r.Post("/", s.addEventHandler)
			r.Put("/", s.updateEventHandler)
			r.Get("/", s.listEventHandlers)
			r.Get("/executions", s.eventExecutions)
			r.Get("/{name}", s.eventHandlersFor)
			r.Delete("/{name}", s.deleteEventHandler)
		})

		r.Route("/secrets", func(r chi.Router) {
			r.Get("/", s.listAccessibleSecrets)
			r.Post("/", s.listSecretNames)
			r.Get("/clearLocalCache", s.clearSecretCache)
			r.Get("/clearRedisCache", s.clearSecretCache)
			r.Put("/{key}", s.putSecret)
			r.Get("/{key}", s.secretRoute(s.getSecret))
			r.Delete("/{key}", s.secretRoute(s.deleteSecret))
			r.Get("/{key}/exists", s.secretRoute(s.secretExists))
			r.Put("/{key}/tags", s.secretRoute(s.putSecretTags))
			r.Get("/{key}/tags", s.secretRoute(s.getSecretTags))
			r.Delete("/{key}/tags", s.secretRoute(s.deleteSecretTags))
		})
		r.Get("/secrets-v2", s.listSecretsV2)

		r.Route("/scheduler", func(r chi.Router) {
			r.Post("/schedules", s.saveSchedule)
			r.Get("/schedules", s.listSchedules)
			r.Get("/schedules/search", s.searchSchedules)
			r.Get("/schedules/tags", s.schedulesByTag)
			r.Get("/schedules/{name}", s.getSchedule)
			r.Delete("/schedules/{name}", s.deleteSchedule)
			r.Get("/schedules/{name}/status", s.scheduleStatus)
			r.Get("/schedules/{name}/pause", s.pauseSchedule)
			r.Put("/schedules/{name}/pause", s.pauseSchedule)
			r.Get("/schedules/{name}/resume", s.resumeSchedule)
			r.Put("/schedules/{name}/resume", s.resumeSchedule)
			r.Put("/schedules/{name}/tags", s.putScheduleTags)
			r.Get("/schedules/{name}/tags", s.getScheduleTags)
			r.Delete("/schedules/{name}/tags", s.deleteScheduleTags)
			r.Put("/bulk/pause", s.bulkPauseSchedules)
			r.Put("/bulk/resume", s.bulkResumeSchedules)
			r.Get("/nextFewSchedules", s.nextFewSchedules)
			r.Get("/search/executions", s.searchScheduleExecutions)
			r.Get("/admin/pause", s.pauseScheduling)
			r.Get("/admin/resume", s.resumeScheduling)
			r.Get("/admin/requeue", s.requeueScheduleExecutions)
		})

		r.Route("/admin", func(r chi.Router) {
			r.Get("/config", s.adminConfig)
			r.Get("/task/{tasktype}", s.adminPendingTasks)
			r.Post("/sweep/requeue/{workflowId}", s.adminRequeueSweep)
			r.Post("/consistency/verifyAndRepair/{workflowId}", s.adminVerifyAndRepair)
			r.Get("/queues", s.adminQueues)
			r.Get("/retention", s.getRetention)
			r.Post("/retention/run", s.runRetention)
			r.Put("/retention/workflow/{name}", s.putRetention)
			r.Delete("/retention/workflow/{name}", s.deleteRetention)
		})

		r.Route("/tasks", func(r chi.Router) {
			r.Get("/poll/{taskType}", s.pollTask)
			r.Get("/poll/batch/{taskType}", s.batchPoll)
			r.Post("/", s.updateTask)
			r.Post("/update-v2", s.updateTaskV2)
			r.Post("/"+workflowIDParam+"/{taskRefName}/{status}", s.updateTaskByRef)
			r.Post("/"+workflowIDParam+"/{taskRefName}/{status}/sync", s.updateTaskByRefSync)
			r.Post("/"+workflowIDParam+"/{status}/signal", s.signalWorkflow)
			r.Post("/"+workflowIDParam+"/{status}/signal/sync", s.signalWorkflowSync)
			r.Get("/queue/size", s.queueSize)
			r.Get("/queue/sizes", s.queueSizes)
			r.Get("/queue/all", s.queueSizes)
			r.Get("/queue/all/verbose", s.queuesVerbose)
			r.Post("/queue/requeue/{taskType}", s.requeuePendingTasks)
			r.Get("/queue/polldata", s.pollData)
			r.Get("/queue/polldata/all", s.allPollData)
			r.Get("/search", s.searchTasks)
			r.Get("/search-v2", s.searchTasksV2)
			r.Get("/"+taskIDParam, s.getTask)
			r.Post("/"+taskIDParam+"/log", s.addTaskLog)
			r.Get("/"+taskIDParam+"/log", s.getTaskLogs)
		})
	})
	return r
}

// tagRoutes routes GET (list), POST (add), PUT (replace all) and DELETE (remove) of a
// definition's tags at path.
func (s *server) tagRoutes(r chi.Router, path string, routes func() definitionTagRoutes) {
	r.Get(path, s.getDefinitionTags(routes))
	r.Post(path, s.editDefinitionTags(routes, func(t definitionTagRoutes) tagEdit { return t.add }, false))
	r.Put(path, s.editDefinitionTags(routes, func(t definitionTagRoutes) tagEdit { return t.set }, true))
	r.Delete(path, s.editDefinitionTags(routes, func(t definitionTagRoutes) tagEdit { return t.deletion }, false))
}

// uuidPattern matches a UUID in its canonical form, in either case: what Podium's workflow
// and task ids are (uuid columns). Path parameters holding one are constrained to it, so a
// path segment that is no id (a route word, a typo) is answered 404 "no route", never read as
// an unknown id.
const uuidPattern = `[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}`

// Path parameters of the ids, constrained to UUIDs.
const (
	workflowIDParam = "{workflowId:" + uuidPattern + "}"
	taskIDParam     = "{taskId:" + uuidPattern + "}"
)

// routeTemplate returns a chi route pattern with the regular expressions of its parameters
// removed ("/a/{id:[0-9]+}" → "/a/{id}"): the form the permission table, the metrics and
// openapi.yaml name routes by.
func routeTemplate(pattern string) string {
	var b strings.Builder
	for i := 0; i < len(pattern); i++ {
		if pattern[i] != '{' {
			b.WriteByte(pattern[i])
			continue
		}
		// The parameter runs to its matching brace: a regular expression may hold braces.
		j, depth := i+1, 1
		for ; j < len(pattern); j++ {
			if pattern[j] == '{' {
				depth++
			} else if pattern[j] == '}' {
				if depth--; depth == 0 {
					break
				}
			}
		}
		name, _, _ := strings.Cut(pattern[i+1:min(j, len(pattern))], ":")
		b.WriteString("{" + name + "}")
		i = j
	}
	return b.String()
}

// allowedMethods lists the methods routes answers on path, for the Allow header of a 405.
func allowedMethods(routes chi.Routes, path string) []string {
	var allowed []string
	for _, m := range []string{http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete} {
		if routes.Match(chi.NewRouteContext(), m, path) || (m == http.MethodHead && slices.Contains(allowed, http.MethodGet)) {
			allowed = append(allowed, m)
		}
	}
	return allowed
}
