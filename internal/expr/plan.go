package expr

import (
	"strconv"
	"strings"

	"github.com/tidwall/gjson"
)

// opKind tells what one step of a path's plan does.
type opKind uint8

const (
	opRoot     opKind = iota // take the member key of the document (see evaluator.member)
	opGet                    // look up path, one or more object keys, with a single gjson Get
	opKey                    // look up the member key of an object (keys gjson would misread)
	opIndex                  // take element index of an array
	opWildcard               // go on from every element of an array or member of an object
	opLength                 // measure the value: length()
	opScan                   // apply the next step to the value and to every value under it: ..
	opFilter                 // go on from the elements of an array, or an object itself, filter accepts
)

// op is one step of the plan a Path is evaluated with.
type op struct {
	kind   opKind
	path   string
	key    string
	index  int
	filter *filter
}

// indefinite reports whether o may select several values, which makes the path's value a list.
func (o op) indefinite() bool {
	return o.kind == opWildcard || o.kind == opScan || o.kind == opFilter
}

// compile turns segments into a plan. The first key is looked up among the members of the
// document, which the evaluator indexes once. A run of further keys becomes one gjson Get: gjson
// descends into the matching members without measuring every intermediate value, which is what
// makes a lookup cheap. gjson reads an all-digit key as an array index and has no path for the
// empty key, so those keys, and indices, become steps that check the type first, as Jayway does.
// The step after a deep scan stays a step of its own, which the scan applies at every level;
// filters holds the compiled filters of the path's SegmentFilter segments, in order.
func compile(segs []Segment, filters []*filter) []op {
	var plan []op
	if len(segs) > 0 && segs[0].Kind == SegmentKey {
		plan = append(plan, op{kind: opRoot, key: segs[0].Key})
		segs = segs[1:]
	}
	var run []string
	flush := func() {
		if len(run) > 0 {
			plan = append(plan, op{kind: opGet, path: strings.Join(run, ".")})
			run = run[:0]
		}
	}
	prev := SegmentKey
	for _, s := range segs {
		switch s.Kind {
		case SegmentKey:
			if s.Key != "" && !allDigits(s.Key) {
				run = append(run, gjson.Escape(s.Key))
				if prev == SegmentDeepScan {
					flush() // run held only this key: a deep scan looks it up at every level
				}
				break
			}
			flush()
			plan = append(plan, op{kind: opKey, key: s.Key})
		case SegmentIndex:
			flush()
			plan = append(plan, op{kind: opIndex, index: s.Index})
		case SegmentWildcard:
			flush()
			plan = append(plan, op{kind: opWildcard})
		case SegmentLength:
			flush()
			plan = append(plan, op{kind: opLength})
		case SegmentDeepScan:
			flush()
			plan = append(plan, op{kind: opScan})
		case SegmentFilter:
			flush()
			plan = append(plan, op{kind: opFilter, filter: filters[0]})
			filters = filters[1:]
		}
		prev = s.Kind
	}
	flush()
	return plan
}

func allDigits(s string) bool {
	for i := range len(s) {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// apply performs a lookup step (opGet, opKey or opIndex) on r; the result does not exist when
// the step selects nothing.
func (o op) apply(r gjson.Result) gjson.Result {
	switch o.kind {
	case opGet:
		return r.Get(o.path)
	case opKey:
		if !r.IsObject() {
			return gjson.Result{}
		}
		if o.key != "" {
			return r.Get(o.key)
		}
		var found gjson.Result // gjson has no path for the empty key
		r.ForEach(func(k, v gjson.Result) bool {
			if k.Str == "" {
				found = v
			}
			return !found.Exists()
		})
		return found
	case opIndex:
		if !r.IsArray() {
			return gjson.Result{}
		}
		return r.Get(strconv.Itoa(o.index))
	}
	return gjson.Result{}
}
