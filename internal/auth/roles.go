// Package auth holds Podium's access-control primitives: roles and the permissions they grant,
// the principal a request acts for, slow hashing of access-key secrets, signed tokens, and the
// throttling of failed logins. It knows nothing of HTTP or the database.
package auth

import "slices"

// Roles an application can hold (the Orkes role names).
const (
	RoleAdmin              = "ADMIN"
	RoleUnrestrictedWorker = "UNRESTRICTED_WORKER"
	RoleMetadataManager    = "METADATA_MANAGER"
	RoleWorkflowManager    = "WORKFLOW_MANAGER"
	RoleApplicationManager = "APPLICATION_MANAGER"
	RoleUser               = "USER"
	RoleUserReadOnly       = "USER_READ_ONLY"
	RoleWorker             = "WORKER"
	RoleApplicationCreator = "APPLICATION_CREATOR"
	RoleMetadataAPI        = "METADATA_API"
	RolePromptManager      = "PROMPT_MANAGER"
)

// Roles lists every role name an application may be given.
var Roles = []string{
	RoleAdmin, RoleUnrestrictedWorker, RoleMetadataManager, RoleWorkflowManager, RoleApplicationManager,
	RoleUser, RoleUserReadOnly, RoleWorker, RoleApplicationCreator, RoleMetadataAPI, RolePromptManager,
}

// Permission is what a route requires.
type Permission string

// Permissions. Every authenticated principal has Authenticated.
const (
	Authenticated     Permission = "authenticated"
	MetadataRead      Permission = "metadata:read"
	MetadataWrite     Permission = "metadata:write"
	WorkflowRead      Permission = "workflow:read"
	WorkflowExecute   Permission = "workflow:execute"
	TaskWork          Permission = "task:work"
	ScheduleRead      Permission = "schedule:read"
	ScheduleWrite     Permission = "schedule:write"
	SchedulerAdmin    Permission = "scheduler:admin"
	SecretList        Permission = "secret:list"
	SecretWrite       Permission = "secret:write"
	ApplicationManage Permission = "application:manage"
	// SecretRead (a secret's value) is granted by ADMIN or by an explicit grant on the secret.
	SecretRead Permission = "secret:read"
	// Admin covers what only ADMIN may do (grants, scheduler-wide switches, key material).
	Admin Permission = "admin"
)

var (
	reads      = []Permission{MetadataRead, WorkflowRead, ScheduleRead, SecretList}
	workerPerm = []Permission{TaskWork}
)

// rolePermissions maps each role to what it may do; ADMIN may do everything.
var rolePermissions = map[string][]Permission{
	RoleUserReadOnly:       reads,
	RoleWorker:             workerPerm,
	RoleUnrestrictedWorker: workerPerm,
	RoleMetadataManager:    append(slices.Clone(reads), MetadataWrite),
	RoleMetadataAPI:        {MetadataRead, MetadataWrite},
	RoleWorkflowManager:    append(slices.Clone(reads), WorkflowExecute, ScheduleWrite),
	RoleUser:               append(slices.Clone(reads), MetadataWrite, WorkflowExecute, ScheduleWrite, SecretWrite),
	RoleApplicationManager: {ApplicationManage},
	RoleApplicationCreator: {ApplicationManage},
	RolePromptManager:      nil,
}

// ValidRole reports whether role is one of Roles.
func ValidRole(role string) bool { return slices.Contains(Roles, role) }

// Principal is who a request acts for.
type Principal struct {
	// ID identifies the principal: an application id, or "admin" for the bootstrap key.
	ID string
	// Name is the application's name.
	Name string
	// KeyID is the access key the principal logged in with.
	KeyID string
	// Roles are the principal's roles.
	Roles []string
	// Grants are the secret names whose values the principal may read besides its roles.
	SecretGrants []string
}

// IsAdmin reports whether the principal holds ADMIN.
func (p *Principal) IsAdmin() bool { return slices.Contains(p.Roles, RoleAdmin) }

// Can reports whether the principal's roles grant perm. SecretRead is granted to ADMIN only;
// CanReadSecret adds explicit grants.
func (p *Principal) Can(perm Permission) bool {
	if perm == Authenticated || p.IsAdmin() {
		return true
	}
	for _, role := range p.Roles {
		if slices.Contains(rolePermissions[role], perm) {
			return true
		}
	}
	return false
}

// CanReadSecret reports whether the principal may read the value of secret name.
func (p *Principal) CanReadSecret(name string) bool {
	return p.IsAdmin() || slices.Contains(p.SecretGrants, name)
}

// PermissionsOf lists what a role grants (ADMIN: everything).
func PermissionsOf(role string) []Permission {
	if role == RoleAdmin {
		return []Permission{Admin}
	}
	return slices.Clone(rolePermissions[role])
}
