package console_test

import (
	"net/http"
	"regexp"
	"testing"

	"github.com/stretchr/testify/require"
)

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
