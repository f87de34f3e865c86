package store_test

import (
	"time"

	"testing"

	"github.com/stretchr/testify/require"

	"github.com/podiumhq/podium/store"
	"github.com/podiumhq/podium/store/storetest"
)

// TestUnsettledAttemptsAreProbedByIndex: a decision finds the attempts it is not done with by
// one probe of tasks_unsettled per workflow, whatever the planner knows of the table: under
// the generic plan a prepared statement settles on, before the table was ever analysed (a
// young or fast-growing database) and after. A sequential scan here costs every decision a
// read of every task of every workflow.
func TestUnsettledAttemptsAreProbedByIndex(t *testing.T) {
	t.Parallel()
	ctx, st := storetest.Setup(t)
	// 200 workflows of 20 attempts, the last of each not yet executed.
	require.NoError(t, store.ExecForTest(ctx, st.Queries, `
		INSERT INTO workflows (workflow_id, workflow_name, workflow_version, status, create_time, update_time, snapshot, doc)
		SELECT `+store.V7SQLForTest("now()")+`, 'w', 1, 'RUNNING', now(), now(), '', '{}' FROM generate_series(1, 200)`))
	require.NoError(t, store.ExecForTest(ctx, st.Queries, `
		INSERT INTO tasks (task_id, workflow_id, seq, ref_name, task_type, status, update_time, doc, executed)
		SELECT gen_random_uuid(), w.workflow_id, s, 't' || s, 'SIMPLE', CASE WHEN s < 20 THEN 'COMPLETED' ELSE 'SCHEDULED' END,
		       now(), '{}', s < 20
		FROM workflows w, generate_series(1, 20) s`))
	ids := []string{"00000000-0000-0000-0000-000000000001", "00000000-0000-0000-0000-000000000002"}

	for _, stats := range []string{"never analysed", "analysed"} {
		if stats == "analysed" {
			require.NoError(t, store.ExecForTest(ctx, st.Queries, `ANALYZE tasks`))
		}
		plan, err := store.ExplainForTest(ctx, st, store.UnsettledTasksQuery, ids)
		require.NoError(t, err)
		// The rows lie in the current time partition; the others are empty (a scan of one costs
		// nothing, and run-time pruning skips them).
		require.NotContains(t, plan, "Seq Scan on tasks_"+store.PartitionSuffix(time.Now().UTC().Truncate(storetest.TemplatePartitionSpan)), "%s:\n%s", stats, plan)
		require.Contains(t, plan, "Index Scan using tasks_unsettled", "%s:\n%s", stats, plan)
	}
}
