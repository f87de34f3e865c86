package decide

import (
	"bytes"
	"encoding/json"
	"strings"

	"github.com/podiumhq/podium/internal/expr"
)

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
func (d *Decision) document(needs docNeeds) []byte {
	var buf bytes.Buffer
	buf.WriteByte('{')
	member := func(key string, raw []byte) {
		if buf.Len() > 1 {
			buf.WriteByte(',')
		}
		buf.Write(mustJSON(key))
		buf.WriteByte(':')
		buf.Write(raw)
	}
	if needs.all {
		d.loadHistory()
		d.load(d.Tasks...)
		members := map[string][]byte{"workflow": d.encodedWorkflow()}
		for _, rec := range d.Tasks {
			t := rec.Task
			if t.Retried {
				continue
			}
			raw := d.encodedTask(rec)
			members[t.ReferenceTaskName] = raw
			if base, _, loop := CutLoopSuffix(t.ReferenceTaskName); loop {
				members[base] = raw
			}
		}
		for key, raw := range members {
			member(key, raw)
		}
	} else {
		for root := range needs.roots {
			switch rec := d.documentTask(root); {
			case rec != nil:
				member(root, d.encodedTask(rec))
			case root == "workflow":
				member(root, d.encodedWorkflow())
			}
		}
	}
	buf.WriteByte('}')
	return buf.Bytes()
}

// encoded is a document member encoded once, valid while what it shows has not changed since.
type encoded struct {
	version int
	raw     []byte
}

// encodedWorkflow is the workflow member of the document, encoded once per change of the
// workflow within the decision.
func (d *Decision) encodedWorkflow() []byte {
	if d.wfDoc.raw == nil || d.wfDoc.version != d.wfVersion {
		d.wfDoc = encoded{version: d.wfVersion, raw: mustJSON(d.workflowEntry())}
	}
	return d.wfDoc.raw
}

// encodedTask is the member of the document showing a, encoded once per change of a: a
// fan-out of tasks reading the same attempts encodes them once per decision, not per task.
func (d *Decision) encodedTask(a *Attempt) []byte {
	if e, ok := d.taskDocs[a]; ok && e.version == a.version {
		return e.raw
	}
	if d.taskDocs == nil {
		d.taskDocs = map[*Attempt]encoded{}
	}
	raw := mustJSON(d.taskEntry(a))
	d.taskDocs[a] = encoded{version: a.version, raw: raw}
	return raw
}

// changed notes that a changed: its document member is encoded again when next read.
func (a *Attempt) changed() { a.version++ }

// mustJSON encodes a value that came out of JSON; failing to is a programming error.
func mustJSON(v any) []byte {
	data, err := json.Marshal(v)
	if err != nil {
		panic("decide: encoding the expression document: " + err.Error())
	}
	return data
}

// workflowEntry is the workflow member of the expression document.
func (d *Decision) workflowEntry() map[string]any {
	wf := d.Workflow
	return map[string]any{
		"input": d.WorkflowInput(), "output": wf.Output, "status": wf.Status, "workflowId": wf.WorkflowID,
		"parentWorkflowId": wf.ParentWorkflowID, "parentWorkflowTaskId": wf.ParentWorkflowTaskID,
		"workflowType": wf.WorkflowName, "version": wf.WorkflowVersion, "correlationId": wf.CorrelationID,
		"reasonForIncompletion": wf.ReasonForIncompletion, "schemaVersion": d.Def.SchemaVersion,
		"variables": d.Variables(), "createTime": wf.CreateTime, "taskToDomain": wf.TaskToDomain,
	}
}

// taskEntry is the member of the expression document showing one attempt.
func (d *Decision) taskEntry(rec *Attempt) map[string]any {
	d.load(rec)
	t := rec.Task
	return map[string]any{
		"input": d.RealTaskInput(rec), "output": d.RealTaskOutput(rec), "taskType": t.TaskType, "status": t.Status,
		"referenceTaskName": t.ReferenceTaskName, "retryCount": t.RetryCount, "correlationId": t.CorrelationID,
		"pollCount": t.PollCount, "taskDefName": t.TaskDefName, "scheduledTime": t.ScheduledTime,
		"startTime": t.StartTime, "endTime": t.EndTime, "workflowInstanceId": t.WorkflowInstanceID,
		"taskId": t.TaskID, "reasonForIncompletion": t.ReasonForIncompletion,
		"callbackAfterSeconds": t.CallbackAfterSeconds, "workerId": t.WorkerID, "iteration": t.Iteration,
	}
}
