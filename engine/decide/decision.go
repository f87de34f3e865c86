// Package decide is the decider: a pure state machine that takes a workflow (its row, its
// definition snapshot and the task attempts loaded for it), the clock and what a Resolver
// answers, and computes the change set of one decision: the attempts to insert or update,
// the workflow's new state, log lines, and effects for the engine to carry out in the same
// transaction (secret writes, workflows to start). It performs no I/O of its own: no store,
// no context, no network.
package decide

import (
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/podiumhq/podium/internal/conductor"
)

// Decision is one workflow being decided, and everything the decision changed.
type Decision struct {
	cfg *Config
	r   Resolver
	// Now is the decision's clock.
	Now time.Time
	// Workflow is the workflow row; Def its definition snapshot.
	Workflow *conductor.Workflow
	Def      *conductor.WorkflowDef
	// Tasks are the attempts known to the decision, in seq order: the unsettled ones it was
	// given, the settled ones fetched so far and the new ones.
	Tasks []*Attempt
	// RunAs is the principal id the workflow runs as (for the failure workflow it starts).
	RunAs string
	index *conductor.DefIndex
	sec   secretState

	maxSeq int
	// live holds, while deciding, the attempts that are neither executed nor superseded, in
	// order: the only ones a decision pass has to look at.
	live []*Attempt

	changes Changes

	// The document members encoded so far, and the version of the workflow member.
	wfDoc     encoded
	wfVersion int
	taskDocs  map[*Attempt]encoded

	// partial: Tasks holds the unsettled attempts and the settled ones fetched so far;
	// history: every settled one has been fetched. fetchedRefs and fetchedKeys remember the
	// lookups already asked of the resolver.
	partial, history   bool
	fetchedRefs        map[string]bool
	fetchedKeys        map[string]bool // keys whose dormant attempts were asked for
	fetchedSettledKeys map[string]bool

	// checkedChildren are the children found running in this decision.
	checkedChildren map[string]bool
	// loopBodies caches the reference names of loop bodies (see loopBody).
	loopBodies map[*conductor.WorkflowTask]loopBodyRefs
	// pendingSeen caches, by question, the dormant attempts found pending (pendingAmong); the
	// answers stand until a dormant attempt is read. dormantAsked are the references whose
	// dormant attempts were read (latestOf).
	pendingSeen  map[string]bool
	dormantAsked map[string]bool

	// dormant counts the unsettled attempts not read yet (State.Dormant); prevCheck is the
	// stored next check, standing for their timers while they are unread.
	dormant   int
	prevCheck *time.Time

	// err is the first failure of the resolver; the decision is then abandoned.
	err error
}

// Changes is the change set of a decision.
type Changes struct {
	// Dirty are the attempts to write (New ones inserted), by task id.
	Dirty map[string]*Attempt
	// Removed are the ids of stored attempts to delete (a DO_WHILE's iterations beyond its
	// keepLastN).
	Removed []string
	// Queues received pollable work.
	Queues map[string]bool
	// Logs are task log lines to append, by task id (already masked).
	Logs map[string][]string
	// WorkflowChanged: the workflow row changed.
	WorkflowChanged bool
	// SecretWrites are the UPDATE_SECRET writes, to make in the decision's transaction.
	SecretWrites []SecretWrite
	// Publishes are the event messages EVENT tasks publish, written in the decision's
	// transaction.
	Publishes []Publish
	// Starts are workflows to start in the decision's transaction (failure workflows).
	Starts []*conductor.StartWorkflowRequest
	// EndChildren are the child workflows (of SUB_WORKFLOW tasks canceled with the workflow)
	// to terminate once the decision is stored, with the reason to give.
	EndChildren []ChildEnd
	// Warnings are events to log: they hold names and sizes, never data.
	Warnings []Warning
}

// Publish is a message an EVENT task publishes: its payload is the task's output as stored
// (masked), never the real one, so no secret travels in a message.
type Publish struct {
	MessageID, Queue, WorkflowID, TaskID string
	Payload                              map[string]any
}

// ChildEnd is a child workflow to terminate, and why.
type ChildEnd struct {
	WorkflowID, Reason string
}

// SecretWrite is an UPDATE_SECRET write.
type SecretWrite struct {
	Name  string
	Value string
	// Created: the secret does not exist yet.
	Created bool
}

// Warning is an event worth a log line (message and key/value attributes).
type Warning struct {
	Message string
	Attrs   []any
}

