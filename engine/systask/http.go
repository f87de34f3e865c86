package systask

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/podiumhq/podium/internal/conductor"
)

// HTTP task defaults and limits.
const (
	// HTTPTimeoutDefault is Conductor's default connectionTimeOut and readTimeOut.
	HTTPTimeoutDefault = 3 * time.Second
	// HTTPMaxTimeoutDefault caps connectionTimeOut and readTimeOut.
	HTTPMaxTimeoutDefault = 60 * time.Second
	// HTTPMaxResponseBytesDefault caps the response body read.
	HTTPMaxResponseBytesDefault = 10 << 20
	// HTTPMaxIdleConnsPerHostDefault is the idle connections kept per host by the default transport.
	HTTPMaxIdleConnsPerHostDefault = 64
	// httpExcerptLength bounds the response body quoted in a failure reason, in bytes.
	httpExcerptLength = 500
	// httpMediaTypeJSON is the default accept and contentType.
	httpMediaTypeJSON = "application/json"
)

// Reasons Conductor gives for a request it cannot build.
const (
	httpReasonMissingURI    = "Missing HTTP URI. See documentation for HttpTask for required input parameters"
	httpReasonMissingMethod = "No HTTP method specified"
	httpReasonPrefix        = "Failed to invoke HTTP task due to: "
)

var httpMethods = map[string]bool{
	http.MethodGet: true, http.MethodPut: true, http.MethodPost: true, http.MethodDelete: true,
	http.MethodOptions: true, http.MethodHead: true, http.MethodPatch: true,
}

// HTTPConfig configures the HTTP task.
type HTTPConfig struct {
	// Client sends every request. Nil means a client over a pooled transport (the default
	// transport's settings, HTTPMaxIdleConnsPerHostDefault idle connections per host, each dial
	// bounded by the task's connectionTimeOut). Its redirect policy applies: Go's default follows
	// up to 10, as Conductor's client does. Timeouts come from each task, not from the client.
	Client *http.Client
	// MaxResponseBytes caps the response body read (HTTPMaxResponseBytesDefault).
	MaxResponseBytes int64
	// MaxTimeout caps connectionTimeOut and readTimeOut (HTTPMaxTimeoutDefault).
	MaxTimeout time.Duration
}

// HTTP runs the HTTP task: one request, described by the input's http_request object or by the
// same keys flat in the input, whose response becomes output.response.
//
// Statuses:
//   - 2xx: COMPLETED, or IN_PROGRESS when asyncComplete (the input's, else the WorkflowTask's) is
//     true, so that an external update completes the task;
//   - other status codes: FAILED, with output.response and a reason quoting the status and the
//     start of the body;
//   - transport failures (refused, DNS, timeouts, a body over the size limit): FAILED, reason
//     "Failed to invoke HTTP task due to: …";
//   - input that can never make a request (no uri, a bad method, malformed headers or
//     timeouts): FAILED_WITH_TERMINAL_ERROR, where Conductor says FAILED and retries in vain.
//
// Reasons and logs never carry request headers, body, or the URL beyond scheme and host.
type HTTP struct {
	client     *http.Client
	maxBody    int64
	maxTimeout time.Duration
}

// NewHTTP returns the HTTP handler. Its client is shared by every execution.
func NewHTTP(cfg HTTPConfig) *HTTP {
	h := &HTTP{client: cfg.Client, maxBody: cfg.MaxResponseBytes, maxTimeout: cfg.MaxTimeout}
	if h.client == nil {
		h.client = &http.Client{Transport: newHTTPTransport()}
	}
	if h.maxBody <= 0 {
		h.maxBody = HTTPMaxResponseBytesDefault
	}
	if h.maxTimeout <= 0 {
		h.maxTimeout = HTTPMaxTimeoutDefault
	}
	return h
}

// connectTimeoutKey carries a request's connect timeout to the transport's dialer.
type connectTimeoutKey struct{}

func newHTTPTransport() *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone() //nolint:forcetypeassert // the standard library's own type
	t.MaxIdleConns = 4 * HTTPMaxIdleConnsPerHostDefault
	t.MaxIdleConnsPerHost = HTTPMaxIdleConnsPerHostDefault
	t.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		// The transport detaches dials from the request's cancellation (another request may use
		// the connection), so the task's connect timeout bounds the dial here.
		timeout, ok := ctx.Value(connectTimeoutKey{}).(time.Duration)
		if !ok {
			timeout = HTTPMaxTimeoutDefault
		}
		d := net.Dialer{Timeout: timeout, KeepAlive: 30 * time.Second}
		return d.DialContext(ctx, network, addr)
	}
	return t
}

// Type returns HTTP.
func (*HTTP) Type() string { return conductor.TaskTypeHTTP }

// Mode returns Async: the call does network I/O.
func (*HTTP) Mode() Mode { return Async }

