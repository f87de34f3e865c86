package access

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/podiumhq/podium/internal/auth"
	"github.com/podiumhq/podium/internal/conductor"
	"github.com/podiumhq/podium/store"
)

// Access key statuses.
const (
	KeyActive   = "ACTIVE"
	KeyInactive = "INACTIVE"
)

// Application is an application as the API shows it.
type Application struct {
	ID         string          `json:"id"`
	Name       string          `json:"name"`
	CreatedBy  string          `json:"createdBy,omitempty"`
	UpdatedBy  string          `json:"updatedBy,omitempty"`
	CreateTime int64           `json:"createTime"`
	UpdateTime int64           `json:"updateTime"`
	Roles      []string        `json:"roles"`
	Tags       []conductor.Tag `json:"tags"`
}

func applicationOf(rec *store.ApplicationRecord) *Application {
	return &Application{ID: rec.ID, Name: rec.Name, CreatedBy: rec.CreatedBy, UpdatedBy: rec.UpdatedBy,
		CreateTime: rec.CreateTime.UnixMilli(), UpdateTime: rec.UpdateTime.UnixMilli(),
		Roles: conductor.NonNil(rec.Roles), Tags: conductor.NonNil(rec.Tags)}
}

func applicationNotFound(id string) error {
	return conductor.NotFoundf("Application '%s' not found", id)
}

func validApplicationName(name string) error {
	if strings.TrimSpace(name) == "" {
		return conductor.Invalidf("Application name is required")
	}
	if len(name) > 255 {
		return conductor.Invalidf("Application name must be at most 255 characters")
	}
	return nil
}

// validRole checks a role name.
func validRole(role string) error {
	if !auth.ValidRole(role) {
		return conductor.Invalidf("Unknown role %q; one of %s", role, strings.Join(auth.Roles, ", "))
	}
	return nil
}

// byOf is what an application records as changed by p ("" with authentication off).
func byOf(p *auth.Principal) string {
	if p == nil {
		return ""
	}
	return p.ID
}

// mayManage checks that p may change, re-key, toggle the keys of or delete the application
// rec: p must hold every role rec holds, so nobody gains rights through an application they
// manage (only ADMIN touches an ADMIN application). nil p (authentication off) may.
func mayManage(p *auth.Principal, rec *store.ApplicationRecord) error {
	if p == nil || p.HoldsAll(rec.Roles) {
		return nil
	}
	var missing []string
	for _, r := range rec.Roles {
		if !p.Holds(r) {
			missing = append(missing, r)
		}
	}
	return conductor.Forbiddenf("Access denied: %s may not manage application '%s', which holds roles it does not (%s)",
		p.Name, rec.ID, strings.Join(missing, ", "))
}

// CreateApplication creates an application (with no roles) on behalf of p.
func (s *Service) CreateApplication(ctx context.Context, p *auth.Principal, name string) (*Application, error) {
	if err := validApplicationName(name); err != nil {
		return nil, err
	}
	now := s.now()
	by := byOf(p)
	rec := &store.ApplicationRecord{ID: newID(), Name: name, CreateTime: now, UpdateTime: now, CreatedBy: by, UpdatedBy: by}
	if err := s.store.ApplicationCreate(ctx, rec); err != nil {
		return nil, err
	}
	return applicationOf(rec), nil
}

// Applications lists every application.
func (s *Service) Applications(ctx context.Context) ([]*Application, error) {
	recs, err := s.store.ApplicationList(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]*Application, len(recs))
	for i, rec := range recs {
		out[i] = applicationOf(rec)
	}
	return out, nil
}

// Application returns one application; 404 when unknown.
func (s *Service) Application(ctx context.Context, id string) (*Application, error) {
	if !validID(id) {
		return nil, applicationNotFound(id)
	}
	rec, err := s.store.ApplicationGet(ctx, id)
	if errors.Is(err, conductor.ErrNotFound) {
		return nil, applicationNotFound(id)
	}
	if err != nil {
		return nil, err
	}
	return applicationOf(rec), nil
}

