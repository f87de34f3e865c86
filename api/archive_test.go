package api_test

import (
	"context"
	"net/http"
	"net/url"
	"os/exec"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"
)

// rowCounts counts, for workflow id, its rows in the live and archive tables, and the log
// lines of taskIDs when given.
func (b *testBundle) rowCounts(id string, taskIDs ...string) map[string]int {
	b.t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, b.databaseURL)
	require.NoError(b.t, err)
	defer conn.Close(ctx)
	counts := map[string]int{}
	for _, table := range []string{"workflows", "tasks", "archived_workflows", "archived_tasks"} {
		var n int
		require.NoError(b.t, conn.QueryRow(ctx, `SELECT count(*) FROM `+table+` WHERE workflow_id = $1`, id).Scan(&n), table)
		counts[table] = n
	}
	if len(taskIDs) > 0 {
		var n int
		require.NoError(b.t, conn.QueryRow(ctx, `SELECT count(*) FROM task_logs WHERE task_id = ANY($1::uuid[])`, taskIDs).Scan(&n))
		counts["task_logs"] = n
	}
	return counts
}

// archiveCounts is what rowCounts answers for an execution of one task, live or archived;
// withLogs when the task has one log line and rowCounts was given its id.
func archiveCounts(live, archived int, withLogs ...bool) map[string]int {
	counts := map[string]int{"workflows": live, "tasks": live, "archived_workflows": archived, "archived_tasks": archived}
	if len(withLogs) > 0 {
		counts["task_logs"] = live
	}
	return counts
}

