package api_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"
)

// longText returns n random letters and digits: too long for a name, and too random for
// PostgreSQL to compress below the B-tree row limit (the ~6,000-character values of the issue).
func longText(n int) string {
	const alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	rng := rand.New(rand.NewPCG(1, 2))
	b := make([]byte, n)
	for i := range b {
		b[i] = alphabet[rng.IntN(len(alphabet))]
	}
	return string(b)
}

// manyTags returns n distinct tags.
func manyTags(n int) arr {
	tags := arr{}
	for i := range n {
		tags = append(tags, obj{"key": fmt.Sprintf("k%d", i), "value": "v"})
	}
	return tags
}

// storedState digests every table a request could write, so a test can show that a refused
// request left nothing behind.
func storedState(t *testing.T, dbURL string) string {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), dbURL)
	require.NoError(t, err)
	defer conn.Close(context.Background())
	var parts []string
	for _, table := range []string{"workflow_defs", "task_defs", "workflows", "tasks", "task_logs", "poll_data",
		"secrets", "schedules", "schedule_executions", "applications", "access_keys", "grants"} {
		var digest string
		require.NoError(t, conn.QueryRow(context.Background(),
			`SELECT count(*)::text || ':' || coalesce(md5(string_agg(x::text, ',' ORDER BY x::text)), '') FROM `+
				pgx.Identifier{table}.Sanitize()+` x`).Scan(&digest))
		parts = append(parts, table+"="+digest)
	}
	return strings.Join(parts, " ")
}

