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

// TaskSearch returns a page of matching task attempts, live and archived, as stored (masked)
// and as TaskGet reads them (with their workflowTask), and the total count.
func (q *Queries) TaskSearch(ctx context.Context, p TaskSearchParams) ([]*conductor.Task, int64, error) {
	f := filter{perValue: true}
	where, err := taskMatch(&f, p)
	if err != nil {
		return nil, 0, err
	}
	const (
		live     = " FROM tasks t JOIN workflows w ON w.workflow_id = t.workflow_id WHERE "
		archived = " FROM archived_tasks t JOIN archived_workflows w ON w.workflow_id = t.workflow_id WHERE "
	)
	total, err := q.countUpTo(ctx, "SELECT 1"+live+where+" UNION ALL SELECT 1"+archived+where, &f, p.Size, p.Start)
	if err != nil {
		return nil, 0, err
	}
	exprs, dirs, err := sortTerms(p.Sort, taskColumnsByField)
	if err != nil {
		return nil, 0, err
	}
	// The page is merged from the first start+size attempts of each table in the page's
	// order, the sort keys selected as k0, k1, … for the merge.
	exprs, dirs = append(exprs, "t.update_time", "t.task_id"), append(dirs, " DESC", "")
	keys, inner, outer := make([]string, len(exprs)), make([]string, len(exprs)), make([]string, len(exprs))
	for i, e := range exprs {
		keys[i], inner[i], outer[i] = fmt.Sprintf("%s AS k%d", e, i), e+dirs[i], fmt.Sprintf("k%d%s", i, dirs[i])
	}
	head := f.arg(p.Start + p.Size)
	sql := fmt.Sprintf(`SELECT %[1]s, snapshot FROM (
		(SELECT %[2]s, w.snapshot, %[3]s`+live+`%[4]s ORDER BY %[5]s LIMIT %[6]s)
		UNION ALL
		(SELECT %[7]s, w.snapshot, %[3]s`+archived+`%[4]s ORDER BY %[5]s LIMIT %[6]s)
	) t ORDER BY %[8]s LIMIT %[9]s OFFSET %[10]s`, taskColumns, taskColumnsOf("t"), strings.Join(keys, ", "), where,
		strings.Join(inner, ", "), head, archivedTaskSearchColumns, strings.Join(outer, ", "), f.arg(p.Size), f.arg(p.Start))
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
	}, sql, f.queryArgs()...)
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

// archivedTaskSearchColumns are an archived attempt's columns in taskColumns' order: its
// document already holds its claim columns, which the searched columns beside it repeat; it
// has no queue, lease, timeouts or sealed data.
const archivedTaskSearchColumns = `t.doc, NULL::text, NULL::timestamptz, NULL::timestamptz, 0::bigint, 0::bigint,
	t.status, t.start_time, t.worker_id, coalesce((t.doc ->> 'pollCount')::integer, 0),
	coalesce((t.doc ->> 'callbackAfterSeconds')::bigint, 0), t.update_time, NULL::bytea, NULL::bytea`

// WorkflowSearchByTasks returns a page of the executions (without tasks), live and archived,
// that have at least one task attempt matching p's query and free text, each once, and how
// many there are.
func (q *Queries) WorkflowSearchByTasks(ctx context.Context, p TaskSearchParams) ([]*conductor.Workflow, int64, error) {
	f := filter{perValue: true}
	match, err := taskMatch(&f, p)
	if err != nil {
		return nil, 0, err
	}
	where := matching{
		live:     "EXISTS (SELECT 1 FROM tasks t WHERE t.workflow_id = w.workflow_id AND " + match + ")",
		archived: "EXISTS (SELECT 1 FROM archived_tasks t WHERE t.workflow_id = w.workflow_id AND " + match + ")",
	}
	wfs, total, _, err := q.workflowPage(ctx, &f, where, p.Sort, p.Size, p.Start, nil)
	return wfs, total, err
}