// State is what New needs of a loaded workflow.
type State struct {
	Workflow *conductor.Workflow
	Def      *conductor.WorkflowDef
	// Tasks are the loaded attempts in seq order: at least every unsettled one (neither
	// executed nor retried) and every SKIPPED one, which the decider looks up without asking
	// the Resolver.
	Tasks []*Attempt
	// Partial: Tasks holds only the unsettled attempts; MaxSeq is then the highest seq of all.
	Partial bool
	MaxSeq  int
	RunAs   string
	// Secrets is the workflow's opened secret state (nil when it has none).
	Secrets *SecretState
	// Dormant counts the unsettled attempts not in Tasks: waiting in a queue or held by a
	// worker (Resolver.Unsettled reads them). NextCheckAt is the workflow's stored next check,
	// which still stands for their timers.
	Dormant     int
	NextCheckAt *time.Time
}

// New prepares the decision of a loaded workflow.
func New(cfg *Config, r Resolver, st State, now time.Time) *Decision {
	d := &Decision{
		cfg: cfg, r: r, Now: now, Workflow: st.Workflow, Def: st.Def, Tasks: st.Tasks, RunAs: st.RunAs,
		index: conductor.IndexOf(st.Def), partial: st.Partial,
		changes: Changes{Dirty: map[string]*Attempt{}, Queues: map[string]bool{}, Logs: map[string][]string{}},
	}
	d.tasksReplaced()
	d.maxSeq = max(d.maxSeq, st.MaxSeq)
	d.dormant, d.prevCheck = st.Dormant, st.NextCheckAt
	if st.Secrets != nil {
		d.sec.realInput, d.sec.realVars, d.sec.realOut = st.Secrets.Input, st.Secrets.Variables, st.Secrets.Output
		for _, v := range st.Secrets.Masks {
			d.sec.redactor.Add(v)
		}
	}
	return d
}

// Changes returns the change set so far.
func (d *Decision) Changes() *Changes { return &d.changes }

// Err is the resolver failure that abandoned the decision, if any: nothing may be written.
func (d *Decision) Err() error { return d.err }

// Abort abandons the decision with err (the first one is kept).
func (d *Decision) Abort(err error) {
	if d.err == nil {
		d.err = err
	}
}

// ReplaceDefinition makes def the workflow's definition snapshot (restart with the latest).
func (d *Decision) ReplaceDefinition(def *conductor.WorkflowDef) {
	d.Def = def
	d.Workflow.WorkflowVersion = def.Version
	d.index = conductor.IndexOf(def)
}

// Node returns the definition node of ref, or nil.
func (d *Decision) Node(ref string) *conductor.TaskNode { return d.index.Node(ref) }

// load reads the documents of the compact attempts among atts, in one call.
func (d *Decision) load(atts ...*Attempt) {
	if d.err != nil {
		return
	}
	var compact []*Attempt
	for _, a := range atts {
		if a.Compact {
			compact = append(compact, a)
		}
	}
	if len(compact) > 0 {
		if err := d.r.Load(compact); err != nil {
			d.Abort(err)
		}
	}
}

// LoadAll reads every attempt, with its documents.
func (d *Decision) LoadAll() error {
	d.loadDormant()
	d.loadHistory()
	d.load(d.Tasks...)
	return d.err
}

// LoadPending reads the dormant attempts too, for a decision that looks at every unfinished
// attempt (a sweep of timers and leases, an update by reference name).
func (d *Decision) LoadPending() error {
	d.loadDormant()
	return d.err
}

// loadDormant reads every dormant attempt not read yet.
func (d *Decision) loadDormant() {
	if d.dormant > 0 {
		d.fetchDormant(Filter{})
		if d.err == nil {
			d.dormant = 0
		}
	}
}

// fetchDormant reads the dormant attempts f selects and merges the new ones into Tasks (in seq
// order) and the live attempts. It returns the matching attempts.
func (d *Decision) fetchDormant(f Filter) []*Attempt {
	if d.dormant <= 0 || d.err != nil {
		return nil
	}
	found, err := d.r.Unsettled(f)
	if err != nil {
		d.Abort(err)
		return nil
	}
	return d.merge(found, func(a *Attempt) {
		d.live = append(d.live, a)
		d.dormant--
		clear(d.pendingSeen) // the attempt is held now: its stored state no longer counts
	})
}

