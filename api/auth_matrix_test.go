package api_test

import (
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/podiumhq/podium/api"
)

// ---------------------------------------------------------------------------------------------
// The expected access matrix, written out independently of api/permissions.go and
// internal/auth/roles.go: who may use what, as the design states it.
// ---------------------------------------------------------------------------------------------

// matrixAccess is what a route needs.
type matrixAccess string

const (
	accPublic      matrixAccess = "public"         // no token at all
	accAny         matrixAccess = "authenticated"  // any valid token
	accMetaRead    matrixAccess = "metadata-read"  // definitions
	accRead        matrixAccess = "read"           // executions, tasks, schedules, secret names
	accMetaWrite   matrixAccess = "metadata-write" // definition changes
	accWork        matrixAccess = "task-work"      // what workers do (the task's type is checked when found)
	accWorkType    matrixAccess = "task-type-work" // polling a type: UNRESTRICTED_WORKER, or a grant
	accExecute     matrixAccess = "execute"        // workflow operations, signals, schedule changes
	accSecretWrite matrixAccess = "secret-write"   // secret changes and cache clearing
	accSecretValue matrixAccess = "secret-value"   // a secret's value: ADMIN (or a grant)
	accSecretOwner matrixAccess = "secret-owner"   // changing a secret not one's own: ADMIN (or a grant)
	accApps        matrixAccess = "applications"   // applications and their keys
	accAdmin       matrixAccess = "admin"          // roles, grants, scheduler-wide switches
)

// matrixRoles is what each role may do besides accAny; ADMIN may do everything.
var matrixRoles = map[string][]matrixAccess{
	"USER_READ_ONLY":      {accMetaRead, accRead},
	"WORKER":              {accWork},
	"UNRESTRICTED_WORKER": {accWork, accWorkType},
	"METADATA_MANAGER":    {accMetaRead, accRead, accMetaWrite},
	"METADATA_API":        {accMetaRead, accMetaWrite},
	"WORKFLOW_MANAGER":    {accMetaRead, accRead, accExecute},
	"USER":                {accMetaRead, accRead, accMetaWrite, accExecute, accSecretWrite},
	"APPLICATION_MANAGER": {accApps},
	"APPLICATION_CREATOR": {accApps},
	"PROMPT_MANAGER":      {},
}

// matrixRoleMay reports whether role may use a route needing need.
func matrixRoleMay(role string, need matrixAccess) bool {
	if role == "ADMIN" || need == accPublic || need == accAny {
		return true
	}
	return slices.Contains(matrixRoles[role], need)
}

