package decide

import (
	"time"

	"github.com/podiumhq/podium/internal/conductor"
)

// Runner says who executes a task type, as far as the decider is concerned.
type Runner int

// Runners.
const (
	// ByWorker: an external worker polls the task from the queue named after it.
	ByWorker Runner = iota
	// ByDecider: the decider itself runs it (SWITCH, SET_VARIABLE, TERMINATE, WAIT, …).
	ByDecider
	// BySyncHandler: a system task handler the decider calls inline (INLINE, …).
	BySyncHandler
	// ByAsyncHandler: a system task handler an internal worker claims from a system queue (HTTP).
	ByAsyncHandler
	// Unsupported: a reserved system type this server does not execute.
	Unsupported
)

// Result is what a system task handler reports for one attempt.
type Result struct {
	Status                conductor.TaskStatus
	Output                map[string]any
	ReasonForIncompletion string
	CallbackAfterSeconds  int64
	Logs                  []string
}

// Config is what the decider knows of the server it decides for: limits and the pure
// functions it calls. It is the same for every decision.
type Config struct {
	// PayloadMax is the largest task or workflow payload stored, in bytes of JSON.
	PayloadMax int64
	// SystemTaskLease is the lease an internal worker holds on an async system task.
	SystemTaskLease time.Duration
	// Params are the bare ${NAME} values expressions may read.
	Params map[string]string
	// RunnerOf says who executes a task type.
	RunnerOf func(taskType string) Runner
	// Script evaluates a JavaScript expression with $ bound to input (SWITCH, DECISION).
	Script func(expression string, input map[string]any) (any, error)
	// MaxSecretBytes bounds a secret value UPDATE_SECRET stores.
	MaxSecretBytes int
	// ValidSecretName checks a secret name UPDATE_SECRET writes.
	ValidSecretName func(name string) error
	// NewID returns a new task id (uuid.NewString when nil).
	NewID func() string
}

// Resolver supplies, for one decision, what the decider reads beyond the attempts it was
// given: settled history, documents, secrets, rights and system task handlers. The engine
// implements it inside the decision's transaction; tests implement it in memory. An error
// returned by a Resolver abandons the decision: nothing it changed is written.
type Resolver interface {
	// Settled returns the settled attempts f selects, in seq order, compact or whole.
	Settled(f Filter) ([]*Attempt, error)
	// Unsettled returns, locked and whole, the dormant attempts f selects (Ref, LoopCopies,
	// Refs, TaskID; all of them for an empty filter): unsettled attempts waiting in a queue or
	// held by a worker, which a decision is not given (State.Dormant counts them).
	Unsettled(f Filter) ([]*Attempt, error)
	// Pending reports whether a dormant attempt other than those of known (held by the
	// decision, their stored state stale) is named one of refs or starts with one of prefixes.
	Pending(refs, prefixes, known []string) (bool, error)
	// Load fills in the documents of compact attempts.
	Load(atts []*Attempt) error
	// Open returns the real input (output false) or output of an attempt from its sealed form.
	Open(a *Attempt, output bool) (map[string]any, error)
	// Secret returns the value of a secret; found is false when it does not exist.
	Secret(name string) (value string, found bool, err error)
	// MayUseSecret reports whether the workflow's principal may resolve secret name.
	MayUseSecret(name string) bool
	// CheckSecretWrite reports whether the workflow's principal may write secret name, and
	// whether the write creates it. A conductor.ErrForbidden error is a refusal; any other
	// error abandons the decision.
	CheckSecretWrite(name string) (created bool, err error)
	// Principal names the principal the workflow runs as, for reasons ("" when unrestricted).
	Principal() (name, id string)
	// TaskDef returns the registered task definition of name (found false when there is
	// none), for tasks generated at run time (dynamic forks, DYNAMIC).
	TaskDef(name string) (def *conductor.TaskDef, found bool, err error)
	// StartChild starts a workflow (a SUB_WORKFLOW's child) in the decision's transaction and
	// returns its id; an error other than a refusal of the request abandons the decision.
	StartChild(req *conductor.StartWorkflowRequest) (id string, err error)
	// Child reads a child workflow's status, real output and reason, with the values it masks
	// (which its parent masks too once it holds its output).
	Child(id string) (wf *conductor.Workflow, masks []string, err error)
	// Polled reports whether a worker polled taskType in domain at or after since: the domain
	// has an active worker.
	Polled(taskType, domain string, since time.Time) (bool, error)
	// Execute runs the synchronous system task handler of a's type on its real input.
	Execute(a *Attempt, input map[string]any) Result
	// Interrupted reports whether whoever asked for the decision is gone: the decider then
	// stops, and nothing is written.
	Interrupted() bool
}
