package api

import (
	"net/http/httptest"
	"net/netip"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestSourceAddress(t *testing.T) {
	t.Parallel()
	proxies := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}
	for _, c := range []struct {
		name, remote, xff string
		trusted           []netip.Prefix
		want              string
	}{
		{"the connection's host", "192.0.2.1:5555", "", nil, "192.0.2.1"},
		{"X-Forwarded-For ignored by default", "192.0.2.1:5555", "198.51.100.1", nil, "192.0.2.1"},
		{"ignored from an untrusted peer", "192.0.2.1:5555", "198.51.100.1", proxies, "192.0.2.1"},
		{"read from a trusted proxy", "10.1.2.3:5555", "198.51.100.1", proxies, "198.51.100.1"},
		{"the right-most untrusted hop", "10.1.2.3:5555", "6.6.6.6, 198.51.100.1, 10.9.9.9", proxies, "198.51.100.1"},
		{"garbage stops the walk", "10.1.2.3:5555", "198.51.100.1, not-an-ip, 10.9.9.9", proxies, "10.9.9.9"},
		{"IPv6 counts as its /64", "[2001:db8:1:2:3:4:5:6]:443", "", nil, "2001:db8:1:2::/64"},
		{"IPv4-mapped IPv6 is IPv4", "[::ffff:192.0.2.9]:443", "", nil, "192.0.2.9"},
	} {
		r := httptest.NewRequest("POST", "/api/token", nil)
		r.RemoteAddr = c.remote
		if c.xff != "" {
			r.Header.Set("X-Forwarded-For", c.xff)
		}
		require.Equal(t, c.want, sourceAddress(r, c.trusted), c.name)
	}
}
