package api_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// login exchanges a key pair for a token and requires 200.
func (b *testBundle) login(keyID, secret string) string {
	b.t.Helper()
	resp := b.do(http.MethodPost, "/api/token", obj{"keyId": keyID, "keySecret": secret})
	requireStatus(b.t, resp, http.StatusOK)
	var out struct {
		Token string `json:"token"`
	}
	resp.JSON(b.t, &out)
	require.NotEmpty(b.t, out.Token)
	return out.Token
}

// as sends a request with token in X-Authorization.
func (b *testBundle) as(token, method, path string, body any) response {
	b.t.Helper()
	var data []byte
	switch v := body.(type) {
	case nil:
	case string:
		data = []byte(v)
	default:
		data = mustJSON(b.t, v)
	}
	h := http.Header{}
	if token != "" {
		h.Set("X-Authorization", token)
	}
	return b.doWithHeader(method, path, data, h)
}

// newApplication creates an application with roles and one access key as the admin, and
// returns the application id and the key pair.
func (b *testBundle) newApplication(admin, name string, roles ...string) (appID, keyID, secret string) {
	b.t.Helper()
	resp := b.as(admin, http.MethodPost, "/api/applications", obj{"name": name})
	requireStatus(b.t, resp, http.StatusOK)
	appID = decodeObj(b.t, resp.Body)["id"].(string)
	for _, role := range roles {
		requireStatus(b.t, b.as(admin, http.MethodPost, "/api/applications/"+appID+"/roles/"+role, nil), http.StatusOK)
	}
	resp = b.as(admin, http.MethodPost, "/api/applications/"+appID+"/accessKeys", nil)
	requireStatus(b.t, resp, http.StatusOK)
	key := decodeObj(b.t, resp.Body)
	return appID, key["id"].(string), key["secret"].(string)
}

func TestAuthTokenFlow(t *testing.T) {
	t.Parallel()
	b := setupAuth(t)

	// No token, a bad one, a wrong key: 401 with the codes the SDKs react to.
	resp := b.do(http.MethodGet, "/api/metadata/workflow", nil)
	requireStatus(t, resp, http.StatusUnauthorized)
	require.Equal(t, "INVALID_TOKEN", resp.Error(t).Error)
	resp = b.as("not-a-token", http.MethodGet, "/api/metadata/workflow", nil)
	requireStatus(t, resp, http.StatusUnauthorized)
	require.Equal(t, "INVALID_TOKEN", resp.Error(t).Error)
	requireStatus(t, b.do(http.MethodPost, "/api/token", obj{"keyId": testAdminKeyID, "keySecret": "wrong"}), http.StatusUnauthorized)

	// Public routes need none. Refused requests are counted under their route.
	requireStatus(t, b.do(http.MethodGet, "/health", nil), http.StatusOK)
	resp = b.do(http.MethodGet, "/metrics", nil)
	requireStatus(t, resp, http.StatusOK)
	require.Contains(t, string(resp.Body), `podium_http_requests_total{code="401",method="GET",route="/api/metadata/workflow"} 2`)

	admin := b.login(testAdminKeyID, testAdminKeySecret)
	requireStatus(t, b.as(admin, http.MethodGet, "/api/metadata/workflow", nil), http.StatusOK)
	// Authorization: Bearer works too; a stale X-Authorization on /api/token is ignored.
	resp = b.doWithHeader(http.MethodGet, "/api/metadata/workflow", nil, http.Header{"Authorization": {"Bearer " + admin}})
	requireStatus(t, resp, http.StatusOK)
	resp = b.doWithHeader(http.MethodPost, "/api/token", mustJSON(t, obj{"keyId": testAdminKeyID, "keySecret": testAdminKeySecret}),
		http.Header{"X-Authorization": {"expired-or-garbage"}, "Content-Type": {"application/json"}})
	requireStatus(t, resp, http.StatusOK)

	// A read-only application reads but does not write, and never reads secret values.
	_, keyID, secret := b.newApplication(admin, "reader", "USER_READ_ONLY")
	reader := b.login(keyID, secret)
	requireStatus(t, b.as(reader, http.MethodGet, "/api/metadata/workflow", nil), http.StatusOK)
	resp = b.as(reader, http.MethodPost, "/api/metadata/workflow", oneTaskDef("ro_wf"))
	requireStatus(t, resp, http.StatusForbidden)
	require.Empty(t, resp.Error(t).Error, "403 carries no token code, so SDKs do not refresh in a loop")
	requireStatus(t, b.as(admin, http.MethodPut, "/api/secrets/s1", `"v1-value"`), http.StatusOK)
	requireStatus(t, b.as(reader, http.MethodGet, "/api/secrets/s1/exists", nil), http.StatusOK)
	requireStatus(t, b.as(reader, http.MethodGet, "/api/secrets/s1", nil), http.StatusForbidden)

	// userInfo names the principal.
	resp = b.as(reader, http.MethodGet, "/api/token/userInfo", nil)
	requireStatus(t, resp, http.StatusOK)
	info := decodeObj(t, resp.Body)
	require.Equal(t, "reader", info["name"])
	require.Contains(t, string(resp.Body), "USER_READ_ONLY")

	// Expired tokens: 401 EXPIRED_TOKEN.
	resp = b.do(http.MethodPost, "/api/token", obj{"keyId": keyID, "keySecret": secret, "expiration": 1000})
	requireStatus(t, resp, http.StatusOK)
	short := decodeObj(t, resp.Body)["token"].(string)
	b.clock.Advance(2 * time.Second)
	resp = b.as(short, http.MethodGet, "/api/metadata/workflow", nil)
	requireStatus(t, resp, http.StatusUnauthorized)
	require.Equal(t, "EXPIRED_TOKEN", resp.Error(t).Error)

	// The secret of a key is never listed again.
	resp = b.as(admin, http.MethodGet, "/api/applications", nil)
	requireStatus(t, resp, http.StatusOK)
	require.False(t, strings.Contains(string(resp.Body), secret))
}