// withManagedApplication locks application id, checks that p may manage it and runs do in
// the same transaction; access caches are cleared everywhere when it succeeds.
func (s *Service) withManagedApplication(ctx context.Context, p *auth.Principal, id string, do func(q *store.Queries, rec *store.ApplicationRecord) error) error {
	if !validID(id) {
		return applicationNotFound(id)
	}
	err := s.store.InTx(ctx, func(q *store.Queries) error {
		rec, err := q.ApplicationGetForUpdate(ctx, id)
		if errors.Is(err, conductor.ErrNotFound) {
			return applicationNotFound(id)
		}
		if err != nil {
			return err
		}
		if err := mayManage(p, rec); err != nil {
			return err
		}
		return do(q, rec)
	})
	if err == nil {
		s.Changed()
	}
	return err
}

// editApplication runs change on the application id, which p must be allowed to manage, and
// saves it.
func (s *Service) editApplication(ctx context.Context, p *auth.Principal, id string, change func(rec *store.ApplicationRecord) error) (*Application, error) {
	var out *Application
	err := s.withManagedApplication(ctx, p, id, func(q *store.Queries, rec *store.ApplicationRecord) error {
		if err := change(rec); err != nil {
			return err
		}
		rec.UpdateTime = s.now()
		if by := byOf(p); by != "" {
			rec.UpdatedBy = by
		}
		out = applicationOf(rec)
		return q.ApplicationUpdate(ctx, rec)
	})
	return out, err
}

// RenameApplication changes an application's name.
func (s *Service) RenameApplication(ctx context.Context, p *auth.Principal, id, name string) (*Application, error) {
	if err := validApplicationName(name); err != nil {
		return nil, err
	}
	return s.editApplication(ctx, p, id, func(rec *store.ApplicationRecord) error {
		rec.Name = name
		return nil
	})
}

// AddApplicationRole gives an application a role; p must hold the role itself.
func (s *Service) AddApplicationRole(ctx context.Context, p *auth.Principal, id, role string) (*Application, error) {
	if err := validRole(role); err != nil {
		return nil, err
	}
	if p != nil && !p.Holds(role) {
		return nil, conductor.Forbiddenf("Access denied: %s may not grant role %s, which it does not hold", p.Name, role)
	}
	return s.editApplication(ctx, p, id, func(rec *store.ApplicationRecord) error {
		if !slices.Contains(rec.Roles, role) {
			rec.Roles = append(rec.Roles, role)
		}
		return nil
	})
}

// RemoveApplicationRole takes a role from an application.
func (s *Service) RemoveApplicationRole(ctx context.Context, p *auth.Principal, id, role string) (*Application, error) {
	if err := validRole(role); err != nil {
		return nil, err
	}
	return s.editApplication(ctx, p, id, func(rec *store.ApplicationRecord) error {
		rec.Roles = slices.DeleteFunc(rec.Roles, func(r string) bool { return r == role })
		return nil
	})
}

// PutApplicationTags adds tags; a tag whose key exists replaces its value.
func (s *Service) PutApplicationTags(ctx context.Context, p *auth.Principal, id string, tags []conductor.Tag) error {
	if err := conductor.CheckTags(tags); err != nil {
		return err
	}
	_, err := s.editApplication(ctx, p, id, func(rec *store.ApplicationRecord) error {
		rec.Tags = conductor.MergeTags(rec.Tags, tags)
		if len(rec.Tags) > conductor.MaxTags {
			return conductor.TooManyTags(len(rec.Tags))
		}
		return nil
	})
	return err
}

// DeleteApplicationTags removes tags (matching key and value).
func (s *Service) DeleteApplicationTags(ctx context.Context, p *auth.Principal, id string, tags []conductor.Tag) error {
	_, err := s.editApplication(ctx, p, id, func(rec *store.ApplicationRecord) error {
		rec.Tags = conductor.RemoveTags(rec.Tags, tags)
		return nil
	})
	return err
}

// DeleteApplication removes an application, its keys and its grants: tokens issued for its
// keys stop working at once.
func (s *Service) DeleteApplication(ctx context.Context, p *auth.Principal, id string) error {
	return s.withManagedApplication(ctx, p, id, func(q *store.Queries, _ *store.ApplicationRecord) error {
		return q.ApplicationDelete(ctx, id)
	})
}

