package expr

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/tidwall/gjson"
)

// SegmentKind tells what one step of a Path selects.
type SegmentKind int

// Kinds of path segments.
const (
	SegmentKey      SegmentKind = iota // a member of an object: a.b, a['b']
	SegmentIndex                       // an element of an array: a[0]
	SegmentWildcard                    // every element of an array or member of an object: a[*], a.*
	SegmentLength                      // the length of the value: a.length()
	SegmentDeepScan                    // a deep scan: the next segment applies to the value and every value under it: a..b
	SegmentFilter                      // a filter: a[?(@.x > 1)]; Key holds its expression, "(@.x > 1)"
)

// Segment is one step of a Path.
type Segment struct {
	Kind  SegmentKind
	Key   string
	Index int
}

// Path is a parsed JSONPath of the subset Podium evaluates.
type Path struct {
	raw      string
	segments []Segment
	plan     []op // how to evaluate the path over gjson; see compile
}

// ErrUnsupportedPath marks a syntactically valid JSONPath form Podium does not evaluate.
var ErrUnsupportedPath = errors.New("unsupported JSONPath")

// ParsePath parses a JSONPath such as workflow.input.a, $.t1.output.items[0]['id'],
// t1.output.items[*].id, t1.output.list.length(), t1.output..id or
// workflow.input.items[?(@.type == 'book')].price. Filters are Jayway's (see parseFilter).
func ParsePath(raw string) (Path, error) {
	p := Path{raw: raw}
	s := strings.TrimSpace(raw)
	switch {
	case s == "" || s == "$":
		return p, nil
	case strings.HasPrefix(s, "$.."):
		p.segments = append(p.segments, Segment{Kind: SegmentDeepScan})
		s = s[3:]
		if s == "" || s[0] == '.' {
			return p, fmt.Errorf("invalid path %q: misplaced '..'", raw)
		}
	case strings.HasPrefix(s, "$."):
		s = s[2:]
	case strings.HasPrefix(s, "$["):
		s = s[1:]
	}
	var filters []*filter
	for i := 0; i < len(s); {
		switch s[i] {
		case '.':
			if i == 0 || i+1 >= len(s) {
				return p, fmt.Errorf("invalid path %q: misplaced '.'", raw)
			}
			i++
			if s[i] == '.' {
				if i+1 >= len(s) || s[i+1] == '.' {
					return p, fmt.Errorf("invalid path %q: misplaced '..'", raw)
				}
				p.segments = append(p.segments, Segment{Kind: SegmentDeepScan})
				i++
			}
		case '[':
			seg, f, n, err := parseBracket(s[i:])
			if err != nil {
				return p, fmt.Errorf("invalid path %q: %w", raw, err)
			}
			p.segments = append(p.segments, seg)
			if f != nil {
				filters = append(filters, f)
			}
			i += n
		default:
			end := i + strings.IndexAny(s[i:]+".", ".[")
			name := s[i:end]
			if name == "*" {
				p.segments = append(p.segments, Segment{Kind: SegmentWildcard})
				i = end
				continue
			}
			if strings.ContainsAny(name, "]'\"()?@") {
				if name == "length()" && len(p.segments) > 0 && end == len(s) && p.segments[len(p.segments)-1].Kind != SegmentDeepScan {
					p.segments = append(p.segments, Segment{Kind: SegmentLength})
					i = end
					continue
				}
				return p, fmt.Errorf("%w %q: unexpected characters in %q", ErrUnsupportedPath, raw, name)
			}
			p.segments = append(p.segments, Segment{Kind: SegmentKey, Key: name})
			i = end
		}
	}
	if isSecretPath(p) && p.queries() {
		// A secret is read by name (engine/decide resolves ${workflow.secrets.NAME[.path]}
		// through its Lookup, granting and masking that one secret). A search through secrets
		// would have to decide which secrets it may read and reveal; refusing it is the safe
		// choice: at registration it is a 400, at run time (a nested expression) it is null.
		return p, fmt.Errorf("%w %q: a deep scan or filter under workflow.secrets is not supported, name the secret", ErrUnsupportedPath, raw)
	}
	p.plan = compile(p.segments, filters)
	return p, nil
}

// parseBracket parses one [..] selector at the start of s and returns it, its compiled filter
// when it is one, and its length.
func parseBracket(s string) (Segment, *filter, int, error) {
	if strings.HasPrefix(strings.TrimLeft(s[1:], " "), "?") {
		return parseFilter(s)
	}
	end := strings.IndexByte(s, ']')
	if end < 0 {
		return Segment{}, nil, 0, errors.New("unterminated '['")
	}
	body := strings.TrimSpace(s[1:end])
	switch {
	case body == "*":
		return Segment{Kind: SegmentWildcard}, nil, end + 1, nil
	case len(body) >= 2 && (body[0] == '\'' || body[0] == '"'):
		quote := body[0]
		closing := strings.IndexByte(s[2:], quote)
		if closing < 0 {
			return Segment{}, nil, 0, errors.New("unterminated quoted key")
		}
		key := s[2 : 2+closing]
		rest := s[2+closing+1:]
		if !strings.HasPrefix(strings.TrimLeft(rest, " "), "]") {
			return Segment{}, nil, 0, fmt.Errorf("%w: several keys in one bracket", ErrUnsupportedPath)
		}
		n := 2 + closing + 1 + strings.IndexByte(rest, ']') + 1
		return Segment{Kind: SegmentKey, Key: key}, nil, n, nil
	}
	idx, err := strconv.Atoi(body)
	if err != nil || idx < 0 {
		return Segment{}, nil, 0, fmt.Errorf("%w: selector [%s]", ErrUnsupportedPath, body)
	}
	return Segment{Kind: SegmentIndex, Index: idx}, nil, end + 1, nil
}

// String returns the path as it was written.
func (p Path) String() string { return p.raw }

// Segments returns the parsed steps of the path.
func (p Path) Segments() []Segment { return p.segments }

// Root returns the first key of the path (workflow, a task reference name, or a bare name such
// as CPEWF_TASK_ID), or "" when the path does not start with a key.
func (p Path) Root() string {
	if len(p.segments) == 0 || p.segments[0].Kind != SegmentKey {
		return ""
	}
	return p.segments[0].Key
}

// GJSON returns the equivalent gjson path. A trailing length() is not part of it: callers
// check HasLength and measure the selected value themselves. A path with a deep scan or a
// filter, which gjson paths do not express, gives "".
func (p Path) GJSON() string {
	if p.queries() {
		return ""
	}
	var b strings.Builder
	for _, seg := range p.segments {
		var comp string
		switch seg.Kind {
		case SegmentKey:
			comp = gjson.Escape(seg.Key)
		case SegmentIndex:
			comp = strconv.Itoa(seg.Index)
		case SegmentWildcard:
			comp = "#"
		case SegmentLength:
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		b.WriteString(comp)
	}
	return b.String()
}

// queries reports whether p has a deep scan or a filter.
func (p Path) queries() bool {
	return slices.ContainsFunc(p.segments, func(s Segment) bool {
		return s.Kind == SegmentDeepScan || s.Kind == SegmentFilter
	})
}

// HasLength reports whether the path ends in length().
func (p Path) HasLength() bool {
	return len(p.segments) > 0 && p.segments[len(p.segments)-1].Kind == SegmentLength
}
