package api_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/podiumhq/podium/api"
)

// obj and arr keep JSON literals short.
type (
	obj = map[string]any
	arr = []any
)

const (
	validationMessage = "Validation failed, check below errors for detail."
	workflowPath      = "/api/metadata/workflow"
	taskDefsPath      = "/api/metadata/taskdefs"
)

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

// fixture reads a file under testdata.
func fixture(t *testing.T, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	require.NoError(t, err)
	return data
}

// decodeExact decodes JSON keeping every number as its exact literal (json.Number).
func decodeExact(t *testing.T, data []byte) any {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	require.NoError(t, dec.Decode(&v), "body: %s", data)
	return v
}

func decodeObj(t *testing.T, data []byte) obj {
	t.Helper()
	m, ok := decodeExact(t, data).(obj)
	require.True(t, ok, "want a JSON object, got %s", data)
	return m
}

func decodeArr(t *testing.T, data []byte) arr {
	t.Helper()
	a, ok := decodeExact(t, data).(arr)
	require.True(t, ok, "want a JSON array, got %s", data)
	return a
}

// exactMembers are members whose value the server must return exactly as sent (no defaults
// added inside them).
var exactMembers = map[string]bool{
	"inputParameters": true, "outputParameters": true, "variables": true, "inputTemplate": true,
	"subWorkflowParam": true, "workflowDefinition": true,
}

// requireSubset fails unless every member of want is present in got with the same value,
// recursively; arrays must have the same length. The server may add members (defaults,
// createTime) to objects, except inside exactMembers.
func requireSubset(t *testing.T, want, got any, path string) {
	t.Helper()
	switch w := want.(type) {
	case obj:
		g, ok := got.(obj)
		require.True(t, ok, "%s: want an object, got %T %v", path, got, got)
		for k, wv := range w {
			gv, ok := g[k]
			require.True(t, ok, "%s.%s: sent but missing from the response", path, k)
			if exactMembers[k] {
				require.Equal(t, wv, gv, "%s.%s must come back exactly as sent", path, k)
				continue
			}
			requireSubset(t, wv, gv, path+"."+k)
		}
	case arr:
		g, ok := got.(arr)
		require.True(t, ok, "%s: want an array, got %T %v", path, got, got)
		require.Len(t, g, len(w), path)
		for i := range w {
			requireSubset(t, w[i], g[i], fmt.Sprintf("%s[%d]", path, i))
		}
	default:
		require.Equal(t, want, got, path)
	}
}

// requireStatus asserts the status of resp, printing the body on failure.
func requireStatus(t *testing.T, resp response, status int) {
	t.Helper()
	require.Equal(t, status, resp.Status, "body: %s", resp.Body)
}

// requireEmptyOK asserts a 200 with an empty body (Conductor's void handlers).
func requireEmptyOK(t *testing.T, resp response) {
	t.Helper()
	requireStatus(t, resp, http.StatusOK)
	require.Empty(t, resp.Body)
}

// requireError asserts a Conductor error body with status and the exact message.
func requireError(t *testing.T, resp response, status int, message string) api.ErrorResponse {
	t.Helper()
	requireStatus(t, resp, status)
	require.Equal(t, "application/json", resp.Header.Get("Content-Type"))
	e := resp.Error(t)
	require.Equal(t, message, e.Message)
	require.False(t, e.Retryable)
	require.Empty(t, e.ValidationErrors)
	return e
}

// requireErrorPrefix is requireError for messages whose tail is not part of the contract.
func requireErrorPrefix(t *testing.T, resp response, status int, prefix string) api.ErrorResponse {
	t.Helper()
	requireStatus(t, resp, status)
	require.Equal(t, "application/json", resp.Header.Get("Content-Type"))
	e := resp.Error(t)
	require.True(t, strings.HasPrefix(e.Message, prefix), "message %q must start with %q", e.Message, prefix)
	require.False(t, e.Retryable)
	return e
}

// requireValidation asserts a 400 bean-validation body whose validationErrors are exactly the
// want "path: message" pairs (in any order).
func requireValidation(t *testing.T, resp response, want ...string) api.ErrorResponse {
	t.Helper()
	requireStatus(t, resp, http.StatusBadRequest)
	require.Equal(t, "application/json", resp.Header.Get("Content-Type"))
	e := resp.Error(t)
	require.Equal(t, validationMessage, e.Message)
	require.False(t, e.Retryable)
	require.NotContains(t, decodeObj(t, resp.Body), "instance", "validation errors carry no instance")
	got := make([]string, len(e.ValidationErrors))
	for i, fe := range e.ValidationErrors {
		got[i] = fe.Path + ": " + fe.Message
	}
	require.ElementsMatch(t, want, got)
	return e
}

// getWorkflow fetches a definition (query may be "" or "?version=N") and requires 200.
func (b *testBundle) getWorkflow(name, query string) obj {
	b.t.Helper()
	resp := b.do(http.MethodGet, workflowPath+"/"+name+query, nil)
	requireStatus(b.t, resp, http.StatusOK)
	require.Equal(b.t, "application/json", resp.Header.Get("Content-Type"))
	return decodeObj(b.t, resp.Body)
}

// listWorkflows returns GET /api/metadata/workflow.
func (b *testBundle) listWorkflows() arr {
	b.t.Helper()
	resp := b.do(http.MethodGet, workflowPath, nil)
	requireStatus(b.t, resp, http.StatusOK)
	return decodeArr(b.t, resp.Body)
}

// requireNoWorkflows asserts that nothing at all is stored.
func (b *testBundle) requireNoWorkflows() {
	b.t.Helper()
	require.Empty(b.t, b.listWorkflows(), "no workflow definition may be stored")
}

// requireWorkflowAbsent asserts GET name answers 404.
func (b *testBundle) requireWorkflowAbsent(name string) {
	b.t.Helper()
	resp := b.do(http.MethodGet, workflowPath+"/"+name, nil)
	requireError(b.t, resp, http.StatusNotFound, "No such workflow found by name: "+name+", version: null")
}

// createWorkflow POSTs def and requires 200.
func (b *testBundle) createWorkflow(def any) {
	b.t.Helper()
	requireEmptyOK(b.t, b.do(http.MethodPost, workflowPath, def))
}

// listTaskDefs returns GET /api/metadata/taskdefs.
func (b *testBundle) listTaskDefs() arr {
	b.t.Helper()
	resp := b.do(http.MethodGet, taskDefsPath, nil)
	requireStatus(b.t, resp, http.StatusOK)
	return decodeArr(b.t, resp.Body)
}

// getTaskDef fetches a task definition and requires 200.
func (b *testBundle) getTaskDef(name string) obj {
	b.t.Helper()
	resp := b.do(http.MethodGet, taskDefsPath+"/"+name, nil)
	requireStatus(b.t, resp, http.StatusOK)
	return decodeObj(b.t, resp.Body)
}

// rawRequest sends a request without touching testing.T, so that goroutines can use it.
func rawRequest(client *http.Client, method, url string, body []byte, header http.Header) (response, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		return response{}, err
	}
	for k, vs := range header {
		for _, v := range vs {
			req.Header.Add(k, v)
		}
	}
	resp, err := client.Do(req)
	if err != nil {
		return response{}, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	return response{Status: resp.StatusCode, Header: resp.Header, Body: data}, err
}

// simple is a minimal worker task.
func simple(ref string) obj {
	return obj{"name": ref, "taskReferenceName": ref, "type": "SIMPLE"}
}

// workflowDef is a minimal valid definition named name holding tasks (one worker task when none).
func workflowDef(name string, tasks ...obj) obj {
	if len(tasks) == 0 {
		tasks = []obj{simple("t1")}
	}
	list := make(arr, len(tasks))
	for i, task := range tasks {
		list[i] = task
	}
	return obj{"name": name, "version": 1, "schemaVersion": 2, "tasks": list}
}

// with returns a shallow copy of m with the key/value pairs set; the value deleteKey removes
// the key instead.
func with(m obj, kv ...any) obj {
	out := make(obj, len(m)+len(kv)/2)
	for k, v := range m {
		out[k] = v
	}
	for i := 0; i < len(kv); i += 2 {
		k := kv[i].(string)
		if kv[i+1] == deleteKey {
			delete(out, k)
			continue
		}
		out[k] = kv[i+1]
	}
	return out
}

type deleteMarker struct{}

var deleteKey = deleteMarker{}

func num(n int64) json.Number { return json.Number(fmt.Sprint(n)) }

func int64Of(t *testing.T, v any) int64 {
	t.Helper()
	n, ok := v.(json.Number)
	require.True(t, ok, "want a number, got %T %v", v, v)
	i, err := n.Int64()
	require.NoError(t, err)
	return i
}

// ---------------------------------------------------------------------------------------------
// 1. Round trips with real fixtures
// ---------------------------------------------------------------------------------------------

func TestWorkflowDefFixturesRoundTrip(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		file    string
		name    string
		version int64
	}{
		{"rotate_secret_workflow.json", "update_rotate_secrets_tracker_app", 1},
		// Runs now that EVENT (sink conductor) is executed.
		{"batch_processing_workflow.json", "batch_processing", 2},
	} {
		t.Run(tc.file, func(t *testing.T) {
			t.Parallel()
			b := setup(t)
			data := fixture(t, tc.file)
			sent := decodeObj(t, data)

			requireEmptyOK(t, b.do(http.MethodPost, workflowPath, data))

			for _, query := range []string{"", fmt.Sprintf("?version=%d", tc.version)} {
				got := b.getWorkflow(tc.name, query)
				requireSubset(t, sent, got, "$")
				require.Greater(t, int64Of(t, got["createTime"]), int64(0), "the server sets createTime")
				require.NotContains(t, got, "updateTime", "a definition never replaced has no updateTime")
			}

			// The listings return the very same document.
			all := b.listWorkflows()
			require.Len(t, all, 1)
			requireSubset(t, sent, all[0], "list[0]")
			latest := b.do(http.MethodGet, workflowPath+"/latest-versions", nil)
			requireStatus(t, latest, http.StatusOK)
			requireSubset(t, sent, decodeArr(t, latest.Body)[0], "latest[0]")
		})
	}
}

func TestWorkflowDefDefaultsAreFilled(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.createWorkflow(fixture(t, "rotate_secret_workflow.json"))
	got := b.getWorkflow("update_rotate_secrets_tracker_app", "")

	for key, want := range map[string]any{
		"restartable":                   true,
		"timeoutPolicy":                 "ALERT_ONLY",
		"timeoutSeconds":                num(0),
		"enforceSchema":                 true,
		"workflowStatusListenerEnabled": false,
		"inputParameters":               arr{},
		"outputParameters":              obj{},
		"variables":                     obj{},
		"inputTemplate":                 obj{},
		"metadata":                      obj{},
		"maskedFields":                  arr{},
	} {
		require.Equal(t, want, got[key], key)
	}
	for _, absent := range []string{"failureWorkflow", "ownerEmail", "updateTime", "failureWorkflowVersion"} {
		require.NotContains(t, got, absent, "unset %s is omitted, not null", absent)
	}
	task := got["tasks"].(arr)[1].(obj)
	for key, want := range map[string]any{
		"decisionCases": obj{}, "defaultCase": arr{}, "forkTasks": arr{}, "joinOn": arr{},
		"loopOver": arr{}, "defaultExclusiveJoinTask": arr{}, "onStateChange": obj{},
		"startDelay": num(0), "optional": false, "asyncComplete": false, "permissive": false,
	} {
		require.Equal(t, want, task[key], "tasks[1]."+key)
	}
	require.NotContains(t, task, "retryCount", "an unset retryCount override stays absent")

	// A task without a type is a SIMPLE task.
	b.createWorkflow(obj{"name": "typeless", "tasks": arr{obj{"name": "w", "taskReferenceName": "w"}}})
	got = b.getWorkflow("typeless", "")
	require.Equal(t, "SIMPLE", got["tasks"].(arr)[0].(obj)["type"])
	require.Equal(t, num(2), got["schemaVersion"], "schemaVersion defaults to 2")
}

