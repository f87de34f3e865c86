package api

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/go-chi/chi/v5"

	"github.com/podiumhq/podium/internal/auth"
	"github.com/podiumhq/podium/internal/conductor"
	"github.com/podiumhq/podium/internal/secrets"
)

// secretsService is what the API needs of the secrets service (internal/secrets).
type secretsService interface {
	Put(ctx context.Context, p *auth.Principal, name string, value []byte) error
	Get(ctx context.Context, name string) (string, error)
	Delete(ctx context.Context, p *auth.Principal, name string) error
	Exists(ctx context.Context, name string) (bool, error)
	Accessible(ctx context.Context, p *auth.Principal, accesses []auth.Access) ([]string, error)
	List(ctx context.Context) ([]secrets.Summary, error)
	Tags(ctx context.Context, name string) ([]conductor.Tag, error)
	PutTags(ctx context.Context, p *auth.Principal, name string, tags []conductor.Tag) error
	DeleteTags(ctx context.Context, p *auth.Principal, name string, tags []conductor.Tag) error
}

// secretRoute serves a /api/secrets/{key} route unless the key is a reserved word of the
// secrets API's paths (secrets.Reserved): such a path names no secret and is answered 404 "no
// route". PUT /api/secrets/{key} is not wrapped: it refuses a reserved name with a 400.
func (s *server) secretRoute(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if secrets.Reserved(pathParam(r, "key")) {
			s.writeError(w, r, notFoundRoute(r))
			return
		}
		h(w, r)
	}
}

// reservedSecretPath reports whether route ("METHOD pattern", matched with params) is a
// secretRoute whose key is reserved, for the auth middleware to treat as no route (a caller
// without rights on the word gets the same 404 as one with them).
func reservedSecretPath(route string, params *chi.Context) bool {
	if !strings.Contains(route, " /api/secrets/{key}") || route == "PUT /api/secrets/{key}" {
		return false
	}
	key, err := url.PathUnescape(params.URLParam("key"))
	return err == nil && secrets.Reserved(key)
}

// putSecret answers PUT /api/secrets/{key}. A body that is one JSON string literal is stored
// decoded (JS and C# SDKs, documented curl); any other body is stored as its raw UTF-8 text
// (Go and Python SDKs).
func (s *server) putSecret(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if len(body) == 0 {
		s.writeError(w, r, conductor.Invalidf("Secret value is required: send it as the request body"))
		return
	}
	if !utf8.Valid(body) {
		s.writeError(w, r, conductor.Invalidf("Secret value must be UTF-8 text"))
		return
	}
	value := body
	var decoded string
	if trimmed := bytes.Trim(body, " \t\r\n"); len(trimmed) > 0 && trimmed[0] == '"' && json.Unmarshal(trimmed, &decoded) == nil {
		value = []byte(decoded)
	}
	s.writeEmpty(w, r, s.secrets.Put(r.Context(), principalOf(r.Context()), pathParam(r, "key"), value))
}