// matrixRoutes is every route ("METHOD path", the router's parameter names) and what it needs.
var matrixRoutes = map[string]matrixAccess{
	"GET /health":             accPublic,
	"GET /metrics":            accPublic,
	"POST /api/token":         accPublic,
	"GET /api/health":         accAny,
	"GET /api/version":        accAny,
	"GET /api/token/userInfo": accAny,

	// Applications: application managers (the application's own roles are checked when it is
	// found); grants: ADMIN only.
	"POST /api/applications":                                accApps,
	"GET /api/applications":                                 accApps,
	"GET /api/applications/key/{keyId}":                     accApps,
	"GET /api/applications/{id}":                            accApps,
	"PUT /api/applications/{id}":                            accApps,
	"DELETE /api/applications/{id}":                         accApps,
	"POST /api/applications/{id}/accessKeys":                accApps,
	"GET /api/applications/{id}/accessKeys":                 accApps,
	"DELETE /api/applications/{id}/accessKeys/{keyId}":      accApps,
	"POST /api/applications/{id}/accessKeys/{keyId}/status": accApps,
	"PUT /api/applications/{id}/tags":                       accApps,
	"GET /api/applications/{id}/tags":                       accApps,
	"DELETE /api/applications/{id}/tags":                    accApps,
	// Roles: application managers holding the role (the matrix's role, USER, is held by no
	// application manager); TestApplicationRights covers the rest.
	"POST /api/applications/{id}/roles/{role}":   accAdmin,
	"DELETE /api/applications/{id}/roles/{role}": accAdmin,
	"GET /api/applications/{id}/permissions":     accAdmin,
	"POST /api/auth/authorization":               accAdmin,
	"DELETE /api/auth/authorization":             accAdmin,
	"GET /api/auth/authorization/{type}/{id}":    accAdmin,

	// Metadata.
	"GET /api/metadata/workflow":                     accMetaRead,
	"GET /api/metadata/workflow/latest-versions":     accMetaRead,
	"GET /api/metadata/workflow/names-and-versions":  accMetaRead,
	"GET /api/metadata/workflow/names":               accMetaRead,
	"GET /api/metadata/workflow/{name}":              accMetaRead,
	"GET /api/metadata/workflow/{name}/versions":     accMetaRead,
	"POST /api/metadata/workflow/validate":           accMetaRead,
	"GET /api/metadata/taskdefs":                     accMetaRead,
	"GET /api/metadata/taskdefs/{name}":              accMetaRead,
	"POST /api/metadata/workflow":                    accMetaWrite,
	"PUT /api/metadata/workflow":                     accMetaWrite,
	"DELETE /api/metadata/workflow/{name}/{version}": accMetaWrite,
	"POST /api/metadata/taskdefs":                    accMetaWrite,
	"PUT /api/metadata/taskdefs":                     accMetaWrite,
	"DELETE /api/metadata/taskdefs/{name}":           accMetaWrite,
	"GET /api/event":                                 accMetaRead,
	"GET /api/event/executions":                      accMetaRead,
	"GET /api/event/{name}":                          accMetaRead,
	"POST /api/event":                                accMetaWrite,
	"PUT /api/event":                                 accMetaWrite,
	"DELETE /api/event/{name}":                       accMetaWrite,

	// Workflows.
	"GET /api/workflow/search":                                    accRead,
	"GET /api/workflow/search-v2":                                 accRead,
	"GET /api/workflow/running/{name}":                            accRead,
	"GET /api/workflow/{name}/correlated/{correlationId}":         accRead,
	"POST /api/workflow/{name}/correlated":                        accRead,
	"GET /api/workflow/{workflowId}":                              accRead,
	"GET /api/workflow/search-by-tasks":                           accRead,
	"GET /api/workflow/search-by-tasks-v2":                        accRead,
	"POST /api/workflow/correlated/batch":                         accRead,
	"GET /api/workflow/{workflowId}/status":                       accRead,
	"GET /api/workflow/{workflowId}/tasks":                        accRead,
	"POST /api/workflow":                                          accExecute,
	"POST /api/workflow/{name}":                                   accExecute,
	"POST /api/workflow/test":                                     accExecute,
	"POST /api/workflow/execute/{name}/{version}":                 accExecute,
	"DELETE /api/workflow/{workflowId}":                           accExecute,
	"DELETE /api/workflow/{workflowId}/remove":                    accExecute,
	"DELETE /api/workflow/{workflowId}/terminate-remove":          accExecute,
	"PUT /api/workflow/{workflowId}/pause":                        accExecute,
	"PUT /api/workflow/{workflowId}/resume":                       accExecute,
	"PUT /api/workflow/decide/{workflowId}":                       accExecute,
	"POST /api/workflow/{workflowId}/restart":                     accExecute,
	"POST /api/workflow/{workflowId}/retry":                       accExecute,
	"POST /api/workflow/{workflowId}/rerun":                       accExecute,
	"PUT /api/workflow/{workflowId}/skiptask/{taskReferenceName}": accExecute,
	"POST /api/workflow/{workflowId}/resetcallbacks":              accExecute,
	"PUT /api/workflow/bulk/pause":                                accExecute,
	"PUT /api/workflow/bulk/resume":                               accExecute,
	"POST /api/workflow/bulk/restart":                             accExecute,
	"POST /api/workflow/bulk/retry":                               accExecute,
	"POST /api/workflow/bulk/terminate":                           accExecute,
	"DELETE /api/workflow/bulk/remove":                            accExecute,
	"DELETE /api/workflow/bulk/terminate-remove":                  accExecute,

	// Tasks.
	"GET /api/tasks/poll/{taskType}":                           accWorkType,
	"GET /api/tasks/poll/batch/{taskType}":                     accWorkType,
	"POST /api/tasks":                                          accWork,
	"POST /api/tasks/update-v2":                                accWork,
	"POST /api/tasks/{workflowId}/{taskRefName}/{status}":      accWork,
	"POST /api/tasks/{workflowId}/{taskRefName}/{status}/sync": accWork,
	"POST /api/tasks/{taskId}/log":                             accWork,
	"POST /api/tasks/{workflowId}/{status}/signal":             accExecute,
	"POST /api/tasks/{workflowId}/{status}/signal/sync":        accExecute,
	"GET /api/tasks/{taskId}":                                  accRead,
	"GET /api/tasks/search":                                    accRead,
	"GET /api/tasks/search-v2":                                 accRead,
	"GET /api/tasks/{taskId}/log":                              accRead,
	"GET /api/tasks/queue/size":                                accRead,
	"GET /api/tasks/queue/sizes":                               accRead,
	"GET /api/tasks/queue/all":                                 accRead,
	"GET /api/tasks/queue/polldata":                            accRead,
	"GET /api/tasks/queue/polldata/all":                        accRead,
	"GET /api/tasks/queue/all/verbose":                         accRead,
	"POST /api/tasks/queue/requeue/{taskType}":                 accExecute,

	// Definition tags: like the definitions.
	"GET /api/metadata/workflow/{name}/tags":    accMetaRead,
	"POST /api/metadata/workflow/{name}/tags":   accMetaWrite,
	"PUT /api/metadata/workflow/{name}/tags":    accMetaWrite,
	"DELETE /api/metadata/workflow/{name}/tags": accMetaWrite,
	"GET /api/metadata/task/{name}/tags":        accMetaRead,
	"POST /api/metadata/task/{name}/tags":       accMetaWrite,
	"PUT /api/metadata/task/{name}/tags":        accMetaWrite,
	"DELETE /api/metadata/task/{name}/tags":     accMetaWrite,

	// Admin: ADMIN only.
	"GET /api/admin/config":                                    accAdmin,
	"GET /api/admin/task/{tasktype}":                           accAdmin,
	"POST /api/admin/sweep/requeue/{workflowId}":               accAdmin,
	"POST /api/admin/consistency/verifyAndRepair/{workflowId}": accAdmin,
	"GET /api/admin/queues":                                    accAdmin,
	"GET /api/admin/retention":                                 accAdmin,
	"POST /api/admin/retention/run":                            accAdmin,
	"PUT /api/admin/retention/workflow/{name}":                 accAdmin,
	"DELETE /api/admin/retention/workflow/{name}":              accAdmin,

	// Secrets.
	"GET /api/secrets":                 accAny,
	"POST /api/secrets":                accRead,
	"GET /api/secrets-v2":              accRead,
	"GET /api/secrets/{key}/exists":    accRead,
	"GET /api/secrets/{key}/tags":      accRead,
	"GET /api/secrets/{key}":           accSecretValue,
	"PUT /api/secrets/{key}":           accSecretWrite,
	"DELETE /api/secrets/{key}":        accSecretOwner,
	"PUT /api/secrets/{key}/tags":      accSecretOwner,
	"DELETE /api/secrets/{key}/tags":   accSecretOwner,
	"GET /api/secrets/clearLocalCache": accSecretWrite,
	"GET /api/secrets/clearRedisCache": accSecretWrite,

	// Scheduler.
	"GET /api/scheduler/schedules":                accRead,
	"GET /api/scheduler/schedules/search":         accRead,
	"GET /api/scheduler/schedules/tags":           accRead,
	"GET /api/scheduler/schedules/{name}":         accRead,
	"GET /api/scheduler/schedules/{name}/status":  accRead,
	"GET /api/scheduler/schedules/{name}/tags":    accRead,
	"GET /api/scheduler/nextFewSchedules":         accRead,
	"GET /api/scheduler/search/executions":        accRead,
	"POST /api/scheduler/schedules":               accExecute,
	"DELETE /api/scheduler/schedules/{name}":      accExecute,
	"GET /api/scheduler/schedules/{name}/pause":   accExecute,
	"PUT /api/scheduler/schedules/{name}/pause":   accExecute,
	"GET /api/scheduler/schedules/{name}/resume":  accExecute,
	"PUT /api/scheduler/schedules/{name}/resume":  accExecute,
	"PUT /api/scheduler/schedules/{name}/tags":    accExecute,
	"DELETE /api/scheduler/schedules/{name}/tags": accExecute,
	"PUT /api/scheduler/bulk/pause":               accExecute,
	"PUT /api/scheduler/bulk/resume":              accExecute,
	"GET /api/scheduler/admin/pause":              accAdmin,
	"GET /api/scheduler/admin/resume":             accAdmin,
	"GET /api/scheduler/admin/requeue":            accAdmin,
}

