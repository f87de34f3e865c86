package systask_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/podiumhq/podium/engine/systask"
	"github.com/podiumhq/podium/internal/conductor"
)

func httpTask(input map[string]any) *systask.Task {
	return &systask.Task{
		TaskID: "task-1", WorkflowID: "wf-1", RefName: "http_ref", TaskType: conductor.TaskTypeHTTP,
		Input: input, WorkflowTask: &conductor.WorkflowTask{Type: conductor.TaskTypeHTTP, TaskReferenceName: "http_ref"},
	}
}

// seenRequest is what the test server received.
type seenRequest struct {
	Method string
	Path   string
	Host   string
	Header http.Header
	Body   string
}

// echoHandler records each request and answers with the JSON body {"ok": true}.
func echoHandler(seen chan<- seenRequest) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		seen <- seenRequest{Method: r.Method, Path: r.URL.RequestURI(), Host: r.Host, Header: r.Header, Body: string(body)}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Add("X-Reply", "a")
		w.Header().Add("X-Reply", "b")
		_, _ = io.WriteString(w, `{"ok":true,"big":12345678901234567890,"list":[1,"x"]}`)
	}
}

func TestHTTP(t *testing.T) {
	t.Parallel()

	type testBundle struct {
		http *systask.HTTP
		url  string
	}
	setupConfig := func(t *testing.T, handler http.Handler, cfg systask.HTTPConfig) *testBundle {
		t.Helper()
		srv := httptest.NewServer(handler)
		t.Cleanup(srv.Close)
		return &testBundle{http: systask.NewHTTP(cfg), url: srv.URL}
	}
	setup := func(t *testing.T, handler http.Handler) *testBundle {
		t.Helper()
		return setupConfig(t, handler, systask.HTTPConfig{})
	}
	execute := func(t *testing.T, h *systask.HTTP, input map[string]any) systask.Result {
		t.Helper()
		return h.Execute(context.Background(), httpTask(input))
	}
	response := func(t *testing.T, res systask.Result) map[string]any {
		t.Helper()
		resp, ok := res.Output["response"].(map[string]any)
		require.True(t, ok, "output.response is %#v", res.Output["response"])
		return resp
	}
	// refusedURL is an address on this machine where nothing listens.
	refusedURL := func(t *testing.T) string {
		t.Helper()
		l, err := net.Listen("tcp", "127.0.0.1:0")
		require.NoError(t, err)
		addr := l.Addr().String()
		require.NoError(t, l.Close())
		return "http://" + addr
	}

	t.Run("TypeAndMode", func(t *testing.T) {
		t.Parallel()
		h := systask.NewHTTP(systask.HTTPConfig{})
		require.Equal(t, "HTTP", h.Type())
		require.Equal(t, systask.Async, h.Mode())
	})

	t.Run("JSONResponse", func(t *testing.T) {
		t.Parallel()
		seen := make(chan seenRequest, 1)
		bundle := setup(t, echoHandler(seen))
		res := execute(t, bundle.http, map[string]any{"http_request": map[string]any{
			"uri": bundle.url + "/items?token=query-secret", "method": "GET",
		}})
		require.Equal(t, conductor.TaskCompleted, res.Status)
		require.Empty(t, res.ReasonForIncompletion)
		resp := response(t, res)
		require.Equal(t, map[string]any{"ok": true, "big": json.Number("12345678901234567890"), "list": []any{json.Number("1"), "x"}}, resp["body"])
		require.Equal(t, 200, resp["statusCode"])
		require.Equal(t, "OK", resp["reasonPhrase"])
		headers, ok := resp["headers"].(map[string]any)
		require.True(t, ok)
		require.Equal(t, []any{"a", "b"}, headers["X-Reply"])
		require.Equal(t, []any{"application/json"}, headers["Content-Type"])

		req := <-seen
		require.Equal(t, "GET", req.Method)
		require.Equal(t, "/items?token=query-secret", req.Path)
		require.Len(t, res.Logs, 1)
		require.Contains(t, res.Logs[0], "GET "+bundle.url+": 200 OK")
		require.NotContains(t, res.Logs[0], "query-secret")
	})

	t.Run("BodyForms", func(t *testing.T) {
		t.Parallel()
		bundle := setup(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			_, _ = io.WriteString(w, r.URL.Query().Get("reply"))
		}))
		for reply, want := range map[string]any{
			"hello world":    "hello world",
			`"quoted"`:       "quoted",
			"42":             json.Number("42"),
			"true":           true,
			"[1,2]":          []any{json.Number("1"), json.Number("2")},
			"":               nil,
			`{"a":1} extra`:  `{"a":1} extra`,
			"<html></html>":  "<html></html>",
			"  {\"a\": 1}\n": map[string]any{"a": json.Number("1")},
		} {
			res := execute(t, bundle.http, map[string]any{"uri": bundle.url + "/?reply=" + url.QueryEscape(reply), "method": "GET"})
			require.Equal(t, conductor.TaskCompleted, res.Status, reply)
			require.Equal(t, want, response(t, res)["body"], reply)
		}
	})

	t.Run("HeadersRoundTrip", func(t *testing.T) {
		t.Parallel()
		seen := make(chan seenRequest, 1)
		bundle := setup(t, echoHandler(seen))
		res := execute(t, bundle.http, map[string]any{
			"uri": bundle.url, "method": "get",
			"headers": map[string]any{
				"X-Api-Key": "key-1", "X-Multi": []any{"1", "2"}, "X-Num": json.Number("5"), "X-Bool": true,
				"X-Null": nil, "Host": "virtual.test",
			},
		})
		require.Equal(t, conductor.TaskCompleted, res.Status)
		req := <-seen
		require.Equal(t, "GET", req.Method)
		require.Equal(t, "key-1", req.Header.Get("X-Api-Key"))
		require.Equal(t, []string{"1", "2"}, req.Header.Values("X-Multi"))
		require.Equal(t, "5", req.Header.Get("X-Num"))
		require.Equal(t, "true", req.Header.Get("X-Bool"))
		require.Empty(t, req.Header.Values("X-Null"))
		require.Equal(t, "virtual.test", req.Host)
	})

	t.Run("Defaults", func(t *testing.T) {
		t.Parallel()
		seen := make(chan seenRequest, 1)
		bundle := setup(t, echoHandler(seen))

		execute(t, bundle.http, map[string]any{"uri": bundle.url, "method": "GET"})
		req := <-seen
		require.Equal(t, "application/json", req.Header.Get("Accept"))
		require.Empty(t, req.Header.Get("Content-Type"), "no body, no Content-Type")

		execute(t, bundle.http, map[string]any{"uri": bundle.url, "method": "POST", "body": map[string]any{"a": 1}})
		req = <-seen
		require.Equal(t, "application/json", req.Header.Get("Accept"))
		require.Equal(t, "application/json", req.Header.Get("Content-Type"))

		execute(t, bundle.http, map[string]any{
			"uri": bundle.url, "method": "PUT", "body": "x", "accept": []any{"text/plain", "application/xml"},
			"contentType": "text/plain", "headers": map[string]any{"Content-Type": "application/octet-stream"},
		})
		req = <-seen
		require.Equal(t, "text/plain, application/xml", req.Header.Get("Accept"))
		require.Equal(t, "text/plain", req.Header.Get("Content-Type"), "contentType wins over headers")

		execute(t, bundle.http, map[string]any{
			"uri": bundle.url, "method": "POST", "body": "x", "headers": map[string]any{"Accept": "text/csv", "Content-Type": "text/csv"},
		})
		req = <-seen
		require.Equal(t, "text/csv", req.Header.Get("Accept"), "headers stand when accept is absent")
		require.Equal(t, "text/csv", req.Header.Get("Content-Type"))
	})

	t.Run("PostBodyEncoding", func(t *testing.T) {
		t.Parallel()
		seen := make(chan seenRequest, 1)
		bundle := setup(t, echoHandler(seen))

		execute(t, bundle.http, map[string]any{"uri": bundle.url, "method": "POST", "body": map[string]any{
			"n": json.Number("12345678901234567890"), "html": "<b>&</b>", "list": []any{1, "x", nil},
		}})
		req := <-seen
		require.JSONEq(t, `{"n":12345678901234567890,"html":"<b>&</b>","list":[1,"x",null]}`, req.Body)
		require.Contains(t, req.Body, "<b>&</b>", "no HTML escaping")

		execute(t, bundle.http, map[string]any{"uri": bundle.url, "method": "PATCH", "body": `{"raw": true}`})
		require.Equal(t, `{"raw": true}`, (<-seen).Body, "a string body is sent as is")

		execute(t, bundle.http, map[string]any{"uri": bundle.url, "method": "POST", "body": []any{1, 2}})
		require.Equal(t, `[1,2]`, (<-seen).Body)

		execute(t, bundle.http, map[string]any{"uri": bundle.url, "method": "DELETE", "body": false})
		require.Equal(t, `false`, (<-seen).Body)
	})

	t.Run("RequestForms", func(t *testing.T) {
		t.Parallel()
		seen := make(chan seenRequest, 2)
		bundle := setup(t, echoHandler(seen))
		flat := execute(t, bundle.http, map[string]any{
			"uri": bundle.url + "/form", "method": "POST", "body": map[string]any{"a": 1},
			"outputFilter": map[string]any{"x": "y"}, "_createdBy": "someone",
		})
		nested := execute(t, bundle.http, map[string]any{
			"http_request": map[string]any{"uri": bundle.url + "/form", "method": "POST", "body": map[string]any{"a": 1}},
			"uri":          "http://ignored.invalid/", "method": "DELETE",
		})
		require.Equal(t, flat.Output, nested.Output)
		require.Equal(t, flat.Status, nested.Status)
		first, second := <-seen, <-seen
		require.Equal(t, first.Body, second.Body)
		require.Equal(t, "POST", second.Method, "http_request wins over flat keys")
		require.Equal(t, "/form", second.Path)
	})

	t.Run("Non2xx", func(t *testing.T) {
		t.Parallel()
		long := strings.Repeat("é", 400) // 800 bytes
		bundle := setup(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			switch r.URL.Path {
			case "/missing":
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusNotFound)
				_, _ = io.WriteString(w, `{"error":"nope"}`)
			case "/empty":
				w.WriteHeader(http.StatusInternalServerError)
			case "/long":
				w.WriteHeader(http.StatusBadGateway)
				_, _ = io.WriteString(w, long)
			case "/custom":
				w.WriteHeader(599)
			}
		}))

		res := execute(t, bundle.http, map[string]any{"uri": bundle.url + "/missing", "method": "GET"})
		require.Equal(t, conductor.TaskFailed, res.Status)
		require.Equal(t, `Failed to invoke HTTP task due to: 404 Not Found: "{"error":"nope"}"`, res.ReasonForIncompletion)
		resp := response(t, res)
		require.Equal(t, 404, resp["statusCode"])
		require.Equal(t, "Not Found", resp["reasonPhrase"])
		require.Equal(t, map[string]any{"error": "nope"}, resp["body"])

		res = execute(t, bundle.http, map[string]any{"uri": bundle.url + "/empty", "method": "GET"})
		require.Equal(t, conductor.TaskFailed, res.Status)
		require.Equal(t, "Failed to invoke HTTP task due to: 500 Internal Server Error: [no body]", res.ReasonForIncompletion)
		require.Equal(t, 500, response(t, res)["statusCode"])

		res = execute(t, bundle.http, map[string]any{"uri": bundle.url + "/long", "method": "GET"})
		require.Equal(t, conductor.TaskFailed, res.Status)
		prefix := `Failed to invoke HTTP task due to: 502 Bad Gateway: "`
		require.True(t, strings.HasPrefix(res.ReasonForIncompletion, prefix))
		quoted := strings.TrimSuffix(strings.TrimPrefix(res.ReasonForIncompletion, prefix), `…"`)
		require.Equal(t, long[:500], quoted)
		require.Equal(t, long, response(t, res)["body"], "the output keeps the whole body")

		res = execute(t, bundle.http, map[string]any{"uri": bundle.url + "/custom", "method": "GET"})
		require.Equal(t, conductor.TaskFailed, res.Status)
		require.Equal(t, 599, response(t, res)["statusCode"])
		require.Equal(t, "Failed to invoke HTTP task due to: 599 status code 599: [no body]", res.ReasonForIncompletion)
		require.Equal(t, "status code 599", response(t, res)["reasonPhrase"], "the server's own phrase")
	})

	t.Run("Redirects", func(t *testing.T) {
		t.Parallel()
		bundle := setup(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/old" {
				http.Redirect(w, r, "/new", http.StatusFound)
				return
			}
			_, _ = io.WriteString(w, r.URL.Path)
		}))
		res := execute(t, bundle.http, map[string]any{"uri": bundle.url + "/old", "method": "GET"})
		require.Equal(t, conductor.TaskCompleted, res.Status)
		require.Equal(t, "/new", response(t, res)["body"])
	})

	t.Run("Head", func(t *testing.T) {
		t.Parallel()
		bundle := setup(t, echoHandler(make(chan seenRequest, 1)))
		res := execute(t, bundle.http, map[string]any{"uri": bundle.url, "method": "HEAD"})
		require.Equal(t, conductor.TaskCompleted, res.Status)
		require.Nil(t, response(t, res)["body"])
	})

	t.Run("ConnectionRefused", func(t *testing.T) {
		t.Parallel()
		h := systask.NewHTTP(systask.HTTPConfig{})
		res := execute(t, h, map[string]any{
			"uri": refusedURL(t) + "/path?token=query-secret", "method": "POST",
			"headers": map[string]any{"Authorization": "Bearer header-secret"},
			"body":    map[string]any{"password": "body-secret"},
		})
		require.Equal(t, conductor.TaskFailed, res.Status)
		require.True(t, strings.HasPrefix(res.ReasonForIncompletion, "Failed to invoke HTTP task due to: "), res.ReasonForIncompletion)
		require.Contains(t, res.ReasonForIncompletion, "connection refused")
		require.Equal(t, strings.TrimPrefix(res.ReasonForIncompletion, "Failed to invoke HTTP task due to: "), res.Output["response"])
		all := fmt.Sprint(res.ReasonForIncompletion, res.Output, res.Logs)
		for _, secret := range []string{"query-secret", "header-secret", "body-secret", "/path"} {
			require.NotContains(t, all, secret)
		}
	})

	t.Run("ReadTimeout", func(t *testing.T) {
		t.Parallel()
		bundle := setup(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			<-r.Context().Done()
		}))
		start := time.Now()
		res := execute(t, bundle.http, map[string]any{"uri": bundle.url, "method": "GET", "readTimeOut": json.Number("100")})
		require.Equal(t, conductor.TaskFailed, res.Status)
		require.Equal(t, "Failed to invoke HTTP task due to: read timed out after 100 ms", res.ReasonForIncompletion)
		require.Less(t, time.Since(start), 2*time.Second)
	})

	t.Run("SlowBodyTimesOut", func(t *testing.T) {
		t.Parallel()
		bundle := setup(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			_, _ = io.WriteString(w, "partial")
			w.(http.Flusher).Flush()
			<-r.Context().Done()
		}))
		res := execute(t, bundle.http, map[string]any{"uri": bundle.url, "method": "GET", "readTimeOut": 100})
		require.Equal(t, conductor.TaskFailed, res.Status)
		require.Equal(t, "Failed to invoke HTTP task due to: read timed out after 100 ms", res.ReasonForIncompletion)
	})

	t.Run("ConnectTimeout", func(t *testing.T) {
		t.Parallel()
		// A dial that never completes stands for an unreachable host.
		release := make(chan struct{})
		t.Cleanup(func() { close(release) })
		client := &http.Client{Transport: &http.Transport{
			DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
				<-release
				return nil, fmt.Errorf("dial %s: released", addr)
			},
		}}
		h := systask.NewHTTP(systask.HTTPConfig{Client: client})
		start := time.Now()
		res := execute(t, h, map[string]any{"uri": "http://127.0.0.1:9/", "method": "GET", "connectionTimeOut": 100.0})
		require.Equal(t, conductor.TaskFailed, res.Status)
		require.Equal(t, "Failed to invoke HTTP task due to: connect timed out after 100 ms", res.ReasonForIncompletion)
		require.Less(t, time.Since(start), 2*time.Second)
	})

	t.Run("OversizedBody", func(t *testing.T) {
		t.Parallel()
		bundle := setupConfig(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			_, _ = io.WriteString(w, strings.Repeat("x", 2048))
		}), systask.HTTPConfig{MaxResponseBytes: 1024})
		res := execute(t, bundle.http, map[string]any{"uri": bundle.url, "method": "GET"})
		require.Equal(t, conductor.TaskFailed, res.Status)
		require.Equal(t, "Failed to invoke HTTP task due to: response body exceeds the limit of 1024 bytes", res.ReasonForIncompletion)

		res = execute(t, bundle.http, map[string]any{"uri": bundle.url, "method": "HEAD"})
		require.Equal(t, conductor.TaskCompleted, res.Status)
	})

	t.Run("BadInputIsTerminal", func(t *testing.T) {
		t.Parallel()
		h := systask.NewHTTP(systask.HTTPConfig{})
		for reason, input := range map[string]map[string]any{
			"Missing HTTP URI. See documentation for HttpTask for required input parameters": {"method": "GET"},
			"No HTTP method specified": {"uri": "http://127.0.0.1/"},
			`invalid HTTP method "FETCH": use GET, PUT, POST, DELETE, OPTIONS, HEAD or PATCH`: {"uri": "http://127.0.0.1/", "method": "FETCH"},
			"invalid HTTP URI: an absolute http or https URL is required":                     {"uri": "ftp://127.0.0.1/secret-path", "method": "GET"},
			"uri must be a string":                               {"uri": 1, "method": "GET"},
			"http_request must be an object":                     {"http_request": "GET /"},
			"headers must be an object":                          {"uri": "http://127.0.0.1/", "method": "GET", "headers": "X: y"},
			"header X-Bad has an invalid value":                  {"uri": "http://127.0.0.1/", "method": "GET", "headers": map[string]any{"X-Bad": "a\r\nInjected: 1"}},
			"header X-Obj must be a string or a list of strings": {"uri": "http://127.0.0.1/", "method": "GET", "headers": map[string]any{"X-Obj": map[string]any{}}},
			`invalid header name "Bad Name"`:                     {"uri": "http://127.0.0.1/", "method": "GET", "headers": map[string]any{"Bad Name": "v"}},
			"accept must be a string or a list of strings":       {"uri": "http://127.0.0.1/", "method": "GET", "accept": 5},
			"readTimeOut must be a number of milliseconds":       {"uri": "http://127.0.0.1/", "method": "GET", "readTimeOut": "soon"},
			"connectionTimeOut must be a number of milliseconds": {"uri": "http://127.0.0.1/", "method": "GET", "connectionTimeOut": true},
		} {
			res := execute(t, h, input)
			require.Equal(t, conductor.TaskFailedWithTerminalError, res.Status, reason)
			require.Equal(t, reason, res.ReasonForIncompletion)
			require.NotContains(t, res.ReasonForIncompletion, "secret-path")
		}
	})

	t.Run("AsyncComplete", func(t *testing.T) {
		t.Parallel()
		bundle := setup(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/fail" {
				w.WriteHeader(http.StatusInternalServerError)
			}
		}))
		task := httpTask(map[string]any{"uri": bundle.url, "method": "POST"})
		task.WorkflowTask.AsyncComplete = true
		res := bundle.http.Execute(context.Background(), task)
		require.Equal(t, conductor.TaskInProgress, res.Status)
		require.Equal(t, 200, response(t, res)["statusCode"])

		task.Input["asyncComplete"] = false // the input overrides the definition, as in Conductor
		require.Equal(t, conductor.TaskCompleted, bundle.http.Execute(context.Background(), task).Status)

		task = httpTask(map[string]any{"uri": bundle.url + "/fail", "method": "GET", "asyncComplete": true})
		require.Equal(t, conductor.TaskFailed, bundle.http.Execute(context.Background(), task).Status)
	})

	t.Run("Interrupted", func(t *testing.T) {
		t.Parallel()
		bundle := setup(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			<-r.Context().Done()
		}))
		ctx, cancel := context.WithCancel(context.Background())
		time.AfterFunc(50*time.Millisecond, cancel)
		res := bundle.http.Execute(ctx, httpTask(map[string]any{"uri": bundle.url, "method": "GET"}))
		require.Equal(t, conductor.TaskFailed, res.Status)
		require.Equal(t, "Failed to invoke HTTP task due to: interrupted: context canceled", res.ReasonForIncompletion)
	})

	t.Run("ConcurrentCalls", func(t *testing.T) {
		t.Parallel()
		bundle := setup(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			_, _ = io.WriteString(w, r.URL.Query().Get("i"))
		}))
		var wg sync.WaitGroup
		results := make([]systask.Result, 32)
		for i := range results {
			wg.Go(func() {
				results[i] = bundle.http.Execute(context.Background(),
					httpTask(map[string]any{"uri": fmt.Sprintf("%s/?i=%d", bundle.url, i), "method": "GET"}))
			})
		}
		wg.Wait()
		for i, res := range results {
			require.Equal(t, conductor.TaskCompleted, res.Status)
			require.Equal(t, json.Number(fmt.Sprint(i)), response(t, res)["body"])
		}
	})
}
