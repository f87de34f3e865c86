package expr_test

import (
	"encoding/json"
	"fmt"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/podiumhq/podium/internal/expr"
)

// evalDoc is the workflow document of the evaluation tests.
const evalDoc = `{
  "workflow": {
    "workflowId": "wf-1",
    "input": {
      "s": "hello",
      "n": 42,
      "f": 1.50,
      "big": 12345678901234567890123,
      "neg": -7,
      "exp": 1e3,
      "t": true,
      "fa": false,
      "nul": null,
      "obj": {"b": 2, "a": "x", "c": [1, "y", null], "d": {"e": true}},
      "list": [1, 2, 3],
      "empty": [],
      "emptyObj": {},
      "emptyStr": "",
      "users": [
        {"id": "u1", "tags": ["a", "b"], "age": 30},
        {"id": "u2", "tags": ["c"]},
        {"name": "no-id", "tags": []}
      ],
      "matrix": [[1, 2], [3]],
      "odd.key": "dotted",
      "k y": "spaced",
      "q\"uote": 1,
      "numKeyObj": {"0": "zero", "12": "twelve"},
      "": "empty key",
      "key": "s",
      "keyN": "n",
      "keyMissing": "nope",
      "pathKey": "workflow.input.s",
      "blankKey": "  ",
      "badPath": "workflow...s",
      "esc": "$${not.evaluated}",
      "uni": "héllo 世界 🎉",
      "ünï": "unicode key",
      "escaped": "tab\there \u00e9",
      "nested": {"level1": [{"level2": {"level3": ["deep"]}}]}
    },
    "variables": {"count": 3}
  },
  "t1": {"output": {"items": [{"id": 10, "v": "a"}, {"id": 20, "v": "b"}], "status": "OK"}, "status": "COMPLETED"},
  "loop__2": {"output": {"i": 2}},
  "loop": {"output": {"i": 3}}
}`

func num(s string) json.Number { return json.Number(s) }

