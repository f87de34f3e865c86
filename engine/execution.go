package engine

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/podiumhq/podium/internal/auth"
	"github.com/podiumhq/podium/internal/conductor"
	"github.com/podiumhq/podium/internal/expr"
	"github.com/podiumhq/podium/internal/secrets"
	"github.com/podiumhq/podium/store"
)

// execution is a workflow being decided: its row, definition snapshot and task attempts as
// loaded under the workflow lock, plus everything the decision changed, to be saved at once.
type execution struct {
	e     *Engine
	ctx   context.Context
	q     *store.Queries // the transaction the execution is locked in
	sec   secretState
	now   time.Time
	rec   *store.WorkflowRecord
	wf    *conductor.Workflow
	def   *conductor.WorkflowDef
	tasks []*store.TaskRecord
	nodes map[string]*node

	// maxSeq is the highest seq among tasks.
	maxSeq int
	// live holds, while deciding, the attempts that are neither executed nor superseded, in
	// order: the only ones a decision pass has to look at.
	live []*store.TaskRecord

	dirty  map[string]*store.TaskRecord // task id → changed or new attempt
	queues map[string]bool              // queues that received pollable work
	logs   map[string][]string          // task id → log lines to append
	ended  []string                     // workflows that reached a terminal status in this decision
	// secretWrites are the UPDATE_SECRET writes of this decision, made in its transaction.
	secretWrites []secrets.Write
	// grantsChanged: a write gave a principal an owner grant; caches must forget their rights.
	grantsChanged bool
	toStart       []*conductor.StartWorkflowRequest
	wfChanged     bool
	isNew         bool // the workflow row is inserted, not updated, on save
	defChanged    bool // the definition snapshot was replaced (restart with the latest definition)

	runAs       *auth.Principal // the rights of rec.RunAs, read once per decision (principal)
	runAsLoaded bool

	// partial: tasks holds the unsettled attempts and the settled ones fetched so far
	// (store.LoadUnsettled); history: every settled one has been fetched. fetchedRefs and
	// fetchedKeys remember the lookups already asked of the store.
	partial, history bool
	fetchedRefs      map[string]bool
	fetchedKeys      map[string]bool

	// err is the first failure to read what the decision needed (a settled attempt's document);
	// the decision is then abandoned and nothing is written.
	err error
}

// abort abandons the decision: nothing it changed is written, and err (the first one) is
// returned to the caller, which may retry it.
func (x *execution) abort(err error) {
	if x.err == nil {
		x.err = err
	}
}

// load reads the documents of the compact (settled, read without document) attempts among
// recs, in one round trip. A failure is kept in x.err, so the decision writes nothing.
func (x *execution) load(recs ...*store.TaskRecord) {
	if x.err != nil || x.q == nil {
		return
	}
	var compact []*store.TaskRecord
	for _, rec := range recs {
		if rec.Compact() {
			compact = append(compact, rec)
		}
	}
	if len(compact) > 0 {
		if err := x.q.TaskLoad(x.ctx, compact...); err != nil {
			x.abort(err)
		}
	}
}

// loadAll reads every attempt, with its document.
func (x *execution) loadAll() error {
	x.loadHistory()
	x.load(x.tasks...)
	return x.err
}

// loadHistory fetches every settled attempt not read yet (compact), for what looks at the whole
// history: the end of the workflow, the failure workflow, an API answer.
func (x *execution) loadHistory() {
	if x.partial && !x.history {
		x.fetchSettled(store.SettledFilter{})
		x.history = x.err == nil
	}
}

// fetchSettled reads the settled attempts f selects that are not read yet and merges them into
// x.tasks in seq order. It returns the matching records (those already read included).
func (x *execution) fetchSettled(f store.SettledFilter) []*store.TaskRecord {
	if !x.partial || x.history || x.err != nil || x.q == nil {
		return nil
	}
	recs, err := x.q.TaskSettled(x.ctx, x.wf.WorkflowID, x.def, f)
	if err != nil {
		x.abort(err)
		return nil
	}
	known := make(map[string]*store.TaskRecord, len(x.tasks))
	for _, rec := range x.tasks {
		known[rec.Task.TaskID] = rec
	}
	out := make([]*store.TaskRecord, 0, len(recs))
	for _, rec := range recs {
		if have := known[rec.Task.TaskID]; have != nil {
			out = append(out, have)
			continue
		}
		i, _ := slices.BinarySearchFunc(x.tasks, rec.Task.Seq, func(r *store.TaskRecord, seq int) int { return r.Task.Seq - seq })
		x.tasks = slices.Insert(x.tasks, i, rec)
		out = append(out, rec)
	}
	return out
}

