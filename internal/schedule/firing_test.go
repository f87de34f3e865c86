package schedule_test

import (
	"context"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/podiumhq/podium/engine"
	"github.com/podiumhq/podium/internal/clocktest"
	"github.com/podiumhq/podium/internal/conductor"
	"github.com/podiumhq/podium/internal/notify"
	"github.com/podiumhq/podium/internal/schedule"
	"github.com/podiumhq/podium/store"
	"github.com/podiumhq/podium/store/storetest"
)

// The firing tests run the schedule service with a real engine as its Starter, on a real
// database: what they check is that a slot's workflow starts exactly once.

// replica is one process: an engine and its schedule service, which fires only when told to.
type replica struct {
	engine *engine.Engine
	*schedule.Service
}

// newReplica builds a replica over st.
func newReplica(st *store.Store, clock *clocktest.Clock) *replica {
	hub := notify.New(st, nil)
	eng := engine.New(engine.Config{Store: st, Now: clock.Now, Notify: hub})
	return &replica{engine: eng, Service: schedule.New(schedule.Config{Store: st, Now: clock.Now, Notify: hub,
		ManualScheduling: true, Starter: eng})}
}

// schedulerReplicas returns n replicas ("processes") on one fresh database, each with its own
// pool named by appName(i), sharing clock.
func schedulerReplicas(t *testing.T, n int, clock *clocktest.Clock) (string, []*replica, func(i int) string) {
	t.Helper()
	url := storetest.NewDatabaseURL(t)
	prefix := "podium-" + uuid.NewString()[:8] + "-" // unique: tests running at once must not kill each other
	appName := func(i int) string { return prefix + string(rune('a'+i)) }
	var replicas []*replica
	for i := range n {
		st, err := store.Open(context.Background(), store.Config{URL: url, MaxConns: 4,
			ApplicationName: appName(i)})
		require.NoError(t, err)
		t.Cleanup(st.Close)
		replicas = append(replicas, newReplica(st, clock))
	}
	return url, replicas, appName
}

// scheduledEveryMinute registers a one-task workflow and a schedule starting it every minute,
// and moves the clock to its first slot.
func scheduledEveryMinute(t *testing.T, r *replica, clock *clocktest.Clock) {
	t.Helper()
	ctx := context.Background()
	def := conductor.NewWorkflowDef()
	def.Name = "crash_wf"
	def.Tasks = []conductor.WorkflowTask{{Name: "work", TaskReferenceName: "work", Type: "SIMPLE"}}
	require.NoError(t, r.engine.Metadata().CreateWorkflowDef(ctx, &def, false))
	_, err := r.Save(ctx, &conductor.WorkflowSchedule{Name: "crashy", CronExpression: "0 * * ? * *",
		StartWorkflowRequest: &conductor.StartWorkflowRequest{Name: "crash_wf"}}, "")
	require.NoError(t, err)
	now := clock.Now()
	clock.Advance(now.Truncate(time.Minute).Add(time.Minute).Sub(now))
}

// slotOutcome returns the records' states and how many workflows the schedule started.
func slotOutcome(t *testing.T, url string) (states []string, workflows int) {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), url)
	require.NoError(t, err)
	defer conn.Close(context.Background())
	rows, err := conn.Query(context.Background(), `SELECT state FROM schedule_executions ORDER BY scheduled_time`)
	require.NoError(t, err)
	states, err = pgx.CollectRows(rows, pgx.RowTo[string])
	require.NoError(t, err)
	require.NoError(t, conn.QueryRow(context.Background(),
		`SELECT count(*) FROM workflows WHERE workflow_name = 'crash_wf'`).Scan(&workflows))
	return states, workflows
}

func TestScheduledSlotOfADeadClaimerRunsOnce(t *testing.T) {
	t.Parallel()
	clock := clocktest.New(time.Now())
	url, replicas, _ := schedulerReplicas(t, 3, clock)
	a, b, c := replicas[0], replicas[1], replicas[2]
	scheduledEveryMinute(t, a, clock)
	ctx := context.Background()

	// A claims the slot (the POLLED record is committed) and dies before starting it.
	ids, _, err := a.ClaimDueSlots(ctx)
	require.NoError(t, err)
	require.Len(t, ids, 1)
	states, started := slotOutcome(t, url)
	require.Equal(t, []string{conductor.ScheduleExecutionPolled}, states)
	require.Zero(t, started)

	// Within the claim's grace the other replicas leave it to its claimer and claim nothing new.
	n, err := b.Fire(ctx)
	require.NoError(t, err)
	require.Zero(t, n)

	// After it, B and C race for the abandoned slot: it starts exactly once.
	clock.Advance(schedule.ClaimGrace)
	var wg sync.WaitGroup
	for _, r := range []*replica{b, c} {
		wg.Go(func() {
			_, err := r.Fire(ctx)
			require.NoError(t, err)
		})
	}
	wg.Wait()
	states, started = slotOutcome(t, url)
	require.Equal(t, []string{conductor.ScheduleExecutionExecuted}, states)
	require.Equal(t, 1, started)
}