func TestEvaluate(t *testing.T) {
	t.Parallel()

	secrets := func(p expr.Path) (any, bool) {
		if p.String() == "workflow.secrets.token" {
			return "s3cr3t", true
		}
		return nil, false
	}
	otherLookup := func(p expr.Path) (any, bool) {
		if p.Root() == "lookup" {
			return map[string]any{"z": num("1"), "a": []any{"x", nil}}, true
		}
		return nil, false
	}

	for _, tc := range []struct {
		name string
		in   any
		env  *expr.Env // Doc is always evalDoc
		want any
	}{
		// A whole-string expression keeps the JSON type.
		{"string", "${workflow.input.s}", nil, "hello"},
		{"integer", "${workflow.input.n}", nil, num("42")},
		{"decimal keeps its text", "${workflow.input.f}", nil, num("1.50")},
		{"big integer exact", "${workflow.input.big}", nil, num("12345678901234567890123")},
		{"negative", "${workflow.input.neg}", nil, num("-7")},
		{"exponent", "${workflow.input.exp}", nil, num("1e3")},
		{"true", "${workflow.input.t}", nil, true},
		{"false", "${workflow.input.fa}", nil, false},
		{"null", "${workflow.input.nul}", nil, nil},
		{"map", "${workflow.input.obj}", nil, map[string]any{
			"b": num("2"), "a": "x", "c": []any{num("1"), "y", nil}, "d": map[string]any{"e": true},
		}},
		{"list", "${workflow.input.list}", nil, []any{num("1"), num("2"), num("3")}},
		{"empty list", "${workflow.input.empty}", nil, []any{}},
		{"empty map", "${workflow.input.emptyObj}", nil, map[string]any{}},
		{"empty string", "${workflow.input.emptyStr}", nil, ""},
		{"escaped string", "${workflow.input.escaped}", nil, "tab\there é"},
		{"spaces around path", "${ workflow.input.s }", nil, "hello"},
		{"workflow field", "${workflow.workflowId}", nil, "wf-1"},
		{"task field", "${t1.status}", nil, "COMPLETED"},

		// Expressions embedded in text are stringified.
		{"embedded integer", "n=${workflow.input.n}", nil, "n=42"},
		{"embedded decimal", "f=${workflow.input.f}", nil, "f=1.50"},
		{"embedded string", "${workflow.input.s} world", nil, "hello world"},
		{"embedded bools", "b=${workflow.input.t}/${workflow.input.fa}", nil, "b=true/false"},
		{"embedded null", "v=${workflow.input.nul}", nil, "v=null"},
		{"embedded missing", "v=${workflow.input.nope}", nil, "v=null"},
		{"embedded map toString", "o=${workflow.input.obj}", nil, "o={b=2, a=x, c=[1, y, null], d={e=true}}"},
		{"embedded list toString", "l=${workflow.input.list}", nil, "l=[1, 2, 3]"},
		{"embedded nested toString", "u=${workflow.input.users[0]}", nil, "u={id=u1, tags=[a, b], age=30}"},
		{"two expressions only", "${workflow.input.empty}${workflow.input.emptyObj}", nil, "[]{}"},
		{"adjacent expressions", "${workflow.input.s}${workflow.input.n}", nil, "hello42"},
		{"leading space makes text", " ${workflow.input.n}", nil, " 42"},
		{"embedded big integer", "${workflow.input.big}!", nil, "12345678901234567890123!"},
		{"embedded exponent as written", "e=${workflow.input.exp}", nil, "e=1e3"},
		{"text without expressions", "plain text", nil, "plain text"},

		// Missing definite paths are null.
		{"missing key", "${workflow.input.nope}", nil, nil},
		{"key on a string", "${workflow.input.s.deeper}", nil, nil},
		{"unknown task", "${nosuchtask.output.x}", nil, nil},
		{"index out of range", "${workflow.input.list[7]}", nil, nil},
		{"index on a map", "${workflow.input.obj[0]}", nil, nil},
		{"key on a list", "${workflow.input.list.a}", nil, nil},
		{"invalid static path", "${t1.output.items[?(@.id ==)]}", nil, nil},
		{"invalid static path embedded", "x ${t1.output[?(@.a in [1])]} y", nil, "x null y"},

		// Indices, quoted keys and the $ prefix.
		{"index then key", "${t1.output.items[1].v}", nil, "b"},
		{"indices", "${workflow.input.users[0].tags[1]}", nil, "b"},
		{"list of lists", "${workflow.input.matrix[0][1]}", nil, num("2")},
		{"quoted key with dot", "${workflow.input['odd.key']}", nil, "dotted"},
		{"double-quoted key with space", `${workflow.input["k y"]}`, nil, "spaced"},
		{"quoted key with quote", `${workflow.input['q"uote']}`, nil, num("1")},
		{"numeric key of a map", "${workflow.input.numKeyObj['0']}", nil, "zero"},
		{"numeric key in dot notation", "${workflow.input.numKeyObj.12}", nil, "twelve"},
		{"index on a map with numeric keys", "${workflow.input.numKeyObj[0]}", nil, nil},
		{"numeric key on a list", "${workflow.input.list.0}", nil, nil},
		{"empty key", "${workflow.input['']}", nil, "empty key"},
		{"whole task", "${loop}", nil, map[string]any{"output": map[string]any{"i": num("3")}}},
		{"dollar dot prefix", "${$.workflow.input.s}", nil, "hello"},
		{"dollar brackets", "${$['t1']['output']['status']}", nil, "OK"},
		{"deep structure", "${workflow.input.nested.level1[0].level2.level3[0]}", nil, "deep"},

		// Wildcards yield lists.
		{"wildcard", "${t1.output.items[*].id}", nil, []any{num("10"), num("20")}},
		{"wildcard skips missing", "${workflow.input.users[*].id}", nil, []any{"u1", "u2"}},
		{"nested wildcards flatten", "${workflow.input.users[*].tags[*]}", nil, []any{"a", "b", "c"}},
		{"single wildcard keeps lists", "${workflow.input.users[*].tags}", nil, []any{
			[]any{"a", "b"}, []any{"c"}, []any{},
		}},
		{"wildcard of lists of lists", "${workflow.input.matrix[*][*]}", nil, []any{num("1"), num("2"), num("3")}},
		{"wildcard on a map", "${workflow.input.obj.d[*]}", nil, []any{true}},
		{"wildcard on empty list", "${workflow.input.empty[*]}", nil, []any{}},
		{"wildcard on missing", "${workflow.input.nope[*].x}", nil, []any{}},
		{"wildcard under a missing task", "${nosuchtask.output[*]}", nil, []any{}},
		{"wildcard on a scalar", "${workflow.input.s[*]}", nil, []any{}},
		{"wildcard no leaf", "${workflow.input.users[*].nope}", nil, []any{}},
		{"wildcard then index", "${workflow.input.users[*].tags[0]}", nil, []any{"a", "c"}},
		{"embedded wildcard", "ids=${t1.output.items[*].id}", nil, "ids=[10, 20]"},
		{"embedded empty wildcard", "ids=${workflow.input.empty[*]}", nil, "ids=[]"},

		// length()
		{"length of list", "${workflow.input.list.length()}", nil, num("3")},
		{"length of map", "${workflow.input.obj.length()}", nil, num("4")},
		{"length of string in characters", "${workflow.input.uni.length()}", nil, num("10")},
		{"length of empty list", "${workflow.input.empty.length()}", nil, num("0")},
		{"length of missing", "${workflow.input.nope.length()}", nil, nil},
		{"length of a missing task", "${nosuchtask.output.length()}", nil, nil},
		{"length of number", "${workflow.input.n.length()}", nil, nil},
		{"embedded length", "n=${workflow.input.list.length()}", nil, "n=3"},
		{"length per wildcard match", "${workflow.input.users[*].tags.length()}", nil, []any{num("2"), num("1"), num("0")}},

		// Nested expressions: the inner one is expanded as text first.
		{"nested", "${workflow.input.${workflow.input.key}}", nil, "hello"},
		{"nested keeps type", "${workflow.input.${workflow.input.keyN}}", nil, num("42")},
		{"nested embedded", "v=${workflow.input.${workflow.input.key}}", nil, "v=hello"},
		{"nested whole path", "${${workflow.input.pathKey}}", nil, "hello"},
		{"nested to missing", "${workflow.input.${workflow.input.keyMissing}}", nil, nil},
		{"nested null is the text null", "${workflow.input.${workflow.input.nul}}", nil, nil},
		{"nested blank", "${${workflow.input.blankKey}}", nil, ""},
		{"nested invalid path is null", "${${workflow.input.badPath}}", nil, nil},
		{"nested invalid path embedded", "a ${${workflow.input.badPath}} b", nil, "a null b"},
		{"nested map makes a bad path", "${workflow.input.${workflow.input.obj}}", nil, nil},

		// $${…} escapes.
		{"escape whole", "$${workflow.input.s}", nil, "${workflow.input.s}"},
		{"escape embedded", "a $${workflow.input.s} b ${workflow.input.n}", nil, "a ${workflow.input.s} b 42"},
		{"escape triple dollar", "$$${workflow.input.s}", nil, "$${workflow.input.s}"},
		{"value with escape whole", "${workflow.input.esc}", nil, "$${not.evaluated}"},
		{"value with escape embedded", "x ${workflow.input.esc}", nil, "x ${not.evaluated}"},
		{"unterminated", "price ${workflow.input", nil, "price ${workflow.input"},

		// ${} and ${  }.
		{"empty expression", "${}", nil, ""},
		{"blank expression", "${  }", nil, ""},
		{"empty expression embedded", "a${}b", nil, "ab"},

		// CPEWF_TASK_ID.
		{"task id", "${CPEWF_TASK_ID}", &expr.Env{TaskID: "task-9"}, "task-9"},
		{"task id unset", "${CPEWF_TASK_ID}", nil, "${CPEWF_TASK_ID}"},
		{"task id embedded", "id-${CPEWF_TASK_ID}", &expr.Env{TaskID: "task-9"}, "id-task-9"},
		{"task id unset embedded", "id-${CPEWF_TASK_ID}-${workflow.input.n}", nil, "id-${CPEWF_TASK_ID}-42"},

		// Allow-listed parameters.
		{"param", "${NETFLIX_ENV}", &expr.Env{Params: map[string]string{"NETFLIX_ENV": "prod"}}, "prod"},
		{"param absent", "${NETFLIX_ENV}", nil, "${NETFLIX_ENV}"},
		{"param absent embedded", "stack=${NETFLIX_STACK}", nil, "stack=${NETFLIX_STACK}"},
		{"custom param", "r=${REGION}", &expr.Env{Params: map[string]string{"REGION": "eu"}}, "r=eu"},
		{"other bare name is a path", "${HOME}", nil, nil},
		{"param only as a whole name", "${NETFLIX_ENV.x}", &expr.Env{Params: map[string]string{"NETFLIX_ENV": "prod"}}, nil},

		// workflow.secrets and Lookup.
		{"secret without lookup", "${workflow.secrets.token}", nil, "${workflow.secrets.token}"},
		{"secret without lookup embedded", "Bearer ${workflow.secrets.token}", nil, "Bearer ${workflow.secrets.token}"},
		{"secret bracket form", "${workflow['secrets']['token']}", nil, "${workflow['secrets']['token']}"},
		{"secret", "${workflow.secrets.token}", &expr.Env{Lookup: secrets}, "s3cr3t"},
		{"secret embedded", "Bearer ${workflow.secrets.token}", &expr.Env{Lookup: secrets}, "Bearer s3cr3t"},
		{"secret not handled", "${workflow.secrets.other}", &expr.Env{Lookup: secrets}, "${workflow.secrets.other}"},
		{"lookup value", "${lookup.x}", &expr.Env{Lookup: otherLookup}, map[string]any{
			"z": num("1"), "a": []any{"x", nil},
		}},
		{"lookup value embedded", "v=${lookup.x}", &expr.Env{Lookup: otherLookup}, "v={a=[x, null], z=1}"},
		{"lookup falls through", "${workflow.input.s}", &expr.Env{Lookup: otherLookup}, "hello"},

		// Loop copies are looked up as the document names them.
		{"loop suffix", "${loop__2.output.i}", nil, num("2")},
		{"bare loop ref", "${loop.output.i}", nil, num("3")},

		// Unicode.
		{"unicode value", "${workflow.input.uni}", nil, "héllo 世界 🎉"},
		{"unicode key", "${workflow.input.ünï}", nil, "unicode key"},
		{"unicode text", "→ ${workflow.input.uni} ←", nil, "→ héllo 世界 🎉 ←"},

		// Structures are walked; non-strings are copied; keys are not evaluated.
		{"deep input", map[string]any{
			"a": []any{map[string]any{
				"b": "${workflow.input.n}",
				"c": []any{"${workflow.input.s}", num("1"), 2.5, true, nil},
			}},
			"${workflow.input.s}": "k",
		}, nil, map[string]any{
			"a": []any{map[string]any{
				"b": num("42"),
				"c": []any{"hello", num("1"), 2.5, true, nil},
			}},
			"${workflow.input.s}": "k",
		}},
		{"scalar number", num("7"), nil, num("7")},
		{"nil", nil, nil, nil},
		{"nil map stays nil", map[string]any(nil), nil, map[string]any(nil)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			env := expr.Env{}
			if tc.env != nil {
				env = *tc.env
			}
			env.Doc = []byte(evalDoc)
			got, err := expr.Evaluate(tc.in, &env)
			require.NoError(t, err)
			require.Equal(t, tc.want, got)
		})
	}
}

