package engine

import (
	"errors"
	"strconv"
	"testing"

	"github.com/podiumhq/podium/internal/conductor"
	"github.com/podiumhq/podium/store"
)

// FuzzParseQuery feeds the search grammar arbitrary text: it never panics, and it answers
// either conditions the store can run (known fields and operators, a value for every
// comparison, int32 versions and priorities) or an ErrInvalid error.
func FuzzParseQuery(f *testing.F) {
	for _, seed := range []string{
		"", "status IN ()", "status NOT IN (RUNNING, 'FAILED')", "version>99999999999", "priority=2147483648",
		`workflowType = "a b" AND version IN (1,2) OR correlationId != 'x'`, "startTime > 1700000000000",
		"endTime <= 2024-01-02T03:04:05Z", "status IN (", "version NOT", "AND", "status = 'unterminated",
		"workflowId=(", "idempotencyKey IN (')')", "version IN (1,,2)",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, query string) {
		groups, err := parseQuery(query)
		if err != nil {
			if !errors.Is(err, conductor.ErrInvalid) {
				t.Fatalf("parseQuery(%q): error of no client kind: %v", query, err)
			}
			return
		}
		for _, and := range groups {
			if len(and) == 0 {
				t.Fatalf("parseQuery(%q): empty AND group", query)
			}
			for _, c := range and {
				if !store.SearchableField(c.Field) {
					t.Fatalf("parseQuery(%q): unknown field %q accepted", query, c.Field)
				}
				switch c.Op {
				case "IN", "NOT IN":
					if len(c.Values) == 0 {
						t.Fatalf("parseQuery(%q): empty %s list accepted", query, c.Op)
					}
				case "=", "!=", ">", "<", ">=", "<=":
					if len(c.Values) != 1 {
						t.Fatalf("parseQuery(%q): %s with %d values", query, c.Op, len(c.Values))
					}
				default:
					t.Fatalf("parseQuery(%q): unknown operator %q accepted", query, c.Op)
				}
				if c.Field == "version" || c.Field == "priority" {
					for _, v := range c.Values {
						if _, err := strconv.ParseInt(v, 10, 32); err != nil {
							t.Fatalf("parseQuery(%q): %s value %q is not an int32", query, c.Field, v)
						}
					}
				}
			}
		}
	})
}
