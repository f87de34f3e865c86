package store_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/podiumhq/podium/store"
	"github.com/podiumhq/podium/store/storetest"
)

// Left-behind termination requests are claimed once by concurrent sweepers, one termination
// per workflow however many requests it has, and offered again only after the grace period, in
// case their claimer died. (Two requests of one workflow may go to two sweepers: carrying out
// a termination twice changes nothing.)
func TestTerminationsClaimDueOnce(t *testing.T) {
	t.Parallel()
	ctx, st := storetest.Setup(t)
	now := storetest.Epoch
	const grace = 10 * time.Second
	const workflows = 50
	signal := func(id, reason string) {
		require.NoError(t, store.ExecForTest(ctx, st.Queries, `INSERT INTO workflow_signals (workflow_id, reason, created_at)
			VALUES ($1, $2, $3)`, id, reason, now.Add(-time.Minute)))
	}
	for range workflows {
		signal(uuid.NewString(), "parent ended")
	}
	claimed := make([][]store.Termination, 4)
	var wg sync.WaitGroup
	for i := range claimed {
		wg.Go(func() {
			var err error
			claimed[i], err = st.TerminationsClaimDue(context.Background(), now.Add(-grace), now, 30)
			require.NoError(t, err)
		})
	}
	wg.Wait()
	seen := map[string]bool{}
	for _, ts := range claimed {
		for _, term := range ts {
			require.False(t, seen[term.WorkflowID], "%s claimed twice", term.WorkflowID)
			seen[term.WorkflowID] = true
		}
	}
	rest, err := st.TerminationsClaimDue(ctx, now.Add(-grace), now, 200)
	require.NoError(t, err)
	for _, term := range rest {
		require.False(t, seen[term.WorkflowID], "%s claimed twice", term.WorkflowID)
		seen[term.WorkflowID] = true
	}
	require.Len(t, seen, workflows, "every workflow's requests were claimed")

	again, err := st.TerminationsClaimDue(ctx, now.Add(-grace), now, 200)
	require.NoError(t, err)
	require.Empty(t, again, "claimed requests wait out the grace period")
	later := now.Add(grace + time.Second)
	again, err = st.TerminationsClaimDue(ctx, later.Add(-grace), later, 200)
	require.NoError(t, err)
	require.Len(t, again, workflows, "requests nobody carried out are offered again")

	twice := uuid.NewString()
	signal(twice, "b")
	signal(twice, "a")
	again, err = st.TerminationsClaimDue(ctx, now.Add(-grace), now, 200)
	require.NoError(t, err)
	require.Equal(t, []store.Termination{{WorkflowID: twice, Reason: "a"}}, again, "one termination per workflow")
}