func TestWorkflowDefLargeIntegersSurviveExactly(t *testing.T) {
	t.Parallel()
	b := setup(t)
	def := `{"name":"bigints","tasks":[{"name":"t1","taskReferenceName":"t1","inputParameters":{
		"big":9007199254740993,"neg":-9007199254740993,"max":9223372036854775807,
		"list":[9007199254740993,1.5,0.1],"nested":{"n":12345678901234567890}}}],
		"outputParameters":{"big":9007199254740993},"variables":{"seq":9007199254740995}}`
	b.createWorkflow(def)
	resp := b.do(http.MethodGet, workflowPath+"/bigints", nil)
	requireStatus(t, resp, http.StatusOK)
	body := string(resp.Body)
	for _, lit := range []string{
		`"big":9007199254740993`, `"neg":-9007199254740993`, `"max":9223372036854775807`,
		`[9007199254740993,1.5,0.1]`, `"n":12345678901234567890`, `"seq":9007199254740995`,
	} {
		require.Contains(t, body, lit)
	}
	got := decodeObj(t, resp.Body)
	in := got["tasks"].(arr)[0].(obj)["inputParameters"].(obj)
	require.Equal(t, json.Number("9007199254740993"), in["big"])
	require.Equal(t, json.Number("9007199254740993"), got["outputParameters"].(obj)["big"])
}

// ---------------------------------------------------------------------------------------------
// 2. Unknown members survive at every level
// ---------------------------------------------------------------------------------------------

func TestWorkflowDefUnknownFieldsSurvive(t *testing.T) {
	t.Parallel()
	futureField := obj{"a": arr{num(1), num(2)}}

	// The fixture nests its tasks in FORK_JOIN and DO_WHILE, which this server does not run
	// yet and refuses: register its unknown members in supported places instead.
	doc := decodeExact(t, fixture(t, "future_fields_workflow.json")).(obj)
	tasks := doc["tasks"].(arr)
	route := tasks[0].(obj)
	fork := route["defaultCase"].(arr)[0].(obj)
	route["defaultCase"] = arr{fork["forkTasks"].(arr)[0].(arr)[0]}
	tasks[1] = tasks[1].(obj)["loopOver"].(arr)[0]
	supported, err := json.Marshal(doc)
	require.NoError(t, err)

	check := func(t *testing.T, got obj) {
		t.Helper()
		require.Equal(t, futureField, got["someFutureField"])
		require.Equal(t, obj{"rateLimitKey": "${workflow.input.tenant}", "concurrentExecLimit": num(2), "policy": "QUEUE"}, got["rateLimitConfig"])
		require.Equal(t, "order_input", got["inputSchema"].(obj)["name"])
		require.Equal(t, obj{"required": arr{"orderId"}}, got["inputSchema"].(obj)["data"])
		require.Equal(t, num(3), got["outputSchema"].(obj)["version"])
		require.Equal(t, obj{"key": "${workflow.input.orderId}", "ttlInSecond": num(300)}, got["cacheConfig"])
		require.Equal(t, json.Number("9007199254740993"), got["futureBig"])

		route := got["tasks"].(arr)[0].(obj)
		require.Equal(t, "SYNC", route["joinMode"], "unknown member of a top-level task")
		caseA := route["decisionCases"].(obj)["a"].(arr)[0].(obj)
		require.Equal(t, obj{"key": "k", "ttlInSecond": num(60)}, caseA["cacheConfig"], "task nested in decisionCases")
		require.Equal(t, obj{"owner": "team-a"}, caseA["metadata"])
		require.Equal(t, arr{"x", obj{"y": num(1)}}, caseA["taskFutureField"])

		branch := route["defaultCase"].(arr)[0].(obj)
		require.Equal(t, obj{"deep": obj{"deeper": arr{true}}}, branch["forkFutureField"], "task nested in defaultCase")

		inline := got["tasks"].(arr)[1].(obj)["taskDefinition"].(obj)
		require.Equal(t, futureField, inline["someFutureField"], "inline taskDefinition")
		require.Equal(t, arr{"a", "b"}, inline["runtimeMetadata"])
		require.Equal(t, obj{"name": "body_schema", "type": "JSON"}, inline["inputSchema"])
		require.Equal(t, num(10), inline["responseTimeoutSeconds"])
		require.Equal(t, num(3), inline["retryCount"], "an inline task definition gets TaskDef defaults")
	}

	t.Run("POST", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		b.createWorkflow(supported)
		check(t, b.getWorkflow("future_fields", ""))
		check(t, b.listWorkflows()[0].(obj))
	})

	t.Run("POST overwrite", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		b.createWorkflow(workflowDef("future_fields"))
		requireEmptyOK(t, b.do(http.MethodPost, workflowPath+"?overwrite=true", supported))
		check(t, b.getWorkflow("future_fields", "?version=1"))
	})

	t.Run("PUT bulk", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		body := append(append([]byte("["), supported...), ']')
		resp := b.do(http.MethodPut, workflowPath, body)
		requireStatus(t, resp, http.StatusOK)
		check(t, b.getWorkflow("future_fields", ""))
		latest := b.do(http.MethodGet, workflowPath+"/latest-versions", nil)
		check(t, decodeArr(t, latest.Body)[0].(obj))
	})
}

func TestTaskDefUnknownFieldsSurvive(t *testing.T) {
	t.Parallel()
	b := setup(t)
	data := fixture(t, "future_fields_taskdefs.json")
	sent := decodeArr(t, data)
	requireEmptyOK(t, b.do(http.MethodPost, taskDefsPath, data))

	got := b.getTaskDef("future_task")
	requireSubset(t, sent[0], got, "future_task")
	require.Equal(t, obj{"a": arr{num(1), num(2)}}, got["someFutureField"])
	require.Equal(t, obj{"name": "future_task_in", "version": num(1), "type": "JSON"}, got["inputSchema"])
	require.Equal(t, obj{"rateLimitKey": "tenant", "concurrentExecLimit": num(5)}, got["rateLimitConfig"])
	require.Equal(t, arr{"gpu", "large"}, got["runtimeMetadata"])
	require.Equal(t, false, got["taskStatusListenerEnabled"])
	require.Equal(t, json.Number("9007199254740993"), got["futureBig"])

	plain := b.getTaskDef("plain_task")
	requireSubset(t, sent[1], plain, "plain_task")
	for _, k := range []string{"someFutureField", "inputSchema", "rateLimitConfig"} {
		require.NotContains(t, plain, k, "unknown members do not leak between definitions")
	}

	list := b.listTaskDefs()
	require.Len(t, list, 2)
	requireSubset(t, sent[0], list[0], "list[0]") // ordered by name: future_task, plain_task
	requireSubset(t, sent[1], list[1], "list[1]")

	// PUT keeps unknown members too.
	updated := with(sent[0].(obj), "someFutureField", obj{"b": true}, "description", "updated")
	requireEmptyOK(t, b.do(http.MethodPut, taskDefsPath, updated))
	got = b.getTaskDef("future_task")
	require.Equal(t, obj{"b": true}, got["someFutureField"])
	require.Equal(t, "updated", got["description"])
	require.Equal(t, arr{"gpu", "large"}, got["runtimeMetadata"])
}

// ---------------------------------------------------------------------------------------------
// 3. Versions
// ---------------------------------------------------------------------------------------------

func TestWorkflowDefVersions(t *testing.T) {
	t.Parallel()
	b := setup(t)
	for v := 1; v <= 3; v++ {
		b.createWorkflow(with(workflowDef("N"), "version", v, "description", fmt.Sprintf("v%d", v)))
	}

	got := b.getWorkflow("N", "")
	require.Equal(t, num(3), got["version"], "no version means the latest")
	require.Equal(t, "v3", got["description"])
	require.Equal(t, num(3), b.getWorkflow("N", "?version=")["version"], "an empty version is no version")

	got = b.getWorkflow("N", "?version=2")
	require.Equal(t, num(2), got["version"])
	require.Equal(t, "v2", got["description"])

	resp := b.do(http.MethodGet, workflowPath+"/N?version=abc", nil)
	e := requireErrorPrefix(t, resp, http.StatusBadRequest, `Invalid value for parameter "version": "abc"`)
	require.Contains(t, e.Message, "version")

	requireError(t, b.do(http.MethodGet, workflowPath+"/N?version=7", nil), http.StatusNotFound,
		"No such workflow found by name: N, version: 7")
	requireError(t, b.do(http.MethodGet, workflowPath+"/unknown", nil), http.StatusNotFound,
		"No such workflow found by name: unknown, version: null")
	requireError(t, b.do(http.MethodGet, workflowPath+"/unknown?version=1", nil), http.StatusNotFound,
		"No such workflow found by name: unknown, version: 1")

	// Delete the latest: the previous one becomes the latest.
	requireEmptyOK(t, b.do(http.MethodDelete, workflowPath+"/N/3", nil))
	got = b.getWorkflow("N", "")
	require.Equal(t, num(2), got["version"])
	require.Equal(t, "v2", got["description"])
	requireError(t, b.do(http.MethodGet, workflowPath+"/N?version=3", nil), http.StatusNotFound,
		"No such workflow found by name: N, version: 3")
	latest := b.do(http.MethodGet, workflowPath+"/latest-versions", nil)
	require.Equal(t, num(2), decodeArr(t, latest.Body)[0].(obj)["version"])

	// Deleting again, or an unknown version or name, is a 404 naming what was asked.
	for _, path := range []string{"/N/3", "/N/9", "/nope/1"} {
		resp := b.do(http.MethodDelete, workflowPath+path, nil)
		requireStatus(t, resp, http.StatusNotFound)
		e := resp.Error(t)
		parts := strings.Split(strings.TrimPrefix(path, "/"), "/")
		require.Contains(t, e.Message, parts[0], "message names the workflow")
		require.Contains(t, e.Message, parts[1], "message names the version")
	}

	// A non-integer version is a 400 naming the parameter; nothing is deleted.
	for _, v := range []string{"abc", "1.5", "-", "2x"} {
		e := requireErrorPrefix(t, b.do(http.MethodDelete, workflowPath+"/N/"+v, nil), http.StatusBadRequest,
			`Invalid value for parameter "version"`)
		require.Contains(t, e.Message, v)
	}
	require.Len(t, b.listWorkflows(), 2, "v1 and v2 remain")
	require.Equal(t, num(1), b.getWorkflow("N", "?version=1")["version"])
}

func TestWorkflowDefVersionOmittedIsOne(t *testing.T) {
	t.Parallel()
	b := setup(t)
	def := workflowDef("noversion")
	delete(def, "version")
	b.createWorkflow(def)
	require.Equal(t, num(1), b.getWorkflow("noversion", "?version=1")["version"])

	// Registering it again without a version collides with version 1.
	requireError(t, b.do(http.MethodPost, workflowPath, def), http.StatusConflict,
		"Workflow with noversion.1 already exists!")

	// An explicit 0 is a version of its own.
	b.createWorkflow(with(def, "version", 0))
	require.Equal(t, num(0), b.getWorkflow("noversion", "?version=0")["version"])
	require.Equal(t, num(1), b.getWorkflow("noversion", "")["version"], "1 is still the latest")
}

func TestWorkflowDefVersionOutOfRange(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.createWorkflow(workflowDef("N"))

	requireValidation(t, b.do(http.MethodPost, workflowPath, with(workflowDef("huge"), "version", int64(2147483648))),
		"version: WorkflowDef version must be between 0 and 2147483647")
	b.requireWorkflowAbsent("huge")

	for _, path := range []string{workflowPath + "/N?version=99999999999", workflowPath + "/N/99999999999"} {
		method := http.MethodGet
		if !strings.Contains(path, "?") {
			method = http.MethodDelete
		}
		requireErrorPrefix(t, b.do(method, path, nil), http.StatusBadRequest, `Invalid value for parameter "version": "99999999999"`)
	}
	require.Len(t, b.listWorkflows(), 1)
}

// ---------------------------------------------------------------------------------------------
// 4. Conflicts and overwrite
// ---------------------------------------------------------------------------------------------

