package metadata

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/podiumhq/podium/internal/deftest"
)

func TestCanceledValidationStops(t *testing.T) {
	t.Parallel()
	s := New(Config{Limits: DefinitionLimits{MaxTasks: 100_000, MaxBytes: 64 << 20}})
	def := deftest.FlatChain("long_validation", 20_000)
	// Canceled during the limits walk (about 80 looks), then during the rules.
	for _, limit := range []int64{3, 100} {
		ctx := &deftest.CancelAfter{Context: context.Background(), Limit: limit}
		err := s.ValidateWorkflowDef(ctx, def)
		require.ErrorIs(t, err, context.Canceled)
		require.Less(t, ctx.Calls(), limit+5, "the walk stopped soon after the context ended")
	}

	require.NoError(t, s.ValidateWorkflowDef(context.Background(), def), "the definition itself is valid")
}
