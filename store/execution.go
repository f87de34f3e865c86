package store

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/podiumhq/podium/internal/conductor"
)

// WorkflowRecord is a workflow execution as stored: the Conductor document plus the snapshot
// of its definition and the sweeper's next check time. Definitions read from the store are
// shared between readers and must not be modified.
type WorkflowRecord struct {
	Workflow    *conductor.Workflow
	Definition  *conductor.WorkflowDef
	NextCheckAt *time.Time
	// Sealed holds, sealed, what the execution must not show: its real input and the values
	// to mask.
	Sealed []byte
	// RunAs is the principal id the workflow runs as; "" when started with authentication off.
	RunAs string
	// Partial is set when the tasks loaded with it are only the unsettled attempts
	// (LoadUnsettled): the settled ones are read on demand with TaskSettled. MaxSeq is then
	// the highest seq of all attempts.
	Partial bool
	MaxSeq  int
	// Dormant counts the unsettled attempts LoadUnsettled left unread: waiting in a queue or
	// held by a worker (see TaskUnsettled).
	Dormant int
	// snapshot is the key of Definition's stored snapshot.
	snapshot []byte
}

// TaskRecord is a task attempt as stored: the Conductor document plus its queue bookkeeping.
type TaskRecord struct {
	Task *conductor.Task
	// QueueName is set while the task waits in a queue (worker or internal); "" otherwise.
	QueueName string
	// VisibleAt is when a queued task becomes claimable.
	VisibleAt *time.Time
	// LeaseUntil is when a claimed (IN_PROGRESS) task times out if nothing is heard.
	LeaseUntil *time.Time
	// ResponseTimeoutSeconds and TimeoutSeconds set LeaseUntil when the task is claimed.
	ResponseTimeoutSeconds int64
	TimeoutSeconds         int64
	// KeepWorkflowTask stores the task's WorkflowTask with it, for tasks not found in the
	// definition snapshot by reference name (generated at run time).
	KeepWorkflowTask bool
	// New marks an attempt not stored yet: it is inserted rather than updated.
	New bool
	// SealedInput and SealedOutput hold the real input and output, sealed, when the stored
	// (shown) ones are masked.
	SealedInput, SealedOutput []byte
	// compact marks a settled attempt read without its document (LoadUnsettled): Task holds
	// only what the task table's columns say. TaskLoad fills in the rest.
	compact bool
}

// Compact reports whether rec was read without its document; see Queries.TaskLoad.
func (rec *TaskRecord) Compact() bool { return rec.compact }

// smallWorkflowTasks is the number of attempts up to which LoadUnsettled reads a workflow
// whole (WorkflowRecord.Partial false).
const smallWorkflowTasks = 16

// LoadMode says how much of an execution MutateWorkflows reads.
type LoadMode int

// Load modes.
const (
	// LoadUnsettled locks and decodes the attempts the decider is not done with, and those
	// skipped ahead of time; the other settled ones (executed or retried) are not read at all,
	// whatever their number: TaskSettled reads those a decision asks for, compact. A workflow
	// of at most smallWorkflowTasks attempts is read whole.
	LoadUnsettled LoadMode = iota
	// LoadAll locks and decodes every attempt (operations that rewrite history: retry, rerun…).
	LoadAll
)

// attachWorkflowTask gives a task read from storage its definition node and task definition.
func attachWorkflowTask(t *conductor.Task, def *conductor.WorkflowDef) {
	if t.WorkflowTask == nil && def != nil {
		t.WorkflowTask = conductor.IndexOf(def).Task(t.ReferenceTaskName)
	}
	if t.WorkflowTask != nil && t.TaskDefinition == nil {
		t.TaskDefinition = t.WorkflowTask.TaskDefinition
	}
}

// attachWorkflowTasks is attachWorkflowTask for every task of one execution, looking the
// nodes up in the index of def, built once per definition snapshot.
func attachWorkflowTasks(tasks []*TaskRecord, def *conductor.WorkflowDef) {
	var index *conductor.DefIndex
	for _, rec := range tasks {
		t := rec.Task
		if t.WorkflowTask == nil && def != nil {
			if index == nil {
				index = conductor.IndexOf(def)
			}
			t.WorkflowTask = index.Task(t.ReferenceTaskName)
		}
		attachWorkflowTask(t, def)
	}
}

// ExecutionSave is everything one decision writes.
type ExecutionSave struct {
	Workflow *WorkflowRecord
	// Insert stores a new execution instead of updating one.
	Insert bool
	// DefinitionChanged rewrites the definition snapshot too.
	DefinitionChanged bool
	Tasks             []*TaskRecord
	// Removed are the ids of attempts to delete, with their logs.
	Removed []string
	// Terminations are other workflows to terminate once this save committed (the children of
	// canceled SUB_WORKFLOW tasks), kept until done (see TerminationsDone).
	Terminations []Termination
	Logs         map[string][]string
	// Messages are the event messages the decision publishes (EVENT tasks), written with it.
	Messages []*EventMessage
	Now      time.Time
	// ReleaseSweepClaim deletes the sweeper's claim on the workflow (WorkflowsClaimDue) with
	// the save: set by a sweep whose decision left nothing due. A workflow left still due keeps
	// its claim, and is decided again once it expires rather than at once.
	ReleaseSweepClaim bool

	// newSnapshot is set when the batch stores a snapshot the cache does not know yet.
	newSnapshot *[32]byte
}

// saved records, after the batch committed, that its new snapshot exists.
func (s *ExecutionSave) saved(defs *snapshots) {
	if s.newSnapshot != nil {
		defs.put(*s.newSnapshot, s.Workflow.Definition)
	}
}