// matrixParams are harmless values for path parameters; "" stands for a fresh random UUID (a
// secret's name too, so that every PUT creates and none depends on who created one first).
var matrixParams = map[string]string{
	"name": "matrix_x", "version": "1", "correlationId": "matrix_corr",
	"taskReferenceName": "matrix_ref", "taskRefName": "matrix_ref", "taskType": "matrix_task", "tasktype": "matrix_task",
	"status": "COMPLETED", "key": "", "role": "USER", "type": "SECRET_NAME",
	"workflowId": "", "taskId": "", "id": "", "keyId": "",
}

var matrixParamPattern = regexp.MustCompile(`\{([^}/]+)\}`)

// matrixEndpoint is one operation the matrix sends requests to.
type matrixEndpoint struct {
	endpoint   string // "METHOD path" as documented (or routed, when undocumented)
	need       matrixAccess
	documented bool
	// slashVariant: the router's own pattern with its trailing slash (the root of a sub-router),
	// sent besides the documented form without it.
	slashVariant bool
}

// matrixEndpoints is the union of openapi.yaml's operations and the router's routes, matched
// on templateKey (the two may name a parameter differently), each with its expectation.
func matrixEndpoints(t *testing.T) []matrixEndpoint {
	t.Helper()
	needs := map[string]matrixAccess{}
	for ep, need := range matrixRoutes {
		needs[templateKey(ep)] = need
	}
	byKey := map[string]*matrixEndpoint{}
	for ep := range loadOpenAPI(t).ops {
		byKey[templateKey(ep)] = &matrixEndpoint{endpoint: ep, documented: true}
	}
	routes, ok := api.NewRouter(api.Config{AuthOff: true}).(chi.Routes)
	require.True(t, ok, "api.NewRouter must return a chi.Routes")
	routed := map[string]bool{}
	var variants []string
	require.NoError(t, chi.Walk(routes, func(method, route string, _ http.Handler, _ ...func(http.Handler) http.Handler) error {
		ep := method + " " + normaliseRoute(route)
		routed[templateKey(ep)] = true
		if byKey[templateKey(ep)] == nil {
			byKey[templateKey(ep)] = &matrixEndpoint{endpoint: ep}
		}
		if raw := method + " " + strings.ReplaceAll(api.RouteTemplate(route), "/*/", "/"); strings.HasSuffix(raw, "/") && raw != ep {
			variants = append(variants, raw)
		}
		return nil
	}))

	var out []matrixEndpoint
	var unknown []string
	for key, ep := range byKey {
		need, ok := needs[key]
		if !ok {
			unknown = append(unknown, ep.endpoint)
			continue
		}
		ep.need = need
		out = append(out, *ep)
	}
	for _, raw := range variants {
		out = append(out, matrixEndpoint{endpoint: raw, need: needs[templateKey(normaliseRoute(raw))], slashVariant: true})
	}
	slices.Sort(unknown)
	require.Empty(t, unknown, "routes missing from the test's expectation table matrixRoutes")
	var stale []string
	for ep := range matrixRoutes {
		if !routed[templateKey(ep)] {
			stale = append(stale, ep)
		}
	}
	slices.Sort(stale)
	require.Empty(t, stale, "expectation table entries the router does not serve")
	slices.SortFunc(out, func(a, b matrixEndpoint) int { return strings.Compare(a.endpoint, b.endpoint) })
	return out
}

// matrixPath fills the path parameters of path with harmless dummy values.
func matrixPath(t *testing.T, path string) string {
	return matrixParamPattern.ReplaceAllStringFunc(path, func(m string) string {
		name := m[1 : len(m)-1]
		v, ok := matrixParams[name]
		if !ok {
			t.Fatalf("no dummy value for path parameter {%s} in %s: add it to matrixParams", name, path)
		}
		if v == "" {
			v = uuid.NewString()
		}
		return v
	})
}

// authRequest sends method path as token (none when "") with a raw body (JSON when not nil);
// it is safe to call from parallel subtests (it reports to t, not to the bundle's test).
func (b *testBundle) authRequest(t *testing.T, token, method, path string, body []byte) response {
	t.Helper()
	h := http.Header{}
	if token != "" {
		h.Set("X-Authorization", token)
	}
	if body != nil {
		h.Set("Content-Type", "application/json")
	}
	resp, err := rawRequest(b.server.Client(), method, b.server.URL+path, body, h)
	require.NoError(t, err)
	return resp
}

// requireAuthError asserts a 401 with the token code an SDK reacts to.
func requireAuthError(t *testing.T, resp response, code string) {
	t.Helper()
	requireStatus(t, resp, http.StatusUnauthorized)
	require.Equal(t, code, resp.Error(t).Error, "body: %s", resp.Body)
}

// matrixPrincipal is who a matrix request is sent as.
type matrixPrincipal struct {
	name  string
	token string
	// role is the role the principal holds ("ADMIN" for the bootstrap key); "" for the
	// principals that must be refused with 401 (code).
	role string
	code string
}

// ---------------------------------------------------------------------------------------------
// 1. Every operation × every kind of principal.
// ---------------------------------------------------------------------------------------------

