// Package systask holds Podium's system tasks: one file per task type behind the small Handler
// interface, collected in a Registry. A handler only computes: it never touches the database
// or the engine. Synchronous handlers run inside the decide transaction and must be quick and
// free of I/O; asynchronous ones are claimed by internal workers and run outside any transaction.
package systask

import (
	"context"
	"fmt"
	"sort"

	"github.com/podiumhq/podium/internal/conductor"
)

// Mode says where a handler runs.
type Mode int

// Handler modes.
const (
	// Sync handlers run inline while the decider holds the workflow lock.
	Sync Mode = iota
	// Async handlers are queued and run by internal workers, outside any transaction.
	Async
)

// Task is what a handler sees of the task it executes.
type Task struct {
	TaskID       string
	WorkflowID   string
	RefName      string
	TaskType     string
	RetryCount   int
	PollCount    int
	Input        map[string]any // evaluated input, secrets resolved
	WorkflowTask *conductor.WorkflowTask
	// MaxOutputBytes is the largest output, in bytes of JSON, the engine stores (0: unbounded);
	// a larger one fails the task. Handlers that can stop building an output early should.
	MaxOutputBytes int64
}

// Result is the outcome of one execution.
type Result struct {
	// Status is the task's new status. IN_PROGRESS keeps an async task pending (asyncComplete,
	// or waiting for an external update); it is re-evaluated after CallbackAfterSeconds if > 0.
	Status                conductor.TaskStatus
	Output                map[string]any
	ReasonForIncompletion string
	CallbackAfterSeconds  int64
	// Logs are appended to the task's execution log.
	Logs []string
}

// Handler executes one system task type.
type Handler interface {
	// Type is the task type it handles, e.g. "HTTP".
	Type() string
	// Mode says whether it runs inline (Sync) or on an internal worker (Async).
	Mode() Mode
	// Execute runs the task. It reports failures in the Result, never by panicking.
	Execute(ctx context.Context, t *Task) Result
}

// Destination is implemented by async handlers whose executions wait on a remote service. The
// engine runs a bounded number of executions per destination at once, so a slow or hung service
// holds only its own share of the internal workers.
type Destination interface {
	// Destination names the service t would call, such as "https://api.example.com:443", or ""
	// when it cannot tell (the execution then fails fast on its own).
	Destination(t *Task) string
}

// Registry maps task types to handlers.
type Registry struct {
	handlers map[string]Handler
}

// NewRegistry returns a registry holding hs.
func NewRegistry(hs ...Handler) *Registry {
	r := &Registry{handlers: map[string]Handler{}}
	for _, h := range hs {
		r.Register(h)
	}
	return r
}

// Register adds h; registering a type twice is a programming error and panics.
func (r *Registry) Register(h Handler) {
	if _, dup := r.handlers[h.Type()]; dup {
		panic(fmt.Sprintf("systask: type %s registered twice", h.Type()))
	}
	r.handlers[h.Type()] = h
}

// Get returns the handler of taskType.
func (r *Registry) Get(taskType string) (Handler, bool) {
	h, ok := r.handlers[taskType]
	return h, ok
}

// AsyncTypes lists the types run by internal workers, sorted.
func (r *Registry) AsyncTypes() []string {
	var types []string
	for t, h := range r.handlers {
		if h.Mode() == Async {
			types = append(types, t)
		}
	}
	sort.Strings(types)
	return types
}