// merge adds the attempts of found not read yet to Tasks, in seq order, calling added for each
// new one. It returns found with the attempts already read in their place.
func (d *Decision) merge(found []*Attempt, added func(*Attempt)) []*Attempt {
	known := make(map[string]*Attempt, len(d.Tasks))
	for _, a := range d.Tasks {
		known[a.Task.TaskID] = a
	}
	out := make([]*Attempt, 0, len(found))
	for _, a := range found {
		if have := known[a.Task.TaskID]; have != nil {
			out = append(out, have)
			continue
		}
		i, _ := slices.BinarySearchFunc(d.Tasks, a.Task.Seq, func(x *Attempt, seq int) int { return x.Task.Seq - seq })
		d.Tasks = slices.Insert(d.Tasks, i, a)
		if added != nil {
			added(a)
		}
		out = append(out, a)
	}
	return out
}

// pendingAmong reports whether a dormant attempt is named one of refs or starts with one of
// prefixes (false when none is dormant, without asking).
func (d *Decision) pendingAmong(refs, prefixes []string) bool {
	if d.dormant <= 0 || d.err != nil {
		return false
	}
	key := strings.Join(refs, "\x00") + "\x01" + strings.Join(prefixes, "\x00")
	if found, asked := d.pendingSeen[key]; asked {
		return found
	}
	// The attempts read whole, which the decision may have finished since: their stored state
	// is stale (the settled ones, read compact, cannot be dormant).
	known := make([]string, 0, len(d.live))
	for _, a := range d.Tasks {
		if !a.New && !a.Compact {
			known = append(known, a.Task.TaskID)
		}
	}
	found, err := d.r.Pending(refs, prefixes, known)
	if err != nil {
		d.Abort(err)
		return true // abandoned: nothing is saved
	}
	if d.pendingSeen == nil {
		d.pendingSeen = map[string]bool{}
	}
	d.pendingSeen[key] = found
	return found
}

// loadHistory fetches every settled attempt not read yet, for what looks at the whole
// history: the end of the workflow, the failure workflow, an API answer.
func (d *Decision) loadHistory() {
	if d.partial && !d.history {
		d.fetchSettled(Filter{})
		d.history = d.err == nil
	}
}

// fetchSettled reads the settled attempts f selects that are not read yet and merges them into
// Tasks in seq order. It returns the matching attempts (those already read included).
func (d *Decision) fetchSettled(f Filter) []*Attempt {
	if !d.partial || d.history || d.err != nil {
		return nil
	}
	found, err := d.r.Settled(f)
	if err != nil {
		d.Abort(err)
		return nil
	}
	return d.merge(found, nil)
}

// MarkDirty records that a must be saved.
func (d *Decision) MarkDirty(a *Attempt) {
	d.load(a) // a settled attempt changes rarely (late updates); it is saved whole
	a.changed()
	a.Task.UpdateTime = d.Now.UnixMilli()
	d.changes.Dirty[a.Task.TaskID] = a
}

// Forget drops a from the change set (an attempt deleted by a restart).
func (d *Decision) Forget(a *Attempt) { delete(d.changes.Dirty, a.Task.TaskID) }

// Touch records a change of the workflow row.
func (d *Decision) Touch() {
	d.wfVersion++
	d.Workflow.UpdateTime = d.Now.UnixMilli()
	d.changes.WorkflowChanged = true
}

// Enqueued notes that queue received pollable work.
func (d *Decision) Enqueued(queue string) { d.changes.Queues[queue] = true }

// Log appends a (masked) log line to a task's execution log.
func (d *Decision) Log(taskID, line string) {
	d.changes.Logs[taskID] = append(d.changes.Logs[taskID], d.Mask(line))
}

func (d *Decision) warn(msg string, attrs ...any) {
	d.changes.Warnings = append(d.changes.Warnings, Warning{Message: msg, Attrs: attrs})
}

// Latest returns the newest attempt of ref, or nil. It scans from the newest attempt back,
// without allocating: what a decision looks up is nearly always recent.
func (d *Decision) Latest(ref string) *Attempt {
	for i := len(d.Tasks) - 1; i >= 0; i-- {
		if d.Tasks[i].Task.ReferenceTaskName == ref {
			return d.Tasks[i]
		}
	}
	if found := d.fetchDormant(Filter{Ref: ref}); len(found) > 0 {
		return found[len(found)-1]
	}
	if d.partial && !d.history && !d.fetchedRefs[ref] {
		if d.fetchedRefs == nil {
			d.fetchedRefs = map[string]bool{}
		}
		d.fetchedRefs[ref] = true
		if found := d.fetchSettled(Filter{Ref: ref, Newest: true}); len(found) > 0 {
			return found[0]
		}
	}
	return nil
}

// loaded returns the newest loaded attempt of ref, or nil, never asking the resolver.
func (d *Decision) loaded(ref string) *Attempt {
	for i := len(d.Tasks) - 1; i >= 0; i-- {
		if d.Tasks[i].Task.ReferenceTaskName == ref {
			return d.Tasks[i]
		}
	}
	return nil
}