func TestAuthMatrix(t *testing.T) {
	t.Parallel()
	start := time.Now()
	endpoints := matrixEndpoints(t)
	b := setupAuth(t)
	admin := b.login(testAdminKeyID, testAdminKeySecret)

	// The key POST /api/token logs in with: the public route must answer 200 whatever
	// X-Authorization comes along (it is ignored).
	_, loginKeyID, loginSecret := b.newApplication(admin, "matrix-login")
	loginBody := mustJSON(t, obj{"keyId": loginKeyID, "keySecret": loginSecret})

	// Refused principals: an expired token and the token of a deleted key.
	_, expKeyID, expSecret := b.newApplication(admin, "matrix-expired", "USER")
	resp := b.do(http.MethodPost, "/api/token", obj{"keyId": expKeyID, "keySecret": expSecret, "expiration": 1000})
	requireStatus(t, resp, http.StatusOK)
	expired := decodeObj(t, resp.Body)["token"].(string)
	delAppID, delKeyID, delSecret := b.newApplication(admin, "matrix-deleted-key", "USER")
	deletedKeyToken := b.login(delKeyID, delSecret)
	requireStatus(t, b.as(deletedKeyToken, http.MethodGet, "/api/metadata/workflow", nil), http.StatusOK)
	requireStatus(t, b.as(admin, http.MethodDelete, "/api/applications/"+delAppID+"/accessKeys/"+delKeyID, nil), http.StatusOK)

	principals := []matrixPrincipal{
		{name: "no-token", code: "INVALID_TOKEN"},
		{name: "garbage-token", token: "garbage.not-a.token", code: "INVALID_TOKEN"},
		{name: "expired-token", token: expired, code: "EXPIRED_TOKEN"},
		{name: "deleted-key-token", token: deletedKeyToken, code: "INVALID_TOKEN"},
		{name: "ADMIN", token: admin, role: "ADMIN"},
	}
	// An application per role, and one holding ADMIN.
	roles := []string{"ADMIN", "USER_READ_ONLY", "WORKER", "METADATA_MANAGER", "WORKFLOW_MANAGER", "USER",
		"APPLICATION_MANAGER", "METADATA_API", "UNRESTRICTED_WORKER", "PROMPT_MANAGER", "APPLICATION_CREATOR"}
	for _, role := range roles {
		_, keyID, secret := b.newApplication(admin, "matrix-"+role, role)
		name := role
		if role == "ADMIN" {
			name = "ADMIN-application"
		}
		principals = append(principals, matrixPrincipal{name: name, token: b.login(keyID, secret), role: role})
	}
	// Let the expired token expire (the others live 60 minutes).
	b.clock.Advance(2 * time.Second)
	requireAuthError(t, b.as(expired, http.MethodGet, "/api/metadata/workflow", nil), "EXPIRED_TOKEN")

	var total, allowed, forbidden, unauthorized, mismatches atomic.Int64
	var mu sync.Mutex
	var serverErrors []string
	t.Run("group", func(t *testing.T) {
		for _, ep := range endpoints {
			method, path, _ := strings.Cut(ep.endpoint, " ")
			for _, p := range principals {
				t.Run(ep.endpoint+"/"+p.name, func(t *testing.T) {
					t.Parallel()
					var body []byte
					switch {
					case ep.endpoint == "POST /api/token":
						body = loginBody
					case method == http.MethodPost || method == http.MethodPut:
						body = []byte(`{}`)
					}
					target := matrixPath(t, path)
					resp := b.authRequest(t, p.token, method, target, body)
					total.Add(1)
					switch resp.Status {
					case http.StatusUnauthorized:
						unauthorized.Add(1)
					case http.StatusForbidden:
						forbidden.Add(1)
					default:
						allowed.Add(1)
						if resp.Status >= 500 {
							mu.Lock()
							serverErrors = append(serverErrors, fmt.Sprintf("%s %s as %s: %d %s", method, target, p.name, resp.Status, resp.Body))
							mu.Unlock()
						}
					}
					ok := false
					defer func() {
						if !ok {
							mismatches.Add(1)
						}
					}()
					switch {
					case ep.need == accPublic:
						require.NotContains(t, []int{http.StatusUnauthorized, http.StatusForbidden}, resp.Status,
							"public route %s %s as %s; body: %s", method, target, p.name, resp.Body)
						if ep.endpoint == "POST /api/token" {
							requireStatus(t, resp, http.StatusOK)
						}
					case p.role == "":
						requireAuthError(t, resp, p.code)
					case matrixRoleMay(p.role, ep.need):
						require.NotContains(t, []int{http.StatusUnauthorized, http.StatusForbidden}, resp.Status,
							"%s needs %s, which %s has: %s %s; body: %s", ep.endpoint, ep.need, p.name, method, target, resp.Body)
					default:
						require.Equal(t, http.StatusForbidden, resp.Status,
							"%s needs %s, which %s lacks: %s %s; body: %s", ep.endpoint, ep.need, p.name, method, target, resp.Body)
						require.Empty(t, resp.Error(t).Error, "403 carries no token code")
					}
					ok = true
				})
			}
		}
	})

	// The setup principals survived the matrix.
	requireStatus(t, b.as(admin, http.MethodGet, "/api/applications", nil), http.StatusOK)
	for _, p := range principals[4:] {
		requireStatus(t, b.as(p.token, http.MethodGet, "/api/token/userInfo", nil), http.StatusOK)
	}

	documented, variants := 0, 0
	for _, ep := range endpoints {
		switch {
		case ep.documented:
			documented++
		case ep.slashVariant:
			variants++
		}
	}
	t.Logf("auth matrix: %d operations (%d in openapi.yaml, %d only routed, %d trailing-slash variants) × %d principals = %d requests: "+
		"%d allowed, %d forbidden (403), %d unauthorized (401), %d mismatches; %s",
		len(endpoints), documented, len(endpoints)-documented-variants, variants, len(principals), total.Load(),
		allowed.Load(), forbidden.Load(), unauthorized.Load(), mismatches.Load(), time.Since(start).Round(time.Millisecond))
	if len(serverErrors) > 0 {
		slices.Sort(serverErrors)
		t.Logf("allowed requests answered 5xx (%d):\n  %s", len(serverErrors), strings.Join(serverErrors, "\n  "))
	}
}

