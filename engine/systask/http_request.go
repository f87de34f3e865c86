package systask

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/podiumhq/podium/internal/conductor"
)

// httpMethods are the methods an HTTP task may use.
var httpMethods = map[string]bool{
	http.MethodGet: true, http.MethodPut: true, http.MethodPost: true, http.MethodDelete: true,
	http.MethodOptions: true, http.MethodHead: true, http.MethodPatch: true,
}

// httpRequest is a validated HTTP task input.
type httpRequest struct {
	url            *url.URL
	method         string
	header         http.Header
	host           string
	body           []byte
	hasBody        bool
	connectTimeout time.Duration
	readTimeout    time.Duration
}

func (h *HTTP) parseRequest(input map[string]any) (*httpRequest, error) {
	in := input
	if v, ok := input["http_request"]; ok && v != nil {
		m, isMap := v.(map[string]any)
		if !isMap {
			return nil, errors.New("http_request must be an object")
		}
		in = m
	}
	req := &httpRequest{header: http.Header{}}

	uri, err := optionalString(in, "uri")
	if err != nil {
		return nil, err
	}
	if uri == "" {
		return nil, errors.New(httpReasonMissingURI) //nolint:staticcheck // Conductor's reason, shown as is
	}
	// The URI is never quoted back: its query may hold a token.
	u, err := url.Parse(uri)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, errors.New("invalid HTTP URI: an absolute http or https URL is required")
	}
	req.url = u

	method, err := optionalString(in, "method")
	if err != nil {
		return nil, err
	}
	if method == "" {
		return nil, errors.New(httpReasonMissingMethod) //nolint:staticcheck // Conductor's reason, shown as is
	}
	req.method = strings.ToUpper(method)
	if !httpMethods[req.method] {
		return nil, fmt.Errorf("invalid HTTP method %q: use GET, PUT, POST, DELETE, OPTIONS, HEAD or PATCH", conductor.Truncate(method, 32))
	}

	if err := req.parseHeaders(in["headers"]); err != nil {
		return nil, err
	}
	if err := req.parseMediaTypes(in); err != nil {
		return nil, err
	}
	if body, ok := in["body"]; ok && body != nil {
		req.hasBody = true
		if s, isString := body.(string); isString {
			req.body = []byte(s)
		} else if req.body, err = encodeJSON(body); err != nil {
			return nil, errors.New("body cannot be encoded as JSON")
		}
	}
	if !req.hasBody {
		req.header.Del("Content-Type")
	}

	if req.connectTimeout, err = h.parseTimeout(in, "connectionTimeOut"); err != nil {
		return nil, err
	}
	if req.readTimeout, err = h.parseTimeout(in, "readTimeOut"); err != nil {
		return nil, err
	}
	return req, nil
}

// parseHeaders reads a map of names to strings (or lists of strings); scalars are written out.
// Messages name the header, never its value.
func (r *httpRequest) parseHeaders(v any) error {
	if v == nil {
		return nil
	}
	m, ok := v.(map[string]any)
	if !ok {
		return errors.New("headers must be an object")
	}
	for name, value := range m {
		if !validHeaderName(name) {
			return fmt.Errorf("invalid header name %q", conductor.Truncate(name, 64))
		}
		var values []string
		switch x := value.(type) {
		case nil:
			continue
		case []any:
			for _, e := range x {
				s, ok := scalarString(e)
				if !ok {
					return fmt.Errorf("header %s must be a string or a list of strings", name)
				}
				values = append(values, s)
			}
		default:
			s, ok := scalarString(x)
			if !ok {
				return fmt.Errorf("header %s must be a string or a list of strings", name)
			}
			values = []string{s}
		}
		for _, s := range values {
			if strings.ContainsAny(s, "\r\n\x00") {
				return fmt.Errorf("header %s has an invalid value", name)
			}
			if http.CanonicalHeaderKey(name) == "Host" {
				r.host = s // Go sends Request.Host, not a Host header
				continue
			}
			r.header.Add(name, s)
		}
	}
	return nil
}

// parseMediaTypes applies accept and contentType: given, they replace the headers of the same
// name; absent, the headers stand, or application/json when there are none.
func (r *httpRequest) parseMediaTypes(in map[string]any) error {
	switch v := in["accept"].(type) {
	case nil:
		if r.header.Get("Accept") == "" {
			r.header.Set("Accept", httpMediaTypeJSON)
		}
	case string:
		r.header.Set("Accept", v)
	case []any:
		types := make([]string, 0, len(v))
		for _, e := range v {
			s, ok := e.(string)
			if !ok {
				return errors.New("accept must be a string or a list of strings")
			}
			types = append(types, s)
		}
		r.header.Set("Accept", strings.Join(types, ", "))
	default:
		return errors.New("accept must be a string or a list of strings")
	}
	contentType, err := optionalString(in, "contentType")
	if err != nil {
		return err
	}
	switch {
	case contentType != "":
		r.header.Set("Content-Type", contentType)
	case r.header.Get("Content-Type") == "":
		r.header.Set("Content-Type", httpMediaTypeJSON)
	}
	for _, name := range []string{"Accept", "Content-Type"} {
		if strings.ContainsAny(r.header.Get(name), "\r\n\x00") {
			return fmt.Errorf("header %s has an invalid value", name)
		}
	}
	return nil
}

// parseTimeout reads a timeout in milliseconds: absent or ≤ 0 means HTTPTimeoutDefault, and it
// is capped at the handler's maximum.
func (h *HTTP) parseTimeout(in map[string]any, key string) (time.Duration, error) {
	var ms float64
	switch v := in[key].(type) {
	case nil:
	case json.Number:
		f, err := v.Float64()
		if err != nil {
			return 0, fmt.Errorf("%s must be a number of milliseconds", key)
		}
		ms = f
	case float64:
		ms = v
	case int:
		ms = float64(v)
	case int64:
		ms = float64(v)
	case string:
		f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
		if err != nil {
			return 0, fmt.Errorf("%s must be a number of milliseconds", key)
		}
		ms = f
	default:
		return 0, fmt.Errorf("%s must be a number of milliseconds", key)
	}
	if !(ms > 0) { // also NaN
		return HTTPTimeoutDefault, nil
	}
	if ms >= float64(h.maxTimeout.Milliseconds()) {
		return h.maxTimeout, nil
	}
	return time.Duration(ms * float64(time.Millisecond)), nil
}

// optionalString reads in[key]: "" when absent or null, an error when not a string.
func optionalString(in map[string]any, key string) (string, error) {
	switch v := in[key].(type) {
	case nil:
		return "", nil
	case string:
		return strings.TrimSpace(v), nil
	}
	return "", fmt.Errorf("%s must be a string", key)
}

// scalarString writes a header value out: strings as is, numbers and booleans as JSON.
func scalarString(v any) (string, bool) {
	switch x := v.(type) {
	case string:
		return x, true
	case json.Number:
		return x.String(), true
	case bool:
		return strconv.FormatBool(x), true
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64), true
	case int:
		return strconv.Itoa(x), true
	case int64:
		return strconv.FormatInt(x, 10), true
	}
	return "", false
}

// validHeaderName reports whether name is an RFC 9110 token.
func validHeaderName(name string) bool {
	if name == "" {
		return false
	}
	for i := range len(name) {
		c := name[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0:
		default:
			return false
		}
	}
	return true
}
