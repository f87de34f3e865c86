package engine

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/podiumhq/podium/internal/clocktest"
	"github.com/podiumhq/podium/internal/conductor"
	"github.com/podiumhq/podium/store"
	"github.com/podiumhq/podium/store/storetest"
)

// replicas are engines on one database, as separate server processes would be (each with its
// own pool, caches and notification hub), sharing one clock the test moves.
type replicas struct {
	engines []*Engine
	clock   *clocktest.Clock
	db      *pgx.Conn // for assertions on the rows themselves
}

func newReplicas(t *testing.T, n int) *replicas {
	t.Helper()
	url := storetest.NewDatabaseURL(t)
	r := &replicas{clock: clocktest.New(storetest.Epoch)}
	for range n {
		st, err := store.Open(context.Background(), store.Config{URL: url, MaxConns: 4})
		require.NoError(t, err)
		t.Cleanup(st.Close)
		r.engines = append(r.engines, New(Config{Store: st, Now: r.clock.Now, SweepWorkers: 2}))
	}
	conn, err := pgx.Connect(context.Background(), url)
	require.NoError(t, err)
	t.Cleanup(func() { _ = conn.Close(context.Background()) })
	r.db = conn
	return r
}

// sweepAll runs every replica's sweeper at once and returns what each decided.
func (r *replicas) sweepAll(t *testing.T) []int {
	t.Helper()
	counts := make([]int, len(r.engines))
	errs := make([]error, len(r.engines))
	var wg sync.WaitGroup
	for i, e := range r.engines {
		wg.Go(func() { counts[i], errs[i] = e.Sweep(context.Background()) })
	}
	wg.Wait()
	for _, err := range errs {
		require.NoError(t, err)
	}
	return counts
}

// count runs a counting query.
func (r *replicas) count(t *testing.T, sql string, args ...any) int {
	t.Helper()
	var n int
	require.NoError(t, r.db.QueryRow(context.Background(), sql, args...).Scan(&n))
	return n
}

// dueNow counts the workflows the sweeper would still have to decide now, claimed or not.
func (r *replicas) dueNow(t *testing.T) int {
	t.Helper()
	return r.count(t, `SELECT count(*) FROM workflows w WHERE w.next_check_at <= $1 OR EXISTS (
		SELECT 1 FROM tasks t WHERE t.workflow_id = w.workflow_id AND t.status = 'IN_PROGRESS' AND t.lease_until <= $1)`,
		r.clock.Now())
}

// startWaits registers a workflow of waits WAIT tasks of a second each followed by a SIMPLE
// task, and starts n executions of it on the first replica.
func (r *replicas) startWaits(t *testing.T, name string, waits, n int) []string {
	t.Helper()
	ctx := context.Background()
	def := conductor.NewWorkflowDef()
	def.Name = name
	for i := range waits {
		ref := fmt.Sprintf("wait%d", i)
		def.Tasks = append(def.Tasks, conductor.WorkflowTask{Name: ref, TaskReferenceName: ref, Type: conductor.TaskTypeWait,
			InputParameters: map[string]any{"duration": "1s"}})
	}
	def.Tasks = append(def.Tasks, conductor.WorkflowTask{Name: name + "_next", TaskReferenceName: "next", Type: conductor.TaskTypeSimple})
	e := r.engines[0]
	require.NoError(t, e.Metadata().CreateWorkflowDef(ctx, &def, false))
	ids := make([]string, n)
	for i := range ids {
		id, err := e.StartWorkflow(ctx, &conductor.StartWorkflowRequest{Name: name})
		require.NoError(t, err)
		ids[i] = id
	}
	return ids
}

