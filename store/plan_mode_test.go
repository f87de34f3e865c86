package store_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/podiumhq/podium/store"
	"github.com/podiumhq/podium/store/storetest"
)

// Store connections run generic plans: a statement that finds its partitions by a parameter
// is then planned once per connection, not at every run. Searches send their values in the
// statement's text (the simple protocol) and still answer, run after run, on such a
// connection.
func TestConnectionsRunGenericPlans(t *testing.T) {
	t.Parallel()
	ctx, st := storetest.Setup(t)
	var mode string
	require.NoError(t, store.QueryRowForTest(ctx, st, `SHOW plan_cache_mode`, &mode))
	require.Equal(t, "force_generic_plan", mode)

	require.NoError(t, store.ExecForTest(ctx, st.Queries, `INSERT INTO workflows (workflow_id, workflow_name,
		workflow_version, status, correlation_id, create_time, update_time, snapshot, doc)
		VALUES ('01a1a86d-3c70-704d-ac3a-2b004397a4d6', 'w', 1, 'COMPLETED', 'order-4711', now(), now(), '\x00',
			'{"workflowId": "01a1a86d-3c70-704d-ac3a-2b004397a4d6"}')`))
	// More runs than PostgreSQL's five custom plans before it would settle on a generic one.
	for range 8 {
		found, total, _, err := st.WorkflowSearch(ctx, store.WorkflowSearchParams{FreeText: "4711", Size: 5})
		require.NoError(t, err)
		require.EqualValues(t, 1, total)
		require.Len(t, found, 1)
	}
}
