package api

import (
	"context"
	"errors"
	"math"
	"net/http"
	"strconv"
	"time"

	"github.com/podiumhq/podium/internal/access"
	"github.com/podiumhq/podium/internal/auth"
	"github.com/podiumhq/podium/internal/conductor"
)

// accessService is what the API needs of the access service (internal/access): login and
// token resolution for the auth middleware, applications, keys, grants and the ownership of
// definitions.
type accessService interface {
	Login(ctx context.Context, source, keyID, secret string, ttl time.Duration) (string, error)
	Authenticate(ctx context.Context, token string) (*auth.Principal, error)

	CreateApplication(ctx context.Context, p *auth.Principal, name string) (*access.Application, error)
	Applications(ctx context.Context) ([]*access.Application, error)
	Application(ctx context.Context, id string) (*access.Application, error)
	ApplicationByKey(ctx context.Context, keyID string) (*access.Application, error)
	RenameApplication(ctx context.Context, p *auth.Principal, id, name string) (*access.Application, error)
	DeleteApplication(ctx context.Context, p *auth.Principal, id string) error
	AddApplicationRole(ctx context.Context, p *auth.Principal, id, role string) (*access.Application, error)
	RemoveApplicationRole(ctx context.Context, p *auth.Principal, id, role string) (*access.Application, error)
	PutApplicationTags(ctx context.Context, p *auth.Principal, id string, tags []conductor.Tag) error
	DeleteApplicationTags(ctx context.Context, p *auth.Principal, id string, tags []conductor.Tag) error

	CreateAccessKey(ctx context.Context, p *auth.Principal, applicationID string) (*access.NewAccessKey, error)
	AccessKeys(ctx context.Context, applicationID string) ([]access.AccessKey, error)
	DeleteAccessKey(ctx context.Context, p *auth.Principal, applicationID, keyID string) error
	ToggleAccessKey(ctx context.Context, p *auth.Principal, applicationID, keyID string) (*access.AccessKey, error)

	Grant(ctx context.Context, req *access.AuthorizationRequest) error
	Revoke(ctx context.Context, req *access.AuthorizationRequest) error
	GrantsOn(ctx context.Context, targetType, targetID string) (map[string][]access.GrantSubject, error)
	GrantsOf(ctx context.Context, applicationID string) ([]access.AuthorizationRequest, error)

	MayWriteDefinitions(ctx context.Context, p *auth.Principal, targetType string, names []string, a auth.Access) ([]string, error)
	OwnDefinitions(ctx context.Context, p *auth.Principal, targetType string, names []string) error
}

// tokenRequest is the body of POST /api/token.
type tokenRequest struct {
	KeyID     string `json:"keyId"`
	KeySecret string `json:"keySecret"`
	// Expiration is the token's life in milliseconds: 0 or none takes the default, more than
	// the maximum gets the maximum, negative (Orkes' "never expires") is refused.
	Expiration *int64 `json:"expiration"`
}

// token answers POST /api/token: an access key pair for a signed token. Any X-Authorization
// the request carries is ignored (SDKs refresh with their old, possibly expired token on).
// With authentication off it answers 404, which every SDK reads as "no authentication".
// A login throttled or refused for want of a hashing slot is 429 with Retry-After.
func (s *server) token(w http.ResponseWriter, r *http.Request) {
	if s.authOff {
		s.writeError(w, r, conductor.NotFoundf("Authentication is off on this server: no token is needed"))
		return
	}
	var req tokenRequest
	if err := decodeJSON(r, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	var ttl time.Duration
	if req.Expiration != nil {
		switch ms := *req.Expiration; {
		case ms < 0:
			ttl = -1
		case ms > math.MaxInt64/int64(time.Millisecond):
			ttl = math.MaxInt64 // clamped to the maximum by the access service
		default:
			ttl = time.Duration(ms) * time.Millisecond
		}
	}
	tok, err := s.access.Login(r.Context(), sourceAddress(r, s.proxies), req.KeyID, req.KeySecret, ttl)
	var later *access.RetryLaterError
	switch {
	case errors.As(err, &later):
		secs := int((later.After + time.Second - 1) / time.Second)
		w.Header().Set("Retry-After", strconv.Itoa(max(secs, 1)))
		writeJSON(w, http.StatusTooManyRequests, ErrorResponse{Status: http.StatusTooManyRequests,
			Message: err.Error(), Instance: s.instance, Retryable: true})
		return
	case errors.Is(err, access.ErrBadCredentials):
		writeJSON(w, http.StatusUnauthorized, ErrorResponse{Status: http.StatusUnauthorized,
			Error: "INVALID_CREDENTIALS", Message: "Invalid access key id or secret", Instance: s.instance})
		return
	case err != nil:
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"token": tok})
}

// userInfo answers GET /api/token/userInfo with the principal of the request.
func (s *server) userInfo(w http.ResponseWriter, r *http.Request) {
	p := principalOf(r.Context())
	if p == nil {
		p = &auth.Principal{ID: "anonymous", Name: "anonymous", Roles: []string{auth.RoleAdmin}}
	}
	type permission struct {
		Name string `json:"name"`
	}
	type role struct {
		Name        string       `json:"name"`
		Permissions []permission `json:"permissions"`
	}
	roles := make([]role, len(p.Roles))
	for i, name := range p.Roles {
		roles[i] = role{Name: name, Permissions: []permission{}}
		for _, perm := range auth.PermissionsOf(name) {
			roles[i].Permissions = append(roles[i].Permissions, permission{Name: string(perm)})
		}
	}
	user := map[string]any{
		"id": p.ID, "name": p.Name, "uuid": p.ID, "roles": roles, "groups": []string{}, "namespace": "",
		"applicationUser": p.ID != access.AdminPrincipalID && p.ID != "anonymous",
		"orkesApp":        false, "orkesWorkersApp": false, "orkesApiGateway": false,
	}
	claims, err := queryBool(r, "claims", false)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if claims {
		writeJSON(w, http.StatusOK, map[string]any{"user": user, "claims": map[string]any{"sub": p.ID, "keyId": p.KeyID}})
		return
	}
	writeJSON(w, http.StatusOK, user)
}