func TestArchiveRemove(t *testing.T) {
	t.Parallel()
	b := setup(t)
	key := randomValue(t, "archive-key-")
	b.maskPutSecret("archive_k", key)
	b.registerIntegrationTasks(1)
	b.createWorkflow(workflowDef("archive_wf", workerTask("t1", 0, obj{"apiKey": "${workflow.secrets.archive_k}"})))

	id := b.startWorkflow("archive_wf", obj{"n": 1})
	task := b.pollTask(itName(0))
	require.Equal(t, key, task["inputData"].(obj)["apiKey"], "the worker gets the real value")
	taskID := task["taskId"].(string)
	b.updateTask(task, "COMPLETED", obj{"echo": "got " + key}, "logs", arr{obj{"log": "with " + key}})
	b.requireWorkflowStatus(id, "COMPLETED")
	before, beforeTask := b.execution(id), b.getTask(taskID)
	require.Equal(t, archiveCounts(1, 0, true), b.rowCounts(id, taskID))

	// Removing archives by default: out of the live tables, readable by id as it was.
	requireEmptyOK(t, b.do(http.MethodDelete, executionPath+"/"+id+"/remove", nil))
	require.Equal(t, archiveCounts(0, 1, true), b.rowCounts(id, taskID))
	require.Equal(t, before, b.execution(id))
	require.Equal(t, beforeTask, b.getTask(taskID))
	resp := b.do(http.MethodGet, executionPath+"/"+id+"/status?includeOutput=true", nil)
	requireStatus(t, resp, http.StatusOK)
	status := decodeObj(t, resp.Body)
	require.Equal(t, "COMPLETED", status["status"])
	require.Equal(t, obj{"echo": "got ***"}, status["output"])
	resp = b.do(http.MethodGet, executionPath+"/"+id+"/tasks", nil)
	requireStatus(t, resp, http.StatusOK)
	requireNum(t, 1, decodeObj(t, resp.Body)["totalHits"])
	resp = b.do(http.MethodGet, executionPath+"/"+id+"?includeTasks=false", nil)
	requireStatus(t, resp, http.StatusOK)
	require.Equal(t, arr{}, decodeObj(t, resp.Body)["tasks"])

	// No secret value in the archive: not the plaintext, and no sealed column was carried over.
	out, err := exec.Command("pg_dump", "--data-only", "-t", "archived_workflows", "-t", "archived_tasks", b.databaseURL).CombinedOutput()
	require.NoError(t, err, string(out))
	require.Contains(t, string(out), "archive_wf", "the dump holds the archived execution")
	require.Contains(t, string(out), "got ***")
	requireNoValues(t, "archive tables", string(out), key)
	requireNoValues(t, "API responses", b.maskSurfacesArchived(id), key)
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, b.databaseURL)
	require.NoError(t, err)
	defer conn.Close(ctx)
	var sealedColumns int
	require.NoError(t, conn.QueryRow(ctx, `SELECT count(*) FROM information_schema.columns
		WHERE table_name IN ('archived_workflows', 'archived_tasks') AND column_name LIKE '%sealed%'`).Scan(&sealedColumns))
	require.Zero(t, sealedColumns)

	// Searches find archived executions beside live ones, masked as stored, newest first and
	// through a cursor too.
	live := b.startWorkflow("archive_wf", obj{"n": 2})
	byName := `workflowType = "archive_wf"`
	page := b.search(executionPath+"/search-v2", "query", byName)
	require.EqualValues(t, 2, page.TotalHits)
	require.ElementsMatch(t, []string{live, id}, page.field("workflowId"))
	for _, r := range page.Results {
		if r["workflowId"] == id {
			require.Equal(t, obj{"echo": "got ***"}, r["output"])
		}
	}
	for _, kv := range [][]string{{"freeText", id}, {"query", byName + ` AND status = "COMPLETED"`}} {
		found := b.search(executionPath+"/search", kv...)
		require.Equal(t, []string{id}, found.field("workflowId"), kv)
	}
	// The test clock may start both at the same instant: the order is then by id, either way.
	first := decodeObj(t, b.do(http.MethodGet, executionPath+"/search?size=1&query="+url.QueryEscape(byName), nil).Body)
	next := b.search(executionPath+"/search", "size", "1", "query", byName, "cursor", first["nextCursor"].(string))
	firstID := first["results"].(arr)[0].(obj)["workflowId"].(string)
	require.ElementsMatch(t, []string{live, id}, append(next.field("workflowId"), firstID), "the cursor's page is the other one")
	requireNoValues(t, "search responses", string(b.do(http.MethodGet, executionPath+"/search-v2?query="+url.QueryEscape(byName), nil).Body), key)

	// Task searches read archived attempts beside live ones, as GET /api/tasks/{id} shows them,
	// and a workflow search by tasks finds the archived execution.
	byType := "taskType = " + itName(0)
	tasks := b.search(tasksPath+"/search-v2", "query", byType)
	require.EqualValues(t, 2, tasks.TotalHits, "the archived attempt and the live one")
	require.ElementsMatch(t, []string{live, id}, tasks.field("workflowInstanceId"))
	require.Contains(t, tasks.field("taskId"), taskID)
	for _, r := range tasks.Results {
		if r["taskId"] == taskID {
			require.Equal(t, beforeTask, r)
		}
	}
	summary := b.search(tasksPath+"/search", "query", byType+" AND status = COMPLETED")
	require.Equal(t, []string{taskID}, summary.field("taskId"))
	require.Equal(t, "{echo=got ***}", summary.Results[0]["output"])
	require.Equal(t, []string{taskID}, b.search(tasksPath+"/search", "freeText", taskID).field("taskId"))
	require.Equal(t, []string{taskID}, b.search(tasksPath+"/search", "freeText", id).field("taskId"))
	require.Equal(t, []string{id}, b.search(executionPath+"/search-by-tasks", "query", "taskId = "+taskID).field("workflowId"))
	require.ElementsMatch(t, []string{live, id}, b.search(executionPath+"/search-by-tasks-v2", "query", byType).field("workflowId"))
	requireNoValues(t, "task search responses", string(b.do(http.MethodGet, tasksPath+"/search-v2?query="+url.QueryEscape(byType), nil).Body), key)

	// Archiving again changes nothing; archiveWorkflow=false deletes it from the archive.
	requireEmptyOK(t, b.do(http.MethodDelete, executionPath+"/"+id+"/remove?archiveWorkflow=true", nil))
	require.Equal(t, before, b.execution(id))
	requireEmptyOK(t, b.do(http.MethodDelete, executionPath+"/"+id+"/remove?archiveWorkflow=false", nil))
	require.Equal(t, archiveCounts(0, 0, true), b.rowCounts(id, taskID))
	requireError(t, b.do(http.MethodGet, executionPath+"/"+id, nil), http.StatusNotFound, "No such workflow found by id: "+id)
	requireError(t, b.do(http.MethodGet, tasksPath+"/"+taskID, nil), http.StatusNotFound, "Task not found for taskId: "+taskID)
	requireError(t, b.do(http.MethodDelete, executionPath+"/"+id+"/remove", nil), http.StatusNotFound, "No such workflow found by id: "+id)
	requireError(t, b.do(http.MethodDelete, executionPath+"/"+id+"/remove?archiveWorkflow=false", nil), http.StatusNotFound,
		"No such workflow found by id: "+id)
	requireStatus(t, b.do(http.MethodDelete, executionPath+"/"+id+"/remove?archiveWorkflow=maybe", nil), http.StatusBadRequest)
	require.Equal(t, []string{live}, b.search(executionPath+"/search", "query", byName).field("workflowId"), "gone from searches too")
}

