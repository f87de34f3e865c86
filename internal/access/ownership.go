package access

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/podiumhq/podium/internal/auth"
	"github.com/podiumhq/podium/internal/conductor"
	"github.com/podiumhq/podium/store"
)

// Definitions are owned, as in Orkes: the principal that registers a new workflow or task
// definition name is given every access on it, and changing or deleting a definition somebody
// else registered needs UPDATE or DELETE on it — unless the principal manages all metadata
// (METADATA_MANAGER, METADATA_API, ADMIN). Without this, an author could rewrite a definition
// that a more privileged principal runs (a schedule, a restart with the latest definition) and
// have it use that principal's secrets.

// managesAllMetadata reports whether p may change every definition (nil: authentication off).
func managesAllMetadata(p *auth.Principal) bool {
	return p == nil || p.Holds(auth.RoleMetadataManager) || p.Holds(auth.RoleMetadataAPI)
}

// MayWriteDefinitions checks that p may write the definitions names of targetType
// (auth.TargetWorkflowDef or auth.TargetTaskDef) — access is UPDATE for a registration,
// DELETE for a removal — and returns the names that do not exist yet (their writer will own
// them; see OwnDefinitions). Refusals are ErrForbidden naming the definition.
func (s *Service) MayWriteDefinitions(ctx context.Context, p *auth.Principal, targetType string, names []string, access auth.Access) ([]string, error) {
	if managesAllMetadata(p) {
		return nil, nil
	}
	var created []string
	for _, name := range names {
		if slices.Contains(created, name) {
			continue
		}
		exists, err := s.definitionExists(ctx, targetType, name)
		if err != nil {
			return nil, err
		}
		if !exists {
			created = append(created, name)
			continue
		}
		if !p.Allowed(targetType, name, access) {
			what := "workflow"
			if targetType == auth.TargetTaskDef {
				what = "task definition"
			}
			return nil, conductor.Forbiddenf("Access denied: %s has no %s access to %s %s, which another principal registered",
				p.Name, access, what, name)
		}
	}
	return created, nil
}

func (s *Service) definitionExists(ctx context.Context, targetType, name string) (bool, error) {
	var err error
	switch targetType {
	case auth.TargetWorkflowDef:
		_, err = s.store.WorkflowDefGet(ctx, name, nil)
	case auth.TargetTaskDef:
		_, err = s.store.TaskDefGet(ctx, name)
	default:
		return false, fmt.Errorf("definitions of target type %s do not exist", targetType)
	}
	if errors.Is(err, conductor.ErrNotFound) {
		return false, nil
	}
	return err == nil, err
}

// ownerGrant is the grant that makes p the owner of a resource it created: every access.
func ownerGrant(p *auth.Principal, targetType, name string) store.Grant {
	access := make([]string, len(auth.Accesses))
	for i, a := range auth.Accesses {
		access[i] = string(a)
	}
	return store.Grant{SubjectType: SubjectApplication, SubjectID: p.ID, TargetType: targetType, TargetID: name, Access: access}
}

// OwnsWhatItCreates reports whether p is given grants on the resources it creates: an
// application (ADMIN and an unrestricted caller have every right anyway).
func OwnsWhatItCreates(p *auth.Principal) bool { return p != nil && !p.IsAdmin() }

// GrantOwner makes p the owner of the resource name of targetType it has just created, in the
// transaction q, as Orkes makes the creator of a resource its owner: every access on it. It
// reports whether it granted anything (see OwnsWhatItCreates); call Changed once q commits
// when it did.
func (s *Service) GrantOwner(ctx context.Context, q *store.Queries, p *auth.Principal, targetType, name string) (bool, error) {
	if !OwnsWhatItCreates(p) {
		return false, nil
	}
	return true, q.GrantPut(ctx, ownerGrant(p, targetType, name))
}

// OwnDefinitions gives p every access on the definitions it has just created (names from
// MayWriteDefinitions), so that it may change them later.
func (s *Service) OwnDefinitions(ctx context.Context, p *auth.Principal, targetType string, names []string) error {
	if len(names) == 0 || !OwnsWhatItCreates(p) {
		return nil
	}
	err := s.store.InTx(ctx, func(q *store.Queries) error {
		for _, name := range names {
			if _, err := s.GrantOwner(ctx, q, p, targetType, name); err != nil {
				return err
			}
		}
		return nil
	})
	if err == nil {
		s.Changed()
	}
	return err
}
