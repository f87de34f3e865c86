package api_test

import (
	"net/http"
	"net/url"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// searchPage is a page of GET …/search results as raw JSON objects.
type searchPage struct {
	TotalHits int64 `json:"totalHits"`
	Results   []obj `json:"results"`
}

// search GETs path with the parameters (key, value pairs), requires 200 and returns the page.
func (b *testBundle) search(path string, kv ...string) searchPage {
	b.t.Helper()
	params := url.Values{}
	for i := 0; i < len(kv); i += 2 {
		params.Set(kv[i], kv[i+1])
	}
	resp := b.do(http.MethodGet, path+"?"+params.Encode(), nil)
	requireStatus(b.t, resp, http.StatusOK)
	require.Equal(b.t, "application/json", resp.Header.Get("Content-Type"))
	raw := decodeObj(b.t, resp.Body)
	results, ok := raw["results"].(arr)
	require.True(b.t, ok, "results must be a JSON array: %s", resp.Body)
	page := searchPage{TotalHits: int64Of(b.t, raw["totalHits"]), Results: []obj{}}
	for _, r := range results {
		page.Results = append(page.Results, r.(obj))
	}
	return page
}

// field lists the field of each result, sorted.
func (p searchPage) field(name string) []string {
	out := []string{}
	for _, r := range p.Results {
		s, _ := r[name].(string)
		out = append(out, s)
	}
	sort.Strings(out)
	return out
}

// twoSearchWorkflows starts task_search_a (tasks integration_task_1 then _2) twice and fails
// the first task of one of them: it returns the failed execution and the running one, whose
// first task completed and second waits.
func (b *testBundle) twoSearchWorkflows() (failed, running string) {
	b.t.Helper()
	b.registerIntegrationTasks(3)
	b.registerTaskDefs(integrationTaskDef(1, "retryCount", 0))
	b.createWorkflow(workflowDef("task_search_a", workerTask("first", 1, obj{"n": "${workflow.input.n}"}), workerTask("second", 2, nil)))
	failed = b.startWorkflow("task_search_a", obj{"n": "one"})
	b.failTask(b.pollTask(itName(1)), "broken")
	b.requireWorkflowStatus(failed, "FAILED")
	running = b.startWorkflow("task_search_a", obj{"n": "two"})
	b.pollAndComplete(itName(1), obj{"ok": true})
	return failed, running
}

func TestTaskSearch(t *testing.T) {
	t.Parallel()
	b := setup(t)
	failed, running := b.twoSearchWorkflows()

	all := b.search(tasksPath + "/search")
	require.EqualValues(t, 3, all.TotalHits)
	require.ElementsMatch(t, []string{failed, running, running}, all.field("workflowId"))

	page := b.search(tasksPath+"/search", "query", "taskType = "+itName(1)+" AND status IN (failed)")
	require.EqualValues(t, 1, page.TotalHits)
	row := page.Results[0]
	require.Equal(t, failed, row["workflowId"])
	require.Equal(t, "task_search_a", row["workflowType"])
	require.Equal(t, "FAILED", row["status"])
	require.Equal(t, "broken", row["reasonForIncompletion"])
	require.Equal(t, itName(1), row["taskType"])
	require.Equal(t, itName(1), row["taskDefName"])
	require.Equal(t, "{n=one}", row["input"], "input as Java renders a map")
	require.Regexp(t, `^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$`, row["scheduledTime"])
	for _, k := range []string{"taskId", "startTime", "updateTime", "endTime", "output", "executionTime", "queueWaitTime", "workflowPriority"} {
		require.Contains(t, row, k)
	}

	require.Equal(t, []string{"SCHEDULED"}, b.search(tasksPath+"/search", "query", "referenceTaskName = second").field("status"))
	require.Equal(t, []string{running}, b.search(tasksPath+"/search", "query", "taskRefName = first", "freeText", running).field("workflowId"))
	require.Equal(t, []string{itName(2)}, b.search(tasksPath+"/search", "freeText", itName(2)).field("taskType"))

	// search-v2 answers whole tasks, as GET /api/tasks/{id} does.
	v2 := b.search(tasksPath+"/search-v2", "query", "workflowId = "+running, "sort", "referenceTaskName:ASC")
	require.EqualValues(t, 2, v2.TotalHits)
	require.Equal(t, "first", v2.Results[0]["referenceTaskName"])
	require.Equal(t, obj{"ok": true}, v2.Results[0]["outputData"])
	require.Equal(t, b.getTask(v2.Results[1]["taskId"].(string)), v2.Results[1])
	paged := b.search(tasksPath+"/search-v2", "query", "workflowId = "+running, "sort", "taskRefName:ASC", "start", "1", "size", "1")
	require.EqualValues(t, 2, paged.TotalHits)
	require.Equal(t, []string{"second"}, paged.field("referenceTaskName"))

	// Bad requests answer 400 with Conductor's error body.
	for _, tc := range []struct{ params, message string }{
		{"size=5001", "Cannot return more than 5000 tasks. Please use pagination."},
		{"query=" + url.QueryEscape("version = 1"), `Invalid query: unknown field "version" for tasks`},
		{"query=" + url.QueryEscape("status IN (FAILED"), "Invalid query: unclosed list after status"},
		{"sort=nosuch:DESC", `Cannot sort tasks by unknown field "nosuch"`},
		{"start=-1", "start and size must be >= 0"},
	} {
		for _, path := range []string{tasksPath + "/search", tasksPath + "/search-v2"} {
			e := requireError(t, b.do(http.MethodGet, path+"?"+tc.params, nil), http.StatusBadRequest, tc.message)
			require.Equal(t, http.StatusBadRequest, e.Status)
			require.False(t, e.Retryable)
		}
	}
	requireStatus(t, b.do(http.MethodGet, tasksPath+"/search?size=abc", nil), http.StatusBadRequest)
}

// A running DO_WHILE found by a task search shows its completed iterations, as GET
// /api/tasks/{id} shows it.
func TestTaskSearchShowsARunningLoop(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.registerIntegrationTasks(2)
	b.createWorkflow(workflowDef("search_loop_wf",
		task("loop", "DO_WHILE", "loopCondition", "$.loop['iteration'] < 3", "loopOver", arr{workerTask("call", 1, nil)}),
	))
	id := b.startWorkflow("search_loop_wf", nil)
	b.pollAndComplete(itName(1), obj{"n": num(1)})
	page := b.search(tasksPath+"/search-v2", "query", "workflowId = "+id+" AND taskType = DO_WHILE")
	require.Len(t, page.Results, 1)
	loop := page.Results[0]
	require.Equal(t, "IN_PROGRESS", loop["status"])
	require.Equal(t, obj{"call": obj{"n": num(1)}}, dig(t, loop, "outputData", "1"))
	require.Equal(t, b.getTask(loop["taskId"].(string))["outputData"], loop["outputData"])
}

// A secret value a task's input resolves never shows in any search result: the worker sees
// it, the searches see "***".
func TestTaskSearchHidesSecrets(t *testing.T) {
	t.Parallel()
	b := setup(t)
	value := randomValue(t, "search-secret-")
	b.putSecret("search_key", `"`+value+`"`)
	b.registerIntegrationTasks(2)
	b.createWorkflow(workflowDef("search_secret_wf",
		workerTask("call", 1, obj{"auth": "${workflow.secrets.search_key}", "header": "Bearer ${workflow.secrets.search_key}"})))
	id := b.startWorkflow("search_secret_wf", nil)
	polled := b.pollTask(itName(1))
	require.Equal(t, value, polled["inputData"].(obj)["auth"], "the worker gets the real value")
	b.completeTask(polled, obj{"echo": "got " + value})
	b.requireWorkflowStatus(id, "COMPLETED")

	q := "query=" + url.QueryEscape("workflowType = search_secret_wf")
	b.requireNotShown(value,
		tasksPath+"/search?"+q, tasksPath+"/search-v2?"+q, tasksPath+"/search?freeText="+id, tasksPath+"/search-v2?freeText="+id,
		executionPath+"/search-by-tasks?"+q, executionPath+"/search-by-tasks-v2?"+q)
	page := b.search(tasksPath+"/search-v2", "freeText", id)
	require.Len(t, page.Results, 1)
	require.Equal(t, obj{"auth": "***", "header": "Bearer ***"}, page.Results[0]["inputData"])
	require.Equal(t, obj{"echo": "got ***"}, page.Results[0]["outputData"])
	require.Equal(t, []string{"{auth=***, header=Bearer ***}"}, b.search(tasksPath+"/search", "freeText", id).field("input"))
}

func TestWorkflowSearchByTasks(t *testing.T) {
	t.Parallel()
	b := setup(t)
	failed, running := b.twoSearchWorkflows()
	b.createWorkflow(oneTaskDef("task_search_other"))
	other := b.startWorkflow("task_search_other", nil)

	for _, tc := range []struct {
		query string
		want  []string
	}{
		{"status = FAILED", []string{failed}},
		{"status = SCHEDULED", []string{other, running}},
		{"taskType = " + itName(1), []string{failed, running}},
		{"taskType = " + itName(2) + " AND status = SCHEDULED", []string{running}},
		{"taskType IN (" + itName(0) + ", " + itName(2) + ")", []string{other, running}},
		{"status = COMPLETED AND referenceTaskName = first", []string{running}},
		{"taskType = NOTHING", []string{}},
	} {
		for _, path := range []string{executionPath + "/search-by-tasks", executionPath + "/search-by-tasks-v2"} {
			page := b.search(path, "query", tc.query)
			require.ElementsMatch(t, tc.want, page.field("workflowId"), "%s: %s", path, tc.query)
			require.EqualValues(t, len(tc.want), page.TotalHits, "%s: %s counts workflows, each once", path, tc.query)
		}
	}
	summary := b.search(executionPath+"/search-by-tasks", "query", "status = FAILED").Results[0]
	require.Equal(t, "task_search_a", summary["workflowType"])
	require.Equal(t, "FAILED", summary["status"])
	require.Equal(t, "{n=one}", summary["input"], "a WorkflowSummary row")
	whole := b.search(executionPath+"/search-by-tasks-v2", "query", "status = FAILED").Results[0]
	require.Equal(t, "task_search_a", whole["workflowName"])
	require.Equal(t, obj{"n": "one"}, whole["input"], "a Workflow")

	first := min(failed, running)
	sorted := b.search(executionPath+"/search-by-tasks", "query", "taskType = "+itName(1), "sort", "workflowId:ASC", "size", "1")
	require.Equal(t, []string{first}, sorted.field("workflowId"), "sorted by a workflow field")
	require.EqualValues(t, 2, sorted.TotalHits)

	for _, tc := range []struct{ params, message string }{
		{"size=5001", "Cannot return more than 5000 workflows. Please use pagination."},
		{"query=" + url.QueryEscape("version = 1"), `Invalid query: unknown field "version" for tasks`},
		{"sort=scheduledTime:DESC", `Cannot sort workflows by unknown field "scheduledTime"`},
	} {
		for _, path := range []string{executionPath + "/search-by-tasks", executionPath + "/search-by-tasks-v2"} {
			requireError(t, b.do(http.MethodGet, path+"?"+tc.params, nil), http.StatusBadRequest, tc.message)
		}
	}
}

func TestWorkflowCorrelatedBatch(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.createWorkflow(oneTaskDef("corr_batch_a"))
	b.createWorkflow(oneTaskDef("corr_batch_b"))
	start := func(name, correlation string) string {
		return b.startWith(obj{"name": name, "correlationId": correlation})
	}
	a1, b1, a2 := start("corr_batch_a", "c1"), start("corr_batch_b", "c1"), start("corr_batch_a", "c2")
	closed := start("corr_batch_b", "c2")
	b.terminate(closed, "done")
	start("corr_batch_a", "c3")

	ids := func(resp response) map[string][]string {
		t.Helper()
		requireStatus(t, resp, http.StatusOK)
		var got map[string][]obj
		resp.JSON(t, &got)
		out := map[string][]string{}
		for k, wfs := range got {
			out[k] = []string{}
			for _, wf := range wfs {
				require.Equal(t, k, wf["correlationId"])
				out[k] = append(out[k], wf["workflowId"].(string))
			}
		}
		return out
	}
	body := obj{"correlationIds": arr{"c1", "c2", "none"}, "workflowNames": arr{"corr_batch_a", "corr_batch_b"}}
	require.Equal(t, map[string][]string{"c1": {a1, b1}, "c2": {a2}, "none": {}},
		ids(b.do(http.MethodPost, executionPath+"/correlated/batch", body)), "open executions only, every id a key")
	require.Equal(t, map[string][]string{"c1": {a1, b1}, "c2": {a2, closed}, "none": {}},
		ids(b.do(http.MethodPost, executionPath+"/correlated/batch?includeClosed=true", body)))
	require.Equal(t, map[string][]string{"c1": {a1}},
		ids(b.do(http.MethodPost, executionPath+"/correlated/batch", obj{"correlationIds": arr{"c1"}, "workflowNames": arr{"corr_batch_a"}})))

	resp := b.do(http.MethodPost, executionPath+"/correlated/batch?includeTasks=true", obj{"correlationIds": arr{"c2"}, "workflowNames": arr{"corr_batch_a"}})
	var withTasks map[string][]obj
	resp.JSON(t, &withTasks)
	require.Len(t, withTasks["c2"], 1)
	require.Len(t, withTasks["c2"][0]["tasks"], 1, "includeTasks")

	// The per-name form shares the code and keeps its shape.
	require.Equal(t, map[string][]string{"c1": {a1}, "c3x": {}},
		ids(b.do(http.MethodPost, executionPath+"/corr_batch_a/correlated", arr{"c1", "c3x"})))

	for _, tc := range []struct {
		path string
		body any
		msg  string
	}{
		{"/correlated/batch", obj{"correlationIds": arr{"c1"}}, "workflowNames must name at least one workflow"},
		{"/correlated/batch?includeClosed=maybe", body, ""},
		{"/correlated/batch", arr{"c1"}, ""},
		{"/correlated/batch", obj{"correlationIds": "c1", "workflowNames": arr{"a"}}, ""},
		{"/correlated/batch", obj{"correlationIds": make(arr, 1001), "workflowNames": arr{"a"}},
			"Cannot look up more than 1000 correlation id and workflow name pairs at once"},
	} {
		resp := b.do(http.MethodPost, executionPath+tc.path, tc.body)
		if tc.msg != "" {
			requireError(t, resp, http.StatusBadRequest, tc.msg)
		} else {
			requireStatus(t, resp, http.StatusBadRequest)
			require.NotEmpty(t, resp.Error(t).Message)
		}
	}
}

// TestWorkflowSearchCursor pages a newest-first search with nextCursor through both workflow
// search routes, and refuses a cursor it did not make with Conductor's 400 body.
func TestWorkflowSearchCursor(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.registerIntegrationTasks(1)
	b.createWorkflow(workflowDef("cursor_paged", workerTask("only", 1, nil)))
	var started []string
	for range 3 {
		started = append(started, b.startWorkflow("cursor_paged", nil))
	}
	for _, path := range []string{executionPath + "/search", executionPath + "/search-v2"} {
		var listed []string
		params := url.Values{"size": {"2"}, "query": {`workflowType = "cursor_paged"`}}
		for page := 0; ; page++ {
			require.Less(t, page, 3, path)
			resp := b.do(http.MethodGet, path+"?"+params.Encode(), nil)
			requireStatus(t, resp, http.StatusOK)
			raw := decodeObj(t, resp.Body)
			require.Equal(t, num(3), raw["totalHits"], "the count is the whole search's on every page")
			for _, r := range raw["results"].(arr) {
				id, _ := r.(obj)["workflowId"].(string)
				listed = append(listed, id)
			}
			next, _ := raw["nextCursor"].(string)
			if next == "" {
				break
			}
			params.Set("cursor", next)
		}
		require.ElementsMatch(t, started, listed, path)
		require.Len(t, listed, 3, "%s: no execution twice", path)
	}
	requireError(t, b.do(http.MethodGet, executionPath+"/search?cursor=nonsense", nil), http.StatusBadRequest,
		`Invalid cursor "nonsense": pass the nextCursor of the page before as it is`)
	requireErrorPrefix(t, b.do(http.MethodGet, executionPath+"/search-v2?sort=workflowId:ASC&cursor=nonsense", nil), http.StatusBadRequest,
		"cursor pages the newest-first order only")
}

// Free text finds executions by id or its start, by name, and by part of a correlation id in
// any case or a wildcard pattern, through GET /api/workflow/search and search-v2, archived
// executions included.
func TestWorkflowSearchFreeText(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.registerIntegrationTasks(1)
	b.createWorkflow(workflowDef("free_text_orders", workerTask("t", 1, nil)))
	eu := b.startWith(obj{"name": "free_text_orders", "correlationId": "Order-1042-EU"})
	us := b.startWith(obj{"name": "free_text_orders", "correlationId": "order-1043-US"})
	refund := b.startWith(obj{"name": "free_text_orders", "correlationId": "refund-1042"})
	b.terminate(refund, "test")
	requireStatus(t, b.do(http.MethodDelete, executionPath+"/"+refund+"/remove?archiveWorkflow=true", nil), http.StatusOK)

	for _, path := range []string{executionPath + "/search", executionPath + "/search-v2"} {
		for text, want := range map[string][]string{
			"1042":              sorted(eu, refund),
			"ORDER-104":         sorted(eu, us),
			"order-*-us":        {us},
			"*-1042":            {refund},
			eu:                  {eu},
			strings.ToUpper(eu): {eu},
			"free_text_orders":  sorted(eu, us, refund),
			"10":                {}, // too short for part of a correlation id
			"nothing-like-it":   {},
		} {
			page := b.search(path, "freeText", text)
			require.Equal(t, want, page.field("workflowId"), "%s freeText %q", path, text)
			require.EqualValues(t, len(want), page.TotalHits, "%s freeText %q", path, text)
		}
		// The start of an id: ids are UUIDv7, so the three share their first digits.
		page := b.search(path, "freeText", eu[:8])
		require.Contains(t, page.field("workflowId"), eu)
	}
}

func sorted(s ...string) []string {
	sort.Strings(s)
	return s
}
