package search

import (
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/podiumhq/podium/internal/conductor"
	"github.com/podiumhq/podium/store"
)

// Parse reads Conductor's SQL-like filter against schema: comparisons (=, !=, >, <, >=, <=,
// IN (…), NOT IN (…)) of a field with a value (bare or quoted with ' or "), joined by AND and
// OR, AND binding tighter. "" and "*" match everything. Values are checked and normalised by
// their field's kind (see Kind). An error is of kind conductor.ErrInvalid and says what is
// wrong. A lenient schema (ScheduleExecutions) reads a clause that does not start with one of
// its fields as a value of its fallback field instead, as Conductor's scheduler does.
func Parse(query string, schema *Schema) (store.Query, error) {
	if q := strings.TrimSpace(query); q == "" || q == "*" {
		return nil, nil
	}
	toks, err := tokenize(query)
	if err != nil {
		return nil, err
	}
	p := parser{toks: toks, query: query, schema: schema}
	return p.parse()
}

// parser walks the tokens of one query.
type parser struct {
	toks   []token
	i      int
	query  string
	schema *Schema
}

func (p *parser) parse() (store.Query, error) {
	var groups store.Query
	var and []store.Condition
	for p.i < len(p.toks) {
		start := p.i
		cond, err := p.comparison()
		if err == nil && p.i < len(p.toks) && !p.toks[p.i].keyword("AND") && !p.toks[p.i].keyword("OR") {
			err = conductor.Invalidf("Invalid query: expected AND or OR, got %q", p.toks[p.i].text)
		}
		if err != nil {
			if p.schema.fallback == "" || p.namesField(start) {
				return nil, err
			}
			p.skipClause()
			cond = fallbackCondition(p.schema, p.query[p.toks[start].at:p.end()])
		}
		and = append(and, cond)
		if p.i == len(p.toks) {
			break
		}
		if p.next().keyword("OR") {
			groups, and = append(groups, and), nil
		}
		if p.i == len(p.toks) && p.schema.fallback == "" {
			return nil, conductor.Invalidf("Invalid query: dangling %s", strings.ToUpper(p.toks[p.i-1].text))
		}
	}
	if len(and) > 0 {
		groups = append(groups, and)
	}
	return groups, nil
}

// comparison reads field, operator and value(s).
func (p *parser) comparison() (store.Condition, error) {
	name := p.next()
	field, ok := p.schema.field(name.text)
	if !ok || name.quoted || name.text == "" {
		return store.Condition{}, conductor.Invalidf("Invalid query: unknown field %q for %s", name.text, p.schema.Noun)
	}
	if p.i == len(p.toks) {
		return store.Condition{}, conductor.Invalidf("Invalid query: missing operator after %s", name.text)
	}
	opTok := p.next()
	op := strings.ToUpper(opTok.text)
	if opTok.quoted {
		op = ""
	}
	if op == "NOT" && p.i < len(p.toks) && p.toks[p.i].keyword("IN") {
		op = "NOT IN"
		p.i++
	}
	cond := store.Condition{Field: field.Name, Op: op}
	switch op {
	case "IN", "NOT IN":
		if p.i == len(p.toks) || !p.toks[p.i].punct("(") {
			return cond, conductor.Invalidf("Invalid query: %s %s needs a (list)", name.text, op)
		}
		for p.i++; p.i < len(p.toks) && !p.toks[p.i].punct(")"); p.i++ {
			if !p.toks[p.i].punct(",") {
				cond.Values = append(cond.Values, p.toks[p.i].text)
			}
		}
		if p.i == len(p.toks) {
			return cond, conductor.Invalidf("Invalid query: unclosed list after %s", name.text)
		}
		p.i++
		if len(cond.Values) == 0 {
			return cond, conductor.Invalidf("Invalid query: %s %s () needs at least one value", name.text, op)
		}
	case "=", "!=", ">", "<", ">=", "<=":
		if p.i == len(p.toks) {
			return cond, conductor.Invalidf("Invalid query: missing value after %s %s", name.text, op)
		}
		cond.Values = []string{p.next().text}
	default:
		return cond, conductor.Invalidf("Invalid query: unknown operator %q", opTok.text)
	}
	var err error
	cond.Values, err = normalise(field, cond.Values)
	return cond, err
}

// namesField reports whether the token at i is a field of the schema: a clause that starts
// with one is a comparison even in a lenient schema, and an error in it is the caller's to see.
func (p *parser) namesField(i int) bool {
	_, ok := p.schema.field(p.toks[i].text)
	return ok && !p.toks[i].quoted
}

// next returns the current token and moves past it.
func (p *parser) next() token {
	t := p.toks[p.i]
	p.i++
	return t
}

// skipClause moves to the next AND or OR outside a list, after a clause that did not parse.
func (p *parser) skipClause() {
	depth := 0
	for ; p.i < len(p.toks); p.i++ {
		t := p.toks[p.i]
		switch {
		case t.punct("("):
			depth++
		case t.punct(")"):
			depth = max(depth-1, 0)
		case depth == 0 && (t.keyword("AND") || t.keyword("OR")):
			return
		}
	}
}

