package store_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/podiumhq/podium/store"
	"github.com/podiumhq/podium/store/storetest"
)

// A search counts its matches up to store.CountBound, or to the end of the page asked for when
// that lies further: totalHits is exact below it and capped there.
func TestSearchCountsUpToABound(t *testing.T) {
	t.Parallel()
	ctx, st := storetest.Setup(t)
	n := store.CountBound + 50
	require.NoError(t, store.ExecForTest(ctx, st.Queries, `INSERT INTO workflows (workflow_id, workflow_name,
		workflow_version, status, create_time, update_time, snapshot, doc)
		SELECT gen_random_uuid(), CASE WHEN i <= 30 THEN 'rare' ELSE 'common' END, 1, 'COMPLETED',
			now() - i * interval '1 second', now(), '\x00', '{}'
		FROM generate_series(1, $1::int) AS i`, n))

	_, total, _, err := st.WorkflowSearch(ctx, store.WorkflowSearchParams{Size: 10})
	require.NoError(t, err)
	require.Equal(t, int64(store.CountBound), total, "capped at the bound")

	page, total, _, err := st.WorkflowSearch(ctx, store.WorkflowSearchParams{Start: n - 5, Size: 10})
	require.NoError(t, err)
	require.Len(t, page, 5)
	require.Equal(t, int64(n), total, "a page past the bound counts to its end: every match")

	rare := store.Query{{{Field: "workflowType", Op: "=", Values: []string{"rare"}}}}
	_, total, _, err = st.WorkflowSearch(ctx, store.WorkflowSearchParams{Query: rare, Size: 10})
	require.NoError(t, err)
	require.Equal(t, int64(30), total, "exact below the bound")
}
