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
	"github.com/podiumhq/podium/store"
	"github.com/podiumhq/podium/store/storetest"
)

// insertExecution writes one execution started at created with plain SQL and returns its id.
func insertExecution(t *testing.T, conn *pgx.Conn, name string, created time.Time) string {
	t.Helper()
	id := uuid.NewString()
	doc, err := json.Marshal(&conductor.Workflow{WorkflowID: id, WorkflowName: name, WorkflowVersion: 1,
		Status: conductor.WorkflowCompleted, CreateTime: created.UnixMilli()})
	require.NoError(t, err)
	_, err = conn.Exec(context.Background(), `INSERT INTO workflows (workflow_id, workflow_name, workflow_version, status,
		create_time, update_time, snapshot, doc) VALUES ($1, $2, 1, 'COMPLETED', $3, $3, '', $4)`, id, name, created, doc)
	require.NoError(t, err)
	return id
}

// TestCursorPagingStableUnderInserts pages newest first with nextCursor while executions keep
// arriving: every execution that existed before the first page is listed exactly once, in
// order, and none started later shows up, whereas start-based paging of the same search shifts
// and repeats rows. Ties of start time (down to the microsecond) are broken by id.
func TestCursorPagingStableUnderInserts(t *testing.T) {
	ctx := context.Background()
	url := storetest.NewDatabaseURL(t)
	conn, err := pgx.Connect(ctx, url)
	require.NoError(t, err)
	defer conn.Close(ctx)
	base := time.UnixMicro(1_700_000_000_000_123)
	var existing []string
	for i := range 23 {
		// Three executions share each start time: the id decides their order.
		existing = append(existing, insertExecution(t, conn, "orders", base.Add(time.Duration(i/3)*time.Millisecond)))
	}
	insertExecution(t, conn, "billing", base) // another name: filtered out
	st, err := store.Open(ctx, store.Config{URL: url, MaxConns: 2})
	require.NoError(t, err)
	t.Cleanup(st.Close)
	svc := search.New(st, shownAsStored{})

	req := search.Request{Size: 5, Query: `workflowType = "orders"`}
	var listed []string
	later := base.Add(time.Hour)
	for pages := 0; ; pages++ {
		require.Less(t, pages, 10, "paging must end")
		res, err := svc.Workflows(ctx, req)
		require.NoError(t, err)
		for _, wf := range res.Results {
			listed = append(listed, wf.WorkflowID)
		}
		if res.NextCursor == "" {
			require.Less(t, len(res.Results), req.Size, "only a short page has no next cursor")
			break
		}
		require.Len(t, res.Results, req.Size)
		// Newer executions arrive between pages.
		insertExecution(t, conn, "orders", later.Add(time.Duration(pages)*time.Second))
		req.Cursor = res.NextCursor
	}
	require.Equal(t, newestFirst(t, conn, existing), listed)

	// The same walk with start skips nothing only if nothing arrives: here it repeats rows.
	var offsetListed []string
	for start := 0; start < 23; start += 5 {
		res, err := svc.Workflows(ctx, search.Request{Start: start, Size: 5, Query: `workflowType = "orders"`})
		require.NoError(t, err)
		for _, wf := range res.Results {
			offsetListed = append(offsetListed, wf.WorkflowID)
		}
		insertExecution(t, conn, "orders", later.Add(time.Minute+time.Duration(start)*time.Second))
	}
	require.NotEqual(t, newestFirst(t, conn, existing), offsetListed, "start paging shifts under inserts (what the cursor fixes)")
}

// newestFirst orders ids as a newest-first search does: start time descending, then id.
func newestFirst(t *testing.T, conn *pgx.Conn, ids []string) []string {
	t.Helper()
	rows, err := conn.Query(context.Background(), `SELECT workflow_id::text FROM workflows WHERE workflow_id = ANY($1::uuid[])
		ORDER BY create_time DESC, workflow_id`, ids)
	require.NoError(t, err)
	out, err := pgx.CollectRows(rows, pgx.RowTo[string])
	require.NoError(t, err)
	require.Len(t, out, len(ids))
	return out
}

// TestCursorRefusals: a cursor that was not made by a search, or given with start or another
// order, is a 400 that says why.
func TestCursorRefusals(t *testing.T) {
	good := search.EncodeCursor(&store.SearchKey{CreateTime: time.UnixMicro(1_700_000_000_000_001), WorkflowID: uuid.NewString()})
	key, err := search.DecodeCursor(good)
	require.NoError(t, err)
	require.Equal(t, int64(1_700_000_000_000_001), key.CreateTime.UnixMicro())
	for _, tc := range []struct {
		name string
		req  search.Request
		msg  string
	}{
		{"garbage", search.Request{Cursor: "not a cursor"}, "Invalid cursor"},
		{"wrong version", search.Request{Cursor: "OS4xLjA"}, "Invalid cursor"},
		{"bad id", search.Request{Cursor: search.EncodeCursor(&store.SearchKey{WorkflowID: "x"})}, "Invalid cursor"},
		{"with start", search.Request{Cursor: good, Start: 10}, "newest-first order only"},
		{"other order", search.Request{Cursor: good, Sort: "workflowType:ASC"}, "newest-first order only"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := search.WorkflowParams(tc.req)
			require.ErrorIs(t, err, conductor.ErrInvalid)
			require.Contains(t, err.Error(), tc.msg)
		})
	}
	p, err := search.WorkflowParams(search.Request{Cursor: good, Sort: "startTime:DESC"})
	require.NoError(t, err, "startTime:DESC is the newest-first order")
	require.Equal(t, key, p.After)
}
