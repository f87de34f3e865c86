package schedule

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/podiumhq/podium/internal/conductor"
	"github.com/podiumhq/podium/internal/notify"
	"github.com/podiumhq/podium/store"
)

var scheduleNameRE = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)

// maxScheduleNameLen bounds schedule names.
const maxScheduleNameLen = 255

// NotFound is the 404 for an unknown schedule.
func NotFound(name string) error {
	return conductor.NotFoundf("Schedule '%s' not found", name)
}

// Save creates or replaces the schedule sch.Name on behalf of principal by, and returns it as
// stored. Saving recomputes the next slot from now.
func (s *Service) Save(ctx context.Context, sch *conductor.WorkflowSchedule, by string) (*conductor.WorkflowSchedule, error) {
	p, err := s.validate(ctx, sch)
	if err != nil {
		return nil, err
	}
	sch.PausedReason = strings.TrimSpace(sch.PausedReason)
	if !sch.Paused {
		sch.PausedReason = ""
	}
	if sch.ZoneID == "" && len(sch.CronSchedules) == 0 {
		sch.ZoneID = "UTC"
	}
	now := s.now()
	if err := s.store.SchedulePut(ctx, sch, p.first(now), by, now); err != nil {
		return nil, err
	}
	s.notes.Publish(notify.Schedules)
	return s.Get(ctx, sch.Name)
}

// validate checks a schedule to save and returns its plan.
func (s *Service) validate(ctx context.Context, sch *conductor.WorkflowSchedule) (*plan, error) {
	if err := validScheduleName(sch.Name); err != nil {
		return nil, err
	}
	p, err := parsePlan(sch)
	if err != nil {
		return nil, err
	}
	switch sch.OverlapPolicy {
	case "", conductor.OverlapAllow, conductor.OverlapSkip:
	default:
		return nil, conductor.Invalidf("overlapPolicy must be ALLOW or SKIP, not %q", sch.OverlapPolicy)
	}
	req := sch.StartWorkflowRequest
	if req == nil {
		return nil, conductor.Invalidf("startWorkflowRequest is required")
	}
	if req.Name == "" && req.WorkflowDef != nil {
		req.Name = req.WorkflowDef.Name
	}
	if req.Name == "" {
		return nil, conductor.Invalidf("startWorkflowRequest.name is required")
	}
	req.InputIsNull = false
	if req.Input == nil {
		req.Input = map[string]any{}
	}
	if err := s.starter.CheckStart(req); err != nil {
		return nil, conductor.Invalidf("startWorkflowRequest: %s", err.Error())
	}
	probe := *req
	if err := s.starter.ResolveDefinition(ctx, &probe); err != nil {
		if errors.Is(err, conductor.ErrNotFound) {
			v := "latest"
			if req.Version != nil {
				v = fmt.Sprint(*req.Version)
			}
			return nil, conductor.Invalidf("startWorkflowRequest: workflow %s version %s is not registered", req.Name, v)
		}
		return nil, err
	}
	for i, t := range sch.Tags {
		if t.Key == "" {
			return nil, conductor.Invalidf("Tag at index %d has no key", i)
		}
	}
	if err := conductor.CheckTags(sch.Tags); err != nil {
		return nil, err
	}
	return p, nil
}

func validScheduleName(name string) error {
	switch {
	case name == "":
		return conductor.Invalidf("Schedule name is required")
	case len(name) > maxScheduleNameLen:
		return conductor.Invalidf("Schedule name must be at most %d characters", maxScheduleNameLen)
	case !scheduleNameRE.MatchString(name):
		return conductor.Invalidf("Schedule name %q may only contain letters, digits, '_' and '-'", name)
	case name == "search" || name == "tags":
		return conductor.Invalidf("Schedule name %q is reserved: /api/scheduler/schedules/%s is another endpoint", name, name)
	}
	return nil
}

// Shown returns a stored schedule as the API shows it: with its next run time while active.
func Shown(rec *store.ScheduleRecord) *conductor.WorkflowSchedule {
	sch := rec.WorkflowSchedule
	if !sch.Paused && !rec.NextRun.IsZero() {
		sch.NextRunTime = rec.NextRun.UnixMilli()
	}
	return sch
}

// ShownAll is Shown over a list.
func ShownAll(recs []*store.ScheduleRecord) []*conductor.WorkflowSchedule {
	out := make([]*conductor.WorkflowSchedule, len(recs))
	for i, rec := range recs {
		out[i] = Shown(rec)
	}
	return out
}

