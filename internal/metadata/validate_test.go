package metadata_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/podiumhq/podium/internal/conductor"
)

// twoTaskDef is a definition of the SIMPLE tasks t1 and t2, t2 with the given inputParameters.
func twoTaskDef(name string, in map[string]any) *conductor.WorkflowDef {
	def := simpleDef(name, "t1")
	def.Tasks = append(def.Tasks, conductor.WorkflowTask{Name: "t2", TaskReferenceName: "t2", Type: conductor.TaskTypeSimple, InputParameters: in})
	return def
}

// Deep scans and filters are registered; a malformed or unsupported one is refused with a
// validation error (400 at the API) naming the field, and the root of such a path must still
// be the workflow or a task of the definition.
func TestRegistrationOfDeepScansAndFilters(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, _ := newService(t)

	in := map[string]any{
		"ids":     "${t1.output..id}",
		"fromTop": "${$.t1.output..[0]}",
		"books":   "${workflow.input.items[?(@.type == 'book' && @.price < 10)].title}",
		"flags":   `${t1.output.items[?(@.enabled == true || @.isbn || @.kind == "x")]}`,
		"named":   "${workflow.input.users[?(@.name =~ /an.*/i)].id}",
		"text":    "ids: ${t1.output..[?(!@.hidden)].id}",
	}
	def := twoTaskDef("queries_wf", in)
	def.OutputParameters = map[string]any{"titles": "${t2.input..title}"}
	require.NoError(t, s.CreateWorkflowDef(ctx, def, false))
	stored := snapshot(t, s, "queries_wf")
	require.Equal(t, in, stored.Tasks[1].InputParameters)

	for _, tc := range []struct {
		name, value, msg string
	}{
		{"malformed filter", "${t1.output.items[?(@.a ==)]}",
			`expression ${t1.output.items[?(@.a ==)]}: invalid path "t1.output.items[?(@.a ==)]": filter [?(@.a ==)]: unexpected ')'`},
		{"unterminated filter", "${t1.output.items[?(@.a == 1]}",
			`expression ${t1.output.items[?(@.a == 1]}: invalid path "t1.output.items[?(@.a == 1]": filter [?(@.a == 1]: unexpected ']'`},
		{"unsupported operator", "${t1.output.items[?(@.a in ['x'])]}",
			`expression ${t1.output.items[?(@.a in ['x'])]}: invalid path "t1.output.items[?(@.a in ['x'])]": filter [?(@.a in ['x'])]: unsupported JSONPath: the filter operator in`},
		{"deep scan under workflow.secrets", "${workflow.secrets..token}",
			`expression ${workflow.secrets..token}: unsupported JSONPath "workflow.secrets..token": a deep scan or filter under workflow.secrets is not supported, name the secret`},
		{"filter on an unknown task", "${ghost.output.items[?(@.a)]}",
			`${ghost.output.items[?(@.a)]} in task t2: "ghost" is neither a task reference of workflow bad_wf nor workflow.* or a system parameter`},
		{"deep scan of an unknown task", "${ghost.output..id}",
			`${ghost.output..id} in task t2: "ghost" is neither a task reference of workflow bad_wf nor workflow.* or a system parameter`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			err := s.CreateWorkflowDef(ctx, twoTaskDef("bad_wf", map[string]any{"x": tc.value}), false)
			require.ErrorIs(t, err, conductor.ErrInvalid)
			var verrs conductor.ValidationErrors
			require.ErrorAs(t, err, &verrs)
			require.Equal(t, conductor.ValidationErrors{{Path: "tasks[1].inputParameters.x", Message: tc.msg, InvalidValue: tc.value}}, verrs)
		})
	}
}
