package api_test

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/podiumhq/podium/api"
	"github.com/podiumhq/podium/internal/access"
	"github.com/podiumhq/podium/internal/config"
)

// Secret settings of the configuration TestAdminRoutes serves.
const (
	adminTestDBPassword  = "db-pw-4f1e9c2a77"
	adminTestSecretKeys  = "k1:QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWY="
	adminTestAdminSecret = "admin-secret-9d8c7b6a5f4e3d2c"
)

// setupAdmin is setupAuth whose /api/admin/config serves a configuration holding secrets.
func setupAdmin(t *testing.T) *testBundle {
	t.Helper()
	env := map[string]string{
		"PODIUM_DATABASE_URL":     "postgres://podium:" + adminTestDBPassword + "@db.internal:5432/podium",
		"PODIUM_SECRET_KEYS":      adminTestSecretKeys,
		"PODIUM_ADMIN_KEY_ID":     "ops",
		"PODIUM_ADMIN_KEY_SECRET": adminTestAdminSecret,
	}
	cfg, err := config.Load(func(k string) string { return env[k] })
	require.NoError(t, err)
	return newAccessBundle(t, nil, func(c *access.Config) {
		c.Admin = access.AdminKey{ID: testAdminKeyID, Secret: testAdminKeySecret}
	}, func(c *api.Config) {
		c.AuthOff = false
		c.AdminConfig = cfg.Redacted()
	})
}

