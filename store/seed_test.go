package store_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/podiumhq/podium/internal/conductor"
	"github.com/podiumhq/podium/store"
	"github.com/podiumhq/podium/store/storetest"
)

// seeded is a database holding 5,000 seeded executions, with the report of the seed.
type seeded struct {
	ctx    context.Context
	st     *store.Store
	conn   *pgxpool.Pool
	now    time.Time
	report store.SeedReport
}

func seed(t *testing.T) *seeded {
	t.Helper()
	url := storetest.NewDatabaseURL(t)
	st, err := store.Open(context.Background(), store.Config{URL: url, MaxConns: 4})
	require.NoError(t, err)
	t.Cleanup(st.Close)
	conn, err := pgxpool.New(context.Background(), url)
	require.NoError(t, err)
	t.Cleanup(conn.Close)
	s := &seeded{ctx: context.Background(), st: st, conn: conn, now: time.Now().Truncate(time.Millisecond)}
	s.report, err = st.SeedExecutions(s.ctx, store.SeedOptions{Executions: 5_000, Now: s.now, Seed: 42, Batch: 700})
	require.NoError(t, err)
	t.Logf("seeded %d executions in %s", s.report.Executions, s.report.Elapsed)
	return s
}

func (s *seeded) count(t *testing.T, sql string, args ...any) int64 {
	t.Helper()
	var n int64
	require.NoError(t, s.conn.QueryRow(s.ctx, sql, args...).Scan(&n), sql)
	return n
}

// TestSeed seeds 5,000 executions and checks them from every side (the checks that only
// read run in parallel), then seeds more into the same database.
func TestSeed(t *testing.T) {
	t.Parallel()
	s := seed(t)
	t.Run("readers", func(t *testing.T) {
		for name, check := range map[string]func(*testing.T, *seeded){
			"counts": seedCounts, "unfinished left alone": seedLeavesUnfinishedAlone,
			"documents in the engine's form": seedDocumentsAreTheEnginesForm, "read back": seedReadBack,
			"searched": seedSearched, "search plans": seedSearchPlans,
		} {
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				check(t, s)
			})
		}
	})
	t.Run("again", func(t *testing.T) { seedAgain(t, s) })
}