// SaveExecution writes a decision in one round trip: the workflow row, changed and new task
// attempts, log lines and the commit-time notification.
func (q *Queries) SaveExecution(ctx context.Context, s *ExecutionSave) error {
	batch := &pgx.Batch{}
	if err := queueExecutionSave(batch, s, q.defs, nil); err != nil {
		return err
	}
	if s.ReleaseSweepClaim {
		queueSweepClaimsRelease(batch, []string{s.Workflow.Workflow.WorkflowID})
	}
	if err := q.db.SendBatch(ctx, batch).Close(); err != nil {
		return interpretError(err, "saving execution")
	}
	if !q.inTx {
		s.saved(q.defs) // committed; inside a transaction the cache learns nothing it could regret
	}
	return nil
}

// queueExecutionSave queues the statements of one save. With set, the rows it updates in place
// (the workflow, existing attempts) and the attempts it inserts are gathered there instead, to
// be written together with other saves' (see setWrites).
func queueExecutionSave(batch *pgx.Batch, s *ExecutionSave, defs *snapshots, set *setWrites) error {
	wf := s.Workflow.Workflow
	doc, err := json.Marshal(workflowDoc(wf))
	if err != nil {
		return fmt.Errorf("error encoding workflow: %w", err)
	}
	if key, ok := defs.keyOf(s.Workflow.Definition); ok && (s.Insert || s.DefinitionChanged) {
		s.Workflow.snapshot = key[:]
	} else if s.Insert || s.DefinitionChanged {
		def, hash, err := encodeSnapshot(s.Workflow.Definition)
		if err != nil {
			return err
		}
		s.Workflow.snapshot = hash[:]
		if defs.get(hash) == nil {
			batch.Queue(`INSERT INTO workflow_snapshots (hash, definition) VALUES ($1, $2) ON CONFLICT DO NOTHING`, hash[:], def)
			s.newSnapshot = &hash
		}
	}
	if s.Insert {
		batch.Queue(`
			INSERT INTO workflows (workflow_id, workflow_name, workflow_version, status, correlation_id,
				idempotency_key, parent_workflow_id, priority, create_time, update_time, end_time,
				next_check_at, snapshot, doc, sealed, run_as)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)`,
			wf.WorkflowID, wf.WorkflowName, wf.WorkflowVersion, wf.Status, nullString(wf.CorrelationID),
			nullString(wf.IdempotencyKey), nullString(wf.ParentWorkflowID), wf.Priority,
			time.UnixMilli(wf.CreateTime), time.UnixMilli(max(wf.UpdateTime, wf.CreateTime)), nullMillis(wf.EndTime),
			s.Workflow.NextCheckAt, s.Workflow.snapshot, doc, s.Workflow.Sealed, nullString(s.Workflow.RunAs))
		if wf.IdempotencyKey != "" {
			// The key's own row makes a second start with it fail (conductor.ErrConflict).
			batch.Queue(`INSERT INTO workflow_idempotency_keys (workflow_name, idempotency_key, workflow_id) VALUES ($1, $2, $3)`,
				wf.WorkflowName, wf.IdempotencyKey, wf.WorkflowID)
		}
	} else if set != nil {
		set.workflows.add(s.Workflow, doc)
		if s.DefinitionChanged {
			batch.Queue(`UPDATE workflows SET snapshot = $2, workflow_version = $3 WHERE workflow_id = $1`,
				wf.WorkflowID, s.Workflow.snapshot, s.Workflow.Definition.Version)
		}
	} else {
		batch.Queue(`
			UPDATE workflows SET status = $2, correlation_id = $3, priority = $4, update_time = $5,
				end_time = $6, next_check_at = $7, doc = $8, sealed = $9
			WHERE workflow_id = $1`,
			wf.WorkflowID, wf.Status, nullString(wf.CorrelationID), wf.Priority, time.UnixMilli(wf.UpdateTime),
			nullMillis(wf.EndTime), s.Workflow.NextCheckAt, doc, s.Workflow.Sealed)
		if s.DefinitionChanged {
			batch.Queue(`UPDATE workflows SET snapshot = $2, workflow_version = $3 WHERE workflow_id = $1`,
				wf.WorkflowID, s.Workflow.snapshot, s.Workflow.Definition.Version)
		}
	}
	if len(s.Terminations) > 0 {
		ids, reasons := make([]string, len(s.Terminations)), make([]string, len(s.Terminations))
		for i, t := range s.Terminations {
			ids[i], reasons[i] = t.WorkflowID, t.Reason
		}
		batch.Queue(`INSERT INTO workflow_signals (workflow_id, reason, created_at)
			SELECT w, r, $3 FROM unnest($1::uuid[], $2::text[]) AS s(w, r)`, ids, reasons, s.Now)
	}
	if len(s.Removed) > 0 {
		batch.Queue(`DELETE FROM task_logs WHERE workflow_id = $1 AND task_id = ANY($2::uuid[])`, wf.WorkflowID, s.Removed)
		batch.Queue(`DELETE FROM tasks WHERE workflow_id = $1 AND task_id = ANY($2::uuid[])`, wf.WorkflowID, s.Removed)
	}
	if err := queueTaskSaves(batch, wf.WorkflowID, s.Tasks, set); err != nil {
		return err
	}
	for taskID, lines := range s.Logs {
		batch.Queue(`INSERT INTO task_logs (workflow_id, task_id, log, created_time) SELECT $4, $1, l, $3 FROM unnest($2::text[]) AS l`,
			taskID, lines, s.Now, wf.WorkflowID)
	}
	return queueEventMessages(batch, s.Messages, s.Now)
}

