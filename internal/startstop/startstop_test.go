package startstop_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/podiumhq/podium/internal/startstop"
)

type ctxKey struct{}

func TestStartRunsOnceUntilStop(t *testing.T) {
	t.Parallel()
	var r startstop.Runner
	require.False(t, r.Running())
	require.NoError(t, r.Stop(context.Background()), "stop before start")

	var runs atomic.Int32
	started := make(chan context.Context, 2)
	run := func(ctx context.Context) {
		runs.Add(1)
		started <- ctx
		<-ctx.Done()
	}
	parent, cancel := context.WithCancel(context.WithValue(context.Background(), ctxKey{}, "v"))
	r.Start(parent, run)
	r.Start(parent, run)
	ctx := <-started
	require.True(t, r.Running())
	cancel()
	require.NoError(t, ctx.Err(), "the start context's cancellation does not reach run")
	require.Equal(t, "v", ctx.Value(ctxKey{}), "its values do")

	require.NoError(t, r.Stop(context.Background()))
	require.Error(t, ctx.Err())
	require.False(t, r.Running())
	require.NoError(t, r.Stop(context.Background()), "second stop")
	require.Equal(t, int32(1), runs.Load())

	r.Start(context.Background(), run)
	<-started
	require.NoError(t, r.Stop(context.Background()), "restart after stop")
	require.Equal(t, int32(2), runs.Load())
}

func TestStopGivesUpWithItsContext(t *testing.T) {
	t.Parallel()
	var r startstop.Runner
	release := make(chan struct{})
	done := make(chan struct{})
	r.Start(context.Background(), func(context.Context) { <-release; close(done) })
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel()
	require.ErrorIs(t, r.Stop(ctx), context.DeadlineExceeded)
	require.False(t, r.Running())
	close(release)
	<-done
}
