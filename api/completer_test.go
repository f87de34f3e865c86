package api_test

import (
	"fmt"
	"net/http"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestConcurrentResultsAcrossWorkflows sends many task results at once (the engine applies
// results that arrive together in shared transactions) mixed with results for unknown tasks:
// every good result lands, every bad one gets its own 404, and every workflow completes.
func TestConcurrentResultsAcrossWorkflows(t *testing.T) {
	t.Parallel()
	b := setup(t)
	resp := b.do(http.MethodPost, "/api/metadata/workflow", map[string]any{
		"name": "batched", "version": 1, "tasks": []any{
			map[string]any{"name": "batched_a", "taskReferenceName": "a"},
			map[string]any{"name": "batched_b", "taskReferenceName": "b", "inputParameters": map[string]any{"x": "${a.output.x}"}},
		}})
	require.Equal(t, http.StatusOK, resp.Status, string(resp.Body))
	const n = 40
	ids := make([]string, n)
	for i := range ids {
		resp := b.do(http.MethodPost, "/api/workflow/batched", map[string]any{"i": i})
		require.Equal(t, http.StatusOK, resp.Status)
		ids[i] = string(resp.Body)
	}
	for _, taskType := range []string{"batched_a", "batched_b"} {
		resp := b.do(http.MethodGet, fmt.Sprintf("/api/tasks/poll/batch/%s?count=%d&timeout=1000", taskType, n), nil)
		require.Equal(t, http.StatusOK, resp.Status)
		var tasks []struct {
			TaskID     string         `json:"taskId"`
			WorkflowID string         `json:"workflowInstanceId"`
			Input      map[string]any `json:"inputData"`
		}
		resp.JSON(t, &tasks)
		require.Len(t, tasks, n)
		var wg sync.WaitGroup
		for i, task := range tasks {
			if taskType == "batched_b" {
				require.Equal(t, "v-"+task.WorkflowID, task.Input["x"], "the next task saw its own workflow's output")
			}
			wg.Go(func() {
				resp := b.do(http.MethodPost, "/api/tasks", map[string]any{
					"taskId": task.TaskID, "workflowInstanceId": task.WorkflowID, "status": "COMPLETED",
					"outputData": map[string]any{"x": "v-" + task.WorkflowID}})
				require.Equal(t, http.StatusOK, resp.Status, string(resp.Body))
				require.Equal(t, task.TaskID, string(resp.Body))
			})
			if i%4 == 0 {
				wg.Go(func() {
					resp := b.do(http.MethodPost, "/api/tasks", map[string]any{
						"taskId": "00000000-0000-0000-0000-000000000001", "workflowInstanceId": task.WorkflowID, "status": "COMPLETED"})
					require.Equal(t, http.StatusNotFound, resp.Status, string(resp.Body))
				})
			}
		}
		wg.Wait()
	}
	for _, id := range ids {
		wf := b.waitForEnd(id)
		require.Equal(t, "COMPLETED", wf["status"])
		require.Len(t, wf["tasks"], 2, "each step ran once")
	}
}
