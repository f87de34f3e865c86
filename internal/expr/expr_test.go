package expr_test

import (
	"errors"
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
		{"workflow.input.list.*.id", "workflow", "workflow.input.list.#.id", `["x","y"]`},
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

// Deep scans and filters parse to segments of their own; a filter keeps its text.
func TestParsePathQueries(t *testing.T) {
	t.Parallel()
	key := func(k string) expr.Segment { return expr.Segment{Kind: expr.SegmentKey, Key: k} }
	scan := expr.Segment{Kind: expr.SegmentDeepScan}
	wildcard := expr.Segment{Kind: expr.SegmentWildcard}
	filter := func(f string) expr.Segment { return expr.Segment{Kind: expr.SegmentFilter, Key: f} }
	for _, tc := range []struct {
		path string
		root string
		segs []expr.Segment
	}{
		{"t1.output..id", "t1", []expr.Segment{key("t1"), key("output"), scan, key("id")}},
		{"$.t1.output..['odd key']", "t1", []expr.Segment{key("t1"), key("output"), scan, key("odd key")}},
		{"t1..[0]", "t1", []expr.Segment{key("t1"), scan, {Kind: expr.SegmentIndex}}},
		{"t1.output..*", "t1", []expr.Segment{key("t1"), key("output"), scan, wildcard}},
		{"$..id", "", []expr.Segment{scan, key("id")}},
		{"workflow.input.items[?(@.type == 'book')].price", "workflow",
			[]expr.Segment{key("workflow"), key("input"), key("items"), filter("(@.type == 'book')"), key("price")}},
		{"t1.output[ ?(@.a[0] == ']' || @['b)'] > 1) ]", "t1",
			[]expr.Segment{key("t1"), key("output"), filter("(@.a[0] == ']' || @['b)'] > 1)")}},
		{`t1.output..[?(@.x =~ /a\)]b/i)].y`, "t1", []expr.Segment{key("t1"), key("output"), scan, filter(`(@.x =~ /a\)]b/i)`), key("y")}},
		{"$[?(@.isbn)]", "", []expr.Segment{filter("(@.isbn)")}},
	} {
		t.Run(tc.path, func(t *testing.T) {
			t.Parallel()
			p, err := expr.ParsePath(tc.path)
			require.NoError(t, err)
			require.Equal(t, tc.root, p.Root())
			require.Equal(t, tc.segs, p.Segments())
			require.Empty(t, p.GJSON(), "gjson has no such path")
		})
	}
}

// Filters accept Jayway's syntax; RFC 9535's own forms and Jayway's other operators are refused.
func TestParsePathFilters(t *testing.T) {
	t.Parallel()
	for _, f := range []string{
		"(@.type == 'book')", `(@.type == "book")`, "(@.price < 10)", "(@.price <= 10.5)", "(@.n >= -1e3)",
		"(@.enabled == true)", "(@.enabled != false)", "(@.v == null)", "(@.isbn)", "(!@.isbn)", "(!(@.a && @.b))",
		"(@.a == 1 && @.b == 'x' || @.c)", "((@.a == 1) || (@.b == 2))", "(@.name =~ /foo.*/)", "(@.name =~ /FOO/i)",
		"(@['odd key'] == 'it\\'s')", `(@["q\"uote"] == 1)`, "(@.a.b[0] > @.c)", "(@[-1] == 3)", "(@ > 3)",
		"(@.tags.length() > 1)", "(@.length() == 0)", "(@..isbn)", "(@.*)", "(@.x === 1)", "(@.x !== 'a')",
		"(  @.a  ==  1  )", "(@.é == 'ü')",
	} {
		t.Run(f, func(t *testing.T) {
			t.Parallel()
			_, err := expr.ParsePath("t1.output.items[?" + f + "]")
			require.NoError(t, err)
		})
	}
	for _, tc := range []struct {
		filter, msg string // filter is the rest of the path after [?
		unsupported bool
	}{
		{"(@.a ==)]", "unexpected ')'", false},
		{"(@.a == 1]", "unexpected ']'", false},
		{"(@.a == (1", "unterminated filter", false},
		{"(@.a == 1)", "expected ']'", false},
		{"(@.a = 1)]", "", false},
		{"(@.a == 'x)]", "unterminated string", false},
		{"(@.a == 01)]", "invalid number literal", false},
		{"(@.a && )]", "", false},
		{"(@.a == 1) junk]", "expected ']'", false},
		{"@.a == 1]", "a filter is written [?(…)]", false},
		{"()]", "", false},
		{"(@[*] == 1)]", "may select several values", true},
		{"(1 < @..x)]", "may select several values", true},
		{"(@.a in ['x'])]", "the filter operator in", true},
		{"(@.a NIN [1])]", "the filter operator NIN", true},
		{"(@.a size 2)]", "the filter operator size", true},
		{"(@.a empty true)]", "the filter operator empty", true},
		{"(@.a subsetof ['x'])]", "the filter operator subsetof", true},
		{"(@.price < $.limit)]", "the document root $", true},
		{"(@.a[?(@.b)])]", "a filter inside a filter", true},
		{"(@.a.min() > 1)]", "the function min()", true},
		{"(length(@.a) > 1)]", `unexpected "length"`, false},
		{"(match(@.a, 'x'))]", `unexpected "match"`, false},
		{"(@.a.length().b)]", "after length()", true},
		{"(@.a =~ /(?=x)/)]", "the regular expression /(?=x)/", true},
		{"(@.a =~ /x/x)]", "the regular expression flag x", true},
		{"(@.a =~ 'x')]", "/regex/ on its right", true},
		{"('x' =~ /x/)]", "=~ after something else than a path", true},
		{"(@.a =~ /x)]", "unterminated /regex/", false},
		{"(@.a == {})]", `unexpected '{'`, false},
	} {
		t.Run(tc.filter, func(t *testing.T) {
			t.Parallel()
			_, err := expr.ParsePath("t1.output.items[?" + tc.filter)
			require.Error(t, err)
			require.ErrorContains(t, err, tc.msg)
			require.Equal(t, tc.unsupported, errors.Is(err, expr.ErrUnsupportedPath), "%v", err)
		})
	}
}

func TestParsePathRejectsUnsupported(t *testing.T) {
	t.Parallel()
	for _, path := range []string{
		"t1.output...id",
		"t1.output..",
		"..id",
		"$..",
		"$...id",
		"t1..length()",
		"t1.output.items[?(@.a ==)]",
		"workflow.secrets..token",
		"workflow.secrets[?(@.x)]",
		"workflow['secrets'].k[?(@.x)]",
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
		_, err := expr.ParseTemplate("x ${t1.output.items[?(@.a in [1])]}")
		require.ErrorIs(t, err, expr.ErrUnsupportedPath)
		_, err = expr.ParseTemplate("x ${t1.output.items[?(@.a ==)]}")
		require.EqualError(t, err, `expression ${t1.output.items[?(@.a ==)]}: invalid path "t1.output.items[?(@.a ==)]": filter [?(@.a ==)]: unexpected ')'`)
	})
	t.Run("deep scan and filter parse", func(t *testing.T) {
		t.Parallel()
		tmpl, err := expr.ParseTemplate("${t1.output..id} and ${workflow.input.items[?(@.type == 'book')].price}")
		require.NoError(t, err)
		paths := tmpl.StaticPaths()
		require.Len(t, paths, 2)
		require.Equal(t, "t1", paths[0].Root())
		require.Equal(t, "workflow", paths[1].Root())
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
