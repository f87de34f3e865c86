package store

import (
	"bytes"
	"context"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/podiumhq/podium/internal/conductor"
)

// The rows of seeded executions: the workflow and task documents as SaveExecution stores them
// (json.Marshal of conductor.Workflow without tasks and definition, and of conductor.Task
// without its definition nodes, which the snapshot holds), with the columns beside them, in
// COPY's binary format.

// The columns seeded rows are copied into; the others keep their defaults (NULL, 0, false).
var (
	seedWorkflowColumns = []string{"workflow_id", "workflow_name", "workflow_version", "status", "correlation_id",
		"priority", "create_time", "update_time", "end_time", "snapshot", "doc"}
	seedTaskColumns = []string{"task_id", "workflow_id", "seq", "ref_name", "task_type", "status", "queue_name",
		"priority", "visible_at", "started_at", "start_time", "worker_id", "poll_count", "response_timeout_seconds",
		"update_time", "doc", "executed", "retried"}
)

// seedRows are the COPY streams of a batch of seeded executions.
type seedRows struct {
	workflows, tasks seedBuf
	executions       int
	taskCount        int
	byStatus         map[conductor.WorkflowStatus]int64
}

// start empties rows for a new batch.
func (rows *seedRows) start() {
	rows.workflows.reset()
	rows.tasks.reset()
	rows.workflows.copyHeader()
	rows.tasks.copyHeader()
	rows.executions, rows.taskCount = 0, 0
	if rows.byStatus == nil {
		rows.byStatus = map[conductor.WorkflowStatus]int64{}
	}
	clear(rows.byStatus)
}

// add writes the rows of x, whose definition snapshot has key snapshot.
func (rows *seedRows) add(x *seedExecution, snapshot []byte) {
	wf := &x.wf
	w := &rows.workflows
	w.tuple(len(seedWorkflowColumns))
	w.fBytes(x.id[:])
	w.fText(wf.WorkflowName)
	w.fInt4(wf.WorkflowVersion)
	w.fText(string(wf.Status))
	w.fTextOrNull(wf.CorrelationID)
	w.fInt4(wf.Priority)
	w.fTime(wf.CreateTime)
	w.fTime(max(wf.UpdateTime, wf.CreateTime))
	w.fTimeOrNull(wf.EndTime)
	w.fBytes(snapshot)
	at := w.fOpen()
	writeWorkflowDoc(w, wf)
	w.fClose(at)
	rows.executions++
	rows.byStatus[wf.Status]++

	w = &rows.tasks
	for _, a := range x.tasks {
		t := &a.task
		w.tuple(len(seedTaskColumns))
		w.fBytes(a.id[:])
		w.fBytes(x.id[:])
		w.fInt4(t.Seq)
		w.fText(t.ReferenceTaskName)
		w.fText(t.TaskType)
		w.fText(string(t.Status))
		w.fTextOrNull(a.queue)
		w.fInt4(t.WorkflowPriority)
		w.fTimeOrNull(a.visibleAt)
		w.fTimeOrNull(a.startedAt)
		w.fTimeOrNull(t.StartTime)
		w.fTextOrNull(t.WorkerID)
		w.fInt4(t.PollCount)
		w.fInt8(a.responseTimeout)
		w.fTime(t.UpdateTime)
		at := w.fOpen()
		writeTaskDoc(w, t)
		w.fClose(at)
		w.fBool(t.Executed)
		w.fBool(t.Retried)
		rows.taskCount++
	}
}

// copy sends the batch in one transaction: the workflows, then their tasks.
func (rows *seedRows) copy(ctx context.Context, s *Store) error {
	rows.workflows.copyTrailer()
	rows.tasks.copyTrailer()
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		// A batch lost to a crash is only made-up data: no need to wait for the disk.
		if _, err := tx.Exec(ctx, `SET LOCAL synchronous_commit = off`); err != nil {
			return err
		}
		conn := tx.Conn().PgConn()
		if _, err := conn.CopyFrom(ctx, bytes.NewReader(rows.workflows.b), seedCopyStatement("workflows", seedWorkflowColumns)); err != nil {
			return err
		}
		_, err := conn.CopyFrom(ctx, bytes.NewReader(rows.tasks.b), seedCopyStatement("tasks", seedTaskColumns))
		return err
	})
	return interpretError(err, "copying seeded executions")
}

func seedCopyStatement(table string, columns []string) string {
	return "COPY " + table + " (" + strings.Join(columns, ", ") + ") FROM STDIN (FORMAT binary)"
}