// requireWaitedOnce checks that each workflow's WAIT completed once and its next task was
// scheduled once: two attempts, seq 1 and 2, the second queued, never polled.
func (r *replicas) requireWaitedOnce(t *testing.T, ids []string) {
	t.Helper()
	for _, id := range ids {
		wf, err := r.engines[0].Workflow(context.Background(), id, true)
		require.NoError(t, err)
		require.Len(t, wf.Tasks, 2, id)
		wait, next := wf.Tasks[0], wf.Tasks[1]
		require.Equal(t, conductor.TaskTypeWait, wait.TaskType)
		require.Equal(t, conductor.TaskCompleted, wait.Status, id)
		require.Equal(t, []int{1, 2}, []int{wait.Seq, next.Seq})
		require.Equal(t, conductor.TaskScheduled, next.Status)
		require.Zero(t, next.RetryCount)
		require.Zero(t, next.PollCount)
	}
}

// Two replicas sweep the same due timers at once: each timer fires once (one WAIT completion,
// one next task), both replicas take part, and nothing due is left.
func TestReplicasShareDueTimers(t *testing.T) {
	t.Parallel()
	r := newReplicas(t, 2)
	const n = 300
	ids := r.startWaits(t, "shared_waits", 1, n)
	require.Equal(t, []int{0, 0}, r.sweepAll(t), "nothing is due before the WAITs end")

	r.clock.Advance(2 * time.Second)
	counts := r.sweepAll(t)
	require.Equal(t, n, counts[0]+counts[1], "each workflow was claimed and decided by one replica, once")
	require.Positive(t, counts[0], "the first replica decided some")
	require.Positive(t, counts[1], "the second replica decided some")
	require.Zero(t, r.dueNow(t))
	require.Equal(t, 2*n, r.count(t, `SELECT count(*) FROM tasks`), "no attempt was written twice")
	r.requireWaitedOnce(t, ids)
	require.Zero(t, r.count(t, `SELECT count(*) FROM sweep_claims`),
		"deciding released every claim")
	require.Equal(t, []int{0, 0}, r.sweepAll(t), "nothing is left to do")
}

// A claimer that dies after claiming a batch leaves it to the others once the claim expires.
func TestAbandonedSweepClaimIsTakenOver(t *testing.T) {
	t.Parallel()
	r := newReplicas(t, 2)
	ids := r.startWaits(t, "abandoned_waits", 1, 40)
	r.clock.Advance(2 * time.Second)
	now := r.clock.Now()
	claimed, lost, err := r.engines[1].store.WorkflowsClaimDue(context.Background(), now, now.Add(SweepClaimDefault), 100)
	require.NoError(t, err)
	require.Zero(t, lost)
	require.Len(t, claimed, len(ids), "the dead replica claimed them all, then decided none")

	require.Equal(t, []int{0, 0}, r.sweepAll(t), "claimed workflows are left to their claimer")
	r.clock.Advance(SweepClaimDefault / 2)
	n, err := r.engines[0].Sweep(context.Background())
	require.NoError(t, err)
	require.Zero(t, n, "the claim still holds")

	r.clock.Advance(SweepClaimDefault / 2)
	n, err = r.engines[0].Sweep(context.Background())
	require.NoError(t, err)
	require.Equal(t, len(ids), n, "taken over once the claim expired")
	require.Zero(t, r.dueNow(t))
	r.requireWaitedOnce(t, ids)
}

