package store

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/podiumhq/podium/internal/conductor"
)

// TaskClaim hands up to n visible SCHEDULED tasks of queue to workerID in one statement: they
// become IN_PROGRESS with pollCount+1, startTime (first claim only), and a lease that expires at
// the response timeout or the run timeout, whichever is first. Rows locked by a decider or
// another claimer are skipped, so no task is handed out twice.
func (q *Queries) TaskClaim(ctx context.Context, queue string, n int, workerID string, now time.Time) ([]*TaskRecord, error) {
	var keys [][]byte
	recs, err := queryList(ctx, q.db, "claiming tasks", func(row pgx.Row) (*TaskRecord, error) {
		var key []byte
		rec, err := scanTaskWith(row, &key)
		keys = append(keys, key)
		return rec, err
	}, `
		WITH picked AS (
			SELECT task_id FROM tasks
			WHERE queue_name = $1 AND status = 'SCHEDULED' AND visible_at <= $3
			ORDER BY priority DESC, visible_at, task_id
			LIMIT $2
			FOR UPDATE SKIP LOCKED
		)
		UPDATE tasks t SET
			status = 'IN_PROGRESS',
			update_time = $3,
			started_at = $3,
			start_time = coalesce(t.start_time, $3),
			worker_id = $4,
			poll_count = t.poll_count + 1,
			callback_after_seconds = 0,
			lease_until = least(
				CASE WHEN t.response_timeout_seconds > 0 THEN $3 + make_interval(secs => t.response_timeout_seconds) END,
				CASE WHEN t.timeout_seconds > 0 THEN coalesce(t.start_time, $3) + make_interval(secs => t.timeout_seconds) END)
		FROM picked WHERE t.task_id = picked.task_id
		RETURNING `+taskColumns+`, (SELECT w.snapshot FROM workflows w WHERE w.workflow_id = t.workflow_id)`,
		queue, n, now, nullString(workerID))
	if err != nil {
		return nil, err
	}
	for i, rec := range recs {
		def, err := q.snapshot(ctx, keys[i])
		if err != nil {
			return nil, err
		}
		attachWorkflowTask(rec.Task, def)
	}
	return recs, nil
}

// TaskLimits are a task definition's poll-time limits; zero values mean none.
type TaskLimits struct {
	// ConcurrentExecLimit caps the attempts of the task type IN_PROGRESS at once.
	ConcurrentExecLimit int
	// RateLimitPerFrequency caps the attempts started per RateLimitFrequencyInSeconds.
	RateLimitPerFrequency       int
	RateLimitFrequencyInSeconds int
}

