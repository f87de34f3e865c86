package systask_test

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/podiumhq/podium/engine/systask"
	"github.com/podiumhq/podium/internal/conductor"
)

// countingServer answers 200 {"ok":true} on addr (127.0.0.1:0 style) and counts its requests.
func countingServer(t *testing.T, addr string, handler http.HandlerFunc) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	var hits atomic.Int32
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		if handler != nil {
			handler(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"ok":true}`))
	}))
	ln, err := net.Listen("tcp", addr)
	require.NoError(t, err)
	srv.Listener = ln
	srv.Start()
	t.Cleanup(srv.Close)
	return srv, &hits
}

func get(uri string) *systask.Task {
	return httpTask(map[string]any{"http_request": map[string]any{"uri": uri + "/x?token=s3cr3t", "method": "GET"}})
}

func TestHTTPEgressPolicy(t *testing.T) {
	t.Parallel()
	loopback := netip.MustParsePrefix("127.0.0.0/8")
	private := netip.MustParsePrefix("10.0.0.0/8")

	t.Run("denied network refused for good", func(t *testing.T) {
		t.Parallel()
		srv, hits := countingServer(t, "127.0.0.1:0", nil)
		h := systask.NewHTTP(systask.HTTPConfig{Egress: systask.EgressPolicy{Deny: []netip.Prefix{private, loopback}}})
		res := h.Execute(context.Background(), get(srv.URL))
		require.Equal(t, conductor.TaskFailedWithTerminalError, res.Status, "a refused destination is not retried")
		require.Equal(t, "Failed to invoke HTTP task due to: destination address 127.0.0.1 is refused by the HTTP task egress policy (denied network 127.0.0.0/8)",
			res.ReasonForIncompletion)
		require.Zero(t, hits.Load())
		require.NotContains(t, res.ReasonForIncompletion+strings.Join(res.Logs, "\n"), "s3cr3t")
	})

	t.Run("allow list without loopback refuses it", func(t *testing.T) {
		t.Parallel()
		srv, hits := countingServer(t, "127.0.0.1:0", nil)
		h := systask.NewHTTP(systask.HTTPConfig{Egress: systask.EgressPolicy{Allow: []netip.Prefix{private}}})
		res := h.Execute(context.Background(), get(srv.URL))
		require.Equal(t, conductor.TaskFailedWithTerminalError, res.Status)
		require.Contains(t, res.ReasonForIncompletion, "refused by the HTTP task egress policy (not in an allowed network)")
		require.Zero(t, hits.Load())
	})

	t.Run("allowed network passes, names resolve before the check", func(t *testing.T) {
		t.Parallel()
		srv, hits := countingServer(t, "127.0.0.1:0", nil)
		h := systask.NewHTTP(systask.HTTPConfig{Egress: systask.EgressPolicy{Allow: []netip.Prefix{loopback}, Deny: []netip.Prefix{private}}})
		res := h.Execute(context.Background(), get(strings.Replace(srv.URL, "127.0.0.1", "localhost", 1)))
		require.Equal(t, conductor.TaskCompleted, res.Status, res.ReasonForIncompletion)
		require.EqualValues(t, 1, hits.Load())

		deny := systask.NewHTTP(systask.HTTPConfig{Egress: systask.EgressPolicy{Deny: []netip.Prefix{loopback, netip.MustParsePrefix("::1/128")}}})
		res = deny.Execute(context.Background(), get(strings.Replace(srv.URL, "127.0.0.1", "localhost", 1)))
		require.Equal(t, conductor.TaskFailedWithTerminalError, res.Status, "a name is checked by the address it resolves to")
		require.EqualValues(t, 1, hits.Load())
	})

	t.Run("unspecified address refused by any policy", func(t *testing.T) {
		t.Parallel()
		srv, hits := countingServer(t, "127.0.0.1:0", nil)
		_, port, _ := net.SplitHostPort(srv.Listener.Addr().String())
		h := systask.NewHTTP(systask.HTTPConfig{Egress: systask.EgressPolicy{Deny: []netip.Prefix{private}}})
		res := h.Execute(context.Background(), get("http://0.0.0.0:"+port))
		require.Equal(t, conductor.TaskFailedWithTerminalError, res.Status)
		require.Contains(t, res.ReasonForIncompletion, "an unspecified address")
		require.Zero(t, hits.Load())
	})

	t.Run("redirect to a denied address refused", func(t *testing.T) {
		t.Parallel()
		denied, deniedHits := countingServer(t, "127.0.0.2:0", nil)
		allowed, allowedHits := countingServer(t, "127.0.0.1:0", func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, denied.URL+"/internal", http.StatusFound)
		})
		h := systask.NewHTTP(systask.HTTPConfig{Egress: systask.EgressPolicy{Deny: []netip.Prefix{netip.MustParsePrefix("127.0.0.2/32")}}})
		res := h.Execute(context.Background(), get(allowed.URL))
		require.Equal(t, conductor.TaskFailedWithTerminalError, res.Status, res.ReasonForIncompletion)
		require.Contains(t, res.ReasonForIncompletion, "destination address 127.0.0.2 is refused")
		require.EqualValues(t, 1, allowedHits.Load())
		require.Zero(t, deniedHits.Load())

		open := systask.NewHTTP(systask.HTTPConfig{})
		res = open.Execute(context.Background(), get(allowed.URL))
		require.Equal(t, conductor.TaskCompleted, res.Status, "without a policy the redirect is followed")
		require.EqualValues(t, 1, deniedHits.Load())
	})

	t.Run("redirects are limited", func(t *testing.T) {
		t.Parallel()
		var srv *httptest.Server
		srv, hits := countingServer(t, "127.0.0.1:0", func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, srv.URL+"/again", http.StatusFound)
		})
		res := systask.NewHTTP(systask.HTTPConfig{}).Execute(context.Background(), get(srv.URL))
		require.Equal(t, conductor.TaskFailed, res.Status)
		require.Equal(t, "Failed to invoke HTTP task due to: stopped after 5 redirects", res.ReasonForIncompletion)
		require.EqualValues(t, 6, hits.Load(), "the request and five redirects")

		hits.Store(0)
		res = systask.NewHTTP(systask.HTTPConfig{MaxRedirects: -1}).Execute(context.Background(), get(srv.URL))
		require.Equal(t, "Failed to invoke HTTP task due to: stopped after 0 redirects", res.ReasonForIncompletion)
		require.EqualValues(t, 1, hits.Load())
	})
}

func TestHTTPDestination(t *testing.T) {
	t.Parallel()
	h := systask.NewHTTP(systask.HTTPConfig{})
	for uri, want := range map[string]string{
		"https://API.example.com/a?b=c":  "https://api.example.com:443",
		"http://example.com:8080/x":      "http://example.com:8080",
		"http://example.com/x":           "http://example.com:80",
		"http://[::1]:9/x":               "http://[::1]:9",
		"ftp://example.com/not-possible": "",
	} {
		require.Equal(t, want, h.Destination(get(uri)), uri)
	}
	require.Empty(t, h.Destination(httpTask(map[string]any{"method": "GET"})))
}
