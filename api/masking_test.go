package api_test

// Black-box tests of secrets inside workflows and of masking (orkes.md §2–§4, DESIGN.md §4):
// every case checks both sides — what execution data shows (GET /api/workflow/{id},
// GET /api/tasks/{id}, task logs, search) and what the executor gets (poll responses, the
// next task's input, the secret store).

import (
	"encoding/json"
	"net/http"
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

// maskPutSecret stores value under name, sent as a JSON string (docs-style body).
func (b *testBundle) maskPutSecret(name, value string) {
	b.t.Helper()
	data, err := json.Marshal(value)
	require.NoError(b.t, err)
	b.putSecret(name, string(data))
}

// maskTaskLogs returns the log lines of a task.
func (b *testBundle) maskTaskLogs(taskID string) []string {
	b.t.Helper()
	resp := b.do(http.MethodGet, tasksPath+"/"+taskID+"/log", nil)
	requireStatus(b.t, resp, http.StatusOK)
	var lines []string
	for _, e := range decodeArr(b.t, resp.Body) {
		lines = append(lines, e.(obj)["log"].(string))
	}
	return lines
}

// maskSurfaces collects every API view of the executions ids: the executions, their task
// lists, each task with its log, and both workflow searches (which must find each id).
func (b *testBundle) maskSurfaces(ids ...string) string {
	b.t.Helper()
	var sb strings.Builder
	get := func(path string) []byte {
		resp := b.do(http.MethodGet, path, nil)
		requireStatus(b.t, resp, http.StatusOK)
		sb.Write(resp.Body)
		sb.WriteByte('\n')
		return resp.Body
	}
	for _, id := range ids {
		wf := decodeObj(b.t, get(executionPath+"/"+id))
		for _, task := range tasksOf(b.t, wf) {
			get(tasksPath + "/" + task["taskId"].(string))
			get(tasksPath + "/" + task["taskId"].(string) + "/log")
		}
		get(executionPath + "/" + id + "/tasks?count=100")
	}
	for _, path := range []string{executionPath + "/search?size=100", executionPath + "/search-v2?size=100"} {
		body := string(get(path))
		for _, id := range ids {
			require.Contains(b.t, body, id, "%s must find the execution", path)
		}
	}
	return sb.String()
}

// maskDump is a data-only dump of the bundle's whole database.
func (b *testBundle) maskDump() string {
	b.t.Helper()
	out, err := exec.Command("pg_dump", "--data-only", b.databaseURL).CombinedOutput()
	require.NoError(b.t, err, string(out))
	return string(out)
}

// requireNoValues fails when text (named surface) contains any of values.
func requireNoValues(t *testing.T, surface, text string, values ...string) {
	t.Helper()
	for _, v := range values {
		require.NotContains(t, text, v, "%s leaks a secret value", surface)
	}
}

// maskWorkflow is a definition named name with tasks and extra top-level members.
func maskWorkflow(name string, tasks []obj, kv ...any) obj {
	return with(workflowDef(name, tasks...), kv...)
}

// ---------------------------------------------------------------------------------------------
// 1. A worker task with secrets in its input; 12. nothing in the database
// ---------------------------------------------------------------------------------------------

func TestMaskWorkerTaskSecrets(t *testing.T) {
	t.Parallel()
	b := setup(t)
	key := randomValue(t, "key-")
	b.maskPutSecret("k", key)
	b.maskPutSecret("creds", `{"username":"alice-admin","password":"pw-123456"}`)
	b.registerTaskDefs(integrationTaskDef(0)) // retryCount 1, no delay
	b.createWorkflow(workflowDef("mask_worker", workerTask("t1", 0, obj{
		"apiKey": "${workflow.secrets.k}", "auth": "Bearer ${workflow.secrets.k}",
		"user": "${workflow.secrets.creds.username}",
	})))
	id := b.startWorkflow("mask_worker", nil)

	real := obj{"apiKey": key, "auth": "Bearer " + key, "user": "alice-admin"}
	shown := obj{"apiKey": "***", "auth": "Bearer ***", "user": "***"}

	// The worker gets the real values; the stored task shows them masked.
	first := b.pollTask(itName(0))
	require.Equal(t, real, first["inputData"], "a poll carries the resolved secrets")
	firstID := first["taskId"].(string)
	require.Equal(t, shown, b.getTask(firstID)["inputData"])
	require.Equal(t, shown, taskByRef(t, b.execution(id), "t1")["inputData"])

	// A FAILED result naming the key: reason, output and result logs are masked.
	b.updateTask(first, "FAILED", obj{"error": "rejected " + key},
		"reasonForIncompletion", "auth failed for "+key,
		"logs", arr{obj{"log": "calling with " + key}})
	failed := b.getTask(firstID)
	require.Equal(t, "FAILED", failed["status"])
	require.Equal(t, "auth failed for ***", failed["reasonForIncompletion"])
	require.Equal(t, obj{"error": "rejected ***"}, failed["outputData"])
	require.Equal(t, []string{"calling with ***"}, b.maskTaskLogs(firstID))

	// The retry gets the real values again; its echo is masked where shown.
	retry := b.pollTask(itName(0))
	require.NotEqual(t, firstID, retry["taskId"])
	require.Equal(t, real, retry["inputData"])
	retryID := retry["taskId"].(string)
	b.updateTask(retry, "COMPLETED", obj{"echo": "got " + key}, "logs", arr{obj{"log": "done with " + key}})

	wf := b.requireWorkflowStatus(id, "COMPLETED")
	t1 := taskByRef(t, wf, "t1")
	require.Equal(t, retryID, t1["taskId"])
	require.Equal(t, shown, t1["inputData"])
	require.Equal(t, obj{"echo": "got ***"}, t1["outputData"])
	require.Equal(t, obj{"echo": "got ***"}, b.getTask(retryID)["outputData"])
	require.Equal(t, obj{"echo": "got ***"}, wf["output"])
	require.Equal(t, []string{"done with ***"}, b.maskTaskLogs(retryID))

	// No surface holds a value: API views, search, the server log, the whole database.
	values := []string{key, "alice-admin", "pw-123456"}
	surfaces := b.maskSurfaces(id)
	require.Contains(t, surfaces, "Bearer ***")
	requireNoValues(t, "API responses", surfaces, values...)
	requireNoValues(t, "server log", b.logs.String(), values...)
	dump := b.maskDump()
	require.Contains(t, dump, "mask_worker", "the dump holds the execution")
	require.Contains(t, dump, "got ***")
	requireNoValues(t, "database dump", dump, values...)
}

// TestMaskTaskLogPostedThroughAPI: a line a worker posts with POST /api/tasks/{id}/log is
// execution data like the logs of a TaskResult, so known secret values are masked in it.
func TestMaskTaskLogPostedThroughAPI(t *testing.T) {
	t.Parallel()
	b := setup(t)
	key := randomValue(t, "key-")
	b.maskPutSecret("k", key)
	b.registerIntegrationTasks(1)
	b.createWorkflow(workflowDef("mask_log", workerTask("t1", 0, obj{"apiKey": "${workflow.secrets.k}"})))
	id := b.startWorkflow("mask_log", nil)
	task := b.pollTask(itName(0))
	require.Equal(t, key, dig(t, task, "inputData", "apiKey"))
	taskID := task["taskId"].(string)

	requireEmptyOK(t, b.do(http.MethodPost, tasksPath+"/"+taskID+"/log", mustJSON(t, "posted "+key)))
	requireEmptyOK(t, b.do(http.MethodPost, tasksPath+"/"+taskID+"/log", "raw "+key))
	require.Equal(t, []string{"posted ***", "raw ***"}, b.maskTaskLogs(taskID), "POST /log must mask known secret values")
	b.completeTask(task, obj{})
	b.requireWorkflowStatus(id, "COMPLETED")
	requireEmptyOK(t, b.do(http.MethodPost, tasksPath+"/"+taskID+"/log", mustJSON(t, "late "+key)))
	require.Equal(t, []string{"posted ***", "raw ***", "late ***"}, b.maskTaskLogs(taskID), "also after the workflow ended")
	requireNoValues(t, "database dump", b.maskDump(), key)
}

// ---------------------------------------------------------------------------------------------
// 2. Downstream tasks see real data
// ---------------------------------------------------------------------------------------------

func TestMaskDownstreamSeesRealOutput(t *testing.T) {
	t.Parallel()
	b := setup(t)
	key := randomValue(t, "key-")
	b.maskPutSecret("k", key)
	b.registerIntegrationTasks(2)
	b.createWorkflow(workflowDef("mask_downstream",
		workerTask("t1", 0, obj{"apiKey": "${workflow.secrets.k}"}),
		workerTask("t2", 1, obj{"prev": "${t1.output.echo}", "whole": "${t1.output}", "text": "seen: ${t1.output.echo}"}),
	))
	id := b.startWorkflow("mask_downstream", nil)
	b.pollAndComplete(itName(0), obj{"echo": "got " + key, "plain": "p"})

	t2 := b.pollTask(itName(1))
	require.Equal(t, obj{
		"prev": "got " + key, "whole": obj{"echo": "got " + key, "plain": "p"}, "text": "seen: got " + key,
	}, t2["inputData"], "the next task receives the real output")
	shown := obj{"prev": "got ***", "whole": obj{"echo": "got ***", "plain": "p"}, "text": "seen: got ***"}
	require.Equal(t, shown, b.getTask(t2["taskId"].(string))["inputData"])
	b.completeTask(t2, obj{"done": true})

	wf := b.requireWorkflowStatus(id, "COMPLETED")
	require.Equal(t, shown, taskByRef(t, wf, "t2")["inputData"])
	require.Equal(t, obj{"echo": "got ***", "plain": "p"}, taskByRef(t, wf, "t1")["outputData"])
	requireNoValues(t, "API responses", b.maskSurfaces(id), key)
}

// ---------------------------------------------------------------------------------------------
// 3. INLINE results are value-masked; 12. nothing in the database
// ---------------------------------------------------------------------------------------------

func TestMaskInlineResult(t *testing.T) {
	t.Parallel()
	b := setup(t)
	key := randomValue(t, "key-")
	b.maskPutSecret("k", key)
	b.registerIntegrationTasks(1)
	b.createWorkflow(workflowDef("mask_inline",
		obj{"name": "inline", "taskReferenceName": "inline", "type": "INLINE", "inputParameters": obj{
			"evaluatorType": "javascript", "token": "${workflow.secrets.k}", "expression": "$.token + '-suffix'",
		}},
		workerTask("t1", 0, obj{"r": "${inline.output.result}"}),
	))
	id := b.startWorkflow("mask_inline", nil)

	// The script ran with the real value: the next task receives the real result.
	t1 := b.pollTask(itName(0))
	require.Equal(t, obj{"r": key + "-suffix"}, t1["inputData"])
	require.Equal(t, obj{"r": "***-suffix"}, b.getTask(t1["taskId"].(string))["inputData"])

	inline := taskByRef(t, b.execution(id), "inline")
	require.Equal(t, "COMPLETED", inline["status"])
	require.Equal(t, obj{"result": "***-suffix"}, inline["outputData"])
	require.Equal(t, obj{"evaluatorType": "javascript", "token": "***", "expression": "$.token + '-suffix'"}, inline["inputData"])
	require.Equal(t, obj{"result": "***-suffix"}, b.getTask(inline["taskId"].(string))["outputData"])
	b.completeTask(t1, obj{})
	b.requireWorkflowStatus(id, "COMPLETED")

	requireNoValues(t, "API responses", b.maskSurfaces(id), key)
	requireNoValues(t, "server log", b.logs.String(), key)
	dump := b.maskDump()
	require.Contains(t, dump, "***-suffix", "the dump holds the execution")
	requireNoValues(t, "database dump", dump, key)
}

// ---------------------------------------------------------------------------------------------
// 4. _secrets and _masked keys
// ---------------------------------------------------------------------------------------------

func TestMaskSecretsAndMaskedKeys(t *testing.T) {
	t.Parallel()
	b := setup(t)
	inSecret, outSecret := randomValue(t, "in-"), randomValue(t, "out-")
	b.registerIntegrationTasks(2)
	b.createWorkflow(workflowDef("mask_keys",
		workerTask("t1", 0, obj{
			"_secrets": obj{"x": "${workflow.input._secrets.x}"}, "_masked": obj{"note": "masked-note"},
			"plain": "visible",
		}),
		workerTask("t2", 1, obj{
			"x": "${t1.output._secrets.x}", "all": "${t1.output._secrets}", "m": "${t1.output._masked.m}",
			"inX": "${t1.input._secrets.x}", "copy": "${t1.output.copy}",
		}),
	))
	id := b.startWorkflow("mask_keys", obj{"_secrets": obj{"x": inSecret}})

	t1 := b.pollTask(itName(0))
	require.Equal(t, obj{
		"_secrets": obj{"x": inSecret}, "_masked": obj{"note": "masked-note"}, "plain": "visible",
	}, t1["inputData"], "the worker gets what is under _secrets and _masked")
	t1ID := t1["taskId"].(string)
	require.Equal(t, obj{"_secrets": "***", "_masked": "***", "plain": "visible"}, b.getTask(t1ID)["inputData"])

	b.completeTask(t1, obj{
		"_secrets": obj{"x": outSecret}, "_masked": obj{"m": "masked-out"},
		"copy": "copy of " + outSecret, "plain": "visible",
	})
	require.Equal(t, obj{"_secrets": "***", "_masked": "***", "copy": "copy of ***", "plain": "visible"},
		b.getTask(t1ID)["outputData"], "_secrets and _masked outputs show ***; _secrets values join the masked set")

	t2 := b.pollTask(itName(1))
	require.Equal(t, obj{
		"x": outSecret, "all": obj{"x": outSecret}, "m": "masked-out", "inX": inSecret, "copy": "copy of " + outSecret,
	}, t2["inputData"], "downstream references see the real data")
	shown := b.getTask(t2["taskId"].(string))["inputData"].(obj)
	require.Equal(t, "***", shown["x"])
	require.Equal(t, obj{"x": "***"}, shown["all"])
	require.Equal(t, "***", shown["inX"])
	require.Equal(t, "copy of ***", shown["copy"])
	b.completeTask(t2, obj{})

	wf := b.requireWorkflowStatus(id, "COMPLETED")
	require.Equal(t, obj{"_secrets": "***"}, wf["input"])
	requireNoValues(t, "API responses", b.maskSurfaces(id), inSecret, outSecret)
}

// ---------------------------------------------------------------------------------------------
// 5. maskedFields
// ---------------------------------------------------------------------------------------------

func TestMaskMaskedFields(t *testing.T) {
	t.Parallel()
	b := setup(t)
	password, outPassword := randomValue(t, "pw-"), randomValue(t, "opw-")
	b.registerIntegrationTasks(1)
	b.createWorkflow(maskWorkflow("mask_fields",
		[]obj{workerTask("t1", 0, obj{"pw": "${workflow.input.password}", "user": "${workflow.input.user}"})},
		"maskedFields", arr{"password"},
		"outputParameters", obj{"password": "${t1.output.pw}", "user": "${workflow.input.user}"},
	))
	id := b.startWorkflow("mask_fields", obj{"user": "bob", "password": password})

	wf := b.execution(id)
	require.Equal(t, obj{"user": "bob", "password": "***"}, wf["input"])

	t1 := b.pollTask(itName(0))
	require.Equal(t, obj{"pw": password, "user": "bob"}, t1["inputData"], "the worker gets the real field")
	b.completeTask(t1, obj{"pw": outPassword})

	wf = b.requireWorkflowStatus(id, "COMPLETED")
	require.Equal(t, obj{"user": "bob", "password": "***"}, wf["input"])
	require.Equal(t, obj{"user": "bob", "password": "***"}, wf["output"], "a masked field of the output shows ***")

	search := b.do(http.MethodGet, executionPath+"/search?size=100", nil)
	requireStatus(t, search, http.StatusOK)
	require.Contains(t, string(search.Body), id)
	requireNoValues(t, "search", string(search.Body), password, outPassword)
	requireNoValues(t, "workflow", mustJSONText(t, wf["input"])+mustJSONText(t, wf["output"]), password, outPassword)
}

func mustJSONText(t *testing.T, v any) string { return string(mustJSON(t, v)) }

// ---------------------------------------------------------------------------------------------
// 6. _secrets in the workflow input
// ---------------------------------------------------------------------------------------------

func TestMaskSecretsInWorkflowInput(t *testing.T) {
	t.Parallel()
	b := setup(t)
	tok := randomValue(t, "tok-")
	b.registerIntegrationTasks(1)
	b.createWorkflow(workflowDef("mask_wf_input", workerTask("t1", 0, obj{
		"v": "${workflow.input._secrets.tok}", "msg": "token=${workflow.input._secrets.tok}", "visible": "${workflow.input.visible}",
	})))
	id := b.startWorkflow("mask_wf_input", obj{"_secrets": obj{"tok": tok}, "visible": "hello"})
	require.Equal(t, obj{"_secrets": "***", "visible": "hello"}, b.execution(id)["input"])

	t1 := b.pollTask(itName(0))
	require.Equal(t, obj{"v": tok, "msg": "token=" + tok, "visible": "hello"}, t1["inputData"])
	t1ID := t1["taskId"].(string)
	require.Equal(t, obj{"v": "***", "msg": "token=***", "visible": "hello"}, b.getTask(t1ID)["inputData"])
	b.completeTask(t1, obj{"echo": "echo " + tok})
	require.Equal(t, obj{"echo": "echo ***"}, b.getTask(t1ID)["outputData"])

	wf := b.requireWorkflowStatus(id, "COMPLETED")
	require.Equal(t, obj{"_secrets": "***", "visible": "hello"}, wf["input"])
	require.Equal(t, obj{"echo": "echo ***"}, wf["output"])
	requireNoValues(t, "API responses", b.maskSurfaces(id), tok)
}

// TestMaskSecretsParameterMasksWorkflowInput: the Orkes docs' example
// `"_secrets": "${workflow.input.somedata}"` also masks somedata in the workflow input
// (orkes.md §2.2): values placed under _secrets join the masked set everywhere.
func TestMaskSecretsParameterMasksWorkflowInput(t *testing.T) {
	t.Parallel()
	b := setup(t)
	data := randomValue(t, "data-")
	b.registerIntegrationTasks(1)
	b.createWorkflow(workflowDef("mask_somedata", workerTask("t1", 0, obj{"_secrets": "${workflow.input.somedata}"})))
	id := b.startWorkflow("mask_somedata", obj{"somedata": data, "other": "x"})

	t1 := b.pollTask(itName(0))
	require.Equal(t, obj{"_secrets": data}, t1["inputData"])
	require.Equal(t, obj{"_secrets": "***"}, b.getTask(t1["taskId"].(string))["inputData"])
	b.completeTask(t1, obj{})
	wf := b.requireWorkflowStatus(id, "COMPLETED")
	require.Equal(t, obj{"somedata": "***", "other": "x"}, wf["input"], "a value under _secrets is masked in the workflow input too")
}

// ---------------------------------------------------------------------------------------------
// 7. A missing secret
// ---------------------------------------------------------------------------------------------

func TestMaskMissingSecretFailsTerminally(t *testing.T) {
	t.Parallel()
	b := setup(t)
	present := randomValue(t, "present-")
	b.maskPutSecret("present", present)
	b.registerIntegrationTasks(1)
	b.createWorkflow(workflowDef("mask_missing", workerTask("t1", 0, obj{
		"a": "${workflow.secrets.present}", "b": "Bearer ${workflow.secrets.absent_one}",
	})))
	id := b.startWorkflow("mask_missing", nil)

	wf := b.requireWorkflowStatus(id, "FAILED")
	t1 := taskByRef(t, wf, "t1")
	require.Equal(t, "FAILED_WITH_TERMINAL_ERROR", t1["status"])
	const reason = "Secret absent_one is not defined"
	require.Equal(t, reason, t1["reasonForIncompletion"])
	require.Equal(t, failedReason(t1, "FAILED", reason), wf["reasonForIncompletion"])
	require.Equal(t, "***", dig(t, t1, "inputData", "a"))
	require.Len(t, attemptsOf(t, wf, "t1"), 1, "a terminal error is not retried")
	b.requireNothingToPoll(itName(0))

	requireNoValues(t, "API responses", b.maskSurfaces(id), present)
	requireNoValues(t, "server log", b.logs.String(), present)
}

// ---------------------------------------------------------------------------------------------
// 8. UPDATE_SECRET
// ---------------------------------------------------------------------------------------------

func updateSecretTask(ref string, secrets any, kv ...any) obj {
	in := obj{}
	if secrets != nil {
		in["_secrets"] = secrets
	}
	return task(ref, "UPDATE_SECRET", append([]any{"inputParameters", in}, kv...)...)
}

func TestMaskUpdateSecretRegistrationNeedsKeyAndValue(t *testing.T) {
	t.Parallel()
	b := setup(t)
	for name, secrets := range map[string]any{
		"no_secrets": nil,
		"no_key":     obj{"secretValue": "v"},
		"no_value":   obj{"secretKey": "k"},
		"not_a_map":  "${workflow.input.x}",
	} {
		resp := b.do(http.MethodPost, workflowPath, workflowDef("upd_"+name, updateSecretTask("upd", secrets)))
		requireStatus(t, resp, http.StatusBadRequest)
		require.Contains(t, string(resp.Body), "inputParameters._secrets.secretKey", name)
	}
	b.createWorkflow(workflowDef("upd_ok", updateSecretTask("upd", obj{"secretKey": "${workflow.input.k}", "secretValue": "${workflow.input.v}"})))
}

func TestMaskUpdateSecretRotatesForLaterTasks(t *testing.T) {
	t.Parallel()
	b := setup(t)
	oldValue, newValue := randomValue(t, "old-"), randomValue(t, "new-")
	b.maskPutSecret("rot", oldValue)
	b.registerIntegrationTasks(2)
	b.createWorkflow(workflowDef("mask_rotate",
		updateSecretTask("upd", obj{"secretKey": "${workflow.input.key}", "secretValue": "${workflow.input._secrets.value}"}),
		workerTask("t1", 0, obj{"now": "${workflow.secrets.rot}"}),
		workerTask("t2", 1, obj{"later": "Bearer ${workflow.secrets.rot}"}),
	))
	id := b.startWorkflow("mask_rotate", obj{"key": "rot", "_secrets": obj{"value": newValue}})

	// The task right after the update (same decision) and one a decision later get the new value.
	t1 := b.pollTask(itName(0))
	require.Equal(t, obj{"now": newValue}, t1["inputData"])
	require.Equal(t, newValue, b.secretValue("rot"))
	require.Equal(t, obj{"now": "***"}, b.getTask(t1["taskId"].(string))["inputData"])
	b.completeTask(t1, obj{})
	t2 := b.pollTask(itName(1))
	require.Equal(t, obj{"later": "Bearer " + newValue}, t2["inputData"])
	require.Equal(t, obj{"later": "Bearer ***"}, b.getTask(t2["taskId"].(string))["inputData"])
	b.completeTask(t2, obj{})

	wf := b.requireWorkflowStatus(id, "COMPLETED")
	upd := taskByRef(t, wf, "upd")
	require.Equal(t, "COMPLETED", upd["status"])
	require.Equal(t, obj{"_secrets": "***"}, upd["inputData"])
	require.Equal(t, obj{}, upd["outputData"])
	requireNoValues(t, "API responses", b.maskSurfaces(id), oldValue, newValue)
	requireNoValues(t, "server log", b.logs.String(), oldValue, newValue)
}

func TestMaskUpdateSecretRunTimeErrors(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.maskPutSecret("rotating", "unchanged-value")
	b.createWorkflow(workflowDef("mask_upd_err",
		updateSecretTask("upd", obj{"secretKey": "${workflow.input.key}", "secretValue": "${workflow.input.value}"})))
	leak := randomValue(t, "leak-")
	cases := []struct {
		name  string
		input obj
		names string // what the reason must name
	}{
		{"missing key", obj{"value": leak}, "secretKey"},
		{"empty key", obj{"key": "", "value": leak}, "secretKey"},
		{"missing value", obj{"key": "rotating"}, "rotating"},
		{"null value", obj{"key": "rotating", "value": nil}, "rotating"},
		{"empty value", obj{"key": "rotating", "value": ""}, "rotating"},
		{"bad key", obj{"key": "bad.name", "value": leak}, "bad.name"},
	}
	reasons := make([]string, len(cases))
	for i, c := range cases {
		id := b.startWorkflow("mask_upd_err", c.input)
		wf := b.requireWorkflowStatus(id, "FAILED")
		upd := taskByRef(t, wf, "upd")
		require.Equal(t, "FAILED_WITH_TERMINAL_ERROR", upd["status"], c.name)
		reasons[i], _ = upd["reasonForIncompletion"].(string)
		require.NotContains(t, reasons[i], leak, c.name)
		require.NotContains(t, wf["reasonForIncompletion"], leak, c.name)
		require.Len(t, attemptsOf(t, wf, "upd"), 1, "%s: a terminal error is not retried", c.name)
	}
	require.Equal(t, "unchanged-value", b.secretValue("rotating"))
	require.Equal(t, []string{"rotating"}, b.secretNames(), "nothing stored by a failed update")
	// Names are not values (DESIGN.md §4): the reason names the secret, unmasked.
	for i, c := range cases {
		require.Contains(t, reasons[i], c.names, c.name)
	}
}

func TestMaskUpdateSecretOptionalContinues(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.registerIntegrationTasks(1)
	b.createWorkflow(workflowDef("mask_upd_opt",
		updateSecretTask("upd", obj{"secretKey": "${workflow.input.key}", "secretValue": "${workflow.input.value}"}, "optional", true),
		workerTask("t1", 0, obj{"x": "after"}),
	))
	id := b.startWorkflow("mask_upd_opt", obj{"key": "opt_key"})
	b.pollAndComplete(itName(0), obj{})
	wf := b.requireWorkflowStatus(id, "COMPLETED")
	upd := taskByRef(t, wf, "upd")
	require.Equal(t, "COMPLETED_WITH_ERRORS", upd["status"])
	require.False(t, b.secretExists("opt_key"))
	// Names are not values (DESIGN.md §4): the reason names the secret, unmasked.
	require.Contains(t, upd["reasonForIncompletion"], "opt_key")
}

func TestMaskUpdateSecretStoresMapsAsJSON(t *testing.T) {
	t.Parallel()
	b := setup(t)
	user := randomValue(t, "user-")
	b.registerIntegrationTasks(1)
	b.createWorkflow(workflowDef("mask_upd_map",
		updateSecretTask("upd", obj{"secretKey": "jsonsec", "secretValue": obj{
			"user": "${workflow.input.user}", "n": 7, "list": arr{true},
		}}),
		workerTask("t1", 0, obj{"user": "${workflow.secrets.jsonsec.user}", "whole": "${workflow.secrets.jsonsec}"}),
	))
	id := b.startWorkflow("mask_upd_map", obj{"user": user})

	stored := b.secretValue("jsonsec")
	require.JSONEq(t, `{"user":"`+user+`","n":7,"list":[true]}`, stored, "a map is stored JSON-encoded")
	t1 := b.pollTask(itName(0))
	require.Equal(t, user, dig(t, t1, "inputData", "user"))
	require.JSONEq(t, stored, dig(t, t1, "inputData", "whole").(string))
	require.Equal(t, obj{"user": "***", "whole": "***"}, b.getTask(t1["taskId"].(string))["inputData"])
	b.completeTask(t1, obj{})
	wf := b.requireWorkflowStatus(id, "COMPLETED")
	require.Equal(t, obj{"_secrets": "***"}, taskByRef(t, wf, "upd")["inputData"])
}

// ---------------------------------------------------------------------------------------------
// 9. outputFilter
// ---------------------------------------------------------------------------------------------

func TestMaskOutputFilterOnCompletion(t *testing.T) {
	t.Parallel()
	b := setup(t)
	tok := randomValue(t, "tok-")
	b.registerIntegrationTasks(3)
	filter1 := obj{"kept": "$${t1.output.a}", "_secrets": obj{"tok": "$${t1.output.token}"}}
	b.createWorkflow(workflowDef("mask_filter",
		workerTask("t1", 0, obj{"outputFilter": filter1}),
		workerTask("t2", 1, obj{"_outputFilters": obj{"only": "$${t2.output.b}"}}),
		workerTask("t3", 2, obj{"tok": "${t1.output._secrets.tok}", "kept": "${t1.output.kept}", "gone": "${t1.output.token}"}),
	))
	id := b.startWorkflow("mask_filter", nil)

	writtenFilter := obj{"kept": "${t1.output.a}", "_secrets": obj{"tok": "${t1.output.token}"}}
	t1 := b.pollTask(itName(0))
	t1ID := t1["taskId"].(string)
	require.Equal(t, obj{"outputFilter": writtenFilter}, b.getTask(t1ID)["inputData"], "the filter is shown as written")
	b.completeTask(t1, obj{"a": "A-value", "token": tok, "noise": "n"})
	require.Equal(t, obj{"kept": "A-value", "_secrets": "***"}, b.getTask(t1ID)["outputData"], "the filter result replaces the output")

	t2 := b.pollTask(itName(1))
	t2ID := t2["taskId"].(string)
	b.completeTask(t2, obj{"b": "B", "c": "C"})
	require.Equal(t, obj{"only": "B"}, b.getTask(t2ID)["outputData"], "_outputFilters is an alias")
	require.Equal(t, obj{"_outputFilters": obj{"only": "${t2.output.b}"}}, b.getTask(t2ID)["inputData"])

	t3 := b.pollTask(itName(2))
	require.Equal(t, obj{"tok": tok, "kept": "A-value", "gone": nil}, t3["inputData"], "downstream sees the filtered, real output")
	require.Equal(t, obj{"tok": "***", "kept": "A-value", "gone": nil}, b.getTask(t3["taskId"].(string))["inputData"])
	b.completeTask(t3, obj{})

	wf := b.requireWorkflowStatus(id, "COMPLETED")
	require.Equal(t, obj{"outputFilter": writtenFilter}, taskByRef(t, wf, "t1")["inputData"])
	require.Equal(t, obj{"kept": "A-value", "_secrets": "***"}, taskByRef(t, wf, "t1")["outputData"])
	requireNoValues(t, "API responses", b.maskSurfaces(id), tok)
}

func TestMaskOutputFilterNotAppliedOnFailure(t *testing.T) {
	t.Parallel()
	b := setup(t)
	key := randomValue(t, "key-")
	b.maskPutSecret("k", key)
	b.registerTaskDefs(integrationTaskDef(0, "retryCount", 0))
	b.createWorkflow(workflowDef("mask_filter_fail",
		workerTask("f1", 0, obj{"k": "${workflow.secrets.k}", "outputFilter": obj{"kept": "$${f1.output.a}"}})))
	id := b.startWorkflow("mask_filter_fail", nil)

	f1 := b.pollTask(itName(0))
	require.Equal(t, key, dig(t, f1, "inputData", "k"))
	b.updateTask(f1, "FAILED", obj{"a": "A", "raw": "raw " + key}, "reasonForIncompletion", "boom")
	wf := b.requireWorkflowStatus(id, "FAILED")
	task := taskByRef(t, wf, "f1")
	require.Equal(t, "FAILED", task["status"])
	require.Equal(t, obj{"a": "A", "raw": "raw ***"}, task["outputData"], "a failed output is kept raw, value-masked")
	require.Equal(t, obj{"k": "***", "outputFilter": obj{"kept": "${f1.output.a}"}}, task["inputData"])
	requireNoValues(t, "API responses", b.maskSurfaces(id), key)
}

// ---------------------------------------------------------------------------------------------
// 10. SET_VARIABLE
// ---------------------------------------------------------------------------------------------

func TestMaskSetVariable(t *testing.T) {
	t.Parallel()
	b := setup(t)
	key := randomValue(t, "key-")
	b.maskPutSecret("k", key)
	b.registerIntegrationTasks(1)
	b.createWorkflow(workflowDef("mask_setvar",
		task("setvar", "SET_VARIABLE", "inputParameters", obj{
			"tok": "${workflow.secrets.k}", "hdr": "Bearer ${workflow.secrets.k}", "plain": "visible",
		}),
		workerTask("t1", 0, obj{"fromVar": "${workflow.variables.tok}", "hdr": "${workflow.variables.hdr}"}),
	))
	id := b.startWorkflow("mask_setvar", nil)

	wf := b.execution(id)
	require.Equal(t, obj{"tok": "***", "hdr": "Bearer ***", "plain": "visible"}, wf["variables"])
	setvar := taskByRef(t, wf, "setvar")
	require.Equal(t, "COMPLETED", setvar["status"])
	require.Equal(t, obj{"tok": "***", "hdr": "Bearer ***", "plain": "visible"}, setvar["inputData"])

	t1 := b.pollTask(itName(0))
	require.Equal(t, obj{"fromVar": "***", "hdr": "Bearer ***"}, b.getTask(t1["taskId"].(string))["inputData"])
	b.completeTask(t1, obj{})
	wf = b.requireWorkflowStatus(id, "COMPLETED")
	require.Equal(t, obj{"tok": "***", "hdr": "Bearer ***", "plain": "visible"}, wf["variables"])
	requireNoValues(t, "API responses", b.maskSurfaces(id), key)
	require.Equal(t, obj{"fromVar": key, "hdr": "Bearer " + key}, t1["inputData"],
		"downstream references to workflow.variables must see the real value")
}

// ---------------------------------------------------------------------------------------------
// 11. Short values
// ---------------------------------------------------------------------------------------------

func TestMaskShortValuesOnlyAsWholeStrings(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.maskPutSecret("short", "ab1")
	b.maskPutSecret("four", "wxyz")
	b.maskPutSecret("num", "123")
	b.registerIntegrationTasks(1)
	b.createWorkflow(workflowDef("mask_short", workerTask("t1", 0, obj{
		"whole": "${workflow.secrets.short}", "embedded": "xx-${workflow.secrets.short}-yy",
		"four": "a${workflow.secrets.four}b", "n": "${workflow.secrets.num}",
	})))
	id := b.startWorkflow("mask_short", nil)

	t1 := b.pollTask(itName(0))
	require.Equal(t, obj{"whole": "ab1", "embedded": "xx-ab1-yy", "four": "awxyzb", "n": "123"}, t1["inputData"])
	t1ID := t1["taskId"].(string)
	require.Equal(t, obj{"whole": "***", "embedded": "xx-ab1-yy", "four": "a***b", "n": "***"}, b.getTask(t1ID)["inputData"],
		"a value under 4 characters is masked only where a whole string equals it")

	b.completeTask(t1, obj{"exact": "ab1", "inside": "cab1e", "four": "wxyz-tail", "num": 123, "numText": "1234", "list": arr{"ab1", "ab12"}})
	require.Equal(t, obj{
		"exact": "***", "inside": "cab1e", "four": "***-tail", "num": "***", "numText": "1234", "list": arr{"***", "ab12"},
	}, b.getTask(t1ID)["outputData"])
	b.requireWorkflowStatus(id, "COMPLETED")
}
