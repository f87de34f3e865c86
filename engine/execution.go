package engine

import (
	"context"
	"encoding/json"
	"time"

	"github.com/google/uuid"

	"github.com/podiumhq/podium/internal/auth"
	"github.com/podiumhq/podium/internal/conductor"
	"github.com/podiumhq/podium/store"
)

// execution is a workflow being decided: its row, definition snapshot and task attempts as
// loaded under the workflow lock, plus everything the decision changed, to be saved at once.
type execution struct {
	e     *Engine
	ctx   context.Context
	q     *store.Queries // the transaction the execution is locked in
	sec   secrets
	now   time.Time
	rec   *store.WorkflowRecord
	wf    *conductor.Workflow
	def   *conductor.WorkflowDef
	tasks []*store.TaskRecord
	nodes map[string]*node

	dirty      map[string]*store.TaskRecord // task id → changed or new attempt
	queues     map[string]bool              // queues that received pollable work
	logs       map[string][]string          // task id → log lines to append
	toStart    []*conductor.StartWorkflowRequest
	wfChanged  bool
	isNew      bool // the workflow row is inserted, not updated, on save
	defChanged bool // the definition snapshot was replaced (restart with the latest definition)

	runAs       *auth.Principal // the rights of rec.RunAs, read once per decision (principal)
	runAsLoaded bool
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
	rec.Task.UpdateTime = x.now.UnixMilli()
	x.dirty[rec.Task.TaskID] = rec
}

// touch records a change of the workflow row.
func (x *execution) touch() {
	x.wf.UpdateTime = x.now.UnixMilli()
	x.wfChanged = true
}

// latest returns the newest attempt of ref, or nil.
func (x *execution) latest(ref string) *store.TaskRecord {
	for i := len(x.tasks) - 1; i >= 0; i-- {
		if x.tasks[i].Task.ReferenceTaskName == ref {
			return x.tasks[i]
		}
	}
	return nil
}

// task returns the attempt with id, or nil.
func (x *execution) task(id string) *store.TaskRecord {
	for _, rec := range x.tasks {
		if rec.Task.TaskID == id {
			return rec
		}
	}
	return nil
}

// nextSeq is the seq of the next new attempt.
func (x *execution) nextSeq() int {
	seq := 0
	for _, rec := range x.tasks {
		seq = max(seq, rec.Task.Seq)
	}
	return seq + 1
}

// add appends a new attempt.
func (x *execution) add(rec *store.TaskRecord) {
	rec.New = true
	rec.Task.Seq = x.nextSeq()
	x.tasks = append(x.tasks, rec)
	x.markDirty(rec)
	if rec.QueueName != "" {
		x.queues[rec.QueueName] = true
	}
}

// document builds the JSON document expressions evaluate against: the workflow and the latest
// attempt of each task reference.
func (x *execution) document() []byte {
	wf := x.wf
	doc := map[string]any{
		"workflow": map[string]any{
			"input": x.workflowInput(), "output": wf.Output, "status": wf.Status, "workflowId": wf.WorkflowID,
			"parentWorkflowId": wf.ParentWorkflowID, "parentWorkflowTaskId": wf.ParentWorkflowTaskID,
			"workflowType": wf.WorkflowName, "version": wf.WorkflowVersion, "correlationId": wf.CorrelationID,
			"reasonForIncompletion": wf.ReasonForIncompletion, "schemaVersion": x.def.SchemaVersion,
			"variables": x.variables(), "createTime": wf.CreateTime, "taskToDomain": wf.TaskToDomain,
		},
	}
	for _, rec := range x.tasks {
		t := rec.Task
		if t.Retried {
			continue
		}
		entry := map[string]any{
			"input": x.realTaskInput(rec), "output": x.realTaskOutput(rec), "taskType": t.TaskType, "status": t.Status,
			"referenceTaskName": t.ReferenceTaskName, "retryCount": t.RetryCount, "correlationId": t.CorrelationID,
			"pollCount": t.PollCount, "taskDefName": t.TaskDefName, "scheduledTime": t.ScheduledTime,
			"startTime": t.StartTime, "endTime": t.EndTime, "workflowInstanceId": t.WorkflowInstanceID,
			"taskId": t.TaskID, "reasonForIncompletion": t.ReasonForIncompletion,
			"callbackAfterSeconds": t.CallbackAfterSeconds, "workerId": t.WorkerID, "iteration": t.Iteration,
		}
		doc[t.ReferenceTaskName] = entry
		if base, _, loop := cutLoopSuffix(t.ReferenceTaskName); loop {
			doc[base] = entry
		}
	}
	data, err := json.Marshal(doc)
	if err != nil {
		// Every value here came out of JSON; failing to re-encode it is a programming error.
		panic("engine: encoding the expression document: " + err.Error())
	}
	return data
}

func newID() string { return uuid.NewString() }