func TestAdminRoutes(t *testing.T) {
	t.Parallel()
	b := setupAdmin(t)
	admin := b.login(testAdminKeyID, testAdminKeySecret)
	_, keyID, secret := b.newApplication(admin, "admin-routes-user", "USER")
	user := b.login(keyID, secret)

	requireStatus(t, b.as(admin, http.MethodPost, taskDefsPath, arr{integrationTaskDef(0)}), http.StatusOK)
	requireStatus(t, b.as(admin, http.MethodPost, workflowPath, oneTaskDef("admin_wf")), http.StatusOK)
	start := func() string {
		resp := b.as(admin, http.MethodPost, executionPath+"/admin_wf", obj{})
		requireStatus(t, resp, http.StatusOK)
		return string(resp.Body)
	}
	first, second := start(), start()
	resp := b.as(admin, http.MethodGet, tasksPath+"/poll/"+itName(0)+"?workerid=w1", nil)
	requireStatus(t, resp, http.StatusOK)
	claimed := decodeObj(t, resp.Body)["workflowInstanceId"].(string)
	waiting := first
	if claimed == first {
		waiting = second
	}

	// Every admin route is ADMIN only.
	for _, r := range []struct{ method, path string }{
		{http.MethodGet, "/api/admin/config"},
		{http.MethodGet, "/api/admin/task/" + itName(0)},
		{http.MethodPost, "/api/admin/sweep/requeue/" + claimed},
		{http.MethodPost, "/api/admin/consistency/verifyAndRepair/" + claimed},
		{http.MethodGet, "/api/admin/queues"},
		{http.MethodGet, "/api/admin/queues?verbose=true"},
	} {
		requireStatus(t, b.as(user, r.method, r.path, nil), http.StatusForbidden)
	}

	// The configuration, with no secret in it.
	resp = b.as(admin, http.MethodGet, "/api/admin/config", nil)
	requireStatus(t, resp, http.StatusOK)
	cfg := decodeObj(t, resp.Body)
	require.Equal(t, "127.0.0.1:8080", cfg["addr"])
	require.Equal(t, "postgres://podium:xxxxx@db.internal:5432/podium", cfg["database_url"])
	require.Equal(t, true, cfg["secret_keys_configured"])
	require.Equal(t, "ops", cfg["admin_key_id"])
	require.Equal(t, "1h0m0s", cfg["token_ttl"])
	for _, v := range []string{adminTestDBPassword, adminTestSecretKeys, "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWY", adminTestAdminSecret} {
		require.NotContains(t, string(resp.Body), v)
	}

	// Pending tasks of a type: the waiting and the claimed one, paged.
	pending := func(query string) arr {
		resp := b.as(admin, http.MethodGet, "/api/admin/task/"+itName(0)+query, nil)
		requireStatus(t, resp, http.StatusOK)
		return decodeArr(t, resp.Body)
	}
	all := pending("")
	require.Len(t, all, 2)
	byWorkflow := map[string]string{}
	for _, task := range all {
		byWorkflow[task.(obj)["workflowInstanceId"].(string)] = task.(obj)["status"].(string)
	}
	require.Equal(t, map[string]string{claimed: "IN_PROGRESS", waiting: "SCHEDULED"}, byWorkflow)
	require.Len(t, pending("?count=1"), 1)
	require.Equal(t, all[1:], pending("?start=1&count=5"))
	require.Equal(t, arr{}, pending("?start=2"))
	resp = b.as(admin, http.MethodGet, "/api/admin/task/no_such_type", nil)
	requireStatus(t, resp, http.StatusOK)
	require.Equal(t, arr{}, decodeArr(t, resp.Body), "an unknown type has no pending tasks")
	requireStatus(t, b.as(admin, http.MethodGet, "/api/admin/task/"+itName(0)+"?count=-1", nil), http.StatusBadRequest)

	// Queue sizes; verbose counts the claimed task as unacked.
	resp = b.as(admin, http.MethodGet, "/api/admin/queues", nil)
	requireStatus(t, resp, http.StatusOK)
	require.Equal(t, obj{itName(0): json.Number("1")}, decodeObj(t, resp.Body))
	resp = b.as(admin, http.MethodGet, "/api/admin/queues?verbose=true", nil)
	requireStatus(t, resp, http.StatusOK)
	require.Equal(t, obj{itName(0): obj{"a": obj{"size": json.Number("1"), "uacked": json.Number("1")}}}, decodeObj(t, resp.Body))

	// sweep/requeue decides the workflow now: past the claimed task's timeouts (the sweeper
	// does not run in tests), the attempt times out (and, TIME_OUT_WF, the workflow with it).
	b.clock.Advance(121 * time.Second)
	resp = b.as(admin, http.MethodPost, "/api/admin/sweep/requeue/"+claimed, nil)
	requireStatus(t, resp, http.StatusOK)
	require.Equal(t, "true."+claimed, string(resp.Body))
	timedOut := b.workflowAs(admin, claimed)
	require.Equal(t, "t1:TIMED_OUT", refsAndStatuses(t, timedOut)[0])
	require.Equal(t, "TIMED_OUT", timedOut["status"])

	// verifyAndRepair decides a live running workflow (true), and has nothing to repair in an
	// ended one (false).
	resp = b.as(admin, http.MethodPost, "/api/admin/consistency/verifyAndRepair/"+waiting, nil)
	requireStatus(t, resp, http.StatusOK)
	require.Equal(t, "true", string(resp.Body))
	requireStatus(t, b.as(admin, http.MethodDelete, executionPath+"/"+waiting, nil), http.StatusOK)
	resp = b.as(admin, http.MethodPost, "/api/admin/consistency/verifyAndRepair/"+waiting, nil)
	requireStatus(t, resp, http.StatusOK)
	require.Equal(t, "false", string(resp.Body))

	const unknown = "00000000-0000-4000-8000-000000000000"
	requireStatus(t, b.as(admin, http.MethodPost, "/api/admin/sweep/requeue/"+unknown, nil), http.StatusNotFound)
	requireStatus(t, b.as(admin, http.MethodPost, "/api/admin/consistency/verifyAndRepair/"+unknown, nil), http.StatusNotFound)
}

// workflowAs reads an execution with its tasks as token.
func (b *testBundle) workflowAs(token, id string) obj {
	b.t.Helper()
	resp := b.as(token, http.MethodGet, executionPath+"/"+id, nil)
	requireStatus(b.t, resp, http.StatusOK)
	return decodeObj(b.t, resp.Body)
}

