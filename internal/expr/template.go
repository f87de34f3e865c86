package expr

import (
	"fmt"
	"maps"
	"slices"
	"strings"
)

// Template is a parsed parameter string: literal text interleaved with ${…} expressions.
type Template struct {
	parts []Part
}

// Part is one piece of a Template: literal text, or an expression when Expr is non-nil.
type Part struct {
	Text string
	Expr *Expr
}

// Expr is one ${…} expression. Its path is either static (Path) or, for nested expressions such
// as ${workflow.input.${workflow.input.key}}, built at run time from Dynamic.
type Expr struct {
	Path    Path
	Dynamic *Template

	// src is the text between ${ and }, for expressions left in place unevaluated.
	src string
	// invalid marks a path that failed to parse in a lenient template: it evaluates to null.
	invalid bool
}

// ParseTemplate parses s. $${…} is an escape for the literal text ${…}; an unterminated ${ is
// literal text. It fails only when an expression's path is invalid or unsupported.
func ParseTemplate(s string) (*Template, error) {
	return parseTemplate(s, false)
}

// parseTemplate parses s; when lenient, an invalid or unsupported path does not fail the parse
// but yields an expression that evaluates to null, as Conductor does at run time.
func parseTemplate(s string, lenient bool) (*Template, error) {
	t := &Template{}
	var lit strings.Builder
	for i := 0; i < len(s); {
		switch {
		case strings.HasPrefix(s[i:], "$${"):
			lit.WriteString("${")
			i += 3
		case strings.HasPrefix(s[i:], "${"):
			end := matchBrace(s, i+2)
			if end < 0 {
				lit.WriteString(s[i:])
				i = len(s)
				continue
			}
			e, err := parseExpr(s[i+2:end], lenient)
			if err != nil {
				return nil, err
			}
			if lit.Len() > 0 {
				t.parts = append(t.parts, Part{Text: lit.String()})
				lit.Reset()
			}
			t.parts = append(t.parts, Part{Expr: e})
			i = end + 1
		default:
			lit.WriteByte(s[i])
			i++
		}
	}
	if lit.Len() > 0 {
		t.parts = append(t.parts, Part{Text: lit.String()})
	}
	return t, nil
}

// matchBrace returns the index of the '}' closing an expression whose body starts at from,
// skipping nested ${…}, or -1.
func matchBrace(s string, from int) int {
	depth := 0
	for i := from; i < len(s); i++ {
		switch {
		case strings.HasPrefix(s[i:], "${"):
			depth++
			i++
		case s[i] == '}':
			if depth == 0 {
				return i
			}
			depth--
		}
	}
	return -1
}

func parseExpr(body string, lenient bool) (*Expr, error) {
	if strings.Contains(body, "${") {
		inner, err := parseTemplate(body, lenient)
		if err != nil {
			return nil, err
		}
		return &Expr{Dynamic: inner, src: body}, nil
	}
	p, err := ParsePath(body)
	if err != nil {
		if lenient {
			return &Expr{src: body, invalid: true}, nil
		}
		return nil, fmt.Errorf("expression ${%s}: %w", body, err)
	}
	return &Expr{Path: p, src: body}, nil
}

// Parts returns the pieces of the template in order.
func (t *Template) Parts() []Part { return t.parts }

// Single returns the expression when the whole template is exactly one ${…}: its value then keeps
// its JSON type instead of being rendered into text.
func (t *Template) Single() (*Expr, bool) {
	if len(t.parts) == 1 && t.parts[0].Expr != nil {
		return t.parts[0].Expr, true
	}
	return nil, false
}

// HasExpressions reports whether evaluating the template can differ from its literal text.
func (t *Template) HasExpressions() bool {
	for _, p := range t.parts {
		if p.Expr != nil {
			return true
		}
	}
	return false
}

// StaticPaths returns the statically known paths of the template, including the innermost
// paths of nested expressions.
func (t *Template) StaticPaths() []Path {
	var paths []Path
	for _, p := range t.parts {
		switch {
		case p.Expr == nil:
		case p.Expr.Dynamic != nil:
			paths = append(paths, p.Expr.Dynamic.StaticPaths()...)
		default:
			paths = append(paths, p.Expr.Path)
		}
	}
	return paths
}

// WalkStrings calls fn for every string inside v, a decoded JSON value (maps, slices, scalars),
// with a path describing where the string sits under prefix.
func WalkStrings(v any, prefix string, fn func(path, s string)) {
	switch x := v.(type) {
	case string:
		fn(prefix, x)
	case map[string]any:
		for _, k := range slices.Sorted(maps.Keys(x)) {
			WalkStrings(x[k], prefix+"."+k, fn)
		}
	case []any:
		for i, e := range x {
			WalkStrings(e, fmt.Sprintf("%s[%d]", prefix, i), fn)
		}
	}
}