func TestCreateWorkflowDefConflictAndOverwrite(t *testing.T) {
	t.Parallel()
	b := setup(t)
	hostname, _ := os.Hostname()

	b.createWorkflow(with(workflowDef("N"), "description", "first"))
	first := b.getWorkflow("N", "")
	createTime := int64Of(t, first["createTime"])

	for _, query := range []string{"", "?overwrite=false"} {
		e := requireError(t, b.do(http.MethodPost, workflowPath+query, with(workflowDef("N"), "description", "second")),
			http.StatusConflict, "Workflow with N.1 already exists!")
		require.Equal(t, hostname, e.Instance, "non-validation errors name the instance")
		got := b.getWorkflow("N", "")
		require.Equal(t, "first", got["description"], "a conflict leaves the stored definition alone")
		require.NotContains(t, got, "updateTime")
	}

	// A bad overwrite flag is a 400 and nothing changes.
	requireError(t, b.do(http.MethodPost, workflowPath+"?overwrite=maybe", with(workflowDef("N"), "description", "maybe")),
		http.StatusBadRequest, `Invalid value for query parameter "overwrite": "maybe" is not a boolean`)
	require.Equal(t, "first", b.getWorkflow("N", "")["description"])

	// An invalid definition is rejected before the conflict check, even with overwrite.
	requireValidation(t, b.do(http.MethodPost, workflowPath+"?overwrite=true", with(workflowDef("N"), "tasks", arr{})),
		"tasks: WorkflowTask list cannot be empty")
	require.Equal(t, "first", b.getWorkflow("N", "")["description"])

	// overwrite=true replaces, keeping createTime and setting updateTime.
	requireEmptyOK(t, b.do(http.MethodPost, workflowPath+"?overwrite=true", with(workflowDef("N"), "description", "third")))
	got := b.getWorkflow("N", "")
	require.Equal(t, "third", got["description"])
	require.Equal(t, createTime, int64Of(t, got["createTime"]), "createTime is kept on overwrite")
	updateTime := int64Of(t, got["updateTime"])
	require.GreaterOrEqual(t, updateTime, createTime)
	require.Len(t, b.listWorkflows(), 1, "overwrite replaces, it does not add a version")

	// overwrite=true on a new name simply creates it.
	requireEmptyOK(t, b.do(http.MethodPost, workflowPath+"?overwrite=true", workflowDef("fresh")))
	fresh := b.getWorkflow("fresh", "")
	require.NotContains(t, fresh, "updateTime")
	require.Greater(t, int64Of(t, fresh["createTime"]), int64(0))

	// A client-sent createTime/updateTime is not what the server reports.
	requireEmptyOK(t, b.do(http.MethodPost, workflowPath, with(workflowDef("clock"), "createTime", 5, "updateTime", 6)))
	clock := b.getWorkflow("clock", "")
	require.Greater(t, int64Of(t, clock["createTime"]), int64(5))
	require.NotContains(t, clock, "updateTime")
}

// ---------------------------------------------------------------------------------------------
// 5. Concurrency
// ---------------------------------------------------------------------------------------------

func TestCreateWorkflowDefConcurrentSameVersion(t *testing.T) {
	t.Parallel()
	b := setup(t)
	const n = 16
	results := make([]response, n)
	errs := make([]error, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			body, err := json.Marshal(with(workflowDef("race"), "description", fmt.Sprintf("writer-%d", i)))
			if err != nil {
				errs[i] = err
				return
			}
			<-start
			results[i], errs[i] = rawRequest(b.server.Client(), http.MethodPost, b.server.URL+workflowPath, body,
				http.Header{"Content-Type": {"application/json"}})
		}()
	}
	close(start)
	wg.Wait()

	winner := -1
	conflicts := 0
	for i := range n {
		require.NoError(t, errs[i])
		switch results[i].Status {
		case http.StatusOK:
			require.Equal(t, -1, winner, "only one writer may win")
			winner = i
		case http.StatusConflict:
			conflicts++
			requireError(t, results[i], http.StatusConflict, "Workflow with race.1 already exists!")
		default:
			require.Failf(t, "unexpected status", "writer %d: %d %s", i, results[i].Status, results[i].Body)
		}
	}
	require.NotEqual(t, -1, winner, "exactly one writer wins")
	require.Equal(t, n-1, conflicts)
	got := b.getWorkflow("race", "")
	require.Equal(t, fmt.Sprintf("writer-%d", winner), got["description"])
	require.NotContains(t, got, "updateTime")
	require.Len(t, b.listWorkflows(), 1)
}

// ---------------------------------------------------------------------------------------------
// 6. Bulk PUT
// ---------------------------------------------------------------------------------------------

func TestUpsertWorkflowDefsBulk(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.createWorkflow(with(workflowDef("bulk_a"), "description", "old"))
	createTime := int64Of(t, b.getWorkflow("bulk_a", "")["createTime"])

	resp := b.do(http.MethodPut, workflowPath, arr{
		with(workflowDef("bulk_a"), "description", "replaced"),
		with(workflowDef("bulk_b"), "description", "new"),
		with(workflowDef("bulk_a"), "version", 2, "description", "second version"),
	})
	requireStatus(t, resp, http.StatusOK)
	require.Equal(t, "application/json", resp.Header.Get("Content-Type"))
	require.JSONEq(t, `{"bulkSuccessfulResults":["bulk_a","bulk_b","bulk_a"],"bulkErrorResults":{}}`, string(resp.Body))

	v1 := b.getWorkflow("bulk_a", "?version=1")
	require.Equal(t, "replaced", v1["description"])
	require.Equal(t, createTime, int64Of(t, v1["createTime"]), "replacing keeps createTime")
	require.GreaterOrEqual(t, int64Of(t, v1["updateTime"]), createTime)
	require.Equal(t, "second version", b.getWorkflow("bulk_a", "")["description"])
	bdef := b.getWorkflow("bulk_b", "")
	require.Equal(t, "new", bdef["description"])
	require.NotContains(t, bdef, "updateTime")
	require.Len(t, b.listWorkflows(), 3)

	// PUT is create-or-replace: the same list again succeeds.
	requireStatus(t, b.do(http.MethodPut, workflowPath, arr{with(workflowDef("bulk_b"), "description", "again")}), http.StatusOK)
	require.Equal(t, "again", b.getWorkflow("bulk_b", "")["description"])
}

func TestUpsertWorkflowDefsBulkRejectsWholeRequest(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		defs arr
		want []string
	}{
		{
			name: "empty tasks and nameless task",
			defs: arr{
				workflowDef("bulk_ok"),
				with(workflowDef("bulk_bad"), "tasks", arr{}),
				workflowDef("bulk_bad2", obj{"taskReferenceName": "x"}),
			},
			want: []string{
				"[1].tasks: WorkflowTask list cannot be empty",
				"[2].tasks[0].name: WorkflowTask name cannot be empty or null",
			},
		},
		{
			name: "last element invalid",
			defs: arr{workflowDef("bulk_ok"), workflowDef("bulk_ok2"), with(workflowDef(""), "schemaVersion", 1)},
			want: []string{
				"[2].name: WorkflowDef name cannot be null or empty",
				"[2].schemaVersion: workflowDef schemaVersion: 2 is only supported",
			},
		},
		{
			name: "duplicate reference and unknown reference",
			defs: arr{
				workflowDef("bulk_dup", simple("a"), simple("a")),
				workflowDef("bulk_ref", with(simple("a"), "inputParameters", obj{"x": "${ghost.output.x}"})),
			},
			want: []string{
				"[0].tasks: taskReferenceName: a should be unique across tasks for a given workflowDefinition: bulk_dup",
				`[1].tasks[0].inputParameters.x: ${ghost.output.x} in task a: "ghost" is neither a task reference of workflow bulk_ref nor workflow.* or a system parameter`,
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t)
			b.createWorkflow(with(workflowDef("bulk_ok"), "description", "kept"))
			requireValidation(t, b.do(http.MethodPut, workflowPath, tc.defs), tc.want...)
			list := b.listWorkflows()
			require.Len(t, list, 1, "none of the list is stored")
			require.Equal(t, "kept", list[0].(obj)["description"], "the existing definition is not replaced")
			require.NotContains(t, list[0].(obj), "updateTime")
		})
	}
}

func TestUpsertWorkflowDefsBulkBadBodies(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, body, prefix string
	}{
		{"empty list", `[]`, "Workflow definition list cannot be empty"},
		{"null", `null`, "Workflow definition list cannot be empty"},
		{"object instead of list", `{"name":"obj","tasks":[{"name":"a","taskReferenceName":"a"}]}`, "Invalid JSON value"},
		{"null element", `[{"name":"ok","tasks":[{"name":"a","taskReferenceName":"a"}]},null]`, "Workflow definition at index 1 is null"},
		{"string element", `["wf"]`, "Invalid JSON value"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t)
			requireErrorPrefix(t, b.do(http.MethodPut, workflowPath, tc.body), http.StatusBadRequest, tc.prefix)
			b.requireNoWorkflows()
		})
	}
}

// ---------------------------------------------------------------------------------------------
// 7. Listings
// ---------------------------------------------------------------------------------------------

func TestListWorkflowDefs(t *testing.T) {
	t.Parallel()
	b := setup(t)
	// Registered out of order on purpose.
	b.createWorkflow(with(workflowDef("beta"), "version", 1))
	b.createWorkflow(with(workflowDef("alpha"), "version", 2))
	b.createWorkflow(with(workflowDef("alpha"), "version", 1))
	b.createWorkflow(with(workflowDef("alpha"), "version", 10))

	keys := func(list arr) []string {
		out := make([]string, len(list))
		for i, e := range list {
			out[i] = fmt.Sprintf("%s@%s", e.(obj)["name"], e.(obj)["version"])
		}
		return out
	}

	all := b.listWorkflows()
	require.Equal(t, []string{"alpha@1", "alpha@2", "alpha@10", "beta@1"}, keys(all), "every version, by name then version")
	for _, e := range all {
		require.Contains(t, e.(obj), "tasks", "the listing holds whole definitions")
		require.Contains(t, e.(obj), "createTime")
	}

	resp := b.do(http.MethodGet, workflowPath+"/latest-versions", nil)
	requireStatus(t, resp, http.StatusOK)
	require.Equal(t, []string{"alpha@10", "beta@1"}, keys(decodeArr(t, resp.Body)), "one per name, the latest")

	resp = b.do(http.MethodGet, workflowPath+"/names-and-versions", nil)
	requireStatus(t, resp, http.StatusOK)
	byName := decodeObj(t, resp.Body)
	require.Len(t, byName, 2)
	require.Equal(t, []string{"alpha@1", "alpha@2", "alpha@10"}, keys(byName["alpha"].(arr)))
	require.Equal(t, []string{"beta@1"}, keys(byName["beta"].(arr)))
	for _, list := range byName {
		for _, e := range list.(arr) {
			s := e.(obj)
			require.Greater(t, int64Of(t, s["createTime"]), int64(0))
			require.NotContains(t, s, "tasks", "summaries do not carry the definition")
			for k := range s {
				require.Contains(t, []string{"name", "version", "createTime", "updateTime"}, k)
			}
		}
	}

	resp = b.do(http.MethodGet, workflowPath+"/names", nil)
	requireStatus(t, resp, http.StatusOK)
	require.JSONEq(t, `["alpha","beta"]`, string(resp.Body))

	resp = b.do(http.MethodGet, workflowPath+"/alpha/versions", nil)
	requireStatus(t, resp, http.StatusOK)
	versions := decodeArr(t, resp.Body)
	require.Equal(t, []string{"alpha@1", "alpha@2", "alpha@10"}, keys(versions))
	require.Equal(t, byName["alpha"], versions, "the same summaries as names-and-versions")

	requireError(t, b.do(http.MethodGet, workflowPath+"/gamma/versions", nil), http.StatusNotFound,
		"No such workflow found by name: gamma, version: null")

	// Deleting the only version of a name removes it from every listing.
	requireEmptyOK(t, b.do(http.MethodDelete, workflowPath+"/beta/1", nil))
	resp = b.do(http.MethodGet, workflowPath+"/names", nil)
	require.JSONEq(t, `["alpha"]`, string(resp.Body))
	requireStatus(t, b.do(http.MethodGet, workflowPath+"/beta/versions", nil), http.StatusNotFound)
	resp = b.do(http.MethodGet, workflowPath+"/latest-versions", nil)
	require.Equal(t, []string{"alpha@10"}, keys(decodeArr(t, resp.Body)))
}

func TestListingsOnEmptyDatabase(t *testing.T) {
	t.Parallel()
	b := setup(t)
	for path, want := range map[string]string{
		workflowPath:                         `[]`,
		workflowPath + "/latest-versions":    `[]`,
		workflowPath + "/names-and-versions": `{}`,
		workflowPath + "/names":              `[]`,
		taskDefsPath:                         `[]`,
	} {
		resp := b.do(http.MethodGet, path, nil)
		requireStatus(t, resp, http.StatusOK)
		require.Equal(t, "application/json", resp.Header.Get("Content-Type"), path)
		require.Equal(t, want, strings.TrimSpace(string(resp.Body)), path)
	}
}

