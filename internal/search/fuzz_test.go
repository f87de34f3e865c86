package search

import (
	"errors"
	"strconv"
	"testing"

	"github.com/podiumhq/podium/internal/conductor"
	"github.com/podiumhq/podium/store"
)

// FuzzParseQuery feeds the grammar arbitrary text against every schema: it never panics, and
// it answers either conditions the store can run (known canonical fields and operators, a
// value for every comparison, int32 integers and epoch-millisecond times) or an ErrInvalid
// error.
func FuzzParseQuery(f *testing.F) {
	for _, seed := range []string{
		"", "status IN ()", "status NOT IN (RUNNING, 'FAILED')", "version>99999999999", "priority=2147483648",
		`workflowType = "a b" AND version IN (1,2) OR correlationId != 'x'`, "startTime > 1700000000000",
		"endTime <= 2024-01-02T03:04:05Z", "status IN (", "version NOT", "AND", "status = 'unterminated",
		"workflowId=(", "idempotencyKey IN (')')", "version IN (1,,2)", "scheduleName IN (a) AND nightly",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, query string) {
		for _, schema := range []*Schema{Workflows, Tasks, ScheduleExecutions} {
			q, err := Parse(query, schema)
			if err != nil {
				if !errors.Is(err, conductor.ErrInvalid) {
					t.Fatalf("Parse(%q, %s): error of no client kind: %v", query, schema.Noun, err)
				}
				continue
			}
			checkRunnable(t, query, schema, q)
		}
	})
}

func checkRunnable(t *testing.T, query string, schema *Schema, q store.Query) {
	t.Helper()
	for _, and := range q {
		if len(and) == 0 {
			t.Fatalf("Parse(%q, %s): empty AND group", query, schema.Noun)
		}
		for _, c := range and {
			f, ok := schema.field(c.Field)
			if !ok || f.Name != c.Field {
				t.Fatalf("Parse(%q, %s): field %q is not canonical", query, schema.Noun, c.Field)
			}
			switch c.Op {
			case "IN", "NOT IN":
				if len(c.Values) == 0 {
					t.Fatalf("Parse(%q, %s): empty %s list accepted", query, schema.Noun, c.Op)
				}
			case "=", "!=", ">", "<", ">=", "<=":
				if len(c.Values) != 1 {
					t.Fatalf("Parse(%q, %s): %s with %d values", query, schema.Noun, c.Op, len(c.Values))
				}
			default:
				t.Fatalf("Parse(%q, %s): unknown operator %q accepted", query, schema.Noun, c.Op)
			}
			for _, v := range c.Values {
				bits := map[Kind]int{Int32: 32, Time: 64}[f.Kind]
				if _, err := strconv.ParseInt(v, 10, bits); bits > 0 && err != nil {
					t.Fatalf("Parse(%q, %s): %s value %q does not fit the store", query, schema.Noun, c.Field, v)
				}
			}
		}
	}
}