// ---------------------------------------------------------------------------------------------
// 2. Access keys: deactivation, deletion, roles and applications take effect at once.
// ---------------------------------------------------------------------------------------------

func TestAuthKeyLifecycle(t *testing.T) {
	t.Parallel()
	b := setupAuth(t)
	admin := b.login(testAdminKeyID, testAdminKeySecret)
	const probe = "/api/metadata/workflow"
	loginResp := func(keyID, secret string) response {
		return b.do(http.MethodPost, "/api/token", obj{"keyId": keyID, "keySecret": secret})
	}

	appID, key1, secret1 := b.newApplication(admin, "lifecycle", "USER")
	appPath := "/api/applications/" + appID
	tok1 := b.login(key1, secret1)
	requireStatus(t, b.as(tok1, http.MethodGet, probe, nil), http.StatusOK)

	// A second key of the same application works on its own.
	resp := b.as(admin, http.MethodPost, appPath+"/accessKeys", nil)
	requireStatus(t, resp, http.StatusOK)
	k2 := decodeObj(t, resp.Body)
	key2, secret2 := k2["id"].(string), k2["secret"].(string)
	require.NotEqual(t, key1, key2)
	require.NotEqual(t, secret1, secret2)
	tok2 := b.login(key2, secret2)
	requireStatus(t, b.as(tok2, http.MethodGet, probe, nil), http.StatusOK)

	listKeys := func() map[string]string {
		t.Helper()
		resp := b.as(admin, http.MethodGet, appPath+"/accessKeys", nil)
		requireStatus(t, resp, http.StatusOK)
		require.NotContains(t, string(resp.Body), secret1)
		require.NotContains(t, string(resp.Body), secret2)
		require.NotContains(t, strings.ToLower(string(resp.Body)), "secret", "key listings carry no secret: %s", resp.Body)
		out := map[string]string{}
		for _, k := range decodeArr(t, resp.Body) {
			m := k.(obj)
			require.NotContains(t, m, "secret")
			require.NotEmpty(t, m["createdAt"])
			out[m["id"].(string)] = m["status"].(string)
		}
		return out
	}
	require.Equal(t, map[string]string{key1: "ACTIVE", key2: "ACTIVE"}, listKeys())

	// Deactivating key1 stops its token at once, and its login; key2 is unaffected.
	resp = b.as(admin, http.MethodPost, appPath+"/accessKeys/"+key1+"/status", nil)
	requireStatus(t, resp, http.StatusOK)
	toggled := decodeObj(t, resp.Body)
	require.Equal(t, key1, toggled["id"])
	require.Equal(t, "INACTIVE", toggled["status"])
	require.NotContains(t, toggled, "secret")
	requireAuthError(t, b.as(tok1, http.MethodGet, probe, nil), "INVALID_TOKEN")
	requireStatus(t, loginResp(key1, secret1), http.StatusUnauthorized)
	requireStatus(t, b.as(tok2, http.MethodGet, probe, nil), http.StatusOK)
	require.Equal(t, map[string]string{key1: "INACTIVE", key2: "ACTIVE"}, listKeys())

	// Reactivating it brings the same token back, and its login.
	resp = b.as(admin, http.MethodPost, appPath+"/accessKeys/"+key1+"/status", nil)
	requireStatus(t, resp, http.StatusOK)
	require.Equal(t, "ACTIVE", decodeObj(t, resp.Body)["status"])
	requireStatus(t, b.as(tok1, http.MethodGet, probe, nil), http.StatusOK)
	tok1b := b.login(key1, secret1)
	requireStatus(t, b.as(tok1b, http.MethodGet, probe, nil), http.StatusOK)

	// Another application's path cannot reach key1.
	otherID, _, _ := b.newApplication(admin, "other")
	otherPath := "/api/applications/" + otherID
	requireStatus(t, b.as(admin, http.MethodDelete, otherPath+"/accessKeys/"+key1, nil), http.StatusNotFound)
	requireStatus(t, b.as(admin, http.MethodPost, otherPath+"/accessKeys/"+key1+"/status", nil), http.StatusNotFound)
	requireStatus(t, b.as(tok1, http.MethodGet, probe, nil), http.StatusOK)
	require.Equal(t, map[string]string{key1: "ACTIVE", key2: "ACTIVE"}, listKeys())

	// Deleting key1 stops its tokens at once; it leaves the list; key2 still works.
	requireStatus(t, b.as(admin, http.MethodDelete, appPath+"/accessKeys/"+key1, nil), http.StatusOK)
	requireAuthError(t, b.as(tok1, http.MethodGet, probe, nil), "INVALID_TOKEN")
	requireAuthError(t, b.as(tok1b, http.MethodGet, probe, nil), "INVALID_TOKEN")
	requireStatus(t, loginResp(key1, secret1), http.StatusUnauthorized)
	require.Equal(t, map[string]string{key2: "ACTIVE"}, listKeys())
	requireStatus(t, b.as(tok2, http.MethodGet, probe, nil), http.StatusOK)
	requireStatus(t, b.as(admin, http.MethodDelete, appPath+"/accessKeys/"+key1, nil), http.StatusNotFound)
	requireStatus(t, b.as(admin, http.MethodGet, "/api/applications/key/"+key1, nil), http.StatusNotFound)
	resp = b.as(admin, http.MethodGet, "/api/applications/key/"+key2, nil)
	requireStatus(t, resp, http.StatusOK)
	require.Equal(t, appID, decodeObj(t, resp.Body)["id"])

	// Removing a role applies to an existing token at once.
	requireStatus(t, b.as(tok2, http.MethodPost, "/api/metadata/taskdefs", arr{obj{"name": "lifecycle_task"}}), http.StatusOK)
	resp = b.as(admin, http.MethodDelete, appPath+"/roles/USER", nil)
	requireStatus(t, resp, http.StatusOK)
	require.NotContains(t, decodeObj(t, resp.Body)["roles"], "USER")
	requireStatus(t, b.as(tok2, http.MethodGet, probe, nil), http.StatusForbidden)
	requireStatus(t, b.as(tok2, http.MethodPost, "/api/metadata/taskdefs", arr{obj{"name": "lifecycle_task2"}}), http.StatusForbidden)
	requireStatus(t, b.as(tok2, http.MethodGet, "/api/token/userInfo", nil), http.StatusOK)
	// ... and adding one back, too.
	requireStatus(t, b.as(admin, http.MethodPost, appPath+"/roles/USER_READ_ONLY", nil), http.StatusOK)
	requireStatus(t, b.as(tok2, http.MethodGet, probe, nil), http.StatusOK)
	requireStatus(t, b.as(tok2, http.MethodPost, "/api/metadata/taskdefs", arr{obj{"name": "lifecycle_task2"}}), http.StatusForbidden)

	// Deleting the application stops the tokens of its remaining keys at once.
	requireStatus(t, b.as(admin, http.MethodDelete, appPath, nil), http.StatusOK)
	requireAuthError(t, b.as(tok2, http.MethodGet, probe, nil), "INVALID_TOKEN")
	requireStatus(t, loginResp(key2, secret2), http.StatusUnauthorized)
	requireStatus(t, b.as(admin, http.MethodGet, appPath, nil), http.StatusNotFound)
	requireStatus(t, b.as(admin, http.MethodGet, appPath+"/accessKeys", nil), http.StatusNotFound)
	requireStatus(t, b.as(admin, http.MethodGet, "/api/applications/key/"+key2, nil), http.StatusNotFound)
	requireStatus(t, b.as(admin, http.MethodDelete, appPath, nil), http.StatusNotFound)

	// Unknown application and key ids: 404.
	unknown := "/api/applications/" + uuid.NewString()
	for _, c := range []struct {
		method, path string
		body         any
	}{
		{http.MethodGet, unknown, nil},
		{http.MethodGet, "/api/applications/not-a-uuid", nil},
		{http.MethodPut, unknown, obj{"name": "renamed"}},
		{http.MethodDelete, unknown, nil},
		{http.MethodPost, unknown + "/accessKeys", nil},
		{http.MethodGet, unknown + "/accessKeys", nil},
		{http.MethodDelete, unknown + "/accessKeys/" + key2, nil},
		{http.MethodDelete, otherPath + "/accessKeys/" + uuid.NewString(), nil},
		{http.MethodPost, otherPath + "/accessKeys/" + uuid.NewString() + "/status", nil},
		{http.MethodPost, otherPath + "/accessKeys/not-a-key/status", nil},
		{http.MethodGet, "/api/applications/key/" + uuid.NewString(), nil},
		{http.MethodGet, "/api/applications/key/not-a-key", nil},
		{http.MethodPost, unknown + "/roles/USER", nil},
		{http.MethodDelete, unknown + "/roles/USER", nil},
		{http.MethodGet, unknown + "/tags", nil},
		{http.MethodPut, unknown + "/tags", arr{obj{"key": "k", "value": "v"}}},
	} {
		resp := b.as(admin, c.method, c.path, c.body)
		require.Equal(t, http.StatusNotFound, resp.Status, "%s %s: %s", c.method, c.path, resp.Body)
	}

	// Bad input: 400.
	for _, name := range []string{"", "   "} {
		resp := b.as(admin, http.MethodPost, "/api/applications", obj{"name": name})
		require.Equal(t, http.StatusBadRequest, resp.Status, "name %q: %s", name, resp.Body)
	}
	requireStatus(t, b.as(admin, http.MethodPut, otherPath, obj{"name": ""}), http.StatusBadRequest)
	requireStatus(t, b.as(admin, http.MethodPost, otherPath+"/roles/NOPE", nil), http.StatusBadRequest)
	requireStatus(t, b.as(admin, http.MethodDelete, otherPath+"/roles/NOPE", nil), http.StatusBadRequest)
	requireStatus(t, b.as(admin, http.MethodPost, otherPath+"/roles/user", nil), http.StatusBadRequest)
	resp = b.as(admin, http.MethodGet, otherPath, nil)
	requireStatus(t, resp, http.StatusOK)
	require.Empty(t, decodeObj(t, resp.Body)["roles"])
}

