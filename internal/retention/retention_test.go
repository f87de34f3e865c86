package retention_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/podiumhq/podium/engine/decide"
	"github.com/podiumhq/podium/internal/conductor"
	"github.com/podiumhq/podium/internal/retention"
	"github.com/podiumhq/podium/store"
	"github.com/podiumhq/podium/store/storetest"
)

// t0 is the start of the hour the tests' executions begin in.
var t0 = time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)

// fixture is a fresh database, a raw connection to look into it, and a settable clock.
type fixture struct {
	t    *testing.T
	ctx  context.Context
	st   *store.Store
	conn *pgx.Conn
	now  time.Time
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	url := storetest.NewDatabaseURL(t)
	ctx := context.Background()
	st, err := store.Open(ctx, store.Config{URL: url, MaxConns: 4})
	require.NoError(t, err)
	t.Cleanup(st.Close)
	conn, err := pgx.Connect(ctx, url)
	require.NoError(t, err)
	t.Cleanup(func() { conn.Close(context.Background()) })
	// The test template's partitions lie around the real now; these tests live in 2026's March.
	parts, err := st.Partitions(ctx)
	require.NoError(t, err)
	for _, p := range parts {
		dropped, _, err := st.PartitionDrop(ctx, p, store.RetentionCutoffs{Default: time.Now().AddDate(1, 0, 0)})
		require.NoError(t, err)
		require.True(t, dropped, "an empty partition goes")
	}
	return &fixture{t: t, ctx: ctx, st: st, conn: conn, now: t0}
}

func (f *fixture) cleaner(keep time.Duration) *retention.Cleaner {
	return retention.New(retention.Config{Store: f.st, Retention: keep, Now: func() time.Time { return f.now }})
}

// execution inserts an execution of name started at start, ended at end (zero: still
// running), with two tasks, a log line and an idempotency key, and returns its id. A v4 id
// (legacy) lands in the default partitions.
func (f *fixture) execution(name string, start, end time.Time, parent string, legacy bool) string {
	f.t.Helper()
	id := decide.NewIDAt(start)
	if legacy {
		id = uuid.NewString()
	}
	status, ended := "RUNNING", (*time.Time)(nil)
	if !end.IsZero() {
		status, ended = "COMPLETED", &end
	}
	var parentID *string
	if parent != "" {
		parentID = &parent
	}
	_, err := f.conn.Exec(f.ctx, `INSERT INTO workflows (workflow_id, workflow_name, workflow_version, status,
			parent_workflow_id, idempotency_key, create_time, update_time, end_time, snapshot, doc, sealed)
		VALUES ($1, $2, 1, $3, $4, $7, $5, $5, $6, '', '{}', '\x01')`, id, name, status, parentID, start, ended, id)
	require.NoError(f.t, err)
	_, err = f.conn.Exec(f.ctx, `INSERT INTO workflow_idempotency_keys VALUES ($2, $3, $1)`, id, name, id)
	require.NoError(f.t, err)
	for seq := 1; seq <= 2; seq++ {
		task := decide.NewID()
		_, err = f.conn.Exec(f.ctx, `INSERT INTO tasks (task_id, workflow_id, seq, ref_name, task_type, status, update_time, doc, sealed_input)
			VALUES ($1, $2, $3, $5, 'SIMPLE', 'COMPLETED', $4, '{}', '\x02')`, task, id, seq, start, "t"+strconv.Itoa(seq))
		require.NoError(f.t, err)
		_, err = f.conn.Exec(f.ctx, `INSERT INTO task_logs (workflow_id, task_id, log, created_time) VALUES ($1, $2, 'line', $3)`, id, task, start)
		require.NoError(f.t, err)
	}
	return id
}

// rows counts what is stored of execution id in every table that holds a part of it.
func (f *fixture) rows(id string) int {
	f.t.Helper()
	var n int
	require.NoError(f.t, f.conn.QueryRow(f.ctx, `SELECT
		(SELECT count(*) FROM workflows WHERE workflow_id = $1) + (SELECT count(*) FROM tasks WHERE workflow_id = $1) +
		(SELECT count(*) FROM task_logs WHERE workflow_id = $1) +
		(SELECT count(*) FROM workflow_idempotency_keys WHERE workflow_id = $1)`, id).Scan(&n))
	return n
}

func (f *fixture) partitions() []string {
	f.t.Helper()
	parts, err := f.st.Partitions(f.ctx)
	require.NoError(f.t, err)
	var names []string
	for _, p := range parts {
		names = append(names, p.Suffix)
	}
	return names
}

func (f *fixture) tableExists(name string) bool {
	var ok bool
	require.NoError(f.t, f.conn.QueryRow(f.ctx, `SELECT to_regclass($1) IS NOT NULL`, name).Scan(&ok))
	return ok
}