// TaskClaimLimited is TaskClaim under a task definition's limits: under a per-type lock it
// counts what runs (and what started in the rate window) and claims only what the limits leave.
func (s *Store) TaskClaimLimited(ctx context.Context, queue, taskType string, n int, workerID string, now time.Time, lim TaskLimits) ([]*TaskRecord, error) {
	var tasks []*TaskRecord
	err := s.InTx(ctx, func(q *Queries) error {
		if _, err := q.db.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtext('podium.task_limit:' || $1))`, taskType); err != nil {
			return interpretError(err, "locking task limits")
		}
		if lim.ConcurrentExecLimit > 0 {
			var running int
			if err := q.db.QueryRow(ctx, `SELECT count(*) FROM tasks WHERE task_type = $1 AND status = 'IN_PROGRESS'`,
				taskType).Scan(&running); err != nil {
				return interpretError(err, "counting running tasks")
			}
			n = min(n, lim.ConcurrentExecLimit-running)
		}
		if lim.RateLimitPerFrequency > 0 {
			window := time.Duration(max(lim.RateLimitFrequencyInSeconds, 1)) * time.Second
			var started int
			if err := q.db.QueryRow(ctx, `SELECT count(*) FROM tasks WHERE task_type = $1 AND started_at > $2`,
				taskType, now.Add(-window)).Scan(&started); err != nil {
				return interpretError(err, "counting started tasks")
			}
			n = min(n, lim.RateLimitPerFrequency-started)
		}
		if n <= 0 {
			return nil
		}
		var err error
		tasks, err = q.TaskClaim(ctx, queue, n, workerID, now)
		return err
	})
	return tasks, err
}

// TaskGet reads one task attempt.
func (q *Queries) TaskGet(ctx context.Context, taskID string) (*TaskRecord, error) {
	var key []byte
	rec, err := scanTaskWith(q.db.QueryRow(ctx, `SELECT `+taskColumnsOf("t")+`, w.snapshot
		FROM tasks t JOIN workflows w USING (workflow_id) WHERE t.task_id = $1`, taskID), &key)
	if err != nil {
		return nil, interpretError(err, "reading task")
	}
	def, err := q.snapshot(ctx, key)
	if err != nil {
		return nil, err
	}
	attachWorkflowTask(rec.Task, def)
	return rec, nil
}

// TaskQueueSize counts the tasks waiting in queue (visible or not yet).
func (q *Queries) TaskQueueSize(ctx context.Context, queue string) (int, error) {
	var n int
	err := q.db.QueryRow(ctx, `SELECT count(*) FROM tasks WHERE queue_name = $1 AND status = 'SCHEDULED'`, queue).Scan(&n)
	return n, interpretError(err, "counting queue")
}

// TaskQueueSizes counts waiting tasks per queue.
func (q *Queries) TaskQueueSizes(ctx context.Context) (map[string]int, error) {
	rows, err := q.db.Query(ctx, `SELECT queue_name, count(*) FROM tasks
		WHERE status = 'SCHEDULED' AND queue_name IS NOT NULL GROUP BY queue_name`)
	if err != nil {
		return nil, interpretError(err, "counting queues")
	}
	sizes := map[string]int{}
	var name string
	var n int
	_, err = pgx.ForEachRow(rows, []any{&name, &n}, func() error { sizes[name] = n; return nil })
	return sizes, interpretError(err, "counting queues")
}

// PollDataRecord remembers that workerID polled queue at now.
func (q *Queries) PollDataRecord(ctx context.Context, queue, workerID, domain string, now time.Time) error {
	_, err := q.db.Exec(ctx, `
		INSERT INTO poll_data (queue_name, worker_id, domain, last_poll_time) VALUES ($1, $2, $3, $4)
		ON CONFLICT (queue_name, worker_id) DO UPDATE SET domain = excluded.domain, last_poll_time = excluded.last_poll_time`,
		queue, workerID, domain, now)
	return interpretError(err, "recording poll")
}

// PollDataSince reports whether a worker polled taskType in domain at or after since.
func (q *Queries) PollDataSince(ctx context.Context, taskType, domain string, since time.Time) (bool, error) {
	var polled bool
	err := q.db.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM poll_data
		WHERE queue_name = $1 AND domain = $2 AND last_poll_time >= $3)`, taskType, domain, since).Scan(&polled)
	return polled, interpretError(err, "reading poll data")
}

// PollDataList returns poll records of queue, or of every queue when queue is "".
func (q *Queries) PollDataList(ctx context.Context, queue string) ([]conductor.PollData, error) {
	return queryList(ctx, q.db, "listing poll data", scanPollData, `SELECT queue_name, domain, worker_id, last_poll_time
		FROM poll_data WHERE $1 = '' OR queue_name = $1 ORDER BY queue_name, worker_id`, queue)
}

func scanPollData(row pgx.Row) (conductor.PollData, error) {
	var p conductor.PollData
	var at time.Time
	err := row.Scan(&p.QueueName, &p.Domain, &p.WorkerID, &at)
	p.LastPollTime = at.UnixMilli()
	return p, err
}

// TaskLogList returns a task's execution log, oldest first.
func (q *Queries) TaskLogList(ctx context.Context, taskID string) ([]conductor.TaskExecLog, error) {
	return queryList(ctx, q.db, "listing task log", func(row pgx.Row) (conductor.TaskExecLog, error) {
		l := conductor.TaskExecLog{TaskID: taskID}
		var at time.Time
		err := row.Scan(&l.Log, &at)
		l.CreatedTime = at.UnixMilli()
		return l, err
	}, `SELECT log, created_time FROM task_logs WHERE task_id = $1 ORDER BY id`, taskID)
}