// ---------------------------------------------------------------------------------------------
// 3. A grant lets an application read one secret's value, and only while it exists.
// ---------------------------------------------------------------------------------------------

func TestAuthGrantReadsSecretValue(t *testing.T) {
	t.Parallel()
	b := setupAuth(t)
	admin := b.login(testAdminKeyID, testAdminKeySecret)
	requireEmptyOK(t, b.as(admin, http.MethodPut, "/api/secrets/x", `"x-value"`))
	requireEmptyOK(t, b.as(admin, http.MethodPut, "/api/secrets/y", `"y-value"`))
	appID, keyID, secret := b.newApplication(admin, "granted", "USER_READ_ONLY")
	reader := b.login(keyID, secret)
	otherID, otherKey, otherSecret := b.newApplication(admin, "not-granted", "USER_READ_ONLY")
	other := b.login(otherKey, otherSecret)

	requireStatus(t, b.as(reader, http.MethodGet, "/api/secrets/x", nil), http.StatusForbidden)
	requireStatus(t, b.as(reader, http.MethodGet, "/api/secrets/x/exists", nil), http.StatusOK)

	grant := obj{"subject": obj{"type": "APPLICATION", "id": appID},
		"target": obj{"type": "SECRET_NAME", "id": "x"}, "access": arr{"READ"}}
	requireStatus(t, b.as(admin, http.MethodPost, "/api/auth/authorization", grant), http.StatusOK)

	// The same token reads x at once; not y; other applications still cannot read x.
	resp := b.as(reader, http.MethodGet, "/api/secrets/x", nil)
	requireStatus(t, resp, http.StatusOK)
	var value string
	resp.JSON(t, &value)
	require.Equal(t, "x-value", value)
	requireStatus(t, b.as(reader, http.MethodGet, "/api/secrets/y", nil), http.StatusForbidden)
	requireStatus(t, b.as(other, http.MethodGet, "/api/secrets/x", nil), http.StatusForbidden)
	// A grant to read is not one to write.
	requireStatus(t, b.as(reader, http.MethodPut, "/api/secrets/x", `"overwritten"`), http.StatusForbidden)
	requireStatus(t, b.as(reader, http.MethodDelete, "/api/secrets/x", nil), http.StatusForbidden)

	// The grant is listed while it exists (only to ADMIN), as Orkes lists them: access → subjects.
	resp = b.as(admin, http.MethodGet, "/api/auth/authorization/SECRET_NAME/x", nil)
	requireStatus(t, resp, http.StatusOK)
	require.JSONEq(t, `{"READ":[{"type":"APPLICATION","id":"`+appID+`"}]}`, string(resp.Body))
	resp = b.as(admin, http.MethodGet, "/api/auth/authorization/SECRET_NAME/y", nil)
	requireStatus(t, resp, http.StatusOK)
	require.JSONEq(t, `{}`, string(resp.Body))
	resp = b.as(admin, http.MethodGet, "/api/applications/"+appID+"/permissions", nil)
	requireStatus(t, resp, http.StatusOK)
	require.JSONEq(t, `[{"subject":{"type":"APPLICATION","id":"`+appID+`"},"target":{"type":"SECRET_NAME","id":"x"},"access":["READ"]}]`, string(resp.Body))
	requireStatus(t, b.as(reader, http.MethodGet, "/api/auth/authorization/SECRET_NAME/x", nil), http.StatusForbidden)

	// Granting twice is harmless.
	requireStatus(t, b.as(admin, http.MethodPost, "/api/auth/authorization", grant), http.StatusOK)
	resp = b.as(admin, http.MethodGet, "/api/auth/authorization/SECRET_NAME/x", nil)
	requireStatus(t, resp, http.StatusOK)
	require.JSONEq(t, `{"READ":[{"type":"APPLICATION","id":"`+appID+`"}]}`, string(resp.Body))

	// Revoking takes effect at once.
	requireStatus(t, b.as(admin, http.MethodDelete, "/api/auth/authorization", grant), http.StatusOK)
	requireStatus(t, b.as(reader, http.MethodGet, "/api/secrets/x", nil), http.StatusForbidden)
	resp = b.as(admin, http.MethodGet, "/api/auth/authorization/SECRET_NAME/x", nil)
	requireStatus(t, resp, http.StatusOK)
	require.JSONEq(t, `{}`, string(resp.Body))

	// Bad grants.
	withField := func(field string, v any) obj {
		g := obj{"subject": obj{"type": "APPLICATION", "id": otherID},
			"target": obj{"type": "SECRET_NAME", "id": "x"}, "access": arr{"READ"}}
		g[field] = v
		return g
	}
	for _, c := range []struct {
		name   string
		body   any
		status int
	}{
		{"subject USER", withField("subject", obj{"type": "USER", "id": otherID}), http.StatusBadRequest},
		{"subject GROUP", withField("subject", obj{"type": "GROUP", "id": otherID}), http.StatusBadRequest},
		{"target APPLICATION", withField("target", obj{"type": "APPLICATION", "id": "x"}), http.StatusBadRequest},
		{"target without id", withField("target", obj{"type": "SECRET_NAME", "id": ""}), http.StatusBadRequest},
		{"target id too long", withField("target", obj{"type": "SECRET_NAME", "id": strings.Repeat("x", 256)}), http.StatusBadRequest},
		{"access OWN", withField("access", arr{"OWN"}), http.StatusBadRequest},
		{"access read", withField("access", arr{"read"}), http.StatusBadRequest},
		{"no access", withField("access", arr{}), http.StatusBadRequest},
		{"unknown application", withField("subject", obj{"type": "APPLICATION", "id": uuid.NewString()}), http.StatusNotFound},
		{"not JSON", "{", http.StatusBadRequest},
	} {
		for _, method := range []string{http.MethodPost, http.MethodDelete} {
			resp := b.as(admin, method, "/api/auth/authorization", c.body)
			require.Equal(t, c.status, resp.Status, "%s %s: %s", method, c.name, resp.Body)
		}
	}
	requireStatus(t, b.as(other, http.MethodGet, "/api/secrets/x", nil), http.StatusForbidden)
	resp = b.as(admin, http.MethodGet, "/api/auth/authorization/SECRET_NAME/x", nil)
	requireStatus(t, resp, http.StatusOK)
	require.JSONEq(t, `{}`, string(resp.Body))
	requireStatus(t, b.as(admin, http.MethodGet, "/api/auth/authorization/APPLICATION/x", nil), http.StatusBadRequest)
}