func TestQueueVerboseAndRequeue(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.registerIntegrationTasks(2)
	b.createWorkflow(oneTaskDef("queue_wf"))
	for range 3 {
		b.startWorkflow("queue_wf", nil)
	}
	verbose := func() obj {
		resp := b.do(http.MethodGet, tasksPath+"/queue/all/verbose", nil)
		requireStatus(t, resp, http.StatusOK)
		return decodeObj(t, resp.Body)
	}
	requeue := func(taskType string) string {
		resp := b.do(http.MethodPost, tasksPath+"/queue/requeue/"+taskType, nil)
		requireStatus(t, resp, http.StatusOK)
		require.True(t, strings.HasPrefix(resp.Header.Get("Content-Type"), "text/plain"))
		return string(resp.Body)
	}
	counts := func(size, unacked int) obj {
		return obj{itName(0): obj{"a": obj{"size": json.Number(strconv.Itoa(size)), "uacked": json.Number(strconv.Itoa(unacked))}}}
	}
	require.Equal(t, counts(3, 0), verbose())
	require.Equal(t, "3", requeue(itName(0)))

	first := b.pollTask(itName(0))
	second := b.pollTask(itName(0))
	require.Equal(t, counts(1, 2), verbose())
	require.Equal(t, "1", requeue(itName(0)), "claimed tasks are not requeued")

	// A task postponed by its worker stays postponed: counted, but not pollable before its time.
	b.updateTask(second, "IN_PROGRESS", nil, "callbackAfterSeconds", 60)
	require.Equal(t, counts(2, 1), verbose())
	require.Equal(t, "2", requeue(itName(0)))
	third := b.pollTask(itName(0))
	require.NotEqual(t, second["taskId"], third["taskId"])
	b.requireNothingToPoll(itName(0))

	b.completeTask(first, nil)
	b.completeTask(third, nil)
	require.Equal(t, counts(1, 0), verbose())
	require.Equal(t, "0", requeue(itName(1)), "a type with nothing queued")
	require.Equal(t, "0", requeue("HTTP"), "system task types are not worker queues")
}

func TestTerminateTriggerFailureWorkflow(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.registerIntegrationTasks(2)
	b.createWorkflow(workflowDef("tf_handler", workerTask("h", 1, nil)))
	b.createWorkflow(with(oneTaskDef("tf_main"), "failureWorkflow", "tf_handler"))
	handlers := func() arr {
		resp := b.do(http.MethodGet, executionPath+"/running/tf_handler", nil)
		requireStatus(t, resp, http.StatusOK)
		return decodeArr(t, resp.Body)
	}

	// By default (and with false) terminating starts no failure workflow.
	plain := b.startWorkflow("tf_main", obj{"k": "v"})
	b.terminate(plain, "no+trigger")
	explicit := b.startWorkflow("tf_main", obj{"k": "v"})
	requireEmptyOK(t, b.do(http.MethodDelete, executionPath+"/"+explicit+"?triggerFailureWorkflow=false", nil))
	b.requireWorkflowStatus(plain, "TERMINATED")
	b.requireWorkflowStatus(explicit, "TERMINATED")
	require.Equal(t, arr{}, handlers())
	requireStatus(t, b.do(http.MethodDelete, executionPath+"/"+explicit+"?triggerFailureWorkflow=maybe", nil), http.StatusBadRequest)

	// With true, the failure workflow starts with the terminated workflow's facts.
	id := b.startWorkflow("tf_main", obj{"k": "v"})
	requireEmptyOK(t, b.do(http.MethodDelete, executionPath+"/"+id+"?reason=stop&triggerFailureWorkflow=true", nil))
	wf := b.requireWorkflowStatus(id, "TERMINATED")
	require.Equal(t, "stop", wf["reasonForIncompletion"])
	started := handlers()
	require.Len(t, started, 1)
	input := b.execution(started[0].(string))["input"].(obj)
	require.Equal(t, id, input["workflowId"])
	require.Equal(t, "stop", input["reason"])
	require.Equal(t, "TERMINATED", input["failureStatus"])
	require.Equal(t, "v", input["k"])
	require.Equal(t, id, input["failedWorkflow"].(obj)["workflowId"])

	// Terminating it again is a no-op: no second failure workflow.
	requireEmptyOK(t, b.do(http.MethodDelete, executionPath+"/"+id+"?triggerFailureWorkflow=true", nil))
	require.Len(t, handlers(), 1)

	// Bulk terminate takes the parameter too.
	bulkID := b.startWorkflow("tf_main", obj{})
	resp := b.do(http.MethodPost, executionPath+"/bulk/terminate?triggerFailureWorkflow=true", arr{bulkID})
	requireStatus(t, resp, http.StatusOK)
	require.Equal(t, arr{bulkID}, decodeObj(t, resp.Body)["bulkSuccessfulResults"])
	require.Len(t, handlers(), 2)
}
