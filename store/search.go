package store

import (
	"context"
	"fmt"
	"strconv"
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

// SearchCondition is one comparison of a search query.
type SearchCondition struct {
	// Field is one of workflowType, workflowId, status, correlationId, startTime, endTime,
	// updateTime, version, parentWorkflowId, idempotencyKey.
	Field string
	// Op is one of =, !=, >, <, >=, <=, IN, NOT IN.
	Op     string
	Values []string
}

// WorkflowSearchParams filters and pages a workflow search. Any (an OR of ANDs) holds the query.
type WorkflowSearchParams struct {
	Any      [][]SearchCondition
	FreeText string
	Sort     []SortField
	Start    int
	Size     int
}

// SortField orders search results.
type SortField struct {
	Field string
	Desc  bool
}

var searchColumns = map[string]string{
	"workflowType": "workflow_name", "workflowId": "workflow_id::text", "status": "status",
	"correlationId": "correlation_id", "startTime": "create_time", "createTime": "create_time",
	"endTime": "end_time", "updateTime": "update_time", "version": "workflow_version",
	"parentWorkflowId": "parent_workflow_id::text", "idempotencyKey": "idempotency_key", "priority": "priority",
}

var timeFields = map[string]bool{"startTime": true, "createTime": true, "endTime": true, "updateTime": true}

// SearchableField reports whether field can be queried and sorted on.
func SearchableField(field string) bool { _, ok := searchColumns[field]; return ok }

// WorkflowSearch returns a page of matching executions (without tasks) and the total count.
func (q *Queries) WorkflowSearch(ctx context.Context, p WorkflowSearchParams) ([]*conductor.Workflow, int64, error) {
	var where []string
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return fmt.Sprintf("$%d", len(args))
	}
	var ors []string
	for _, and := range p.Any {
		var parts []string
		for _, c := range and {
			col, ok := searchColumns[c.Field]
			if !ok {
				return nil, 0, conductor.Invalidf("Unknown search field %q", c.Field)
			}
			values := make([]any, len(c.Values))
			for i, v := range c.Values {
				values[i] = v
				if timeFields[c.Field] {
					t, err := parseSearchTime(v)
					if err != nil {
						return nil, 0, err
					}
					values[i] = t
				}
			}
			switch c.Op {
			case "IN", "NOT IN":
				if c.Field == "version" || c.Field == "priority" {
					col += "::text"
				}
				ph := make([]string, len(values))
				for i, v := range values {
					ph[i] = arg(v)
				}
				parts = append(parts, fmt.Sprintf("%s %s (%s)", col, c.Op, strings.Join(ph, ", ")))
			case "=", "!=", ">", "<", ">=", "<=":
				if len(values) != 1 {
					return nil, 0, conductor.Invalidf("Operator %s on %s takes one value", c.Op, c.Field)
				}
				cast := ""
				if c.Field == "version" || c.Field == "priority" {
					cast = "::int"
				}
				parts = append(parts, fmt.Sprintf("%s %s %s%s", col, c.Op, arg(values[0]), cast))
			default:
				return nil, 0, conductor.Invalidf("Unknown search operator %q", c.Op)
			}
		}
		if len(parts) > 0 {
			ors = append(ors, "("+strings.Join(parts, " AND ")+")")
		}
	}
	if len(ors) > 0 {
		where = append(where, "("+strings.Join(ors, " OR ")+")")
	}
	if ft := strings.TrimSpace(p.FreeText); ft != "" && ft != "*" {
		ph := arg(ft)
		where = append(where, fmt.Sprintf("(workflow_id::text = %s OR correlation_id = %s OR workflow_name = %s)", ph, ph, ph))
	}
	cond := "TRUE"
	if len(where) > 0 {
		cond = strings.Join(where, " AND ")
	}
	var total int64
	if err := q.db.QueryRow(ctx, "SELECT count(*) FROM workflows WHERE "+cond, args...).Scan(&total); err != nil {
		return nil, 0, interpretError(err, "counting search results")
	}
	order := []string{}
	for _, s := range p.Sort {
		col, ok := searchColumns[s.Field]
		if !ok {
			return nil, 0, conductor.Invalidf("Unknown sort field %q", s.Field)
		}
		dir := "ASC"
		if s.Desc {
			dir = "DESC"
		}
		order = append(order, col+" "+dir+" NULLS LAST")
	}
	order = append(order, "create_time DESC", "workflow_id")
	sql := fmt.Sprintf("SELECT "+workflowColumns+" FROM workflows WHERE %s ORDER BY %s LIMIT %s OFFSET %s",
		cond, strings.Join(order, ", "), arg(p.Size), arg(p.Start))
	recs, err := queryList(ctx, q.db, "searching workflows", func(row pgx.Row) (*conductor.Workflow, error) {
		rec, err := scanWorkflow(row)
		if err != nil {
			return nil, err
		}
		return rec.Workflow, nil
	}, sql, args...)
	if err != nil {
		return nil, 0, err
	}
	return recs, total, nil
}

// parseSearchTime reads epoch milliseconds or an RFC 3339 time.
func parseSearchTime(v string) (time.Time, error) {
	if ms, err := strconv.ParseInt(v, 10, 64); err == nil {
		return time.UnixMilli(ms), nil
	}
	t, err := time.Parse(time.RFC3339Nano, v)
	if err != nil {
		return time.Time{}, conductor.Invalidf("Invalid time %q: want epoch milliseconds or RFC 3339", v)
	}
	return t, nil
}

func nullTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}