// ---------------------------------------------------------------------------------------------
// 4. Failed logins are throttled per key id; unknown key ids are indistinguishable.
// ---------------------------------------------------------------------------------------------

func TestAuthThrottleFailedLogins(t *testing.T) {
	t.Parallel()
	b := setupAuth(t)
	admin := b.login(testAdminKeyID, testAdminKeySecret)
	_, key1, secret1 := b.newApplication(admin, "throttled", "USER")
	_, key2, secret2 := b.newApplication(admin, "bystander", "USER")
	loginResp := func(keyID, secret string) response {
		return b.do(http.MethodPost, "/api/token", obj{"keyId": keyID, "keySecret": secret})
	}

	for i := range 5 {
		resp := loginResp(key1, fmt.Sprintf("wrong-%d", i))
		require.Equal(t, http.StatusUnauthorized, resp.Status, "failed login %d: %s", i+1, resp.Body)
	}
	// The sixth attempt is refused even with the right secret.
	resp := loginResp(key1, secret1)
	requireStatus(t, resp, http.StatusTooManyRequests)
	retryAfter, err := strconv.Atoi(resp.Header.Get("Retry-After"))
	require.NoError(t, err, "Retry-After: %q", resp.Header.Get("Retry-After"))
	require.Positive(t, retryAfter)
	require.LessOrEqual(t, retryAfter, 60)
	require.NotContains(t, string(resp.Body), secret1)

	// Other key ids are unaffected.
	requireStatus(t, b.as(b.login(key2, secret2), http.MethodGet, "/api/metadata/workflow", nil), http.StatusOK)
	b.login(testAdminKeyID, testAdminKeySecret)

	// Still blocked within the minute; free after it.
	b.clock.Advance(30 * time.Second)
	requireStatus(t, loginResp(key1, secret1), http.StatusTooManyRequests)
	b.clock.Advance(31 * time.Second)
	tok := b.login(key1, secret1)
	requireStatus(t, b.as(tok, http.MethodGet, "/api/metadata/workflow", nil), http.StatusOK)

	// An unknown key id gets the very answer a wrong secret gets.
	unknown := loginResp(uuid.NewString(), "some-secret")
	wrong := loginResp(key2, "some-secret")
	requireStatus(t, unknown, http.StatusUnauthorized)
	requireStatus(t, wrong, http.StatusUnauthorized)
	eu, ew := unknown.Error(t), wrong.Error(t)
	require.Equal(t, ew.Error, eu.Error)
	require.Equal(t, ew.Message, eu.Message)
	require.Equal(t, string(wrong.Body), string(unknown.Body))
	// ... and an inactive key the same again.
	appID, key3, secret3 := b.newApplication(admin, "inactive")
	requireStatus(t, b.as(admin, http.MethodPost, "/api/applications/"+appID+"/accessKeys/"+key3+"/status", nil), http.StatusOK)
	inactive := loginResp(key3, secret3)
	require.Equal(t, string(wrong.Body), string(inactive.Body))
	require.Equal(t, wrong.Status, inactive.Status)
}

