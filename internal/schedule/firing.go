package schedule

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"time"

	"github.com/google/uuid"

	"github.com/podiumhq/podium/internal/conductor"
	"github.com/podiumhq/podium/internal/notify"
	"github.com/podiumhq/podium/store"
)

// Firing limits.
const (
	// schedulesPerClaim is how many due schedules one claiming transaction takes.
	schedulesPerClaim = 50
	// slotsPerClaim caps the missed slots of one schedule claimed at once when catching up; the
	// rest are claimed by the next round, in order.
	slotsPerClaim = 100
	// claimGrace is how long a claimed slot (POLLED) belongs to the process that claimed it;
	// after it any process starts it (its claimer died between claim and start).
	claimGrace = 5 * time.Second
	// startAttempts is how often a start failing for a passing reason (the database) is tried
	// before the slot is recorded as FAILED.
	startAttempts = 5
	// wakeHorizon is how far ahead schedules are armed on gocron; later ones are armed by a
	// later reconcile.
	wakeHorizon = 2 * time.Minute
	// maxReasonLen caps the reason of a failed record, as Orkes does.
	maxReasonLen = 999
)

// Fire claims every due slot of every active schedule and starts its workflow, and starts the
// slots other processes claimed but abandoned. It returns how many workflow starts it
// attempted. Any number of processes may call it at once: each slot is claimed once.
func (s *Service) Fire(ctx context.Context) (int, error) {
	n := 0
	for {
		ids, full, err := s.claimDueSlots(ctx)
		if err != nil {
			return n, err
		}
		for _, id := range ids {
			if s.startScheduled(ctx, id) {
				n++
			}
		}
		if !full {
			break
		}
	}
	abandoned, err := s.store.ScheduleExecutionsPolled(ctx, s.now().Add(-claimGrace), 100)
	if err != nil {
		return n, err
	}
	for _, id := range abandoned {
		if s.startScheduled(ctx, id) {
			n++
		}
	}
	return n, nil
}

// claimDueSlots claims, in one transaction, the due slots of up to schedulesPerClaim schedules:
// it records each slot (POLLED) and advances each schedule past it. It returns the records in
// slot order, and whether more may be due.
func (s *Service) claimDueSlots(ctx context.Context) ([]string, bool, error) {
	var ids []string
	full := false
	err := s.store.InTx(ctx, func(q *store.Queries) error {
		ids, full = nil, false
		now := s.now()
		due, err := q.SchedulesDue(ctx, now, schedulesPerClaim)
		if err != nil {
			return err
		}
		full = len(due) == schedulesPerClaim
		for _, rec := range due {
			claimed, more, err := s.claimSlots(ctx, q, rec, now)
			if err != nil {
				return err
			}
			ids = append(ids, claimed...)
			full = full || more
		}
		return nil
	})
	return ids, full, err
}

// claimSlots records the due slots of one locked schedule and advances it. A schedule whose
// configuration no longer parses is advanced to nothing and logged.
func (s *Service) claimSlots(ctx context.Context, q *store.Queries, rec *store.ScheduleRecord, now time.Time) ([]string, bool, error) {
	p, err := parsePlan(rec.WorkflowSchedule)
	if err != nil {
		s.logger.Warn("scheduler: schedule cannot fire", "schedule", rec.Name, "error", err)
		return nil, false, q.ScheduleAdvance(ctx, rec.Name, time.Time{})
	}
	var ids []string
	slot := rec.NextRun
	for !slot.IsZero() && !slot.After(now) {
		if len(ids) == slotsPerClaim {
			return ids, true, q.ScheduleAdvance(ctx, rec.Name, slot)
		}
		_, firing := p.next(slot.Add(-time.Second))
		exec := slotRecord(rec.WorkflowSchedule, slot, firing, now)
		inserted, err := q.ScheduleExecutionInsert(ctx, exec)
		if err != nil {
			return nil, false, err
		}
		if inserted {
			ids = append(ids, exec.ExecutionID)
		}
		slot = p.after(slot, now)
	}
	return ids, false, q.ScheduleAdvance(ctx, rec.Name, slot)
}

// slotRecord builds the POLLED record of one slot: the schedule's start request, run as the
// schedule's creator, with the scheduler's keys injected into its input.
func slotRecord(sch *conductor.WorkflowSchedule, slot time.Time, firing []cronEntry, now time.Time) *store.ScheduleExecutionRecord {
	id := uuid.NewString()
	req := *sch.StartWorkflowRequest
	req.CreatedBy = sch.CreatedBy
	req.Input = maps.Clone(req.Input)
	if req.Input == nil {
		req.Input = map[string]any{}
	}
	zone, cron := "UTC", sch.CronExpression
	if len(firing) > 0 {
		zone, cron = firing[0].zone, firing[0].cron.String()
	}
	req.Input["_startedByScheduler"] = sch.Name
	req.Input["_scheduledTime"] = slot.UnixMilli()
	req.Input["_executionId"] = id
	req.Input["_schedulerCron"] = cron + " " + zone
	return &store.ScheduleExecutionRecord{
		ScheduleExecution: conductor.ScheduleExecution{
			ExecutionID: id, ScheduleName: sch.Name, ScheduledTime: slot.UnixMilli(), WorkflowName: req.Name,
			StartWorkflowRequest: &req, State: conductor.ScheduleExecutionPolled, ZoneID: zone,
		},
		SkipIfRunning: sch.OverlapPolicy == conductor.OverlapSkip,
		ClaimedAt:     now,
	}
}

