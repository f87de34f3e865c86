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

	// The permissions below are decided per resource, from roles and grants together
	// (Principal.Allowed); the route check lets through whoever might hold them, and the
	// resource's own check decides.

	// WorkflowStart is starting a workflow: WorkflowExecute, or EXECUTE on its definition.
	WorkflowStart Permission = "workflow:start"
	// SecretManage is writing a secret's value: SecretWrite creates new ones (so does CREATE on
	// the name); replacing one needs UPDATE on it.
	SecretManage Permission = "secret:manage"
	// SecretUpdate is changing a secret's tags: UPDATE on it.
	SecretUpdate Permission = "secret:update"
	// SecretDelete is deleting a secret: DELETE on it.
	SecretDelete Permission = "secret:delete"
	// RoleGrant is giving or taking a role: ApplicationManage, and holding the role.
	RoleGrant Permission = "role:grant"
	// TaskExecute is polling and updating tasks of a type: TaskWork, plus EXECUTE on the task
	// type unless the principal is an UNRESTRICTED_WORKER.
	TaskExecute Permission = "task:execute"
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
	// Grants are the principal's per-resource permissions besides its roles.
	Grants Grants
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

// Holds reports whether the principal holds role (ADMIN holds every role).
func (p *Principal) Holds(role string) bool { return p.IsAdmin() || slices.Contains(p.Roles, role) }

// HoldsAll reports whether the principal holds every one of roles.
func (p *Principal) HoldsAll(roles []string) bool {
	for _, r := range roles {
		if !p.Holds(r) {
			return false
		}
	}
	return true
}

// Allowed reports whether the principal has any of accesses on the target typ/id: ADMIN has
// every access on everything; anyone else needs a grant.
func (p *Principal) Allowed(typ, id string, accesses ...Access) bool {
	return p.IsAdmin() || p.Grants.Has(Target{Type: typ, ID: id}, accesses...)
}

// CanReadSecret reports whether the principal may read the value of secret name.
func (p *Principal) CanReadSecret(name string) bool {
	return p.Allowed(TargetSecret, name, AccessRead)
}

// CanUseSecret reports whether workflows the principal runs may resolve secret name
// (${workflow.secrets.NAME}): EXECUTE or READ on it.
func (p *Principal) CanUseSecret(name string) bool {
	return p.Allowed(TargetSecret, name, AccessExecute, AccessRead)
}

// CanExecuteTask reports whether the principal may poll and update tasks of taskType: ADMIN and
// UNRESTRICTED_WORKER any, anyone else with EXECUTE on the task definition.
func (p *Principal) CanExecuteTask(taskType string) bool {
	return p.Holds(RoleUnrestrictedWorker) || p.Allowed(TargetTaskDef, taskType, AccessExecute)
}

// PermissionsOf lists what a role grants (ADMIN: everything).
func PermissionsOf(role string) []Permission {
	if role == RoleAdmin {
		return []Permission{Admin}
	}
	return slices.Clone(rolePermissions[role])
}
