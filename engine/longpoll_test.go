package engine

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/podiumhq/podium/internal/conductor"
	"github.com/podiumhq/podium/internal/notify"
	"github.com/podiumhq/podium/store"
	"github.com/podiumhq/podium/store/storetest"
)

// A long poll in one process is woken by work queued in another through NOTIFY: its fallback
// re-check is far longer than the bound asserted, so only the notification can satisfy it.
func TestLongPollWakesOnNotify(t *testing.T) {
	t.Parallel()
	const recheck = time.Minute
	url := storetest.NewDatabaseURL(t)
	engines := make([]*Engine, 2)
	for i := range engines {
		st, err := store.Open(context.Background(), store.Config{URL: url, MaxConns: 4})
		require.NoError(t, err)
		t.Cleanup(st.Close)
		e := New(Config{Store: st, PollRecheck: recheck})
		require.NoError(t, e.Start(context.Background()))
		t.Cleanup(func() { _ = e.Stop(context.Background()) })
		engines[i] = e
	}
	poller, starter := engines[0], engines[1]
	ctx := context.Background()
	def := conductor.NewWorkflowDef()
	def.Name = "notify_wf"
	def.Tasks = []conductor.WorkflowTask{{Name: "notified", TaskReferenceName: "notified", Type: "SIMPLE"}}
	require.NoError(t, starter.Metadata().CreateWorkflowDef(ctx, &def, false))

	// The poller's LISTEN connection comes up shortly after Start: wait until a hint from the
	// other process arrives (a poll that began before it would wait for the re-check).
	probe := notify.Queue("probe")
	heard, unsubscribe := poller.notes.Subscribe(probe)
	defer unsubscribe()
	require.Eventually(t, func() bool {
		starter.notes.Publish(probe)
		select {
		case <-heard:
			return true
		case <-time.After(100 * time.Millisecond):
			return false
		}
	}, 10*time.Second, time.Millisecond)

	polled := make(chan []*conductor.Task, 1)
	poll := func() {
		tasks, err := poller.Poll(ctx, PollRequest{TaskType: "notified", WorkerID: "w", Count: 1, Timeout: 30 * time.Second})
		require.NoError(t, err)
		polled <- tasks
	}
	go poll()
	time.Sleep(200 * time.Millisecond) // the poll is waiting: nothing is queued
	started := time.Now()
	id, err := starter.StartWorkflow(ctx, &conductor.StartWorkflowRequest{Name: "notify_wf"})
	require.NoError(t, err)
	select {
	case tasks := <-polled:
		require.Len(t, tasks, 1)
		require.Equal(t, id, tasks[0].WorkflowInstanceID)
		require.Less(t, time.Since(started), 5*time.Second)
	case <-time.After(5 * time.Second):
		t.Fatalf("the long poll was not woken by the other process's NOTIFY within 5 s (its re-check is %s)", recheck)
	}
}