// startScheduled starts the workflow of a claimed slot and records the outcome in the same
// transaction, so the slot's workflow starts once whoever runs it. It reports whether it
// found the slot still to start.
func (s *Service) startScheduled(ctx context.Context, executionID string) bool {
	var topics []notify.Topic
	var rec *store.ScheduleExecutionRecord
	err := s.store.InTx(ctx, func(q *store.Queries) error {
		var err error
		if rec, err = q.ScheduleExecutionClaim(ctx, executionID); err != nil {
			return err
		}
		if s.beforeStart != nil {
			s.beforeStart(executionID)
		}
		now := s.now()
		rec.ExecutionTime = now.UnixMilli()
		rec.StartWorkflowRequest.Input["_executedTime"] = now.UnixMilli()
		if rec.SkipIfRunning {
			running, err := q.ScheduleRunningWorkflow(ctx, rec.ScheduleName)
			if err != nil {
				return err
			}
			if running != "" {
				rec.State = conductor.ScheduleExecutionSkipped
				rec.Reason = fmt.Sprintf("Skipped by overlapPolicy SKIP: the previous run %s is still running", running)
				return q.ScheduleExecutionFinish(ctx, rec)
			}
		}
		allowed, err := s.starter.MayStartScheduled(ctx, q, rec.StartWorkflowRequest.CreatedBy, rec.StartWorkflowRequest.Name)
		if err != nil {
			return err
		}
		if !allowed {
			return s.refuseScheduled(ctx, q, rec, now)
		}
		req := *rec.StartWorkflowRequest
		// A schedule runs as its creator.
		rec.WorkflowID, topics, err = s.starter.StartScheduled(ctx, q, &req, req.CreatedBy, now)
		if err != nil {
			return err
		}
		rec.State = conductor.ScheduleExecutionExecuted
		return q.ScheduleExecutionFinish(ctx, rec)
	})
	switch {
	case err == nil:
		s.notes.Publish(topics...)
		return true
	case errors.Is(err, conductor.ErrNotFound) && rec == nil:
		return false // started, or being started, elsewhere
	case userError(err):
		s.failScheduled(ctx, executionID, err.Error())
		return true
	case ctx.Err() != nil:
		return false
	}
	s.logger.Error("scheduler: starting a scheduled workflow failed", "execution_id", executionID, "error", err)
	attempts, aerr := s.store.ScheduleExecutionAttempted(ctx, executionID)
	if aerr == nil && attempts >= startAttempts {
		s.failScheduled(ctx, executionID, fmt.Sprintf("the workflow could not be started after %d attempts (internal error)", attempts))
	}
	return true
}

// refuseScheduled records a slot whose schedule's creator may no longer start workflows (its
// application was deleted or lost the role) and pauses the schedule, as Orkes does.
func (s *Service) refuseScheduled(ctx context.Context, q *store.Queries, rec *store.ScheduleExecutionRecord, now time.Time) error {
	reason := fmt.Sprintf("Security Error: %s, who saved the schedule, may no longer start workflows", rec.StartWorkflowRequest.CreatedBy)
	rec.State, rec.Reason = conductor.ScheduleExecutionFailed, reason
	if err := q.ScheduleExecutionFinish(ctx, rec); err != nil {
		return err
	}
	sch, err := q.ScheduleGetForUpdate(ctx, rec.ScheduleName)
	if errors.Is(err, conductor.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	s.logger.Warn("scheduler: schedule paused: its creator may no longer start workflows", "schedule", rec.ScheduleName,
		"created_by", rec.StartWorkflowRequest.CreatedBy)
	return q.ScheduleSetPaused(ctx, rec.ScheduleName, true, reason, sch.NextRun, now, "")
}

// userError reports whether err is one of the caller-facing kinds (a bad request, a missing
// definition, a conflict), which retrying does not mend.
func userError(err error) bool {
	return errors.Is(err, conductor.ErrInvalid) || errors.Is(err, conductor.ErrNotFound) || errors.Is(err, conductor.ErrConflict)
}

// failScheduled records a slot whose start failed.
func (s *Service) failScheduled(ctx context.Context, executionID, reason string) {
	if len(reason) > maxReasonLen {
		reason = reason[:maxReasonLen]
	}
	err := s.store.InTx(ctx, func(q *store.Queries) error {
		rec, err := q.ScheduleExecutionClaim(ctx, executionID)
		if err != nil {
			return err
		}
		rec.State, rec.Reason, rec.ExecutionTime = conductor.ScheduleExecutionFailed, reason, s.now().UnixMilli()
		return q.ScheduleExecutionFinish(ctx, rec)
	})
	if err != nil && !errors.Is(err, conductor.ErrNotFound) {
		s.logger.Error("scheduler: recording a failed scheduled start failed", "execution_id", executionID, "error", err)
	}
}

// RequeueResult answers an admin requeue: the pending records started.
type RequeueResult struct {
	Count     int      `json:"recordIds.size"`
	SampleIDs []string `json:"sampleIds"`
}

// maxRequeueSample caps the ids a requeue answer lists.
const maxRequeueSample = 10

// Requeue starts now every slot still POLLED, whoever claimed it.
func (s *Service) Requeue(ctx context.Context) (*RequeueResult, error) {
	ids, err := s.store.ScheduleExecutionsPolled(ctx, s.now().Add(time.Hour), 1000)
	if err != nil {
		return nil, err
	}
	res := &RequeueResult{Count: len(ids), SampleIDs: ids[:min(len(ids), maxRequeueSample)]}
	for _, id := range ids {
		s.startScheduled(ctx, id)
	}
	return res, nil
}
