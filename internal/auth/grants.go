package auth

import "slices"

// Access is one kind of per-resource permission (the Orkes authorization API's names).
type Access string

// Accesses a grant may give.
const (
	AccessCreate  Access = "CREATE"
	AccessRead    Access = "READ"
	AccessUpdate  Access = "UPDATE"
	AccessExecute Access = "EXECUTE"
	AccessDelete  Access = "DELETE"
)

// Accesses lists every access, in the order the API shows them.
var Accesses = []Access{AccessCreate, AccessRead, AccessUpdate, AccessExecute, AccessDelete}

// ValidAccess reports whether a is one of Accesses.
func ValidAccess(a Access) bool { return slices.Contains(Accesses, a) }

// Target types grants may name.
const (
	// TargetSecret is a secret, by name: READ its value, EXECUTE (use it in workflows), UPDATE
	// its value or tags, CREATE it under that name, DELETE it.
	TargetSecret = "SECRET_NAME"
	// TargetWorkflowDef is a workflow definition, by name: READ it, EXECUTE (start) it, UPDATE,
	// CREATE (register a new version) or DELETE it.
	TargetWorkflowDef = "WORKFLOW_DEF"
	// TargetTaskDef is a task definition (task type), by name: READ it, EXECUTE (poll and update
	// its tasks as a worker), UPDATE, CREATE or DELETE it.
	TargetTaskDef = "TASK_DEF"
)

// TargetTypes lists the target types grants may name.
var TargetTypes = []string{TargetSecret, TargetWorkflowDef, TargetTaskDef}

// Target is what a grant is on.
type Target struct {
	Type string
	ID   string
}

// Grants maps targets to the accesses a principal has on them.
type Grants map[Target][]Access

// Has reports whether g gives any of accesses on t.
func (g Grants) Has(t Target, accesses ...Access) bool {
	have := g[t]
	for _, a := range accesses {
		if slices.Contains(have, a) {
			return true
		}
	}
	return false
}

// AnyOn reports whether g gives any access on any target of type typ.
func (g Grants) AnyOn(typ string, accesses ...Access) bool {
	for t, have := range g {
		if t.Type != typ {
			continue
		}
		for _, a := range accesses {
			if slices.Contains(have, a) {
				return true
			}
		}
	}
	return false
}

// HasAll reports whether g gives every one of accesses on t.
func (g Grants) HasAll(t Target, accesses ...Access) bool {
	have := g[t]
	for _, a := range accesses {
		if !slices.Contains(have, a) {
			return false
		}
	}
	return true
}

// Add records accesses on t.
func (g Grants) Add(t Target, accesses ...Access) {
	for _, a := range accesses {
		if !slices.Contains(g[t], a) {
			g[t] = append(g[t], a)
		}
	}
}
