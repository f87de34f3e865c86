package expr_test

import (
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/podiumhq/podium/internal/expr"
)

// fuzzDoc is the document the template fuzzer evaluates against.
var fuzzDoc = []byte(`{"workflow":{"input":{"a":{"b":7},"s":"text with $${escape}","list":[{"id":"x"},{"id":"y"}],
	"key":"a","":1,"0":"zero"},"secrets":{"k":"not-a-secret"}},"t1":{"output":{"items":[10,20,30],"n":null}}}`)

// FuzzTemplate checks that parsing and evaluating any parameter string never panics, that
// evaluation only fails on non-JSON values (never on a string), and the round trips of the
// syntax: a string without ${ evaluates to itself, and any text with each ${ escaped as $${
// evaluates to that text.
func FuzzTemplate(f *testing.F) {
	for _, seed := range []string{
		"", "plain", "${workflow.input.a.b}", "x ${workflow.input.a} y", "$${workflow.input.a}",
		"$$${workflow.input.a}", "${workflow.input.${workflow.input.key}}", "${workflow.input.list[*].id}",
		"${t1.output.items.length()}", "${t1.output.items[1]}", "${workflow.input['']}", "${workflow.input.0}",
		"${workflow.secrets.k}", "${CPEWF_TASK_ID}", "${NETFLIX_ENV}", "${", "${}", "${  }", "}${a", "${a${b}",
		"${t1.output..id}", "${t1.output.items[?(@.a)]}", "${$.t1['output'].n}", "${workflow.input.s}",
		"pre ${workflow.input.s} post", "${${}}", "$${${workflow.input.key}}", "\x00${\xff}",
		"${workflow.input..id}", "${$..b}", "${workflow.input.list[?(@.id == 'x')].id}", "x ${t1.output.items[?(@ > 15)]} y",
		"${workflow.input.list[?(@.id =~ /X|y/i || !@.id)]}", "${workflow.input.list[?(@.id.length() == 1 && @.n)]}",
		"${t1..[?(@.items)].n}", "${workflow.input.list[?(@.id == '${workflow.input.key}')]}", "${workflow.secrets..k}",
		"${workflow.input.*}", "${workflow.input.list[?(@.id in ['x'])]}", "${workflow.input.list[?(@.id ==)]}",
	} {
		f.Add(seed)
	}
	env := &expr.Env{Doc: fuzzDoc, TaskID: "task-1", Params: map[string]string{"NETFLIX_STACK": "test"},
		Lookup: func(p expr.Path) (any, bool) {
			if segs := p.Segments(); len(segs) >= 2 && segs[0].Key == "workflow" && segs[1].Key == "secrets" {
				return "resolved-secret", true
			}
			return nil, false
		}}
	f.Fuzz(func(t *testing.T, s string) {
		if tmpl, err := expr.ParseTemplate(s); err == nil {
			_ = tmpl.HasExpressions()
			_ = tmpl.StaticPaths()
			if e, ok := tmpl.Single(); ok && e.Dynamic == nil {
				_ = e.Path.GJSON()
			}
		}
		for _, e := range []*expr.Env{nil, env} {
			out, err := expr.Evaluate(map[string]any{"v": s, "list": []any{s, "lit"}}, e)
			if err != nil {
				t.Fatalf("Evaluate(%q) failed: %v", s, err)
			}
			if m := out.(map[string]any); !strings.Contains(s, "${") && (m["v"] != s || m["list"].([]any)[0] != s) {
				t.Fatalf("a string without ${ changed: %q → %#v", s, m)
			}
			escaped := strings.ReplaceAll(s, "${", "$${")
			back, err := expr.Evaluate(escaped, e)
			if err != nil || back != s {
				t.Fatalf("escaped %q evaluates to %#v (%v), want %q", escaped, back, err, s)
			}
			tmpl, err := expr.ParseTemplate(escaped)
			if err != nil || tmpl.HasExpressions() {
				t.Fatalf("escaped %q parses with expressions (%v)", escaped, err)
			}
		}
	})
}

// FuzzParsePath checks that ParsePath never panics, and that a parsed path written out again
// in bracket notation (deep scans as .., filters as written) parses to the same segments.
func FuzzParsePath(f *testing.F) {
	for _, seed := range []string{
		"workflow.input.a", "$.t1.output.items[0]['id']", "t1.output.items[*].id", "t1.output.list.length()",
		`workflow.input["odd.key"]`, "workflow.input['k y']", "$['t1'].output", "", "$", "a..b", "a[", "a[?(@.x)]",
		"a[-1]", "a['b','c']", "a.length().b", "[0]", "$[*]", "a[ 3 ]", "a['']", "a.b c",
		"a..b", "$..b", "a..[0]", "a..*", "a.*", "a...b", "a..", "$..", "a[?(@.b == 'x')].c", "a[ ?( @.b ) ]",
		"a[?(@.b =~ /x)]y/i && @['c'] != \"d\")]", "a..[?(!@.b || @.c.length() >= 2)]", "a[?(@.b in [1])]",
		"a[?(@[0] < -1.5e3 && @.b === null)]", "a[?(@.b == 'it\\'s')]", "a[?(@..b)]", "a[?($.b)]",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		p, err := expr.ParsePath(raw)
		if err != nil {
			return
		}
		_, _, _ = p.Root(), p.GJSON(), p.HasLength()
		var b strings.Builder
		b.WriteString("$")
		for _, seg := range p.Segments() {
			switch seg.Kind {
			case expr.SegmentKey:
				if strings.ContainsAny(seg.Key, "']") {
					return // not writable in brackets
				}
				b.WriteString("['" + seg.Key + "']")
			case expr.SegmentIndex:
				b.WriteString("[" + strconv.Itoa(seg.Index) + "]")
			case expr.SegmentWildcard:
				b.WriteString("[*]")
			case expr.SegmentLength:
				b.WriteString(".length()")
			case expr.SegmentDeepScan:
				b.WriteString("..")
			case expr.SegmentFilter:
				b.WriteString("[?" + seg.Key + "]")
			}
		}
		again, err := expr.ParsePath(b.String())
		if err != nil {
			t.Fatalf("%q parsed to %+v, written %q does not parse: %v", raw, p.Segments(), b.String(), err)
		}
		if !reflect.DeepEqual(again.Segments(), p.Segments()) {
			t.Fatalf("%q parsed to %+v, written %q parses to %+v", raw, p.Segments(), b.String(), again.Segments())
		}
	})
}
