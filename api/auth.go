package api

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/podiumhq/podium/internal/auth"
)

// Authentication failure codes the SDKs react to (they fetch a new token and retry once).
const (
	codeInvalidToken = "INVALID_TOKEN"
	codeExpiredToken = "EXPIRED_TOKEN"
)

type principalKey struct{}

// principalOf returns the principal a request acts for; nil when authentication is off.
func principalOf(ctx context.Context) *auth.Principal {
	p, _ := ctx.Value(principalKey{}).(*auth.Principal)
	return p
}

// principal is the id recorded as createdBy/updatedBy for a request; "" with authentication off.
func principal(r *http.Request) string {
	if p := principalOf(r.Context()); p != nil {
		return p.ID
	}
	return ""
}

// publicRoutes need no token.
var publicRoutes = map[string]bool{
	"GET /health": true, "GET /metrics": true, "POST /api/token": true,
}

// authenticate requires a valid token on every route but the public ones, and the permission
// the route table (routePermissions) gives the route. The token comes in X-Authorization (what
// the SDKs send) or as Authorization: Bearer.
func (s *server) authenticate(mux *chi.Mux) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			route, params := matchRoute(mux, r)
			if publicRoutes[route] {
				next.ServeHTTP(w, r)
				return
			}
			// A refused request never reaches the router: name its route for metrics and logs.
			if _, pattern, ok := strings.Cut(route, " "); ok {
				if rctx := chi.RouteContext(r.Context()); rctx != nil {
					defer func() {
						if rctx.RoutePattern() == "" {
							rctx.RoutePatterns = []string{pattern}
						}
					}()
				}
			}
			token := r.Header.Get("X-Authorization")
			if token == "" {
				if bearer, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok {
					token = strings.TrimSpace(bearer)
				}
			}
			if token == "" {
				s.writeAuthError(w, r, codeInvalidToken, "Missing token: send X-Authorization (from POST /api/token)")
				return
			}
			p, err := s.access.Authenticate(r.Context(), token)
			switch {
			case errors.Is(err, auth.ErrTokenExpired):
				s.writeAuthError(w, r, codeExpiredToken, "Token expired")
				return
			case errors.Is(err, auth.ErrTokenInvalid):
				s.writeAuthError(w, r, codeInvalidToken, "Invalid token")
				return
			case err != nil:
				s.writeError(w, r, err)
				return
			}
			if !allowed(p, route, params) {
				s.writeForbidden(w, r, p)
				return
			}
			next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), principalKey{}, p)))
		})
	}
}

// matchRoute returns "METHOD pattern" of the route serving r ("" when none does) and its
// path parameters.
func matchRoute(mux *chi.Mux, r *http.Request) (string, *chi.Context) {
	path := r.URL.RawPath
	if path == "" {
		path = r.URL.Path
	}
	method := r.Method
	if method == http.MethodHead {
		method = http.MethodGet // served by the GET route (middleware.GetHead)
	}
	rctx := chi.NewRouteContext()
	pattern := mux.Find(rctx, method, path)
	if pattern == "" {
		return "", rctx
	}
	// Table keys have no trailing slash: "/api/workflow" and "/api/workflow/" are one route.
	pattern = strings.TrimSuffix(routeTemplate(pattern), "/*")
	if len(pattern) > 1 {
		pattern = strings.TrimSuffix(pattern, "/")
	}
	route := method + " " + pattern
	if reservedSecretPath(route, rctx) {
		return "", rctx // no route, whoever asks (see secretRoute)
	}
	return route, rctx
}

// allowed reports whether p may use route. Unknown routes only need authentication (they
// answer 404); routes missing from the table need ADMIN.
func allowed(p *auth.Principal, route string, params *chi.Context) bool {
	if route == "" {
		return true
	}
	perm, ok := routePermissions[route]
	if !ok {
		perm = auth.Admin
	}
	switch perm {
	case auth.SecretRead:
		name, err := url.PathUnescape(params.URLParam("key"))
		return err == nil && p.CanReadSecret(name)
	case auth.SecretManage:
		name, err := url.PathUnescape(params.URLParam("key"))
		return err == nil && (p.Can(auth.SecretWrite) || p.Allowed(auth.TargetSecret, name, auth.AccessCreate, auth.AccessUpdate))
	case auth.SecretUpdate, auth.SecretDelete:
		access := auth.AccessUpdate
		if perm == auth.SecretDelete {
			access = auth.AccessDelete
		}
		name, err := url.PathUnescape(params.URLParam("key"))
		return err == nil && p.Allowed(auth.TargetSecret, name, access)
	case auth.RoleGrant:
		return p.Can(auth.ApplicationManage) && p.Holds(params.URLParam("role"))
	case auth.WorkflowStart:
		if p.Can(auth.WorkflowExecute) {
			return true
		}
		if name := params.URLParam("name"); name != "" {
			name, err := url.PathUnescape(name)
			return err == nil && p.Allowed(auth.TargetWorkflowDef, name, auth.AccessExecute)
		}
		return p.Grants.AnyOn(auth.TargetWorkflowDef, auth.AccessExecute) // the body names it
	case auth.TaskExecute:
		if !p.Can(auth.TaskWork) {
			return false
		}
		if taskType := params.URLParam("taskType"); taskType != "" {
			taskType, err := url.PathUnescape(taskType)
			return err == nil && p.CanExecuteTask(taskType)
		}
		return true // the task's own type is checked when the task is found
	}
	return p.Can(perm)
}

func (s *server) writeAuthError(w http.ResponseWriter, r *http.Request, code, message string) {
	writeJSON(w, http.StatusUnauthorized, ErrorResponse{Status: http.StatusUnauthorized, Error: code,
		Message: message, Instance: s.instance})
}

func (s *server) writeForbidden(w http.ResponseWriter, r *http.Request, p *auth.Principal) {
	writeJSON(w, http.StatusForbidden, ErrorResponse{Status: http.StatusForbidden, Instance: s.instance,
		Message: "Access denied: " + p.Name + " may not " + r.Method + " " + r.URL.Path})
}
