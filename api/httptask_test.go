package api_test

// HTTP system tasks on the internal workers: isolation of destinations, results that cannot be
// stored at once, the task definition's timeouts, and the egress policy end to end.

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/podiumhq/podium/engine"
	"github.com/podiumhq/podium/engine/systask"
)

// hungTarget is an external service whose requests hang until the test ends (or release is
// called); it records how many it held at once.
type hungTarget struct {
	*httptest.Server
	release  func()
	mu       sync.Mutex
	inFlight int
	peak     int
	total    int
}

func newHungTarget(t *testing.T) *hungTarget {
	t.Helper()
	h := &hungTarget{}
	released := make(chan struct{})
	var once sync.Once
	h.release = func() { once.Do(func() { close(released) }) }
	h.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.mu.Lock()
		h.inFlight++
		h.total++
		h.peak = max(h.peak, h.inFlight)
		h.mu.Unlock()
		defer func() { h.mu.Lock(); h.inFlight--; h.mu.Unlock() }()
		select {
		case <-released:
		case <-r.Context().Done():
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"late":true}`))
	}))
	t.Cleanup(h.Close)
	t.Cleanup(h.release) // runs first: Close waits for the handlers
	return h
}

func (h *hungTarget) counts() (inFlight, peak, total int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.inFlight, h.peak, h.total
}

// waitFor polls cond every 10 ms for up to 10 s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	waitForWithin(t, 10*time.Second, what, cond)
}

// waitForWithin polls cond every 10 ms for up to limit.
func waitForWithin(t *testing.T, limit time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			require.FailNow(t, "timed out waiting for "+what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// slowGet is an HTTP task calling uri with the longest read timeout.
func slowGet(ref, uri string) obj {
	return httpTask(ref, obj{"uri": uri, "method": "GET", "readTimeOut": 60000, "connectionTimeOut": 60000})
}

func TestHTTPTaskHungHostDoesNotStarveOthers(t *testing.T) {
	t.Parallel()
	b := newBundle(t, func(c *engine.Config) { c.SystemWorkers, c.SystemPerDestination = 32, 8 })
	hung := newHungTarget(t)
	fast := newHTTPStub(t)
	b.createWorkflow(workflowDef("hung_wf", slowGet("h", "${workflow.input.uri}")))
	b.createWorkflow(workflowDef("fast_wf", httpTask("h", obj{"uri": "${workflow.input.uri}", "method": "GET"})))

	for range 64 {
		b.startWorkflow("hung_wf", obj{"uri": hung.URL + "/hang"})
	}
	waitFor(t, "the hung host to hold its share", func() bool { n, _, _ := hung.counts(); return n == 8 })

	start := time.Now()
	id := b.startWorkflow("fast_wf", obj{"uri": fast.URL + "/item"})
	b.waitForStatus(id, "COMPLETED")
	latency := time.Since(start)
	t.Logf("fast task behind 64 hung tasks on one host (32 workers, 8 per host): completed in %v", latency)
	require.Less(t, latency, 2*time.Second)

	_, peak, total := hung.counts()
	require.Equal(t, 8, peak, "never more than the per-host limit in flight")
	require.Equal(t, 8, total, "tasks for the saturated host went back to the queue instead of waiting")
	var polls, scheduled int
	for _, task := range b.tasksByStatus("HTTP") {
		if task.status == "SCHEDULED" {
			scheduled++
			polls += task.pollCount
		}
	}
	require.Equal(t, 56, scheduled, "the rest wait in the queue")
	require.Zero(t, polls, "sending a task back is not a poll")

	// Once the host recovers, its backlog runs, eight at a time.
	hung.release()
	waitFor(t, "the backlog to finish", func() bool {
		b.clock.Advance(time.Second) // past the short delay of the tasks sent back
		return len(b.tasksByStatus("HTTP")) == 0
	})
	_, peak, total = hung.counts()
	require.Equal(t, 8, peak)
	require.Equal(t, 64, total, "every call made once")
}

func TestHTTPTaskManyHungHostsDoNotStarveOthers(t *testing.T) {
	t.Parallel()
	b := setup(t) // default worker pool
	fast := newHTTPStub(t)
	b.createWorkflow(workflowDef("hung_wf", slowGet("h", "${workflow.input.uri}")))
	b.createWorkflow(workflowDef("fast_wf", httpTask("h", obj{"uri": "${workflow.input.uri}", "method": "GET"})))
	targets := make([]*hungTarget, 64)
	for i := range targets {
		targets[i] = newHungTarget(t)
		b.startWorkflow("hung_wf", obj{"uri": targets[i].URL + "/hang"})
	}
	waitFor(t, "every hung host to be called", func() bool {
		for _, h := range targets {
			if n, _, _ := h.counts(); n != 1 {
				return false
			}
		}
		return true
	})

	start := time.Now()
	id := b.startWorkflow("fast_wf", obj{"uri": fast.URL + "/item"})
	b.waitForStatus(id, "COMPLETED")
	latency := time.Since(start)
	t.Logf("fast task behind 64 hung hosts (default pool): completed in %v", latency)
	require.Less(t, latency, 2*time.Second)
}

// taskRow is what tasksByStatus reads of a task row.
type taskRow struct {
	status    string
	pollCount int
}

// tasksByStatus lists the non-terminal tasks of a type straight from the task table.
func (b *testBundle) tasksByStatus(taskType string) []taskRow {
	b.t.Helper()
	conn := b.dbConn()
	rows, err := conn.Query(context.Background(), `SELECT status, poll_count FROM tasks
		WHERE task_type = $1 AND status IN ('SCHEDULED', 'IN_PROGRESS')`, taskType)
	require.NoError(b.t, err)
	list, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (taskRow, error) {
		var r taskRow
		return r, row.Scan(&r.status, &r.pollCount)
	})
	require.NoError(b.t, err)
	return list
}

// dbConn opens a connection of the test's own to the bundle's database, closed when t ends.
func (b *testBundle) dbConn() *pgx.Conn {
	b.t.Helper()
	conn, err := pgx.Connect(context.Background(), b.databaseURL)
	require.NoError(b.t, err)
	b.t.Cleanup(func() { _ = conn.Close(context.Background()) })
	return conn
}

func TestHTTPTaskResultStoredDespiteDatabaseFailures(t *testing.T) {
	t.Parallel()
	// A lease of 6 s leaves its renewals (every 2 s) slack on a loaded CI machine.
	b := newBundle(t, func(c *engine.Config) { c.SystemTaskLease = 6 * time.Second })
	locker := b.dbConn()
	var calls atomic.Int32
	var lock pgx.Tx
	locked := make(chan struct{})
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) == 1 {
			// Before answering, take the workflow's row so that the result cannot be stored.
			tx, err := locker.Begin(context.Background())
			if err == nil {
				_, err = tx.Exec(context.Background(), `SELECT 1 FROM workflows WHERE workflow_id = $1 FOR UPDATE`, r.URL.Query().Get("wf"))
			}
			if err != nil {
				http.Error(w, err.Error(), http.StatusInternalServerError)
				return
			}
			lock = tx
			close(locked)
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"done":true}`))
	}))
	t.Cleanup(target.Close)
	b.registerTaskDefs(obj{"name": "once_http", "retryCount": 3, "retryDelaySeconds": 0, "responseTimeoutSeconds": 30})
	b.createWorkflow(workflowDef("once_wf", obj{"name": "once_http", "taskReferenceName": "h", "type": "HTTP",
		"inputParameters": obj{"http_request": obj{"uri": "${workflow.input.uri}?wf=${workflow.workflowId}", "method": "POST",
			"headers": obj{"Authorization": "Bearer ${workflow.input.token}"}}}}))

	id := b.startWorkflow("once_wf", obj{"uri": target.URL + "/charge", "token": "tok-very-secret"})
	<-locked
	// The worker now waits for the row; kill its connection twice, as a failing database would.
	ctx := context.Background()
	for kill := range 2 {
		var pid int
		// Generous: under the race detector on a loaded machine the worker's next attempt can
		// be seconds late (its back-off is at most 2 s).
		waitForWithin(t, 30*time.Second, "the worker to wait for the workflow row", func() bool {
			err := lock.QueryRow(ctx, `SELECT pid FROM pg_stat_activity WHERE datname = current_database()
				AND wait_event_type = 'Lock' AND pid <> pg_backend_pid() LIMIT 1`).Scan(&pid)
			return err == nil
		})
		_, err := lock.Exec(ctx, `SELECT pg_terminate_backend($1)`, pid)
		require.NoError(t, err)
		waitForWithin(t, 30*time.Second, fmt.Sprintf("retry %d to be logged", kill+1), func() bool {
			return strings.Count(b.logs.String(), "storing a system task result failed; retrying") > kill
		})
	}
	// Longer than the lease: the worker renews it while it keeps trying.
	time.Sleep(6500 * time.Millisecond)
	var leaseOK bool
	require.NoError(t, lock.QueryRow(ctx, `SELECT lease_until > $1 FROM tasks WHERE workflow_id = $2`, b.clock.Now(), id).Scan(&leaseOK))
	require.True(t, leaseOK)
	require.NoError(t, lock.Commit(ctx))

	wf := b.waitForStatus(id, "COMPLETED")
	require.Equal(t, []string{"h:COMPLETED"}, refsAndStatuses(t, wf))
	require.Equal(t, obj{"done": true}, dig(t, taskByRef(t, wf, "h"), "outputData", "response", "body"))
	require.EqualValues(t, 1, calls.Load(), "the endpoint was called exactly once")
	require.Contains(t, b.logs.String(), "stored a system task result after retrying")
	require.NotContains(t, b.logs.String(), "gave up storing")
	require.NotContains(t, b.logs.String(), "tok-very-secret")
}

