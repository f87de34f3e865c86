package access

import (
	"fmt"
	"slices"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/podiumhq/podium/internal/conductor"
)

// Input limits, the same as the engine's (engine.MaxNameLength and engine.MaxTags): names,
// tag keys and values are indexed, so they are bounded before any statement runs.
const (
	// MaxTags bounds the tags of one application.
	MaxTags = 100
	// maxNameLength bounds names, tag keys and values, in characters.
	maxNameLength = 255
)

// newID returns a fresh id for an application or access key.
func newID() string { return uuid.NewString() }

// validID reports whether id can name an application (ids are UUIDs); anything else is simply
// not found, without asking the database.
func validID(id string) bool { return uuid.Validate(id) == nil }

// checkNames refuses, for field/value pairs, the first value longer than maxNameLength
// characters.
func checkNames(pairs ...string) error {
	for i := 0; i+1 < len(pairs); i += 2 {
		field, value := pairs[i], pairs[i+1]
		if len(value) > maxNameLength && utf8.RuneCountInString(value) > maxNameLength {
			return conductor.Invalidf("%s must be at most %d characters (got %d)", field, maxNameLength, utf8.RuneCountInString(value))
		}
	}
	return nil
}

// checkTags refuses more than MaxTags tags or a tag key or value longer than maxNameLength.
func checkTags(tags []conductor.Tag) error {
	if len(tags) > MaxTags {
		return conductor.Invalidf("At most %d tags are allowed (got %d)", MaxTags, len(tags))
	}
	for i, t := range tags {
		if err := checkNames(fmt.Sprintf("tags[%d].key", i), t.Key, fmt.Sprintf("tags[%d].value", i), t.Value); err != nil {
			return err
		}
	}
	return nil
}

// tooManyTags refuses a tag edit that would leave more than MaxTags tags.
func tooManyTags(n int) error {
	return conductor.Invalidf("At most %d tags are allowed (the change would leave %d)", MaxTags, n)
}

// mergeTags adds tags to cur; a tag whose key exists replaces its value.
func mergeTags(cur, tags []conductor.Tag) []conductor.Tag {
	for _, t := range tags {
		i := slices.IndexFunc(cur, func(c conductor.Tag) bool { return c.Key == t.Key })
		if i >= 0 {
			cur[i].Value = t.Value
		} else {
			cur = append(cur, t)
		}
	}
	return nonNil(cur)
}

// removeTags removes from cur the tags matching one of tags in key and value.
func removeTags(cur, tags []conductor.Tag) []conductor.Tag {
	return nonNil(slices.DeleteFunc(cur, func(c conductor.Tag) bool { return slices.Contains(tags, c) }))
}

// nonNil returns s, or an empty slice for nil (JSON [] rather than null).
func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
