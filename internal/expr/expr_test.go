package expr_test

import (
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/tidwall/gjson"

	"github.com/podiumhq/podium/internal/expr"
)

func TestParsePath(t *testing.T) {
	t.Parallel()
	doc := `{"workflow":{"input":{"a":{"b":7},"list":[{"id":"x"},{"id":"y"}],"odd.key":1,"k y":2}},
		"t1":{"output":{"items":[10,20,30]}}}`
	for _, tc := range []struct {
		path, root, gjson, want string
	}{
		{"workflow.input.a.b", "workflow", "workflow.input.a.b", "7"},
		{"$.workflow.input.a.b", "workflow", "workflow.input.a.b", "7"},
		{"t1.output.items[1]", "t1", "t1.output.items.1", "20"},
		{"t1.output['items'][2]", "t1", "t1.output.items.2", "30"},
		{`workflow.input["odd.key"]`, "workflow", `workflow.input.odd\.key`, "1"},
		{"workflow.input['k y']", "workflow", "workflow.input.k y", "2"},
		{"workflow.input.list[*].id", "workflow", "workflow.input.list.#.id", `["x","y"]`},
		{"CPEWF_TASK_ID", "CPEWF_TASK_ID", "CPEWF_TASK_ID", ""},
		{"$['t1'].output.items[0]", "t1", "t1.output.items.0", "10"},
	} {
		t.Run(tc.path, func(t *testing.T) {
			t.Parallel()
			p, err := expr.ParsePath(tc.path)
			require.NoError(t, err)
			require.Equal(t, tc.root, p.Root())
			require.Equal(t, tc.gjson, p.GJSON())
			require.Equal(t, tc.want, gjson.Get(doc, p.GJSON()).Raw)
		})
	}
}

func TestParsePathLength(t *testing.T) {
	t.Parallel()
	p, err := expr.ParsePath("t1.output.items.length()")
	require.NoError(t, err)
	require.True(t, p.HasLength())
	require.Equal(t, "t1.output.items", p.GJSON())
}

func TestParsePathRejectsUnsupported(t *testing.T) {
	t.Parallel()
	for _, path := range []string{
		"t1.output..id",
		"t1.output.items[?(@.a > 1)]",
		"t1.output.items[-1]",
		"t1.output.items[0:2]",
		"t1.output.items[",
		"t1.output.",
		".t1",
		"t1.output['a','b']",
		"t1.length().x",
		"t1.fn()",
	} {
		t.Run(path, func(t *testing.T) {
			t.Parallel()
			_, err := expr.ParsePath(path)
			require.Error(t, err)
		})
	}
}

func TestParseTemplate(t *testing.T) {
	t.Parallel()
	t.Run("single expression keeps type", func(t *testing.T) {
		t.Parallel()
		tmpl, err := expr.ParseTemplate("${workflow.input.a}")
		require.NoError(t, err)
		e, ok := tmpl.Single()
		require.True(t, ok)
		require.Equal(t, "workflow", e.Path.Root())
	})
	t.Run("embedded expressions", func(t *testing.T) {
		t.Parallel()
		tmpl, err := expr.ParseTemplate("Bearer ${workflow.secrets.token} for ${t1.output.user}!")
		require.NoError(t, err)
		_, single := tmpl.Single()
		require.False(t, single)
		parts := tmpl.Parts()
		require.Len(t, parts, 5)
		require.Equal(t, "Bearer ", parts[0].Text)
		require.Equal(t, "workflow.secrets.token", parts[1].Expr.Path.String())
		require.Equal(t, "!", parts[4].Text)
	})
	t.Run("escape is literal", func(t *testing.T) {
		t.Parallel()
		tmpl, err := expr.ParseTemplate("$${retrieve_token.output.response.body.token}")
		require.NoError(t, err)
		require.False(t, tmpl.HasExpressions())
		require.Equal(t, "${retrieve_token.output.response.body.token}", tmpl.Parts()[0].Text)
	})
	t.Run("nested expression is dynamic", func(t *testing.T) {
		t.Parallel()
		tmpl, err := expr.ParseTemplate("${workflow.input.${workflow.input.key}}")
		require.NoError(t, err)
		e, ok := tmpl.Single()
		require.True(t, ok)
		require.NotNil(t, e.Dynamic)
		paths := tmpl.StaticPaths()
		require.Len(t, paths, 1)
		require.Equal(t, "workflow.input.key", paths[0].String())
	})
	t.Run("unterminated is literal", func(t *testing.T) {
		t.Parallel()
		tmpl, err := expr.ParseTemplate("price ${workflow.input")
		require.NoError(t, err)
		require.False(t, tmpl.HasExpressions())
	})
	t.Run("invalid path fails", func(t *testing.T) {
		t.Parallel()
		_, err := expr.ParseTemplate("x ${t1.output..id}")
		require.ErrorIs(t, err, expr.ErrUnsupportedPath)
	})
}

func TestWalkStrings(t *testing.T) {
	t.Parallel()
	var seen []string
	expr.WalkStrings(map[string]any{"b": []any{"x", 1, map[string]any{"c": "y"}}, "a": "z"}, "in", func(path, s string) {
		seen = append(seen, path+"="+s)
	})
	require.Equal(t, []string{"in.a=z", "in.b[0]=x", "in.b[2].c=y"}, seen)
}
