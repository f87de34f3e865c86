package conductor_test

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/podiumhq/podium/internal/conductor"
)

func TestWorkflowDefRoundTripKeepsUnknownMembers(t *testing.T) {
	t.Parallel()
	in := `{
		"name": "wf", "version": 3, "futureTop": {"a": [1, 2]}, "inputSchema": {"type": "object"},
		"tasks": [{
			"name": "sw", "taskReferenceName": "sw", "type": "SWITCH", "evaluatorType": "value-param",
			"expression": "k", "items": "${workflow.input.list}",
			"decisionCases": {"a": [{"name": "w", "taskReferenceName": "w", "cacheConfig": {"ttlInSecond": 5}}]},
			"subWorkflowParam": {"name": "child", "futureParam": true},
			"taskDefinition": {"name": "w", "runtimeMetadata": ["x"]}
		}],
		"outputParameters": {"big": 9007199254740993}
	}`
	var def conductor.WorkflowDef
	require.NoError(t, json.Unmarshal([]byte(in), &def))
	require.Equal(t, 3, def.Version)
	require.Equal(t, "SIMPLE", def.Tasks[0].DecisionCases["a"][0].Type, "type defaults to SIMPLE")

	out, err := json.Marshal(def)
	require.NoError(t, err)
	var got map[string]any
	require.NoError(t, json.Unmarshal(out, &got))

	require.Equal(t, map[string]any{"a": []any{1.0, 2.0}}, got["futureTop"])
	require.Equal(t, map[string]any{"type": "object"}, got["inputSchema"])
	task := got["tasks"].([]any)[0].(map[string]any)
	require.Equal(t, "${workflow.input.list}", task["items"])
	nested := task["decisionCases"].(map[string]any)["a"].([]any)[0].(map[string]any)
	require.Equal(t, map[string]any{"ttlInSecond": 5.0}, nested["cacheConfig"])
	require.Equal(t, true, task["subWorkflowParam"].(map[string]any)["futureParam"])
	require.Equal(t, []any{"x"}, task["taskDefinition"].(map[string]any)["runtimeMetadata"])
	require.Contains(t, string(out), `"big":9007199254740993`, "numbers keep full precision")
}

func TestWorkflowDefDefaults(t *testing.T) {
	t.Parallel()
	var def conductor.WorkflowDef
	require.NoError(t, json.Unmarshal([]byte(`{"name":"wf","tasks":[{"name":"a","taskReferenceName":"a"}]}`), &def))
	out, err := json.Marshal(def)
	require.NoError(t, err)
	var got map[string]any
	require.NoError(t, json.Unmarshal(out, &got))
	for key, want := range map[string]any{
		"version": 1.0, "schemaVersion": 2.0, "restartable": true, "timeoutPolicy": "ALERT_ONLY",
		"timeoutSeconds": 0.0, "inputParameters": []any{}, "outputParameters": map[string]any{},
		"variables": map[string]any{}, "inputTemplate": map[string]any{}, "maskedFields": []any{},
		"enforceSchema": true, "workflowStatusListenerEnabled": false,
	} {
		require.Equal(t, want, got[key], key)
	}
	require.NotContains(t, got, "description", "absent strings are omitted, not null")
	task := got["tasks"].([]any)[0].(map[string]any)
	for key, want := range map[string]any{
		"type": "SIMPLE", "inputParameters": map[string]any{}, "decisionCases": map[string]any{},
		"defaultCase": []any{}, "forkTasks": []any{}, "joinOn": []any{}, "loopOver": []any{},
		"optional": false, "asyncComplete": false, "startDelay": 0.0,
	} {
		require.Equal(t, want, task[key], "tasks[0]."+key)
	}
	require.NotContains(t, task, "retryCount", "an unset retryCount override stays absent")
}

func TestWorkflowDefExplicitValuesBeatDefaults(t *testing.T) {
	t.Parallel()
	var def conductor.WorkflowDef
	require.NoError(t, json.Unmarshal([]byte(`{"name":"wf","restartable":false,"enforceSchema":false,"schemaVersion":1}`), &def))
	require.False(t, def.Restartable)
	require.False(t, def.EnforceSchema)
	require.Equal(t, 1, def.SchemaVersion)
}

func TestTaskDefDefaultsAndExplicitZero(t *testing.T) {
	t.Parallel()
	var def conductor.TaskDef
	require.NoError(t, json.Unmarshal([]byte(`{"name":"t","retryCount":0,"ownerApp":"x","inputSchema":{"k":1}}`), &def))
	require.Equal(t, 0, def.RetryCount, "explicit 0 is kept")
	require.Equal(t, conductor.TaskTimeOutWF, def.TimeoutPolicy)
	require.Equal(t, conductor.RetryFixed, def.RetryLogic)
	require.EqualValues(t, 3600, def.ResponseTimeoutSeconds)
	require.Equal(t, 60, def.RetryDelaySeconds)

	out, err := json.Marshal(def)
	require.NoError(t, err)
	require.Contains(t, string(out), `"inputSchema":{"k":1}`)
	require.Contains(t, string(out), `"inputKeys":[]`)
	require.Contains(t, string(out), `"retryCount":0`)
}

func TestDecodeRejectsWrongTypes(t *testing.T) {
	t.Parallel()
	var def conductor.WorkflowDef
	var typeErr *json.UnmarshalTypeError
	err := json.Unmarshal([]byte(`{"name":"wf","version":"abc"}`), &def)
	require.ErrorAs(t, err, &typeErr)
	require.Equal(t, "version", typeErr.Field)
}

func TestValidationErrorsKind(t *testing.T) {
	t.Parallel()
	var errs conductor.ValidationErrors
	require.NoError(t, errs.Err())
	errs.Add("name", "WorkflowDef name cannot be null or empty", nil)
	require.ErrorIs(t, errs.Err(), conductor.ErrInvalid)
	require.ErrorIs(t, conductor.NotFoundf("No such workflow found by id: %s", "x"), conductor.ErrNotFound)
	require.NotErrorIs(t, conductor.NotFoundf("x"), conductor.ErrConflict)
	require.EqualError(t, conductor.Conflictf("Workflow with %s.%d already exists!", "a", 1), "Workflow with a.1 already exists!")
}

func TestDecodeMatchesJacksonRules(t *testing.T) {
	t.Parallel()
	var def conductor.TaskDef
	require.NoError(t, json.Unmarshal([]byte(`{"name":"a","Name":"b","retryCount":null,"RetryLogic":"X"}`), &def))
	require.Equal(t, "a", def.Name, "member names are case-sensitive")
	require.Equal(t, 0, def.RetryCount, "null sets the zero value, not the default")
	require.Equal(t, conductor.RetryFixed, def.RetryLogic, "a differently cased member does not set the field")
	require.Equal(t, json.RawMessage(`"b"`), def.Extra["Name"], "and survives as an unknown member")
	require.Equal(t, json.RawMessage(`"X"`), def.Extra["RetryLogic"])
}
