package search_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/podiumhq/podium/internal/conductor"
	"github.com/podiumhq/podium/internal/search"
)

// shownAsStored shows tasks as they are stored.
type shownAsStored struct{}

func (shownAsStored) ShowTasks(_ context.Context, tasks []*conductor.Task) ([]*conductor.Task, error) {
	return tasks, nil
}

// addTasks writes task attempts to the fixture's executions with plain SQL: per execution
// (a, b, c) the types listed, the first one FAILED, the others COMPLETED. It returns the task
// ids in the order written.
func (f *searchFixture) addTasks(t *testing.T, types ...[]string) []string {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, f.url)
	require.NoError(t, err)
	defer conn.Close(ctx)
	// The executions run a definition snapshot, as every stored one does.
	_, err = conn.Exec(ctx, `WITH s AS (INSERT INTO workflow_snapshots (hash, definition)
			VALUES (sha256('search fixture'), '{"name": "orders", "version": 1, "tasks": []}') RETURNING hash)
		UPDATE workflows SET snapshot = (SELECT hash FROM s)`)
	require.NoError(t, err)
	base := time.UnixMilli(1_700_000_000_000)
	var ids []string
	for w, list := range types {
		for seq, typ := range list {
			id := uuid.NewString()
			ids = append(ids, id)
			status := conductor.TaskCompleted
			if seq == 0 {
				status = conductor.TaskFailed
			}
			at := base.Add(time.Duration(len(ids)) * time.Second)
			doc, err := json.Marshal(&conductor.Task{TaskID: id, TaskType: typ, TaskDefName: typ + "_def",
				ReferenceTaskName: typ + "_ref", Status: status, WorkflowInstanceID: f.ids[w], WorkflowType: []string{"orders", "orders", "billing"}[w], ScheduledTime: at.UnixMilli(),
				EndTime: at.UnixMilli() + 500, Domain: "d" + typ})
			require.NoError(t, err)
			_, err = conn.Exec(ctx, `INSERT INTO tasks (task_id, workflow_id, seq, ref_name, task_type, status, update_time, doc)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, id, f.ids[w], seq+1, typ+"_ref", typ, status, at, doc)
			require.NoError(t, err)
		}
	}
	return ids
}

func TestTaskSearchFilters(t *testing.T) {
	t.Parallel()
	f := newSearchFixture(t)
	ids := f.addTasks(t, []string{"HTTP", "INLINE"}, []string{"SIMPLE"}, []string{"HTTP"})
	httpA, inline, simple, httpC := ids[0], ids[1], ids[2], ids[3]
	find := func(req search.Request) ([]string, int64) {
		t.Helper()
		res, err := f.svc.Tasks(context.Background(), req)
		require.NoError(t, err, req.Query)
		out := []string{}
		for _, task := range res.Results {
			out = append(out, task.TaskID)
		}
		return out, res.TotalHits
	}
	for _, tc := range []struct {
		query, freeText string
		want            []string
	}{
		{"", "", []string{httpC, simple, inline, httpA}}, // newest update first
		{"taskType = HTTP", "", []string{httpC, httpA}},
		{"taskType IN (HTTP, SIMPLE) AND status = failed", "", []string{httpC, simple, httpA}},
		{"status = COMPLETED", "", []string{inline}},
		{"workflowType = orders", "", []string{simple, inline, httpA}},
		{"workflowName = billing OR taskRefName = INLINE_ref", "", []string{httpC, inline}},
		{"correlationId = 'c-2'", "", []string{simple}},
		{"taskDefName = SIMPLE_def", "", []string{simple}},
		{"domain = dINLINE", "", []string{inline}},
		{"workflowId = " + f.ids[0], "", []string{inline, httpA}},
		{"taskId IN (" + simple + ", not-a-uuid)", "", []string{simple}},
		{"scheduledTime > 1700000002000", "", []string{httpC, simple}},
		{"endTime <= 1700000001500", "", []string{httpA}},
		{"", "HTTP", []string{httpC, httpA}},
		{"", f.ids[1], []string{simple}},
		{"", inline, []string{inline}},
		{"", "c-1", []string{inline, httpA}},
		{"", "*", []string{httpC, simple, inline, httpA}},
		{"taskType = SIMPLE", "HTTP", []string{}},
	} {
		got, total := find(search.Request{Query: tc.query, FreeText: tc.freeText})
		require.Equal(t, tc.want, got, "%s / %s", tc.query, tc.freeText)
		require.EqualValues(t, len(tc.want), total, "%s / %s", tc.query, tc.freeText)
	}
	got, total := find(search.Request{Sort: "taskType:ASC|scheduledTime:DESC", Size: 2})
	require.Equal(t, []string{httpC, httpA}, got)
	require.EqualValues(t, 4, total, "the total counts every match, not the page")
	got, _ = find(search.Request{Sort: "taskType:ASC|scheduledTime:DESC", Size: 2, Start: 2})
	require.Equal(t, []string{inline, simple}, got)

	sums, err := f.svc.TaskSummaries(context.Background(), search.Request{Query: "taskId = " + simple})
	require.NoError(t, err)
	require.Len(t, sums.Results, 1)
	require.Equal(t, "orders", sums.Results[0].WorkflowType)
	require.Equal(t, "SIMPLE_def", sums.Results[0].TaskDefName)

	for _, bad := range []search.Request{{Query: "version = 1"}, {Sort: "nosuch"}, {Size: search.MaxWorkflowPage + 1}, {Start: -1}} {
		_, err := f.svc.Tasks(context.Background(), bad)
		require.ErrorIs(t, err, conductor.ErrInvalid, "%+v", bad)
	}
	_, err = f.svc.Tasks(context.Background(), search.Request{Size: search.MaxWorkflowPage + 1})
	require.ErrorContains(t, err, "Cannot return more than 5000 tasks")
}

func TestWorkflowSearchByTasks(t *testing.T) {
	t.Parallel()
	f := newSearchFixture(t)
	f.addTasks(t, []string{"HTTP", "INLINE", "HTTP"}, []string{"SIMPLE"}, []string{"HTTP"})
	a, b, c := f.ids[0], f.ids[1], f.ids[2]
	find := func(req search.Request) ([]string, int64) {
		t.Helper()
		res, err := f.svc.WorkflowsByTasks(context.Background(), req)
		require.NoError(t, err, req.Query)
		out := []string{}
		for _, wf := range res.Results {
			out = append(out, wf.WorkflowID)
		}
		return out, res.TotalHits
	}
	for _, tc := range []struct {
		query, freeText string
		want            []string
	}{
		{"", "", []string{c, b, a}},
		{"taskType = HTTP", "", []string{c, a}}, // a has two HTTP tasks: listed once
		{"taskType = INLINE AND status = COMPLETED", "", []string{a}},
		{"taskType = SIMPLE AND status = COMPLETED", "", []string{}},
		{"status = FAILED AND workflowType = orders", "", []string{b, a}},
		{"", "SIMPLE", []string{b}},
		{"taskType = NOPE", "", []string{}},
	} {
		got, total := find(search.Request{Query: tc.query, FreeText: tc.freeText})
		require.Equal(t, tc.want, got, "%s / %s", tc.query, tc.freeText)
		require.EqualValues(t, len(tc.want), total, "%s / %s", tc.query, tc.freeText)
	}
	got, total := find(search.Request{Query: "taskType = HTTP", Sort: "startTime:ASC", Size: 1})
	require.Equal(t, []string{a}, got, "sorted by a workflow field")
	require.EqualValues(t, 2, total)

	_, err := f.svc.WorkflowsByTasks(context.Background(), search.Request{Sort: "scheduledTime:DESC"})
	require.ErrorIs(t, err, conductor.ErrInvalid, "the sort reads workflow fields")
	_, err = f.svc.WorkflowsByTasks(context.Background(), search.Request{Size: search.MaxWorkflowPage + 1})
	require.ErrorContains(t, err, "Cannot return more than 5000 workflows")
	sums, err := f.svc.WorkflowSummariesByTasks(context.Background(), search.Request{Query: "taskType = SIMPLE"})
	require.NoError(t, err)
	require.Len(t, sums.Results, 1)
	require.Equal(t, b, sums.Results[0].WorkflowID)
}