// Get returns a schedule; 404 when unknown.
func (s *Service) Get(ctx context.Context, name string) (*conductor.WorkflowSchedule, error) {
	rec, err := s.store.ScheduleGet(ctx, name)
	if errors.Is(err, conductor.ErrNotFound) {
		return nil, NotFound(name)
	}
	if err != nil {
		return nil, err
	}
	return Shown(rec), nil
}

// List lists the schedules, of workflowName when not empty, by name.
func (s *Service) List(ctx context.Context, workflowName string) ([]*conductor.WorkflowSchedule, error) {
	recs, err := s.store.ScheduleList(ctx, workflowName)
	if err != nil {
		return nil, err
	}
	return ShownAll(recs), nil
}

// ByTag lists the schedules carrying tag.
func (s *Service) ByTag(ctx context.Context, tag conductor.Tag) ([]*conductor.WorkflowSchedule, error) {
	recs, err := s.store.SchedulesByTag(ctx, tag)
	if err != nil {
		return nil, err
	}
	return ShownAll(recs), nil
}

// Delete removes a schedule (an unknown name is not an error, as in Conductor); its execution
// history stays.
func (s *Service) Delete(ctx context.Context, name string) error {
	existed, err := s.store.ScheduleDelete(ctx, name)
	if err == nil && existed {
		s.notes.Publish(notify.Schedules)
	}
	return err
}

// Pause stops a schedule from firing, recording reason (kept when empty and already paused).
// Pausing a paused schedule is not an error.
func (s *Service) Pause(ctx context.Context, name, reason, by string) error {
	return s.edit(ctx, name, func(q *store.Queries, rec *store.ScheduleRecord, now time.Time) error {
		if rec.Paused && reason == "" {
			reason = rec.PausedReason
		}
		return q.ScheduleSetPaused(ctx, name, true, reason, rec.NextRun, now, by)
	})
}

// Resume lets a paused schedule fire again from the next slot after now: the paused period is
// never replayed. A schedule that is not paused is 404, as in Orkes.
func (s *Service) Resume(ctx context.Context, name, by string) error {
	return s.edit(ctx, name, func(q *store.Queries, rec *store.ScheduleRecord, now time.Time) error {
		if !rec.Paused {
			return conductor.NotFoundf("Schedule '%s' is not paused", name)
		}
		p, err := parsePlan(rec.WorkflowSchedule)
		if err != nil {
			return err
		}
		return q.ScheduleSetPaused(ctx, name, false, "", p.first(now), now, by)
	})
}

// edit runs change on the locked schedule name and tells the schedulers.
func (s *Service) edit(ctx context.Context, name string, change func(q *store.Queries, rec *store.ScheduleRecord, now time.Time) error) error {
	err := s.store.InTx(ctx, func(q *store.Queries) error {
		rec, err := q.ScheduleGetForUpdate(ctx, name)
		if errors.Is(err, conductor.ErrNotFound) {
			return NotFound(name)
		}
		if err != nil {
			return err
		}
		return change(q, rec, s.now())
	})
	if err == nil {
		s.notes.Publish(notify.Schedules)
	}
	return err
}

// Tags returns a schedule's tags.
func (s *Service) Tags(ctx context.Context, name string) ([]conductor.Tag, error) {
	sch, err := s.Get(ctx, name)
	if err != nil {
		return nil, err
	}
	return sch.Tags, nil
}

// PutTags adds tags; a tag whose key exists replaces its value.
func (s *Service) PutTags(ctx context.Context, name string, tags []conductor.Tag) error {
	if err := conductor.CheckTags(tags); err != nil {
		return err
	}
	return s.edit(ctx, name, func(q *store.Queries, rec *store.ScheduleRecord, _ time.Time) error {
		merged := conductor.MergeTags(rec.Tags, tags)
		if len(merged) > conductor.MaxTags {
			return conductor.TooManyTags(len(merged))
		}
		return q.ScheduleSetTags(ctx, name, merged)
	})
}

// DeleteTags removes tags (matching key and value).
func (s *Service) DeleteTags(ctx context.Context, name string, tags []conductor.Tag) error {
	return s.edit(ctx, name, func(q *store.Queries, rec *store.ScheduleRecord, _ time.Time) error {
		return q.ScheduleSetTags(ctx, name, conductor.RemoveTags(rec.Tags, tags))
	})
}
