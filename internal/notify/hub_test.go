package notify_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/podiumhq/podium/internal/notify"
	"github.com/podiumhq/podium/store"
	"github.com/podiumhq/podium/store/storetest"
)

// runHub starts a hub of its own pool on the database url, stopped when t ends.
func runHub(t *testing.T, url string) *notify.Hub {
	t.Helper()
	st, err := store.Open(context.Background(), store.Config{URL: url, MaxConns: 2})
	require.NoError(t, err)
	t.Cleanup(st.Close)
	h := notify.New(st, nil)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { h.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	return h
}

// waitListening publishes on from until to hears topic (its LISTEN connection is up).
func waitListening(t *testing.T, from, to *notify.Hub) {
	t.Helper()
	probe := notify.Queue("probe")
	ch, unsubscribe := to.Subscribe(probe)
	defer unsubscribe()
	require.Eventually(t, func() bool {
		from.Publish(probe)
		select {
		case <-ch:
			return true
		case <-time.After(100 * time.Millisecond):
			return false
		}
	}, 10*time.Second, time.Millisecond)
}

func TestTopicsReachOtherProcessesTyped(t *testing.T) {
	t.Parallel()
	url := storetest.NewDatabaseURL(t)
	a, b := runHub(t, url), runHub(t, url)
	waitListening(t, a, b)

	// Each kind wakes its own waiters in the other process, and only them.
	topics := []notify.Topic{notify.Queue("orders"), notify.Queue("dom:orders"), notify.WorkflowDone("wf-1"),
		notify.Access, notify.Schedules}
	for _, sent := range topics {
		waiters := map[notify.Topic]<-chan struct{}{}
		for _, topic := range topics {
			ch, unsubscribe := b.Subscribe(topic)
			defer unsubscribe()
			waiters[topic] = ch
		}
		a.Publish(sent)
		select {
		case <-waiters[sent]:
		case <-time.After(5 * time.Second):
			t.Fatalf("%+v published in one process never woke its waiter in the other", sent)
		}
		time.Sleep(50 * time.Millisecond) // let a stray wake-up of another topic arrive
		for topic, ch := range waiters {
			if topic != sent {
				require.Empty(t, ch, "%+v woke the waiter of %+v", sent, topic)
			}
		}
	}
}

func TestPublishWakesLocalWaitersAtOnce(t *testing.T) {
	t.Parallel()
	h := notify.New(nil, nil) // not run: no transport needed for this process's own waiters
	ch, unsubscribe := h.Subscribe(notify.Queue("q"))
	h.Publish(notify.Queue("other"))
	require.Empty(t, ch)
	h.Publish(notify.Queue("q"))
	require.Len(t, ch, 1)
	unsubscribe()
	h.Wake(notify.Queue("q")) // an ended subscription is not woken (nor does Wake block)
	require.Len(t, ch, 1)
}

func TestManyTopicsSplitIntoSeveralNotifications(t *testing.T) {
	t.Parallel()
	url := storetest.NewDatabaseURL(t)
	a, b := runHub(t, url), runHub(t, url)
	waitListening(t, a, b)
	// 3 × 4000-byte names overflow one NOTIFY payload; every one still arrives.
	var topics []notify.Topic
	var waiters []<-chan struct{}
	for _, c := range "xyz" {
		topic := notify.Queue(strings.Repeat(string(c), 4000))
		ch, unsubscribe := b.Subscribe(topic)
		defer unsubscribe()
		topics, waiters = append(topics, topic), append(waiters, ch)
	}
	a.Publish(topics...)
	for i, ch := range waiters {
		select {
		case <-ch:
		case <-time.After(5 * time.Second):
			t.Fatalf("topic %d of an oversized batch never arrived", i)
		}
	}
}
