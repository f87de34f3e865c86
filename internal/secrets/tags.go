package secrets

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"unicode/utf8"

	"github.com/podiumhq/podium/internal/auth"
	"github.com/podiumhq/podium/internal/conductor"
	"github.com/podiumhq/podium/store"
)

// Tag limits, the same as the engine's (engine.MaxTags and engine.MaxNameLength): tag keys and
// values are indexed, so they are bounded before any statement runs.
const (
	// MaxTags bounds the tags of one secret.
	MaxTags = 100
	// maxNameLength bounds tag keys and values, in characters.
	maxNameLength = 255
)

// Tags returns a secret's tags.
func (s *Service) Tags(ctx context.Context, name string) ([]conductor.Tag, error) {
	if err := ValidName(name); err != nil {
		return nil, err
	}
	rec, err := s.store.SecretGet(ctx, name)
	if errors.Is(err, conductor.ErrNotFound) {
		return nil, secretNotFound(name)
	}
	if err != nil {
		return nil, err
	}
	return nonNil(rec.Tags), nil
}

// PutTags adds tags on behalf of p (UPDATE on the secret); a tag whose key exists replaces its
// value.
func (s *Service) PutTags(ctx context.Context, p *auth.Principal, name string, tags []conductor.Tag) error {
	if err := checkTags(tags); err != nil {
		return err
	}
	return s.editTags(ctx, p, name, func(cur []conductor.Tag) []conductor.Tag { return mergeTags(cur, tags) })
}

// DeleteTags removes tags (matching key and value) on behalf of p (UPDATE on the secret).
func (s *Service) DeleteTags(ctx context.Context, p *auth.Principal, name string, tags []conductor.Tag) error {
	return s.editTags(ctx, p, name, func(cur []conductor.Tag) []conductor.Tag { return removeTags(cur, tags) })
}

func (s *Service) editTags(ctx context.Context, p *auth.Principal, name string, edit func([]conductor.Tag) []conductor.Tag) error {
	if err := ValidName(name); err != nil {
		return err
	}
	if err := mayChangeSecret(p, name, auth.AccessUpdate); err != nil {
		return err
	}
	return s.store.InTx(ctx, func(q *store.Queries) error {
		rec, err := q.SecretGetForUpdate(ctx, name)
		if errors.Is(err, conductor.ErrNotFound) {
			return secretNotFound(name)
		}
		if err != nil {
			return err
		}
		tags := nonNil(edit(rec.Tags))
		if len(tags) > MaxTags {
			return tooManyTags(len(tags))
		}
		return q.SecretSetTags(ctx, name, tags)
	})
}

// checkTags refuses more than MaxTags tags or a tag key or value longer than maxNameLength.
func checkTags(tags []conductor.Tag) error {
	if len(tags) > MaxTags {
		return conductor.Invalidf("At most %d tags are allowed (got %d)", MaxTags, len(tags))
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
func nonNil(s []conductor.Tag) []conductor.Tag {
	if s == nil {
		return []conductor.Tag{}
	}
	return s
}