type applicationRequest struct {
	Name string `json:"name"`
}

func (s *server) createApplication(w http.ResponseWriter, r *http.Request) {
	var req applicationRequest
	if err := decodeJSON(r, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	app, err := s.access.CreateApplication(r.Context(), principalOf(r.Context()), req.Name)
	s.writeValue(w, r, app, err)
}

func (s *server) listApplications(w http.ResponseWriter, r *http.Request) {
	apps, err := s.access.Applications(r.Context())
	s.writeList(w, r, apps, err)
}

func (s *server) getApplication(w http.ResponseWriter, r *http.Request) {
	app, err := s.access.Application(r.Context(), pathParam(r, "id"))
	s.writeValue(w, r, app, err)
}

func (s *server) updateApplication(w http.ResponseWriter, r *http.Request) {
	var req applicationRequest
	if err := decodeJSON(r, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	app, err := s.access.RenameApplication(r.Context(), principalOf(r.Context()), pathParam(r, "id"), req.Name)
	s.writeValue(w, r, app, err)
}

func (s *server) deleteApplication(w http.ResponseWriter, r *http.Request) {
	s.writeEmpty(w, r, s.access.DeleteApplication(r.Context(), principalOf(r.Context()), pathParam(r, "id")))
}

func (s *server) createAccessKey(w http.ResponseWriter, r *http.Request) {
	key, err := s.access.CreateAccessKey(r.Context(), principalOf(r.Context()), pathParam(r, "id"))
	s.writeValue(w, r, key, err)
}

func (s *server) listAccessKeys(w http.ResponseWriter, r *http.Request) {
	keys, err := s.access.AccessKeys(r.Context(), pathParam(r, "id"))
	s.writeList(w, r, keys, err)
}

func (s *server) deleteAccessKey(w http.ResponseWriter, r *http.Request) {
	s.writeEmpty(w, r, s.access.DeleteAccessKey(r.Context(), principalOf(r.Context()), pathParam(r, "id"), pathParam(r, "keyId")))
}

func (s *server) toggleAccessKey(w http.ResponseWriter, r *http.Request) {
	key, err := s.access.ToggleAccessKey(r.Context(), principalOf(r.Context()), pathParam(r, "id"), pathParam(r, "keyId"))
	s.writeValue(w, r, key, err)
}

func (s *server) applicationByKey(w http.ResponseWriter, r *http.Request) {
	app, err := s.access.ApplicationByKey(r.Context(), pathParam(r, "keyId"))
	s.writeValue(w, r, app, err)
}

func (s *server) addApplicationRole(w http.ResponseWriter, r *http.Request) {
	app, err := s.access.AddApplicationRole(r.Context(), principalOf(r.Context()), pathParam(r, "id"), pathParam(r, "role"))
	s.writeValue(w, r, app, err)
}

func (s *server) removeApplicationRole(w http.ResponseWriter, r *http.Request) {
	app, err := s.access.RemoveApplicationRole(r.Context(), principalOf(r.Context()), pathParam(r, "id"), pathParam(r, "role"))
	s.writeValue(w, r, app, err)
}

func (s *server) getApplicationTags(w http.ResponseWriter, r *http.Request) {
	app, err := s.access.Application(r.Context(), pathParam(r, "id"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.writeList(w, r, app.Tags, nil)
}

func (s *server) putApplicationTags(w http.ResponseWriter, r *http.Request) {
	s.editTags(w, r, "id", s.access.PutApplicationTags)
}

func (s *server) deleteApplicationTags(w http.ResponseWriter, r *http.Request) {
	s.editTags(w, r, "id", s.access.DeleteApplicationTags)
}

func (s *server) grantAccess(w http.ResponseWriter, r *http.Request) {
	var req access.AuthorizationRequest
	if err := decodeJSON(r, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	s.writeEmpty(w, r, s.access.Grant(r.Context(), &req))
}

func (s *server) revokeAccess(w http.ResponseWriter, r *http.Request) {
	var req access.AuthorizationRequest
	if err := decodeJSON(r, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	s.writeEmpty(w, r, s.access.Revoke(r.Context(), &req))
}

func (s *server) grantsOn(w http.ResponseWriter, r *http.Request) {
	grants, err := s.access.GrantsOn(r.Context(), pathParam(r, "type"), pathParam(r, "id"))
	s.writeValue(w, r, grants, err)
}

// writeValue answers v as JSON, or the error.
func (s *server) writeValue(w http.ResponseWriter, r *http.Request, v any, err error) {
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, v)
}

// applicationPermissions answers GET /api/applications/{id}/permissions with the grants the
// application holds.
func (s *server) applicationPermissions(w http.ResponseWriter, r *http.Request) {
	grants, err := s.access.GrantsOf(r.Context(), pathParam(r, "id"))
	s.writeList(w, r, grants, err)
}
