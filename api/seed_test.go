package api_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/podiumhq/podium/store"
)

// TestSeededExecutionsThroughTheAPI seeds executions into a running server's database and
// works with them as with any: their definitions validate, the API reads and searches them,
// the sweeper leaves the unfinished ones be, and they can be terminated, resumed and retried.
func TestSeededExecutionsThroughTheAPI(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	st := openStore(t, store.Config{URL: b.databaseURL, MaxConns: 3})
	rep, err := st.SeedExecutions(ctx, store.SeedOptions{Executions: 600, Seed: 7, Now: b.clock.Now()})
	require.NoError(t, err)
	conn := b.dbConn()

	for _, name := range store.SeedWorkflowNames {
		resp := b.do(http.MethodGet, workflowPath+"/"+name, nil)
		requireStatus(t, resp, http.StatusOK)
		requireStatus(t, b.do(http.MethodPost, workflowPath+"/validate", resp.Body), http.StatusOK)
	}

	// The execution with the most attempts, read whole.
	var id string
	var tasks int
	require.NoError(t, conn.QueryRow(ctx, `SELECT workflow_id::text, count(*) FROM tasks GROUP BY 1
		ORDER BY 2 DESC, 1 LIMIT 1`).Scan(&id, &tasks))
	resp := b.do(http.MethodGet, "/api/workflow/"+id, nil)
	requireStatus(t, resp, http.StatusOK)
	wf := decodeObj(t, resp.Body)
	require.Len(t, wf["tasks"], tasks)
	for _, task := range wf["tasks"].(arr) {
		require.NotNil(t, task.(obj)["workflowTask"], "each task is a node of the definition")
	}
	require.Equal(t, wf["workflowName"], wf["workflowDefinition"].(obj)["name"])

	// Searched by name and status, and by correlation id.
	var failed int64
	require.NoError(t, conn.QueryRow(ctx, `SELECT count(*) FROM workflows
		WHERE workflow_name = 'seed_order_fulfillment' AND status = 'FAILED'`).Scan(&failed))
	page := b.search("/api/workflow/search", "query", "workflowType = seed_order_fulfillment AND status IN (FAILED)", "size", "3")
	require.Equal(t, failed, page.TotalHits)
	require.Positive(t, failed)
	var correlation string
	require.NoError(t, conn.QueryRow(ctx, `SELECT correlation_id FROM workflows WHERE workflow_id = $1::uuid`, id).Scan(&correlation))
	if correlation != "" {
		require.Equal(t, []string{id}, b.search("/api/workflow/search", "query", "correlationId = "+correlation).field("workflowId"))
	}

	// The unfinished ones stay as they are through a sweep, and answer to operations.
	b.sweep()
	var running, paused, failedID string
	require.NoError(t, conn.QueryRow(ctx, `SELECT
		(SELECT workflow_id::text FROM workflows WHERE status = 'RUNNING' ORDER BY 1 LIMIT 1),
		(SELECT workflow_id::text FROM workflows WHERE status = 'PAUSED' ORDER BY 1 LIMIT 1),
		(SELECT workflow_id::text FROM workflows WHERE status = 'FAILED' ORDER BY 1 LIMIT 1)`).Scan(&running, &paused, &failedID))
	var unfinished int64
	require.NoError(t, conn.QueryRow(ctx, `SELECT count(*) FROM workflows WHERE status IN ('RUNNING', 'PAUSED')`).Scan(&unfinished))
	require.Equal(t, rep.ByStatus["RUNNING"]+rep.ByStatus["PAUSED"], unfinished, "the sweep changed nothing")

	requireStatus(t, b.do(http.MethodDelete, "/api/workflow/"+running+"?reason=seen", nil), http.StatusOK)
	wf = b.workflowOf(running)
	require.Equal(t, "TERMINATED", wf["status"])
	last := wf["tasks"].(arr)[len(wf["tasks"].(arr))-1].(obj)
	require.Equal(t, []any{"seed_manual_review", "CANCELED"}, []any{last["taskType"], last["status"]})

	requireStatus(t, b.do(http.MethodPut, "/api/workflow/"+paused+"/resume", nil), http.StatusOK)
	require.Equal(t, "RUNNING", b.workflowOf(paused)["status"])

	requireStatus(t, b.do(http.MethodPost, "/api/workflow/"+failedID+"/retry", nil), http.StatusNoContent)
	wf = b.workflowOf(failedID)
	require.Equal(t, "RUNNING", wf["status"])
	last = wf["tasks"].(arr)[len(wf["tasks"].(arr))-1].(obj)
	require.Contains(t, []any{"SCHEDULED", "IN_PROGRESS", "COMPLETED", "FAILED"}, last["status"], "the failed step runs again")
}

// workflowOf GETs an execution with its tasks.
func (b *testBundle) workflowOf(id string) obj {
	b.t.Helper()
	resp := b.do(http.MethodGet, "/api/workflow/"+id, nil)
	requireStatus(b.t, resp, http.StatusOK)
	return decodeObj(b.t, resp.Body)
}
