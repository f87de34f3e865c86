package api_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"
)

// requireNoRoute requires the router's own 404: no route serves the path, whatever the verb.
func requireNoRoute(t *testing.T, resp response, method, path string) {
	t.Helper()
	requireError(t, resp, http.StatusNotFound, "No route for "+method+" "+path)
}

// TestNoRouteIsNeverReadAsAnID: a path segment where a workflow or task id goes that is no id
// (a UUID) is no route, and a reserved secret name is none either; a well-formed id that names
// nothing is still the resource's own 404.
func TestNoRouteIsNeverReadAsAnID(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.putSecret("present", "v")
	for _, c := range []struct{ method, path string }{
		{http.MethodGet, tasksPath + "/searching"},
		{http.MethodGet, tasksPath + "/nope/log"},
		{http.MethodPost, tasksPath + "/nope/log"},
		{http.MethodPut, tasksPath + "/nope"},
		{http.MethodDelete, tasksPath + "/nope"},
		{http.MethodPost, tasksPath + "/nope/ref/COMPLETED"},
		{http.MethodPost, tasksPath + "/nope/COMPLETED/signal"},
		{http.MethodGet, tasksPath + "/queue/nope"},
		{http.MethodGet, executionPath + "/nope/status"},
		{http.MethodGet, executionPath + "/nope/tasks"},
		{http.MethodPut, executionPath + "/nope/pause"},
		{http.MethodPut, executionPath + "/decide/nope"},
		{http.MethodPost, executionPath + "/nope/restart"},
		{http.MethodDelete, executionPath + "/nope/remove"},
		{http.MethodGet, executionPath + "/search-by-nothing/x"},
		{http.MethodGet, secretsPath + "/v2"},
		{http.MethodDelete, secretsPath + "/v2"},
		{http.MethodGet, secretsPath + "/v2/exists"},
		{http.MethodGet, secretsPath + "/v2/tags"},
		{http.MethodPut, secretsPath + "/v2/tags"},
		{http.MethodDelete, secretsPath + "/clearLocalCache"},
		{http.MethodGet, secretsPath + "/present/nope"},
	} {
		requireNoRoute(t, b.do(c.method, c.path, obj{}), c.method, c.path)
	}

	// A single segment under /api/workflow is a workflow name to POST (start by name): other
	// verbs are refused as such, 405, and never read it as an id.
	for _, method := range []string{http.MethodGet, http.MethodDelete} {
		resp := b.do(method, executionPath+"/nope", nil)
		requireStatus(t, resp, http.StatusMethodNotAllowed)
		require.Equal(t, []string{http.MethodPost}, resp.Header.Values("Allow"))
	}
	requireError(t, b.do(http.MethodPost, executionPath+"/nope", obj{}), http.StatusNotFound,
		"No such workflow found by name: nope, version: null")

	// Well-formed ids that name nothing answer the resource's own 404, in either case.
	const id = "6BA7B810-9DAD-41D1-80B4-00C04FD430C8"
	requireError(t, b.do(http.MethodGet, executionPath+"/"+id, nil), http.StatusNotFound, "No such workflow found by id: "+id)
	requireError(t, b.do(http.MethodGet, tasksPath+"/"+id, nil), http.StatusNotFound, "Task not found for taskId: "+id)
	requireError(t, b.do(http.MethodGet, secretsPath+"/absent", nil), http.StatusNotFound, "No such secret found by key: absent")

	// Reserved secret names are refused where a secret would be written.
	for _, name := range []string{"v2", "clearLocalCache", "clearRedisCache"} {
		requireError(t, b.do(http.MethodPut, secretsPath+"/"+name, "x"), http.StatusBadRequest,
			`Invalid secret name "`+name+`": `+name+` is a reserved word of the secrets API's paths`)
	}
	requireEmptyOK(t, b.do(http.MethodPut, secretsPath+"/V2", "x"))
	resp := b.do(http.MethodGet, secretsPath+"/V2", nil)
	requireStatus(t, resp, http.StatusOK)
	require.Equal(t, `"x"`, string(resp.Body), "only the exact words are reserved")
}