// node locates a WorkflowTask in the definition tree.
type node struct {
	task   *conductor.WorkflowTask
	list   []conductor.WorkflowTask
	index  int
	parent *node
}

func newExecution(e *Engine, rec *store.WorkflowRecord, tasks []*store.TaskRecord, now time.Time) *execution {
	x := &execution{
		e: e, now: now, rec: rec, wf: rec.Workflow, def: rec.Definition, tasks: tasks,
		dirty: map[string]*store.TaskRecord{}, queues: map[string]bool{}, logs: map[string][]string{},
	}
	x.nodes = map[string]*node{}
	x.index(x.def.Tasks, nil)
	x.tasksReplaced()
	x.partial, x.maxSeq = rec.Partial, max(x.maxSeq, rec.MaxSeq)
	x.sec.realInputs, x.sec.realOutputs = map[string]map[string]any{}, map[string]map[string]any{}
	return x
}

func (x *execution) index(list []conductor.WorkflowTask, parent *node) {
	for i := range list {
		n := &node{task: &list[i], list: list, index: i, parent: parent}
		x.nodes[list[i].TaskReferenceName] = n
		for _, child := range list[i].Children() {
			x.index(child, n)
		}
	}
}

// markDirty records that rec must be saved.
func (x *execution) markDirty(rec *store.TaskRecord) {
	x.load(rec) // a settled attempt changes rarely (late updates); it is saved whole
	rec.Task.UpdateTime = x.now.UnixMilli()
	x.dirty[rec.Task.TaskID] = rec
}

// touch records a change of the workflow row.
func (x *execution) touch() {
	x.wf.UpdateTime = x.now.UnixMilli()
	x.wfChanged = true
}

// latest returns the newest attempt of ref, or nil. It scans from the newest attempt back,
// without allocating: what a decision looks up is nearly always recent.
func (x *execution) latest(ref string) *store.TaskRecord {
	for i := len(x.tasks) - 1; i >= 0; i-- {
		if x.tasks[i].Task.ReferenceTaskName == ref {
			return x.tasks[i]
		}
	}
	if x.partial && !x.history && !x.fetchedRefs[ref] {
		if x.fetchedRefs == nil {
			x.fetchedRefs = map[string]bool{}
		}
		x.fetchedRefs[ref] = true
		if found := x.fetchSettled(store.SettledFilter{Ref: ref, Newest: true}); len(found) > 0 {
			return found[0]
		}
	}
	return nil
}

// tasksReplaced resets what is derived from x.tasks; call it after changing x.tasks other
// than through add.
func (x *execution) tasksReplaced() {
	x.maxSeq = 0
	for _, rec := range x.tasks {
		x.maxSeq = max(x.maxSeq, rec.Task.Seq)
	}
}

// documentTask is the attempt the document shows under key: the last attempt not superseded
// whose reference name, or loop base name, is key; nil when there is none.
func (x *execution) documentTask(key string) *store.TaskRecord {
	if x.partial && !x.history && !x.fetchedKeys[key] {
		if x.fetchedKeys == nil {
			x.fetchedKeys = map[string]bool{}
		}
		x.fetchedKeys[key] = true
		found := x.fetchSettled(store.SettledFilter{Ref: key, LoopCopies: true, NotRetried: true, Newest: true})
		if len(found) > 0 && found[0].Task.ReferenceTaskName != key && !isLoopCopy(found[0].Task.ReferenceTaskName, key) {
			x.loadHistory() // a name the prefix match cannot tell apart: look at everything
		}
	}
	for i := len(x.tasks) - 1; i >= 0; i-- {
		t := x.tasks[i].Task
		if t.Retried {
			continue
		}
		if ref := t.ReferenceTaskName; ref == key || strings.HasPrefix(ref, key) && isLoopCopy(ref, key) {
			return x.tasks[i]
		}
	}
	return nil
}

// isLoopCopy reports whether ref is a loop iteration copy of base (base__N).
func isLoopCopy(ref, base string) bool {
	b, _, loop := cutLoopSuffix(ref)
	return loop && b == base
}

// task returns the attempt with id, or nil.
func (x *execution) task(id string) *store.TaskRecord {
	for _, rec := range x.tasks {
		if rec.Task.TaskID == id {
			return rec
		}
	}
	if found := x.fetchSettled(store.SettledFilter{TaskID: id}); len(found) > 0 {
		return found[0]
	}
	return nil
}

// nextSeq is the seq of the next new attempt.
func (x *execution) nextSeq() int { return x.maxSeq + 1 }