func TestExpiredPartitionIsDroppedWholeAndRunningExecutionsStay(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	c := f.cleaner(90 * time.Second) // spans of an hour
	require.NoError(t, c.Prepare(f.ctx))
	first := store.PartitionSuffix(t0)
	require.Equal(t, []string{first, store.PartitionSuffix(t0.Add(time.Hour)), store.PartitionSuffix(t0.Add(2 * time.Hour))}, f.partitions())

	done := f.execution("orders", t0.Add(time.Minute), t0.Add(2*time.Minute), "", false)
	running := f.execution("orders", t0.Add(90*time.Minute), time.Time{}, "", false)
	recent := f.execution("orders", t0.Add(100*time.Minute), t0.Add(101*time.Minute), "", false)
	require.Equal(t, 6, f.rows(done))

	// Before its retention has passed nothing goes.
	f.now = t0.Add(3 * time.Minute)
	r, err := c.Pass(f.ctx)
	require.NoError(t, err)
	require.Zero(t, r.Executions)
	require.Equal(t, 6, f.rows(done))

	// Three hours on: the first hour's partition is gone whole; the second keeps its running
	// execution, while its expired neighbour goes row by row.
	f.now = t0.Add(3 * time.Hour)
	r, err = c.Pass(f.ctx)
	require.NoError(t, err)
	require.Equal(t, 1, r.PartitionsDropped, "the first hour's; the third, empty, could still receive executions")
	require.EqualValues(t, 2, r.Executions)
	require.Zero(t, f.rows(done))
	require.Zero(t, f.rows(recent))
	require.Equal(t, 6, f.rows(running), "a running execution is never touched")
	for _, table := range []string{"workflows", "tasks", "task_logs"} {
		require.False(t, f.tableExists(table+"_"+first), table)
		require.True(t, f.tableExists(table+"_"+store.PartitionSuffix(t0.Add(time.Hour))), table)
	}
	require.NotContains(t, f.partitions(), first)
	require.Contains(t, f.partitions(), store.PartitionSuffix(t0.Add(5*time.Hour)), "partitions are created ahead")

	// A second pass finds nothing more to do.
	r, err = c.Pass(f.ctx)
	require.NoError(t, err)
	require.Zero(t, r.Executions)
	require.Zero(t, r.PartitionsDropped)
}

func TestOverridesPerWorkflowName(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	c := f.cleaner(0) // the default keeps forever
	require.NoError(t, c.Prepare(f.ctx))
	_, err := c.SetOverride(f.ctx, "short", "90s", "admin")
	require.NoError(t, err)
	short := f.execution("short", t0.Add(time.Minute), t0.Add(2*time.Minute), "", false)
	other := f.execution("other", t0.Add(time.Minute), t0.Add(2*time.Minute), "", false)
	f.now = t0.Add(30 * 24 * time.Hour)
	r, err := c.Pass(f.ctx)
	require.NoError(t, err)
	require.EqualValues(t, 1, r.Executions)
	require.Zero(t, f.rows(short))
	require.Equal(t, 6, f.rows(other), "the default keeps forever")
	require.Len(t, f.partitions(), 4, "the week holding a kept execution stays beside the three ahead")

	// A longer override keeps a name past the default.
	f2 := newFixture(t)
	c2 := f2.cleaner(90 * time.Second)
	require.NoError(t, c2.Prepare(f2.ctx))
	_, err = c2.SetOverride(f2.ctx, "audit", "forever", "admin")
	require.NoError(t, err)
	kept := f2.execution("audit", t0.Add(time.Minute), t0.Add(2*time.Minute), "", false)
	gone := f2.execution("orders", t0.Add(time.Minute), t0.Add(2*time.Minute), "", false)
	f2.now = t0.Add(24 * time.Hour)
	_, err = c2.Pass(f2.ctx)
	require.NoError(t, err)
	require.Equal(t, 6, f2.rows(kept))
	require.Zero(t, f2.rows(gone))

	policy, err := c2.Policy(f2.ctx)
	require.NoError(t, err)
	require.Equal(t, "1m30s", policy.Retention)
	require.Len(t, policy.Workflows, 1)
	require.Equal(t, "forever", policy.Workflows[0].Retention)
	require.NoError(t, c2.DeleteOverride(f2.ctx, "audit"))
	require.ErrorIs(t, c2.DeleteOverride(f2.ctx, "audit"), conductor.ErrNotFound)
	_, err = c2.Pass(f2.ctx)
	require.NoError(t, err)
	require.Zero(t, f2.rows(kept), "without its override the name takes the default")
}

