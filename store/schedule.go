package store

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/podiumhq/podium/internal/conductor"
)

// SchedulePut creates or replaces the schedule sch.Name. The document keeps the schedule's
// configuration; paused state, tags, times and principals live in columns. Tags given as nil
// keep the stored ones; creation time and creator survive a replacement.
func (q *Queries) SchedulePut(ctx context.Context, sch *conductor.WorkflowSchedule, nextRun time.Time, by string, now time.Time) error {
	doc, err := json.Marshal(scheduleDoc(sch))
	if err != nil {
		return fmt.Errorf("error encoding schedule: %w", err)
	}
	var tags []byte
	if sch.Tags != nil {
		if tags, err = json.Marshal(sch.Tags); err != nil {
			return fmt.Errorf("error encoding tags: %w", err)
		}
	}
	_, err = q.db.Exec(ctx, `
		INSERT INTO schedules (name, workflow_name, doc, paused, paused_reason, next_run_at, tags,
			create_time, updated_time, created_by, updated_by)
		VALUES ($1, $2, $3, $4, $5, $6, coalesce($7, '[]'::jsonb), $8, $8, $9, $9)
		ON CONFLICT (name) DO UPDATE SET workflow_name = excluded.workflow_name, doc = excluded.doc,
			paused = excluded.paused, paused_reason = excluded.paused_reason,
			next_run_at = excluded.next_run_at, tags = coalesce($7, schedules.tags),
			updated_time = excluded.updated_time, updated_by = excluded.updated_by`,
		sch.Name, sch.StartWorkflowRequest.Name, doc, sch.Paused, nullString(sch.PausedReason),
		nullTime(nextRun), tags, now, nullString(by))
	return interpretError(err, "storing schedule")
}

// scheduleDoc is the part of a schedule kept in its document.
func scheduleDoc(sch *conductor.WorkflowSchedule) *conductor.WorkflowSchedule {
	doc := *sch
	doc.Paused, doc.PausedReason, doc.Tags = false, "", nil
	doc.CreateTime, doc.UpdatedTime, doc.NextRunTime = 0, 0, 0
	doc.CreatedBy, doc.UpdatedBy = "", ""
	return &doc
}

const scheduleColumns = `doc, paused, paused_reason, next_run_at, tags, create_time, updated_time, created_by, updated_by`

// ScheduleRecord is a stored schedule with the next slot it will claim.
type ScheduleRecord struct {
	*conductor.WorkflowSchedule
	// NextRun is the next slot to claim; zero when none is left.
	NextRun time.Time
}

