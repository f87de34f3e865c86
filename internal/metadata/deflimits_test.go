package metadata

import (
	"context"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"
)

// cancelAfter is a context that reports itself canceled from its limit-th Err call on, and
// counts the calls: how often a loop looked tells whether it stopped early.
type cancelAfter struct {
	context.Context
	limit int64
	calls atomic.Int64
}

func (c *cancelAfter) Err() error {
	if c.calls.Add(1) >= c.limit {
		return context.Canceled
	}
	return nil
}

func TestCanceledValidationStops(t *testing.T) {
	t.Parallel()
	s := New(Config{Limits: DefinitionLimits{MaxTasks: 100_000, MaxBytes: 64 << 20}})
	def := flatChainDef("long_validation", 20_000)
	// Canceled during the limits walk (about 80 looks), then during the rules.
	for _, limit := range []int64{3, 100} {
		ctx := &cancelAfter{Context: context.Background(), limit: limit}
		err := s.ValidateWorkflowDef(ctx, def)
		require.ErrorIs(t, err, context.Canceled)
		require.Less(t, ctx.calls.Load(), limit+5, "the walk stopped soon after the context ended")
	}

	require.NoError(t, s.ValidateWorkflowDef(context.Background(), def), "the definition itself is valid")
}
