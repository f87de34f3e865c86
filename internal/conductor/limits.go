package conductor

import (
	"fmt"
	"slices"
	"unicode/utf8"
)

// Input limits. Names and keys are indexed (a B-tree row holds at most about 2.7 kB), so they
// are bounded before any statement runs: an over-long value is a 400 naming the field, never
// a database error.
const (
	// MaxNameLength bounds names and keys, in characters: workflow and task names, reference
	// names, correlationId, idempotencyKey, domains, worker ids, tag keys and values.
	MaxNameLength = 255
	// MaxTags bounds the tags of one secret, schedule or application.
	MaxTags = 100
)

// CheckName refuses a name or key longer than MaxNameLength characters.
func CheckName(field, value string) error {
	if len(value) > MaxNameLength && utf8.RuneCountInString(value) > MaxNameLength {
		return Invalidf("%s must be at most %d characters (got %d)", field, MaxNameLength, utf8.RuneCountInString(value))
	}
	return nil
}

// CheckNames is CheckName over field/value pairs, returning the first failure.
func CheckNames(pairs ...string) error {
	for i := 0; i+1 < len(pairs); i += 2 {
		if err := CheckName(pairs[i], pairs[i+1]); err != nil {
			return err
		}
	}
	return nil
}

// CheckTags refuses more than MaxTags tags or a tag key or value longer than MaxNameLength.
func CheckTags(tags []Tag) error {
	if len(tags) > MaxTags {
		return Invalidf("At most %d tags are allowed (got %d)", MaxTags, len(tags))
	}
	for i, t := range tags {
		if err := CheckNames(fmt.Sprintf("tags[%d].key", i), t.Key, fmt.Sprintf("tags[%d].value", i), t.Value); err != nil {
			return err
		}
	}
	return nil
}

// TooManyTags refuses a tag edit that would leave n (more than MaxTags) tags.
func TooManyTags(n int) error {
	return Invalidf("At most %d tags are allowed (the change would leave %d)", MaxTags, n)
}

// MergeTags adds tags to cur; a tag whose key exists replaces its value. The result is never nil.
func MergeTags(cur, tags []Tag) []Tag {
	for _, t := range tags {
		i := slices.IndexFunc(cur, func(c Tag) bool { return c.Key == t.Key })
		if i >= 0 {
			cur[i].Value = t.Value
		} else {
			cur = append(cur, t)
		}
	}
	return NonNil(cur)
}

// RemoveTags removes from cur the tags matching one of tags in key and value. The result is
// never nil.
func RemoveTags(cur, tags []Tag) []Tag {
	return NonNil(slices.DeleteFunc(cur, func(c Tag) bool { return slices.Contains(tags, c) }))
}

// Truncate cuts s to at most n bytes on a rune boundary, marking a cut with "…" (so a cut
// result is up to n+3 bytes long); s fitting in n bytes is returned unchanged.
func Truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}