// AccessKey is an access key as listed (never its secret).
type AccessKey struct {
	ID        string `json:"id"`
	CreatedAt int64  `json:"createdAt"`
	Status    string `json:"status"`
}

// NewAccessKey is a created key: the only time its secret is shown.
type NewAccessKey struct {
	ID     string `json:"id"`
	Secret string `json:"secret"`
}

func accessKeyOf(k *store.AccessKeyRecord) AccessKey {
	return AccessKey{ID: k.ID, CreatedAt: k.CreatedAt.UnixMilli(), Status: k.Status}
}

// CreateAccessKey issues a key for an application p may manage; its secret is returned once
// and stored only as a slow hash.
func (s *Service) CreateAccessKey(ctx context.Context, p *auth.Principal, applicationID string) (*NewAccessKey, error) {
	if _, err := s.Application(ctx, applicationID); err != nil {
		return nil, err
	}
	secret := auth.NewSecret()
	k := &store.AccessKeyRecord{ID: newID(), ApplicationID: applicationID, SecretHash: auth.HashSecret(secret),
		Status: KeyActive, CreatedAt: s.now()}
	err := s.withManagedApplication(ctx, p, applicationID, func(q *store.Queries, _ *store.ApplicationRecord) error {
		return q.AccessKeyCreate(ctx, k)
	})
	if errors.Is(err, conductor.ErrConflict) {
		return nil, applicationNotFound(applicationID)
	}
	if err != nil {
		if errors.Is(err, conductor.ErrNotFound) || errors.Is(err, conductor.ErrForbidden) {
			return nil, err
		}
		return nil, fmt.Errorf("error creating access key: %w", err)
	}
	return &NewAccessKey{ID: k.ID, Secret: secret}, nil
}

// AccessKeys lists an application's keys.
func (s *Service) AccessKeys(ctx context.Context, applicationID string) ([]AccessKey, error) {
	if _, err := s.Application(ctx, applicationID); err != nil {
		return nil, err
	}
	keys, err := s.store.AccessKeyList(ctx, applicationID)
	if err != nil {
		return nil, err
	}
	out := make([]AccessKey, len(keys))
	for i, k := range keys {
		out[i] = accessKeyOf(k)
	}
	return out, nil
}

func accessKeyNotFound(id string) error { return conductor.NotFoundf("Access key '%s' not found", id) }

// DeleteAccessKey removes a key of an application p may manage: its tokens stop working at once.
func (s *Service) DeleteAccessKey(ctx context.Context, p *auth.Principal, applicationID, keyID string) error {
	err := s.withManagedApplication(ctx, p, applicationID, func(q *store.Queries, _ *store.ApplicationRecord) error {
		if err := q.AccessKeyDelete(ctx, applicationID, keyID); errors.Is(err, conductor.ErrNotFound) {
			return accessKeyNotFound(keyID)
		} else if err != nil {
			return err
		}
		return nil
	})
	return err
}

// ToggleAccessKey flips a key of an application p may manage between ACTIVE and INACTIVE; an
// inactive key's tokens stop working at once.
func (s *Service) ToggleAccessKey(ctx context.Context, p *auth.Principal, applicationID, keyID string) (*AccessKey, error) {
	var out AccessKey
	err := s.withManagedApplication(ctx, p, applicationID, func(q *store.Queries, _ *store.ApplicationRecord) error {
		k, err := q.AccessKeyToggle(ctx, applicationID, keyID)
		if errors.Is(err, conductor.ErrNotFound) {
			return accessKeyNotFound(keyID)
		}
		if err != nil {
			return err
		}
		out = accessKeyOf(k)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// ApplicationByKey returns the application owning an access key.
func (s *Service) ApplicationByKey(ctx context.Context, keyID string) (*Application, error) {
	k, err := s.store.AccessKeyGet(ctx, keyID)
	if errors.Is(err, conductor.ErrNotFound) {
		return nil, accessKeyNotFound(keyID)
	}
	if err != nil {
		return nil, err
	}
	return s.Application(ctx, k.ApplicationID)
}
