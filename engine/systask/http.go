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
	"syscall"
	"time"

	"github.com/podiumhq/podium/internal/conductor"
	"github.com/podiumhq/podium/internal/defaults"
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

// Reason texts as Conductor words them.
const (
	httpReasonMissingURI    = "Missing HTTP URI. See documentation for HttpTask for required input parameters"
	httpReasonMissingMethod = "No HTTP method specified"
	httpReasonPrefix        = "Failed to invoke HTTP task due to: "
)

// HTTPConfig configures the HTTP task.
type HTTPConfig struct {
	// Client sends every request. Nil means a client over a pooled transport (the default
	// transport's settings, HTTPMaxIdleConnsPerHostDefault idle connections per host, each dial
	// bounded by the task's connectionTimeOut and checked against Egress) that follows up to
	// MaxRedirects redirects. A Client given here is used as it is: Egress and MaxRedirects do
	// not apply to it. Timeouts come from each task, not from the client.
	Client *http.Client
	// Egress restricts the addresses the default client connects to; the zero value allows
	// all. With an active policy, proxies from the environment are not used (the policy
	// would only see the proxy's address).
	Egress EgressPolicy
	// MaxRedirects is how many redirects the default client follows (HTTPMaxRedirectsDefault);
	// a negative value follows none. Every redirect is dialed, so checked, like the first request.
	MaxRedirects int
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
		maxRedirects := cfg.MaxRedirects
		if maxRedirects == 0 {
			maxRedirects = HTTPMaxRedirectsDefault
		}
		h.client = &http.Client{
			Transport: newHTTPTransport(cfg.Egress),
			CheckRedirect: func(_ *http.Request, via []*http.Request) error {
				if len(via) > maxRedirects {
					return fmt.Errorf("stopped after %d redirects", max(maxRedirects, 0))
				}
				return nil
			},
		}
	}
	h.maxBody = defaults.Positive(h.maxBody, HTTPMaxResponseBytesDefault)
	h.maxTimeout = defaults.Positive(h.maxTimeout, HTTPMaxTimeoutDefault)
	return h
}

// connectTimeoutKey carries a request's connect timeout to the transport's dialer.
type connectTimeoutKey struct{}

func newHTTPTransport(egress EgressPolicy) *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	var control func(network, address string, c syscall.RawConn) error
	if egress.Active() {
		t.Proxy = nil
		control = egress.control
	}
	t.MaxIdleConns = 4 * HTTPMaxIdleConnsPerHostDefault
	t.MaxIdleConnsPerHost = HTTPMaxIdleConnsPerHostDefault
	t.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		// The transport detaches dials from the request's cancellation (another request may use
		// the connection), so the task's connect timeout bounds the dial here.
		timeout, ok := ctx.Value(connectTimeoutKey{}).(time.Duration)
		if !ok {
			timeout = HTTPMaxTimeoutDefault
		}
		d := net.Dialer{Timeout: timeout, KeepAlive: 30 * time.Second, Control: control}
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
		var refused *EgressError
		if errors.As(err, &refused) {
			// The same input is refused every time: fail for good rather than retry.
			msg = refused.Error()
			return Result{
				Status:                conductor.TaskFailedWithTerminalError,
				Output:                map[string]any{"response": msg},
				ReasonForIncompletion: httpReasonPrefix + msg,
				Logs:                  []string{fmt.Sprintf("%s %s refused: %s", req.method, target, msg)},
			}
		}
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
	status := strings.TrimSpace(fmt.Sprintf("%d %s", resp.code, resp.phrase))
	res := Result{
		Status: conductor.TaskCompleted,
		Output: map[string]any{"response": resp.output()},
		Logs:   []string{fmt.Sprintf("%s %s: %s in %d ms", req.method, target, status, time.Since(start).Milliseconds())},
	}
	switch {
	case resp.code < 200 || resp.code > 299:
		res.Status = conductor.TaskFailed
		res.ReasonForIncompletion = fmt.Sprintf("%s%s: %s", httpReasonPrefix, status, excerpt(resp.raw))
	case asyncComplete(t):
		res.Status = conductor.TaskInProgress
	}
	return res
}

// Destination names the service the task calls, scheme://host:port in lower case, so that the
// engine can bound the calls in flight to one service; "" when the input names none.
func (h *HTTP) Destination(t *Task) string {
	req, err := h.parseRequest(t.Input)
	if err != nil {
		return ""
	}
	port := req.url.Port()
	if port == "" {
		port = "80"
		if req.url.Scheme == "https" {
			port = "443"
		}
	}
	return strings.ToLower(req.url.Scheme + "://" + net.JoinHostPort(req.url.Hostname(), port))
}

// asyncComplete reads the input's asyncComplete, else the WorkflowTask's, as Conductor does.
func asyncComplete(t *Task) bool {
	if v, ok := t.Input["asyncComplete"]; ok {
		b, _ := v.(bool)
		return b
	}
	return t.WorkflowTask != nil && t.WorkflowTask.AsyncComplete
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
	return `"` + conductor.Truncate(string(raw), httpExcerptLength) + `"`
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
