package store

import (
	"strings"
	"unicode"

	"github.com/google/uuid"
)

// The free text of a workflow search. As in Conductor's Lucene-style free text, * stands for
// any run of characters and ? for one; without them the text is looked for anywhere in a
// correlation id. An execution matches when one of these holds:
//   - the text is its id (a UUID in any case), or the start of its id (8 hex digits or more,
//     with dashes where a UUID has them or none): the primary key's range;
//   - the text is its workflow name, exactly;
//   - its correlation id contains the text in any case, or matches the wildcard pattern (the
//     trigram index, which needs three letters or digits in a row: with fewer the correlation
//     id must equal the text).

// freeTextMinRun is how many letters or digits in a row a substring or wildcard match needs:
// the length of a trigram, without which the index cannot narrow the search.
const freeTextMinRun = 3

// idPrefixMinDigits is how many hex digits an id prefix needs to be taken as one.
const idPrefixMinDigits = 8

// workflowFreeText returns the condition of free text ft (neither empty nor "*"), its
// arguments in f.
func workflowFreeText(f *filter, ft string) string {
	var ors []string
	if u, err := uuid.Parse(ft); err == nil {
		ors = append(ors, "workflow_id = "+f.arg(u.String())+"::uuid")
	} else if lower, upper, ok := idPrefixRange(ft); ok {
		cond := "workflow_id >= " + f.arg(lower) + "::uuid"
		if upper != "" {
			cond += " AND workflow_id < " + f.arg(upper) + "::uuid"
		}
		ors = append(ors, "("+cond+")")
	}
	text := f.arg(ft)
	ors = append(ors, "workflow_name = "+text)
	if pattern, ok := likePattern(ft); ok {
		ors = append(ors, "correlation_id ILIKE "+f.arg(pattern))
	} else {
		ors = append(ors, "correlation_id = "+text)
	}
	return "(" + strings.Join(ors, " OR ") + ")"
}

// idPrefixRange returns the range [lower, upper) of the UUIDs that start with s, when s is the
// beginning of a UUID's text (hex digits in any case, with dashes where a UUID has them or
// none) with at least idPrefixMinDigits digits and fewer than a whole UUID's; upper is ""
// when every id above lower starts with s.
func idPrefixRange(s string) (lower, upper string, ok bool) {
	const canonical = "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx"
	if len(s) >= len(canonical) {
		return "", "", false
	}
	dashed := strings.Contains(s, "-")
	digits := make([]byte, 0, 32)
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case dashed && canonical[i] == '-':
			if c != '-' {
				return "", "", false
			}
		case '0' <= c && c <= '9', 'a' <= c && c <= 'f':
			digits = append(digits, c)
		case 'A' <= c && c <= 'F':
			digits = append(digits, c+'a'-'A')
		default:
			return "", "", false
		}
	}
	if len(digits) < idPrefixMinDigits || len(digits) >= 32 {
		return "", "", false
	}
	pad := strings.Repeat("0", 32-len(digits))
	lower = string(digits) + pad
	// The next prefix: the digits plus one, carrying over f's; none after all f's.
	next := []byte(string(digits))
	for i := len(next) - 1; i >= 0; i-- {
		if next[i] != 'f' {
			next[i] = nextHexDigit(next[i])
			upper = string(next) + pad
			break
		}
		next[i] = '0'
	}
	return formatUUID(lower), formatUUID(upper), true
}

func nextHexDigit(c byte) byte {
	if c == '9' {
		return 'a'
	}
	return c + 1
}

// formatUUID writes 32 hex digits as a UUID's text; "" stays "".
func formatUUID(hex string) string {
	if hex == "" {
		return ""
	}
	return hex[:8] + "-" + hex[8:12] + "-" + hex[12:16] + "-" + hex[16:20] + "-" + hex[20:]
}

// likePattern returns the ILIKE pattern of free text s: its * and ? made % and _ (the
// pattern then spans the whole correlation id), or, without them, s anywhere; false when s
// has no freeTextMinRun letters or digits in a row.
func likePattern(s string) (string, bool) {
	var b strings.Builder
	wildcard := strings.ContainsAny(s, "*?")
	if !wildcard {
		b.WriteByte('%')
	}
	run, longest := 0, 0
	for _, r := range s {
		switch r {
		case '*':
			b.WriteByte('%')
		case '?':
			b.WriteByte('_')
		case '%', '_', '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		default:
			b.WriteRune(r)
		}
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			run++
			longest = max(longest, run)
		} else {
			run = 0
		}
	}
	if !wildcard {
		b.WriteByte('%')
	}
	if longest < freeTextMinRun {
		return "", false
	}
	return b.String(), true
}
