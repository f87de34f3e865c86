package store

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/podiumhq/podium/internal/conductor"
)

// TaskDeleteAfterSeq removes the attempts of a workflow with seq > after (all when after is 0).
func (q *Queries) TaskDeleteAfterSeq(ctx context.Context, workflowID string, after int) error {
	_, err := q.db.Exec(ctx, `DELETE FROM tasks WHERE workflow_id = $1 AND seq > $2`, workflowID, after)
	return interpretError(err, "deleting tasks")
}

// WorkflowRunningIDs lists RUNNING executions of name at version, optionally created within
// [start, end] (both non-zero).
func (q *Queries) WorkflowRunningIDs(ctx context.Context, name string, version int, start, end time.Time) ([]string, error) {
	return queryList(ctx, q.db, "listing running workflows", scanString, `SELECT workflow_id::text FROM workflows
		WHERE workflow_name = $1 AND workflow_version = $2 AND status = 'RUNNING'
		  AND ($3::timestamptz IS NULL OR create_time BETWEEN $3 AND $4)
		ORDER BY create_time`, name, version, nullTime(start), nullTime(end))
}

// WorkflowIDsByCorrelation lists executions of name with correlationID, newest first, only
// non-terminal ones unless includeClosed.
func (q *Queries) WorkflowIDsByCorrelation(ctx context.Context, name, correlationID string, includeClosed bool) ([]string, error) {
	return queryList(ctx, q.db, "listing correlated workflows", scanString, `SELECT workflow_id::text FROM workflows
		WHERE workflow_name = $1 AND correlation_id = $2 AND ($3 OR status IN ('RUNNING', 'PAUSED'))
		ORDER BY create_time DESC`, name, correlationID, includeClosed)
}

// Condition is one comparison of a search query, as internal/search parses and checks it:
// Field is a canonical field name of the searched table, Op one of =, !=, >, <, >=, <=, IN and
// NOT IN, Values its one value or its list. Times are epoch milliseconds, statuses upper case,
// ids canonical UUIDs (or text that is none: it matches nothing).
type Condition struct {
	Field  string
	Op     string
	Values []string
}

// Query is a search filter: an OR of AND groups of conditions. An empty query matches all.
type Query [][]Condition

// SortField orders search results by one field.
type SortField struct {
	Field string
	Desc  bool
}

// WorkflowSearchParams filters and pages a workflow search.
type WorkflowSearchParams struct {
	Query Query
	// FreeText matches an id or the start of one, a workflow name, or part of a correlation
	// id (see workflowFreeText); "" or "*" matches all.
	FreeText string
	Sort     []SortField
	Start    int
	Size     int
	// After, when set, is where the page begins (keyset paging): the executions after this
	// one in the newest-first order. It needs Sort empty (or startTime descending) and Start 0.
	After *SearchKey
}

// SearchKey is an execution's place in the newest-first order of a search: its start time as
// stored (to the microsecond) and its id, which breaks ties.
type SearchKey struct {
	CreateTime time.Time
	WorkflowID string
}

// NewestFirst reports whether sort is the newest-first order keyset paging follows: no sort
// field, or start time descending alone.
func NewestFirst(sort []SortField) bool {
	return len(sort) == 0 || (len(sort) == 1 && sort[0].Field == "startTime" && sort[0].Desc)
}

// workflowColumnsByField maps the fields of a workflow search to their columns.
var workflowColumnsByField = searchColumns{
	"workflowType": {"workflow_name", textColumn, ""}, "workflowId": {"workflow_id", uuidColumn, ""},
	"status": {"status", textColumn, ""}, "correlationId": {"correlation_id", textColumn, ""},
	"startTime": {"create_time", timeColumn, ""}, "endTime": {"end_time", timeColumn, ""},
	"updateTime": {"update_time", timeColumn, ""}, "version": {"workflow_version", intColumn, ""},
	"parentWorkflowId": {"parent_workflow_id", uuidColumn, ""}, "idempotencyKey": {"idempotency_key", textColumn, ""},
	"priority": {"priority", intColumn, ""},
}

// WorkflowSearch returns a page of matching executions (without tasks), the total count and,
// when the page is full and ordered newest first, the key of its last execution (where the
// next page begins, see WorkflowSearchParams.After).
func (q *Queries) WorkflowSearch(ctx context.Context, p WorkflowSearchParams) ([]*conductor.Workflow, int64, *SearchKey, error) {
	f := filter{perValue: true}
	where, err := workflowSearchWhere(&f, p)
	if err != nil {
		return nil, 0, nil, err
	}
	return q.workflowPage(ctx, &f, matching{where, where}, p.Sort, p.Size, p.Start, p.After)
}

// workflowSearchWhere returns the condition of p's query and free text, its arguments in f.
func workflowSearchWhere(f *filter, p WorkflowSearchParams) (string, error) {
	where, err := f.where(p.Query, workflowColumnsByField)
	if err != nil {
		return "", err
	}
	if ft := strings.TrimSpace(p.FreeText); ft != "" && ft != "*" {
		where += " AND " + workflowFreeText(f, ft)
	}
	return where, nil
}

// matching is the condition of a search on live executions and on archived ones (the same
// text when it reads only the columns both tables have).
type matching struct{ live, archived string }