// writeWorkflowDoc writes the stored document of wf: its fields in conductor.Workflow's
// order, as encoding/json writes them, without tasks and definition.
func writeWorkflowDoc(w *seedBuf, wf *conductor.Workflow) {
	w.obj()
	w.kStrOmit("ownerApp", wf.OwnerApp)
	w.kInt("createTime", wf.CreateTime)
	if wf.UpdateTime != 0 {
		w.kInt("updateTime", wf.UpdateTime)
	}
	w.kStrOmit("createdBy", wf.CreatedBy)
	w.kStrOmit("updatedBy", wf.UpdatedBy)
	w.kStr("status", string(wf.Status))
	w.kInt("endTime", wf.EndTime)
	w.kStr("workflowId", wf.WorkflowID)
	w.kStrOmit("parentWorkflowId", wf.ParentWorkflowID)
	w.kStrOmit("parentWorkflowTaskId", wf.ParentWorkflowTaskID)
	w.key("tasks")
	w.null()
	w.key("input")
	w.value(wf.Input)
	w.key("output")
	w.value(wf.Output)
	w.kStrOmit("correlationId", wf.CorrelationID)
	w.kStrOmit("reRunFromWorkflowId", wf.ReRunFromWorkflowID)
	w.kStrOmit("reasonForIncompletion", wf.ReasonForIncompletion)
	w.kStrOmit("event", wf.Event)
	w.key("taskToDomain")
	w.null()
	w.key("failedReferenceTaskNames")
	w.strings(wf.FailedReferenceTaskNames)
	w.key("failedTaskNames")
	w.strings(wf.FailedTaskNames)
	w.kInt("priority", int64(wf.Priority))
	w.key("variables")
	w.value(wf.Variables)
	w.kInt("lastRetriedTime", wf.LastRetriedTime)
	w.kStrOmit("idempotencyKey", wf.IdempotencyKey)
	w.key("history")
	w.null()
	w.kInt("startTime", wf.StartTime)
	w.kStr("workflowName", wf.WorkflowName)
	w.kInt("workflowVersion", int64(wf.WorkflowVersion))
	w.endObj()
}

// strings writes a list of strings, null when nil.
func (w *seedBuf) strings(list []string) {
	if list == nil {
		w.null()
		return
	}
	w.value(list)
}

// writeTaskDoc writes the stored document of t: its fields in conductor.Task's order, as
// encoding/json writes them (t carries no definition nodes).
func writeTaskDoc(w *seedBuf, t *conductor.Task) {
	w.obj()
	w.kStr("taskType", t.TaskType)
	w.kStr("status", string(t.Status))
	w.key("inputData")
	w.value(t.InputData)
	w.kStr("referenceTaskName", t.ReferenceTaskName)
	w.kInt("retryCount", int64(t.RetryCount))
	w.kInt("seq", int64(t.Seq))
	w.kStrOmit("correlationId", t.CorrelationID)
	w.kInt("pollCount", int64(t.PollCount))
	w.kStr("taskDefName", t.TaskDefName)
	w.kInt("scheduledTime", t.ScheduledTime)
	w.kInt("startTime", t.StartTime)
	w.kInt("endTime", t.EndTime)
	w.kInt("updateTime", t.UpdateTime)
	w.kInt("startDelayInSeconds", int64(t.StartDelayInSeconds))
	w.kStrOmit("retriedTaskId", t.RetriedTaskID)
	w.kBool("retried", t.Retried)
	w.kBool("executed", t.Executed)
	w.kBool("callbackFromWorker", t.CallbackFromWorker)
	w.kInt("responseTimeoutSeconds", t.ResponseTimeoutSeconds)
	w.kStr("workflowInstanceId", t.WorkflowInstanceID)
	w.kStr("workflowType", t.WorkflowType)
	w.kStr("taskId", t.TaskID)
	w.kStrOmit("reasonForIncompletion", t.ReasonForIncompletion)
	w.kInt("callbackAfterSeconds", t.CallbackAfterSeconds)
	w.kStrOmit("workerId", t.WorkerID)
	w.key("outputData")
	w.value(t.OutputData)
	w.kStrOmit("domain", t.Domain)
	w.kInt("rateLimitPerFrequency", int64(t.RateLimitPerFrequency))
	w.kInt("rateLimitFrequencyInSeconds", int64(t.RateLimitFrequencyInSec))
	w.kInt("workflowPriority", int64(t.WorkflowPriority))
	w.kInt("iteration", int64(t.Iteration))
	w.kStrOmit("subWorkflowId", t.SubWorkflowID)
	w.kInt("firstStartTime", t.FirstStartTime)
	w.kInt("queueWaitTime", t.QueueWaitTime)
	w.kBool("loopOverTask", t.LoopOverTask)
	w.endObj()
}