// queryDoc is the document of the deep scan and filter tests.
const queryDoc = `{
  "workflow": {
    "input": {
      "wanted": "u2",
      "items": [
        {"type": "book", "title": "Go", "price": 8.95, "isbn": "0-1", "enabled": true, "tags": ["a", "b"]},
        {"type": "pen", "title": "Pen", "price": 1, "enabled": false, "tags": []},
        {"type": "book", "title": "JSON", "price": 22.99, "enabled": true, "tags": ["c"]},
        {"type": "book", "title": "Q'uote", "price": "9", "isbn": null}
      ],
      "users": [{"id": "u1", "name": "Ann"}, {"id": "u2", "name": "Bob"}]
    }
  },
  "a": {
    "status": "COMPLETED",
    "output": {
      "id": 1,
      "kids": [{"id": 2, "kids": [{"id": 3}]}, {"id": 4, "x": {"id": 5}}],
      "meta": {"id": 6, "list": [[{"id": 7}]]}
    }
  }
}`

func TestEvaluateQueries(t *testing.T) {
	t.Parallel()
	secrets := func(p expr.Path) (any, bool) {
		if segs := p.Segments(); len(segs) >= 2 && segs[0].Key == "workflow" && segs[1].Key == "secrets" {
			return "s3cr3t", true
		}
		return nil, false
	}
	items := "${workflow.input.items"
	for _, tc := range []struct {
		name string
		in   any
		want any
	}{
		// Deep scans: every match, in document order, each value before what it holds.
		{"deep scan", "${a.output..id}", []any{num("1"), num("2"), num("3"), num("4"), num("5"), num("6"), num("7")}},
		{"deep scan from the root", "${$..name}", []any{"Ann", "Bob"}},
		{"deep scan without a match", "${a.output..nope}", []any{}},
		{"deep scan under a missing task", "${ghost.output..id}", []any{}},
		{"deep scan of a scalar", "${a.output.id..id}", []any{}},
		{"deep scan then index", "${a.output..kids[0].id}", []any{num("2"), num("3")}},
		{"deep scan then wildcard, level by level", "${a.output..kids[*].id}", []any{num("2"), num("4"), num("3")}},
		{"deep scan of everything", "${a.output.meta..*}", []any{
			num("6"), []any{[]any{map[string]any{"id": num("7")}}}, []any{map[string]any{"id": num("7")}},
			map[string]any{"id": num("7")}, num("7"),
		}},
		{"deep scan of indices", "${a.output.meta..[0]}", []any{[]any{map[string]any{"id": num("7")}}, map[string]any{"id": num("7")}}},
		{"deep scan keeps values whole", "${a..x}", []any{map[string]any{"id": num("5")}}},
		{"deep scan embedded", "ids: ${a.output.kids..id}!", "ids: [2, 3, 4, 5]!"},
		{"dot wildcard", "${workflow.input.users.*.id}", []any{"u1", "u2"}},

		// Filters.
		{"string equality", items + "[?(@.type == 'book')].title}", []any{"Go", "JSON", "Q'uote"}},
		{"double-quoted string", items + `[?(@.type == "pen")].title}`, []any{"Pen"}},
		{"number comparison", items + "[?(@.price < 10)].title}", []any{"Go", "Pen"}},
		{"number comparison keeps the number", items + "[?(@.price >= 22.99)].price}", []any{num("22.99")}},
		{"boolean", items + "[?(@.enabled == true)].title}", []any{"Go", "JSON"}},
		{"existence, null included", items + "[?(@.isbn)].title}", []any{"Go", "Q'uote"}},
		{"negated existence", items + "[?(!@.isbn)].title}", []any{"Pen", "JSON"}},
		{"and", items + "[?(@.type == 'book' && @.price > 10)].title}", []any{"JSON"}},
		{"or", items + "[?(@.type == 'pen' || @.price > 20)].title}", []any{"Pen", "JSON"}},
		{"parentheses", items + "[?(!(@.type == 'book') || (@.price < 9 && @.enabled))].title}", []any{"Go", "Pen"}},
		{"null", items + "[?(@.isbn == null)].title}", []any{"Q'uote"}},
		{"escaped quote", items + `[?(@.title == 'Q\'uote')].type}`, []any{"book"}},
		{"type-strict equality", items + "[?(@.price === 1)].title}", []any{"Pen"}},
		{"a string is not a number", items + "[?(@.price == 9)].title}", []any{}},
		{"regex, whole text", items + "[?(@.title =~ /J.*/)].title}", []any{"JSON"}},
		{"regex must match all of the text", items + "[?(@.title =~ /J/)].title}", []any{}},
		{"regex ignoring case", items + "[?(@.title =~ /json|go/i)].title}", []any{"Go", "JSON"}},
		{"length()", items + "[?(@.tags.length() > 1)].title}", []any{"Go"}},
		{"whole elements", "${workflow.input.users[?(@.id == 'u1')]}", []any{map[string]any{"id": "u1", "name": "Ann"}}},
		{"no match", items + "[?(@.price > 100)]}", []any{}},
		{"on a missing list", "${workflow.input.nope[?(@.x)]}", []any{}},
		{"on a scalar", "${workflow.input.wanted[?(@.x)]}", []any{}},
		{"an object tests itself", "${a[?(@.status == 'COMPLETED')].output.id}", []any{num("1")}},
		{"an object failing its test", "${a[?(@.status == 'FAILED')]}", []any{}},
		{"deep scan with a filter", "${a.output..[?(@.id > 4)].id}", []any{num("5"), num("6"), num("7")}},
		{"deep scan from the root with a filter", "${$..[?(@.title == 'Go')].price}", []any{num("8.95")}},
		{"filter then wildcard", items + "[?(@.type == 'book')].tags[*]}", []any{"a", "b", "c"}},
		{"filter then length", items + "[?(@.enabled)].tags.length()}", []any{num("2"), num("0"), num("1")}},
		{"embedded", "titles: " + items + "[?(@.price < 10)].title}", "titles: [Go, Pen]"},
		{"embedded objects", "u=${workflow.input.users[?(@.id == 'u2')]}", "u=[{id=u2, name=Bob}]"},
		{"nested expression in a filter", "${workflow.input.users[?(@.id == '${workflow.input.wanted}')].name}", []any{"Bob"}},
		{"invalid filter is null", items + "[?(@.x ==)]}", nil},
		{"invalid filter embedded", "v=" + items + "[?(@.x ==)]}", "v=null"},

		// Secrets are read by name only.
		{"deep scan under workflow.secrets", "${workflow.secrets..token}", nil},
		{"filter under workflow.secrets", "${workflow.secrets.token[?(@.x)]}", nil},
		{"deep scan for secrets", "${workflow..secrets}", []any{}},
		{"built deep scan under workflow.secrets", "${workflow.secrets..${workflow.input.wanted}}", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := expr.Evaluate(tc.in, &expr.Env{Doc: []byte(queryDoc), Lookup: secrets})
			require.NoError(t, err)
			require.Equal(t, tc.want, got)
		})
	}
}