// Execute sends the request and reports the response.
func (h *HTTP) Execute(ctx context.Context, t *Task) Result {
	req, err := h.parseRequest(t.Input)
	if err != nil {
		return Result{Status: conductor.TaskFailedWithTerminalError, ReasonForIncompletion: err.Error()}
	}
	start := time.Now()
	resp, err := h.send(ctx, req)
	target := req.url.Scheme + "://" + req.url.Host
	if err != nil {
		msg := err.Error()
		if ctx.Err() != nil {
			// The caller gave up (shutdown); the engine drops this result and runs the task again.
			msg = "interrupted: " + context.Cause(ctx).Error()
		}
		return Result{
			Status:                conductor.TaskFailed,
			Output:                map[string]any{"response": msg},
			ReasonForIncompletion: httpReasonPrefix + msg,
			Logs:                  []string{fmt.Sprintf("%s %s failed after %d ms: %s", req.method, target, time.Since(start).Milliseconds(), msg)},
		}
	}
	res := Result{
		Status: conductor.TaskCompleted,
		Output: map[string]any{"response": resp.output()},
		Logs:   []string{fmt.Sprintf("%s %s: %d %s in %d ms", req.method, target, resp.code, resp.phrase, time.Since(start).Milliseconds())},
	}
	switch {
	case resp.code < 200 || resp.code > 299:
		res.Status = conductor.TaskFailed
		res.ReasonForIncompletion = fmt.Sprintf("%s%d %s: %s", httpReasonPrefix, resp.code, resp.phrase, excerpt(resp.raw))
	case asyncComplete(t):
		res.Status = conductor.TaskInProgress
	}
	return res
}

// asyncComplete reads the input's asyncComplete, else the WorkflowTask's, as Conductor does.
func asyncComplete(t *Task) bool {
	if v, ok := t.Input["asyncComplete"]; ok {
		b, _ := v.(bool)
		return b
	}
	return t.WorkflowTask != nil && t.WorkflowTask.AsyncComplete
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
		return nil, errors.New(httpReasonMissingURI)
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
		return nil, errors.New(httpReasonMissingMethod)
	}
	req.method = strings.ToUpper(method)
	if !httpMethods[req.method] {
		return nil, fmt.Errorf("invalid HTTP method %q: use GET, PUT, POST, DELETE, OPTIONS, HEAD or PATCH", truncate(method, 32))
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
			return fmt.Errorf("invalid header name %q", truncate(name, 64))
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

// timeoutError is the cause a request's context is canceled with when a phase runs out of time.
type timeoutError struct {
	phase string
	limit time.Duration
}

func (e *timeoutError) Error() string {
	return fmt.Sprintf("%s timed out after %d ms", e.phase, e.limit.Milliseconds())
}

// httpResponse is what the task keeps of a response.
type httpResponse struct {
	code   int
	phrase string
	header http.Header
	raw    []byte
}

func (r *httpResponse) output() map[string]any {
	headers := make(map[string]any, len(r.header))
	for name, values := range r.header {
		list := make([]any, len(values))
		for i, v := range values {
			list[i] = v
		}
		headers[name] = list
	}
	return map[string]any{
		"body":         parseBody(r.raw),
		"headers":      headers,
		"statusCode":   r.code,
		"reasonPhrase": r.phrase,
	}
}

// send makes the request. Until a connection is obtained (queueing, DNS, dial, TLS) the connect
// timeout applies; from then on the read timeout bounds the rest, body included.
func (h *HTTP) send(ctx context.Context, r *httpRequest) (*httpResponse, error) {
	ctx, cancel := context.WithCancelCause(context.WithValue(ctx, connectTimeoutKey{}, r.connectTimeout))
	defer cancel(nil)
	connectTimer := time.AfterFunc(r.connectTimeout, func() {
		cancel(&timeoutError{phase: "connect", limit: r.connectTimeout})
	})
	defer connectTimer.Stop()
	readTimer := time.AfterFunc(time.Hour, func() {
		cancel(&timeoutError{phase: "read", limit: r.readTimeout})
	})
	readTimer.Stop()
	defer readTimer.Stop()
	connected := false
	ctx = httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{
		GotConn: func(httptrace.GotConnInfo) {
			// Calls come one at a time, from the goroutine sending the request.
			if !connected && connectTimer.Stop() {
				connected = true
				readTimer.Reset(r.readTimeout)
			}
		},
	})

	var body io.Reader
	if r.hasBody {
		body = bytes.NewReader(r.body)
	}
	req, err := http.NewRequestWithContext(ctx, r.method, r.url.String(), body)
	if err != nil {
		return nil, sendError(ctx, err)
	}
	req.Header = r.header
	req.Host = r.host
	resp, err := h.client.Do(req)
	if err != nil {
		return nil, sendError(ctx, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, h.maxBody+1))
	if err != nil {
		return nil, sendError(ctx, err)
	}
	if int64(len(raw)) > h.maxBody {
		return nil, fmt.Errorf("response body exceeds the limit of %d bytes", h.maxBody)
	}
	phrase := http.StatusText(resp.StatusCode)
	if phrase == "" {
		phrase = strings.TrimSpace(strings.TrimPrefix(resp.Status, strconv.Itoa(resp.StatusCode)))
	}
	return &httpResponse{code: resp.StatusCode, phrase: phrase, header: resp.Header, raw: raw}, nil
}

// sendError names a timeout by its phase and strips the URL *url.Error adds.
func sendError(ctx context.Context, err error) error {
	var te *timeoutError
	if errors.As(context.Cause(ctx), &te) {
		return te
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// parseBody returns the body as JSON when it is one JSON value, else as text; empty is nil.
func parseBody(raw []byte) any {
	if len(raw) == 0 {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err == nil {
		if _, err := dec.Token(); errors.Is(err, io.EOF) {
			return v
		}
	}
	return string(raw)
}

// excerpt quotes the start of a body for a failure reason, as Spring's client exceptions do.
func excerpt(raw []byte) string {
	if len(raw) == 0 {
		return "[no body]"
	}
	return `"` + truncate(string(raw), httpExcerptLength) + `"`
}

// truncate cuts s to at most n bytes on a rune boundary, marking the cut with "…".
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}

func encodeJSON(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
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