// MutateWorkflow changes one execution in a transaction that costs two round trips: BEGIN is
// sent with the statements that lock and load the workflow and its tasks, and COMMIT with the
// writes fn returns. fn may run further queries on q inside the transaction. Any error rolls
// the transaction back; a missing workflow is conductor.ErrNotFound.
func (s *Store) MutateWorkflow(ctx context.Context, workflowID string, mode LoadMode,
	fn func(q *Queries, rec *WorkflowRecord, tasks []*TaskRecord) (*ExecutionSave, error), targets ...string) error {
	return s.MutateWorkflows(ctx, []string{workflowID}, mode, func(q *Queries, recs map[string]*WorkflowRecord, tasks map[string][]*TaskRecord) ([]*ExecutionSave, error) {
		rec := recs[workflowID]
		if rec == nil {
			return nil, conductor.ErrNotFound
		}
		save, err := fn(q, rec, tasks[workflowID])
		if err != nil {
			return nil, err
		}
		return []*ExecutionSave{save}, nil
	}, targets...)
}

// MutateWorkflows is MutateWorkflow for several executions in one transaction: they are locked
// in id order (so concurrent batches cannot deadlock), loaded, changed by fn, and saved with one
// COMMIT. recs lacks the ids that do not exist.
//
// Under LoadUnsettled the dormant attempts are not read, except the targets (attempts the
// change is about, such as those a worker reports on); WorkflowRecord.Dormant counts the rest.
func (s *Store) MutateWorkflows(ctx context.Context, workflowIDs []string, mode LoadMode,
	fn func(q *Queries, recs map[string]*WorkflowRecord, tasks map[string][]*TaskRecord) ([]*ExecutionSave, error), targets ...string) (err error) {
	conn, err := s.timed.acquire(ctx)
	if err != nil {
		return interpretError(err, "acquiring a connection")
	}
	// A connection released mid-transaction (after an error below) is closed by the pool.
	defer conn.Release()
	open := false
	defer func() {
		if err != nil && open {
			if _, rbErr := conn.Exec(context.WithoutCancel(ctx), "ROLLBACK"); rbErr != nil {
				conn.Conn().Close(context.WithoutCancel(ctx)) //nolint:errcheck // the connection is discarded either way
			}
		}
	}()

	batch := &pgx.Batch{}
	batch.Queue("BEGIN")
	batch.Queue(`SELECT `+workflowColumns+`, workflow_id::text FROM workflows
		WHERE workflow_id = ANY($1::uuid[]) ORDER BY workflow_id FOR UPDATE`, workflowIDs)
	if mode == LoadAll {
		batch.Queue(`SELECT `+taskColumns+`, workflow_id::text FROM tasks
			WHERE workflow_id = ANY($1::uuid[]) ORDER BY workflow_id, seq FOR UPDATE`, workflowIDs)
	} else {
		// A plain index scan, not a bitmap scan: the partial index keeps an entry for every
		// superseded version of an attempt until vacuum, and only a plain scan marks those
		// dead as it passes (a bitmap scan would visit their heap pages on every decision, a
		// cost growing with the workflow's history).
		batch.Queue(`SET LOCAL enable_bitmapscan = off`)
		batch.Queue(unsettledTasksQuery, workflowIDs, nonNilIDs(targets))
		// The newest seq of each workflow, one index probe each (not a scan of its tasks), and
		// how many dormant attempts were left unread.
		batch.Queue(`SELECT w.id::text, (SELECT seq FROM tasks WHERE workflow_id = w.id ORDER BY seq DESC LIMIT 1),
				(SELECT count(*) FROM tasks WHERE workflow_id = w.id AND `+dormantTask+` AND NOT task_id = ANY($2::uuid[]))
			FROM unnest($1::uuid[]) AS w(id)`, workflowIDs, nonNilIDs(targets))
		// A small workflow is read whole: its few settled attempts cost less in this round trip
		// than the lookups and the history read its end would otherwise make.
		batch.Queue(`SELECT `+taskColumns+`, workflow_id::text FROM tasks t
			WHERE workflow_id = ANY($1::uuid[]) AND executed AND status <> 'SKIPPED' AND seq <= $2
			  AND (SELECT m.seq FROM tasks m WHERE m.workflow_id = t.workflow_id ORDER BY m.seq DESC LIMIT 1) <= $2
			ORDER BY workflow_id, seq`, workflowIDs, smallWorkflowTasks)
	}
	results := conn.SendBatch(ctx, batch)
	_, err = results.Exec()
	open = err == nil
	recs := map[string]*WorkflowRecord{}
	tasks := map[string][]*TaskRecord{}
	if err == nil {
		var rows pgx.Rows
		if rows, err = results.Query(); err == nil {
			var id string
			_, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (struct{}, error) {
				rec, err := scanWorkflowWith(row, &id)
				recs[id] = rec
				return struct{}{}, err
			})
		}
	}
	if err == nil && mode == LoadUnsettled {
		_, err = results.Exec() // SET LOCAL
	}
	if err == nil {
		var rows pgx.Rows
		if rows, err = results.Query(); err == nil {
			var id string
			_, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (struct{}, error) {
				rec, err := scanTaskWith(row, &id)
				tasks[id] = append(tasks[id], rec)
				return struct{}{}, err
			})
		}
	}
	if err == nil && mode == LoadUnsettled {
		var rows pgx.Rows
		if rows, err = results.Query(); err == nil {
			var id string
			var maxSeq *int
			var dormant int
			_, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (struct{}, error) {
				if err := row.Scan(&id, &maxSeq, &dormant); err != nil {
					return struct{}{}, err
				}
				if rec := recs[id]; rec != nil && maxSeq != nil {
					rec.MaxSeq, rec.Dormant = *maxSeq, dormant
				}
				return struct{}{}, nil
			})
			for _, rec := range recs {
				rec.Partial = rec.MaxSeq > smallWorkflowTasks
			}
		}
	}
	if err == nil && mode == LoadUnsettled {
		var rows pgx.Rows
		if rows, err = results.Query(); err == nil {
			var id string
			settled := map[string][]*TaskRecord{}
			_, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (struct{}, error) {
				rec, err := scanTaskWith(row, &id)
				settled[id] = append(settled[id], rec)
				return struct{}{}, err
			})
			for id, recs := range settled {
				tasks[id] = append(tasks[id], recs...)
				slices.SortFunc(tasks[id], func(a, b *TaskRecord) int { return a.Task.Seq - b.Task.Seq })
			}
		}
	}
	if closeErr := results.Close(); err == nil {
		err = closeErr
	}
	if err != nil {
		return interpretError(err, "locking workflows")
	}
	q := &Queries{db: conn, defs: s.defs, inTx: true}
	for id, rec := range recs {
		if rec.Definition, err = q.snapshot(ctx, rec.snapshot); err != nil {
			return err
		}
		attachWorkflowTasks(tasks[id], rec.Definition)
	}

	saves, err := fn(q, recs, tasks)
	if err != nil {
		return err
	}
	batch = &pgx.Batch{}
	var released []string
	var set *setWrites
	if len(saves) > 1 {
		set = &setWrites{}
	}
	for _, save := range saves {
		if err = queueExecutionSave(batch, save, s.defs, set); err != nil {
			return err
		}
		if save.ReleaseSweepClaim {
			released = append(released, save.Workflow.Workflow.WorkflowID)
		}
	}
	set.queue(batch)
	queueSweepClaimsRelease(batch, released)
	batch.Queue("COMMIT")
	if err = conn.SendBatch(ctx, batch).Close(); err != nil {
		return interpretError(err, "saving executions")
	}
	open = false
	for _, save := range saves {
		save.saved(s.defs)
	}
	return nil
}

