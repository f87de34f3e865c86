package secrets

import (
	"context"
	"errors"

	"github.com/podiumhq/podium/internal/auth"
	"github.com/podiumhq/podium/internal/conductor"
	"github.com/podiumhq/podium/store"
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
	return conductor.NonNil(rec.Tags), nil
}

// PutTags adds tags on behalf of p (UPDATE on the secret); a tag whose key exists replaces its
// value.
func (s *Service) PutTags(ctx context.Context, p *auth.Principal, name string, tags []conductor.Tag) error {
	if err := conductor.CheckTags(tags); err != nil {
		return err
	}
	return s.editTags(ctx, p, name, func(cur []conductor.Tag) []conductor.Tag { return conductor.MergeTags(cur, tags) })
}

// DeleteTags removes tags (matching key and value) on behalf of p (UPDATE on the secret).
func (s *Service) DeleteTags(ctx context.Context, p *auth.Principal, name string, tags []conductor.Tag) error {
	return s.editTags(ctx, p, name, func(cur []conductor.Tag) []conductor.Tag { return conductor.RemoveTags(cur, tags) })
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
		tags := conductor.NonNil(edit(rec.Tags))
		if len(tags) > conductor.MaxTags {
			return conductor.TooManyTags(len(tags))
		}
		return q.SecretSetTags(ctx, name, tags)
	})
}
