package decide

import (
	"strconv"
	"strings"
	"time"

	"github.com/podiumhq/podium/internal/conductor"
)

// Attempt is one task attempt as the decider sees it: the task and its queue state. The engine
// maps it to and from its storage row; the decider never sees the row.
type Attempt struct {
	Task *conductor.Task
	// QueueName is set while the task waits in a queue (worker or internal); "" otherwise.
	QueueName string
	// VisibleAt is when a queued task becomes claimable (a WAIT task's deadline too).
	VisibleAt *time.Time
	// LeaseUntil is when a claimed (IN_PROGRESS) task times out if nothing is heard.
	LeaseUntil *time.Time
	// ResponseTimeoutSeconds and TimeoutSeconds set LeaseUntil when the task is claimed.
	ResponseTimeoutSeconds int64
	TimeoutSeconds         int64
	// KeepWorkflowTask stores the task's WorkflowTask with it, for tasks not found in the
	// definition snapshot by reference name (generated at run time).
	KeepWorkflowTask bool
	// New marks an attempt the decision created: it is inserted rather than updated.
	New bool
	// SealedInput and SealedOutput are the stored real input and output, sealed, when the shown
	// ones are masked; opaque to the decider, which opens them through its Resolver.
	SealedInput, SealedOutput []byte
	// RealInput and RealOutput are the real documents when they differ from the shown ones and
	// were set by this decision: the engine seals them when it saves the attempt.
	RealInput, RealOutput map[string]any
	// Compact marks a settled attempt read without its documents: Resolver.Load fills them in.
	Compact bool
	// version counts the changes of the attempt in this decision (see encodedTask).
	version int
	// givenInput, when set, is the real input Prepare takes instead of evaluating the task's
	// inputParameters: what a dynamic fork hands a branch it generated.
	givenInput map[string]any
}

// Filter selects settled attempts of the decided workflow (see Resolver.Settled).
type Filter struct {
	// Ref selects the attempts of one reference name ("" selects every attempt).
	Ref string
	// LoopCopies also selects the loop iteration copies of Ref (Ref__N).
	LoopCopies bool
	// Refs selects the attempts of any of these reference names; with Newest or Oldest, the
	// newest or oldest attempt of each.
	Refs []string
	// TaskID selects one attempt.
	TaskID string
	// NotRetried leaves out attempts superseded by a retry.
	NotRetried bool
	// Newest and Oldest select only the newest or the oldest match.
	Newest, Oldest bool
}

// CutLoopSuffix splits a DO_WHILE iteration reference "ref__3" into "ref" and "3".
func CutLoopSuffix(ref string) (base, iteration string, ok bool) {
	return strings.Cut(ref, "__")
}

// loopCtx is where an attempt runs: the suffix its reference name takes from the DO_WHILE
// iterations that hold it ("" outside loops, "__2" in iteration 2 of a loop, "__2__3" in
// iteration 3 of a loop that runs in iteration 2 of another) and the innermost iteration.
type loopCtx struct {
	suffix    string
	iteration int
}

// ctxOf is the loop context of an attempt with reference name ref.
func ctxOf(ref string) loopCtx {
	i := strings.Index(ref, "__")
	if i < 0 {
		return loopCtx{}
	}
	suffix := ref[i:]
	n, _ := strconv.Atoi(suffix[strings.LastIndex(suffix, "__")+2:])
	return loopCtx{suffix: suffix, iteration: n}
}

// in is the context of iteration n of a loop that runs in c.
func (c loopCtx) in(n int) loopCtx {
	return loopCtx{suffix: c.suffix + "__" + strconv.Itoa(n), iteration: n}
}

// isLoopCopy reports whether ref is a loop iteration copy of base (base__N).
func isLoopCopy(ref, base string) bool {
	b, _, loop := CutLoopSuffix(ref)
	return loop && b == base
}
