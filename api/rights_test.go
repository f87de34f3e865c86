package api_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// Rights before masks: who may use, write or see a secret, a task type or an application is
// decided by roles and grants, checked against the principal a workflow runs as.

// grantBody is an Orkes authorization request for an application.
func grantBody(appID, targetType, targetID string, access ...string) obj {
	list := make(arr, len(access))
	for i, a := range access {
		list[i] = a
	}
	return obj{"subject": obj{"type": "APPLICATION", "id": appID},
		"target": obj{"type": targetType, "id": targetID}, "access": list}
}

// grant gives appID access on a target, as the admin.
func (b *testBundle) grant(admin, appID, targetType, targetID string, access ...string) {
	b.t.Helper()
	requireStatus(b.t, b.as(admin, http.MethodPost, "/api/auth/authorization", grantBody(appID, targetType, targetID, access...)), http.StatusOK)
}

// waitAs polls a workflow as token until it is no longer RUNNING and returns it.
func (b *testBundle) waitAs(token, id string) obj {
	b.t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		resp := b.as(token, http.MethodGet, "/api/workflow/"+id, nil)
		requireStatus(b.t, resp, http.StatusOK)
		wf := decodeObj(b.t, resp.Body)
		if wf["status"] != "RUNNING" {
			return wf
		}
		require.True(b.t, time.Now().Before(deadline), "workflow %s did not end: %s", id, resp.Body)
		time.Sleep(20 * time.Millisecond)
	}
}

// startAs starts workflow name with input as token and returns its id.
func (b *testBundle) startAs(token, name string, input obj) string {
	b.t.Helper()
	return requireID(b.t, b.as(token, http.MethodPost, "/api/workflow/"+name, input))
}

// setupWithSecret is setupAuth with the admin's token and a secret api_key of a random value,
// stored by the admin (so nobody else holds a grant on it).
func setupWithSecret(t *testing.T) (b *testBundle, admin, value string) {
	t.Helper()
	b = setupAuth(t)
	admin = b.login(testAdminKeyID, testAdminKeySecret)
	value = randomValue(t, "key-")
	requireEmptyOK(t, b.as(admin, http.MethodPut, "/api/secrets/api_key", fmt.Sprintf("%q", value)))
	return b, admin, value
}

// echoTarget is an external HTTP service that records the X-Key header of each call and
// echoes it back in its JSON body.
type echoTarget struct {
	*httptest.Server
	mu   sync.Mutex
	keys []string
}