func TestArchiveRunningAndBulk(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.registerIntegrationTasks(1)
	b.createWorkflow(oneTaskDef("archive_run_wf"))

	// A running execution is archived as it stands; its task leaves the queue.
	running := b.startWorkflow("archive_run_wf", nil)
	requireEmptyOK(t, b.do(http.MethodDelete, executionPath+"/"+running+"/remove", nil))
	require.Equal(t, archiveCounts(0, 1), b.rowCounts(running))
	wf := b.requireWorkflowStatus(running, "RUNNING")
	require.Equal(t, []string{"t1:SCHEDULED"}, refsAndStatuses(t, wf))
	b.requireNothingToPoll(itName(0))
	requireStatus(t, b.do(http.MethodPut, executionPath+"/"+running+"/pause", nil), http.StatusNotFound)

	// archiveWorkflow=false on a live execution deletes it outright.
	deleted := b.startWorkflow("archive_run_wf", nil)
	requireEmptyOK(t, b.do(http.MethodDelete, executionPath+"/"+deleted+"/remove?archiveWorkflow=false", nil))
	require.Equal(t, archiveCounts(0, 0), b.rowCounts(deleted))

	// terminate-remove and the bulk routes take archiveWorkflow too.
	a, c, d := b.startWorkflow("archive_run_wf", nil), b.startWorkflow("archive_run_wf", nil), b.startWorkflow("archive_run_wf", nil)
	requireEmptyOK(t, b.do(http.MethodDelete, executionPath+"/"+a+"/terminate-remove?reason=done", nil))
	wf = b.requireWorkflowStatus(a, "TERMINATED")
	require.Equal(t, "done", wf["reasonForIncompletion"])
	require.Equal(t, archiveCounts(0, 1), b.rowCounts(a))
	resp := b.do(http.MethodDelete, executionPath+"/bulk/remove", arr{c})
	requireStatus(t, resp, http.StatusOK)
	require.Equal(t, arr{c}, decodeObj(t, resp.Body)["bulkSuccessfulResults"])
	b.requireWorkflowStatus(c, "RUNNING")
	resp = b.do(http.MethodDelete, executionPath+"/bulk/terminate-remove?archiveWorkflow=false", arr{d, a})
	requireStatus(t, resp, http.StatusOK)
	require.ElementsMatch(t, arr{d, a}, decodeObj(t, resp.Body)["bulkSuccessfulResults"])
	requireStatus(t, b.do(http.MethodGet, executionPath+"/"+d, nil), http.StatusNotFound)
	requireStatus(t, b.do(http.MethodGet, executionPath+"/"+a, nil), http.StatusNotFound)
}

// maskSurfacesArchived reads what the API shows of an archived execution.
func (b *testBundle) maskSurfacesArchived(id string) string {
	b.t.Helper()
	var out []byte
	for _, path := range []string{executionPath + "/" + id, executionPath + "/" + id + "/tasks", executionPath + "/" + id + "/status?includeOutput=true&includeVariables=true"} {
		resp := b.do(http.MethodGet, path, nil)
		requireStatus(b.t, resp, http.StatusOK)
		out = append(out, resp.Body...)
	}
	for _, task := range tasksOf(b.t, b.execution(id)) {
		resp := b.do(http.MethodGet, tasksPath+"/"+task["taskId"].(string), nil)
		requireStatus(b.t, resp, http.StatusOK)
		out = append(out, resp.Body...)
	}
	return string(out)
}
