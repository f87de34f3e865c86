package api_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/podiumhq/podium/internal/conductor"
	"github.com/podiumhq/podium/internal/metadata"
)

// Small limits keep the definitions of these tests small.
var testDefLimits = metadata.DefinitionLimits{MaxDepth: 3, MaxTasks: 10, MaxBytes: 4096}

// limitTask is a SET_VARIABLE task.
func limitTask(ref string) conductor.WorkflowTask {
	return conductor.WorkflowTask{Name: ref, TaskReferenceName: ref, Type: conductor.TaskTypeSetVariable,
		InputParameters: map[string]any{"v": "${workflow.input.x}"}}
}

// nestedDef nests depth levels of SWITCH tasks (its tasks sit depth levels deep).
func nestedDef(name string, depth int) *conductor.WorkflowDef {
	def := conductor.NewWorkflowDef()
	def.Name = name
	var level func(d int) []conductor.WorkflowTask
	level = func(d int) []conductor.WorkflowTask {
		ref := fmt.Sprintf("t%d", d)
		if d == depth {
			return []conductor.WorkflowTask{limitTask(ref)}
		}
		return []conductor.WorkflowTask{{Name: ref, TaskReferenceName: ref, Type: conductor.TaskTypeSwitch,
			EvaluatorType: "value-param", Expression: "x", InputParameters: map[string]any{"x": "${workflow.input.x}"},
			DecisionCases: map[string][]conductor.WorkflowTask{"a": level(d + 1)}}}
	}
	def.Tasks = level(1)
	return &def
}

// chainDef is n tasks in a row.
func chainDef(name string, n int) *conductor.WorkflowDef {
	def := conductor.NewWorkflowDef()
	def.Name = name
	for i := range n {
		def.Tasks = append(def.Tasks, limitTask(fmt.Sprintf("t%d", i)))
	}
	return &def
}

// sizedDef is a one-task definition of exactly size bytes as JSON.
func sizedDef(t *testing.T, name string, size int) *conductor.WorkflowDef {
	t.Helper()
	def := chainDef(name, 1)
	data, err := json.Marshal(def)
	require.NoError(t, err)
	def.Description = strings.Repeat("d", size-len(data)-len(`,"description":""`))
	data, err = json.Marshal(def)
	require.NoError(t, err)
	require.Len(t, data, size)
	return def
}

// requireLimitError checks a 400 with Conductor's validation body naming the setting.
func requireLimitError(t *testing.T, resp response, setting string) {
	t.Helper()
	require.Equal(t, http.StatusBadRequest, resp.Status, "body: %s", resp.Body)
	e := resp.Error(t)
	require.True(t, strings.HasPrefix(e.Message, conductor.ValidationMessage), "message: %s", e.Message)
	require.Len(t, e.ValidationErrors, 1)
	require.Contains(t, e.ValidationErrors[0].Message, setting)
}

func TestDefinitionLimits(t *testing.T) {
	t.Parallel()
	b := newMetadataBundle(t, func(c *metadata.Config) { c.Limits = testDefLimits })
	for _, tc := range []struct {
		name    string
		ok, bad *conductor.WorkflowDef
		setting string
	}{
		{"depth", nestedDef("depth_ok", 3), nestedDef("depth_bad", 4), "PODIUM_DEF_MAX_DEPTH"},
		{"tasks", chainDef("tasks_ok", 10), chainDef("tasks_bad", 11), "PODIUM_DEF_MAX_TASKS"},
		{"bytes", sizedDef(t, "bytes_ok", 4096), sizedDef(t, "bytes_bad", 4097), "PODIUM_DEF_MAX_BYTES"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			require.Equal(t, http.StatusOK, b.do(http.MethodPost, workflowPath, tc.ok).Status)
			require.Equal(t, http.StatusOK, b.do(http.MethodGet, workflowPath+"/"+tc.ok.Name, nil).Status)

			requireLimitError(t, b.do(http.MethodPost, workflowPath, tc.bad), tc.setting)
			requireLimitError(t, b.do(http.MethodPost, workflowPath+"/validate", tc.bad), tc.setting)
			resp := b.do(http.MethodPut, workflowPath, []*conductor.WorkflowDef{tc.ok, tc.bad})
			requireLimitError(t, resp, tc.setting)
			require.True(t, strings.HasPrefix(resp.Error(t).ValidationErrors[0].Path, "[1]."), "path names the definition")
			require.Equal(t, http.StatusNotFound, b.do(http.MethodGet, workflowPath+"/"+tc.bad.Name, nil).Status, "nothing stored")

			start := map[string]any{"name": tc.bad.Name, "input": map[string]any{"x": "a"}, "workflowDef": tc.bad}
			requireLimitError(t, b.do(http.MethodPost, "/api/workflow", start), tc.setting)
			start = map[string]any{"name": tc.ok.Name, "input": map[string]any{"x": "a"}, "workflowDef": tc.ok}
			require.Equal(t, http.StatusOK, b.do(http.MethodPost, "/api/workflow", start).Status)
		})
	}
}

// A body nested thousands of levels deep is refused before it is decoded.
func TestDefinitionLimitsDeepJSON(t *testing.T) {
	t.Parallel()
	b := newBundle(t, nil)
	// Built as text: encoding it through the types would itself cost depth × size.
	const depth = 3000
	var sb strings.Builder
	sb.WriteString(`{"name":"very_deep","tasks":`)
	for i := range depth {
		fmt.Fprintf(&sb, `[{"name":"s%d","taskReferenceName":"s%d","type":"SWITCH","evaluatorType":"value-param","expression":"x","decisionCases":{"a":`, i, i)
	}
	sb.WriteString(`[{"name":"leaf","taskReferenceName":"leaf","type":"SET_VARIABLE"}]`)
	sb.WriteString(strings.Repeat(`}}]`, depth) + `}`)
	data := sb.String()
	var check any
	require.NoError(t, json.Unmarshal([]byte(data), &check), "the body is valid JSON")
	requireLimitError(t, b.do(http.MethodPost, workflowPath, data), "PODIUM_DEF_MAX_DEPTH")
	start := fmt.Sprintf(`{"name":"very_deep","input":{},"workflowDef":%s}`, data)
	requireLimitError(t, b.do(http.MethodPost, "/api/workflow", start), "PODIUM_DEF_MAX_DEPTH")
	require.Equal(t, http.StatusNotFound, b.do(http.MethodGet, workflowPath+"/very_deep", nil).Status)
}
