package expr

import (
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"unicode/utf8"
	"unsafe"

	"github.com/tidwall/gjson"
)

// valueKind tells which field of a value holds it.
type valueKind uint8

const (
	kindNull valueKind = iota // null, or a missing definite path
	kindJSON                  // r: a node of the document (or a computed length)
	kindList                  // r, plan: the matches of an indefinite path, from node r on by plan
	kindGo                    // g: a Go value from Env.Lookup
	kindText                  // s: text (a parameter's value, or an expression left in place)
)

// value is the result of one expression before it is copied out or rendered as text. Document
// nodes stay gjson results, which keeps object members in document order for the text form; the
// matches of an indefinite path are produced only when the value is copied out or rendered.
type value struct {
	kind valueKind
	r    gjson.Result
	plan []op
	g    any
	s    string
}

func textValue(s string) value { return value{kind: kindText, s: s} }

// read evaluates p against the document with Jayway's semantics: a key selects a member of an
// object, an index an element of an array, [*] every element of an array or member of an
// object; length() measures a list, an object or a string; a deep scan .. applies the next step
// to the value and to every value under it, in document order (a value before what it holds);
// a filter selects the elements of an array it accepts, or an object itself when it accepts it.
// A path without [*], .. or a filter is definite: it yields one node, or null when any step
// fails. Any other path yields the list of all nodes it reaches, in document order, flattened
// across its indefinite steps and skipping the branches where a step fails.
func (ev *evaluator) read(p Path) value {
	plan := p.plan
	r := ev.document()
	if len(plan) > 0 && plan[0].kind == opRoot {
		r = ev.member(plan[0].key)
		plan = plan[1:]
	}
	if slices.ContainsFunc(plan, op.indefinite) {
		return value{kind: kindList, r: r, plan: plan}
	}
	for _, o := range plan {
		if !r.Exists() {
			break
		}
		if o.kind == opLength {
			return value{kind: kindJSON, r: lengthOf(r)}
		}
		r = o.apply(r)
	}
	if !r.Exists() {
		return value{}
	}
	return value{kind: kindJSON, r: r}
}

// collect calls emit with every node plan reaches from r.
func collect(r gjson.Result, plan []op, emit func(gjson.Result)) {
	for i, o := range plan {
		if !r.Exists() {
			return
		}
		switch o.kind {
		case opWildcard:
			if r.IsArray() || r.IsObject() {
				r.ForEach(func(_, e gjson.Result) bool {
					collect(e, plan[i+1:], emit)
					return true
				})
			}
			return
		case opLength:
			emit(lengthOf(r))
			return
		case opFilter:
			switch {
			case r.IsArray():
				r.ForEach(func(_, e gjson.Result) bool {
					if o.filter.accepts(e) {
						collect(e, plan[i+1:], emit)
					}
					return true
				})
			case r.IsObject():
				if o.filter.accepts(r) {
					collect(r, plan[i+1:], emit)
				}
			}
			return
		case opScan:
			scan(r, plan[i+1:], emit)
			return
		}
		r = o.apply(r)
	}
	if r.Exists() {
		emit(r)
	}
}

// scan is a deep scan: it applies plan, whose first step is the one after .., to r and then to
// every value under r, depth first, each value before the values it holds. A filter after ..
// tests objects only, each once: an array's elements are scanned as values of their own.
func scan(r gjson.Result, plan []op, emit func(gjson.Result)) {
	switch plan[0].kind {
	case opFilter:
		if r.IsObject() && plan[0].filter.accepts(r) {
			collect(r, plan[1:], emit)
		}
	case opGet, opKey:
		if r.IsObject() { // a name selects nothing elsewhere: spare the lookup
			collect(r, plan, emit)
		}
	default:
		collect(r, plan, emit)
	}
	if r.IsArray() || r.IsObject() {
		r.ForEach(func(_, e gjson.Result) bool {
			scan(e, plan, emit)
			return true
		})
	}
}

// lengthOf is length(): the size of a list or an object, the number of characters of a string,
// and null for anything else. The result is a number node, as if read from the document.
func lengthOf(r gjson.Result) gjson.Result {
	n := 0
	switch {
	case r.IsArray(), r.IsObject():
		r.ForEach(func(_, _ gjson.Result) bool {
			n++
			return true
		})
	case r.Type == gjson.String:
		n = utf8.RuneCountInString(r.Str)
	default:
		return gjson.Result{Type: gjson.Null, Raw: "null"}
	}
	return gjson.Result{Type: gjson.Number, Raw: strconv.Itoa(n), Num: float64(n)}
}

// toAny copies v out as a decoded JSON value sharing no memory with the document or the Env.
func (ev *evaluator) toAny(v value) (any, error) {
	switch v.kind {
	case kindJSON:
		return ev.fromJSON(v.r), nil
	case kindList:
		out := []any{}
		collect(v.r, v.plan, func(r gjson.Result) { out = append(out, ev.fromJSON(r)) })
		return out, nil
	case kindGo:
		return deepCopy(v.g)
	case kindText:
		return v.s, nil
	}
	return nil, nil
}