func TestSubWorkflowsGoWithTheirParent(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	c := f.cleaner(90 * time.Second)
	require.NoError(t, c.Prepare(f.ctx))
	// A parent in the first hour with a child started in the next hour, and a long-running
	// parent whose child ended long ago.
	parent := f.execution("parent", t0.Add(50*time.Minute), t0.Add(70*time.Minute), "", false)
	child := f.execution("child", t0.Add(65*time.Minute), t0.Add(69*time.Minute), parent, false)
	grandchild := f.execution("child", t0.Add(66*time.Minute), t0.Add(68*time.Minute), child, false)
	living := f.execution("parent", t0.Add(5*time.Minute), time.Time{}, "", false)
	oldChild := f.execution("child", t0.Add(6*time.Minute), t0.Add(7*time.Minute), living, false)

	f.now = t0.Add(5 * time.Hour)
	_, err := c.Pass(f.ctx)
	require.NoError(t, err)
	require.Zero(t, f.rows(parent))
	require.Zero(t, f.rows(child), "a sub-workflow goes with its parent, wherever it lies")
	require.Zero(t, f.rows(grandchild))
	require.Equal(t, 6, f.rows(living))
	require.Equal(t, 6, f.rows(oldChild), "a sub-workflow of a kept execution stays")
}

func TestLegacyExecutionsAndRecordsAreRemovedRowByRow(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	c := f.cleaner(24 * time.Hour)
	legacy := f.execution("orders", t0, t0.Add(time.Minute), "", true)
	legacyRunning := f.execution("orders", t0, time.Time{}, "", true)
	for i, state := range []string{"EXECUTED", "POLLED", "EXECUTED"} {
		at := t0.Add(time.Duration(i) * time.Minute)
		if i == 2 {
			at = t0.Add(3 * 24 * time.Hour)
		}
		_, err := f.conn.Exec(f.ctx, `INSERT INTO schedule_executions (execution_id, schedule_name, scheduled_time, workflow_name,
				state, zone_id, start_request, claimed_at) VALUES ($1, 's', $2, 'orders', $3, 'UTC', '{}', $4)`,
			uuid.NewString(), at.UnixMilli(), state, at)
		require.NoError(t, err)
	}
	f.now = t0.Add(3 * 24 * time.Hour)
	r, err := c.Pass(f.ctx)
	require.NoError(t, err)
	require.Zero(t, f.rows(legacy))
	require.Equal(t, 6, f.rows(legacyRunning))
	require.EqualValues(t, 1, r.Records, "the old settled slot goes; the claimed one and the recent one stay")
	var left int
	require.NoError(t, f.conn.QueryRow(f.ctx, `SELECT count(*) FROM schedule_executions`).Scan(&left))
	require.Equal(t, 2, left)
}

func TestBadOverrides(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	c := f.cleaner(0)
	for _, bad := range []string{"", "soon", "0s", "-5d"} {
		_, err := c.SetOverride(f.ctx, "orders", bad, "")
		require.Error(t, err, bad)
	}
	_, err := c.SetOverride(f.ctx, "", "5d", "")
	require.Error(t, err)
	policy, err := c.Policy(f.ctx)
	require.NoError(t, err)
	require.Empty(t, policy.Workflows, "nothing half-written")
}

func TestCreatingAPartitionMovesItsRowsOutOfTheDefault(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	// Started while no partition covered its time: it lands in the default partitions.
	id := f.execution("orders", t0.Add(30*time.Minute), t0.Add(31*time.Minute), "", false)
	var where string
	require.NoError(t, f.conn.QueryRow(f.ctx, `SELECT tableoid::regclass::text FROM workflows WHERE workflow_id = $1`, id).Scan(&where))
	require.Equal(t, "workflows_default", where)

	require.NoError(t, f.cleaner(90*time.Second).Prepare(f.ctx))
	for _, table := range []string{"workflows", "tasks", "task_logs"} {
		var n int
		require.NoError(t, f.conn.QueryRow(f.ctx, `SELECT count(*) FROM `+table+`_`+store.PartitionSuffix(t0)+` WHERE workflow_id = $1`, id).Scan(&n))
		require.Positive(t, n, table)
		require.NoError(t, f.conn.QueryRow(f.ctx, `SELECT count(*) FROM `+table+`_default`).Scan(&n))
		require.Zero(t, n, table)
	}
	require.Equal(t, 6, f.rows(id))
	// Its indexes carry the parent's names.
	var named bool
	require.NoError(t, f.conn.QueryRow(f.ctx, `SELECT to_regclass('tasks_unsettled_'||$1) IS NOT NULL`, store.PartitionSuffix(t0)).Scan(&named))
	require.True(t, named)
}