func TestAuthScheduleRunsAsItsCreator(t *testing.T) {
	t.Parallel()
	b := setupAuth(t)
	admin := b.login(testAdminKeyID, testAdminKeySecret)
	requireStatus(t, b.as(admin, http.MethodPost, "/api/metadata/workflow", oneTaskDef("creator_wf")), http.StatusOK)
	appID, keyID, secret := b.newApplication(admin, "scheduler-app", "WORKFLOW_MANAGER")
	app := b.login(keyID, secret)

	base := b.minuteBase()
	resp := b.as(app, http.MethodPost, schedulesPath, everyMinute("as_creator", "creator_wf", nil))
	requireStatus(t, resp, http.StatusOK)
	require.Equal(t, appID, decodeObj(t, resp.Body)["createdBy"])

	// A direct start records its principal too.
	resp = b.as(app, http.MethodPost, "/api/workflow/creator_wf", obj{})
	requireStatus(t, resp, http.StatusOK)
	wf := decodeObj(t, b.as(app, http.MethodGet, "/api/workflow/"+string(resp.Body), nil).Body)
	require.Equal(t, appID, wf["createdBy"])

	b.clock.Advance(time.Minute)
	b.fire()
	runs := b.scheduleRunsAs(admin, "as_creator")
	require.Equal(t, []int64{60}, slotTimes(runs, base))
	require.Equal(t, "EXECUTED", runs[0].State)
	wf = decodeObj(t, b.as(admin, http.MethodGet, "/api/workflow/"+runs[0].WorkflowID, nil).Body)
	require.Equal(t, appID, wf["createdBy"], "the schedule runs as the principal that saved it")

	// The creator loses the right to start workflows: the next slot fails with a security
	// error and the schedule pauses itself.
	requireStatus(t, b.as(admin, http.MethodDelete, "/api/applications/"+appID+"/roles/WORKFLOW_MANAGER", nil), http.StatusOK)
	b.clock.Advance(time.Minute)
	b.fire()
	runs = b.scheduleRunsAs(admin, "as_creator")
	require.Len(t, runs, 2)
	require.Equal(t, "FAILED", runs[1].State)
	require.Contains(t, runs[1].Reason, "Security Error")
	require.Empty(t, runs[1].WorkflowID)
	sch := decodeObj(t, b.as(admin, http.MethodGet, schedulesPath+"/as_creator", nil).Body)
	require.Equal(t, true, sch["paused"])
	require.Contains(t, sch["pausedReason"], "Security Error")
	b.clock.Advance(time.Minute)
	require.Zero(t, b.fire())
}

// scheduleRunsAs is scheduleRuns with a token.
func (b *testBundle) scheduleRunsAs(token, name string) []scheduleExec {
	b.t.Helper()
	resp := b.as(token, http.MethodGet, "/api/scheduler/search/executions?sort=scheduledTime:ASC&size=1000&query="+
		"scheduleName%20IN%20("+name+")", nil)
	requireStatus(b.t, resp, http.StatusOK)
	var res struct {
		Results []scheduleExec `json:"results"`
	}
	resp.JSON(b.t, &res)
	return res.Results
}

func TestAuthOffAnswersTokenWith404(t *testing.T) {
	t.Parallel()
	b := setup(t) // authentication off
	resp := b.do(http.MethodPost, "/api/token", obj{"keyId": "k", "keySecret": "s"})
	requireStatus(t, resp, http.StatusNotFound) // what every SDK reads as "no authentication"
	requireStatus(t, b.do(http.MethodGet, "/api/metadata/workflow", nil), http.StatusOK)
	resp = b.do(http.MethodGet, "/api/token/userInfo", nil)
	requireStatus(t, resp, http.StatusOK)
	require.Equal(t, "anonymous", decodeObj(t, resp.Body)["id"])
}
