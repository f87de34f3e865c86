package expr

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unsafe"

	"github.com/tidwall/gjson"
)

// TaskIDParam is the bare name whose value is the id of the task being scheduled.
const TaskIDParam = "CPEWF_TASK_ID"

// Conductor's other system parameters. Unlike any other bare name, they are never looked up in
// the document: with no value in Env.Params their ${…} text stays in place.
const (
	envParam   = "NETFLIX_ENV"
	stackParam = "NETFLIX_STACK"
)

// Cache budgets, in bytes of keys plus a fixed cost per entry, for each of the two generations.
const (
	templateCacheLimit = 4 << 20
	pathCacheLimit     = 1 << 20
)

var (
	// templates holds run-time (lenient) parses of the strings Evaluate meets.
	templates = newCache[*Template](templateCacheLimit)
	// paths holds parses of the paths nested expressions build at run time.
	paths = newCache[*pathParse](pathCacheLimit)
)

type pathParse struct {
	path Path
	ok   bool
}

// Env is what expressions evaluate against.
type Env struct {
	// Doc is the JSON document {"workflow": {...}, "<taskRef>": {...}, ...}. Evaluate reads it in
	// place: it must not change during the call. No result shares memory with it.
	Doc []byte
	// Lookup, when non-nil, is asked first for every path; handled=true means value is the
	// result (deep-copied, never evaluated as a template; in text, maps show their keys sorted).
	// The engine uses it for ${workflow.secrets.NAME}. When Lookup is nil or does not handle a
	// workflow.secrets path, the expression is left in place as its literal text
	// "${workflow.secrets.NAME}". Lookup must not modify p, which is shared by every evaluation
	// of the same template.
	Lookup func(p Path) (value any, handled bool)
	// Params holds the allow-listed bare names (NETFLIX_ENV, NETFLIX_STACK, …) and their values.
	// NETFLIX_ENV or NETFLIX_STACK without a value here leaves the ${…} text in place; any other
	// bare name not here is an ordinary path into Doc. The server's environment is never read.
	Params map[string]string
	// TaskID is the value of ${CPEWF_TASK_ID}; "" leaves the ${…} text in place.
	TaskID string
}

// Evaluate returns a deep copy of v, a decoded JSON value (map[string]any, []any, string,
// json.Number, float64, bool, nil; other Go numbers are copied as they are), with every string
// evaluated as a template as Conductor's ParametersUtils does (spec/conductor.md §4):
//
//   - a string that is exactly one ${…} becomes the value, keeping its JSON type; numbers come
//     out as json.Number with their exact text, lists as []any, objects as map[string]any;
//   - expressions embedded in text are replaced by their text form (null as "null", objects and
//     lists as Java's toString, {a=1, b=[x, y]}), and $${ in what they yield becomes ${;
//   - a missing definite path is null; an indefinite path (with [*], a deep scan .. or a filter
//     [?(…)]) yields a flat list of its matches in document order, [] when nothing matches;
//   - a path that cannot be parsed (a nested expression may build one at run time) is null;
//   - $${…} is the literal text ${…}; ${} and ${  } are "".
//
// Map keys are not evaluated. A nil env is an empty one. The only error is a value of a type
// that is not JSON (a struct, a channel, a map of another type…), which cannot be copied.
// Evaluate is safe for concurrent use, also with one Env, provided its Lookup is.
func Evaluate(v any, env *Env) (any, error) {
	if env == nil {
		env = &Env{}
	}
	ev := evaluator{env: env}
	return ev.walk(v)
}

// EvaluateMap is Evaluate for the common map case; nil in gives an empty map out.
func EvaluateMap(m map[string]any, env *Env) (map[string]any, error) {
	if m == nil {
		return map[string]any{}, nil
	}
	out, err := Evaluate(m, env)
	if err != nil {
		return nil, err
	}
	return out.(map[string]any), nil
}

