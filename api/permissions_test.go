package api

import (
	"net/http"
	"strings"
	"testing"

	"github.com/go-chi/chi/v5"
	"github.com/stretchr/testify/require"
)

// Every route has an explicit permission (a missing one would silently be ADMIN-only), and
// every entry of the table names a route.
func TestEveryRouteHasAPermission(t *testing.T) {
	t.Parallel()
	routes := NewRouter(Config{AuthOff: true}).(chi.Routes)
	served := map[string]bool{}
	require.NoError(t, chi.Walk(routes, func(method, route string, _ http.Handler, _ ...func(http.Handler) http.Handler) error {
		for strings.Contains(route, "/*/") {
			route = strings.ReplaceAll(route, "/*/", "/")
		}
		route = strings.TrimSuffix(route, "/*")
		if len(route) > 1 {
			route = strings.TrimSuffix(route, "/")
		}
		key := method + " " + routeTemplate(route)
		served[key] = true
		if !publicRoutes[key] {
			_, ok := routePermissions[key]
			require.True(t, ok, "%s has no entry in routePermissions", key)
		}
		return nil
	}))
	for key := range routePermissions {
		require.True(t, served[key], "routePermissions lists %s, which no route serves", key)
	}
	for key := range publicRoutes {
		require.True(t, served[key], "publicRoutes lists %s, which no route serves", key)
	}
}
