package engine

import (
	"fmt"
	"slices"
	"unicode/utf8"

	"github.com/podiumhq/podium/internal/conductor"
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

// checkName refuses a name or key longer than MaxNameLength characters.
func checkName(field, value string) error {
	if len(value) > MaxNameLength && utf8.RuneCountInString(value) > MaxNameLength {
		return conductor.Invalidf("%s must be at most %d characters (got %d)", field, MaxNameLength, utf8.RuneCountInString(value))
	}
	return nil
}

// checkNames is checkName over field/value pairs, returning the first failure.
func checkNames(pairs ...string) error {
	for i := 0; i+1 < len(pairs); i += 2 {
		if err := checkName(pairs[i], pairs[i+1]); err != nil {
			return err
		}
	}
	return nil
}

// addNameError records a too-long name in errs (for validations that list every failure).
func addNameError(errs *conductor.ValidationErrors, path, value string) {
	if n := utf8.RuneCountInString(value); n > MaxNameLength {
		errs.Add(path, fmt.Sprintf("%s must be at most %d characters (got %d)", path, MaxNameLength, n), nil)
	}
}

// checkTags refuses more than MaxTags tags or a tag key or value longer than MaxNameLength.
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

// checkStartNames bounds the names and keys of a start request.
func checkStartNames(req *conductor.StartWorkflowRequest) error {
	if err := checkNames("name", req.Name, "correlationId", req.CorrelationID,
		"idempotencyKey", req.IdempotencyKey, "createdBy", req.CreatedBy); err != nil {
		return err
	}
	for task, domain := range req.TaskToDomain {
		if err := checkNames("taskToDomain key", task, "taskToDomain["+shortened(task)+"]", domain); err != nil {
			return err
		}
	}
	return nil
}

// shortened shortens s for an error message.
func shortened(s string) string {
	if utf8.RuneCountInString(s) <= 40 {
		return s
	}
	return string([]rune(s)[:40]) + "…"
}