// getSecret answers GET /api/secrets/{key}: a JSON string by default, raw text when the
// request prefers text/plain.
func (s *server) getSecret(w http.ResponseWriter, r *http.Request) {
	value, err := s.secrets.Get(r.Context(), pathParam(r, "key"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	if prefersText(r.Header.Get("Accept")) {
		writeText(w, value)
		return
	}
	writeJSON(w, http.StatusOK, value)
}

// prefersText reports whether an Accept header prefers text/plain to JSON: the higher q value
// wins, the range listed first breaks ties, and q=0 excludes a type.
func prefersText(accept string) bool {
	type choice struct {
		q   float64
		pos int
	}
	text, json := choice{q: -1}, choice{q: -1}
	better := func(c choice, q float64, pos int) choice {
		if q > c.q {
			return choice{q: q, pos: pos}
		}
		return c
	}
	for pos, part := range strings.Split(accept, ",") {
		mediaType, params, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil {
			continue
		}
		q := 1.0
		if v, ok := params["q"]; ok {
			if parsed, err := strconv.ParseFloat(v, 64); err == nil {
				q = parsed
			}
		}
		switch mediaType {
		case "text/plain", "text/*":
			text = better(text, q, pos)
		case "application/json", "application/*", "*/*":
			json = better(json, q, pos)
		}
	}
	if text.q <= 0 {
		return false
	}
	return text.q > json.q || (text.q == json.q && text.pos < json.pos)
}

func (s *server) deleteSecret(w http.ResponseWriter, r *http.Request) {
	s.writeEmpty(w, r, s.secrets.Delete(r.Context(), principalOf(r.Context()), pathParam(r, "key")))
}

func (s *server) secretExists(w http.ResponseWriter, r *http.Request) {
	ok, err := s.secrets.Exists(r.Context(), pathParam(r, "key"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, ok)
}

// listAccessibleSecrets answers GET /api/secrets with the names of the secrets the caller has
// every access listed in ?access= on (repeatable or comma-separated; default READ), as Orkes.
func (s *server) listAccessibleSecrets(w http.ResponseWriter, r *http.Request) {
	accesses := []auth.Access{}
	for _, v := range r.URL.Query()["access"] {
		for _, a := range strings.Split(v, ",") {
			a = strings.ToUpper(strings.TrimSpace(a))
			if a == "" {
				continue
			}
			if !auth.ValidAccess(auth.Access(a)) {
				s.writeError(w, r, conductor.Invalidf("Invalid access %q: one of CREATE, READ, UPDATE, EXECUTE, DELETE", a))
				return
			}
			accesses = append(accesses, auth.Access(a))
		}
	}
	if len(accesses) == 0 {
		accesses = []auth.Access{auth.AccessRead}
	}
	names, err := s.secrets.Accessible(r.Context(), principalOf(r.Context()), accesses)
	s.writeList(w, r, names, err)
}

// listSecretNames answers POST /api/secrets with every secret's name.
func (s *server) listSecretNames(w http.ResponseWriter, r *http.Request) {
	list, err := s.secrets.List(r.Context())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	names := make([]string, len(list))
	for i, sec := range list {
		names[i] = sec.Name
	}
	writeJSON(w, http.StatusOK, names)
}

// listSecretsV2 answers GET /api/secrets-v2 with names and tags.
func (s *server) listSecretsV2(w http.ResponseWriter, r *http.Request) {
	list, err := s.secrets.List(r.Context())
	s.writeList(w, r, list, err)
}

func (s *server) getSecretTags(w http.ResponseWriter, r *http.Request) {
	tags, err := s.secrets.Tags(r.Context(), pathParam(r, "key"))
	s.writeList(w, r, tags, err)
}

func (s *server) putSecretTags(w http.ResponseWriter, r *http.Request) {
	s.editTags(w, r, "key", s.secrets.PutTags)
}

func (s *server) deleteSecretTags(w http.ResponseWriter, r *http.Request) {
	s.editTags(w, r, "key", s.secrets.DeleteTags)
}

// editTags applies edit to the tags of the body and the resource named by path parameter param.
func (s *server) editTags(w http.ResponseWriter, r *http.Request, param string, edit func(ctx context.Context, p *auth.Principal, name string, tags []conductor.Tag) error) {
	var tags []tagRequest
	if err := decodeJSON(r, &tags); err != nil {
		s.writeError(w, r, err)
		return
	}
	out := make([]conductor.Tag, len(tags))
	for i, t := range tags {
		if t.Key == "" {
			s.writeError(w, r, conductor.Invalidf("Tag at index %d has no key", i))
			return
		}
		out[i] = conductor.Tag{Key: t.Key, Value: t.Value}
	}
	s.writeEmpty(w, r, edit(r.Context(), principalOf(r.Context()), pathParam(r, param), out))
}

// unrestricted adapts a tag edit that roles alone govern to editTags.
func unrestricted(edit func(ctx context.Context, name string, tags []conductor.Tag) error) func(context.Context, *auth.Principal, string, []conductor.Tag) error {
	return func(ctx context.Context, _ *auth.Principal, name string, tags []conductor.Tag) error {
		return edit(ctx, name, tags)
	}
}

// tagRequest is a tag as clients send it; the deprecated "type" is accepted and ignored.
type tagRequest struct {
	Key   string `json:"key"`
	Value string `json:"value"`
	Type  string `json:"type,omitempty"`
}

// clearSecretCache answers Orkes' cache-flush endpoints; Podium keeps no secret cache.
func (s *server) clearSecretCache(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{})
}