// ---------------------------------------------------------------------------------------------
// 5. Key secrets and tokens never show in responses or logs.
// ---------------------------------------------------------------------------------------------

func TestAuthSecretsNeverInResponsesOrLogs(t *testing.T) {
	t.Parallel()
	b := setupAuth(t)
	admin := b.login(testAdminKeyID, testAdminKeySecret)
	appID, key1, secret1 := b.newApplication(admin, "logged", "USER")
	resp := b.as(admin, http.MethodPost, "/api/applications/"+appID+"/accessKeys", nil)
	requireStatus(t, resp, http.StatusOK)
	k2 := decodeObj(t, resp.Body)
	key2, secret2 := k2["id"].(string), k2["secret"].(string)
	tok1 := b.login(key1, secret1)
	tok2 := b.login(key2, secret2)

	// Use the tokens every way, including ways that fail.
	requireStatus(t, b.as(tok1, http.MethodGet, "/api/metadata/workflow", nil), http.StatusOK)
	requireStatus(t, b.doWithHeader(http.MethodGet, "/api/metadata/workflow", nil,
		http.Header{"Authorization": {"Bearer " + tok2}}), http.StatusOK)
	requireStatus(t, b.as(tok1, http.MethodGet, "/api/secrets/nope", nil), http.StatusForbidden)
	requireStatus(t, b.as(tok1+"x", http.MethodGet, "/api/metadata/workflow", nil), http.StatusUnauthorized)
	const wrongAttempt = "wrong-attempt-secret-5d1e0c"
	const wrongAdminAttempt = "wrong-admin-attempt-9a7b21"
	requireStatus(t, b.do(http.MethodPost, "/api/token", obj{"keyId": key1, "keySecret": wrongAttempt}), http.StatusUnauthorized)
	requireStatus(t, b.do(http.MethodPost, "/api/token", obj{"keyId": testAdminKeyID, "keySecret": wrongAdminAttempt}), http.StatusUnauthorized)
	requireStatus(t, b.do(http.MethodPost, "/api/token", "{not json "+secret1), http.StatusBadRequest)

	// Responses about applications and principals carry no secret.
	secrets := []string{secret1, secret2, testAdminKeySecret}
	for _, path := range []string{
		"/api/applications", "/api/applications/" + appID, "/api/applications/" + appID + "/accessKeys",
		"/api/applications/key/" + key1, "/api/token/userInfo", "/api/token/userInfo?claims=true",
	} {
		for _, tok := range []string{admin, tok1} {
			resp := b.as(tok, http.MethodGet, path, nil)
			if tok == tok1 && strings.HasPrefix(path, "/api/applications") {
				requireStatus(t, resp, http.StatusForbidden)
			} else {
				requireStatus(t, resp, http.StatusOK)
			}
			body := string(resp.Body)
			for _, s := range secrets {
				require.NotContains(t, body, s, "GET %s", path)
			}
			require.NotContains(t, body, "argon2", "GET %s", path)
			require.NotContains(t, body, tok1, "GET %s", path)
			require.NotContains(t, body, tok2, "GET %s", path)
			requireNoSecretMember(t, decodeExact(t, resp.Body), path)
		}
	}

	// Nothing secret is logged: key secrets, wrong attempts, tokens (nor their signatures).
	logs := b.logs.String()
	require.Contains(t, logs, "auth: failed login", "the failed logins are logged (without their secrets)")
	for _, s := range []string{secret1, secret2, testAdminKeySecret, wrongAttempt, wrongAdminAttempt, "argon2"} {
		require.NotContains(t, logs, s)
	}
	for _, tok := range []string{admin, tok1, tok2} {
		require.NotContains(t, logs, tok)
		parts := strings.Split(tok, ".")
		require.Len(t, parts, 3, "a JWT")
		require.NotContains(t, logs, parts[1], "token claims")
		require.NotContains(t, logs, parts[2], "token signature")
	}
}

// requireNoSecretMember fails when a JSON value has a member named like a secret or a hash.
func requireNoSecretMember(t *testing.T, v any, where string) {
	t.Helper()
	switch v := v.(type) {
	case obj:
		for k, child := range v {
			lower := strings.ToLower(k)
			require.False(t, strings.Contains(lower, "secret") || strings.Contains(lower, "hash"),
				"%s: member %q", where, k)
			requireNoSecretMember(t, child, where+"."+k)
		}
	case arr:
		for i, child := range v {
			requireNoSecretMember(t, child, fmt.Sprintf("%s[%d]", where, i))
		}
	}
}
