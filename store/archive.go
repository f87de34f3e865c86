package store

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/podiumhq/podium/internal/conductor"
)

// archivedTaskDoc is a live task's document with its claim columns folded in, the way scanTask
// merges them: status, poll count, callback and update time always win, start time and worker
// only when set.
const archivedTaskDoc = `(doc::jsonb || jsonb_build_object('status', status, 'pollCount', poll_count,
		'callbackAfterSeconds', callback_after_seconds, 'updateTime', floor(extract(epoch FROM update_time) * 1000)::bigint)
	|| jsonb_strip_nulls(jsonb_build_object('startTime', floor(extract(epoch FROM start_time) * 1000)::bigint,
		'workerId', worker_id)))::json`

// archivedTaskColumns are the columns an attempt is archived with, archivedTaskFrom what they
// are taken from in the live table: the searched columns beside the document.
const (
	archivedTaskColumns = `task_id, workflow_id, seq, doc, task_type, ref_name, status, worker_id, start_time, update_time`
	archivedTaskFrom    = `task_id, workflow_id, seq, ` + archivedTaskDoc + `, task_type, ref_name, status, worker_id,
		start_time, update_time`
)

// WorkflowArchive moves an execution out of the live tables into the archive, in one
// transaction: the workflow and its attempts as stored (already masked), without their sealed
// columns, and not their log lines, which are deleted. An execution already archived is left as
// it is; one found nowhere gives conductor.ErrNotFound.
func (s *Store) WorkflowArchive(ctx context.Context, workflowID string, now time.Time) error {
	return s.InTx(ctx, func(q *Queries) error {
		var live bool
		if err := q.db.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM workflows WHERE workflow_id = $1 FOR UPDATE)`,
			workflowID).Scan(&live); err != nil {
			return interpretError(err, "archiving workflow")
		}
		if !live {
			var archived bool
			err := q.db.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM archived_workflows WHERE workflow_id = $1)`, workflowID).Scan(&archived)
			if err != nil {
				return interpretError(err, "reading archived workflow")
			}
			if archived {
				return nil
			}
			return conductor.ErrNotFound
		}
		return q.executionsArchive(ctx, []string{workflowID}, now)
	})
}

// archivedWorkflowColumns are the columns an execution is archived with.
const archivedWorkflowColumns = `workflow_id, workflow_name, status, archived_at, snapshot, doc, workflow_version,
	correlation_id, idempotency_key, parent_workflow_id, priority, create_time, update_time, end_time`

// archivedFrom is what archivedWorkflowColumns are taken from in the live table, archived at
// the time parameter now names.
func archivedFrom(now string) string {
	return `workflow_id, workflow_name, status, ` + now + `::timestamptz, snapshot, doc, workflow_version,
		correlation_id, idempotency_key, parent_workflow_id, priority, create_time, update_time, end_time`
}

// executionsArchive moves the executions ids into the archive and out of the live tables.
func (q *Queries) executionsArchive(ctx context.Context, ids []string, now time.Time) error {
	if len(ids) == 0 {
		return nil
	}
	batch := &pgx.Batch{}
	batch.Queue(`INSERT INTO archived_workflows (`+archivedWorkflowColumns+`) SELECT `+archivedFrom("$2")+`
		FROM workflows WHERE workflow_id = ANY($1::uuid[]) ON CONFLICT (workflow_id) DO NOTHING`, ids, now)
	batch.Queue(`INSERT INTO archived_tasks (`+archivedTaskColumns+`)
		SELECT `+archivedTaskFrom+` FROM tasks WHERE workflow_id = ANY($1::uuid[])
		ON CONFLICT (task_id) DO NOTHING`, ids)
	if err := q.db.SendBatch(ctx, batch).Close(); err != nil {
		return interpretError(err, "archiving executions")
	}
	return q.executionsDelete(ctx, ids)
}

