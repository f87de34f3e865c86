package access

import (
	"context"
	"slices"
	"strings"

	"github.com/podiumhq/podium/internal/auth"
	"github.com/podiumhq/podium/internal/conductor"
	"github.com/podiumhq/podium/store"
)

// SubjectApplication is the subject type of grants Podium honours: applications (Orkes' users
// and groups do not exist here).
const SubjectApplication = "APPLICATION"

// GrantSubject is who a grant is for.
type GrantSubject struct {
	Type string `json:"type"`
	ID   string `json:"id"`
}

// GrantTarget is what a grant is on.
type GrantTarget struct {
	Type string `json:"type"`
	ID   string `json:"id"`
}

// AuthorizationRequest grants or revokes access (Orkes' POST/DELETE /api/auth/authorization).
type AuthorizationRequest struct {
	Subject GrantSubject `json:"subject"`
	Target  GrantTarget  `json:"target"`
	Access  []string     `json:"access"`
}

// validGrant checks a grant request: accesses of auth.Accesses on a secret, workflow or task
// definition, for an application that exists.
func (s *Service) validGrant(ctx context.Context, req *AuthorizationRequest) (store.Grant, error) {
	g := store.Grant{SubjectType: req.Subject.Type, SubjectID: req.Subject.ID, TargetType: req.Target.Type,
		TargetID: req.Target.ID}
	switch {
	case req.Subject.Type != SubjectApplication:
		return g, conductor.Invalidf("subject.type must be APPLICATION (users and groups are not supported)")
	case !slices.Contains(auth.TargetTypes, req.Target.Type):
		return g, conductor.Invalidf("target.type must be one of %s", strings.Join(auth.TargetTypes, ", "))
	case req.Target.ID == "":
		return g, conductor.Invalidf("target.id (the resource's name) is required")
	case conductor.CheckNames("subject.id", req.Subject.ID, "target.id", req.Target.ID) != nil:
		return g, conductor.CheckNames("subject.id", req.Subject.ID, "target.id", req.Target.ID)
	case len(req.Access) == 0:
		return g, conductor.Invalidf("access must list at least one of CREATE, READ, UPDATE, EXECUTE, DELETE")
	}
	for _, a := range req.Access {
		if !auth.ValidAccess(auth.Access(a)) {
			return g, conductor.Invalidf("Invalid access %q: one of CREATE, READ, UPDATE, EXECUTE, DELETE", a)
		}
		if !slices.Contains(g.Access, a) {
			g.Access = append(g.Access, a)
		}
	}
	if _, err := s.Application(ctx, req.Subject.ID); err != nil {
		return g, err
	}
	return g, nil
}

// Grant adds an explicit permission.
func (s *Service) Grant(ctx context.Context, req *AuthorizationRequest) error {
	g, err := s.validGrant(ctx, req)
	if err != nil {
		return err
	}
	if err := s.store.GrantPut(ctx, g); err != nil {
		return err
	}
	s.Changed()
	return nil
}

// Revoke removes an explicit permission (removing one that does not exist is not an error).
func (s *Service) Revoke(ctx context.Context, req *AuthorizationRequest) error {
	g, err := s.validGrant(ctx, req)
	if err != nil {
		return err
	}
	if err := s.store.GrantRemove(ctx, g); err != nil {
		return err
	}
	s.Changed()
	return nil
}

// GrantsOn lists who holds which access on a target, as Orkes answers GET
// /api/auth/authorization/{type}/{id}: access → subjects.
func (s *Service) GrantsOn(ctx context.Context, targetType, targetID string) (map[string][]GrantSubject, error) {
	if !slices.Contains(auth.TargetTypes, targetType) {
		return nil, conductor.Invalidf("Invalid target type %q: one of %s", targetType, strings.Join(auth.TargetTypes, ", "))
	}
	grants, err := s.store.GrantsOf(ctx, true, targetType, targetID)
	if err != nil {
		return nil, err
	}
	out := map[string][]GrantSubject{}
	for _, g := range grants {
		for _, a := range g.Access {
			out[a] = append(out[a], GrantSubject{Type: g.SubjectType, ID: g.SubjectID})
		}
	}
	return out, nil
}

// GrantsOf lists the grants an application holds.
func (s *Service) GrantsOf(ctx context.Context, applicationID string) ([]AuthorizationRequest, error) {
	if _, err := s.Application(ctx, applicationID); err != nil {
		return nil, err
	}
	grants, err := s.store.GrantsOf(ctx, false, SubjectApplication, applicationID)
	if err != nil {
		return nil, err
	}
	out := make([]AuthorizationRequest, len(grants))
	for i, g := range grants {
		out[i] = AuthorizationRequest{Subject: GrantSubject{Type: g.SubjectType, ID: g.SubjectID},
			Target: GrantTarget{Type: g.TargetType, ID: g.TargetID}, Access: g.Access}
	}
	return out, nil
}