// ---------------------------------------------------------------------------------------------
// 8. Validation
// ---------------------------------------------------------------------------------------------

// task builds a task of type typ named and referenced ref, with extra members.
func task(ref, typ string, kv ...any) obj {
	return with(obj{"name": ref, "taskReferenceName": ref, "type": typ}, kv...)
}

// unsupportedErrorsIn lists the unsupported-type errors registering def must report: one per
// task, at any depth, whose type is in unsupportedTypes.
func unsupportedErrorsIn(def any) []string {
	var out []string
	var walk func(list any, path string)
	walk = func(list any, path string) {
		tasks, _ := list.(arr)
		for i, raw := range tasks {
			t, _ := raw.(obj)
			at := fmt.Sprintf("%s[%d]", path, i)
			if typ, _ := t["type"].(string); slices.Contains(unsupportedTypes, typ) {
				out = append(out, unsupportedError(at, typ, fmt.Sprint(t["taskReferenceName"])))
			}
			if cases, ok := t["decisionCases"].(obj); ok {
				for _, name := range slices.Sorted(maps.Keys(cases)) {
					walk(cases[name], at+".decisionCases."+name)
				}
			}
			walk(t["defaultCase"], at+".defaultCase")
			if forks, ok := t["forkTasks"].(arr); ok {
				for j, branch := range forks {
					walk(branch, fmt.Sprintf("%s.forkTasks[%d]", at, j))
				}
			}
			walk(t["loopOver"], at+".loopOver")
		}
	}
	if d, ok := def.(obj); ok {
		walk(d["tasks"], "tasks")
	}
	return out
}

func TestWorkflowDefValidationRejects(t *testing.T) {
	t.Parallel()
	const wf = "vwf"
	def := func(tasks ...obj) obj { return workflowDef(wf, tasks...) }
	neither := func(expr, ref, root string) string {
		return fmt.Sprintf("${%s} in task %s: %q is neither a task reference of workflow %s nor workflow.* or a system parameter", expr, ref, root, wf)
	}
	required := func(path, what, typ, name string) string {
		return fmt.Sprintf("%s: %s is required for taskType: %s taskName: %s", path, what, typ, name)
	}
	oneCase := obj{"a": arr{simple("case_a")}}

	for _, tc := range []struct {
		name string
		def  obj
		want []string
	}{
		// Definition-level rules.
		{"empty name", with(def(), "name", ""), []string{"name: WorkflowDef name cannot be null or empty"}},
		{"blank name", with(def(), "name", "   "), []string{"name: WorkflowDef name cannot be null or empty"}},
		{"missing name", with(def(), "name", deleteKey), []string{"name: WorkflowDef name cannot be null or empty"}},
		{"empty tasks", with(def(), "tasks", arr{}), []string{"tasks: WorkflowTask list cannot be empty"}},
		{"missing tasks", with(def(), "tasks", deleteKey), []string{"tasks: WorkflowTask list cannot be empty"}},
		{"null tasks", with(def(), "tasks", nil), []string{"tasks: WorkflowTask list cannot be empty"}},
		{"schemaVersion 1", with(def(), "schemaVersion", 1), []string{"schemaVersion: workflowDef schemaVersion: 2 is only supported"}},
		{"schemaVersion 3", with(def(), "schemaVersion", 3), []string{"schemaVersion: workflowDef schemaVersion: 2 is only supported"}},
		{"bad timeoutPolicy", with(def(), "timeoutPolicy", "RETRY"), []string{"timeoutPolicy: timeoutPolicy must be one of TIME_OUT_WF, ALERT_ONLY"}},
		{"lowercase timeoutPolicy", with(def(), "timeoutPolicy", "alert_only"), []string{"timeoutPolicy: timeoutPolicy must be one of TIME_OUT_WF, ALERT_ONLY"}},
		{"negative version", with(def(), "version", -1), []string{"version: WorkflowDef version must be between 0 and 2147483647"}},
		{"negative timeoutSeconds", with(def(), "timeoutSeconds", -1), []string{"timeoutSeconds: timeoutSeconds must be >= 0"}},
		{"several rules at once", obj{"name": "", "tasks": arr{}, "schemaVersion": 1}, []string{
			"name: WorkflowDef name cannot be null or empty",
			"tasks: WorkflowTask list cannot be empty",
			"schemaVersion: workflowDef schemaVersion: 2 is only supported",
		}},

		// Task-level rules.
		{"task without name", def(obj{"taskReferenceName": "a"}), []string{"tasks[0].name: WorkflowTask name cannot be empty or null"}},
		{"task without taskReferenceName", def(obj{"name": "a"}), []string{"tasks[0].taskReferenceName: WorkflowTask taskReferenceName name cannot be empty or null"}},
		{"null task", with(def(), "tasks", arr{simple("ok"), nil}), []string{
			"tasks[1].name: WorkflowTask name cannot be empty or null",
			"tasks[1].taskReferenceName: WorkflowTask taskReferenceName name cannot be empty or null",
		}},
		{"negative startDelay", def(with(simple("a"), "startDelay", -1)), []string{"tasks[0].startDelay: startDelay must be >= 0"}},
		{"negative retryCount", def(with(simple("a"), "retryCount", -1)), []string{"tasks[0].retryCount: retryCount must be >= 0"}},
		{"duplicate taskReferenceName", def(simple("a"), simple("b"), simple("a")), []string{
			"tasks: taskReferenceName: a should be unique across tasks for a given workflowDefinition: vwf",
		}},
		{"duplicate taskReferenceName nested in a fork branch", def(
			task("fork", "FORK_JOIN", "forkTasks", arr{arr{simple("x")}, arr{simple("dup")}}),
			task("join", "JOIN", "joinOn", arr{"x", "dup"}),
			simple("dup"),
		), []string{"tasks: taskReferenceName: dup should be unique across tasks for a given workflowDefinition: vwf"}},
		{"duplicate taskReferenceName across a switch case and a loop body", def(
			task("sw", "SWITCH", "evaluatorType", "value-param", "expression", "k",
				"decisionCases", obj{"a": arr{simple("same")}}, "defaultCase", arr{simple("other")}),
			task("loop", "DO_WHILE", "loopCondition", "false", "loopOver", arr{simple("same")}),
		), []string{"tasks: taskReferenceName: same should be unique across tasks for a given workflowDefinition: vwf"}},
		{"nested task without name", def(task("fork", "FORK_JOIN", "forkTasks", arr{arr{simple("x")}, arr{obj{"taskReferenceName": "y"}}}), task("join", "JOIN")),
			[]string{"tasks[0].forkTasks[1][0].name: WorkflowTask name cannot be empty or null"}},

		// Per-type rules.
		{"SWITCH without evaluatorType, expression, decisionCases", def(task("sw", "SWITCH")), []string{
			required("tasks[0]", "evaluatorType", "SWITCH", "sw"),
			required("tasks[0]", "expression", "SWITCH", "sw"),
			required("tasks[0]", "decisionCases", "SWITCH", "sw"),
		}},
		{"SWITCH without expression", def(task("sw", "SWITCH", "evaluatorType", "value-param", "decisionCases", oneCase)),
			[]string{required("tasks[0]", "expression", "SWITCH", "sw")}},
		{"SWITCH with empty decisionCases", def(task("sw", "SWITCH", "evaluatorType", "javascript", "expression", "1", "decisionCases", obj{})),
			[]string{required("tasks[0]", "decisionCases", "SWITCH", "sw")}},
		{"SWITCH with bad evaluatorType", def(task("sw", "SWITCH", "evaluatorType", "groovy", "expression", "x", "decisionCases", oneCase)),
			[]string{"tasks[0].evaluatorType: evaluatorType must be one of value-param, javascript, graaljs"}},
		{"SWITCH nested in a fork branch", def(task("fork", "FORK_JOIN", "forkTasks", arr{
			arr{simple("x")},
			arr{task("inner", "SWITCH", "evaluatorType", "value-param", "decisionCases", oneCase)},
		}), task("join", "JOIN")), []string{required("tasks[0].forkTasks[1][0]", "expression", "SWITCH", "inner")}},
		{"SWITCH nested in a decision case", def(task("outer", "SWITCH", "evaluatorType", "value-param", "expression", "k",
			"decisionCases", obj{"b": arr{task("inner", "SWITCH", "evaluatorType", "value-param", "expression", "k")}})),
			[]string{required("tasks[0].decisionCases.b[0]", "decisionCases", "SWITCH", "inner")}},
		{"DECISION without caseValueParam and decisionCases", def(task("d", "DECISION")), []string{
			required("tasks[0]", "caseValueParam or caseExpression", "DECISION", "d"),
			required("tasks[0]", "decisionCases", "DECISION", "d"),
		}},
		{"DECISION without caseValueParam", def(task("d", "DECISION", "decisionCases", oneCase)),
			[]string{required("tasks[0]", "caseValueParam or caseExpression", "DECISION", "d")}},
		{"DO_WHILE without loopCondition and loopOver", def(task("loop", "DO_WHILE")), []string{
			required("tasks[0]", "loopCondition", "DO_WHILE", "loop"),
			required("tasks[0]", "loopOver", "DO_WHILE", "loop"),
		}},
		{"DO_WHILE with items of the wrong kind", def(task("loop", "DO_WHILE", "items", num(3), "loopOver", arr{simple("x")})),
			[]string{"tasks[0].items: items must be an expression such as ${workflow.input.list}, or a list"}},
		{"DO_WHILE with empty loopOver", def(task("loop", "DO_WHILE", "loopCondition", "false", "loopOver", arr{})),
			[]string{required("tasks[0]", "loopOver", "DO_WHILE", "loop")}},
		{"DYNAMIC without dynamicTaskNameParam", def(task("dyn", "DYNAMIC")),
			[]string{required("tasks[0]", "dynamicTaskNameParam", "DYNAMIC", "dyn")}},
		{"FORK_JOIN without forkTasks", def(task("fork", "FORK_JOIN"), task("join", "JOIN")),
			[]string{required("tasks[0]", "forkTasks", "FORK_JOIN", "fork")}},
		{"FORK_JOIN without a JOIN after it", def(task("fork", "FORK_JOIN", "forkTasks", arr{arr{simple("x")}}), simple("y")),
			[]string{"tasks[0]: FORK_JOIN task fork must be followed by a JOIN task in the same task list"}},
		{"FORK_JOIN last in its list", def(task("sw", "SWITCH", "evaluatorType", "value-param", "expression", "k",
			"decisionCases", obj{"a": arr{task("fork", "FORK_JOIN", "forkTasks", arr{arr{simple("x")}})}}), task("join", "JOIN")),
			[]string{"tasks[0].decisionCases.a[0]: FORK_JOIN task fork must be followed by a JOIN task in the same task list"}},
		{"FORK_JOIN with an empty branch", def(task("fork", "FORK_JOIN", "forkTasks", arr{arr{simple("x")}, arr{}}), task("join", "JOIN")),
			[]string{"tasks[0].forkTasks[1]: branch 1 of FORK_JOIN task fork has no tasks"}},
		{"JOIN on an unknown task", def(task("fork", "FORK_JOIN", "forkTasks", arr{arr{simple("x")}}), task("join", "JOIN", "joinOn", arr{"x", "ghost"})),
			[]string{`tasks[1].joinOn: joinOn of JOIN task join names "ghost", which is not a task reference of workflow vwf`}},
		{"FORK_JOIN_DYNAMIC without params", def(task("fjd", "FORK_JOIN_DYNAMIC"), task("join", "JOIN")), []string{
			required("tasks[0]", "dynamicForkTasksParam and dynamicForkTasksInputParamName (or dynamicForkJoinTasksParam)", "FORK_JOIN_DYNAMIC", "fjd"),
		}},
		{"FORK_JOIN_DYNAMIC with only dynamicForkTasksParam", def(task("fjd", "FORK_JOIN_DYNAMIC", "dynamicForkTasksParam", "tasks"), task("join", "JOIN")), []string{
			required("tasks[0]", "dynamicForkTasksParam and dynamicForkTasksInputParamName (or dynamicForkJoinTasksParam)", "FORK_JOIN_DYNAMIC", "fjd"),
		}},
		{"FORK_JOIN_DYNAMIC with both param styles", def(task("fjd", "FORK_JOIN_DYNAMIC", "dynamicForkTasksParam", "tasks",
			"dynamicForkTasksInputParamName", "inputs", "dynamicForkJoinTasksParam", "legacy"), task("join", "JOIN")),
			[]string{"tasks[0]: dynamicForkTasksParam and dynamicForkJoinTasksParam cannot both be set"}},
		{"SUB_WORKFLOW without subWorkflowParam", def(task("sub", "SUB_WORKFLOW")),
			[]string{required("tasks[0]", "subWorkflowParam", "SUB_WORKFLOW", "sub")}},
		{"SUB_WORKFLOW with null subWorkflowParam", def(task("sub", "SUB_WORKFLOW", "subWorkflowParam", nil)),
			[]string{required("tasks[0]", "subWorkflowParam", "SUB_WORKFLOW", "sub")}},
		{"SUB_WORKFLOW without a name", def(task("sub", "SUB_WORKFLOW", "subWorkflowParam", obj{"version": 1})),
			[]string{"tasks[0].subWorkflowParam.name: subWorkflowParam name (or workflowDefinition) is required"}},
		{"SUB_WORKFLOW with a null workflowDefinition", def(task("sub", "SUB_WORKFLOW", "subWorkflowParam", obj{"workflowDefinition": nil})),
			[]string{"tasks[0].subWorkflowParam.name: subWorkflowParam name (or workflowDefinition) is required"}},
		{"EVENT without sink", def(task("ev", "EVENT")), []string{required("tasks[0]", "sink", "EVENT", "ev")}},
		{"HTTP without uri or http_request", def(task("h", "HTTP", "inputParameters", obj{"method": "GET"})),
			[]string{required("tasks[0]", "inputParameters.http_request or inputParameters.uri", "HTTP", "h")}},
		{"HTTP with a null uri", def(task("h", "HTTP", "inputParameters", obj{"uri": nil})),
			[]string{required("tasks[0]", "inputParameters.http_request or inputParameters.uri", "HTTP", "h")}},
		{"HTTP nested in a loop", def(task("loop", "DO_WHILE", "loopCondition", "false", "loopOver", arr{task("h", "HTTP")})),
			[]string{required("tasks[0].loopOver[0]", "inputParameters.http_request or inputParameters.uri", "HTTP", "h")}},
		{"TERMINATE optional", def(task("term", "TERMINATE", "optional", true, "inputParameters", obj{"terminationStatus": "COMPLETED"})),
			[]string{"tasks[0].optional: terminate task must not be optional"}},
		{"TERMINATE with a bad terminationStatus", def(task("term", "TERMINATE", "inputParameters", obj{"terminationStatus": "DONE"})),
			[]string{"tasks[0].inputParameters.terminationStatus: terminationStatus must be one of COMPLETED, FAILED, TERMINATED"}},
		{"TERMINATE without terminationStatus", def(task("term", "TERMINATE")),
			[]string{"tasks[0].inputParameters.terminationStatus: terminationStatus must be one of COMPLETED, FAILED, TERMINATED"}},
		{"TERMINATE with a non-string terminationStatus", def(task("term", "TERMINATE", "inputParameters", obj{"terminationStatus": 1})),
			[]string{"tasks[0].inputParameters.terminationStatus: terminationStatus must be one of COMPLETED, FAILED, TERMINATED"}},
		{"JSON_JQ_TRANSFORM without queryExpression", def(task("jq", "JSON_JQ_TRANSFORM", "inputParameters", obj{"a": 1})),
			[]string{required("tasks[0]", "inputParameters.queryExpression", "JSON_JQ_TRANSFORM", "jq")}},
		{"LAMBDA without scriptExpression", def(task("lam", "LAMBDA", "inputParameters", obj{"a": 1})),
			[]string{required("tasks[0]", "inputParameters.scriptExpression", "LAMBDA", "lam")}},
		{"INLINE without expression", def(task("inl", "INLINE", "inputParameters", obj{"evaluatorType": "graaljs"})),
			[]string{required("tasks[0]", "inputParameters.expression", "INLINE", "inl")}},
		{"WAIT with duration and until", def(task("w", "WAIT", "inputParameters", obj{"duration": "1s", "until": "2030-01-01 00:00 GMT"})),
			[]string{"tasks[0].inputParameters: WAIT task cannot have both duration and until"}},

		// Expressions.
		{"unknown task reference", def(with(simple("t1"), "inputParameters", obj{"x": "${unknown_ref.output.x}"})),
			[]string{"tasks[0].inputParameters.x: " + neither("unknown_ref.output.x", "t1", "unknown_ref")}},
		{"unknown task reference inside text", def(simple("t0"), with(simple("t1"), "inputParameters", obj{"msg": "id=${t0.output.id}/${nope.output.id}"})),
			[]string{"tasks[1].inputParameters.msg: " + neither("nope.output.id", "t1", "nope")}},
		{"unknown task reference deep in a list", def(with(simple("t1"), "inputParameters", obj{"a": obj{"b": arr{"ok", "${nope.output}"}}})),
			[]string{"tasks[0].inputParameters.a.b[1]: " + neither("nope.output", "t1", "nope")}},
		{"unknown task reference inside a nested expression", def(with(simple("t1"), "inputParameters", obj{"x": "${workflow.input.${nope.output.key}}"})),
			[]string{"tasks[0].inputParameters.x: " + neither("nope.output.key", "t1", "nope")}},
		{"environment variable", def(with(simple("t1"), "inputParameters", obj{"x": "${SOME_ENV_VAR}"})),
			[]string{"tasks[0].inputParameters.x: " + neither("SOME_ENV_VAR", "t1", "SOME_ENV_VAR")}},
		{"system parameter with a path", def(with(simple("t1"), "inputParameters", obj{"x": "${CPEWF_TASK_ID.x}"})),
			[]string{"tasks[0].inputParameters.x: " + neither("CPEWF_TASK_ID.x", "t1", "CPEWF_TASK_ID")}},
		{"empty expression", def(with(simple("t1"), "inputParameters", obj{"x": "${}"})),
			[]string{"tasks[0].inputParameters.x: " + neither("", "t1", "")}},
		{"malformed filter", def(simple("t1"), with(simple("t2"), "inputParameters", obj{"a": "${t1.output.items[?(@.a>)]}"})),
			[]string{`tasks[1].inputParameters.a: expression ${t1.output.items[?(@.a>)]}: invalid path "t1.output.items[?(@.a>)]": filter [?(@.a>)]: unexpected ')'`}},
		{"unsupported filter operator", def(simple("t1"), with(simple("t2"), "inputParameters", obj{"a": "${t1.output.items[?(@.a in [1])]}"})),
			[]string{`tasks[1].inputParameters.a: expression ${t1.output.items[?(@.a in [1])]}: invalid path "t1.output.items[?(@.a in [1])]": filter [?(@.a in [1])]: unsupported JSONPath: the filter operator in`}},
		{"deep scan under workflow.secrets", def(with(simple("t1"), "inputParameters", obj{"a": "${workflow.secrets..token}"})),
			[]string{`tasks[0].inputParameters.a: expression ${workflow.secrets..token}: unsupported JSONPath "workflow.secrets..token": a deep scan or filter under workflow.secrets is not supported, name the secret`}},
		{"unsupported path in a nested task", def(task("fork", "FORK_JOIN", "forkTasks", arr{arr{with(simple("x"), "inputParameters", obj{"a": "${workflow.input.x[-1]}"})}}), task("join", "JOIN")),
			[]string{`tasks[0].forkTasks[0][0].inputParameters.a: expression ${workflow.input.x[-1]}: invalid path "workflow.input.x[-1]": unsupported JSONPath: selector [-1]`}},
		{"unsupported path in outputParameters", with(def(simple("t1")), "outputParameters", obj{"out": "${t1.output[0:2]}"}),
			[]string{`outputParameters.out: expression ${t1.output[0:2]}: invalid path "t1.output[0:2]": unsupported JSONPath: selector [0:2]`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t)

			// Control-flow types this server does not run yet are refused as well.
			tc.want = append(slices.Clone(tc.want), unsupportedErrorsIn(tc.def)...)
			resp := b.do(http.MethodPost, workflowPath, tc.def)
			e := requireValidation(t, resp, tc.want...)
			b.requireNoWorkflows()

			// /validate answers the very same body and stores nothing either.
			vresp := b.do(http.MethodPost, workflowPath+"/validate", tc.def)
			requireStatus(t, vresp, http.StatusBadRequest)
			require.JSONEq(t, string(resp.Body), string(vresp.Body))
			require.NotEmpty(t, e.ValidationErrors)

			// So does the overwrite path and the bulk PUT (with the index prefix).
			requireValidation(t, b.do(http.MethodPost, workflowPath+"?overwrite=true", tc.def), tc.want...)
			prefixed := make([]string, len(tc.want))
			for i, w := range tc.want {
				prefixed[i] = "[0]." + w
			}
			requireValidation(t, b.do(http.MethodPut, workflowPath, arr{tc.def}), prefixed...)
			b.requireNoWorkflows()
		})
	}
}

