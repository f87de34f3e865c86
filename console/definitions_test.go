package console_test

import (
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestDefinitionsListAndPages(t *testing.T) {
	t.Parallel()
	s := newSite(t, false)
	b := s.browser()
	b.signIn(adminKeyID, adminKeySecret)

	empty := b.get("/definitions")
	require.Equal(t, http.StatusOK, empty.status)
	require.Contains(t, empty.body, "No workflow definitions yet.")
	require.Contains(t, empty.body, "No task definitions yet.")
	require.Contains(t, empty.body, `href="/definitions" aria-current="page"`)

	s.registerWorkflow("console_def", 1, "first")
	s.registerWorkflow("console_def", 2, "second <b>bold</b>")
	s.registerWorkflow("console_other", 1, "")
	s.apiJSON(http.MethodPost, "/api/metadata/taskdefs", s.admin, []map[string]any{{"name": "console_task",
		"description": "a <script>task</script>", "ownerEmail": "t@example.com", "retryCount": 2, "timeoutSeconds": 60,
		"responseTimeoutSeconds": 30}}, nil)

	list := b.get("/definitions")
	require.Equal(t, http.StatusOK, list.status)
	require.Contains(t, list.body, `<a href="/definitions/workflow/console_def">console_def</a></th>
        <td>2</td>
        <td>2</td>`, "latest version and the count of versions")
	require.Contains(t, list.body, `href="/definitions/workflow/console_other"`)
	require.Contains(t, list.body, `href="/definitions/task/console_task"`)
	require.Contains(t, list.body, "a &lt;script&gt;task&lt;/script&gt;")
	require.NotContains(t, list.body, "<script>task")
	require.Less(t, strings.Index(list.body, "console_def"), strings.Index(list.body, "console_other"), "by name")

	latest := b.get("/definitions/workflow/console_def")
	require.Equal(t, http.StatusOK, latest.status)
	require.Contains(t, latest.body, `<span class="muted">v2</span>`)
	require.Contains(t, latest.body, `href="/definitions/workflow/console_def?version=1"`)
	require.Contains(t, latest.body, `href="/definitions/workflow/console_def?version=2" aria-current="page"`)
	require.Contains(t, latest.body, `<div class="diagram"><svg xmlns="http://www.w3.org/2000/svg" class="podium-diagram"`, "the diagram")
	require.Regexp(t, `<g class="node task"[^>]*data-ref="work"`, latest.body, "an uncoloured node per task")
	require.Contains(t, latest.body, `&#34;taskReferenceName&#34;: &#34;work&#34;`, "the JSON, indented and escaped")
	require.Contains(t, latest.body, "second &lt;b&gt;bold&lt;/b&gt;")
	require.NotContains(t, latest.body, "<b>bold")
	require.Contains(t, latest.body, `href="/definitions" aria-current="true"`)

	first := b.get("/definitions/workflow/console_def?version=1")
	require.Equal(t, http.StatusOK, first.status)
	require.Contains(t, first.body, `<span class="muted">v1</span>`)
	require.Contains(t, first.body, "&#34;description&#34;: &#34;first&#34;")

	task := b.get("/definitions/task/console_task")
	require.Equal(t, http.StatusOK, task.status)
	require.Contains(t, task.body, "&#34;retryCount&#34;: 2")
	require.Contains(t, task.body, "a &lt;script&gt;task&lt;/script&gt;")
}

func TestDefinitionPagesNotFound(t *testing.T) {
	t.Parallel()
	s := newSite(t, false)
	b := s.browser()
	b.signIn(adminKeyID, adminKeySecret)
	s.registerWorkflow("console_found", 1, "")

	p := b.get("/definitions/workflow/console_missing")
	require.Equal(t, http.StatusNotFound, p.status)
	require.Contains(t, p.body, "No such workflow found by name: console_missing")
	p = b.get("/definitions/workflow/console_found?version=9")
	require.Equal(t, http.StatusNotFound, p.status)
	require.Contains(t, p.body, "version: 9")
	p = b.get("/definitions/workflow/console_found?version=latest")
	require.Equal(t, http.StatusBadRequest, p.status)
	require.Contains(t, p.body, "whole number")
	p = b.get("/definitions/task/console_missing")
	require.Equal(t, http.StatusNotFound, p.status)
	require.Contains(t, p.body, "No such taskType found by name: console_missing")
	require.Equal(t, http.StatusNotFound, b.get("/definitions/elsewhere/x").status)
}

func TestDefinitionsForbiddenWithoutMetadataRead(t *testing.T) {
	t.Parallel()
	s := newSite(t, false)
	s.registerWorkflow("console_hidden", 1, "")
	keyID, secret := s.newApplication("console-worker", "WORKER")
	b := s.browser()
	b.signIn(keyID, secret)
	for _, path := range []string{"/definitions", "/definitions/workflow/console_hidden", "/definitions/task/console_task"} {
		p := b.get(path)
		require.Equal(t, http.StatusForbidden, p.status, path)
		require.Contains(t, p.body, "do not allow you to read definitions", path)
	}

	// A read-only role reads them.
	keyID, secret = s.newApplication("console-reader", "USER_READ_ONLY")
	b = s.browser()
	b.signIn(keyID, secret)
	require.Equal(t, http.StatusOK, b.get("/definitions/workflow/console_hidden").status)
}

// poll polls one task of taskType through the API as workerID in domain ("" for none).
func (s *site) poll(taskType, workerID, domain string) int {
	s.t.Helper()
	path := "/api/tasks/poll/" + taskType + "?workerid=" + workerID
	if domain != "" {
		path += "&domain=" + domain
	}
	status, body := s.api(http.MethodGet, path, s.admin, nil)
	require.Contains(s.t, []int{http.StatusOK, http.StatusNoContent}, status, string(body))
	return status
}

func TestQueuesShowPendingAndWorkers(t *testing.T) {
	t.Parallel()
	s := newSite(t, false)
	b := s.browser()
	b.signIn(adminKeyID, adminKeySecret)

	empty := b.get("/queues")
	require.Equal(t, http.StatusOK, empty.status)
	require.Contains(t, empty.body, "No tasks are waiting and no worker has polled.")

	s.startWorkflow("console_queue_a", map[string]any{"value": 1})
	s.startWorkflow("console_queue_b", map[string]any{"value": 2})
	s.startWorkflow("console_queue_c", map[string]any{"value": 3})
	require.Equal(t, http.StatusOK, s.poll("console_task", "worker-7", ""))
	require.Equal(t, http.StatusNoContent, s.poll("console_idle", "worker-9", "blue"))

	p := b.get("/queues")
	require.Equal(t, http.StatusOK, p.status)
	require.Regexp(t, regexp.MustCompile(`(?s)<th scope="row">console_task</th>\s*<td><span class="muted">none</span></td>\s*<td>2</td>`),
		p.body, "two of the three tasks still wait")
	require.Regexp(t, regexp.MustCompile(`<code>worker-7</code> · \d{4}-\d\d-\d\d `), p.body, "the worker and when it polled")
	require.Regexp(t, regexp.MustCompile(`(?s)<th scope="row">console_idle</th>\s*<td>blue</td>\s*<td>0</td>\s*<td><ul class="plain"><li><code>worker-9</code>`),
		p.body, "a queue only polled, in its domain")
	require.Contains(t, p.body, `<th scope="col">Pending</th>`)
}

func TestQueuesForbiddenWithoutWorkflowRead(t *testing.T) {
	t.Parallel()
	s := newSite(t, false)
	keyID, secret := s.newApplication("console-worker", "WORKER")
	b := s.browser()
	b.signIn(keyID, secret)
	p := b.get("/queues")
	require.Equal(t, http.StatusForbidden, p.status)
	require.Contains(t, p.body, "read task queues")

	keyID, secret = s.newApplication("console-reader", "USER_READ_ONLY")
	b = s.browser()
	b.signIn(keyID, secret)
	require.Equal(t, http.StatusOK, b.get("/queues").status)
}
