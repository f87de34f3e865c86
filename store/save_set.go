package store

import (
	"time"

	"github.com/jackc/pgx/v5"
)

// setWrites gathers the rows several executions' saves write in one transaction (a batch of
// task results, a sweep), so that each kind is written by one set-based statement instead of
// one statement per row: the workflow rows updated, the attempts updated, the attempts
// inserted. Whatever else a save writes is queued as it comes, before these (see
// queueExecutionSave): an execution's removed attempts are deleted before its new ones are
// inserted, and rows of different executions never depend on each other.
type setWrites struct {
	workflows workflowUpdates
	updates   taskUpdates
	inserts   newTasks
}

// queue queues the gathered writes; a nil set has none.
func (w *setWrites) queue(batch *pgx.Batch) {
	if w == nil {
		return
	}
	w.workflows.queue(batch)
	w.updates.queue(batch)
	w.inserts.queue(batch)
}

// workflowUpdates are workflow rows to update in place, column by column.
type workflowUpdates struct {
	ids, statuses, docs []string
	correlations        []*string
	priorities          []int
	updated             []time.Time
	ended, nextChecks   []*time.Time
	sealed              [][]byte
}

func (u *workflowUpdates) add(rec *WorkflowRecord, doc []byte) {
	wf := rec.Workflow
	u.ids, u.statuses, u.docs = append(u.ids, wf.WorkflowID), append(u.statuses, string(wf.Status)), append(u.docs, string(doc))
	u.correlations, u.priorities = append(u.correlations, nullString(wf.CorrelationID)), append(u.priorities, wf.Priority)
	u.updated, u.ended = append(u.updated, time.UnixMilli(wf.UpdateTime)), append(u.ended, nullMillis(wf.EndTime))
	u.nextChecks, u.sealed = append(u.nextChecks, rec.NextCheckAt), append(u.sealed, rec.Sealed)
}

func (u *workflowUpdates) queue(batch *pgx.Batch) {
	if len(u.ids) == 0 {
		return
	}
	batch.Queue(`
		UPDATE workflows w SET status = u.status, correlation_id = u.correlation, priority = u.priority,
			update_time = u.updated, end_time = u.ended, next_check_at = u.next_check, doc = u.doc::json,
			sealed = u.sealed
		FROM unnest($1::uuid[], $2::text[], $3::text[], $4::int[], $5::timestamptz[], $6::timestamptz[],
			$7::timestamptz[], $8::text[], $9::bytea[])
			AS u(id, status, correlation, priority, updated, ended, next_check, doc, sealed)
		WHERE w.workflow_id = u.id`,
		u.ids, u.statuses, u.correlations, u.priorities, u.updated, u.ended, u.nextChecks, u.docs, u.sealed)
}

// taskUpdates are stored attempts to update in place, column by column.
type taskUpdates struct {
	ids, workflows, statuses, docs       []string
	queues, workers                      []*string
	priorities, polls                    []int
	visible, leases, starts              []*time.Time
	updated                              []time.Time
	responseTimeouts, timeouts, callback []int64
	sealedInputs, sealedOutputs          [][]byte
	executed, retried                    []bool
}

func (u *taskUpdates) add(workflowID string, rec *TaskRecord, doc []byte) {
	t := rec.Task
	u.ids, u.workflows = append(u.ids, t.TaskID), append(u.workflows, workflowID)
	u.statuses, u.docs = append(u.statuses, string(t.Status)), append(u.docs, string(doc))
	u.queues, u.workers = append(u.queues, nullString(rec.QueueName)), append(u.workers, nullString(t.WorkerID))
	u.priorities, u.polls = append(u.priorities, t.WorkflowPriority), append(u.polls, t.PollCount)
	u.visible, u.leases, u.starts = append(u.visible, rec.VisibleAt), append(u.leases, rec.LeaseUntil), append(u.starts, nullMillis(t.StartTime))
	u.updated = append(u.updated, time.UnixMilli(t.UpdateTime))
	u.responseTimeouts, u.timeouts = append(u.responseTimeouts, rec.ResponseTimeoutSeconds), append(u.timeouts, rec.TimeoutSeconds)
	u.callback = append(u.callback, t.CallbackAfterSeconds)
	u.sealedInputs, u.sealedOutputs = append(u.sealedInputs, rec.SealedInput), append(u.sealedOutputs, rec.SealedOutput)
	u.executed, u.retried = append(u.executed, t.Executed), append(u.retried, t.Retried)
}

func (u *taskUpdates) queue(batch *pgx.Batch) {
	if len(u.ids) == 0 {
		return
	}
	batch.Queue(`
		UPDATE tasks t SET status = u.status, queue_name = u.queue, priority = u.priority, visible_at = u.visible,
			lease_until = u.lease, response_timeout_seconds = u.response_timeout, timeout_seconds = u.timeout,
			update_time = u.updated, doc = u.doc::json, start_time = u.started, worker_id = u.worker,
			poll_count = u.polls, callback_after_seconds = u.callback, sealed_input = u.sealed_input,
			sealed_output = u.sealed_output, executed = u.executed, retried = u.retried
		FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::int[], $6::timestamptz[], $7::timestamptz[],
			$8::bigint[], $9::bigint[], $10::timestamptz[], $11::text[], $12::timestamptz[], $13::text[], $14::int[],
			$15::bigint[], $16::bytea[], $17::bytea[], $18::bool[], $19::bool[])
			AS u(id, workflow_id, status, queue, priority, visible, lease, response_timeout, timeout, updated, doc,
				started, worker, polls, callback, sealed_input, sealed_output, executed, retried)
		WHERE t.task_id = u.id AND t.workflow_id = u.workflow_id`,
		u.ids, u.workflows, u.statuses, u.queues, u.priorities, u.visible, u.leases, u.responseTimeouts, u.timeouts,
		u.updated, u.docs, u.starts, u.workers, u.polls, u.callback, u.sealedInputs, u.sealedOutputs, u.executed, u.retried)
}
