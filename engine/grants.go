package engine

import (
	"context"
	"slices"

	"github.com/podiumhq/podium/internal/conductor"
	"github.com/podiumhq/podium/store"
)

// Subject and target types of grants Podium honours (the Orkes authorization API's names).
const (
	SubjectApplication = "APPLICATION"
	TargetSecretName   = "SECRET_NAME"
	AccessRead         = "READ"
)

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

// validGrant checks a grant request: Podium honours READ of a secret's value by an application.
func (e *Engine) validGrant(ctx context.Context, req *AuthorizationRequest) (store.Grant, error) {
	g := store.Grant{SubjectType: req.Subject.Type, SubjectID: req.Subject.ID, TargetType: req.Target.Type,
		TargetID: req.Target.ID, Access: req.Access}
	switch {
	case req.Subject.Type != SubjectApplication:
		return g, conductor.Invalidf("subject.type must be APPLICATION (users and groups are not supported)")
	case req.Target.Type != TargetSecretName:
		return g, conductor.Invalidf("target.type must be SECRET_NAME: roles govern everything else")
	case req.Target.ID == "":
		return g, conductor.Invalidf("target.id (the secret name) is required")
	case checkNames("subject.id", req.Subject.ID, "target.id", req.Target.ID) != nil:
		return g, checkNames("subject.id", req.Subject.ID, "target.id", req.Target.ID)
	case len(req.Access) == 0 || slices.ContainsFunc(req.Access, func(a string) bool { return a != AccessRead }):
		return g, conductor.Invalidf("access must be [\"READ\"]: reading a secret's value is what grants add to roles")
	}
	if _, err := e.Application(ctx, req.Subject.ID); err != nil {
		return g, err
	}
	return g, nil
}

// Grant adds an explicit permission.
func (e *Engine) Grant(ctx context.Context, req *AuthorizationRequest) error {
	g, err := e.validGrant(ctx, req)
	if err != nil {
		return err
	}
	if err := e.store.GrantPut(ctx, g); err != nil {
		return err
	}
	e.accessChanged()
	return nil
}

// Revoke removes an explicit permission (removing one that does not exist is not an error).
func (e *Engine) Revoke(ctx context.Context, req *AuthorizationRequest) error {
	g, err := e.validGrant(ctx, req)
	if err != nil {
		return err
	}
	if err := e.store.GrantRemove(ctx, g); err != nil {
		return err
	}
	e.accessChanged()
	return nil
}

// GrantsOn lists the grants on a target.
func (e *Engine) GrantsOn(ctx context.Context, targetType, targetID string) ([]AuthorizationRequest, error) {
	grants, err := e.store.GrantsOf(ctx, true, targetType, targetID)
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