// seedCounts checks what a seed reports against what it stored: executions by status,
// tasks, definitions, and the spread of times.
func seedCounts(t *testing.T, s *seeded) {
	rep := s.report
	require.EqualValues(t, 5_000, rep.Executions)
	require.EqualValues(t, 5_000, s.count(t, `SELECT count(*) FROM workflows`))
	require.Equal(t, rep.Tasks, s.count(t, `SELECT count(*) FROM tasks`))
	require.InDelta(t, 4.5, float64(rep.Tasks)/float64(rep.Executions), 1.5, "a handful of attempts per execution")
	for _, status := range []conductor.WorkflowStatus{conductor.WorkflowCompleted, conductor.WorkflowFailed,
		conductor.WorkflowTerminated, conductor.WorkflowTimedOut, conductor.WorkflowRunning, conductor.WorkflowPaused} {
		n := s.count(t, `SELECT count(*) FROM workflows WHERE status = $1`, status)
		require.Equal(t, rep.ByStatus[status], n, status)
		require.Positive(t, n, "some executions are %s", status)
	}
	require.Greater(t, rep.ByStatus[conductor.WorkflowCompleted], rep.Executions*3/4, "most completed")
	require.EqualValues(t, 1, s.count(t, `SELECT min(n) FROM (SELECT count(*) n FROM tasks GROUP BY workflow_id) c`))
	require.LessOrEqual(t, s.count(t, `SELECT max(n) FROM (SELECT count(*) n FROM tasks GROUP BY workflow_id) c`), int64(14))
	require.Zero(t, s.count(t, `SELECT count(*) FROM workflows w WHERE NOT EXISTS (SELECT 1 FROM tasks t WHERE t.workflow_id = w.workflow_id)`))
	require.Positive(t, s.count(t, `SELECT count(*) FROM tasks WHERE retried`), "some attempts were retried")
	require.Greater(t, s.count(t, `SELECT count(DISTINCT task_type) FROM tasks`), int64(10))
	require.Greater(t, s.count(t, `SELECT count(*) FROM workflows WHERE correlation_id IS NOT NULL`), int64(4_000))
	require.Positive(t, s.count(t, `SELECT count(*) FROM tasks WHERE length(doc::text) > 4000`), "some large documents")

	require.EqualValues(t, len(store.SeedWorkflowNames), s.count(t, `SELECT count(*) FROM workflow_defs`))
	require.EqualValues(t, len(store.SeedWorkflowNames), s.count(t, `SELECT count(DISTINCT snapshot) FROM workflows`))
	require.Zero(t, s.count(t, `SELECT count(*) FROM workflows w WHERE NOT EXISTS (SELECT 1 FROM workflow_snapshots s WHERE s.hash = w.snapshot)`))

	// Times: spread over the span, in order, never after now.
	start := s.now.Add(-store.SeedSpanDefault)
	require.Zero(t, s.count(t, `SELECT count(*) FROM workflows WHERE create_time < $1 OR create_time > $2
		OR update_time < create_time OR update_time > $2 OR end_time < create_time OR end_time > $2`, start, s.now))
	require.Zero(t, s.count(t, `SELECT count(*) FROM workflows WHERE (end_time IS NULL) <> (status IN ('RUNNING', 'PAUSED'))`))
	require.Greater(t, s.count(t, `SELECT count(DISTINCT date_trunc('day', create_time)) FROM workflows`), int64(29))
	require.Zero(t, s.count(t, `SELECT count(*) FROM tasks t JOIN workflows w USING (workflow_id)
		WHERE t.start_time < w.create_time OR t.update_time > $1 OR t.start_time > t.update_time`, s.now))
	require.Equal(t, start.Add(store.SeedSpanDefault/10_000).Truncate(time.Millisecond).UnixMilli()/1000,
		rep.Oldest.UnixMilli()/1000, "the first execution's share of the span")
}

// seedLeavesUnfinishedAlone checks that a server on the seeded database would not touch the
// RUNNING and PAUSED executions: no timers, nothing claimable but a queue nobody polls.
func seedLeavesUnfinishedAlone(t *testing.T, s *seeded) {
	later := s.now.Add(365 * 24 * time.Hour)
	due, _, err := s.st.WorkflowsClaimDue(s.ctx, later, later.Add(time.Second), 10)
	require.NoError(t, err)
	require.Empty(t, due, "no execution is due for a sweep, ever")
	require.Zero(t, s.count(t, `SELECT count(*) FROM workflows WHERE next_check_at IS NOT NULL`))
	require.Zero(t, s.count(t, `SELECT count(*) FROM tasks WHERE status = 'IN_PROGRESS' OR lease_until IS NOT NULL`))
	queues, err := s.st.TaskQueueCounts(s.ctx)
	require.NoError(t, err)
	unfinished := s.report.ByStatus[conductor.WorkflowRunning] + s.report.ByStatus[conductor.WorkflowPaused]
	require.Equal(t, map[string]store.QueueCounts{"seed_manual_review": {Size: int(unfinished)}}, queues)
	require.Equal(t, unfinished, s.count(t, `SELECT count(*) FROM tasks t JOIN workflows w USING (workflow_id)
		WHERE w.status IN ('RUNNING', 'PAUSED') AND t.status = 'SCHEDULED' AND NOT t.executed AND t.visible_at IS NOT NULL`))
	require.Zero(t, s.count(t, `SELECT count(*) FROM tasks t JOIN workflows w USING (workflow_id)
		WHERE w.status NOT IN ('RUNNING', 'PAUSED') AND NOT t.executed`), "every attempt of an ended execution is settled")
}

