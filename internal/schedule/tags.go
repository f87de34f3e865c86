package schedule

import (
	"fmt"
	"slices"
	"unicode/utf8"

	"github.com/podiumhq/podium/internal/conductor"
)

// Tag limits, the same as the engine's for secrets and applications (engine.MaxTags and
// engine.MaxNameLength): tag keys and values are indexed, so they are bounded before any
// statement runs.
const (
	// maxTags bounds the tags of one schedule.
	maxTags = 100
	// maxNameLength bounds tag keys and values, in characters.
	maxNameLength = 255
)

// checkTags refuses more than maxTags tags or a tag key or value longer than maxNameLength.
func checkTags(tags []conductor.Tag) error {
	if len(tags) > maxTags {
		return conductor.Invalidf("At most %d tags are allowed (got %d)", maxTags, len(tags))
	}
	for i, t := range tags {
		for _, f := range []struct{ field, value string }{
			{fmt.Sprintf("tags[%d].key", i), t.Key}, {fmt.Sprintf("tags[%d].value", i), t.Value},
		} {
			if len(f.value) > maxNameLength && utf8.RuneCountInString(f.value) > maxNameLength {
				return conductor.Invalidf("%s must be at most %d characters (got %d)", f.field, maxNameLength, utf8.RuneCountInString(f.value))
			}
		}
	}
	return nil
}

// tooManyTags refuses a tag edit that would leave more than maxTags tags.
func tooManyTags(n int) error {
	return conductor.Invalidf("At most %d tags are allowed (the change would leave %d)", maxTags, n)
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
func nonNil(s []conductor.Tag) []conductor.Tag {
	if s == nil {
		return []conductor.Tag{}
	}
	return s
}
