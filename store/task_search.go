package store

import (
	"context"
	"fmt"
	"strings"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/podiumhq/podium/internal/conductor"
)

// TaskSearchParams filters and pages a task search, or a workflow search by the tasks of the
// workflows (WorkflowSearchByTasks).
type TaskSearchParams struct {
	// Query compares the fields of taskColumnsByField.
	Query Query
	// FreeText matches a task id, workflow id, task type, reference name, workflow name or
	// correlation id exactly; "" or "*" matches all.
	FreeText string
	// Sort orders tasks by task fields; WorkflowSearchByTasks orders workflows by workflow
	// fields (workflowColumnsByField).
	Sort  []SortField
	Start int
	Size  int
}

// taskColumnsByField maps the fields of a task search to the columns of tasks t joined with
// their workflows w. Fields Podium keeps only in a task's document are read from it.
var taskColumnsByField = searchColumns{
	"taskId": {"t.task_id", uuidColumn, ""}, "taskType": {"t.task_type", textColumn, ""},
	"taskDefName": {"(t.doc ->> 'taskDefName')", textColumn, ""}, "referenceTaskName": {"t.ref_name", textColumn, ""},
	"status": {"t.status", textColumn, ""}, "workflowId": {"t.workflow_id", uuidColumn, ""},
	"workflowType": {"w.workflow_name", textColumn, ""}, "correlationId": {"w.correlation_id", textColumn, ""},
	"domain": {"(t.doc ->> 'domain')", textColumn, ""}, "workerId": {"t.worker_id", textColumn, ""},
	"scheduledTime": {"((t.doc ->> 'scheduledTime')::bigint)", millisColumn, ""}, "startTime": {"t.start_time", timeColumn, ""},
	"updateTime": {"t.update_time", timeColumn, ""}, "endTime": {"((t.doc ->> 'endTime')::bigint)", millisColumn, ""},
}

// taskMatch returns the condition on tasks t (joined with workflows w) of p's query and free
// text, adding its arguments to f.
func taskMatch(f *filter, p TaskSearchParams) (string, error) {
	where, err := f.where(p.Query, taskColumnsByField)
	if err != nil {
		return "", err
	}
	if ft := strings.TrimSpace(p.FreeText); ft != "" && ft != "*" {
		text, ids := f.arg(ft), "FALSE"
		if u, err := uuid.Parse(ft); err == nil {
			id := f.arg(u.String())
			ids = fmt.Sprintf("t.task_id = %[1]s::uuid OR t.workflow_id = %[1]s::uuid", id)
		}
		where += fmt.Sprintf(` AND (%[1]s OR t.task_type = %[2]s OR t.ref_name = %[2]s OR w.workflow_name = %[2]s
			OR w.correlation_id = %[2]s)`, ids, text)
	}
	return where, nil
}

// TaskSearch returns a page of matching task attempts, as stored (masked) and as TaskGet reads
// them (with their workflowTask), and the total count.
func (q *Queries) TaskSearch(ctx context.Context, p TaskSearchParams) ([]*conductor.Task, int64, error) {
	var f filter
	where, err := taskMatch(&f, p)
	if err != nil {
		return nil, 0, err
	}
	const from = " FROM tasks t JOIN workflows w ON w.workflow_id = t.workflow_id WHERE "
	total, err := q.countUpTo(ctx, "SELECT 1"+from+where, &f, p.Size, p.Start)
	if err != nil {
		return nil, 0, err
	}
	order, err := orderBy(p.Sort, taskColumnsByField)
	if err != nil {
		return nil, 0, err
	}
	sql := fmt.Sprintf("SELECT "+taskColumnsOf("t")+", w.snapshot"+from+"%s ORDER BY %s t.update_time DESC, t.task_id LIMIT %s OFFSET %s",
		where, order, f.arg(p.Size), f.arg(p.Start))
	type found struct {
		task *conductor.Task
		key  []byte
	}
	rows, err := queryList(ctx, q.db, "searching tasks", func(row pgx.Row) (found, error) {
		var key []byte
		rec, err := scanTaskWith(row, &key)
		if err != nil {
			return found{}, err
		}
		return found{rec.Task, key}, nil
	}, sql, f.args...)
	if err != nil {
		return nil, 0, err
	}
	// Each task carries its node of the definition, as TaskGet reads it; the snapshots are
	// cached (and read after the rows, never while they are open).
	tasks := make([]*conductor.Task, len(rows))
	for i, r := range rows {
		def, err := q.snapshot(ctx, r.key)
		if err != nil {
			return nil, 0, err
		}
		attachWorkflowTask(r.task, def)
		tasks[i] = r.task
	}
	return tasks, total, nil
}

// WorkflowSearchByTasks returns a page of the executions (without tasks) that have at least
// one task attempt matching p's query and free text, each once, and how many there are.
func (q *Queries) WorkflowSearchByTasks(ctx context.Context, p TaskSearchParams) ([]*conductor.Workflow, int64, error) {
	var f filter
	match, err := taskMatch(&f, p)
	if err != nil {
		return nil, 0, err
	}
	where := "EXISTS (SELECT 1 FROM tasks t WHERE t.workflow_id = w.workflow_id AND " + match + ")"
	wfs, total, _, err := q.workflowPage(ctx, &f, where, p.Sort, p.Size, p.Start, nil, false)
	return wfs, total, err
}