// WorkflowGet reads an execution without locking, with its tasks when includeTasks, in one
// round trip.
func (q *Queries) WorkflowGet(ctx context.Context, workflowID string, includeTasks bool) (*conductor.Workflow, error) {
	batch := &pgx.Batch{}
	batch.Queue(`SELECT `+workflowColumns+` FROM workflows WHERE workflow_id = $1`, workflowID)
	if includeTasks {
		batch.Queue(`SELECT `+taskColumns+` FROM tasks WHERE workflow_id = $1 ORDER BY seq`, workflowID)
	}
	results := q.db.SendBatch(ctx, batch)
	defer results.Close()
	rec, err := scanWorkflow(results.QueryRow())
	if err != nil {
		return nil, interpretError(err, "reading workflow")
	}
	wf := rec.Workflow
	var tasks []*TaskRecord
	if includeTasks {
		rows, err := results.Query()
		if err != nil {
			return nil, interpretError(err, "reading tasks")
		}
		tasks, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (*TaskRecord, error) { return scanTask(row) })
		if err != nil {
			return nil, interpretError(err, "reading tasks")
		}
	}
	if err := results.Close(); err != nil {
		return nil, interpretError(err, "reading workflow")
	}
	if wf.WorkflowDefinition, err = q.snapshot(ctx, rec.snapshot); err != nil {
		return nil, err
	}
	attachWorkflowTasks(tasks, wf.WorkflowDefinition)
	for _, t := range tasks {
		wf.Tasks = append(wf.Tasks, t.Task)
	}
	wf.Normalize()
	return wf, nil
}

// WorkflowStream reads an execution like WorkflowGet with its tasks, but hands the workflow
// (definition attached, no tasks) to head, then each task to each as its row is read, in seq
// order: however large the execution, one task is in memory at a time. It runs on the pool; an
// error of head or each stops the read and is returned as is.
func (s *Store) WorkflowStream(ctx context.Context, workflowID string,
	head func(*conductor.Workflow) error, each func(*conductor.Task) error) error {
	batch := &pgx.Batch{}
	batch.Queue(`SELECT `+workflowColumns+` FROM workflows WHERE workflow_id = $1`, workflowID)
	batch.Queue(`SELECT `+taskColumns+` FROM tasks WHERE workflow_id = $1 ORDER BY seq`, workflowID)
	results := s.pool.SendBatch(ctx, batch)
	defer results.Close()
	rec, err := scanWorkflow(results.QueryRow())
	if err != nil {
		return interpretError(err, "reading workflow")
	}
	wf := rec.Workflow
	// The snapshot is cached or read on another connection of the pool.
	if wf.WorkflowDefinition, err = s.snapshot(ctx, rec.snapshot); err != nil {
		return err
	}
	rows, err := results.Query()
	if err != nil {
		return interpretError(err, "reading tasks")
	}
	defer rows.Close()
	wf.Normalize()
	if err := head(wf); err != nil {
		return err
	}
	for rows.Next() {
		t, err := scanTask(rows)
		if err != nil {
			return interpretError(err, "reading tasks")
		}
		attachWorkflowTask(t.Task, wf.WorkflowDefinition)
		if err := each(t.Task); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return interpretError(err, "reading tasks")
	}
	rows.Close()
	return interpretError(results.Close(), "reading workflow")
}

// WorkflowIDByIdempotencyKey finds the execution started with key for the workflow name.
func (q *Queries) WorkflowIDByIdempotencyKey(ctx context.Context, name, key string) (string, conductor.WorkflowStatus, error) {
	var id string
	var status conductor.WorkflowStatus
	err := q.db.QueryRow(ctx, `SELECT w.workflow_id::text, w.status FROM workflow_idempotency_keys k
		JOIN workflows w ON w.workflow_id = k.workflow_id
		WHERE k.workflow_name = $1 AND k.idempotency_key = $2`, name, key).Scan(&id, &status)
	return id, status, interpretError(err, "reading workflow by idempotency key")
}