func TestWorkflowDefValidationAccepts(t *testing.T) {
	t.Parallel()
	withInput := func(ref string, in obj) obj { return with(simple(ref), "inputParameters", in) }
	oneCase := obj{"a": arr{simple("case_a")}}
	for _, tc := range []struct {
		name string
		def  obj
	}{
		{"workflow input", workflowDef("e1", withInput("t1", obj{"x": "${workflow.input.x}"}))},
		{"task output, referenced before the task", workflowDef("e2", withInput("t0", obj{"y": "${t1.output.y}"}), simple("t1"))},
		{"system parameters", workflowDef("e3", withInput("t1", obj{"id": "${CPEWF_TASK_ID}", "env": "${NETFLIX_ENV}", "stack": "${NETFLIX_STACK}"}))},
		{"escaped expression", workflowDef("e4", withInput("t1", obj{"lit": "$${escaped.thing}", "mixed": "a $${b.c} ${workflow.input.d}"}))},
		{"JSONPath subset", workflowDef("e5", simple("t1"), withInput("t2", obj{
			"index": "${t1.output.items[0].id}", "wildcard": "${t1.output.items[*].id}", "quoted": "${t1.output['key with space']}",
			"length": "${t1.output.list.length()}", "dollar": "${$.t1.output.x}", "workflowVars": "${workflow.variables.v}",
			"deepScan": "${t1.output..id}", "filter": "${t1.output.items[?(@.type == 'book' && @.price < 10)].title}",
			"filterText": "ids: ${workflow.input.users[?(@.enabled == true)].id}",
		}))},
		{"nested expression", workflowDef("e6", simple("t1"), withInput("t2", obj{"x": "${workflow.input.${t1.output.key}}"}))},
		{"reference to a task nested in a fork branch", workflowDef("e7",
			task("fork", "FORK_JOIN", "forkTasks", arr{arr{simple("inner")}}), task("join", "JOIN", "joinOn", arr{"inner"}),
			withInput("after", obj{"x": "${inner.output.x}"}))},
		{"loop iteration reference", workflowDef("e8",
			task("loop", "DO_WHILE", "loopCondition", "false", "loopOver", arr{simple("body")}),
			withInput("after", obj{"x": "${body__2.output.x}", "y": "${loop.output}"}))},
		{"loop with an empty condition (Conductor accepts it: one iteration)", workflowDef("e8c",
			task("once", "DO_WHILE", "loopCondition", "", "loopOver", arr{simple("body3")}))},
		{"loop over items without a condition", workflowDef("e8b",
			task("each", "DO_WHILE", "items", "${workflow.input.list}", "loopOver", arr{simple("body")}),
			task("orkes_each", "DO_WHILE", "inputParameters", obj{"_items": arr{1, 2}}, "loopOver", arr{simple("body2")}))},
		{"unterminated expression is literal text", workflowDef("e9", withInput("t1", obj{"x": "${workflow.input"}))},
		{"unknown reference in a nested task (only top-level tasks are checked)", workflowDef("e10",
			task("fork", "FORK_JOIN", "forkTasks", arr{arr{withInput("inner", obj{"x": "${ghost.output.x}"})}}), task("join", "JOIN"))},
		{"non-string inputs", workflowDef("e11", withInput("t1", obj{"n": 1, "b": true, "z": nil, "l": arr{1, "two"}}))},
		{"every SWITCH evaluator", workflowDef("e12",
			task("sw1", "SWITCH", "evaluatorType", "value-param", "expression", "k", "decisionCases", obj{"a": arr{simple("a1")}}),
			task("sw2", "SWITCH", "evaluatorType", "javascript", "expression", "$.k", "decisionCases", obj{"a": arr{simple("a2")}}),
			task("sw3", "SWITCH", "evaluatorType", "graaljs", "expression", "$.k", "decisionCases", obj{"a": arr{simple("a3")}}))},
		{"DECISION with caseExpression", workflowDef("e13", task("d", "DECISION", "caseExpression", "$.x", "decisionCases", oneCase))},
		{"FORK_JOIN_DYNAMIC legacy and inline styles", workflowDef("e14",
			task("fjd1", "FORK_JOIN_DYNAMIC", "dynamicForkJoinTasksParam", "legacy"), task("join1", "JOIN"),
			task("fjd2", "FORK_JOIN_DYNAMIC", "inputParameters", obj{"forkTaskName": "w", "forkTaskInputs": arr{}}), task("join2", "JOIN"))},
		{"SUB_WORKFLOW with an inline definition", workflowDef("e15",
			task("sub", "SUB_WORKFLOW", "subWorkflowParam", obj{"workflowDefinition": workflowDef("inline_child")}))},
		{"HTTP with uri and with http_request", workflowDef("e16",
			task("h1", "HTTP", "inputParameters", obj{"uri": "http://example.com"}),
			task("h2", "HTTP", "inputParameters", obj{"http_request": obj{"uri": "http://example.com", "method": "GET"}}))},
		{"HTTP with an inline taskDefinition template", workflowDef("e17",
			task("h", "HTTP", "taskDefinition", obj{"name": "h", "inputTemplate": obj{"uri": "http://example.com"}}))},
		{"TERMINATE statuses", workflowDef("e18",
			task("t1", "TERMINATE", "inputParameters", obj{"terminationStatus": "COMPLETED"}),
			task("t2", "TERMINATE", "inputParameters", obj{"terminationStatus": "FAILED"}),
			task("t3", "TERMINATE", "inputParameters", obj{"terminationStatus": "TERMINATED"}))},
		{"WAIT with one of duration or until", workflowDef("e19",
			task("w0", "WAIT"),
			task("w1", "WAIT", "inputParameters", obj{"duration": "1 minute"}),
			task("w2", "WAIT", "inputParameters", obj{"until": "2030-01-01 00:00 GMT", "duration": nil}))},
		{"JQ, LAMBDA, INLINE, EVENT, DYNAMIC, SET_VARIABLE", workflowDef("e20",
			task("jq", "JSON_JQ_TRANSFORM", "inputParameters", obj{"queryExpression": "."}),
			task("lam", "LAMBDA", "inputParameters", obj{"scriptExpression": "return 1;"}),
			task("inl", "INLINE", "inputParameters", obj{"evaluatorType": "javascript", "expression": "1"}),
			task("ev", "EVENT", "sink", "conductor:x"),
			task("dyn", "DYNAMIC", "dynamicTaskNameParam", "n"),
			task("sv", "SET_VARIABLE", "inputParameters", obj{"v": "${workflow.input.v}"}))},
		{"version 0 and TIME_OUT_WF", with(workflowDef("e21"), "version", 0, "timeoutPolicy", "TIME_OUT_WF", "timeoutSeconds", 60)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t)
			name := tc.def["name"].(string)

			// A definition valid but for types this server does not run yet is refused for
			// those alone.
			if refused := unsupportedErrorsIn(tc.def); len(refused) > 0 {
				requireValidation(t, b.do(http.MethodPost, workflowPath+"/validate", tc.def), refused...)
				requireValidation(t, b.do(http.MethodPost, workflowPath, tc.def), refused...)
				b.requireNoWorkflows()
				return
			}
			requireEmptyOK(t, b.do(http.MethodPost, workflowPath+"/validate", tc.def))
			b.requireNoWorkflows()

			b.createWorkflow(tc.def)
			version := tc.def["version"]
			got := b.getWorkflow(name, fmt.Sprintf("?version=%v", version))
			requireSubset(t, decodeObj(t, mustJSON(t, tc.def)), got, "$")
		})
	}
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	data, err := json.Marshal(v)
	require.NoError(t, err)
	return data
}