// add appends a new attempt.
func (x *execution) add(rec *store.TaskRecord) {
	rec.New = true
	rec.Task.Seq = x.nextSeq()
	x.maxSeq = rec.Task.Seq
	x.tasks = append(x.tasks, rec)
	x.live = append(x.live, rec)
	x.markDirty(rec)
	if rec.QueueName != "" {
		x.queues[rec.QueueName] = true
	}
}

// docNeeds says which members of the expression document an evaluation may read: all of
// them, or the named roots (workflow, task reference names).
type docNeeds struct {
	all   bool
	roots map[string]bool
}

// neededRoots returns what evaluating values (decoded JSON, as Evaluate takes) may read of
// the document. A nested expression, whose path is built at run time, or a path that does not
// start with a key may read anything.
func neededRoots(values ...any) docNeeds {
	needs := docNeeds{roots: map[string]bool{}}
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case string:
			if needs.all || !strings.Contains(v, "${") {
				return
			}
			tmpl, err := expr.ParseTemplate(v)
			if err != nil {
				needs.all = true
				return
			}
			for _, part := range tmpl.Parts() {
				switch e := part.Expr; {
				case e == nil:
				case e.Dynamic != nil || e.Path.Root() == "":
					needs.all = true
				default:
					needs.roots[e.Path.Root()] = true
				}
			}
		case map[string]any:
			for _, e := range v {
				walk(e)
			}
		case []any:
			for _, e := range v {
				walk(e)
			}
		}
	}
	for _, v := range values {
		walk(v)
	}
	return needs
}

// document builds the JSON document expressions evaluate against: the workflow and the latest
// attempt of each task reference, or of the roots needs names only. Building only those keeps
// the cost of scheduling a task independent of how many tasks ran before it.
func (x *execution) document(needs docNeeds) []byte {
	doc := map[string]any{}
	if needs.all {
		x.loadHistory()
		x.load(x.tasks...)
		doc["workflow"] = x.workflowEntry()
		for _, rec := range x.tasks {
			t := rec.Task
			if t.Retried {
				continue
			}
			entry := x.taskEntry(rec)
			doc[t.ReferenceTaskName] = entry
			if base, _, loop := cutLoopSuffix(t.ReferenceTaskName); loop {
				doc[base] = entry
			}
		}
	} else {
		for root := range needs.roots {
			switch rec := x.documentTask(root); {
			case rec != nil:
				doc[root] = x.taskEntry(rec)
			case root == "workflow":
				doc[root] = x.workflowEntry()
			}
		}
	}
	data, err := json.Marshal(doc)
	if err != nil {
		// Every value here came out of JSON; failing to re-encode it is a programming error.
		panic("engine: encoding the expression document: " + err.Error())
	}
	return data
}

// workflowEntry is the workflow member of the expression document.
func (x *execution) workflowEntry() map[string]any {
	wf := x.wf
	return map[string]any{
		"input": x.workflowInput(), "output": wf.Output, "status": wf.Status, "workflowId": wf.WorkflowID,
		"parentWorkflowId": wf.ParentWorkflowID, "parentWorkflowTaskId": wf.ParentWorkflowTaskID,
		"workflowType": wf.WorkflowName, "version": wf.WorkflowVersion, "correlationId": wf.CorrelationID,
		"reasonForIncompletion": wf.ReasonForIncompletion, "schemaVersion": x.def.SchemaVersion,
		"variables": x.variables(), "createTime": wf.CreateTime, "taskToDomain": wf.TaskToDomain,
	}
}

// taskEntry is the member of the expression document showing one attempt.
func (x *execution) taskEntry(rec *store.TaskRecord) map[string]any {
	x.load(rec)
	t := rec.Task
	return map[string]any{
		"input": x.realTaskInput(rec), "output": x.realTaskOutput(rec), "taskType": t.TaskType, "status": t.Status,
		"referenceTaskName": t.ReferenceTaskName, "retryCount": t.RetryCount, "correlationId": t.CorrelationID,
		"pollCount": t.PollCount, "taskDefName": t.TaskDefName, "scheduledTime": t.ScheduledTime,
		"startTime": t.StartTime, "endTime": t.EndTime, "workflowInstanceId": t.WorkflowInstanceID,
		"taskId": t.TaskID, "reasonForIncompletion": t.ReasonForIncompletion,
		"callbackAfterSeconds": t.CallbackAfterSeconds, "workerId": t.WorkerID, "iteration": t.Iteration,
	}
}

func newID() string { return uuid.NewString() }
