package schedule

import (
	"strings"
	"time"

	"github.com/podiumhq/podium/internal/conductor"
)

// cronEntry is one parsed cron expression of a schedule, in its zone.
type cronEntry struct {
	cron *Cron
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
		cron, err := Parse(ce.CronExpression)
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

// MaxUpcoming caps how many slots Upcoming returns.
const MaxUpcoming = 10

// Upcoming returns the next n (1 to MaxUpcoming) slots of sch after now, as firing computes
// them: every cron entry in its zone, within the schedule's window. It ignores the paused
// state: a paused schedule's slots are the ones it would fire at once resumed.
func Upcoming(sch *conductor.WorkflowSchedule, now time.Time, n int) ([]time.Time, error) {
	p, err := parsePlan(sch)
	if err != nil {
		return nil, err
	}
	n = min(max(n, 1), MaxUpcoming)
	var out []time.Time
	for t := p.first(now); !t.IsZero() && len(out) < n; t, _ = p.next(t) {
		out = append(out, t)
	}
	return out, nil
}
