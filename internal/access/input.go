package access

import (
	"github.com/google/uuid"
)

// newID returns a fresh id for an application or access key.
func newID() string { return uuid.NewString() }

// validID reports whether id can name an application (ids are UUIDs); anything else is simply
// not found, without asking the database.
func validID(id string) bool { return uuid.Validate(id) == nil }