func TestWorkflowDefValidationHTTPUsesRegisteredTaskDef(t *testing.T) {
	t.Parallel()
	missing := "tasks[0]: inputParameters.http_request or inputParameters.uri is required for taskType: HTTP taskName: "

	t.Run("inputTemplate.uri", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		def := workflowDef("http_wf", task("http_td", "HTTP"))
		requireValidation(t, b.do(http.MethodPost, workflowPath, def), missing+"http_td")
		b.requireNoWorkflows()

		requireEmptyOK(t, b.do(http.MethodPost, taskDefsPath, arr{obj{"name": "http_td", "inputTemplate": obj{"uri": "http://example.com", "method": "GET"}}}))
		requireEmptyOK(t, b.do(http.MethodPost, workflowPath+"/validate", def))
		b.createWorkflow(def)
		requireStatus(t, b.do(http.MethodPut, workflowPath, arr{with(def, "version", 2)}), http.StatusOK)
		require.Len(t, b.listWorkflows(), 2)

		// The lookup also applies to HTTP tasks nested in containers.
		nested := workflowDef("http_nested", task("route", "SWITCH", "evaluatorType", "value-param", "expression", "k",
			"decisionCases", obj{"a": arr{task("http_td", "HTTP")}}))
		b.createWorkflow(nested)
	})

	t.Run("inputTemplate.http_request", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		requireEmptyOK(t, b.do(http.MethodPost, taskDefsPath, arr{obj{"name": "http_req", "inputTemplate": obj{"http_request": obj{"uri": "http://x"}}}}))
		b.createWorkflow(workflowDef("http_wf", task("http_req", "HTTP")))
	})

	t.Run("registered without a template", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		requireEmptyOK(t, b.do(http.MethodPost, taskDefsPath, arr{obj{"name": "http_plain", "inputTemplate": obj{"method": "GET"}}}))
		requireValidation(t, b.do(http.MethodPost, workflowPath, workflowDef("http_wf", task("http_plain", "HTTP"))), missing+"http_plain")
		b.requireNoWorkflows()
	})

	// Conductor's constraint takes the task's inline taskDefinition first and the registered
	// TaskDef only when there is none.
	t.Run("inline taskDefinition wins over a registered def without uri", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		requireEmptyOK(t, b.do(http.MethodPost, taskDefsPath, arr{obj{"name": "http_inline"}}))
		def := workflowDef("http_wf", task("http_inline", "HTTP", "taskDefinition",
			obj{"name": "http_inline", "inputTemplate": obj{"uri": "http://example.com"}}))
		requireEmptyOK(t, b.do(http.MethodPost, workflowPath+"/validate", def))
		b.createWorkflow(def)
	})
}

func TestValidateEndpointDoesNotStore(t *testing.T) {
	t.Parallel()
	b := setup(t)
	data := fixture(t, "rotate_secret_workflow.json")
	requireEmptyOK(t, b.do(http.MethodPost, workflowPath+"/validate", data))
	b.requireNoWorkflows()
	b.requireWorkflowAbsent("update_rotate_secrets_tracker_app")

	// Validating an already registered name+version is not a conflict.
	b.createWorkflow(data)
	requireEmptyOK(t, b.do(http.MethodPost, workflowPath+"/validate", data))
	require.Len(t, b.listWorkflows(), 1)

	// Bodies that cannot be decoded get the same 400s as registration.
	requireErrorPrefix(t, b.do(http.MethodPost, workflowPath+"/validate", `{"name":`), http.StatusBadRequest, "Malformed JSON")
	requireError(t, b.do(http.MethodPost, workflowPath+"/validate", ""), http.StatusBadRequest, "Request body is required")
}

// ---------------------------------------------------------------------------------------------
// 9. Task definitions
// ---------------------------------------------------------------------------------------------

func TestTaskDefCRUD(t *testing.T) {
	t.Parallel()
	b := setup(t)
	explicit := obj{
		"name": "td_explicit", "description": "all set", "retryCount": num(0), "timeoutSeconds": num(120),
		"totalTimeoutSeconds": num(600), "responseTimeoutSeconds": num(60), "retryLogic": "EXPONENTIAL_BACKOFF",
		"retryDelaySeconds": num(5), "backoffScaleFactor": num(2), "maxRetryDelaySeconds": num(100),
		"backoffJitterMs": num(50), "timeoutPolicy": "RETRY", "concurrentExecLimit": num(0),
		"rateLimitPerFrequency": num(10), "rateLimitFrequencyInSeconds": num(5), "pollTimeoutSeconds": num(30),
		"inputKeys": arr{"a", "b"}, "outputKeys": arr{"c"}, "inputTemplate": obj{"a": "default", "big": json.Number("9007199254740993")},
		"ownerEmail": "me@example.com", "isolationGroupId": "iso", "executionNameSpace": "ns", "enforceSchema": true,
		"ownerApp": "app", "createdBy": "alice",
	}
	requireEmptyOK(t, b.do(http.MethodPost, taskDefsPath, arr{obj{"name": "td_defaults"}, explicit}))

	defaults := b.getTaskDef("td_defaults")
	for key, want := range map[string]any{
		"name": "td_defaults", "retryCount": num(3), "timeoutPolicy": "TIME_OUT_WF", "retryLogic": "FIXED",
		"retryDelaySeconds": num(60), "responseTimeoutSeconds": num(3600), "timeoutSeconds": num(0),
		"totalTimeoutSeconds": num(0), "rateLimitPerFrequency": num(0), "rateLimitFrequencyInSeconds": num(1),
		"backoffScaleFactor": num(1), "maxRetryDelaySeconds": num(0), "inputKeys": arr{}, "outputKeys": arr{},
		"inputTemplate": obj{}, "enforceSchema": false,
	} {
		require.Equal(t, want, defaults[key], key)
	}
	for _, absent := range []string{"concurrentExecLimit", "pollTimeoutSeconds", "description", "updateTime"} {
		require.NotContains(t, defaults, absent)
	}
	createTime := int64Of(t, defaults["createTime"])
	require.Greater(t, createTime, int64(0))

	got := b.getTaskDef("td_explicit")
	requireSubset(t, explicit, got, "td_explicit")
	require.Equal(t, num(0), got["retryCount"], "an explicit retryCount 0 is kept")
	require.Equal(t, num(0), got["concurrentExecLimit"], "an explicit concurrentExecLimit 0 is kept")

	list := b.listTaskDefs()
	require.Len(t, list, 2)
	require.Equal(t, "td_defaults", list[0].(obj)["name"], "listed by name")
	requireSubset(t, explicit, list[1], "list[1]")

	// POST again upserts: values replaced, createTime kept, updateTime set.
	requireEmptyOK(t, b.do(http.MethodPost, taskDefsPath, arr{obj{"name": "td_defaults", "description": "v2", "retryCount": 1}}))
	defaults = b.getTaskDef("td_defaults")
	require.Equal(t, "v2", defaults["description"])
	require.Equal(t, num(1), defaults["retryCount"])
	require.Equal(t, createTime, int64Of(t, defaults["createTime"]))
	require.GreaterOrEqual(t, int64Of(t, defaults["updateTime"]), createTime)
	require.Len(t, b.listTaskDefs(), 2)

	// PUT replaces an existing definition as a whole.
	explicitCreate := int64Of(t, got["createTime"])
	requireEmptyOK(t, b.do(http.MethodPut, taskDefsPath, obj{"name": "td_explicit", "retryCount": 7, "description": "put"}))
	got = b.getTaskDef("td_explicit")
	require.Equal(t, num(7), got["retryCount"])
	require.Equal(t, "put", got["description"])
	require.Equal(t, "FIXED", got["retryLogic"], "PUT replaces the whole definition, omitted fields take defaults")
	require.Equal(t, explicitCreate, int64Of(t, got["createTime"]))
	require.GreaterOrEqual(t, int64Of(t, got["updateTime"]), explicitCreate)

	// PUT of an unknown name is a 404 and creates nothing.
	requireError(t, b.do(http.MethodPut, taskDefsPath, obj{"name": "ghost"}), http.StatusNotFound, "No such taskType found by name: ghost")
	requireError(t, b.do(http.MethodGet, taskDefsPath+"/ghost", nil), http.StatusNotFound, "No such taskType found by name: ghost")
	require.Len(t, b.listTaskDefs(), 2)

	// GET and DELETE of unknown names.
	requireError(t, b.do(http.MethodDelete, taskDefsPath+"/ghost", nil), http.StatusNotFound, "No such taskType found by name: ghost")

	// DELETE then 404.
	requireEmptyOK(t, b.do(http.MethodDelete, taskDefsPath+"/td_defaults", nil))
	requireError(t, b.do(http.MethodGet, taskDefsPath+"/td_defaults", nil), http.StatusNotFound, "No such taskType found by name: td_defaults")
	requireError(t, b.do(http.MethodDelete, taskDefsPath+"/td_defaults", nil), http.StatusNotFound, "No such taskType found by name: td_defaults")
	list = b.listTaskDefs()
	require.Len(t, list, 1)
	require.Equal(t, "td_explicit", list[0].(obj)["name"])
}