// queueTaskSaves queues the writes of one execution's changed and new attempts, or gathers
// them in set when it is not nil.
func queueTaskSaves(batch *pgx.Batch, workflowID string, tasks []*TaskRecord, set *setWrites) error {
	var fresh []*TaskRecord
	var freshDocs [][]byte
	for _, rec := range tasks {
		if rec.compact {
			// Saving it would overwrite the stored document with the few columns read.
			return fmt.Errorf("saving task %s read without its document (load it first)", rec.Task.TaskID)
		}
		t := rec.Task
		stored := *t
		if !rec.KeepWorkflowTask {
			// The definition snapshot holds it; it is attached again on every read.
			stored.WorkflowTask, stored.TaskDefinition = nil, nil
		}
		doc, err := json.Marshal(&stored)
		if err != nil {
			return fmt.Errorf("error encoding task: %w", err)
		}
		switch {
		case rec.New && set != nil:
			set.inserts.add(workflowID, rec, doc)
			continue
		case rec.New:
			fresh, freshDocs = append(fresh, rec), append(freshDocs, doc)
			continue
		case set != nil:
			set.updates.add(workflowID, rec, doc)
			continue
		}
		batch.Queue(`
			UPDATE tasks SET status = $2, queue_name = $3, priority = $4, visible_at = $5, lease_until = $6,
				response_timeout_seconds = $7, timeout_seconds = $8, update_time = $9, doc = $10,
				start_time = $11, worker_id = $12, poll_count = $13, callback_after_seconds = $14,
				sealed_input = $15, sealed_output = $16, executed = $17, retried = $18
			WHERE task_id = $1`,
			t.TaskID, t.Status, nullString(rec.QueueName), t.WorkflowPriority, rec.VisibleAt, rec.LeaseUntil,
			rec.ResponseTimeoutSeconds, rec.TimeoutSeconds, time.UnixMilli(t.UpdateTime), doc,
			nullMillis(t.StartTime), nullString(t.WorkerID), t.PollCount, t.CallbackAfterSeconds,
			rec.SealedInput, rec.SealedOutput, t.Executed, t.Retried)
	}
	switch len(fresh) {
	case 0:
	case 1:
		rec, t := fresh[0], fresh[0].Task
		batch.Queue(`
			INSERT INTO tasks (task_id, workflow_id, seq, ref_name, task_type, status, queue_name, priority,
				visible_at, lease_until, response_timeout_seconds, timeout_seconds, update_time, doc,
				start_time, worker_id, poll_count, callback_after_seconds, sealed_input, sealed_output,
				executed, retried)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22)`,
			t.TaskID, workflowID, t.Seq, t.ReferenceTaskName, t.TaskType, t.Status, nullString(rec.QueueName),
			t.WorkflowPriority, rec.VisibleAt, rec.LeaseUntil, rec.ResponseTimeoutSeconds, rec.TimeoutSeconds,
			time.UnixMilli(t.UpdateTime), freshDocs[0], nullMillis(t.StartTime), nullString(t.WorkerID), t.PollCount,
			t.CallbackAfterSeconds, rec.SealedInput, rec.SealedOutput, t.Executed, t.Retried)
	default:
		var inserts newTasks
		for i, rec := range fresh {
			inserts.add(workflowID, rec, freshDocs[i])
		}
		inserts.queue(batch)
	}
	return nil
}

// newTasks gathers the attempts a save inserts (when more than one), or several saves do,
// column by column: one INSERT of unnest()ed arrays writes them all, a fan-out of a thousand
// branches included.
type newTasks struct {
	ids, workflows, refs, types          []string
	statuses, docs                       []string
	queues, workers                      []*string
	seqs, priorities, polls              []int
	visible, leases, starts              []*time.Time
	updated                              []time.Time
	responseTimeouts, timeouts, callback []int64
	sealedInputs, sealedOutputs          [][]byte
	executed, retried                    []bool
}

func (n *newTasks) add(workflowID string, rec *TaskRecord, doc []byte) {
	t := rec.Task
	n.ids, n.refs, n.types = append(n.ids, t.TaskID), append(n.refs, t.ReferenceTaskName), append(n.types, t.TaskType)
	n.workflows = append(n.workflows, workflowID)
	n.statuses, n.docs = append(n.statuses, string(t.Status)), append(n.docs, string(doc))
	n.queues, n.workers = append(n.queues, nullString(rec.QueueName)), append(n.workers, nullString(t.WorkerID))
	n.seqs, n.priorities, n.polls = append(n.seqs, t.Seq), append(n.priorities, t.WorkflowPriority), append(n.polls, t.PollCount)
	n.visible, n.leases, n.starts = append(n.visible, rec.VisibleAt), append(n.leases, rec.LeaseUntil), append(n.starts, nullMillis(t.StartTime))
	n.updated = append(n.updated, time.UnixMilli(t.UpdateTime))
	n.responseTimeouts, n.timeouts = append(n.responseTimeouts, rec.ResponseTimeoutSeconds), append(n.timeouts, rec.TimeoutSeconds)
	n.callback = append(n.callback, t.CallbackAfterSeconds)
	n.sealedInputs, n.sealedOutputs = append(n.sealedInputs, rec.SealedInput), append(n.sealedOutputs, rec.SealedOutput)
	n.executed, n.retried = append(n.executed, t.Executed), append(n.retried, t.Retried)
}