func newEchoTarget(t *testing.T) *echoTarget {
	e := &echoTarget{}
	e.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		e.mu.Lock()
		e.keys = append(e.keys, r.Header.Get("X-Key"))
		e.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"echo":%q}`, r.Header.Get("X-Key"))
	}))
	t.Cleanup(e.Close)
	return e
}

func (e *echoTarget) calls() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]string(nil), e.keys...)
}

// httpWithSecret is an HTTP task sending secret name in the X-Key header to url.
func httpWithSecret(ref, url, name string) obj {
	return task(ref, "HTTP", "inputParameters", obj{"uri": url, "method": "GET",
		"headers": obj{"X-Key": "${workflow.secrets." + name + "}"}})
}

// spellOut is an INLINE task returning secret name with its characters spaced out, which
// masking of whole values cannot recognise: only rights can stop it.
func spellOut(ref, name string) obj {
	return task(ref, "INLINE", "inputParameters", obj{"evaluatorType": "javascript",
		"v":          "${workflow.secrets." + name + "}",
		"expression": "(function(){ return $.v == null ? null : $.v.split('').join(' '); })()"})
}

func requireSecurityError(t *testing.T, wf obj, ref, secretName string, values ...string) {
	t.Helper()
	require.Equal(t, "FAILED", wf["status"], "workflow: %v", wf)
	task := tasksByRef(wf)[ref]
	require.Equal(t, "FAILED_WITH_TERMINAL_ERROR", task["status"], "task %s: %v", ref, task)
	reason, _ := task["reasonForIncompletion"].(string)
	require.Contains(t, reason, "Security Error")
	require.Contains(t, reason, secretName)
	requireNoValues(t, "the refused workflow", mustJSONText(t, wf), values...)
}

func TestRightsSecretUseNeedsAGrant(t *testing.T) {
	t.Parallel()
	b, admin, value := setupWithSecret(t)
	target := newEchoTarget(t)

	userID, userKey, userSecret := b.newApplication(admin, "author", "USER")
	user := b.login(userKey, userSecret)
	_, readerKey, readerSecret := b.newApplication(admin, "viewer", "USER_READ_ONLY")
	reader := b.login(readerKey, readerSecret)

	requireStatus(t, b.as(user, http.MethodPost, "/api/metadata/workflow", workflowDef("uses_key", httpWithSecret("call", target.URL, "api_key"))), http.StatusOK)
	requireStatus(t, b.as(user, http.MethodPost, "/api/metadata/workflow", workflowDef("spells_key", spellOut("spell", "api_key"))), http.StatusOK)

	// Without a grant: the task fails with a Security Error naming the secret; the target is
	// never called; the value appears nowhere, also not to a read-only viewer.
	wf := b.waitAs(user, b.startAs(user, "uses_key", obj{}))
	requireSecurityError(t, wf, "call", "api_key", value)
	require.Empty(t, target.calls(), "a refused secret must not reach the HTTP target")
	wf = b.waitAs(reader, b.startAs(user, "spells_key", obj{}))
	requireSecurityError(t, wf, "spell", "api_key", value, strings.Join(strings.Split(value, ""), " "))

	// An inline definition is the same: rights are checked where the secret is resolved.
	resp := b.as(user, http.MethodPost, "/api/workflow", obj{"name": "inline_spell", "input": obj{},
		"workflowDef": workflowDef("inline_spell", spellOut("spell", "api_key"))})
	wf = b.waitAs(reader, requireID(t, resp))
	requireSecurityError(t, wf, "spell", "api_key", value, strings.Join(strings.Split(value, ""), " "))

	// A secret that does not exist answers the same, so names cannot be probed.
	requireStatus(t, b.as(user, http.MethodPost, "/api/metadata/workflow", workflowDef("uses_missing", httpWithSecret("call", target.URL, "no_such"))), http.StatusOK)
	requireSecurityError(t, b.waitAs(user, b.startAs(user, "uses_missing", obj{})), "call", "no_such")

	// READ on another secret does not help; EXECUTE on this one does. The HTTP target gets the
	// real value, the execution shows it masked.
	b.grant(admin, userID, "SECRET_NAME", "other", "READ", "EXECUTE")
	requireSecurityError(t, b.waitAs(user, b.startAs(user, "uses_key", obj{})), "call", "api_key", value)
	b.grant(admin, userID, "SECRET_NAME", "api_key", "EXECUTE")
	wf = b.waitAs(user, b.startAs(user, "uses_key", obj{}))
	require.Equal(t, "COMPLETED", wf["status"], "%v", wf["reasonForIncompletion"])
	require.Equal(t, []string{value}, target.calls())
	requireNoValues(t, "the granted workflow", mustJSONText(t, wf), value)
	// EXECUTE uses a value in workflows; it does not show it.
	requireStatus(t, b.as(user, http.MethodGet, "/api/secrets/api_key", nil), http.StatusForbidden)

	// Revoking stops the next use at once.
	requireStatus(t, b.as(admin, http.MethodDelete, "/api/auth/authorization", grantBody(userID, "SECRET_NAME", "api_key", "EXECUTE")), http.StatusOK)
	requireSecurityError(t, b.waitAs(user, b.startAs(user, "uses_key", obj{})), "call", "api_key", value)

	// ADMIN needs no grant.
	wf = b.waitAs(admin, b.startAs(admin, "uses_key", obj{}))
	require.Equal(t, "COMPLETED", wf["status"], "%v", wf["reasonForIncompletion"])
	requireNoValues(t, "the database", b.maskDump(), value)
}

func TestRightsScheduleRunsAsItsCreator(t *testing.T) {
	t.Parallel()
	b, admin, value := setupWithSecret(t)
	target := newEchoTarget(t)
	managerID, managerKey, managerSecret := b.newApplication(admin, "scheduler", "WORKFLOW_MANAGER")
	manager := b.login(managerKey, managerSecret)
	requireStatus(t, b.as(admin, http.MethodPost, "/api/metadata/workflow", workflowDef("uses_key", httpWithSecret("call", target.URL, "api_key"))), http.StatusOK)

	sched := obj{"name": "every_minute", "cronExpression": "0 * * ? * *",
		"startWorkflowRequest": obj{"name": "uses_key", "version": 1, "input": obj{}}}
	requireStatus(t, b.as(manager, http.MethodPost, "/api/scheduler/schedules", sched), http.StatusOK)
	lastRun := func() obj {
		t.Helper()
		b.clock.Advance(time.Minute)
		require.Equal(t, 1, b.fire())
		resp := b.as(admin, http.MethodGet, "/api/scheduler/search/executions?size=1&sort=scheduledTime:DESC", nil)
		requireStatus(t, resp, http.StatusOK)
		results := decodeObj(t, resp.Body)["results"].(arr)
		require.NotEmpty(t, results)
		return b.waitAs(admin, results[0].(obj)["workflowId"].(string))
	}

	// The schedule's creator has no grant on the secret: its runs fail with a Security Error,
	// though the admin registered the workflow.
	requireSecurityError(t, lastRun(), "call", "api_key", value)
	require.Empty(t, target.calls())
	// Granted to the creator, the next slot uses it.
	b.grant(admin, managerID, "SECRET_NAME", "api_key", "EXECUTE")
	wf := lastRun()
	require.Equal(t, "COMPLETED", wf["status"], "%v", wf["reasonForIncompletion"])
	require.Equal(t, []string{value}, target.calls())
}

func TestRightsUpdateSecretNeedsUpdateOrCreate(t *testing.T) {
	t.Parallel()
	b := setupAuth(t)
	admin := b.login(testAdminKeyID, testAdminKeySecret)
	original := randomValue(t, "orig-")
	requireEmptyOK(t, b.as(admin, http.MethodPut, "/api/secrets/shared_token", fmt.Sprintf("%q", original)))
	managerID, managerKey, managerSecret := b.newApplication(admin, "rotator", "WORKFLOW_MANAGER")
	manager := b.login(managerKey, managerSecret)
	_, userKey, userSecret := b.newApplication(admin, "author", "USER")
	user := b.login(userKey, userSecret)
	writeSecret := workflowDef("write_secret", updateSecretTask("upd",
		obj{"secretKey": "${workflow.input.key}", "secretValue": "${workflow.input._secrets.value}"}))
	requireStatus(t, b.as(admin, http.MethodPost, "/api/metadata/workflow", writeSecret), http.StatusOK)
	run := func(token, key string) (obj, string) {
		t.Helper()
		v := randomValue(t, "new-")
		return b.waitAs(token, b.startAs(token, "write_secret", obj{"key": key, "_secrets": obj{"value": v}})), v
	}
	secretIs := func(name, want string) {
		t.Helper()
		resp := b.as(admin, http.MethodGet, "/api/secrets/"+name, nil)
		requireStatus(t, resp, http.StatusOK)
		require.Equal(t, fmt.Sprintf("%q", want), string(resp.Body))
	}

	// Overwriting someone else's secret needs UPDATE on it: USER and WORKFLOW_MANAGER are refused
	// and the value stays.
	for _, token := range []string{user, manager} {
		wf, v := run(token, "shared_token")
		requireSecurityError(t, wf, "upd", "shared_token", v)
		require.Contains(t, tasksByRef(wf)["upd"]["reasonForIncompletion"], "UPDATE")
	}
	secretIs("shared_token", original)

	// A new name needs CREATE: the WORKFLOW_MANAGER has none (USER's role writes secrets).
	wf, v := run(manager, "fresh_token")
	requireSecurityError(t, wf, "upd", "fresh_token", v)
	require.Contains(t, tasksByRef(wf)["upd"]["reasonForIncompletion"], "CREATE")
	resp := b.as(admin, http.MethodGet, "/api/secrets/fresh_token/exists", nil)
	require.Equal(t, "false", string(resp.Body))

	// With CREATE on the name, the first run creates it and its creator owns it: the next run
	// (an update) works, and its workflows may use it.
	b.grant(admin, managerID, "SECRET_NAME", "fresh_token", "CREATE")
	for range 2 {
		wf, v = run(manager, "fresh_token")
		require.Equal(t, "COMPLETED", wf["status"], "%v", wf["reasonForIncompletion"])
		secretIs("fresh_token", v)
	}
	resp = b.as(admin, http.MethodGet, "/api/auth/authorization/SECRET_NAME/fresh_token", nil)
	requireStatus(t, resp, http.StatusOK)
	for _, access := range []string{"CREATE", "READ", "UPDATE", "EXECUTE", "DELETE"} {
		require.Contains(t, decodeObj(t, resp.Body), access)
	}

	// UPDATE granted on the shared secret lets the rotator rotate it.
	b.grant(admin, managerID, "SECRET_NAME", "shared_token", "UPDATE")
	wf, v = run(manager, "shared_token")
	require.Equal(t, "COMPLETED", wf["status"], "%v", wf["reasonForIncompletion"])
	secretIs("shared_token", v)
	requireNoValues(t, "the database", b.maskDump(), v, original)
}

func TestRightsSecretsAPIFollowsGrants(t *testing.T) {
	t.Parallel()
	b := setupAuth(t)
	admin := b.login(testAdminKeyID, testAdminKeySecret)
	requireEmptyOK(t, b.as(admin, http.MethodPut, "/api/secrets/admins", `"a-value"`))
	userID, userKey, userSecret := b.newApplication(admin, "author", "USER")
	user := b.login(userKey, userSecret)
	_, readerKey, readerSecret := b.newApplication(admin, "viewer", "USER_READ_ONLY")
	reader := b.login(readerKey, readerSecret)

	// USER creates secrets (and owns them), but may not overwrite, re-tag or delete others'.
	requireEmptyOK(t, b.as(user, http.MethodPut, "/api/secrets/mine", `"m-value"`))
	requireEmptyOK(t, b.as(user, http.MethodPut, "/api/secrets/mine", `"m-value-2"`))
	resp := b.as(user, http.MethodGet, "/api/secrets/mine", nil)
	requireStatus(t, resp, http.StatusOK)
	require.Equal(t, `"m-value-2"`, string(resp.Body))
	for _, c := range []struct{ method, path, body string }{
		{http.MethodPut, "/api/secrets/admins", `"overwritten"`},
		{http.MethodDelete, "/api/secrets/admins", ""},
		{http.MethodPut, "/api/secrets/admins/tags", `[{"key":"k","value":"v"}]`},
		{http.MethodDelete, "/api/secrets/admins/tags", `[{"key":"k","value":"v"}]`},
	} {
		var body any
		if c.body != "" {
			body = c.body
		}
		resp := b.as(user, c.method, c.path, body)
		requireStatus(t, resp, http.StatusForbidden)
		require.Contains(t, resp.Error(t).Message, "admins")
	}
	resp = b.as(admin, http.MethodGet, "/api/secrets/admins", nil)
	require.Equal(t, `"a-value"`, string(resp.Body), "a refused write changes nothing")
	// A read-only viewer creates nothing.
	requireStatus(t, b.as(reader, http.MethodPut, "/api/secrets/viewers", `"v"`), http.StatusForbidden)

	// GET /api/secrets?access= lists what the caller holds every listed access on (default READ).
	b.grant(admin, userID, "SECRET_NAME", "admins", "EXECUTE")
	list := func(token, query string) arr {
		t.Helper()
		resp := b.as(token, http.MethodGet, "/api/secrets"+query, nil)
		requireStatus(t, resp, http.StatusOK)
		return decodeArr(t, resp.Body)
	}
	require.ElementsMatch(t, arr{"mine"}, list(user, ""))
	require.ElementsMatch(t, arr{"admins", "mine"}, list(user, "?access=EXECUTE"))
	require.ElementsMatch(t, arr{"mine"}, list(user, "?access=EXECUTE&access=DELETE"))
	require.ElementsMatch(t, arr{"mine"}, list(user, "?access=EXECUTE,UPDATE"))
	require.Empty(t, list(reader, "?access=READ"))
	require.ElementsMatch(t, arr{"admins", "mine"}, list(admin, "?access=DELETE"))
	requireStatus(t, b.as(user, http.MethodGet, "/api/secrets?access=OWN", nil), http.StatusBadRequest)

	// The owner deletes its secret; the grants on it go with it.
	requireEmptyOK(t, b.as(user, http.MethodDelete, "/api/secrets/mine", nil))
	resp = b.as(admin, http.MethodGet, "/api/auth/authorization/SECRET_NAME/mine", nil)
	require.JSONEq(t, `{}`, string(resp.Body))
}

func TestRightsWorkerPollsOnlyGrantedTaskTypes(t *testing.T) {
	t.Parallel()
	b, admin, value := setupWithSecret(t)
	for _, name := range []string{"alpha", "beta"} {
		requireStatus(t, b.as(admin, http.MethodPost, "/api/metadata/taskdefs", arr{obj{"name": name, "responseTimeoutSeconds": 60}}), http.StatusOK)
	}
	requireStatus(t, b.as(admin, http.MethodPost, "/api/metadata/workflow", workflowDef("two_types",
		task("a", "SIMPLE", "name", "alpha", "inputParameters", obj{"key": "${workflow.secrets.api_key}"}),
		task("b", "SIMPLE", "name", "beta"))), http.StatusOK)
	workerID, workerKey, workerSecret := b.newApplication(admin, "alpha-worker", "WORKER")
	worker := b.login(workerKey, workerSecret)
	_, anyKey, anySecret := b.newApplication(admin, "any-worker", "UNRESTRICTED_WORKER")
	anyWorker := b.login(anyKey, anySecret)
	id := b.startAs(admin, "two_types", obj{})

	// A WORKER without grants polls nothing, and learns nothing of the task's input.
	for _, path := range []string{"/api/tasks/poll/alpha", "/api/tasks/poll/batch/alpha?count=1&timeout=0"} {
		resp := b.as(worker, http.MethodGet, path, nil)
		requireStatus(t, resp, http.StatusForbidden)
		require.NotContains(t, string(resp.Body), value)
	}
	b.grant(admin, workerID, "TASK_DEF", "alpha", "EXECUTE")
	resp := b.as(worker, http.MethodGet, "/api/tasks/poll/alpha?workerid=w1", nil)
	requireStatus(t, resp, http.StatusOK)
	polled := decodeObj(t, resp.Body)
	require.Equal(t, value, polled["inputData"].(obj)["key"], "the granted worker gets the real input")
	requireStatus(t, b.as(worker, http.MethodGet, "/api/tasks/poll/beta", nil), http.StatusForbidden)
	result := obj{"workflowInstanceId": id, "taskId": polled["taskId"], "status": "COMPLETED", "outputData": obj{"done": true}}
	requireStatus(t, b.as(worker, http.MethodPost, "/api/tasks", result), http.StatusOK)

	// beta: the unrestricted worker polls it; the alpha worker may not update, log or complete it
	// by reference, and the task stays as it was.
	resp = b.as(anyWorker, http.MethodGet, "/api/tasks/poll/beta?workerid=w2", nil)
	requireStatus(t, resp, http.StatusOK)
	betaID := decodeObj(t, resp.Body)["taskId"].(string)
	for _, c := range []struct {
		method, path string
		body         any
	}{
		{http.MethodPost, "/api/tasks", obj{"workflowInstanceId": id, "taskId": betaID, "status": "COMPLETED"}},
		{http.MethodPost, "/api/tasks/update-v2", obj{"workflowInstanceId": id, "taskId": betaID, "status": "COMPLETED"}},
		{http.MethodPost, "/api/tasks/" + betaID + "/log", `"a line"`},
		{http.MethodPost, "/api/tasks/" + id + "/b/COMPLETED", obj{}},
		{http.MethodPost, "/api/tasks/" + id + "/b/COMPLETED/sync", obj{}},
	} {
		resp := b.as(worker, c.method, c.path, c.body)
		requireStatus(t, resp, http.StatusForbidden)
		require.Contains(t, resp.Error(t).Message, "beta", "%s %s", c.method, c.path)
	}
	resp = b.as(admin, http.MethodGet, "/api/tasks/"+betaID, nil)
	require.Equal(t, "IN_PROGRESS", decodeObj(t, resp.Body)["status"])
	requireStatus(t, b.as(anyWorker, http.MethodPost, "/api/tasks",
		obj{"workflowInstanceId": id, "taskId": betaID, "status": "COMPLETED"}), http.StatusOK)
	require.Equal(t, "COMPLETED", b.waitAs(admin, id)["status"])
}

func TestRightsStartNeedsRoleOrExecuteGrant(t *testing.T) {
	t.Parallel()
	b := setupAuth(t)
	admin := b.login(testAdminKeyID, testAdminKeySecret)
	requireStatus(t, b.as(admin, http.MethodPost, "/api/metadata/workflow", workflowDef("startable", task("w", "WAIT"))), http.StatusOK)
	requireStatus(t, b.as(admin, http.MethodPost, "/api/metadata/workflow", workflowDef("other", task("w", "WAIT"))), http.StatusOK)
	appID, key, secret := b.newApplication(admin, "starter", "USER_READ_ONLY")
	starter := b.login(key, secret)
	requireStatus(t, b.as(starter, http.MethodPost, "/api/workflow/startable", obj{}), http.StatusForbidden)

	b.grant(admin, appID, "WORKFLOW_DEF", "startable", "EXECUTE")
	b.startAs(starter, "startable", obj{})
	requireID(t, b.as(starter, http.MethodPost, "/api/workflow", obj{"name": "startable", "input": obj{}}))
	requireStatus(t, b.as(starter, http.MethodPost, "/api/workflow/other", obj{}), http.StatusForbidden)
	requireStatus(t, b.as(starter, http.MethodPost, "/api/workflow", obj{"name": "other"}), http.StatusForbidden)
	// An inline definition could hold anything: a grant on a name does not cover it.
	resp := b.as(starter, http.MethodPost, "/api/workflow", obj{"name": "startable",
		"workflowDef": workflowDef("startable", task("w", "WAIT"))})
	requireStatus(t, resp, http.StatusForbidden)
}

func TestRightsApplicationManagers(t *testing.T) {
	t.Parallel()
	b := setupAuth(t)
	admin := b.login(testAdminKeyID, testAdminKeySecret)
	adminAppID, adminKeyID, _ := b.newApplication(admin, "admin-app", "ADMIN")
	userAppID, userKeyID, _ := b.newApplication(admin, "user-app", "USER")
	_, mgrKey, mgrSecret := b.newApplication(admin, "manager", "APPLICATION_MANAGER")
	mgr := b.login(mgrKey, mgrSecret)
	requireStatus(t, b.as(admin, http.MethodPut, "/api/secrets/crown_jewel", `"jewel"`), http.StatusOK)

	// Every way of touching an application holding roles the manager lacks is 403, with a
	// message naming the missing roles; nothing changes.
	for appID, keyID := range map[string]string{adminAppID: adminKeyID, userAppID: userKeyID} {
		base := "/api/applications/" + appID
		for _, c := range []struct {
			method, path string
			body         any
		}{
			{http.MethodPost, base + "/accessKeys", nil},
			{http.MethodDelete, base + "/accessKeys/" + keyID, nil},
			{http.MethodPost, base + "/accessKeys/" + keyID + "/status", nil},
			{http.MethodPut, base, obj{"name": "renamed"}},
			{http.MethodDelete, base, nil},
			{http.MethodPut, base + "/tags", arr{obj{"key": "k", "value": "v"}}},
			{http.MethodDelete, base + "/tags", arr{obj{"key": "k", "value": "v"}}},
			{http.MethodDelete, base + "/roles/USER", nil},
			{http.MethodDelete, base + "/roles/ADMIN", nil},
		} {
			resp := b.as(mgr, c.method, c.path, c.body)
			requireStatus(t, resp, http.StatusForbidden)
			require.NotEmpty(t, resp.Error(t).Message, "%s %s", c.method, c.path)
		}
		resp := b.as(admin, http.MethodGet, base+"/accessKeys", nil)
		keys := decodeArr(t, resp.Body)
		require.Len(t, keys, 1)
		require.Equal(t, "ACTIVE", keys[0].(obj)["status"])
		require.NotEqual(t, "renamed", decodeObj(t, b.as(admin, http.MethodGet, base, nil).Body)["name"])
	}
	resp := b.as(mgr, http.MethodPost, "/api/applications/"+adminAppID+"/accessKeys", nil)
	require.Contains(t, resp.Error(t).Message, "ADMIN")

	// A manager grants only roles it holds: not ADMIN, not USER; APPLICATION_MANAGER it may.
	resp = b.as(mgr, http.MethodPost, "/api/applications", obj{"name": "new-app"})
	requireStatus(t, resp, http.StatusOK)
	newID := decodeObj(t, resp.Body)["id"].(string)
	for _, role := range []string{"ADMIN", "USER", "WORKER"} {
		requireStatus(t, b.as(mgr, http.MethodPost, "/api/applications/"+newID+"/roles/"+role, nil), http.StatusForbidden)
	}
	requireStatus(t, b.as(mgr, http.MethodPost, "/api/applications/"+newID+"/roles/APPLICATION_MANAGER", nil), http.StatusOK)
	resp = b.as(mgr, http.MethodPost, "/api/applications/"+newID+"/accessKeys", nil)
	requireStatus(t, resp, http.StatusOK)
	created := decodeObj(t, resp.Body)
	newToken := b.login(created["id"].(string), created["secret"].(string))
	// The key it minted has no more rights than the manager: no secret values, no admin routes.
	requireStatus(t, b.as(newToken, http.MethodGet, "/api/secrets/crown_jewel", nil), http.StatusForbidden)
	requireStatus(t, b.as(newToken, http.MethodPost, "/api/auth/authorization", grantBody(newID, "SECRET_NAME", "crown_jewel", "READ")), http.StatusForbidden)
	requireStatus(t, b.as(mgr, http.MethodDelete, "/api/applications/"+newID, nil), http.StatusOK)

	// The bootstrap admin key is no application: nothing a manager can reach deletes or disables it.
	requireStatus(t, b.as(mgr, http.MethodGet, "/api/applications/key/"+testAdminKeyID, nil), http.StatusNotFound)
	requireStatus(t, b.as(admin, http.MethodGet, "/api/metadata/workflow", nil), http.StatusOK)
}

func TestRightsDefinitionsAreOwned(t *testing.T) {
	t.Parallel()
	b, admin, _ := setupWithSecret(t)
	target := newEchoTarget(t)
	userID, userKey, userSecret := b.newApplication(admin, "author", "USER")
	user := b.login(userKey, userSecret)
	_, mmKey, mmSecret := b.newApplication(admin, "curator", "METADATA_MANAGER")
	curator := b.login(mmKey, mmSecret)

	// The admin's workflow uses the admin's secret; its schedule runs as the admin. A USER who
	// could rewrite it would have the next run send the secret wherever it likes: it may not.
	adminDef := workflowDef("admins_flow", httpWithSecret("call", target.URL, "api_key"))
	requireStatus(t, b.as(admin, http.MethodPost, "/api/metadata/workflow", adminDef), http.StatusOK)
	hijack := workflowDef("admins_flow", spellOut("spell", "api_key"))
	for _, c := range []struct {
		method, path string
		body         any
	}{
		{http.MethodPost, "/api/metadata/workflow?overwrite=true", hijack},
		{http.MethodPost, "/api/metadata/workflow", with(hijack, "version", 2)},
		{http.MethodPut, "/api/metadata/workflow", arr{hijack}},
		{http.MethodDelete, "/api/metadata/workflow/admins_flow/1", nil},
	} {
		resp := b.as(user, c.method, c.path, c.body)
		requireStatus(t, resp, http.StatusForbidden)
		require.Contains(t, resp.Error(t).Message, "admins_flow", "%s %s", c.method, c.path)
	}
	resp := b.as(admin, http.MethodGet, "/api/metadata/workflow/admins_flow", nil)
	require.Equal(t, "HTTP", decodeObj(t, resp.Body)["tasks"].(arr)[0].(obj)["type"], "the definition is unchanged")
	require.Equal(t, json.Number("1"), decodeObj(t, resp.Body)["version"])

	// Task definitions likewise.
	requireStatus(t, b.as(admin, http.MethodPost, "/api/metadata/taskdefs", arr{obj{"name": "admins_task"}}), http.StatusOK)
	requireStatus(t, b.as(user, http.MethodPost, "/api/metadata/taskdefs", arr{obj{"name": "admins_task", "retryCount": 9}}), http.StatusForbidden)
	requireStatus(t, b.as(user, http.MethodPut, "/api/metadata/taskdefs", obj{"name": "admins_task", "retryCount": 9}), http.StatusForbidden)
	requireStatus(t, b.as(user, http.MethodDelete, "/api/metadata/taskdefs/admins_task", nil), http.StatusForbidden)

	// What the USER registers it owns: it may change and delete it.
	requireStatus(t, b.as(user, http.MethodPost, "/api/metadata/workflow", workflowDef("users_flow", task("w", "WAIT"))), http.StatusOK)
	requireStatus(t, b.as(user, http.MethodPost, "/api/metadata/workflow?overwrite=true", workflowDef("users_flow", task("w2", "WAIT"))), http.StatusOK)
	requireStatus(t, b.as(user, http.MethodPut, "/api/metadata/workflow", arr{with(workflowDef("users_flow", task("w", "WAIT")), "version", 2)}), http.StatusOK)
	requireStatus(t, b.as(user, http.MethodPost, "/api/metadata/taskdefs", arr{obj{"name": "users_task"}}), http.StatusOK)
	requireStatus(t, b.as(user, http.MethodPut, "/api/metadata/taskdefs", obj{"name": "users_task", "retryCount": 2}), http.StatusOK)
	requireStatus(t, b.as(user, http.MethodDelete, "/api/metadata/taskdefs/users_task", nil), http.StatusOK)
	requireStatus(t, b.as(user, http.MethodDelete, "/api/metadata/workflow/users_flow/2", nil), http.StatusOK)

	// A grant lets it change another's definition; METADATA_MANAGER changes any.
	b.grant(admin, userID, "WORKFLOW_DEF", "admins_flow", "UPDATE")
	requireStatus(t, b.as(user, http.MethodPost, "/api/metadata/workflow", with(adminDef, "version", 2)), http.StatusOK)
	requireStatus(t, b.as(user, http.MethodDelete, "/api/metadata/workflow/admins_flow/2", nil), http.StatusForbidden)
	requireStatus(t, b.as(curator, http.MethodDelete, "/api/metadata/workflow/admins_flow/2", nil), http.StatusOK)
	requireStatus(t, b.as(curator, http.MethodPut, "/api/metadata/taskdefs", obj{"name": "admins_task", "retryCount": 1}), http.StatusOK)
}