func TestHTTPTaskDefinitionTimeouts(t *testing.T) {
	t.Parallel()
	b := setup(t)
	hung := newHungTarget(t)
	b.registerTaskDefs(
		obj{"name": "slow_response", "retryCount": 0, "responseTimeoutSeconds": 1},
		obj{"name": "slow_run", "retryCount": 0, "responseTimeoutSeconds": 1, "timeoutSeconds": 1, "timeoutPolicy": "TIME_OUT_WF"})
	for _, name := range []string{"slow_response", "slow_run"} {
		b.createWorkflow(workflowDef(name+"_wf", obj{"name": name, "taskReferenceName": "h", "type": "HTTP",
			"inputParameters": obj{"http_request": obj{"uri": hung.URL + "/hang", "method": "GET", "readTimeOut": 60000}}}))
	}

	start := time.Now()
	resp := b.startWorkflow("slow_response_wf", nil)
	run := b.startWorkflow("slow_run_wf", nil)
	wf := b.waitForStatus(resp, "TIMED_OUT")
	h := taskByRef(t, wf, "h")
	require.Equal(t, "TIMED_OUT", h["status"])
	require.Equal(t, "responseTimeoutSeconds: 1 exceeded", h["reasonForIncompletion"])
	wf = b.waitForStatus(run, "TIMED_OUT")
	h = taskByRef(t, wf, "h")
	require.Equal(t, "TIMED_OUT", h["status"])
	require.True(t, strings.HasPrefix(h["reasonForIncompletion"].(string), "Task timed out after "), h["reasonForIncompletion"])
	require.Less(t, time.Since(start), 3*time.Second, "cut at the definition's timeouts, not the 60 s read timeout")
	waitFor(t, "the calls to be abandoned", func() bool { n, _, _ := hung.counts(); return n == 0 })
}

