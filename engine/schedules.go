package engine

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/podiumhq/podium/internal/conductor"
	"github.com/podiumhq/podium/internal/notify"
	"github.com/podiumhq/podium/internal/schedule"
	"github.com/podiumhq/podium/store"
)

// scheduleChangesQueue is the hub key (and NOTIFY payload) that tells every process's
// scheduler that a schedule changed.

var scheduleNameRE = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)

// maxScheduleNameLen bounds schedule names.
const maxScheduleNameLen = 255

// scheduleNotFound is the 404 for an unknown schedule.
func scheduleNotFound(name string) error {
	return conductor.NotFoundf("Schedule '%s' not found", name)
}

// cronEntry is one parsed cron expression of a schedule, in its zone.
type cronEntry struct {
	cron *schedule.Cron
	loc  *time.Location
	zone string
}

// plan is what a schedule's firing needs: its cron entries and window.
type plan struct {
	entries    []cronEntry
	start, end time.Time
	catchUp    bool
}

// startGrace lets a slot exactly at scheduleStartTime count (Orkes computes from 500 ms before).
const startGrace = 500 * time.Millisecond

// parsePlan validates a schedule's cron entries and window.
func parsePlan(sch *conductor.WorkflowSchedule) (*plan, error) {
	p := &plan{catchUp: sch.RunCatchupScheduleInstances}
	entries := sch.CronSchedules
	if len(entries) == 0 {
		if strings.TrimSpace(sch.CronExpression) == "" {
			return nil, conductor.Invalidf("cronExpression is required: a cron expression such as \"0 0 * ? * *\"")
		}
		entries = []conductor.CronSchedule{{CronExpression: sch.CronExpression, ZoneID: sch.ZoneID}}
	}
	for i, ce := range entries {
		cron, err := schedule.Parse(ce.CronExpression)
		if err != nil {
			if len(sch.CronSchedules) > 0 {
				return nil, conductor.Invalidf("cronSchedules[%d]: %s", i, err.Error())
			}
			return nil, conductor.Invalidf("%s", err.Error())
		}
		zone := ce.ZoneID
		if zone == "" {
			zone = "UTC"
		}
		loc, err := time.LoadLocation(zone)
		if err != nil || zone == "Local" {
			return nil, conductor.Invalidf("Invalid zoneId %q: not a known IANA time zone (such as UTC or Europe/Paris)", ce.ZoneID)
		}
		p.entries = append(p.entries, cronEntry{cron: cron, loc: loc, zone: zone})
	}
	if sch.ScheduleStartTime < 0 || sch.ScheduleEndTime < 0 {
		return nil, conductor.Invalidf("scheduleStartTime and scheduleEndTime must be epoch milliseconds, not negative")
	}
	if sch.ScheduleStartTime > 0 {
		p.start = time.UnixMilli(sch.ScheduleStartTime)
	}
	if sch.ScheduleEndTime > 0 {
		p.end = time.UnixMilli(sch.ScheduleEndTime)
	}
	if !p.start.IsZero() && !p.end.IsZero() && p.end.Before(p.start) {
		return nil, conductor.Invalidf("scheduleEndTime (%d) must not be before scheduleStartTime (%d)",
			sch.ScheduleEndTime, sch.ScheduleStartTime)
	}
	return p, nil
}

// next returns the first slot strictly after `after` of any entry, and the entries firing at
// it; zero when no slot is left (or the next one is past the end of the window).
func (p *plan) next(after time.Time) (time.Time, []cronEntry) {
	var best time.Time
	var firing []cronEntry
	for _, ce := range p.entries {
		t, ok := ce.cron.Next(after, ce.loc)
		switch {
		case !ok:
		case best.IsZero() || t.Before(best):
			best, firing = t, []cronEntry{ce}
		case t.Equal(best):
			firing = append(firing, ce)
		}
	}
	if !best.IsZero() && !p.end.IsZero() && best.After(p.end) {
		return time.Time{}, nil
	}
	return best, firing
}

// first returns the first slot after a create, update or resume at now: the past (even with
// catch-up) is never replayed, and a slot exactly at the window's start counts.
func (p *plan) first(now time.Time) time.Time {
	from := now
	if !p.start.IsZero() && now.Before(p.start.Add(-startGrace)) {
		from = p.start.Add(-startGrace)
	}
	t, _ := p.next(from)
	return t
}

// after returns the slot to claim after slot was claimed at now: with catch-up the very next
// one (which may already be due), otherwise the first one after now.
func (p *plan) after(slot, now time.Time) time.Time {
	from := slot
	if !p.catchUp && now.After(slot) {
		from = now
	}
	t, _ := p.next(from)
	return t
}

// SaveSchedule creates or replaces the schedule sch.Name on behalf of principal by, and returns
// it as stored. Saving recomputes the next slot from now.
func (e *Engine) SaveSchedule(ctx context.Context, sch *conductor.WorkflowSchedule, by string) (*conductor.WorkflowSchedule, error) {
	p, err := e.validateSchedule(ctx, sch)
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
	now := e.now()
	if err := e.store.SchedulePut(ctx, sch, p.first(now), by, now); err != nil {
		return nil, err
	}
	e.notes.Publish(notify.Schedules)
	return e.Schedule(ctx, sch.Name)
}