// TestBadInput sends requests the issue saw answered 500 (or never answered), and their siblings
// on other routes: each is a 400 with Conductor's error body, and nothing is stored.
func TestBadInput(t *testing.T) {
	t.Parallel()
	b := setup(t)
	long := longText(8000)
	wfDef := obj{"name": "bi_wf", "version": 1, "schemaVersion": 2,
		"tasks": arr{obj{"name": "bi_task", "taskReferenceName": "t1", "type": "SIMPLE"}}}
	b.createWorkflow(wfDef)
	requireEmptyOK(t, b.do(http.MethodPut, "/api/secrets/bi_secret", "value"))
	requireStatus(t, b.do(http.MethodPost, "/api/scheduler/schedules",
		obj{"name": "bi_sched", "cronExpression": "0 0 * ? * *", "startWorkflowRequest": obj{"name": "bi_wf"}}), http.StatusOK)
	resp := b.do(http.MethodPost, "/api/applications", obj{"name": "bi_app"})
	requireStatus(t, resp, http.StatusOK)
	appID := decodeObj(t, resp.Body)["id"].(string)

	q := url.QueryEscape
	def := func(kv ...any) obj {
		d := obj{"name": "bi_other", "version": 1, "schemaVersion": 2,
			"tasks": arr{obj{"name": "bi_task", "taskReferenceName": "t1", "type": "SIMPLE"}}}
		for i := 0; i+1 < len(kv); i += 2 {
			d[kv[i].(string)] = kv[i+1]
		}
		return d
	}
	const noID = "00000000-0000-0000-0000-000000000000"
	cases := []struct {
		name, method, path string
		body               any
	}{
		// Integers beyond int32 where the column is integer.
		{"running version beyond int32", "GET", "/api/workflow/running/bi_wf?version=2147483648", nil},
		{"running startTime beyond any date", "GET", "/api/workflow/running/bi_wf?startTime=99999999999999999&endTime=1", nil},
		{"start by name priority beyond int32", "POST", "/api/workflow/bi_wf?priority=2147483648", obj{}},
		{"start by name version beyond int32", "POST", "/api/workflow/bi_wf?version=2147483648", obj{}},
		{"search start beyond int32", "GET", "/api/workflow/search?start=2147483648", nil},
		{"tasks page count beyond int32", "GET", "/api/workflow/" + noID + "/tasks?count=2147483648", nil},
		{"batch poll count beyond int32", "GET", "/api/tasks/poll/batch/bi_task?count=2147483648", nil},
		{"next schedules start beyond any date", "GET", "/api/scheduler/nextFewSchedules?cronExpression=" + q("0 0 * ? * *") +
			"&scheduleStartTime=99999999999999999", nil},
		// Search grammar.
		{"search empty IN list", "GET", "/api/workflow/search?query=" + q("status IN ()"), nil},
		{"search-v2 empty NOT IN list", "GET", "/api/workflow/search-v2?query=" + q("status NOT IN ()"), nil},
		{"search empty IN list after AND", "GET", "/api/workflow/search?query=" + q("workflowType = bi_wf AND version IN ()"), nil},
		{"search version beyond int32", "GET", "/api/workflow/search?query=" + q("version>99999999999"), nil},
		{"search priority beyond int32", "GET", "/api/workflow/search?query=" + q("priority=2147483648"), nil},
		{"search version list beyond int32", "GET", "/api/workflow/search-v2?query=" + q("version IN (1, 2147483648)"), nil},
		{"search time beyond any date", "GET", "/api/workflow/search?query=" + q("startTime>9223372036854775807"), nil},
		// Names and keys too long for an index.
		{"start correlationId", "POST", "/api/workflow", obj{"name": "bi_wf", "correlationId": long}},
		{"start idempotencyKey", "POST", "/api/workflow", obj{"name": "bi_wf", "idempotencyKey": long}},
		{"start name", "POST", "/api/workflow", obj{"name": long}},
		{"start taskToDomain", "POST", "/api/workflow", obj{"name": "bi_wf", "taskToDomain": obj{"bi_task": long}}},
		{"start inline definition name", "POST", "/api/workflow", obj{"name": "x", "workflowDef": def("name", long)}},
		{"start by name correlationId", "POST", "/api/workflow/bi_wf?correlationId=" + long, obj{}},
		{"execute idempotencyKey", "POST", "/api/workflow/execute/bi_wf/1", obj{"idempotencyKey": long}},
		{"register workflow name", "POST", "/api/metadata/workflow", def("name", long)},
		{"register workflow task name", "POST", "/api/metadata/workflow",
			def("tasks", arr{obj{"name": long, "taskReferenceName": "t1", "type": "SIMPLE"}})},
		{"upsert workflow name", "PUT", "/api/metadata/workflow", arr{def("name", long)}},
		{"register task def name", "POST", "/api/metadata/taskdefs", arr{obj{"name": "ok_td"}, obj{"name": long}}},
		{"update task def name", "PUT", "/api/metadata/taskdefs", obj{"name": long}},
		{"schedule name", "POST", "/api/scheduler/schedules",
			obj{"name": long, "cronExpression": "0 0 * ? * *", "startWorkflowRequest": obj{"name": "bi_wf"}}},
		{"schedule start correlationId", "POST", "/api/scheduler/schedules",
			obj{"name": "bi_s2", "cronExpression": "0 0 * ? * *", "startWorkflowRequest": obj{"name": "bi_wf", "correlationId": long}}},
		{"poll workerid", "GET", "/api/tasks/poll/bi_task?workerid=" + long, nil},
		{"batch poll domain", "GET", "/api/tasks/poll/batch/bi_task?workerid=w&domain=" + long, nil},
		{"poll task type", "GET", "/api/tasks/poll/" + long + "?workerid=w", nil},
		{"grant target id", "POST", "/api/auth/authorization", obj{"subject": obj{"type": "APPLICATION", "id": appID},
			"target": obj{"type": "SECRET_NAME", "id": long}, "access": arr{"READ"}}},
		// Tags bounded in count and size.
		{"secret tag key", "PUT", "/api/secrets/bi_secret/tags", arr{obj{"key": long, "value": "v"}}},
		{"secret tag count", "PUT", "/api/secrets/bi_secret/tags", manyTags(101)},
		{"schedule tag value", "PUT", "/api/scheduler/schedules/bi_sched/tags", arr{obj{"key": "k", "value": long}}},
		{"schedule tags on save", "POST", "/api/scheduler/schedules",
			obj{"name": "bi_s3", "cronExpression": "0 0 * ? * *", "startWorkflowRequest": obj{"name": "bi_wf"}, "tags": manyTags(101)}},
		{"application tag count", "PUT", "/api/applications/" + appID + "/tags", manyTags(101)},
		// Text PostgreSQL cannot store: lone surrogates and invalid UTF-8, modelled or not.
		{"surrogate in unmodelled workflow def member", "POST", "/api/metadata/workflow",
			`{"name":"bi_s","schemaVersion":2,"tasks":[{"name":"a","taskReferenceName":"a"}],"extra":"\ud800"}`},
		{"surrogate in unmodelled task member", "POST", "/api/metadata/workflow",
			`{"name":"bi_s","schemaVersion":2,"tasks":[{"name":"a","taskReferenceName":"a","x":{"y":"\udfff"}}]}`},
		{"surrogate in task def", "POST", "/api/metadata/taskdefs", `[{"name":"bi_td","x":"\ud800"}]`},
		{"surrogate in start input", "POST", "/api/workflow", `{"name":"bi_wf","input":{"a":"\ud800x"}}`},
		{"surrogate in start member", "POST", "/api/workflow", `{"name":"bi_wf","extra":"\udc00"}`},
		{"high surrogate then non-low", "POST", "/api/workflow", `{"name":"bi_wf","input":{"a":"\ud800\u0041"}}`},
		{"surrogate in start by name input", "POST", "/api/workflow/bi_wf", `{"a":"\ud800"}`},
		{"surrogate in schedule", "POST", "/api/scheduler/schedules",
			`{"name":"bi_s4","cronExpression":"0 0 * ? * *","startWorkflowRequest":{"name":"bi_wf","input":{"a":"\ud800"}}}`},
		{"surrogate in task update", "POST", "/api/tasks",
			`{"workflowInstanceId":"` + noID + `","taskId":"` + noID + `","status":"COMPLETED","outputData":{"a":"\ud800"}}`},
		{"surrogate in skip task", "PUT", "/api/workflow/" + noID + "/skiptask/t1", `{"taskInput":{"a":"\ud800"}}`},
		{"surrogate in secret tags", "PUT", "/api/secrets/bi_secret/tags", `[{"key":"k","value":"\ud800"}]`},
		{"invalid UTF-8 in body", "POST", "/api/workflow", []byte("{\"name\":\"bi_wf\",\"input\":{\"a\":\"\xff\xfe\"}}")},
		{"invalid UTF-8 in path", "GET", "/api/workflow/running/%ff%fe", nil},
		{"invalid UTF-8 in query", "GET", "/api/workflow/search?freeText=%ff", nil},
		// Synchronous waits bounded as in Conductor.
		{"execute wait beyond int32", "POST", "/api/workflow/execute/bi_wf/1?waitForSeconds=2147483648", obj{}},
		{"execute wait beyond the maximum", "POST", "/api/workflow/execute/bi_wf/1?waitForSeconds=301", obj{}},
	}
	before := storedState(t, b.databaseURL)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { // sequential: each compares the stored state with before
			resp := b.do(c.method, c.path, c.body)
			require.Equal(t, http.StatusBadRequest, resp.Status, "%s %s answered %s", c.method, shortPath(c.path), resp.Body)
			e := resp.Error(t)
			require.NotEmpty(t, e.Message)
			require.False(t, e.Retryable)
			require.NotContains(t, e.Message, "Internal")
			require.Equal(t, before, storedState(t, b.databaseURL), "the refused request stored something")
		})
	}
	require.NotContains(t, b.logs.String(), "api: request failed", "no request may fail as an internal error")

	// Names at the limit are fine: the limit is 255 characters, not bytes.
	name := strings.Repeat("é", 255)
	requireStatus(t, b.do(http.MethodPost, "/api/workflow", obj{"name": "bi_wf", "correlationId": name, "idempotencyKey": name}), http.StatusOK)
	requireStatus(t, b.do(http.MethodPost, "/api/workflow/execute/bi_wf/1?waitForSeconds=0", obj{}), http.StatusOK)
	requireStatus(t, b.do(http.MethodGet, "/api/workflow/search?query="+q("status IN (RUNNING) AND version < 2147483647"), nil), http.StatusOK)
	requireStatus(t, b.do(http.MethodPost, "/api/workflow", `{"name":"bi_wf","input":{"pair":"\ud83d\ude00"}}`), http.StatusOK)
}

func shortPath(p string) string {
	if len(p) > 120 {
		return p[:120] + "…"
	}
	return p
}