func (n *newTasks) queue(batch *pgx.Batch) {
	if len(n.ids) == 0 {
		return
	}
	batch.Queue(`
		INSERT INTO tasks (task_id, workflow_id, seq, ref_name, task_type, status, queue_name, priority,
			visible_at, lease_until, response_timeout_seconds, timeout_seconds, update_time, doc,
			start_time, worker_id, poll_count, callback_after_seconds, sealed_input, sealed_output,
			executed, retried)
		SELECT id, workflow_id, seq, ref, typ, status, queue, priority, visible, lease, response_timeout, timeout, updated,
			doc::json, started, worker, polls, callback, sealed_input, sealed_output, executed, retried
		FROM unnest($1::uuid[], $2::uuid[], $3::int[], $4::text[], $5::text[], $6::text[], $7::text[], $8::int[],
			$9::timestamptz[], $10::timestamptz[], $11::bigint[], $12::bigint[], $13::timestamptz[], $14::text[],
			$15::timestamptz[], $16::text[], $17::int[], $18::bigint[], $19::bytea[], $20::bytea[], $21::bool[], $22::bool[])
			AS n(id, workflow_id, seq, ref, typ, status, queue, priority, visible, lease, response_timeout, timeout, updated, doc,
				started, worker, polls, callback, sealed_input, sealed_output, executed, retried)`,
		n.ids, n.workflows, n.seqs, n.refs, n.types, n.statuses, n.queues, n.priorities, n.visible, n.leases,
		n.responseTimeouts, n.timeouts, n.updated, n.docs, n.starts, n.workers, n.polls, n.callback,
		n.sealedInputs, n.sealedOutputs, n.executed, n.retried)
}

// taskColumns are the columns a task attempt is read from; the claim-maintained ones override
// the same fields of doc.
var taskColumns = taskColumnsOf("")

// unsettledTasksQuery locks and reads the attempts of the workflows $1 a decision is not done
// with. Each workflow is one probe of the partial index tasks_unsettled (the locking subquery
// keeps the planner from turning the lookups into a join): a "workflow_id = ANY($1)" form
// is planned, as a prepared statement's generic plan and before the table has statistics, as a
// sequential scan of every task of every workflow once bitmap scans are off.
//
// Dormant attempts — waiting in a queue or held by a worker, see dormantTask — are left out
// (neither read nor locked) unless named in $2: a decision needs them only to end the
// workflow, to answer for them, or on a sweep, and reads them then (TaskUnsettled). A fork of a
// thousand branches thus costs one branch per result, not a thousand.
var unsettledTasksQuery = `SELECT ` + taskColumnsOf("t") + `, t.workflow_id::text
	FROM unnest($1::uuid[]) AS w(id)
	CROSS JOIN LATERAL (SELECT * FROM tasks WHERE workflow_id = w.id AND (NOT executed OR status = 'SKIPPED')
		AND (NOT (` + dormantTask + `) OR task_id = ANY($2::uuid[])) FOR UPDATE) t
	ORDER BY t.workflow_id, t.seq`

// dormantTask is the condition of an unsettled attempt waiting on someone else: queued for a
// worker or an internal worker, or claimed by one. A decision has nothing to do with it until
// its result arrives (when it is named), its timers are swept, or the workflow ends.
const dormantTask = `NOT executed AND status IN ('SCHEDULED', 'IN_PROGRESS') AND (queue_name IS NOT NULL OR lease_until IS NOT NULL)`

func taskColumnsOf(alias string) string {
	if alias != "" {
		alias += "."
	}
	cols := []string{"doc", "queue_name", "visible_at", "lease_until", "response_timeout_seconds", "timeout_seconds",
		"status", "start_time", "worker_id", "poll_count", "callback_after_seconds", "update_time",
		"sealed_input", "sealed_output"}
	for i, c := range cols {
		cols[i] = alias + c
	}
	return strings.Join(cols, ", ")
}

func scanTask(row pgx.Row) (*TaskRecord, error) { return scanTaskWith(row) }

// scanTaskWith reads taskColumns, then extra trailing columns into extra.
func scanTaskWith(row pgx.Row, extra ...any) (*TaskRecord, error) {
	var doc []byte
	var queue, worker *string
	var start *time.Time
	var updated time.Time
	var status conductor.TaskStatus
	var polls int
	var callback int64
	rec := &TaskRecord{}
	dest := append([]any{&doc, &queue, &rec.VisibleAt, &rec.LeaseUntil, &rec.ResponseTimeoutSeconds, &rec.TimeoutSeconds,
		&status, &start, &worker, &polls, &callback, &updated, &rec.SealedInput, &rec.SealedOutput}, extra...)
	if err := row.Scan(dest...); err != nil {
		return nil, err
	}
	t := new(conductor.Task)
	if err := decodeDoc(doc, t); err != nil {
		return nil, fmt.Errorf("error decoding stored task: %w", err)
	}
	t.Status, t.PollCount, t.CallbackAfterSeconds, t.UpdateTime = status, polls, callback, updated.UnixMilli()
	if start != nil {
		t.StartTime = start.UnixMilli()
	}
	if worker != nil {
		t.WorkerID = *worker
	}
	if queue != nil {
		rec.QueueName = *queue
	}
	rec.Task = t
	rec.KeepWorkflowTask = t.WorkflowTask != nil // stored only for tasks generated at run time
	return rec, nil
}

// workflowColumns are the columns a workflow execution is read from.
const workflowColumns = `snapshot, doc, next_check_at, sealed, coalesce(run_as, '')`

func scanWorkflow(row pgx.Row) (*WorkflowRecord, error) { return scanWorkflowWith(row) }