func TestScheduledStartKilledMidTransactionRunsOnce(t *testing.T) {
	t.Parallel()
	clock := clocktest.New(time.Now())
	url, replicas, appName := schedulerReplicas(t, 2, clock)
	a, b := replicas[0], replicas[1]
	scheduledEveryMinute(t, a, clock)
	ctx := context.Background()

	// A holds the slot's lock inside its start transaction when its process dies: PostgreSQL
	// drops the connection (pg_terminate_backend is what a killed process looks like to it).
	admin, err := pgx.Connect(ctx, url)
	require.NoError(t, err)
	defer admin.Close(ctx)
	a.SetBeforeStart(func(string) {
		var killed bool
		require.NoError(t, admin.QueryRow(ctx, `SELECT bool_or(pg_terminate_backend(pid)) FROM pg_stat_activity
			WHERE application_name = $1 AND state = 'idle in transaction'`, appName(0)).Scan(&killed))
		require.True(t, killed)
	})
	_, err = a.Fire(ctx)
	require.NoError(t, err, "a failed start is logged and retried, not returned")
	states, started := slotOutcome(t, url)
	require.Equal(t, []string{conductor.ScheduleExecutionPolled}, states, "the start rolled back with the connection")
	require.Zero(t, started)

	clock.Advance(schedule.ClaimGrace)
	_, err = b.Fire(ctx)
	require.NoError(t, err)
	_, err = b.Fire(ctx)
	require.NoError(t, err)
	states, started = slotOutcome(t, url)
	require.Equal(t, []string{conductor.ScheduleExecutionExecuted}, states)
	require.Equal(t, 1, started)
}

// BenchmarkFireSchedules measures claiming and starting due slots: 100 schedules firing every
// second, one round per simulated second (b.N rounds of 100 slots).
func BenchmarkFireSchedules(b *testing.B) {
	clock := clocktest.New(time.Now().Truncate(time.Second).Add(100 * time.Millisecond))
	url := storetest.NewDatabaseURL(b)
	st, err := store.Open(context.Background(), store.Config{URL: url, MaxConns: 4})
	require.NoError(b, err)
	b.Cleanup(st.Close)
	e := newReplica(st, clock)
	ctx := context.Background()
	def := conductor.NewWorkflowDef()
	def.Name = "bench_wf"
	def.Tasks = []conductor.WorkflowTask{{Name: "work", TaskReferenceName: "work", Type: "SIMPLE"}}
	require.NoError(b, e.engine.Metadata().CreateWorkflowDef(ctx, &def, false))
	const schedules = 100
	for i := range schedules {
		_, err := e.Save(ctx, &conductor.WorkflowSchedule{Name: "s" + strconv.Itoa(i), CronExpression: "* * * ? * *",
			StartWorkflowRequest: &conductor.StartWorkflowRequest{Name: "bench_wf"}}, "")
		require.NoError(b, err)
	}
	b.ResetTimer()
	for range b.N {
		clock.Advance(time.Second)
		n, err := e.Fire(ctx)
		require.NoError(b, err)
		require.Equal(b, schedules, n)
	}
	b.ReportMetric(float64(b.N*schedules)/b.Elapsed().Seconds(), "slots/s")
}

func TestRequeueStartsPendingSlotsAtOnce(t *testing.T) {
	t.Parallel()
	clock := clocktest.New(time.Now())
	url, replicas, _ := schedulerReplicas(t, 2, clock)
	a, b := replicas[0], replicas[1]
	scheduledEveryMinute(t, a, clock)
	ctx := context.Background()
	ids, _, err := a.ClaimDueSlots(ctx) // A claims and dies
	require.NoError(t, err)
	require.Len(t, ids, 1)

	res, err := b.Requeue(ctx) // no need to wait for the claim's grace
	require.NoError(t, err)
	require.Equal(t, 1, res.Count)
	require.Equal(t, ids, res.SampleIDs)
	states, started := slotOutcome(t, url)
	require.Equal(t, []string{conductor.ScheduleExecutionExecuted}, states)
	require.Equal(t, 1, started)

	res, err = b.Requeue(ctx)
	require.NoError(t, err)
	require.Zero(t, res.Count, "nothing is left to requeue")
}

func TestScheduledStartFailingForInternalReasonsIsGivenUp(t *testing.T) {
	t.Parallel()
	clock := clocktest.New(time.Now())
	url, replicas, appName := schedulerReplicas(t, 1, clock)
	a := replicas[0]
	scheduledEveryMinute(t, a, clock)
	ctx := context.Background()
	admin, err := pgx.Connect(ctx, url)
	require.NoError(t, err)
	defer admin.Close(ctx)
	a.SetBeforeStart(func(string) { // every start attempt loses its connection
		_, err := admin.Exec(ctx, `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
			WHERE application_name = $1 AND state = 'idle in transaction'`, appName(0))
		require.NoError(t, err)
	})
	for attempt := 1; attempt <= schedule.StartAttempts; attempt++ {
		_, err := a.Fire(ctx)
		require.NoError(t, err)
		states, started := slotOutcome(t, url)
		require.Zero(t, started)
		if attempt < schedule.StartAttempts {
			require.Equal(t, []string{conductor.ScheduleExecutionPolled}, states, "attempt %d is retried", attempt)
		}
		clock.Advance(schedule.ClaimGrace) // the next round takes the slot up again
	}
	var state, reason string
	require.NoError(t, admin.QueryRow(ctx, `SELECT state, reason FROM schedule_executions`).Scan(&state, &reason))
	require.Equal(t, conductor.ScheduleExecutionFailed, state)
	require.Contains(t, reason, "could not be started after 5 attempts")
	require.NotContains(t, reason, "terminating connection", "internal errors stay in the log")
}
