package search_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/podiumhq/podium/internal/conductor"
	"github.com/podiumhq/podium/internal/search"
	"github.com/podiumhq/podium/store"
	"github.com/podiumhq/podium/store/storetest"
)

// searchFixture is a store on a fresh database holding three executions, written with plain
// SQL so that the search is tested against rows it did not write itself.
type searchFixture struct {
	svc *search.Service
	st  *store.Store
	ids []string // ids of the executions: a, b, c in creation order
	url string
}

func newSearchFixture(t *testing.T) *searchFixture {
	t.Helper()
	ctx := context.Background()
	url := storetest.NewDatabaseURL(t)
	conn, err := pgx.Connect(ctx, url)
	require.NoError(t, err)
	defer conn.Close(ctx)
	base := time.UnixMilli(1_700_000_000_000)
	f := &searchFixture{url: url}
	for i, row := range []struct {
		name, status, correlation string
		version, priority         int
	}{
		{"orders", "COMPLETED", "c-1", 1, 0},
		{"orders", "FAILED", "c-2", 2, 5},
		{"billing", "RUNNING", "", 1, 0},
	} {
		id := uuid.NewString()
		f.ids = append(f.ids, id)
		doc, err := json.Marshal(&conductor.Workflow{WorkflowID: id, WorkflowName: row.name, WorkflowVersion: row.version,
			Status: conductor.WorkflowStatus(row.status), CorrelationID: row.correlation, Priority: row.priority,
			CreateTime: base.Add(time.Duration(i) * time.Minute).UnixMilli()})
		require.NoError(t, err)
		_, err = conn.Exec(ctx, `INSERT INTO workflows (workflow_id, workflow_name, workflow_version, status, correlation_id,
			priority, create_time, update_time, snapshot, doc) VALUES ($1, $2, $3, $4, NULLIF($5, ''), $6, $7, $7, '', $8)`,
			id, row.name, row.version, row.status, row.correlation, row.priority, base.Add(time.Duration(i)*time.Minute), doc)
		require.NoError(t, err)
	}
	f.st, err = store.Open(ctx, store.Config{URL: url, MaxConns: 2})
	require.NoError(t, err)
	t.Cleanup(f.st.Close)
	f.svc = search.New(f.st, shownAsStored{})
	return f
}

// ids runs a workflow search and returns the ids it found (newest first) and its total.
func (f *searchFixture) find(t *testing.T, req search.Request) ([]string, int64) {
	t.Helper()
	res, err := f.svc.Workflows(context.Background(), req)
	require.NoError(t, err, req.Query)
	out := []string{}
	for _, wf := range res.Results {
		out = append(out, wf.WorkflowID)
	}
	return out, res.TotalHits
}

func TestWorkflowSearchFilters(t *testing.T) {
	t.Parallel()
	f := newSearchFixture(t)
	a, b, c := f.ids[0], f.ids[1], f.ids[2]
	for _, tc := range []struct {
		query, freeText string
		want            []string
	}{
		{"", "", []string{c, b, a}},
		{"workflowType = orders", "", []string{b, a}},
		{"status IN (failed, running)", "", []string{c, b}},
		{"status NOT IN (FAILED)", "", []string{c, a}},
		{"version = 2 OR priority > 4", "", []string{b}},
		{"version IN (1)", "", []string{c, a}},
		{"correlationId != 'c-1'", "", []string{b}}, // NULL correlation ids match no comparison
		{fmt.Sprintf("startTime > %d AND createTime <= %d", 1_700_000_000_000, 1_700_000_060_000), "", []string{b}},
		{"startTime >= 2023-11-14T22:14:20Z", "", []string{c, b}},
		{"workflowId = " + a, "", []string{a}},
		{"workflowId IN (" + b + ", not-a-uuid)", "", []string{b}},
		{"workflowId = not-a-uuid", "", []string{}},
		{"workflowId != not-a-uuid", "", []string{c, b, a}},
		{"workflowId NOT IN (not-a-uuid)", "", []string{c, b, a}},
		{"parentWorkflowId IN (not-a-uuid)", "", []string{}},
		{"", "orders", []string{b, a}},
		{"", "c-2", []string{b}},
		{"", c, []string{c}},
		{"", "*", []string{c, b, a}},
		{"status = COMPLETED", "billing", []string{}},
	} {
		got, total := f.find(t, search.Request{Query: tc.query, FreeText: tc.freeText})
		require.Equal(t, tc.want, got, "%s / %s", tc.query, tc.freeText)
		require.EqualValues(t, len(tc.want), total, "%s / %s", tc.query, tc.freeText)
	}

	got, total := f.find(t, search.Request{Sort: "version:DESC|startTime:ASC", Size: 2, Start: 0})
	require.Equal(t, []string{b, a}, got)
	require.EqualValues(t, 3, total, "the total counts every match, not the page")
	got, _ = f.find(t, search.Request{Sort: "version:DESC|startTime:ASC", Size: 2, Start: 2})
	require.Equal(t, []string{c}, got)
}

// TestEverySchemaFieldRuns: every field of the workflow and schedule-execution schemas maps to
// a column, compares with a value of that column's type and sorts, with each operator.
func TestEverySchemaFieldRuns(t *testing.T) {
	t.Parallel()
	f := newSearchFixture(t)
	ctx := context.Background()
	value := map[string]string{"version": "1", "priority": "1", "startTime": "1700000000000", "endTime": "1700000000000",
		"updateTime": "1700000000000", "scheduledTime": "1700000000000", "executionTime": "1700000000000",
		"workflowId": uuid.NewString(), "parentWorkflowId": uuid.NewString(), "executionId": uuid.NewString(), "taskId": uuid.NewString()}
	for _, op := range []string{"=", "!=", ">", "<", ">=", "<=", "IN", "NOT IN"} {
		for _, field := range search.Workflows.Fields() {
			q := fmt.Sprintf("%s %s %s", field, op, valueFor(value, field, op))
			_, err := f.svc.Workflows(ctx, search.Request{Query: q, Sort: field + ":DESC"})
			require.NoError(t, err, q)
		}
		for _, field := range search.Tasks.Fields() {
			q := fmt.Sprintf("%s %s %s", field, op, valueFor(value, field, op))
			_, err := f.svc.Tasks(ctx, search.Request{Query: q, Sort: field + ":DESC"})
			require.NoError(t, err, q)
			_, err = f.svc.WorkflowsByTasks(ctx, search.Request{Query: q})
			require.NoError(t, err, q)
		}
		for _, field := range search.ScheduleExecutions.Fields() {
			q := fmt.Sprintf("%s %s %s", field, op, valueFor(value, field, op))
			parsed, err := search.Parse(q, search.ScheduleExecutions)
			require.NoError(t, err, q)
			require.Equal(t, field, parsed[0][0].Field, "%s parses as a condition, not a schedule name", q)
			sort, err := search.ParseSort(field, search.ScheduleExecutions)
			require.NoError(t, err)
			_, _, err = f.st.ScheduleExecutionSearch(ctx, store.ScheduleExecutionSearchParams{Query: parsed, Sort: sort, Size: 10})
			require.NoError(t, err, q)
		}
	}
}

func valueFor(values map[string]string, field, op string) string {
	v := values[field]
	if v == "" {
		v = "'x'"
	}
	if op == "IN" || op == "NOT IN" {
		return "(" + v + ")"
	}
	return v
}