// evaluator evaluates the strings of one value against one Env.
type evaluator struct {
	arena   []byte // see copyString
	env     *Env
	indexed bool         // members is built
	members []member     // the members of the document, indexed on first use
	parsed  bool         // root is set
	root    gjson.Result // the document, parsed on first use
	scratch []byte       // see text
}

// member is one top-level member of the document: the workflow or a task.
type member struct {
	key string
	val gjson.Result
}

// walk copies v, evaluating its strings.
func (ev *evaluator) walk(v any) (any, error) { return copyTree(v, ev.leaf) }

// leaf evaluates a string of the input and copies any other scalar.
func (ev *evaluator) leaf(v any) (any, error) {
	if s, ok := v.(string); ok {
		return ev.evalString(s)
	}
	return copyScalar(v)
}

// evalString evaluates one string of the input.
func (ev *evaluator) evalString(s string) (any, error) {
	if !strings.Contains(s, "${") {
		return s, nil // no expression and no escape: strings are immutable, so no copy is needed
	}
	t := templates.get(s, parseLenient)
	if e, ok := t.Single(); ok {
		return ev.toAny(ev.eval(e))
	}
	return ev.text(t), nil
}

func parseLenient(s string) *Template {
	t, err := parseTemplate(s, true)
	if err != nil { // cannot happen: a lenient parse does not fail
		return &Template{parts: []Part{{Text: s}}}
	}
	return t
}

// text renders t as a string: literal parts as they are, expressions in their text form with
// $${ turned into ${ (Conductor un-escapes the whole substituted string). It builds the string
// at the end of ev.scratch, which nested expressions share, and leaves ev.scratch as it found it.
func (ev *evaluator) text(t *Template) string {
	start := len(ev.scratch)
	for _, p := range t.parts {
		if p.Expr == nil {
			ev.scratch = append(ev.scratch, p.Text...)
			continue
		}
		v := ev.eval(p.Expr) // before at: a nested expression uses ev.scratch past its end
		at := len(ev.scratch)
		ev.scratch = appendText(ev.scratch, v)
		ev.scratch = unescapeFrom(ev.scratch, at)
	}
	s := string(ev.scratch[start:])
	ev.scratch = ev.scratch[:start]
	return s
}

var escapeSeq = []byte("$${")

// unescapeFrom replaces every $${ with ${ in buf[at:].
func unescapeFrom(buf []byte, at int) []byte {
	if !bytes.Contains(buf[at:], escapeSeq) {
		return buf
	}
	w := at
	for r := at; r < len(buf); r++ {
		if buf[r] == '$' && r+2 < len(buf) && buf[r+1] == '$' && buf[r+2] == '{' {
			continue // drop the first $ of $${
		}
		buf[w] = buf[r]
		w++
	}
	return buf[:w]
}

// eval evaluates one expression.
func (ev *evaluator) eval(e *Expr) value {
	if e.invalid {
		return value{}
	}
	p := e.Path
	if e.Dynamic != nil {
		text := ev.text(e.Dynamic)
		if strings.TrimSpace(text) == "" {
			return textValue("")
		}
		pp := paths.get(text, parsePathLenient)
		if !pp.ok {
			return value{}
		}
		p = pp.path
	}
	if strings.TrimSpace(p.raw) == "" {
		return textValue("")
	}
	if lookup := ev.env.Lookup; lookup != nil {
		if v, ok := lookup(p); ok {
			return value{kind: kindGo, g: v}
		}
	}
	switch name := strings.TrimSpace(p.raw); name {
	case TaskIDParam:
		if ev.env.TaskID == "" {
			return leftInPlace(e)
		}
		return textValue(ev.env.TaskID)
	default:
		if v, ok := ev.env.Params[name]; ok {
			return textValue(v)
		}
		if name == envParam || name == stackParam {
			return leftInPlace(e)
		}
	}
	if isSecretPath(p) {
		return leftInPlace(e)
	}
	return ev.read(p)
}

