package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"reflect"
	"strconv"

	"github.com/go-chi/chi/v5"

	"github.com/podiumhq/podium/internal/conductor"
)

// decodeJSON reads the request body as one JSON value into v. Malformed JSON, a value of the
// wrong type, an empty body, trailing data and text PostgreSQL cannot store (invalid UTF-8,
// lone surrogates: see checkJSONText) are ErrInvalid errors naming the problem; a body
// over the limit keeps its *http.MaxBytesError.
func decodeJSON(r *http.Request, v any) error {
	_, err := decodeJSONBody(r, v)
	return err
}

// decodeJSONBody is decodeJSON that also returns the raw body.
func decodeJSONBody(r *http.Request, v any) ([]byte, error) {
	body, err := readBody(r)
	if err != nil {
		return nil, err
	}
	return body, decodeBody(body, v)
}

// readBody reads the whole request body, which must not be empty.
func readBody(r *http.Request) ([]byte, error) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return nil, err
		}
		return nil, conductor.Invalidf("Cannot read request body: %v", err)
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return nil, conductor.Invalidf("Request body is required")
	}
	if err := checkJSONText(body); err != nil {
		return nil, err
	}
	return body, nil
}

// decodeBody decodes body, one JSON value, into v (see decodeJSON).
func decodeBody(body []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		return jsonError(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return conductor.Invalidf("Malformed JSON: unexpected data after the JSON value")
	}
	return nil
}

func jsonError(err error) error {
	if errors.Is(err, conductor.ErrInvalid) {
		return err // already a client error with its message (checkJSONText)
	}
	var syntax *json.SyntaxError
	var typeErr *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syntax):
		return conductor.Invalidf("Malformed JSON at offset %d: %s", syntax.Offset, syntax.Error())
	case errors.As(err, &typeErr):
		field := typeErr.Field
		if field == "" {
			field = "(root)"
		}
		return conductor.Invalidf("Invalid JSON value for field %q: expected %s, got %s", field, typeErr.Type, typeErr.Value)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return conductor.Invalidf("Malformed JSON: unexpected end of input")
	}
	return conductor.Invalidf("Malformed JSON: %s", err.Error())
}

// writeJSON answers v as JSON with status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	data, err := json.Marshal(v)
	if err != nil {
		status = http.StatusInternalServerError
		data = []byte(`{"status":500,"message":"error encoding response","retryable":false}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(data)
}

// writeText answers s as text/plain with status 200.
func writeText(w http.ResponseWriter, s string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = io.WriteString(w, s)
}

// queryInt parses an optional 32-bit integer query parameter (Conductor's int): a value out
// of that range is refused here rather than by the database.
func queryInt(r *http.Request, name string, fallback int) (int, error) {
	raw := r.URL.Query().Get(name)
	if raw == "" {
		return fallback, nil
	}
	n, err := strconv.ParseInt(raw, 10, 32)
	if err != nil {
		return 0, conductor.Invalidf("Invalid value for query parameter %q: %q is not a 32-bit integer", name, raw)
	}
	return int(n), nil
}

// queryMillis parses an optional epoch-milliseconds query parameter (Conductor's long), within
// the years PostgreSQL and Go times both hold (0 to 9999).
func queryMillis(r *http.Request, name string) (int64, error) {
	raw := r.URL.Query().Get(name)
	if raw == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(raw, 10, 64)
	if err != nil || n < minMillis || n > maxMillis {
		return 0, conductor.Invalidf("Invalid value for query parameter %q: %q is not epoch milliseconds", name, raw)
	}
	return n, nil
}

// Range of epoch milliseconds accepted as times: 0000-01-01 to 9999-12-31.
const (
	minMillis = -62167219200000
	maxMillis = 253402300799999
)

// queryBool parses an optional boolean query parameter.
func queryBool(r *http.Request, name string, fallback bool) (bool, error) {
	raw := r.URL.Query().Get(name)
	if raw == "" {
		return fallback, nil
	}
	b, err := strconv.ParseBool(raw)
	if err != nil {
		return false, conductor.Invalidf("Invalid value for query parameter %q: %q is not a boolean", name, raw)
	}
	return b, nil
}

// parseInt parses a 32-bit integer (Conductor's int) from a path or query parameter named name.
func parseInt(name, raw string) (int, error) {
	n, err := strconv.ParseInt(raw, 10, 32)
	if err != nil {
		return 0, conductor.Invalidf("Invalid value for parameter %q: %q is not a 32-bit integer", name, raw)
	}
	return int(n), nil
}

// queryOptionalInt parses an optional integer query parameter; absent gives nil.
func queryOptionalInt(r *http.Request, name string) (*int, error) {
	raw := r.URL.Query().Get(name)
	if raw == "" {
		return nil, nil
	}
	n, err := parseInt(name, raw)
	if err != nil {
		return nil, err
	}
	return &n, nil
}

func formatInt(n int64) string { return fmt.Sprint(n) }

// writeResult answers v as JSON, or the error.
func (s *server) writeResult(w http.ResponseWriter, r *http.Request, v any, err error) {
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, v)
}

// writeList answers a list as JSON, [] when empty, or the error.
func (s *server) writeList(w http.ResponseWriter, r *http.Request, list any, err error) {
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if v := reflect.ValueOf(list); v.Kind() == reflect.Slice && v.IsNil() {
		list = []any{}
	}
	writeJSON(w, http.StatusOK, list)
}

// pathParam returns the unescaped value of a route parameter ("my%20flow" → "my flow"),
// decoding it exactly once.
func pathParam(r *http.Request, name string) string {
	raw := chi.URLParam(r, name)
	if r.URL.RawPath == "" {
		return raw // chi routed on the decoded path: the value is decoded already
	}
	if v, err := url.PathUnescape(raw); err == nil {
		return v
	}
	return raw
}

// decodeBytes decodes one JSON value from data, keeping numbers exact. Text PostgreSQL cannot
// store (see checkJSONText) is an ErrInvalid error.
func decodeBytes(data []byte, v any) error {
	if err := checkJSONText(data); err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	return dec.Decode(v)
}
