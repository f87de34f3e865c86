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

// Room a batch's streams take per execution, about (their buffers grow when not enough).
const (
	seedWorkflowRowBytes = 1 << 10
	seedTaskRowsBytes    = 6 << 10
)

// start empties rows for a batch of n executions.
func (rows *seedRows) start(n int) {
	if cap(rows.tasks.b) == 0 {
		rows.workflows.b = make([]byte, 0, n*seedWorkflowRowBytes)
		rows.tasks.b = make([]byte, 0, n*seedTaskRowsBytes)
	}
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
// order, as encoding/json writes them, without tasks and definition (and without the members
// seeded executions never set: owner, creators, parents, rerun, event, idempotency key).
func writeWorkflowDoc(w *seedBuf, wf *conductor.Workflow) {
	w.lit(`{"createTime":`)
	w.num(wf.CreateTime)
	if wf.UpdateTime != 0 {
		w.lit(`,"updateTime":`)
		w.num(wf.UpdateTime)
	}
	w.lit(`,"status":`)
	w.quoted(string(wf.Status))
	w.lit(`,"endTime":`)
	w.num(wf.EndTime)
	w.lit(`,"workflowId":`)
	w.quoted(wf.WorkflowID)
	w.lit(`,"tasks":null,"input":`)
	w.member(wf.Input)
	w.lit(`,"output":`)
	w.member(wf.Output)
	if wf.CorrelationID != "" {
		w.lit(`,"correlationId":`)
		w.quoted(wf.CorrelationID)
	}
	if wf.ReasonForIncompletion != "" {
		w.lit(`,"reasonForIncompletion":`)
		w.quoted(wf.ReasonForIncompletion)
	}
	w.lit(`,"taskToDomain":null,"failedReferenceTaskNames":`)
	w.member(wf.FailedReferenceTaskNames)
	w.lit(`,"failedTaskNames":`)
	w.member(wf.FailedTaskNames)
	w.lit(`,"priority":`)
	w.num(int64(wf.Priority))
	w.lit(`,"variables":`)
	w.member(wf.Variables)
	w.lit(`,"lastRetriedTime":`)
	w.num(wf.LastRetriedTime)
	w.lit(`,"history":null,"startTime":`)
	w.num(wf.StartTime)
	w.lit(`,"workflowName":`)
	w.quoted(wf.WorkflowName)
	w.lit(`,"workflowVersion":`)
	w.num(int64(wf.WorkflowVersion))
	w.lit(`}`)
}

// writeTaskDoc writes the stored document of t: its fields in conductor.Task's order, as
// encoding/json writes them (t carries no definition nodes, domain or sub-workflow).
func writeTaskDoc(w *seedBuf, t *conductor.Task) {
	w.lit(`{"taskType":`)
	w.quoted(t.TaskType)
	w.lit(`,"status":`)
	w.quoted(string(t.Status))
	w.lit(`,"inputData":`)
	w.member(t.InputData)
	w.lit(`,"referenceTaskName":`)
	w.quoted(t.ReferenceTaskName)
	w.lit(`,"retryCount":`)
	w.num(int64(t.RetryCount))
	w.lit(`,"seq":`)
	w.num(int64(t.Seq))
	if t.CorrelationID != "" {
		w.lit(`,"correlationId":`)
		w.quoted(t.CorrelationID)
	}
	w.lit(`,"pollCount":`)
	w.num(int64(t.PollCount))
	w.lit(`,"taskDefName":`)
	w.quoted(t.TaskDefName)
	w.lit(`,"scheduledTime":`)
	w.num(t.ScheduledTime)
	w.lit(`,"startTime":`)
	w.num(t.StartTime)
	w.lit(`,"endTime":`)
	w.num(t.EndTime)
	w.lit(`,"updateTime":`)
	w.num(t.UpdateTime)
	w.lit(`,"startDelayInSeconds":`)
	w.num(int64(t.StartDelayInSeconds))
	if t.RetriedTaskID != "" {
		w.lit(`,"retriedTaskId":`)
		w.quoted(t.RetriedTaskID)
	}
	w.lit(`,"retried":`)
	w.boolean(t.Retried)
	w.lit(`,"executed":`)
	w.boolean(t.Executed)
	w.lit(`,"callbackFromWorker":`)
	w.boolean(t.CallbackFromWorker)
	w.lit(`,"responseTimeoutSeconds":`)
	w.num(t.ResponseTimeoutSeconds)
	w.lit(`,"workflowInstanceId":`)
	w.quoted(t.WorkflowInstanceID)
	w.lit(`,"workflowType":`)
	w.quoted(t.WorkflowType)
	w.lit(`,"taskId":`)
	w.quoted(t.TaskID)
	if t.ReasonForIncompletion != "" {
		w.lit(`,"reasonForIncompletion":`)
		w.quoted(t.ReasonForIncompletion)
	}
	w.lit(`,"callbackAfterSeconds":`)
	w.num(t.CallbackAfterSeconds)
	if t.WorkerID != "" {
		w.lit(`,"workerId":`)
		w.quoted(t.WorkerID)
	}
	w.lit(`,"outputData":`)
	w.member(t.OutputData)
	w.lit(`,"rateLimitPerFrequency":`)
	w.num(int64(t.RateLimitPerFrequency))
	w.lit(`,"rateLimitFrequencyInSeconds":`)
	w.num(int64(t.RateLimitFrequencyInSec))
	w.lit(`,"workflowPriority":`)
	w.num(int64(t.WorkflowPriority))
	w.lit(`,"iteration":`)
	w.num(int64(t.Iteration))
	w.lit(`,"firstStartTime":`)
	w.num(t.FirstStartTime)
	w.lit(`,"queueWaitTime":`)
	w.num(t.QueueWaitTime)
	w.lit(`,"loopOverTask":`)
	w.boolean(t.LoopOverTask)
	w.lit(`}`)
}