// tasksReplaced resets what is derived from Tasks; call it after changing Tasks other than
// through add.
func (d *Decision) tasksReplaced() {
	d.maxSeq = 0
	for _, a := range d.Tasks {
		d.maxSeq = max(d.maxSeq, a.Task.Seq)
	}
}

// documentTask is the attempt the document shows under key: the last attempt not superseded
// whose reference name, or loop base name, is key; nil when there is none.
func (d *Decision) documentTask(key string) *Attempt {
	if !d.fetchedKeys[key] && (d.dormant > 0 || d.partial && !d.history) {
		if d.fetchedKeys == nil {
			d.fetchedKeys = map[string]bool{}
		}
		d.fetchedKeys[key] = true
		d.fetchDormant(Filter{Ref: key, LoopCopies: true})
	}
	if d.partial && !d.history && !d.fetchedSettledKeys[key] {
		if d.fetchedSettledKeys == nil {
			d.fetchedSettledKeys = map[string]bool{}
		}
		d.fetchedSettledKeys[key] = true
		found := d.fetchSettled(Filter{Ref: key, LoopCopies: true, NotRetried: true, Newest: true})
		if len(found) > 0 && found[0].Task.ReferenceTaskName != key && !isLoopCopy(found[0].Task.ReferenceTaskName, key) {
			d.loadHistory() // a name the prefix match cannot tell apart: look at everything
		}
	}
	for i := len(d.Tasks) - 1; i >= 0; i-- {
		t := d.Tasks[i].Task
		if t.Retried {
			continue
		}
		if ref := t.ReferenceTaskName; ref == key || isLoopCopy(ref, key) {
			return d.Tasks[i]
		}
	}
	return nil
}

// Task returns the attempt with id, or nil.
func (d *Decision) Task(id string) *Attempt {
	for _, a := range d.Tasks {
		if a.Task.TaskID == id {
			return a
		}
	}
	if found := d.fetchDormant(Filter{TaskID: id}); len(found) > 0 {
		return found[0]
	}
	if found := d.fetchSettled(Filter{TaskID: id}); len(found) > 0 {
		return found[0]
	}
	return nil
}

// Add appends a new attempt.
func (d *Decision) Add(a *Attempt) {
	a.New = true
	a.Task.Seq = d.maxSeq + 1
	d.maxSeq = a.Task.Seq
	d.Tasks = append(d.Tasks, a)
	d.live = append(d.live, a)
	d.MarkDirty(a)
	if a.QueueName != "" {
		d.Enqueued(a.QueueName)
	}
}

// Remove deletes attempts: those stored are deleted with the decision.
func (d *Decision) Remove(atts ...*Attempt) {
	if len(atts) == 0 {
		return
	}
	gone := make(map[*Attempt]bool, len(atts))
	for _, a := range atts {
		gone[a] = true
		delete(d.changes.Dirty, a.Task.TaskID)
		if !a.New {
			d.changes.Removed = append(d.changes.Removed, a.Task.TaskID)
		}
	}
	keep := func(a *Attempt) bool { return !gone[a] }
	d.Tasks = slices.DeleteFunc(d.Tasks, func(a *Attempt) bool { return !keep(a) })
	d.live = slices.DeleteFunc(d.live, func(a *Attempt) bool { return !keep(a) })
}

// DropAfter removes the attempts after seq (a restart or rerun deletes them).
func (d *Decision) DropAfter(seq int) {
	kept := d.Tasks[:0]
	for _, a := range d.Tasks {
		if a.Task.Seq <= seq {
			kept = append(kept, a)
		} else {
			d.Forget(a)
		}
	}
	clear(d.Tasks[len(kept):])
	d.Tasks = kept
	d.tasksReplaced()
}

func (d *Decision) newID() string {
	if d.cfg.NewID != nil {
		return d.cfg.NewID()
	}
	return NewID()
}

// NewID returns a new task id: a UUIDv7, ordered by the time it was made.
func NewID() string { return uuid.Must(uuid.NewV7()).String() }

// NewIDAt returns a new workflow id for an execution started at t: a UUIDv7 whose timestamp is
// t (the engine's clock, which the history tables' time partitions follow) and whose other 74
// bits are random.
func NewIDAt(t time.Time) string {
	id := uuid.Must(uuid.NewV7())
	ms := uint64(max(t.UnixMilli(), 0))
	for i := range 6 {
		id[i] = byte(ms >> (40 - 8*i))
	}
	return id.String()
}
