package store

import (
	"cmp"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/podiumhq/podium/internal/conductor"
)

// columnKind says how a searched column is typed, so that a condition compares it with a
// value of its own type (and an index on it serves).
type columnKind int

const (
	textColumn   columnKind = iota
	intColumn               // integer
	timeColumn              // timestamptz; values are epoch milliseconds
	millisColumn            // bigint epoch milliseconds
	uuidColumn              // uuid; a value that is no UUID matches nothing
)

// searchColumn is the column a search field reads; order, when set, is what the field sorts
// by instead of the column itself (a collation).
type searchColumn struct {
	name  string
	kind  columnKind
	order string
}

// notNullColumns are the sortable columns that never hold NULL: sorting them descending needs
// no NULLS LAST, which would keep their indexes (NULLS FIRST when descending) from serving it.
var notNullColumns = map[string]bool{
	"create_time": true, "update_time": true, "workflow_name": true, "workflow_id": true, "status": true,
	"workflow_version": true, "priority": true, "t.update_time": true, "t.task_id": true, "t.status": true,
	"t.task_type": true, "t.ref_name": true,
}

// searchColumns maps the canonical fields of one kind of search to their columns.
type searchColumns map[string]searchColumn

// filter builds a WHERE clause and its arguments from a Query.
type filter struct {
	args []any
	// perValue is set when the best plan depends on the arguments' values (a status that is
	// rare or common, a pattern's trigrams): the statement is then planned for the values it
	// carries, not run with the connection's generic plan (see Open).
	perValue bool
}

// queryArgs returns the arguments to run f's statement with: f's, preceded, when perValue
// is set, by the exec mode that sends them in the statement's text (the simple protocol), so
// that PostgreSQL plans it for them.
func (f *filter) queryArgs(extra ...any) []any {
	args := make([]any, 0, len(f.args)+len(extra)+1)
	if f.perValue {
		args = append(args, pgx.QueryExecModeSimpleProtocol)
	}
	return append(append(args, f.args...), extra...)
}

// arg adds an argument and returns its placeholder.
func (f *filter) arg(v any) string {
	f.args = append(f.args, v)
	return fmt.Sprintf("$%d", len(f.args))
}

// where returns the SQL of q over cols: "TRUE" for an empty query.
func (f *filter) where(q Query, cols searchColumns) (string, error) {
	var ors []string
	for _, and := range q {
		var parts []string
		for _, c := range and {
			part, err := f.condition(c, cols)
			if err != nil {
				return "", err
			}
			parts = append(parts, part)
		}
		if len(parts) > 0 {
			ors = append(ors, "("+strings.Join(parts, " AND ")+")")
		}
	}
	if len(ors) == 0 {
		return "TRUE", nil
	}
	return "(" + strings.Join(ors, " OR ") + ")", nil
}

// condition returns the SQL of one comparison; the column is never cast, so its index serves.
func (f *filter) condition(c Condition, cols searchColumns) (string, error) {
	col, ok := cols[c.Field]
	if !ok {
		return "", conductor.Invalidf("Unknown search field %q", c.Field)
	}
	values, err := typedValues(c, col.kind)
	if err != nil {
		return "", err
	}
	switch c.Op {
	case "IN", "NOT IN":
		if len(values) == 0 { // ids that are no UUID: IN matches nothing, NOT IN excludes nothing
			return strconv.FormatBool(c.Op == "NOT IN"), nil
		}
		ph := make([]string, len(values))
		for i, v := range values {
			ph[i] = f.arg(v)
		}
		return fmt.Sprintf("%s %s (%s)", col.name, c.Op, strings.Join(ph, ", ")), nil
	case "=", "!=", ">", "<", ">=", "<=":
		if len(c.Values) != 1 {
			return "", conductor.Invalidf("Operator %s on %s takes one value", c.Op, c.Field)
		}
		switch {
		case len(values) == 1:
			return fmt.Sprintf("%s %s %s", col.name, sqlOperator(c.Op), f.arg(values[0])), nil
		case c.Op == "=":
			return "FALSE", nil // an id that is no UUID
		case c.Op == "!=":
			return "TRUE", nil
		default: // an order over an id that is no UUID compares the text
			return fmt.Sprintf("%s::text %s %s", col.name, c.Op, f.arg(c.Values[0])), nil
		}
	default:
		return "", conductor.Invalidf("Unknown search operator %q", c.Op)
	}
}

func sqlOperator(op string) string {
	if op == "!=" {
		return "<>"
	}
	return op
}

// typedValues converts a condition's values to the column's type; ids that are no UUID are
// left out.
func typedValues(c Condition, kind columnKind) ([]any, error) {
	out := make([]any, 0, len(c.Values))
	for _, v := range c.Values {
		switch kind {
		case intColumn:
			n, err := strconv.ParseInt(v, 10, 32)
			if err != nil {
				return nil, conductor.Invalidf("Invalid query: %s must be a 32-bit integer, got %q", c.Field, v)
			}
			out = append(out, int32(n))
		case timeColumn, millisColumn:
			ms, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				return nil, conductor.Invalidf("Invalid query: %s must be epoch milliseconds, got %q", c.Field, v)
			}
			if kind == timeColumn {
				out = append(out, time.UnixMilli(ms))
			} else {
				out = append(out, ms)
			}
		case uuidColumn:
			if u, err := uuid.Parse(v); err == nil {
				out = append(out, u.String())
			}
		default:
			out = append(out, v)
		}
	}
	return out, nil
}

// orderBy returns the ORDER BY items of sort over cols, each followed by ", ".
func orderBy(sort []SortField, cols searchColumns) (string, error) {
	exprs, dirs, err := sortTerms(sort, cols)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	for i, e := range exprs {
		b.WriteString(e + dirs[i] + ", ")
	}
	return b.String(), nil
}

// sortTerms returns the expression and the direction (" DESC", " DESC NULLS LAST" or
// " ASC NULLS LAST") of each field of sort over cols.
func sortTerms(sort []SortField, cols searchColumns) (exprs, dirs []string, err error) {
	for _, s := range sort {
		col, ok := cols[s.Field]
		if !ok {
			return nil, nil, conductor.Invalidf("Unknown sort field %q", s.Field)
		}
		name := cmp.Or(col.order, col.name)
		dir := " ASC NULLS LAST"
		switch {
		case s.Desc && notNullColumns[name]:
			dir = " DESC" // as its index orders it, so the index serves the sort
		case s.Desc:
			dir = " DESC NULLS LAST"
		}
		exprs, dirs = append(exprs, name), append(dirs, dir)
	}
	return exprs, dirs, nil
}