func TestTaskDefValidation(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		def  obj
		want []string // paths without the list prefix
	}{
		{"empty name", obj{"name": ""}, []string{"name: TaskDef name cannot be null or empty"}},
		{"missing name", obj{"description": "x"}, []string{"name: TaskDef name cannot be null or empty"}},
		{"responseTimeoutSeconds 0", obj{"name": "t", "responseTimeoutSeconds": 0},
			[]string{"responseTimeoutSeconds: TaskDef responseTimeoutSeconds: 0 must be greater than 0"}},
		{"responseTimeoutSeconds above timeoutSeconds", obj{"name": "t", "responseTimeoutSeconds": 100, "timeoutSeconds": 10},
			[]string{"responseTimeoutSeconds: TaskDef: t responseTimeoutSeconds: 100 must be less than timeoutSeconds: 10"}},
		{"default responseTimeoutSeconds above timeoutSeconds", obj{"name": "t", "timeoutSeconds": 60},
			[]string{"responseTimeoutSeconds: TaskDef: t responseTimeoutSeconds: 3600 must be less than timeoutSeconds: 60"}},
		{"timeoutSeconds above totalTimeoutSeconds", obj{"name": "t", "responseTimeoutSeconds": 10, "timeoutSeconds": 100, "totalTimeoutSeconds": 50},
			[]string{"timeoutSeconds: TaskDef: t timeoutSeconds: 100 must be less than or equal to totalTimeoutSeconds: 50"}},
		{"negative timeoutSeconds", obj{"name": "t", "timeoutSeconds": -1}, []string{"timeoutSeconds: TaskDef timeoutSeconds must be >= 0"}},
		{"retryCount -1", obj{"name": "t", "retryCount": -1}, []string{"retryCount: TaskDef retryCount: -1 must be >= 0"}},
		{"bad retryLogic", obj{"name": "t", "retryLogic": "RANDOM"},
			[]string{"retryLogic: retryLogic must be one of FIXED, EXPONENTIAL_BACKOFF, LINEAR_BACKOFF"}},
		{"bad timeoutPolicy", obj{"name": "t", "timeoutPolicy": "IGNORE"},
			[]string{"timeoutPolicy: timeoutPolicy must be one of RETRY, TIME_OUT_WF, ALERT_ONLY"}},
		{"backoffScaleFactor 0", obj{"name": "t", "backoffScaleFactor": 0}, []string{"backoffScaleFactor: TaskDef backoffScaleFactor: 0 must be >= 1"}},
		{"negative retryDelaySeconds", obj{"name": "t", "retryDelaySeconds": -5}, []string{"retryDelaySeconds: TaskDef retryDelaySeconds must be >= 0"}},
		{"negative rate limit", obj{"name": "t", "rateLimitPerFrequency": -1}, []string{"rateLimitPerFrequency: rate limits must be >= 0"}},
		{"negative concurrentExecLimit", obj{"name": "t", "concurrentExecLimit": -1}, []string{"concurrentExecLimit: concurrentExecLimit must be >= 0"}},
		{"several rules", obj{"name": "", "retryCount": -1, "backoffScaleFactor": 0}, []string{
			"name: TaskDef name cannot be null or empty",
			"retryCount: TaskDef retryCount: -1 must be >= 0",
			"backoffScaleFactor: TaskDef backoffScaleFactor: 0 must be >= 1",
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t)
			prefixed := func(prefix string) []string {
				out := make([]string, len(tc.want))
				for i, w := range tc.want {
					out[i] = prefix + w
				}
				return out
			}

			// Alone in a list.
			requireValidation(t, b.do(http.MethodPost, taskDefsPath, arr{tc.def}), prefixed("[0].")...)
			require.Empty(t, b.listTaskDefs())

			// Second in a list: nothing of the list is stored.
			requireValidation(t, b.do(http.MethodPost, taskDefsPath, arr{obj{"name": "good"}, tc.def, obj{"name": "good2"}}), prefixed("[1].")...)
			require.Empty(t, b.listTaskDefs(), "one bad element stores none of the list")

			// PUT of a single definition: paths without prefix, and the stored one is untouched.
			requireEmptyOK(t, b.do(http.MethodPost, taskDefsPath, arr{obj{"name": "t", "description": "stored"}}))
			requireValidation(t, b.do(http.MethodPut, taskDefsPath, tc.def), tc.want...)
			stored := b.getTaskDef("t")
			require.Equal(t, "stored", stored["description"])
			require.NotContains(t, stored, "updateTime")
			require.Len(t, b.listTaskDefs(), 1)
		})
	}
}

func TestTaskDefBoundariesAccepted(t *testing.T) {
	t.Parallel()
	b := setup(t)
	defs := arr{
		obj{"name": "equal_timeouts", "responseTimeoutSeconds": 60, "timeoutSeconds": 60, "totalTimeoutSeconds": 60},
		obj{"name": "min_response", "responseTimeoutSeconds": 1},
		obj{"name": "zero_retries", "retryCount": 0, "retryDelaySeconds": 0},
		obj{"name": "no_timeout", "timeoutSeconds": 0, "responseTimeoutSeconds": 99999},
		obj{"name": "linear", "retryLogic": "LINEAR_BACKOFF", "backoffScaleFactor": 3, "timeoutPolicy": "ALERT_ONLY"},
	}
	requireEmptyOK(t, b.do(http.MethodPost, taskDefsPath, defs))
	require.Len(t, b.listTaskDefs(), len(defs))
	for _, d := range defs {
		requireSubset(t, decodeObj(t, mustJSON(t, d)), b.getTaskDef(d.(obj)["name"].(string)), d.(obj)["name"].(string))
	}
}