// fromJSON decodes a document node; numbers become json.Number with their exact text.
func (ev *evaluator) fromJSON(r gjson.Result) any {
	switch r.Type {
	case gjson.False:
		return false
	case gjson.True:
		return true
	case gjson.Number:
		return json.Number(ev.copyString(r.Raw))
	case gjson.String:
		return ev.copyString(r.Str)
	case gjson.JSON:
		if r.IsArray() {
			out := []any{}
			r.ForEach(func(_, e gjson.Result) bool {
				out = append(out, ev.fromJSON(e))
				return true
			})
			return out
		}
		out := map[string]any{}
		r.ForEach(func(k, e gjson.Result) bool {
			out[ev.copyString(k.Str)] = ev.fromJSON(e)
			return true
		})
		return out
	}
	return nil
}

// Strings copied out of the document are packed into shared chunks, which saves an allocation
// per string. Chunks start small and double up to arenaMaxChunk bytes; strings longer than
// arenaMaxString get their own copy.
const (
	arenaMinChunk  = 128
	arenaMaxChunk  = 4096
	arenaMaxString = 256
)

// copyString returns a copy of s that shares no memory with the document.
func (ev *evaluator) copyString(s string) string {
	switch {
	case s == "":
		return ""
	case len(s) > arenaMaxString:
		return string([]byte(s))
	case cap(ev.arena)-len(ev.arena) < len(s):
		size := min(max(2*cap(ev.arena), arenaMinChunk), arenaMaxChunk)
		ev.arena = make([]byte, 0, max(size, len(s)))
	}
	start := len(ev.arena)
	ev.arena = append(ev.arena, s...)
	// These bytes are never written again: later copies go after them or into a new chunk.
	return unsafe.String(&ev.arena[start], len(s))
}

// appendText appends the text form of v as Conductor substitutes it into a string: Java's
// Objects.toString of the value Jackson would have decoded.
func appendText(buf []byte, v value) []byte {
	switch v.kind {
	case kindJSON:
		return appendJSONText(buf, v.r)
	case kindList:
		buf = append(buf, '[')
		first := true
		collect(v.r, v.plan, func(r gjson.Result) {
			if !first {
				buf = append(buf, ", "...)
			}
			first = false
			buf = appendJSONText(buf, r)
		})
		return append(buf, ']')
	case kindGo:
		return appendGoText(buf, v.g)
	case kindText:
		return append(buf, v.s...)
	}
	return append(buf, "null"...)
}

// appendJSONText appends the text form of a document node: strings without quotes, numbers as
// written, objects as {k=v, k2=v2} in document order and lists as [a, b].
func appendJSONText(buf []byte, r gjson.Result) []byte {
	switch r.Type {
	case gjson.String:
		return append(buf, r.Str...)
	case gjson.Number:
		return append(buf, r.Raw...)
	case gjson.True:
		return append(buf, "true"...)
	case gjson.False:
		return append(buf, "false"...)
	case gjson.JSON:
		open, closing := byte('{'), byte('}')
		if r.IsArray() {
			open, closing = '[', ']'
		}
		buf = append(buf, open)
		first := true
		r.ForEach(func(k, e gjson.Result) bool {
			if !first {
				buf = append(buf, ", "...)
			}
			first = false
			if k.Type == gjson.String { // a member of an object, not an element of a list
				buf = append(buf, k.Str...)
				buf = append(buf, '=')
			}
			buf = appendJSONText(buf, e)
			return true
		})
		return append(buf, closing)
	}
	return append(buf, "null"...)
}

// appendGoText is appendJSONText for Go values; map keys are sorted since Go maps have no order.
func appendGoText(buf []byte, v any) []byte {
	switch x := v.(type) {
	case nil:
		return append(buf, "null"...)
	case string:
		return append(buf, x...)
	case json.Number:
		return append(buf, x...)
	case bool:
		return strconv.AppendBool(buf, x)
	case float64:
		return appendFloat(buf, x, 64)
	case float32:
		return appendFloat(buf, float64(x), 32)
	case int:
		return strconv.AppendInt(buf, int64(x), 10)
	case int64:
		return strconv.AppendInt(buf, x, 10)
	case map[string]any:
		buf = append(buf, '{')
		for i, k := range slices.Sorted(maps.Keys(x)) {
			if i > 0 {
				buf = append(buf, ", "...)
			}
			buf = append(buf, k...)
			buf = append(buf, '=')
			buf = appendGoText(buf, x[k])
		}
		return append(buf, '}')
	case []any:
		buf = append(buf, '[')
		for i, e := range x {
			if i > 0 {
				buf = append(buf, ", "...)
			}
			buf = appendGoText(buf, e)
		}
		return append(buf, ']')
	}
	return fmt.Appendf(buf, "%v", v)
}

// appendFloat formats f as encoding/json does.
func appendFloat(buf []byte, f float64, bits int) []byte {
	if a := math.Abs(f); a != 0 && (a < 1e-6 || a >= 1e21) {
		return strconv.AppendFloat(buf, f, 'e', -1, bits)
	}
	return strconv.AppendFloat(buf, f, 'f', -1, bits)
}
