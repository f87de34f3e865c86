package engine

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/podiumhq/podium/internal/conductor"
	"github.com/podiumhq/podium/internal/deftest"
	"github.com/podiumhq/podium/store/storetest"
)

func TestCanceledStartStops(t *testing.T) {
	t.Parallel()
	e := New(Config{Store: storetest.NewStore(t)})
	def := deftest.FlatChain("long_start", 2000)
	bg := context.Background()
	require.NoError(t, e.Metadata().CreateWorkflowDef(bg, def, false))
	input := map[string]any{"x": "a", "path": "go"}
	// The first start completes (and caches the definition snapshot).
	id, err := e.StartWorkflow(bg, &conductor.StartWorkflowRequest{Name: def.Name, Input: input})
	require.NoError(t, err)
	wf, err := e.Workflow(bg, id, true)
	require.NoError(t, err)
	require.Equal(t, conductor.WorkflowCompleted, wf.Status)
	require.Len(t, wf.Tasks, 2000)

	ctx := &deftest.CancelAfter{Context: bg, Limit: 100}
	_, err = e.StartWorkflow(ctx, &conductor.StartWorkflowRequest{Name: def.Name, Input: input, IdempotencyKey: "second"})
	require.ErrorIs(t, err, context.Canceled)
	require.Less(t, ctx.Calls(), int64(200), "deciding stopped soon after the context ended, not after 2,000 tasks")
	_, _, err = e.store.WorkflowIDByIdempotencyKey(bg, def.Name, "second")
	require.True(t, errors.Is(err, conductor.ErrNotFound), "nothing stored: %v", err)
}