// seedDocumentsAreTheEnginesForm reads every seeded row back: each document is exactly what
// encoding/json writes for the struct the store decodes it into (so the engine could have
// written it), and the columns agree with it.
func seedDocumentsAreTheEnginesForm(t *testing.T, s *seeded) {
	// A sample: one execution in eight, with its tasks (decoding is slow under the race detector).
	rows, err := s.conn.Query(s.ctx, `SELECT workflow_id, status, coalesce(correlation_id, ''), create_time, update_time,
		end_time, doc::text FROM workflows WHERE get_byte(uuid_send(workflow_id), 15) % 8 = 0`)
	require.NoError(t, err)
	for rows.Next() {
		var id uuid.UUID
		var status, correlation, doc string
		var created, updated time.Time
		var ended *time.Time
		require.NoError(t, rows.Scan(&id, &status, &correlation, &created, &updated, &ended, &doc))
		var wf conductor.Workflow
		requireRoundTrip(t, doc, &wf)
		require.Equal(t, id.String(), wf.WorkflowID)
		require.Equal(t, status, string(wf.Status))
		require.Equal(t, correlation, wf.CorrelationID)
		require.Equal(t, created.UnixMilli(), wf.CreateTime)
		require.Equal(t, updated.UnixMilli(), wf.UpdateTime)
		if ended != nil {
			require.Equal(t, ended.UnixMilli(), wf.EndTime)
		}
		require.Equal(t, uuid.Version(7), id.Version())
		require.Equal(t, created.UnixMilli(), uuidMillis(id), "the id's timestamp is the create time")
	}
	require.NoError(t, rows.Err())

	rows, err = s.conn.Query(s.ctx, `SELECT task_id, workflow_id, seq, ref_name, task_type, status, start_time,
		coalesce(worker_id, ''), poll_count, update_time, executed, retried, doc::text FROM tasks
		WHERE get_byte(uuid_send(workflow_id), 15) % 8 = 0`)
	require.NoError(t, err)
	for rows.Next() {
		var id, workflowID uuid.UUID
		var seq, polls int
		var ref, typ, status, worker, doc string
		var start *time.Time
		var updated time.Time
		var executed, retried bool
		require.NoError(t, rows.Scan(&id, &workflowID, &seq, &ref, &typ, &status, &start, &worker, &polls, &updated,
			&executed, &retried, &doc))
		var task conductor.Task
		requireRoundTrip(t, doc, &task)
		require.Equal(t, []any{id.String(), workflowID.String(), seq, ref, typ, status, worker, polls, updated.UnixMilli(), executed, retried},
			[]any{task.TaskID, task.WorkflowInstanceID, task.Seq, task.ReferenceTaskName, task.TaskType, string(task.Status),
				task.WorkerID, task.PollCount, task.UpdateTime, task.Executed, task.Retried})
		if start != nil {
			require.Equal(t, start.UnixMilli(), task.StartTime)
		}
		require.Equal(t, task.ScheduledTime, uuidMillis(id), "a task id's timestamp is its scheduled time")
		require.LessOrEqual(t, task.ScheduledTime, max(task.StartTime, task.ScheduledTime))
		require.True(t, task.EndTime == 0 || task.EndTime >= task.StartTime, "ends after it starts: %s", doc)
	}
	require.NoError(t, rows.Err())
}

// requireRoundTrip decodes doc into v as the store does and requires encoding v to give doc
// back, byte for byte.
func requireRoundTrip(t *testing.T, doc string, v any) {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader([]byte(doc)))
	dec.UseNumber()
	require.NoError(t, dec.Decode(v))
	again, err := json.Marshal(v)
	require.NoError(t, err)
	require.Equal(t, doc, string(again))
}

// uuidMillis is the 48-bit timestamp of a version 7 UUID.
func uuidMillis(id uuid.UUID) int64 {
	var b [8]byte
	copy(b[2:], id[:6])
	return int64(binary.BigEndian.Uint64(b[:]))
}