// workflowPage returns the page (size from start, or from after on) of the executions
// matching where, live and archived, ordered by sort then newest first, how many match
// (counted up to CountBound, see countUpTo; the count ignores after) and, when the page is
// full and ordered newest first, the key of its last row; f holds where's arguments.
func (q *Queries) workflowPage(ctx context.Context, f *filter, where matching, sort []SortField, size, start int, after *SearchKey) ([]*conductor.Workflow, int64, *SearchKey, error) {
	counted := "SELECT 1 FROM workflows w WHERE " + where.live + " UNION ALL SELECT 1 FROM archived_workflows w WHERE " + where.archived
	total, err := q.countUpTo(ctx, counted, f, size, start)
	if err != nil {
		return nil, 0, nil, err
	}
	sql, err := workflowPageSQL(f, where, sort, size, start, after)
	if err != nil {
		return nil, 0, nil, err
	}
	var last SearchKey
	recs, err := queryList(ctx, q.db, "searching workflows", func(row pgx.Row) (*conductor.Workflow, error) {
		rec, err := scanWorkflowWith(row, &last.CreateTime, &last.WorkflowID)
		if err != nil {
			return nil, err
		}
		return rec.Workflow, nil
	}, sql, f.queryArgs()...)
	if err != nil {
		return nil, 0, nil, err
	}
	var next *SearchKey
	if size > 0 && len(recs) == size && NewestFirst(sort) {
		next = &last
	}
	return recs, total, next, nil
}

// workflowPageSQL returns the statement of workflowPage's page: workflowColumns, then the
// row's create_time and id; its further arguments go into f. The page is merged from the
// first start+size rows of each of the live and the archived executions, each taken from its
// own indexes in the page's order.
func workflowPageSQL(f *filter, where matching, sort []SortField, size, start int, after *SearchKey) (string, error) {
	if after != nil && (start != 0 || !NewestFirst(sort)) {
		return "", conductor.Invalidf("A cursor pages the newest-first order only: give it without start and sort")
	}
	order, err := orderBy(sort, workflowColumnsByField)
	if err != nil {
		return "", err
	}
	order += "w.create_time DESC, w.workflow_id"
	if after != nil {
		// The seek: rows after the key in (create_time DESC, workflow_id ASC) order. The bare
		// create_time bound is what the create_time indexes range-scan; the rest breaks ties.
		at, id := f.arg(after.CreateTime), f.arg(after.WorkflowID)
		seek := fmt.Sprintf(" AND create_time <= %s AND (create_time < %s OR workflow_id > %s::uuid)", at, at, id)
		where.live, where.archived = "("+where.live+")"+seek, "("+where.archived+")"+seek
	}
	head := f.arg(start + size)
	return fmt.Sprintf(`SELECT snapshot, doc, next_check_at, sealed, run_as, create_time, workflow_id::text FROM (
		(SELECT snapshot, doc, next_check_at, sealed, coalesce(run_as, '') AS run_as, %[1]s FROM workflows w
			WHERE %[2]s ORDER BY %[3]s LIMIT %[4]s)
		UNION ALL
		(SELECT snapshot, doc, NULL::timestamptz, NULL::bytea, '', %[1]s FROM archived_workflows w
			WHERE %[7]s ORDER BY %[3]s LIMIT %[4]s)
	) w ORDER BY %[3]s LIMIT %[5]s OFFSET %[6]s`, searchedColumns, where.live, order, head, f.arg(size), f.arg(start), where.archived), nil
}

// searchedColumns are the columns of both live and archived executions that searches filter
// and sort on (workflowColumnsByField's).
const searchedColumns = `workflow_id, workflow_name, status, correlation_id, create_time, end_time, update_time,
	workflow_version, parent_workflow_id, idempotency_key, priority`

func nullTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

// StartsBucket counts the executions of one status started in one hour.
type StartsBucket struct {
	Status conductor.WorkflowStatus
	// Hour is the hour after since the executions started in (0 is the first).
	Hour  int
	Count int64
}

// WorkflowStartsByHour counts the executions started from since on, by status and hour (one
// index range scan of create_time).
func (q *Queries) WorkflowStartsByHour(ctx context.Context, since time.Time) ([]StartsBucket, error) {
	return queryList(ctx, q.db, "counting executions", func(row pgx.Row) (StartsBucket, error) {
		var b StartsBucket
		err := row.Scan(&b.Status, &b.Hour, &b.Count)
		return b, err
	}, `SELECT status, floor(extract(epoch FROM create_time - $1) / 3600)::int AS hour, count(*)
		FROM workflows WHERE create_time >= $1 GROUP BY 1, 2`, since)
}

// CountBound is how far a search counts its matches: totalHits is exact up to it (or up to
// the end of the page asked for, when that lies further) and capped there, as Elasticsearch's
// track_total_hits caps Conductor's. Counting every match of a large table would cost a scan of
// it per page.
const CountBound = 10_000

// countUpTo counts the rows of query (a SELECT of f's arguments), stopping at CountBound or at
// the end of the page (size from start), whichever is further.
func (q *Queries) countUpTo(ctx context.Context, query string, f *filter, size, start int) (int64, error) {
	// The bound is an argument of this statement only: f's arguments go on to the page's.
	bound := fmt.Sprintf("$%d", len(f.args)+1)
	var n int64
	err := q.db.QueryRow(ctx, fmt.Sprintf("SELECT count(*) FROM (%s LIMIT %s) AS matches", query, bound),
		f.queryArgs(max(CountBound, start+size))...).Scan(&n)
	if err != nil {
		return 0, interpretError(err, "counting search results")
	}
	return n, nil
}
