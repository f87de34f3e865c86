package conductor

import (
	"errors"
	"fmt"
	"strings"
)

// Sentinel error kinds. Errors built by NotFoundf, Conflictf and Invalidf, and ValidationErrors,
// match one of them with errors.Is; the API maps each kind to its HTTP status.
var (
	// ErrNotFound means the addressed resource does not exist (404).
	ErrNotFound = errors.New("not found")
	// ErrConflict means the request collides with the stored state (409).
	ErrConflict = errors.New("conflict")
	// ErrInvalid means the request itself is wrong (400).
	ErrInvalid = errors.New("invalid request")
	// ErrForbidden means the caller lacks the right the request needs (403).
	ErrForbidden = errors.New("forbidden")
	// ErrBusy means the server could not take the request now, for want of a free database
	// connection; nothing was changed and the same request may succeed later (503).
	ErrBusy = errors.New("busy")
)

// kindError carries a user-facing message and the sentinel kind it belongs to.
type kindError struct {
	kind error
	msg  string
}

func (e *kindError) Error() string { return e.msg }

// Is makes errors.Is(err, ErrNotFound) and the like match errors of that kind.
func (e *kindError) Is(target error) bool { return target == e.kind }

// NotFoundf returns an error of kind ErrNotFound whose message is shown to the caller as is.
func NotFoundf(format string, args ...any) error {
	return &kindError{kind: ErrNotFound, msg: fmt.Sprintf(format, args...)}
}

// Conflictf returns an error of kind ErrConflict whose message is shown to the caller as is.
func Conflictf(format string, args ...any) error {
	return &kindError{kind: ErrConflict, msg: fmt.Sprintf(format, args...)}
}

// Invalidf returns an error of kind ErrInvalid whose message is shown to the caller as is.
func Invalidf(format string, args ...any) error {
	return &kindError{kind: ErrInvalid, msg: fmt.Sprintf(format, args...)}
}

// Forbiddenf returns an error of kind ErrForbidden whose message is shown to the caller as is.
func Forbiddenf(format string, args ...any) error {
	return &kindError{kind: ErrForbidden, msg: fmt.Sprintf(format, args...)}
}

// Busyf returns an error of kind ErrBusy whose message is shown to the caller as is.
func Busyf(format string, args ...any) error {
	return &kindError{kind: ErrBusy, msg: fmt.Sprintf(format, args...)}
}

// FieldError is one failed validation rule, shaped like Conductor's ValidationError.
type FieldError struct {
	Path         string `json:"path"`
	Message      string `json:"message"`
	InvalidValue any    `json:"invalidValue,omitempty"`
}

// ValidationErrors lists every rule a request broke. It is of kind ErrInvalid.
type ValidationErrors []FieldError

// ValidationMessage is the summary Conductor puts in the error body of a validation failure.
const ValidationMessage = "Validation failed, check below errors for detail."

func (v ValidationErrors) Error() string {
	msgs := make([]string, len(v))
	for i, fe := range v {
		msgs[i] = fe.Path + ": " + fe.Message
	}
	return ValidationMessage + " " + strings.Join(msgs, "; ")
}

// Is reports ErrInvalid as this error's kind.
func (v ValidationErrors) Is(target error) bool { return target == ErrInvalid }

// Add appends a rule failure.
func (v *ValidationErrors) Add(path, message string, invalid any) {
	*v = append(*v, FieldError{Path: path, Message: message, InvalidValue: invalid})
}

// Err returns v as an error, or nil when no rule failed.
func (v ValidationErrors) Err() error {
	if len(v) == 0 {
		return nil
	}
	return v
}