func TestEvaluateLookupSeesEveryPath(t *testing.T) {
	t.Parallel()
	var seen []string
	env := &expr.Env{Doc: []byte(evalDoc), Lookup: func(p expr.Path) (any, bool) {
		seen = append(seen, p.String())
		return nil, false
	}}
	got, err := expr.Evaluate("${workflow.input.${workflow.input.key}} ${CPEWF_TASK_ID} ${} ${a...b}", env)
	require.NoError(t, err)
	require.Equal(t, "hello ${CPEWF_TASK_ID}  null", got)
	require.Equal(t, []string{"workflow.input.key", "workflow.input.s", "CPEWF_TASK_ID"}, seen)
}

func TestEvaluateMap(t *testing.T) {
	t.Parallel()
	t.Run("nil gives an empty map", func(t *testing.T) {
		t.Parallel()
		got, err := expr.EvaluateMap(nil, nil)
		require.NoError(t, err)
		require.NotNil(t, got)
		require.Empty(t, got)
	})
	t.Run("nil env is empty", func(t *testing.T) {
		t.Parallel()
		got, err := expr.EvaluateMap(map[string]any{"a": "${workflow.input.a}", "b": "x${CPEWF_TASK_ID}", "c": "${w[*]}"}, nil)
		require.NoError(t, err)
		require.Equal(t, map[string]any{"a": nil, "b": "x${CPEWF_TASK_ID}", "c": []any{}}, got)
	})
}