// end is the offset in the query just past the last token read.
func (p *parser) end() int {
	if p.i == 0 {
		return 0
	}
	return p.toks[p.i-1].end
}

// fallbackCondition reads a whole clause as one value of the schema's fallback field.
func fallbackCondition(schema *Schema, clause string) store.Condition {
	clause = strings.TrimSpace(clause)
	if len(clause) >= 2 && (clause[0] == '\'' || clause[0] == '"') && clause[len(clause)-1] == clause[0] {
		clause = clause[1 : len(clause)-1]
	}
	return store.Condition{Field: schema.fallback, Op: "=", Values: []string{clause}}
}

// normalise checks values against the field's kind and returns them as the store takes them.
func normalise(field Field, values []string) ([]string, error) {
	out := make([]string, len(values))
	for i, v := range values {
		switch field.Kind {
		case Int32:
			if _, err := strconv.ParseInt(v, 10, 32); err != nil {
				return nil, conductor.Invalidf("Invalid query: %s must be a 32-bit integer, got %q", field.Name, v)
			}
		case Time:
			ms, ok := epochMillis(v)
			if !ok {
				return nil, conductor.Invalidf("Invalid query: %s must be epoch milliseconds or an RFC 3339 time, got %q", field.Name, v)
			}
			v = strconv.FormatInt(ms, 10)
		case Status:
			v = strings.ToUpper(v)
		case ID:
			// An id that is not a UUID names no record; it is kept so that = and IN match
			// nothing and != matches everything, and the store compares it as text.
			if u, err := uuid.Parse(v); err == nil {
				v = u.String()
			}
		}
		out[i] = v
	}
	return out, nil
}

// Epoch milliseconds of 0000-01-01 and 9999-12-31T23:59:59.999Z, the times PostgreSQL and
// RFC 3339 both hold.
const (
	minMillis = -62167219200000
	maxMillis = 253402300799999
)

// epochMillis reads epoch milliseconds or an RFC 3339 time within the years 0 to 9999.
func epochMillis(v string) (int64, bool) {
	ms, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		t, terr := time.Parse(time.RFC3339Nano, v)
		if terr != nil {
			return 0, false
		}
		ms = t.UnixMilli()
	}
	return ms, ms >= minMillis && ms <= maxMillis
}

// ParseSort reads a sort list, "field[:ASC|DESC]" items separated by | or ",", against schema.
// An unknown field is a 400, or, for a schema with a sort fallback, sorts by that field. An
// empty list gives the schema's default order.
func ParseSort(spec string, schema *Schema) ([]store.SortField, error) {
	var out []store.SortField
	for _, item := range strings.FieldsFunc(spec, func(r rune) bool { return r == '|' || r == ',' }) {
		name, dir, _ := strings.Cut(strings.TrimSpace(item), ":")
		name = strings.TrimSpace(name)
		if name == "" {
			continue
		}
		f, ok := schema.field(name)
		switch {
		case ok:
		case schema.sortFallback != "":
			f.Name = schema.sortFallback
		default:
			return nil, conductor.Invalidf("Cannot sort %s by unknown field %q", schema.Noun, name)
		}
		out = append(out, store.SortField{Field: f.Name, Desc: strings.EqualFold(strings.TrimSpace(dir), "DESC")})
	}
	if len(out) == 0 {
		return schema.defaultSort, nil
	}
	return out, nil
}

// token is one word, quoted string, operator or punctuation mark of a query, with its offsets.
type token struct {
	text    string
	quoted  bool
	at, end int
}

func (t token) keyword(word string) bool { return !t.quoted && strings.EqualFold(t.text, word) }

func (t token) punct(mark string) bool { return !t.quoted && t.text == mark }

// tokenize splits a query into words, quoted strings, operators and ( ) , marks.
func tokenize(s string) ([]token, error) {
	var toks []token
	for i := 0; i < len(s); {
		c := s[i]
		switch c {
		case ' ', '\t', '\n', '\r':
			i++
		case '\'', '"':
			end := strings.IndexByte(s[i+1:], c)
			if end < 0 {
				return nil, conductor.Invalidf("Invalid query: unterminated quote")
			}
			toks = append(toks, token{text: s[i+1 : i+1+end], quoted: true, at: i, end: i + end + 2})
			i += end + 2
		case '(', ')', ',':
			toks = append(toks, token{text: string(c), at: i, end: i + 1})
			i++
		case '=', '!', '<', '>':
			j := i + 1
			if j < len(s) && s[j] == '=' {
				j++
			}
			toks = append(toks, token{text: s[i:j], at: i, end: j})
			i = j
		default:
			j := i
			for j < len(s) && !strings.ContainsRune(" \t\n\r'\"(),=!<>", rune(s[j])) {
				j++
			}
			toks = append(toks, token{text: s[i:j], at: i, end: j})
			i = j
		}
	}
	return toks, nil
}