// Expired task leases under two sweepers: each attempt times out once and is retried once.
func TestReplicasTimeOutExpiredLeasesOnce(t *testing.T) {
	t.Parallel()
	r := newReplicas(t, 2)
	ctx := context.Background()
	e := r.engines[0]
	td := conductor.NewTaskDef("leased")
	td.ResponseTimeoutSeconds, td.TimeoutSeconds, td.RetryCount, td.RetryDelaySeconds = 5, 3600, 1, 0
	require.NoError(t, e.Metadata().CreateTaskDefs(ctx, []*conductor.TaskDef{&td}))
	def := conductor.NewWorkflowDef()
	def.Name = "leases"
	def.Tasks = []conductor.WorkflowTask{{Name: "leased", TaskReferenceName: "leased", Type: conductor.TaskTypeSimple}}
	require.NoError(t, e.Metadata().CreateWorkflowDef(ctx, &def, false))
	const n = 200
	ids := make([]string, n)
	for i := range ids {
		id, err := e.StartWorkflow(ctx, &conductor.StartWorkflowRequest{Name: def.Name})
		require.NoError(t, err)
		ids[i] = id
	}
	for polled := 0; polled < n; {
		tasks, err := r.engines[polled%2].Poll(ctx, PollRequest{TaskType: "leased", WorkerID: "gone", Count: 100})
		require.NoError(t, err)
		require.NotEmpty(t, tasks)
		polled += len(tasks)
	}
	require.Equal(t, n, r.count(t, `SELECT count(*) FROM tasks WHERE status = 'IN_PROGRESS' AND lease_until IS NOT NULL`))

	r.clock.Advance(6 * time.Second) // past responseTimeoutSeconds: the worker is gone
	counts := r.sweepAll(t)
	require.Equal(t, n, counts[0]+counts[1], "each expired lease was handled by one replica, once")
	require.Positive(t, counts[0])
	require.Positive(t, counts[1])
	require.Zero(t, r.dueNow(t))
	for _, id := range ids {
		wf, err := e.Workflow(ctx, id, true)
		require.NoError(t, err)
		require.Len(t, wf.Tasks, 2, "one retry, not two")
		require.Equal(t, conductor.TaskTimedOut, wf.Tasks[0].Status)
		require.Equal(t, conductor.TaskScheduled, wf.Tasks[1].Status)
		require.Equal(t, 1, wf.Tasks[1].RetryCount)
		require.Equal(t, conductor.WorkflowRunning, wf.Status)
	}
}

// A claim never hides a timer that comes due after the decision: deciding releases the claim,
// so the second WAIT fires when it ends, not when the first claim would have expired.
func TestSweptWorkflowsNextTimerIsNotHeldByTheClaim(t *testing.T) {
	t.Parallel()
	r := newReplicas(t, 1)
	ids := r.startWaits(t, "two_waits", 2, 10)
	e := r.engines[0]
	r.clock.Advance(1500 * time.Millisecond)
	n, err := e.Sweep(context.Background())
	require.NoError(t, err)
	require.Equal(t, len(ids), n, "the first WAITs ended")
	r.clock.Advance(1500 * time.Millisecond) // the second WAITs ended; the claims would still hold
	n, err = e.Sweep(context.Background())
	require.NoError(t, err)
	require.Equal(t, len(ids), n, "the second WAITs ended")
	for _, id := range ids {
		wf, err := e.Workflow(context.Background(), id, true)
		require.NoError(t, err)
		require.Len(t, wf.Tasks, 3)
		require.Equal(t, conductor.TaskCompleted, wf.Tasks[1].Status)
		require.Equal(t, conductor.TaskScheduled, wf.Tasks[2].Status)
	}
}

// A workflow a decision cannot advance though due (a paused workflow's ended WAIT) is decided
// once per claim, not over and over: the sweep ends, and the workflow is looked at again once
// the claim expires. Resuming it (a write of its own) lets it go on at once.
func TestStillDueWorkflowKeepsItsClaim(t *testing.T) {
	t.Parallel()
	r := newReplicas(t, 1)
	ids := r.startWaits(t, "paused_wait", 1, 1)
	e := r.engines[0]
	ctx := context.Background()
	require.NoError(t, e.Pause(ctx, ids[0]))
	r.clock.Advance(2 * time.Second)
	n, err := e.Sweep(ctx)
	require.NoError(t, err)
	require.Equal(t, 1, n)
	n, err = e.Sweep(ctx)
	require.NoError(t, err)
	require.Zero(t, n, "still due, but claimed: not decided again at once")
	require.Equal(t, 1, r.dueNow(t))

	r.clock.Advance(SweepClaimDefault)
	n, err = e.Sweep(ctx)
	require.NoError(t, err)
	require.Equal(t, 1, n, "decided again once the claim expired")

	require.NoError(t, e.Resume(ctx, ids[0]))
	r.requireWaitedOnce(t, ids)
	require.Zero(t, r.dueNow(t))
}