// scanWorkflowWith reads workflowColumns, then extra trailing columns into extra.
func scanWorkflowWith(row pgx.Row, extra ...any) (*WorkflowRecord, error) {
	var doc []byte
	rec := &WorkflowRecord{}
	if err := row.Scan(append([]any{&rec.snapshot, &doc, &rec.NextCheckAt, &rec.Sealed, &rec.RunAs}, extra...)...); err != nil {
		return nil, err
	}
	rec.Workflow = new(conductor.Workflow)
	if err := decodeDoc(doc, rec.Workflow); err != nil {
		return nil, fmt.Errorf("error decoding stored workflow: %w", err)
	}
	return rec, nil
}

// workflowDoc is the stored form of a workflow: without tasks and definition, which have
// their own storage.
func workflowDoc(wf *conductor.Workflow) *conductor.Workflow {
	c := *wf
	c.Tasks, c.WorkflowDefinition = nil, nil
	return &c
}

// decodeDoc decodes a stored JSON document keeping numbers exact.
func decodeDoc(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	return dec.Decode(v)
}

func nullString(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func nullMillis(ms int64) *time.Time {
	if ms == 0 {
		return nil
	}
	t := time.UnixMilli(ms)
	return &t
}

// WorkflowClearIdempotencyKey releases the idempotency key of an ended execution.
func (q *Queries) WorkflowClearIdempotencyKey(ctx context.Context, workflowID string) error {
	if _, err := q.db.Exec(ctx, `DELETE FROM workflow_idempotency_keys WHERE workflow_id = $1`, workflowID); err != nil {
		return interpretError(err, "clearing idempotency key")
	}
	_, err := q.db.Exec(ctx, `UPDATE workflows SET idempotency_key = NULL WHERE workflow_id = $1`, workflowID)
	return interpretError(err, "clearing idempotency key")
}

// WorkflowStatusGet reads only an execution's status.
func (q *Queries) WorkflowStatusGet(ctx context.Context, workflowID string) (conductor.WorkflowStatus, error) {
	var status conductor.WorkflowStatus
	err := q.db.QueryRow(ctx, `SELECT status FROM workflows WHERE workflow_id = $1`, workflowID).Scan(&status)
	return status, interpretError(err, "reading workflow status")
}

// Notify sends payload on channel to every listening process (outside any transaction).
func (q *Queries) Notify(ctx context.Context, channel, payload string) error {
	_, err := q.db.Exec(ctx, `SELECT pg_notify($1, $2)`, channel, payload)
	return interpretError(err, "notifying")
}

// compactTaskColumns are the columns a settled attempt is read from under LoadUnsettled.
const compactTaskColumns = `task_id::text, workflow_id::text, seq, ref_name, task_type, status, start_time,
	update_time, poll_count, coalesce(worker_id, ''), callback_after_seconds, retried`

// scanCompactTask reads compactTaskColumns into a compact record and its workflow id.
func scanCompactTask(row pgx.Row) (*TaskRecord, string, error) {
	t := &conductor.Task{Executed: true}
	var workflowID string
	var start *time.Time
	var updated time.Time
	err := row.Scan(&t.TaskID, &workflowID, &t.Seq, &t.ReferenceTaskName, &t.TaskType, &t.Status, &start,
		&updated, &t.PollCount, &t.WorkerID, &t.CallbackAfterSeconds, &t.Retried)
	if err != nil {
		return nil, "", err
	}
	t.WorkflowInstanceID, t.UpdateTime = workflowID, updated.UnixMilli()
	if start != nil {
		t.StartTime = start.UnixMilli()
	}
	return &TaskRecord{Task: t, compact: true}, workflowID, nil
}

// SettledFilter picks the settled attempts TaskSettled reads.
type SettledFilter struct {
	// Ref keeps the attempts of one reference name; with LoopCopies also its loop iteration
	// copies (Ref__N).
	Ref        string
	LoopCopies bool
	// Refs keeps the attempts of any of these reference names; with Newest, the newest
	// attempt of each.
	Refs []string
	// TaskID keeps one attempt.
	TaskID string
	// NotRetried drops superseded attempts.
	NotRetried bool
	// Newest keeps only the newest match; Oldest only the oldest.
	Newest, Oldest bool
}

// conditions are the WHERE conditions (and their arguments) of the attempts of workflowID in
// state that f's Ref, LoopCopies and TaskID select.
func (f SettledFilter) conditions(workflowID, state string) ([]string, []any) {
	where := []string{"workflow_id = $1", state}
	args := []any{workflowID}
	if f.Ref != "" {
		args = append(args, f.Ref)
		if f.LoopCopies {
			where = append(where, fmt.Sprintf("(ref_name = $%d OR starts_with(ref_name, $%d || '__'))", len(args), len(args)))
		} else {
			where = append(where, fmt.Sprintf("ref_name = $%d", len(args)))
		}
	}
	if f.TaskID != "" {
		args = append(args, f.TaskID)
		where = append(where, fmt.Sprintf("task_id = $%d", len(args)))
	}
	return where, args
}

// TaskSettled reads, compact (see TaskRecord.Compact), the settled attempts of workflowID that
// f selects, in seq order, with their definition nodes from def attached. An empty filter reads
// them all.
func (q *Queries) TaskSettled(ctx context.Context, workflowID string, def *conductor.WorkflowDef, f SettledFilter) ([]*TaskRecord, error) {
	where, args := f.conditions(workflowID, "executed")
	if f.NotRetried {
		where = append(where, "NOT retried")
	}
	order := "seq"
	switch {
	case f.Newest:
		order = "seq DESC LIMIT 1"
	case f.Oldest:
		order = "seq LIMIT 1"
	}
	query := `SELECT ` + compactTaskColumns + ` FROM tasks WHERE ` + strings.Join(where, " AND ") + ` ORDER BY ` + order
	if len(f.Refs) > 0 {
		args = append(args, f.Refs)
		if f.Newest || f.Oldest {
			// One index probe of tasks_workflow_ref per name.
			query = fmt.Sprintf(`SELECT `+compactTaskColumns+` FROM unnest($%d::text[]) AS r(ref)
				CROSS JOIN LATERAL (SELECT * FROM tasks WHERE %s AND ref_name = r.ref ORDER BY %s) t ORDER BY seq`,
				len(args), strings.Join(where, " AND "), order)
		} else {
			where = append(where, fmt.Sprintf("ref_name = ANY($%d)", len(args)))
			query = `SELECT ` + compactTaskColumns + ` FROM tasks WHERE ` + strings.Join(where, " AND ") + ` ORDER BY seq`
		}
	}
	recs, err := queryList(ctx, q.db, "reading tasks", func(row pgx.Row) (*TaskRecord, error) {
		rec, _, err := scanCompactTask(row)
		return rec, err
	}, query, args...)
	if err != nil {
		return nil, err
	}
	attachWorkflowTasks(recs, def)
	return recs, nil
}

// TaskLoad reads, in one round trip, the documents of the compact records among recs, in
// place: each record keeps its identity (and its Task pointer) and is no longer compact.
func (q *Queries) TaskLoad(ctx context.Context, recs ...*TaskRecord) error {
	byID := map[string]*TaskRecord{}
	for _, rec := range recs {
		if rec.compact {
			byID[rec.Task.TaskID] = rec
		}
	}
	if len(byID) == 0 {
		return nil
	}
	ids := make([]string, 0, len(byID))
	for id := range byID {
		ids = append(ids, id)
	}
	rows, err := q.db.Query(ctx, `SELECT `+taskColumns+`, task_id::text FROM tasks WHERE task_id = ANY($1::uuid[])`, ids)
	if err != nil {
		return interpretError(err, "reading tasks")
	}
	var id string
	loaded := 0
	_, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (struct{}, error) {
		full, err := scanTaskWith(row, &id)
		if err != nil {
			return struct{}{}, err
		}
		rec := byID[id]
		wt, td := rec.Task.WorkflowTask, rec.Task.TaskDefinition
		*rec.Task = *full.Task
		if rec.Task.WorkflowTask == nil {
			rec.Task.WorkflowTask, rec.Task.TaskDefinition = wt, td
		}
		rec.QueueName, rec.VisibleAt, rec.LeaseUntil = full.QueueName, full.VisibleAt, full.LeaseUntil
		rec.ResponseTimeoutSeconds, rec.TimeoutSeconds = full.ResponseTimeoutSeconds, full.TimeoutSeconds
		rec.SealedInput, rec.SealedOutput, rec.compact = full.SealedInput, full.SealedOutput, false
		rec.KeepWorkflowTask = full.KeepWorkflowTask
		loaded++
		return struct{}{}, nil
	})
	if err != nil {
		return interpretError(err, "reading tasks")
	}
	if loaded != len(byID) {
		return fmt.Errorf("reading tasks: %d of %d settled attempts are gone", len(byID)-loaded, len(byID))
	}
	return nil
}