func TestTaskDefBadLists(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, body, prefix string
	}{
		{"empty list", `[]`, "Task definition list cannot be empty"},
		{"null", `null`, "Task definition list cannot be empty"},
		{"object instead of list", `{"name":"t"}`, "Invalid JSON value"},
		{"null element", `[{"name":"t"},null]`, "Task definition at index 1 is null"},
		{"wrong member type", `[{"name":"t","retryCount":"three"}]`, `Invalid JSON value for field "retryCount"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t)
			requireErrorPrefix(t, b.do(http.MethodPost, taskDefsPath, tc.body), http.StatusBadRequest, tc.prefix)
			require.Empty(t, b.listTaskDefs())
		})
	}
}

func TestTaskDefDuplicateNameInListKeepsLast(t *testing.T) {
	t.Parallel()
	b := setup(t)
	requireEmptyOK(t, b.do(http.MethodPost, taskDefsPath, arr{
		obj{"name": "dup", "description": "first", "retryCount": 1},
		obj{"name": "other"},
		obj{"name": "dup", "description": "last", "retryCount": 2},
	}))
	list := b.listTaskDefs()
	require.Len(t, list, 2)
	got := b.getTaskDef("dup")
	require.Equal(t, "last", got["description"])
	require.Equal(t, num(2), got["retryCount"])
	require.NotContains(t, got, "updateTime", "one request creates the row once")
}

// ---------------------------------------------------------------------------------------------
// 10. HTTP conventions
// ---------------------------------------------------------------------------------------------

func TestMalformedBodies(t *testing.T) {
	t.Parallel()
	valid := `{"name":"mal","tasks":[{"name":"a","taskReferenceName":"a"}]}`
	for _, tc := range []struct {
		name, method, path, body string
		message                  string // exact when exact, else a prefix
		exact                    bool
		contains                 string
	}{
		{"truncated", http.MethodPost, workflowPath, `{"name":"mal","tasks":[`, "Malformed JSON", false, ""},
		{"syntax error", http.MethodPost, workflowPath, `{"name" "mal"}`, "Malformed JSON", false, ""},
		{"not JSON", http.MethodPost, workflowPath, `name=mal`, "Malformed JSON", false, ""},
		{"single quotes", http.MethodPost, workflowPath, `{'name':'mal'}`, "Malformed JSON", false, ""},
		{"version as string", http.MethodPost, workflowPath, `{"name":"mal","version":"abc","tasks":[{"name":"a","taskReferenceName":"a"}]}`,
			`Invalid JSON value for field "version"`, false, ""},
		{"tasks as object", http.MethodPost, workflowPath, `{"name":"mal","tasks":{}}`, `Invalid JSON value for field "tasks"`, false, ""},
		{"task inputParameters as string", http.MethodPost, workflowPath, `{"name":"mal","tasks":[{"name":"a","taskReferenceName":"a","inputParameters":"x"}]}`,
			"Invalid JSON value for field", false, "inputParameters"},
		{"restartable as string", http.MethodPost, workflowPath, `{"name":"mal","restartable":"yes","tasks":[{"name":"a","taskReferenceName":"a"}]}`,
			`Invalid JSON value for field "restartable"`, false, ""},
		{"array instead of object", http.MethodPost, workflowPath, `[` + valid + `]`, "Invalid JSON value", false, ""},
		{"empty body", http.MethodPost, workflowPath, ``, "Request body is required", true, ""},
		{"whitespace body", http.MethodPost, workflowPath, " \n\t ", "Request body is required", true, ""},
		{"trailing garbage", http.MethodPost, workflowPath, valid + ` xyz`, "Malformed JSON", false, ""},
		{"two JSON values", http.MethodPost, workflowPath, valid + valid, "Malformed JSON", false, ""},
		{"trailing closing brace", http.MethodPost, workflowPath, valid + `}`, "Malformed JSON", false, ""},
		{"trailing closing bracket", http.MethodPost, workflowPath, valid + `]`, "Malformed JSON", false, ""},
		{"validate: wrong type", http.MethodPost, workflowPath + "/validate", `{"name":"mal","version":"abc"}`, `Invalid JSON value for field "version"`, false, ""},
		{"bulk: truncated", http.MethodPut, workflowPath, `[` + valid, "Malformed JSON", false, ""},
		{"bulk: trailing garbage", http.MethodPut, workflowPath, `[` + valid + `] x`, "Malformed JSON", false, ""},
		{"bulk: trailing closing bracket", http.MethodPut, workflowPath, `[` + valid + `]]`, "Malformed JSON", false, ""},
		{"bulk: empty body", http.MethodPut, workflowPath, ``, "Request body is required", true, ""},
		{"taskdefs: truncated", http.MethodPost, taskDefsPath, `[{"name":"t"`, "Malformed JSON", false, ""},
		{"taskdefs: empty body", http.MethodPost, taskDefsPath, ``, "Request body is required", true, ""},
		{"taskdefs: trailing garbage", http.MethodPost, taskDefsPath, `[{"name":"t"}] x`, "Malformed JSON", false, ""},
		{"taskdef PUT: wrong type", http.MethodPut, taskDefsPath, `{"name":"t","timeoutSeconds":"long"}`, `Invalid JSON value for field "timeoutSeconds"`, false, ""},
		{"taskdef PUT: empty body", http.MethodPut, taskDefsPath, ``, "Request body is required", true, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t)
			// The PUT /taskdefs cases need something to replace, or a 404 could hide the 400.
			requireEmptyOK(t, b.do(http.MethodPost, taskDefsPath, arr{obj{"name": "t", "description": "stored"}}))

			resp := b.do(tc.method, tc.path, tc.body)
			var e api.ErrorResponse
			if tc.exact {
				e = requireError(t, resp, http.StatusBadRequest, tc.message)
			} else {
				e = requireErrorPrefix(t, resp, http.StatusBadRequest, tc.message)
			}
			require.Contains(t, e.Message, tc.contains)
			b.requireNoWorkflows()
			tds := b.listTaskDefs()
			require.Len(t, tds, 1)
			require.Equal(t, "stored", tds[0].(obj)["description"])
		})
	}
}

func TestBodyTooLarge(t *testing.T) {
	t.Parallel()
	b := setup(t, func(c *api.Config) { c.MaxBodyBytes = 2048 })

	small := with(workflowDef("small"), "description", strings.Repeat("s", 100))
	b.createWorkflow(small)

	large := with(workflowDef("large"), "description", strings.Repeat("x", 4000))
	data := mustJSON(t, large)
	require.Greater(t, len(data), 2048)
	for _, tc := range []struct{ method, path string }{
		{http.MethodPost, workflowPath},
		{http.MethodPost, workflowPath + "?overwrite=true"},
		{http.MethodPost, workflowPath + "/validate"},
		{http.MethodPut, workflowPath},
	} {
		body := data
		if tc.method == http.MethodPut {
			body = append(append([]byte("["), data...), ']')
		}
		requireError(t, b.do(tc.method, tc.path, body), http.StatusRequestEntityTooLarge,
			"Request body is larger than the limit of 2048 bytes")
	}
	b.requireWorkflowAbsent("large")

	tdBody := mustJSON(t, arr{obj{"name": "big_td", "description": strings.Repeat("y", 4000)}})
	requireError(t, b.do(http.MethodPost, taskDefsPath, tdBody), http.StatusRequestEntityTooLarge,
		"Request body is larger than the limit of 2048 bytes")
	require.Empty(t, b.listTaskDefs())

	list := b.listWorkflows()
	require.Len(t, list, 1)
	require.Equal(t, "small", list[0].(obj)["name"])
}

func TestUnknownRouteAndWrongVerb(t *testing.T) {
	t.Parallel()
	b := setup(t)
	for _, path := range []string{"/nope", "/api/nope", "/api/metadata/nope", "/api/metadata/workflow/a/b/c", "/api/metadata/taskdefs/a/b"} {
		requireError(t, b.do(http.MethodGet, path, nil), http.StatusNotFound, "No route for GET "+path)
	}
	for _, tc := range []struct{ method, path string }{
		{http.MethodPatch, workflowPath},
		{http.MethodDelete, workflowPath},
		{http.MethodPost, workflowPath + "/names"},
		{http.MethodPut, taskDefsPath + "/x"},
		{http.MethodPost, "/api/health"},
		{http.MethodDelete, "/api/version"},
	} {
		requireError(t, b.do(tc.method, tc.path, nil), http.StatusMethodNotAllowed,
			"Method "+tc.method+" is not allowed on "+tc.path)
	}
	requireError(t, b.do(http.MethodPatch, workflowPath, validDef()), http.StatusMethodNotAllowed,
		"Method PATCH is not allowed on "+workflowPath)
	b.requireNoWorkflows()
}

func validDef() obj { return workflowDef("valid") }

func TestRequestID(t *testing.T) {
	t.Parallel()
	b := setup(t)
	hexID := regexp.MustCompile(`^[0-9a-f]{16}$`)
	client := b.server.Client()

	seen := map[string]bool{}
	for _, tc := range []struct{ method, path string }{
		{http.MethodGet, "/health"},
		{http.MethodGet, workflowPath},
		{http.MethodGet, workflowPath + "/missing"},
		{http.MethodPost, workflowPath},
		{http.MethodPatch, workflowPath},
		{http.MethodGet, "/nope"},
		{http.MethodGet, "/metrics"},
	} {
		resp := b.do(tc.method, tc.path, nil)
		id := resp.Header.Get("X-Request-Id")
		require.Regexp(t, hexID, id, "%s %s", tc.method, tc.path)
		require.False(t, seen[id], "request IDs are unique")
		seen[id] = true
		if resp.Status >= 400 {
			require.Equal(t, "application/json", resp.Header.Get("Content-Type"), "%s %s", tc.method, tc.path)
		}
	}

	for _, tc := range []struct {
		sent string
		echo bool
	}{
		{"client-id-42", true},
		{"abc.DEF_123:xyz/~", true},
		{strings.Repeat("a", 64), true},
		{strings.Repeat("a", 65), false},
		{"has space", false},
		{"tab\there", false},
		{"ünïcode", false},
	} {
		resp, err := rawRequest(client, http.MethodGet, b.server.URL+workflowPath+"/missing", nil,
			http.Header{"X-Request-Id": {tc.sent}})
		require.NoError(t, err)
		requireStatus(t, resp, http.StatusNotFound)
		got := resp.Header.Get("X-Request-Id")
		if tc.echo {
			require.Equal(t, tc.sent, got)
		} else {
			require.Regexp(t, hexID, got, "an insane ID %q is replaced", tc.sent)
		}
	}
}

// ---------------------------------------------------------------------------------------------
// 11. Health, version, metrics
// ---------------------------------------------------------------------------------------------

func TestHealth(t *testing.T) {
	t.Parallel()
	b := setup(t)
	for _, path := range []string{"/health", "/api/health"} {
		resp := b.do(http.MethodGet, path, nil)
		requireStatus(t, resp, http.StatusOK)
		require.Equal(t, "application/json", resp.Header.Get("Content-Type"))
		require.JSONEq(t, `{"healthResults":[{"name":"database","healthy":true}],"suppressedHealthResults":[],"healthy":true}`, string(resp.Body))
	}
}

func TestVersionEndpoint(t *testing.T) {
	t.Parallel()
	b := setup(t)
	resp := b.do(http.MethodGet, "/api/version", nil)
	requireStatus(t, resp, http.StatusOK)
	require.True(t, strings.HasPrefix(resp.Header.Get("Content-Type"), "text/plain"), resp.Header.Get("Content-Type"))
	require.Equal(t, "test", string(resp.Body))
}

func TestMetricsUseRoutePatterns(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.createWorkflow(workflowDef("secret_flow_name"))
	b.getWorkflow("secret_flow_name", "")
	b.getWorkflow("secret_flow_name", "")
	requireStatus(t, b.do(http.MethodGet, workflowPath+"/other_secret_name", nil), http.StatusNotFound)
	requireEmptyOK(t, b.do(http.MethodDelete, workflowPath+"/secret_flow_name/1", nil))
	requireStatus(t, b.do(http.MethodGet, "/api/unrouted_secret_path", nil), http.StatusNotFound)
	requireStatus(t, b.do(http.MethodGet, "/unrouted_secret_root", nil), http.StatusNotFound)

	resp := b.do(http.MethodGet, "/metrics", nil)
	requireStatus(t, resp, http.StatusOK)
	body := string(resp.Body)
	for _, line := range []string{
		`podium_http_requests_total{code="200",method="GET",route="/api/metadata/workflow/{name}"} 2`,
		`podium_http_requests_total{code="404",method="GET",route="/api/metadata/workflow/{name}"} 1`,
		`podium_http_requests_total{code="200",method="POST",route="/api/metadata/workflow"} 1`,
		`podium_http_requests_total{code="200",method="DELETE",route="/api/metadata/workflow/{name}/{version}"} 1`,
	} {
		require.Contains(t, body, line)
	}
	require.Contains(t, body, "podium_http_request_duration_seconds_bucket")
	for _, raw := range []string{"secret_flow_name", "other_secret_name", "unrouted_secret", "/api/metadata/workflow/secret"} {
		require.NotContains(t, body, raw, "metrics carry route patterns, never raw paths")
	}
}

// ---------------------------------------------------------------------------------------------
// Wire conventions of the spec (§0)
// ---------------------------------------------------------------------------------------------

// Conductor's Jackson accepts null for a primitive field and stores the primitive's zero value
// (spec §0: "null for a primitive field is accepted (becomes 0/false)").
func TestNullForPrimitiveFieldBecomesZero(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.createWorkflow(with(workflowDef("nulls"), "restartable", nil, "timeoutSeconds", nil))
	got := b.getWorkflow("nulls", "")
	require.Equal(t, false, got["restartable"], "null restartable becomes false, not the default true")
	require.Equal(t, num(0), got["timeoutSeconds"])

	requireEmptyOK(t, b.do(http.MethodPost, taskDefsPath, arr{obj{"name": "nulls", "retryCount": nil}}))
	require.Equal(t, num(0), b.getTaskDef("nulls")["retryCount"], "null retryCount becomes 0, not the default 3")
}

func TestUnstorableCharacters(t *testing.T) {
	t.Parallel()
	b := setup(t)
	resp := b.do(http.MethodPost, workflowPath, `{"name":"nul","description":"a\u0000b","tasks":[{"name":"a","taskReferenceName":"a"}]}`)
	requireError(t, resp, http.StatusBadRequest, `text contains a character that cannot be stored (such as \u0000)`)
	b.requireNoWorkflows()

	// Task definitions: the whole list is refused, and a PUT leaves the stored one alone.
	resp = b.do(http.MethodPost, taskDefsPath, `[{"name":"ok"},{"name":"td","description":"\u0000"}]`)
	requireError(t, resp, http.StatusBadRequest, `text contains a character that cannot be stored (such as \u0000)`)
	require.Empty(t, b.listTaskDefs())
	requireEmptyOK(t, b.do(http.MethodPost, taskDefsPath, arr{obj{"name": "ok", "description": "clean"}}))
	resp = b.do(http.MethodPut, taskDefsPath, `{"name":"ok","description":"\u0000"}`)
	requireError(t, resp, http.StatusBadRequest, `text contains a character that cannot be stored (such as \u0000)`)
	require.Equal(t, "clean", b.getTaskDef("ok")["description"])

	// Bulk PUT reports a storage failure per definition (Conductor's BulkResponse) and stores
	// the others.
	resp = b.do(http.MethodPut, workflowPath, `[{"name":"good","tasks":[{"name":"a","taskReferenceName":"a"}]},`+
		`{"name":"nul","description":"a\u0000","tasks":[{"name":"a","taskReferenceName":"a"}]}]`)
	requireStatus(t, resp, http.StatusOK)
	bulk := decodeObj(t, resp.Body)
	require.Equal(t, arr{"good"}, bulk["bulkSuccessfulResults"])
	require.Contains(t, bulk["bulkErrorResults"], "nul")
	require.Len(t, bulk["bulkErrorResults"], 1)
	b.requireWorkflowAbsent("nul")
	require.Equal(t, "good", b.getWorkflow("good", "")["name"])

	// Other escapes and non-ASCII text round trip.
	text := "tab\t quote\" backslash\\ snowman☃ emoji🎉 ctl\u0001"
	b.createWorkflow(with(workflowDef("unicode ☃"), "description", text))
	require.Equal(t, text, b.getWorkflow("unicode%20%E2%98%83", "")["description"])
}

// Conductor's Jackson matches member names case-sensitively: "Name" or "RetryCount" are unknown
// members, kept as such, and must not set name or retryCount.
func TestMemberNamesAreCaseSensitive(t *testing.T) {
	t.Parallel()
	b := setup(t)
	resp := b.do(http.MethodPost, workflowPath, `{"name":"wf_case","Name":"other","VERSION":5,`+
		`"tasks":[{"name":"a","taskReferenceName":"a","Type":"HTTP"}]}`)
	requireEmptyOK(t, resp)
	got := b.getWorkflow("wf_case", "?version=1")
	require.Equal(t, "wf_case", got["name"])
	require.Equal(t, num(1), got["version"])
	require.Equal(t, "other", got["Name"], "an unknown member is kept as is")
	require.Equal(t, num(5), got["VERSION"])
	task := got["tasks"].(arr)[0].(obj)
	require.Equal(t, "SIMPLE", task["type"])
	require.Equal(t, "HTTP", task["Type"])
	b.requireWorkflowAbsent("other")

	requireEmptyOK(t, b.do(http.MethodPost, taskDefsPath, `[{"name":"td","RetryCount":9}]`))
	td := b.getTaskDef("td")
	require.Equal(t, num(3), td["retryCount"], "RetryCount is not retryCount")
	require.Equal(t, num(9), td["RetryCount"])
}