func scanSchedule(row pgx.Row) (*ScheduleRecord, error) {
	var doc, tags []byte
	var reason, createdBy, updatedBy *string
	var next *time.Time
	var created, updated time.Time
	sch := new(conductor.WorkflowSchedule)
	var paused bool
	if err := row.Scan(&doc, &paused, &reason, &next, &tags, &created, &updated, &createdBy, &updatedBy); err != nil {
		return nil, err
	}
	if err := json.Unmarshal(doc, sch); err != nil {
		return nil, fmt.Errorf("error decoding schedule: %w", err)
	}
	if err := json.Unmarshal(tags, &sch.Tags); err != nil {
		return nil, fmt.Errorf("error decoding schedule tags: %w", err)
	}
	sch.Paused = paused
	sch.PausedReason = deref(reason)
	sch.CreateTime, sch.UpdatedTime = created.UnixMilli(), updated.UnixMilli()
	sch.CreatedBy, sch.UpdatedBy = deref(createdBy), deref(updatedBy)
	rec := &ScheduleRecord{WorkflowSchedule: sch}
	if next != nil {
		rec.NextRun = *next
	}
	return rec, nil
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// ScheduleGet reads a schedule; absent gives conductor.ErrNotFound.
func (q *Queries) ScheduleGet(ctx context.Context, name string) (*ScheduleRecord, error) {
	rec, err := scanSchedule(q.db.QueryRow(ctx, `SELECT `+scheduleColumns+` FROM schedules WHERE name = $1`, name))
	return rec, interpretError(err, "reading schedule")
}

// ScheduleGetForUpdate reads and locks a schedule for the rest of the transaction.
func (q *Queries) ScheduleGetForUpdate(ctx context.Context, name string) (*ScheduleRecord, error) {
	rec, err := scanSchedule(q.db.QueryRow(ctx, `SELECT `+scheduleColumns+` FROM schedules WHERE name = $1 FOR UPDATE`, name))
	return rec, interpretError(err, "reading schedule")
}

// ScheduleList returns the schedules (of workflowName when not empty) by name.
func (q *Queries) ScheduleList(ctx context.Context, workflowName string) ([]*ScheduleRecord, error) {
	return queryList(ctx, q.db, "reading schedules", scanSchedule, `SELECT `+scheduleColumns+` FROM schedules
		WHERE ($1 = '' OR workflow_name = $1) ORDER BY name COLLATE "C"`, workflowName)
}

// SchedulesByTag returns the schedules carrying tag, by name.
func (q *Queries) SchedulesByTag(ctx context.Context, tag Tag) ([]*ScheduleRecord, error) {
	doc, err := json.Marshal([]Tag{tag})
	if err != nil {
		return nil, fmt.Errorf("error encoding tag: %w", err)
	}
	return queryList(ctx, q.db, "reading schedules", scanSchedule, `SELECT `+scheduleColumns+` FROM schedules
		WHERE tags @> $1 ORDER BY name COLLATE "C"`, doc)
}

// ScheduleSearchParams filters and pages a schedule search; empty fields do not filter.
type ScheduleSearchParams struct {
	WorkflowName string
	// Name matches names containing it, ignoring case.
	Name string
	// Paused filters on the paused state when not nil.
	Paused *bool
	// FreeText matches name, workflow name or description containing it, ignoring case.
	FreeText string
	// Sort is one of name, workflowName, createTime, updatedTime.
	Sort  SortField
	Start int
	Size  int
}

var scheduleSortColumns = map[string]string{
	"name": `name COLLATE "C"`, "workflowName": `workflow_name COLLATE "C"`,
	"createTime": "create_time", "updatedTime": "updated_time",
}

// ScheduleSearch returns one page of the matching schedules and how many match in all.
func (q *Queries) ScheduleSearch(ctx context.Context, p ScheduleSearchParams) (int, []*ScheduleRecord, error) {
	where := `($1 = '' OR workflow_name = $1)
		AND ($2 = '' OR strpos(lower(name), lower($2)) > 0)
		AND ($3::boolean IS NULL OR paused = $3)
		AND ($4 = '' OR strpos(lower(name), lower($4)) > 0 OR strpos(lower(workflow_name), lower($4)) > 0
			OR strpos(lower(coalesce(doc->>'description', '')), lower($4)) > 0)`
	args := []any{p.WorkflowName, p.Name, p.Paused, p.FreeText}
	var total int
	if err := q.db.QueryRow(ctx, `SELECT count(*) FROM schedules WHERE `+where, args...).Scan(&total); err != nil {
		return 0, nil, interpretError(err, "counting schedules")
	}
	order := scheduleSortColumns[p.Sort.Field]
	if order == "" {
		order = scheduleSortColumns["name"]
	}
	if p.Sort.Desc {
		order += " DESC"
	}
	recs, err := queryList(ctx, q.db, "reading schedules", scanSchedule, `SELECT `+scheduleColumns+` FROM schedules WHERE `+where+
		` ORDER BY `+order+`, name COLLATE "C" OFFSET $5 LIMIT $6`, append(args, p.Start, p.Size)...)
	return total, recs, err
}

// ScheduleDelete removes a schedule and reports whether it existed. Its execution records stay.
func (q *Queries) ScheduleDelete(ctx context.Context, name string) (bool, error) {
	tag, err := q.db.Exec(ctx, `DELETE FROM schedules WHERE name = $1`, name)
	if err != nil {
		return false, interpretError(err, "deleting schedule")
	}
	return tag.RowsAffected() == 1, nil
}

// ScheduleSetPaused records a pause (with its reason) or a resume and the next slot to claim.
func (q *Queries) ScheduleSetPaused(ctx context.Context, name string, paused bool, reason string, nextRun, now time.Time, by string) error {
	_, err := q.db.Exec(ctx, `UPDATE schedules SET paused = $2, paused_reason = $3, next_run_at = $4,
		updated_time = $5, updated_by = $6 WHERE name = $1`,
		name, paused, nullString(reason), nullTime(nextRun), now, nullString(by))
	return interpretError(err, "pausing schedule")
}

// ScheduleSetTags replaces a schedule's tags.
func (q *Queries) ScheduleSetTags(ctx context.Context, name string, tags []Tag) error {
	doc, err := json.Marshal(tags)
	if err != nil {
		return fmt.Errorf("error encoding tags: %w", err)
	}
	_, err = q.db.Exec(ctx, `UPDATE schedules SET tags = $2 WHERE name = $1`, name, doc)
	return interpretError(err, "tagging schedule")
}

// SchedulesDue locks up to limit active schedules whose next slot is at or before now,
// skipping those another process holds, for the rest of the transaction.
func (q *Queries) SchedulesDue(ctx context.Context, now time.Time, limit int) ([]*ScheduleRecord, error) {
	return queryList(ctx, q.db, "reading schedules", scanSchedule, `SELECT `+scheduleColumns+` FROM schedules
		WHERE NOT paused AND next_run_at <= $1 ORDER BY next_run_at LIMIT $2 FOR UPDATE SKIP LOCKED`, now, limit)
}

// ScheduleAdvance sets the next slot a schedule claims (zero: none is left).
func (q *Queries) ScheduleAdvance(ctx context.Context, name string, nextRun time.Time) error {
	_, err := q.db.Exec(ctx, `UPDATE schedules SET next_run_at = $2 WHERE name = $1`, name, nullTime(nextRun))
	return interpretError(err, "advancing schedule")
}

// ScheduleNextRuns returns the next slot of every active schedule due before until.
func (q *Queries) ScheduleNextRuns(ctx context.Context, until time.Time) (map[string]time.Time, error) {
	rows, err := q.db.Query(ctx, `SELECT name, next_run_at FROM schedules
		WHERE NOT paused AND next_run_at < $1`, until)
	if err != nil {
		return nil, interpretError(err, "listing schedule slots")
	}
	out := map[string]time.Time{}
	var name string
	var at time.Time
	_, err = pgx.ForEachRow(rows, []any{&name, &at}, func() error {
		out[name] = at
		return nil
	})
	return out, interpretError(err, "listing schedule slots")
}

// ScheduleExecutionRecord is the stored record of one slot.
type ScheduleExecutionRecord struct {
	conductor.ScheduleExecution
	// SkipIfRunning applies overlapPolicy SKIP when the record is executed.
	SkipIfRunning bool
	ClaimedAt     time.Time
	Attempts      int
}

// ScheduleExecutionInsert records a claimed slot (POLLED) and reports whether it was new: a
// slot already recorded is left as it is.
func (q *Queries) ScheduleExecutionInsert(ctx context.Context, rec *ScheduleExecutionRecord) (bool, error) {
	req, err := json.Marshal(rec.StartWorkflowRequest)
	if err != nil {
		return false, fmt.Errorf("error encoding start request: %w", err)
	}
	tag, err := q.db.Exec(ctx, `INSERT INTO schedule_executions (execution_id, schedule_name, scheduled_time,
			workflow_name, state, zone_id, start_request, skip_if_running, claimed_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (schedule_name, scheduled_time) DO NOTHING`,
		rec.ExecutionID, rec.ScheduleName, rec.ScheduledTime, rec.WorkflowName, rec.State, rec.ZoneID, req,
		rec.SkipIfRunning, rec.ClaimedAt)
	if err != nil {
		return false, interpretError(err, "recording schedule execution")
	}
	return tag.RowsAffected() == 1, nil
}

const scheduleExecutionColumns = `execution_id::text, schedule_name, scheduled_time, coalesce(execution_time, 0),
	workflow_name, coalesce(workflow_id, ''), state, coalesce(reason, ''), zone_id, start_request,
	skip_if_running, claimed_at, attempts`

func scanScheduleExecution(row pgx.Row) (*ScheduleExecutionRecord, error) {
	rec := new(ScheduleExecutionRecord)
	var req []byte
	if err := row.Scan(&rec.ExecutionID, &rec.ScheduleName, &rec.ScheduledTime, &rec.ExecutionTime,
		&rec.WorkflowName, &rec.WorkflowID, &rec.State, &rec.Reason, &rec.ZoneID, &req,
		&rec.SkipIfRunning, &rec.ClaimedAt, &rec.Attempts); err != nil {
		return nil, err
	}
	if err := json.Unmarshal(req, &rec.StartWorkflowRequest); err != nil {
		return nil, fmt.Errorf("error decoding start request: %w", err)
	}
	return rec, nil
}

// ScheduleExecutionClaim locks a record still POLLED for the rest of the transaction; a record
// another process holds or that is no longer POLLED gives conductor.ErrNotFound.
func (q *Queries) ScheduleExecutionClaim(ctx context.Context, executionID string) (*ScheduleExecutionRecord, error) {
	rec, err := scanScheduleExecution(q.db.QueryRow(ctx, `SELECT `+scheduleExecutionColumns+`
		FROM schedule_executions WHERE execution_id = $1 AND state = 'POLLED' FOR UPDATE SKIP LOCKED`, executionID))
	return rec, interpretError(err, "claiming schedule execution")
}

// ScheduleExecutionFinish records the outcome of a claimed slot.
func (q *Queries) ScheduleExecutionFinish(ctx context.Context, rec *ScheduleExecutionRecord) error {
	req, err := json.Marshal(rec.StartWorkflowRequest)
	if err != nil {
		return fmt.Errorf("error encoding start request: %w", err)
	}
	_, err = q.db.Exec(ctx, `UPDATE schedule_executions SET state = $2, execution_time = $3, workflow_id = $4,
		reason = $5, start_request = $6 WHERE execution_id = $1`,
		rec.ExecutionID, rec.State, rec.ExecutionTime, nullString(rec.WorkflowID), nullString(rec.Reason), req)
	return interpretError(err, "recording schedule execution")
}

// ScheduleExecutionAttempted counts a start attempt that failed for a passing reason and
// returns how many there were.
func (q *Queries) ScheduleExecutionAttempted(ctx context.Context, executionID string) (int, error) {
	var n int
	err := q.db.QueryRow(ctx, `UPDATE schedule_executions SET attempts = attempts + 1
		WHERE execution_id = $1 RETURNING attempts`, executionID).Scan(&n)
	return n, interpretError(err, "recording schedule execution attempt")
}

// ScheduleExecutionsPolled lists up to limit records still POLLED that were claimed before
// claimedBefore, oldest slot first.
func (q *Queries) ScheduleExecutionsPolled(ctx context.Context, claimedBefore time.Time, limit int) ([]string, error) {
	return queryList(ctx, q.db, "listing pending schedule executions", scanString, `SELECT execution_id::text
		FROM schedule_executions WHERE state = 'POLLED' AND claimed_at <= $1 ORDER BY scheduled_time LIMIT $2`,
		claimedBefore, limit)
}

// ScheduleRunningWorkflow returns the workflow the schedule's latest started slot launched if
// it is still running or paused, else "".
func (q *Queries) ScheduleRunningWorkflow(ctx context.Context, scheduleName string) (string, error) {
	var id string
	err := q.db.QueryRow(ctx, `SELECT e.workflow_id FROM schedule_executions e
		JOIN workflows w ON w.workflow_id = e.workflow_id::uuid
		WHERE e.schedule_name = $1 AND e.state = 'EXECUTED' AND w.status IN ('RUNNING', 'PAUSED')
		ORDER BY e.scheduled_time DESC LIMIT 1`, scheduleName).Scan(&id)
	if err == pgx.ErrNoRows { //nolint:errorlint // Scan returns the sentinel itself
		return "", nil
	}
	return id, interpretError(err, "checking the schedule's running workflow")
}

// ScheduleExecutionSearchParams filters and pages execution records.
type ScheduleExecutionSearchParams struct {
	Query Query
	// FreeText matches records whose schedule name or workflow name contains it (in any case)
	// or whose workflow id contains it; "" matches all.
	FreeText string
	Sort     []SortField
	Start    int
	Size     int
}

// scheduleExecutionColumnsByField maps the fields of an execution-record search to columns;
// names sort byte-wise, as Conductor's scheduler does.
var scheduleExecutionColumnsByField = searchColumns{
	"scheduleName": {"schedule_name", textColumn, `schedule_name COLLATE "C"`}, "state": {"state", textColumn, ""},
	"scheduledTime": {"scheduled_time", millisColumn, ""}, "executionTime": {"execution_time", millisColumn, ""},
	"workflowName": {"workflow_name", textColumn, `workflow_name COLLATE "C"`}, "workflowId": {"workflow_id", textColumn, ""},
	"executionId": {"execution_id", uuidColumn, ""},
	// What the record's start request asked for (a version it left out: the launched one's).
	"correlationId":  {"(e.start_request ->> 'correlationId')", textColumn, ""},
	"idempotencyKey": {"(e.start_request ->> 'idempotencyKey')", textColumn, ""},
	"priority":       {"coalesce((e.start_request ->> 'priority')::int, 0)", intColumn, ""},
	"version":        {"coalesce((e.start_request ->> 'version')::int, " + launched("workflow_version") + ")", intColumn, ""},
	// The launched workflow's: NULL (matching no comparison) while none was launched.
	"endTime": {launched("end_time"), timeColumn, ""}, "updateTime": {launched("update_time"), timeColumn, ""},
	"parentWorkflowId": {launched("parent_workflow_id"), uuidColumn, ""},
}

// launched is the SQL of a column of the workflow an execution record e launched.
func launched(column string) string {
	return "(SELECT w." + column + " FROM workflows w WHERE w.workflow_id = e.workflow_id::uuid)"
}

// ScheduleExecutionSearch returns one page of matching records and how many match in all.
func (q *Queries) ScheduleExecutionSearch(ctx context.Context, p ScheduleExecutionSearchParams) (int64, []*ScheduleExecutionRecord, error) {
	var f filter
	where, err := f.where(p.Query, scheduleExecutionColumnsByField)
	if err != nil {
		return 0, nil, err
	}
	if p.FreeText != "" {
		ph := f.arg(p.FreeText)
		where += fmt.Sprintf(` AND (strpos(lower(schedule_name), lower(%[1]s)) > 0 OR strpos(lower(workflow_name), lower(%[1]s)) > 0
			OR strpos(coalesce(workflow_id, ''), %[1]s) > 0)`, ph)
	}
	var total int64
	if err := q.db.QueryRow(ctx, `SELECT count(*) FROM schedule_executions e WHERE `+where, f.args...).Scan(&total); err != nil {
		return 0, nil, interpretError(err, "counting schedule executions")
	}
	order, err := orderBy(p.Sort, scheduleExecutionColumnsByField)
	if err != nil {
		return 0, nil, err
	}
	recs, err := queryList(ctx, q.db, "reading schedule executions", scanScheduleExecution, `SELECT `+scheduleExecutionColumns+`
		FROM schedule_executions e WHERE `+where+fmt.Sprintf(` ORDER BY %s scheduled_time, execution_id OFFSET %s LIMIT %s`,
		order, f.arg(p.Start), f.arg(p.Size)), f.args...)
	return total, recs, err
}