func TestHTTPTaskEgressRefusalIsTerminal(t *testing.T) {
	t.Parallel()
	b := newBundle(t, func(c *engine.Config) {
		c.SystemTasks = systask.DefaultWith(systask.HTTPConfig{
			Egress: systask.EgressPolicy{Deny: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}},
		})
	})
	stub := newHTTPStub(t)
	b.registerTaskDefs(obj{"name": "denied_http", "retryCount": 3, "retryDelaySeconds": 0, "responseTimeoutSeconds": 30})
	b.createWorkflow(workflowDef("denied_wf", obj{"name": "denied_http", "taskReferenceName": "h", "type": "HTTP",
		"inputParameters": obj{"http_request": obj{"uri": "${workflow.input.base}/item", "method": "GET"}}}))

	id := b.startWorkflow("denied_wf", obj{"base": stub.URL})
	wf := b.waitForStatus(id, "FAILED")
	require.Equal(t, []string{"h:FAILED_WITH_TERMINAL_ERROR"}, refsAndStatuses(t, wf), "refused, not retried")
	require.Equal(t, "Failed to invoke HTTP task due to: destination address 127.0.0.1 is refused by the HTTP task egress policy (denied network 127.0.0.0/8)",
		taskByRef(t, wf, "h")["reasonForIncompletion"])
	require.Empty(t, stub.recorded())
}
