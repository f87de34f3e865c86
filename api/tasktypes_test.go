package api_test

import (
	"context"
	"fmt"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"
)

// unsupportedTypes are the Conductor and Orkes system task types this server does not execute
// yet. Each must be refused, never queued for workers under its name.
var unsupportedTypes = []string{
	"FORK",
	"KAFKA_PUBLISH", "USER_DEFINED", "BUSINESS_RULE", "GET_SIGNED_JWT", "JDBC", "HTTP_POLL",
	"WAIT_FOR_WEBHOOK", "LLM_CHAT_COMPLETE",
}

// unsupportedError is the validation error naming an unsupported task at path.
func unsupportedError(path, typ, ref string) string {
	return fmt.Sprintf("%s.type: task type %s (taskReferenceName: %s) is not supported by this server", path, typ, ref)
}

// requireValidationIncludes requires a 400 validation answer listing want among its errors.
func requireValidationIncludes(t *testing.T, resp response, want string) {
	t.Helper()
	requireStatus(t, resp, http.StatusBadRequest)
	e := resp.Error(t)
	got := make([]string, len(e.ValidationErrors))
	for i, fe := range e.ValidationErrors {
		got[i] = fe.Path + ": " + fe.Message
	}
	require.Contains(t, got, want)
}

func TestUnsupportedTaskTypesAreRefused(t *testing.T) {
	t.Parallel()
	b := setup(t)
	for _, typ := range unsupportedTypes {
		t.Run(typ, func(t *testing.T) {
			name := "uses_" + typ
			// At the top level, after a valid task.
			def := workflowDef(name, simple("first"), task("sys", typ))
			requireValidationIncludes(t, b.do(http.MethodPost, workflowPath, def), unsupportedError("tasks[1]", typ, "sys"))
			requireValidationIncludes(t, b.do(http.MethodPost, workflowPath+"/validate", def), unsupportedError("tasks[1]", typ, "sys"))
			requireValidationIncludes(t, b.do(http.MethodPut, workflowPath, arr{def}), unsupportedError("[0].tasks[1]", typ, "sys"))

			// Nested in a switch branch.
			nested := workflowDef(name, task("route", "SWITCH", "evaluatorType", "value-param", "expression", "k",
				"inputParameters", obj{"k": "${workflow.input.k}"},
				"decisionCases", obj{"a": arr{task("deep", typ)}}))
			requireValidationIncludes(t, b.do(http.MethodPost, workflowPath, nested),
				unsupportedError("tasks[0].decisionCases.a[0]", typ, "deep"))

			// As an inline definition at start: refused, nothing started.
			resp := b.do(http.MethodPost, executionPath, obj{"name": name, "workflowDef": def})
			requireStatus(t, resp, http.StatusBadRequest)
			require.Contains(t, string(resp.Body), fmt.Sprintf("task type %s (taskReferenceName: sys) is not supported", typ))

			b.requireWorkflowAbsent(name)
			b.requireNothingToPoll(typ)
		})
	}
	b.requireNoWorkflows()
	var started int
	require.NoError(t, b.dbConn().QueryRow(context.Background(), `SELECT count(*) FROM workflows`).Scan(&started))
	require.Zero(t, started, "no refused inline definition started a workflow")
}

func TestSupportedSystemTypesStillRegister(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.createWorkflow(workflowDef("all_supported",
		task("route", "SWITCH", "evaluatorType", "value-param", "expression", "k",
			"inputParameters", obj{"k": "a"}, "decisionCases", obj{"a": arr{task("noop", "NOOP")}}),
		task("decide", "DECISION", "caseValueParam", "k", "inputParameters", obj{"k": "a"},
			"decisionCases", obj{"a": arr{task("vars", "SET_VARIABLE", "inputParameters", obj{"x": 1})}}),
		task("script", "INLINE", "inputParameters", obj{"evaluatorType": "javascript", "expression": "1"}),
		task("legacy_script", "LAMBDA", "inputParameters", obj{"scriptExpression": "return 1;"}),
		task("reshape", "JSON_JQ_TRANSFORM", "inputParameters", obj{"queryExpression": "."}),
		task("call", "HTTP", "inputParameters", obj{"uri": "http://example.invalid"}),
		task("pause", "WAIT"),
		task("store", "UPDATE_SECRET", "inputParameters", obj{"_secrets": obj{"secretKey": "k", "secretValue": "v"}}),
		task("worker", "SIMPLE"),
		task("custom", "MY_CUSTOM_TYPE"),
		task("fan", "FORK_JOIN", "forkTasks", arr{arr{simple("left")}, arr{simple("right")}}),
		task("fan_join", "JOIN", "joinOn", arr{"left", "right"}),
		task("repeat", "DO_WHILE", "loopCondition", "false", "loopOver", arr{simple("again")}),
		task("stop", "TERMINATE", "inputParameters", obj{"terminationStatus": "COMPLETED"}),
	))
	require.NotEmpty(t, b.getWorkflow("all_supported", ""))
}

// A definition stored before unsupported types were refused must not turn the type into a
// worker queue either: the task fails for good, naming the type.
func TestStoredUnsupportedTypeFailsInsteadOfQueueing(t *testing.T) {
	t.Parallel()
	b := setup(t)
	_, err := b.dbConn().Exec(context.Background(), `INSERT INTO workflow_defs (name, version, definition, create_time)
		VALUES ('legacy_kafka', 1, $1, now())`, `{"name": "legacy_kafka", "version": 1, "schemaVersion": 2,
		"tasks": [{"name": "publish", "taskReferenceName": "publish", "type": "KAFKA_PUBLISH",
			"inputParameters": {"kafka_request": {"topic": "t", "value": "v"}}},
			{"name": "a", "taskReferenceName": "a", "type": "SIMPLE"}]}`)
	require.NoError(t, err)

	id := b.startWorkflow("legacy_kafka", nil)
	wf := b.requireWorkflowStatus(id, "FAILED")
	tasks := wf["tasks"].(arr)
	require.Len(t, tasks, 1, "nothing after the refused task is scheduled")
	publish := tasks[0].(obj)
	require.Equal(t, "FAILED_WITH_TERMINAL_ERROR", publish["status"])
	require.Equal(t, "task type KAFKA_PUBLISH (taskReferenceName: publish) is not supported by this server", publish["reasonForIncompletion"])
	b.requireNothingToPoll("KAFKA_PUBLISH")
	b.requireNothingToPoll("a")
}
