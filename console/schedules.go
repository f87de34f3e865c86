package console

import (
	"cmp"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/podiumhq/podium/internal/auth"
	"github.com/podiumhq/podium/internal/conductor"
	"github.com/podiumhq/podium/internal/schedule"
)

// Upcoming and recent slots a schedule's page shows.
const (
	upcomingSlots = 5
	recentSlots   = 20
)

// scheduleView is a schedule as the pages show it.
type scheduleView struct {
	*conductor.WorkflowSchedule
	Workflow string
	Crons    []conductor.CronSchedule // every cron entry, its zone "UTC" when unset
}

func viewSchedule(sch *conductor.WorkflowSchedule) scheduleView {
	v := scheduleView{WorkflowSchedule: sch}
	if sch.StartWorkflowRequest != nil {
		v.Workflow = sch.StartWorkflowRequest.Name
	}
	v.Crons = slices.Clone(sch.CronSchedules)
	if len(v.Crons) == 0 {
		v.Crons = []conductor.CronSchedule{{CronExpression: sch.CronExpression, ZoneID: sch.ZoneID}}
	}
	for i := range v.Crons {
		if v.Crons[i].ZoneID == "" {
			v.Crons[i].ZoneID = "UTC"
		}
	}
	return v
}

// schedules answers GET /schedules: every schedule, by name.
func (c *Console) schedules(w http.ResponseWriter, r *http.Request) {
	if !may(r, auth.ScheduleRead) {
		c.forbidden(w, r, "read schedules")
		return
	}
	list, err := c.cfg.Schedules.List(r.Context(), "")
	if err != nil {
		c.failWith(w, r, err)
		return
	}
	slices.SortFunc(list, func(a, b *conductor.WorkflowSchedule) int { return cmp.Compare(a.Name, b.Name) })
	rows := make([]scheduleView, len(list))
	for i, sch := range list {
		rows[i] = viewSchedule(sch)
	}
	c.render(w, r, http.StatusOK, "schedules", map[string]any{"Schedules": rows})
}

// schedule answers GET /schedules/{name}: the schedule, its next slots, its recent slots and,
// for a principal who may change schedules, the pause and resume forms.
func (c *Console) schedule(w http.ResponseWriter, r *http.Request) {
	if !may(r, auth.ScheduleRead) {
		c.forbidden(w, r, "read schedules")
		return
	}
	name := param(r, "name")
	sch, err := c.cfg.Schedules.Get(r.Context(), name)
	if err != nil {
		c.failWith(w, r, err)
		return
	}
	status, err := c.cfg.Schedules.Status(r.Context(), name, recentSlots)
	if err != nil {
		c.failWith(w, r, err)
		return
	}
	data := map[string]any{"Schedule": viewSchedule(sch), "Runs": status.LastRuns,
		"Done": r.URL.Query().Get("done"), "MayWrite": may(r, auth.ScheduleWrite)}
	// A saved schedule always parses; a failure here only leaves the list out.
	if next, err := schedule.Upcoming(sch, c.cfg.Now(), upcomingSlots); err == nil {
		data["Upcoming"] = next
	} else {
		data["UpcomingError"] = err.Error()
	}
	c.render(w, r, http.StatusOK, "schedule", data)
}

// scheduleAct answers POST /schedules/{name}/{action} (pause, with an optional reason, or
// resume), then goes back to the schedule's page.
func (c *Console) scheduleAct(w http.ResponseWriter, r *http.Request) {
	name, act := param(r, "name"), param(r, "action")
	if !may(r, auth.ScheduleWrite) {
		c.forbidden(w, r, "pause or resume schedules")
		return
	}
	by := ""
	if p := principalOf(r.Context()); p != nil {
		by = p.ID
	}
	var err error
	switch act {
	case "pause":
		reason := strings.TrimSpace(r.PostFormValue("reason"))
		if reason == "" {
			reason = "Paused from the console"
		}
		err = c.cfg.Schedules.Pause(r.Context(), name, reason, by)
	case "resume":
		err = c.cfg.Schedules.Resume(r.Context(), name, by)
	default:
		c.notFound(w, r, "No such action: "+act)
		return
	}
	if err != nil {
		c.failWith(w, r, err)
		return
	}
	http.Redirect(w, r, "/schedules/"+url.PathEscape(name)+"?done="+url.QueryEscape(act), http.StatusSeeOther)
}