func TestArchiveModeMovesExpiredExecutionsToTheArchive(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	c := retention.New(retention.Config{Store: f.st, Retention: 90 * time.Second, Archive: true, Now: func() time.Time { return f.now }})
	require.NoError(t, c.Prepare(f.ctx))
	whole := f.execution("orders", t0.Add(time.Minute), t0.Add(2*time.Minute), "", false)
	single := f.execution("orders", t0.Add(70*time.Minute), t0.Add(71*time.Minute), "", false)
	running := f.execution("orders", t0.Add(80*time.Minute), time.Time{}, "", false)
	f.now = t0.Add(3 * time.Hour)
	r, err := c.Pass(f.ctx)
	require.NoError(t, err)
	require.Equal(t, 1, r.PartitionsDropped)
	require.EqualValues(t, 2, r.Executions)
	for _, id := range []string{whole, single} {
		require.Zero(t, f.rows(id), "out of the live tables")
		var workflows, tasks int
		var created time.Time
		require.NoError(t, f.conn.QueryRow(f.ctx, `SELECT count(*), min(create_time) FROM archived_workflows WHERE workflow_id = $1`, id).Scan(&workflows, &created))
		require.NoError(t, f.conn.QueryRow(f.ctx, `SELECT count(*) FROM archived_tasks WHERE workflow_id = $1`, id).Scan(&tasks))
		require.Equal(t, 1, workflows)
		require.Equal(t, 2, tasks)
		require.False(t, created.IsZero())
	}
	var sealed int
	require.NoError(t, f.conn.QueryRow(f.ctx, `SELECT count(*) FROM archived_workflows WHERE doc::text LIKE '%\x01%'`).Scan(&sealed))
	require.Zero(t, sealed, "sealed data is not archived")
	require.Equal(t, 6, f.rows(running))
}

func TestTestTemplatesHoldTheForeverSpan(t *testing.T) {
	require.Equal(t, retention.SpanFor(0), storetest.TemplatePartitionSpan)
}

func TestArchiveRetentionRemovesWhatWasArchivedLongAgo(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	c := retention.New(retention.Config{Store: f.st, Retention: 90 * time.Second, Archive: true,
		ArchiveRetention: 2 * time.Hour, Now: func() time.Time { return f.now }})
	require.NoError(t, c.Prepare(f.ctx))
	early := f.execution("orders", t0.Add(time.Minute), t0.Add(2*time.Minute), "", false)
	running := f.execution("orders", t0.Add(80*time.Minute), time.Time{}, "", false)
	f.now = t0.Add(3 * time.Hour)
	r, err := c.Pass(f.ctx)
	require.NoError(t, err)
	require.EqualValues(t, 1, r.Executions, "archived")
	require.Zero(t, r.Archived, "archived just now")
	late := f.execution("orders", t0.Add(3*time.Hour), t0.Add(3*time.Hour+time.Minute), "", false)
	f.now = t0.Add(4 * time.Hour)
	r, err = c.Pass(f.ctx)
	require.NoError(t, err)
	require.EqualValues(t, 1, r.Executions, "the later one archived an hour after the first")
	require.Zero(t, r.Archived, "the first was archived an hour ago, under two")
	archived := func(id string) (workflows, tasks int) {
		t.Helper()
		require.NoError(t, f.conn.QueryRow(f.ctx, `SELECT count(*) FROM archived_workflows WHERE workflow_id = $1`, id).Scan(&workflows))
		require.NoError(t, f.conn.QueryRow(f.ctx, `SELECT count(*) FROM archived_tasks WHERE workflow_id = $1`, id).Scan(&tasks))
		return workflows, tasks
	}
	w, tk := archived(early)
	require.Equal(t, [2]int{1, 2}, [2]int{w, tk})

	f.now = t0.Add(5*time.Hour + time.Second)
	r, err = c.Pass(f.ctx)
	require.NoError(t, err)
	require.EqualValues(t, 1, r.Archived)
	w, tk = archived(early)
	require.Equal(t, [2]int{0, 0}, [2]int{w, tk}, "gone with its tasks")
	w, tk = archived(late)
	require.Equal(t, [2]int{1, 2}, [2]int{w, tk}, "archived under two hours ago")
	require.Equal(t, 6, f.rows(running), "running executions are never touched")

	// Without a retention of the live executions, the archive's still applies.
	keepLive := retention.New(retention.Config{Store: f.st, ArchiveRetention: time.Hour, Now: func() time.Time { return f.now }})
	r, err = keepLive.Pass(f.ctx)
	require.NoError(t, err)
	require.EqualValues(t, 1, r.Archived)
	require.Zero(t, r.Executions)
	w, _ = archived(late)
	require.Zero(t, w)
	require.Equal(t, 6, f.rows(running))
	p, err := keepLive.Policy(f.ctx)
	require.NoError(t, err)
	require.Equal(t, "1h", p.ArchiveRetention)
	p, err = c.Policy(f.ctx)
	require.NoError(t, err)
	require.Equal(t, "2h", p.ArchiveRetention)
}