// nonNilIDs is ids as a query parameter: an empty list, never NULL.
func nonNilIDs(ids []string) []string {
	if ids == nil {
		return []string{}
	}
	return ids
}

// TaskUnsettled locks and reads, whole, the dormant attempts of workflowID (see
// WorkflowRecord.Dormant) that f selects (Ref, LoopCopies, Refs, TaskID; an empty filter reads them
// all), in seq order, with their definition nodes from def attached.
func (q *Queries) TaskUnsettled(ctx context.Context, workflowID string, def *conductor.WorkflowDef, f SettledFilter) ([]*TaskRecord, error) {
	where, args := f.conditions(workflowID, dormantTask)
	if len(f.Refs) > 0 {
		args = append(args, f.Refs)
		where = append(where, fmt.Sprintf("ref_name = ANY($%d)", len(args)))
	}
	recs, err := queryList(ctx, q.db, "reading tasks", scanTask,
		`SELECT `+taskColumns+` FROM tasks WHERE `+strings.Join(where, " AND ")+` ORDER BY seq FOR UPDATE`, args...)
	if err != nil {
		return nil, err
	}
	attachWorkflowTasks(recs, def)
	return recs, nil
}

// TaskPending reports whether a dormant attempt of workflowID other than those of known (ids
// the caller holds, whose stored state may be stale) is named one of refs, or starts with one
// of prefixes.
func (q *Queries) TaskPending(ctx context.Context, workflowID string, refs, prefixes, known []string) (bool, error) {
	var found bool
	err := q.db.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM tasks WHERE workflow_id = $1 AND `+dormantTask+`
		AND (ref_name = ANY($2) OR EXISTS (SELECT 1 FROM unnest($3::text[]) p WHERE starts_with(ref_name, p)))
		AND NOT task_id = ANY($4::uuid[]))`,
		workflowID, nonNilIDs(refs), nonNilIDs(prefixes), nonNilIDs(known)).Scan(&found)
	return found, interpretError(err, "reading tasks")
}

// TaskNewest reads, whole and unlocked, the newest attempt not superseded of each of refs in
// workflowID (a reader showing a running loop's iterations).
func (q *Queries) TaskNewest(ctx context.Context, workflowID string, refs []string) ([]*conductor.Task, error) {
	recs, err := queryList(ctx, q.db, "reading tasks", scanTask, `SELECT `+taskColumns+` FROM tasks
		WHERE workflow_id = $1 AND ref_name = ANY($2) AND NOT retried ORDER BY seq`, workflowID, nonNilIDs(refs))
	if err != nil {
		return nil, err
	}
	out := make([]*conductor.Task, len(recs))
	for i, rec := range recs {
		out[i] = rec.Task
	}
	return out, nil
}