// validateSchedule checks a schedule to save and returns its plan.
func (e *Engine) validateSchedule(ctx context.Context, sch *conductor.WorkflowSchedule) (*plan, error) {
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
	if err := validateStart(req); err != nil {
		return nil, conductor.Invalidf("startWorkflowRequest: %s", err.Error())
	}
	probe := *req
	if _, err := e.definitionFor(ctx, e.store.Queries, &probe); err != nil {
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
	if err := checkTags(sch.Tags); err != nil {
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

// shown returns a stored schedule as the API shows it: with its next run time while active.
func shown(rec *store.ScheduleRecord) *conductor.WorkflowSchedule {
	sch := rec.WorkflowSchedule
	if !sch.Paused && !rec.NextRun.IsZero() {
		sch.NextRunTime = rec.NextRun.UnixMilli()
	}
	return sch
}

func shownAll(recs []*store.ScheduleRecord) []*conductor.WorkflowSchedule {
	out := make([]*conductor.WorkflowSchedule, len(recs))
	for i, rec := range recs {
		out[i] = shown(rec)
	}
	return out
}

// Schedule returns a schedule; 404 when unknown.
func (e *Engine) Schedule(ctx context.Context, name string) (*conductor.WorkflowSchedule, error) {
	rec, err := e.store.ScheduleGet(ctx, name)
	if errors.Is(err, conductor.ErrNotFound) {
		return nil, scheduleNotFound(name)
	}
	if err != nil {
		return nil, err
	}
	return shown(rec), nil
}

// Schedules lists the schedules, of workflowName when not empty, by name.
func (e *Engine) Schedules(ctx context.Context, workflowName string) ([]*conductor.WorkflowSchedule, error) {
	recs, err := e.store.ScheduleList(ctx, workflowName)
	if err != nil {
		return nil, err
	}
	return shownAll(recs), nil
}

// SchedulesByTag lists the schedules carrying tag.
func (e *Engine) SchedulesByTag(ctx context.Context, tag conductor.Tag) ([]*conductor.WorkflowSchedule, error) {
	recs, err := e.store.SchedulesByTag(ctx, tag)
	if err != nil {
		return nil, err
	}
	return shownAll(recs), nil
}

// ScheduleSearchResult is one page of a schedule search.
type ScheduleSearchResult struct {
	TotalHits int                           `json:"totalHits"`
	Results   []*conductor.WorkflowSchedule `json:"results"`
}

// SearchSchedules returns one page of the schedules matching p.
func (e *Engine) SearchSchedules(ctx context.Context, p store.ScheduleSearchParams) (*ScheduleSearchResult, error) {
	if p.FreeText == "*" {
		p.FreeText = ""
	}
	total, recs, err := e.store.ScheduleSearch(ctx, p)
	if err != nil {
		return nil, err
	}
	return &ScheduleSearchResult{TotalHits: total, Results: shownAll(recs)}, nil
}

// DeleteSchedule removes a schedule (an unknown name is not an error, as in Conductor); its
// execution history stays.
func (e *Engine) DeleteSchedule(ctx context.Context, name string) error {
	existed, err := e.store.ScheduleDelete(ctx, name)
	if err == nil && existed {
		e.notes.Publish(notify.Schedules)
	}
	return err
}

// PauseSchedule stops a schedule from firing, recording reason (kept when empty and already
// paused). Pausing a paused schedule is not an error.
func (e *Engine) PauseSchedule(ctx context.Context, name, reason, by string) error {
	return e.editSchedule(ctx, name, func(q *store.Queries, rec *store.ScheduleRecord, now time.Time) error {
		if rec.Paused && reason == "" {
			reason = rec.PausedReason
		}
		return q.ScheduleSetPaused(ctx, name, true, reason, rec.NextRun, now, by)
	})
}

// ResumeSchedule lets a paused schedule fire again from the next slot after now: the paused
// period is never replayed. A schedule that is not paused is 404, as in Orkes.
func (e *Engine) ResumeSchedule(ctx context.Context, name, by string) error {
	return e.editSchedule(ctx, name, func(q *store.Queries, rec *store.ScheduleRecord, now time.Time) error {
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

// editSchedule runs change on the locked schedule name and tells the schedulers.
func (e *Engine) editSchedule(ctx context.Context, name string, change func(q *store.Queries, rec *store.ScheduleRecord, now time.Time) error) error {
	err := e.store.InTx(ctx, func(q *store.Queries) error {
		rec, err := q.ScheduleGetForUpdate(ctx, name)
		if errors.Is(err, conductor.ErrNotFound) {
			return scheduleNotFound(name)
		}
		if err != nil {
			return err
		}
		return change(q, rec, e.now())
	})
	if err == nil {
		e.notes.Publish(notify.Schedules)
	}
	return err
}

// ScheduleTags returns a schedule's tags.
func (e *Engine) ScheduleTags(ctx context.Context, name string) ([]conductor.Tag, error) {
	sch, err := e.Schedule(ctx, name)
	if err != nil {
		return nil, err
	}
	return sch.Tags, nil
}

// PutScheduleTags adds tags; a tag whose key exists replaces its value.
func (e *Engine) PutScheduleTags(ctx context.Context, name string, tags []conductor.Tag) error {
	if err := checkTags(tags); err != nil {
		return err
	}
	return e.editSchedule(ctx, name, func(q *store.Queries, rec *store.ScheduleRecord, _ time.Time) error {
		merged := mergeTags(rec.Tags, tags)
		if len(merged) > MaxTags {
			return tooManyTags(len(merged))
		}
		return q.ScheduleSetTags(ctx, name, merged)
	})
}

// DeleteScheduleTags removes tags (matching key and value).
func (e *Engine) DeleteScheduleTags(ctx context.Context, name string, tags []conductor.Tag) error {
	return e.editSchedule(ctx, name, func(q *store.Queries, rec *store.ScheduleRecord, _ time.Time) error {
		return q.ScheduleSetTags(ctx, name, removeTags(rec.Tags, tags))
	})
}