func TestEvaluateRejectsNonJSONValues(t *testing.T) {
	t.Parallel()
	_, err := expr.Evaluate(map[string]any{"a": []any{1, struct{}{}}}, &expr.Env{})
	require.EqualError(t, err, "expr: cannot evaluate a value of type struct {} at a[1]")

	env := &expr.Env{Lookup: func(expr.Path) (any, bool) { return []string{"x"}, true }}
	_, err = expr.Evaluate(map[string]any{"b": "${x}"}, env)
	require.EqualError(t, err, "expr: cannot evaluate a value of type []string at b")
}

func TestEvaluateDoesNotMutateOrAlias(t *testing.T) {
	t.Parallel()
	fresh := func() map[string]any {
		return map[string]any{
			"lit":   map[string]any{"k": []any{"v", num("1"), map[string]any{"x": true}}},
			"obj":   "${workflow.input.obj}",
			"list":  "${workflow.input.users}",
			"wild":  "${workflow.input.users[*].tags}",
			"text":  "s=${workflow.input.s}",
			"look":  "${lookup.x}",
			"plain": []any{"a", nil},
		}
	}
	lookupVal := map[string]any{"inner": []any{"y"}}
	doc := []byte(evalDoc)
	env := &expr.Env{Doc: doc, Lookup: func(p expr.Path) (any, bool) {
		if p.Root() == "lookup" {
			return lookupVal, true
		}
		return nil, false
	}}

	in := fresh()
	out, err := expr.EvaluateMap(in, env)
	require.NoError(t, err)
	require.Equal(t, fresh(), in, "input mutated")
	want := snapshot(t, out)

	// Mutating the input, the Lookup value or the document does not change the output.
	in["lit"].(map[string]any)["k"].([]any)[2].(map[string]any)["x"] = false
	in["lit"].(map[string]any)["k"].([]any)[0] = "changed"
	in["plain"].([]any)[0] = "changed"
	lookupVal["inner"].([]any)[0] = "changed"
	for i := range doc {
		doc[i] = ' '
	}
	require.Equal(t, want, snapshot(t, out))

	// Mutating the output does not change the input.
	in = fresh()
	out, err = expr.EvaluateMap(in, env)
	require.NoError(t, err)
	out["lit"].(map[string]any)["k"].([]any)[0] = "changed"
	out["plain"].([]any)[1] = "changed"
	require.Equal(t, fresh(), in)
}

// snapshot renders v as JSON, to compare a value with itself later.
func snapshot(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	require.NoError(t, err)
	return string(b)
}

func TestEvaluateConcurrent(t *testing.T) {
	t.Parallel()
	env := &expr.Env{Doc: []byte(evalDoc), TaskID: "t"}
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 200 {
				in := map[string]any{
					"a": "${workflow.input.n}",
					"b": fmt.Sprintf("x-%d-%d ${workflow.input.s}", g, i%50),
					"c": fmt.Sprintf("${workflow.input.${workflow.input.key}}%d", i%3),
				}
				out, err := expr.EvaluateMap(in, env)
				if err != nil {
					t.Error(err)
					return
				}
				if out["a"] != num("42") || out["b"] != fmt.Sprintf("x-%d-%d hello", g, i%50) {
					t.Errorf("unexpected output %v", out)
					return
				}
			}
		})
	}
	wg.Wait()
}