// partitionArchive copies every execution of partition p into the archive; the caller drops
// the partition.
func (q *Queries) partitionArchive(ctx context.Context, p Partition, now time.Time) error {
	batch := &pgx.Batch{}
	batch.Queue(`INSERT INTO archived_workflows (`+archivedWorkflowColumns+`) SELECT `+archivedFrom("$1")+`
		FROM `+pgx.Identifier{"workflows_" + p.Suffix}.Sanitize()+` ON CONFLICT (workflow_id) DO NOTHING`, now)
	batch.Queue(`INSERT INTO archived_tasks (` + archivedTaskColumns + `)
		SELECT ` + archivedTaskFrom + ` FROM ` + pgx.Identifier{"tasks_" + p.Suffix}.Sanitize() + `
		ON CONFLICT (task_id) DO NOTHING`)
	return interpretError(q.db.SendBatch(ctx, batch).Close(), "archiving partition")
}

// WorkflowDelete removes an execution with its tasks and their logs, live or archived; absent
// from both gives conductor.ErrNotFound.
func (q *Queries) WorkflowDelete(ctx context.Context, workflowID string) error {
	err := q.workflowDeleteLive(ctx, workflowID)
	if err != conductor.ErrNotFound { //nolint:errorlint // the bare sentinel means the row is missing
		return err
	}
	return execOne(ctx, q.db, "deleting archived workflow", `DELETE FROM archived_workflows WHERE workflow_id = $1`, workflowID)
}

// workflowDeleteLive removes a live execution with its tasks and their logs.
func (q *Queries) workflowDeleteLive(ctx context.Context, workflowID string) error {
	if err := execOne(ctx, q.db, "deleting workflow", `DELETE FROM workflows WHERE workflow_id = $1`, workflowID); err != nil {
		return err
	}
	return q.executionsDelete(ctx, []string{workflowID})
}

// ArchivedWorkflowGet reads an archived execution, with its tasks when includeTasks; absent
// gives conductor.ErrNotFound.
func (q *Queries) ArchivedWorkflowGet(ctx context.Context, workflowID string, includeTasks bool) (*conductor.Workflow, error) {
	var key, doc []byte
	err := q.db.QueryRow(ctx, `SELECT snapshot, doc FROM archived_workflows WHERE workflow_id = $1`, workflowID).Scan(&key, &doc)
	if err != nil {
		return nil, interpretError(err, "reading archived workflow")
	}
	wf := new(conductor.Workflow)
	if err := decodeDoc(doc, wf); err != nil {
		return nil, fmt.Errorf("error decoding archived workflow: %w", err)
	}
	if wf.WorkflowDefinition, err = q.snapshot(ctx, key); err != nil {
		return nil, err
	}
	if includeTasks {
		tasks, err := queryList(ctx, q.db, "reading archived tasks", scanArchivedTask,
			`SELECT doc FROM archived_tasks WHERE workflow_id = $1 ORDER BY seq`, workflowID)
		if err != nil {
			return nil, err
		}
		attachWorkflowTasks(tasks, wf.WorkflowDefinition)
		for _, t := range tasks {
			wf.Tasks = append(wf.Tasks, t.Task)
		}
	}
	wf.Normalize()
	return wf, nil
}

// ArchivedTaskGet reads one attempt of an archived execution; absent gives conductor.ErrNotFound.
func (q *Queries) ArchivedTaskGet(ctx context.Context, taskID string) (*conductor.Task, error) {
	var key []byte
	rec, err := scanArchivedTaskWith(q.db.QueryRow(ctx, `SELECT t.doc, w.snapshot
		FROM archived_tasks t JOIN archived_workflows w USING (workflow_id) WHERE t.task_id = $1`, taskID), &key)
	if err != nil {
		return nil, interpretError(err, "reading archived task")
	}
	def, err := q.snapshot(ctx, key)
	if err != nil {
		return nil, err
	}
	attachWorkflowTask(rec.Task, def)
	return rec.Task, nil
}

func scanArchivedTask(row pgx.Row) (*TaskRecord, error) { return scanArchivedTaskWith(row) }

// scanArchivedTaskWith reads an archived task's doc, then extra trailing columns into extra.
func scanArchivedTaskWith(row pgx.Row, extra ...any) (*TaskRecord, error) {
	var doc []byte
	if err := row.Scan(append([]any{&doc}, extra...)...); err != nil {
		return nil, err
	}
	t := new(conductor.Task)
	if err := decodeDoc(doc, t); err != nil {
		return nil, fmt.Errorf("error decoding archived task: %w", err)
	}
	return &TaskRecord{Task: t, KeepWorkflowTask: t.WorkflowTask != nil}, nil
}
