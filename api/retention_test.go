package api_test

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/podiumhq/podium/internal/retention"
)

const retentionPath = "/api/admin/retention"

func TestRetentionOverridesRemoveExpiredExecutionsThroughTheAPI(t *testing.T) {
	t.Parallel()
	b := newBundle(t, nil)
	b.createWorkflow(workflowDef("short_lived", task("v", "SET_VARIABLE")))
	b.createWorkflow(workflowDef("waiting", task("w", "WAIT")))
	b.createWorkflow(workflowDef("kept", task("v", "SET_VARIABLE")))

	policy := decodeObj(t, b.do(http.MethodGet, retentionPath, nil).Body)
	require.Equal(t, "forever", policy["retention"], "the default keeps forever, as Conductor")
	require.Empty(t, policy["workflows"])

	resp := b.do(http.MethodPut, retentionPath+"/workflow/short_lived", obj{"retention": "90s"})
	requireStatus(t, resp, http.StatusOK)
	require.Equal(t, "1m30s", decodeObj(t, resp.Body)["retention"])
	requireStatus(t, b.do(http.MethodPut, retentionPath+"/workflow/waiting", obj{"retention": "1s"}), http.StatusOK)

	done := b.startWorkflow("short_lived", nil)
	b.requireWorkflowStatus(done, "COMPLETED")
	waiting := b.startWorkflow("waiting", nil)
	kept := b.startWorkflow("kept", nil)
	b.requireWorkflowStatus(kept, "COMPLETED")

	// Not yet expired: nothing goes.
	run := decodeObj(t, b.do(http.MethodPost, retentionPath+"/run", nil).Body)
	require.Equal(t, "0", run["executionsRemoved"].(json.Number).String())

	b.clock.Advance(2 * time.Minute)
	run = decodeObj(t, b.do(http.MethodPost, retentionPath+"/run", nil).Body)
	require.Equal(t, "1", run["executionsRemoved"].(json.Number).String())
	requireStatus(t, b.do(http.MethodGet, executionPath+"/"+done, nil), http.StatusNotFound)
	b.requireWorkflowStatus(waiting, "RUNNING") // a running execution is never touched
	b.requireWorkflowStatus(kept, "COMPLETED")  // the default keeps it

	policy = decodeObj(t, b.do(http.MethodGet, retentionPath, nil).Body)
	require.Len(t, policy["workflows"], 2)
	requireStatus(t, b.do(http.MethodDelete, retentionPath+"/workflow/waiting", nil), http.StatusOK)
	requireError(t, b.do(http.MethodDelete, retentionPath+"/workflow/waiting", nil), http.StatusNotFound,
		"No retention override for workflow waiting")
}

func TestRetentionOverrideBadInput(t *testing.T) {
	t.Parallel()
	b := newBundle(t, nil)
	for _, body := range []any{obj{"retention": "soon"}, obj{"retention": ""}, obj{}, obj{"retention": "0s"}, obj{"retention": 5}} {
		resp := b.do(http.MethodPut, retentionPath+"/workflow/orders", body)
		requireStatus(t, resp, http.StatusBadRequest)
		require.NotEmpty(t, resp.Error(t).Message)
	}
	policy := decodeObj(t, b.do(http.MethodGet, retentionPath, nil).Body)
	require.Empty(t, policy["workflows"], "nothing half-written")
}

func TestRetentionArchiveKeepsExpiredExecutionsReadable(t *testing.T) {
	t.Parallel()
	b := newBundleWith(t, bundleOptions{retention: func(c *retention.Config) {
		c.Retention, c.Archive = 90*time.Second, true
	}})
	b.createWorkflow(workflowDef("archived_flow", task("v", "SET_VARIABLE")))
	id := b.startWorkflow("archived_flow", obj{"order": "A-1"})
	before := b.requireWorkflowStatus(id, "COMPLETED")
	b.clock.Advance(2 * time.Minute)
	run := decodeObj(t, b.do(http.MethodPost, retentionPath+"/run", nil).Body)
	require.Equal(t, "1", run["executionsRemoved"].(json.Number).String())
	require.Equal(t, true, decodeObj(t, b.do(http.MethodGet, retentionPath, nil).Body)["archive"])

	after := b.requireWorkflowStatus(id, "COMPLETED")
	require.Equal(t, before["input"], after["input"])
	require.Len(t, after["tasks"], 1)
	var live int
	require.NoError(t, b.dbConn().QueryRow(context.Background(), `SELECT count(*) FROM workflows WHERE workflow_id = $1`, id).Scan(&live))
	require.Zero(t, live)
}