// leftInPlace is the value of an expression that is not evaluated: its own text.
func leftInPlace(e *Expr) value { return textValue("${" + e.src + "}") }

func parsePathLenient(s string) *pathParse {
	p, err := ParsePath(s)
	return &pathParse{path: p, ok: err == nil}
}

// isSecretPath reports whether p reads workflow.secrets or below.
func isSecretPath(p Path) bool {
	s := p.segments
	return len(s) >= 2 && s[0].Kind == SegmentKey && s[0].Key == "workflow" &&
		s[1].Kind == SegmentKey && s[1].Key == "secrets"
}

// document returns the parsed document. It reads Env.Doc in place; results copy what they keep.
func (ev *evaluator) document() gjson.Result {
	if !ev.parsed {
		ev.parsed = true
		if doc := ev.env.Doc; len(doc) > 0 {
			ev.root = gjson.Parse(unsafe.String(unsafe.SliceData(doc), len(doc)))
		}
	}
	return ev.root
}

// member returns the member key of the document. The members are indexed on first use, in one
// pass: a gjson lookup from the top would scan every member before the one it finds, and with
// sorted keys "workflow" comes after all the tasks.
func (ev *evaluator) member(key string) gjson.Result {
	if !ev.indexed {
		ev.indexed = true
		if doc := ev.document(); doc.IsObject() {
			doc.ForEach(func(k, v gjson.Result) bool {
				ev.members = append(ev.members, member{key: k.Str, val: v})
				return true
			})
		}
	}
	for _, m := range ev.members {
		if m.key == key {
			return m.val
		}
	}
	return gjson.Result{}
}

// valueError reports a value Evaluate cannot copy.
type valueError struct {
	at  string
	typ string
}

func (e *valueError) Error() string {
	if e.at == "" {
		return "expr: cannot evaluate a value of type " + e.typ
	}
	return fmt.Sprintf("expr: cannot evaluate a value of type %s at %s", e.typ, strings.TrimPrefix(e.at, "."))
}

// prefixError records that err arose under seg (".key" or "[i]") of the value.
func prefixError(err error, seg string) error {
	if ve := (*valueError)(nil); errors.As(err, &ve) {
		ve.at = seg + ve.at
	}
	return err
}

// copyScalar returns v when it is an immutable JSON scalar, and an error otherwise.
func copyScalar(v any) (any, error) {
	switch v.(type) {
	case nil, bool, string, json.Number, float64, float32,
		int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64:
		return v, nil
	}
	return nil, &valueError{typ: fmt.Sprintf("%T", v)}
}

// deepCopy copies a decoded JSON value without evaluating it; a value of a type JSON does not
// decode to is an error.
func deepCopy(v any) (any, error) { return copyTree(v, copyScalar) }

// DeepCopyMap copies a decoded JSON object so that the copy shares no map or slice with m;
// other values are shared as they are.
func DeepCopyMap(m map[string]any) map[string]any {
	if m == nil {
		return map[string]any{}
	}
	c, _ := copyTree(m, func(v any) (any, error) { return v, nil })
	return c.(map[string]any)
}

// copyTree copies the maps and slices of v, taking every other value through leaf.
func copyTree(v any, leaf func(any) (any, error)) (any, error) {
	switch x := v.(type) {
	case map[string]any:
		if x == nil {
			return x, nil
		}
		out := make(map[string]any, len(x))
		for k, e := range x {
			c, err := copyTree(e, leaf)
			if err != nil {
				return nil, prefixError(err, "."+k)
			}
			out[k] = c
		}
		return out, nil
	case []any:
		if x == nil {
			return x, nil
		}
		out := make([]any, len(x))
		for i, e := range x {
			c, err := copyTree(e, leaf)
			if err != nil {
				return nil, prefixError(err, "["+strconv.Itoa(i)+"]")
			}
			out[i] = c
		}
		return out, nil
	}
	return leaf(v)
}
