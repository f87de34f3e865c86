package store_test

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/podiumhq/podium/store"
	"github.com/podiumhq/podium/store/storetest"
)

// A task search pages live and archived attempts as one list: page after page, in each sort
// order, they are the attempts of both tables in the order one query over both gives, none
// twice, none left out.
func TestTaskSearchMergesTheArchive(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	url := storetest.NewDatabaseURL(t)
	st, err := store.Open(ctx, store.Config{URL: url, MaxConns: 4})
	require.NoError(t, err)
	defer st.Close()
	_, err = st.SeedExecutions(ctx, store.SeedOptions{Executions: 120, Seed: 7, Connections: 1})
	require.NoError(t, err)
	conn, err := pgx.Connect(ctx, url)
	require.NoError(t, err)
	defer conn.Close(ctx)
	ids, err := pgx.CollectRows(must(conn.Query(ctx, `SELECT workflow_id::text FROM workflows ORDER BY workflow_id`)), pgx.RowTo[string])
	require.NoError(t, err)
	for _, id := range ids[:60] {
		require.NoError(t, st.WorkflowArchive(ctx, id, storetest.Epoch))
	}

	both := `(SELECT task_id, task_type, status, start_time, update_time FROM tasks
		UNION ALL SELECT task_id, task_type, status, start_time, update_time FROM archived_tasks) t`
	for _, tc := range []struct {
		name  string
		sort  []store.SortField
		where string
		query store.Query
		order string
	}{
		{name: "newest update first", order: "update_time DESC, task_id"},
		{name: "by type", sort: []store.SortField{{Field: "taskType"}}, order: "task_type ASC NULLS LAST, update_time DESC, task_id"},
		{name: "by start, latest first", sort: []store.SortField{{Field: "startTime", Desc: true}},
			order: "start_time DESC NULLS LAST, update_time DESC, task_id"},
		{name: "completed, by type then start", sort: []store.SortField{{Field: "taskType", Desc: true}, {Field: "startTime"}},
			where: "WHERE status = 'COMPLETED'", query: store.Query{{{Field: "status", Op: "=", Values: []string{"COMPLETED"}}}},
			order: "task_type DESC, start_time ASC NULLS LAST, update_time DESC, task_id"},
	} {
		want, err := pgx.CollectRows(must(conn.Query(ctx, `SELECT task_id::text FROM `+both+` `+tc.where+` ORDER BY `+tc.order)),
			pgx.RowTo[string])
		require.NoError(t, err)
		require.Greater(t, len(want), 200, tc.name)
		var got []string
		for start := 0; ; start += 37 {
			page, total, err := st.TaskSearch(ctx, store.TaskSearchParams{Query: tc.query, Sort: tc.sort, Start: start, Size: 37})
			require.NoError(t, err, tc.name)
			require.EqualValues(t, len(want), total, tc.name)
			for _, task := range page {
				got = append(got, task.TaskID)
			}
			if len(page) < 37 {
				break
			}
		}
		require.Equal(t, want, got, tc.name)
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}