// TaskExtendLease pushes the lease of a claimed task to until, if it is still IN_PROGRESS.
func (q *Queries) TaskExtendLease(ctx context.Context, taskID string, until time.Time) error {
	_, err := q.db.Exec(ctx, `UPDATE tasks SET lease_until = $2 WHERE task_id = $1 AND status = 'IN_PROGRESS'`, taskID, until)
	return interpretError(err, "extending lease")
}

// TaskRelease undoes the claim of a task its claimer will not run now: the task is SCHEDULED
// again, visible at visibleAt, with the poll count and start time it had before the claim (a
// release is neither a poll nor a retry). It does nothing unless the task is still IN_PROGRESS
// under the claim that gave it pollCount.
func (q *Queries) TaskRelease(ctx context.Context, taskID string, pollCount int, visibleAt time.Time) error {
	_, err := q.db.Exec(ctx, `
		UPDATE tasks SET
			status = 'SCHEDULED',
			visible_at = $3,
			lease_until = NULL,
			worker_id = NULL,
			poll_count = poll_count - 1,
			start_time = CASE WHEN start_time = started_at THEN NULL ELSE start_time END,
			started_at = NULL
		WHERE task_id = $1 AND status = 'IN_PROGRESS' AND poll_count = $2`, taskID, pollCount, visibleAt)
	return interpretError(err, "releasing task")
}

// QueueCounts are the tasks of one queue: waiting (SCHEDULED) and claimed but not finished
// (IN_PROGRESS, Conductor's "unacked").
type QueueCounts struct {
	Size    int
	Unacked int
}

// TaskQueueCounts counts waiting and claimed tasks per queue.
func (q *Queries) TaskQueueCounts(ctx context.Context) (map[string]QueueCounts, error) {
	rows, err := q.db.Query(ctx, `SELECT queue_name, count(*) FILTER (WHERE status = 'SCHEDULED'),
			count(*) FILTER (WHERE status = 'IN_PROGRESS')
		FROM tasks WHERE status IN ('SCHEDULED', 'IN_PROGRESS') AND queue_name IS NOT NULL GROUP BY queue_name`)
	if err != nil {
		return nil, interpretError(err, "counting queues")
	}
	counts := map[string]QueueCounts{}
	var name string
	var c QueueCounts
	_, err = pgx.ForEachRow(rows, []any{&name, &c.Size, &c.Unacked}, func() error { counts[name] = c; return nil })
	return counts, interpretError(err, "counting queues")
}

// TaskQueuedOfType counts the SCHEDULED attempts of taskType waiting in a worker queue (any
// domain), leaving out the internal queues whose names start with systemPrefix.
func (q *Queries) TaskQueuedOfType(ctx context.Context, taskType, systemPrefix string) (int, error) {
	var n int
	err := q.db.QueryRow(ctx, `SELECT count(*) FROM tasks WHERE task_type = $1 AND status = 'SCHEDULED'
		AND queue_name IS NOT NULL AND NOT starts_with(queue_name, $2)`, taskType, systemPrefix).Scan(&n)
	return n, interpretError(err, "counting queued tasks")
}

// TaskPendingOfType returns a page of the unfinished (SCHEDULED or IN_PROGRESS) attempts of
// taskType, oldest change first: Conductor's pending tasks of a type.
func (q *Queries) TaskPendingOfType(ctx context.Context, taskType string, start, count int) ([]*conductor.Task, error) {
	var keys [][]byte
	recs, err := queryList(ctx, q.db, "listing pending tasks", func(row pgx.Row) (*TaskRecord, error) {
		var key []byte
		rec, err := scanTaskWith(row, &key)
		keys = append(keys, key)
		return rec, err
	}, `SELECT `+taskColumnsOf("t")+`, w.snapshot FROM tasks t JOIN workflows w USING (workflow_id)
		WHERE t.task_type = $1 AND t.status IN ('SCHEDULED', 'IN_PROGRESS') AND NOT t.executed
		ORDER BY t.update_time, t.task_id OFFSET $2 LIMIT $3`, taskType, start, count)
	if err != nil {
		return nil, err
	}
	tasks := make([]*conductor.Task, len(recs))
	for i, rec := range recs {
		def, err := q.snapshot(ctx, keys[i])
		if err != nil {
			return nil, err
		}
		attachWorkflowTask(rec.Task, def)
		tasks[i] = rec.Task
	}
	return tasks, nil
}
