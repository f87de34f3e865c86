package console_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// saveSchedule saves a schedule of workflow wf through the API.
func (s *site) saveSchedule(name, wf, cron, zone string) {
	s.t.Helper()
	s.registerWorkflow(wf, 1, "")
	s.apiJSON(http.MethodPost, "/api/scheduler/schedules", s.admin, map[string]any{"name": name, "cronExpression": cron,
		"zoneId": zone, "startWorkflowRequest": map[string]any{"name": wf, "version": 1}}, nil)
}

var upcomingSlot = regexp.MustCompile(`<li>\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC</li>`)

func TestSchedulesListAndPage(t *testing.T) {
	t.Parallel()
	s := newSite(t, false)
	b := s.browser()
	b.signIn(adminKeyID, adminKeySecret)

	empty := b.get("/schedules")
	require.Equal(t, http.StatusOK, empty.status)
	require.Contains(t, empty.body, "No schedules yet.")

	s.saveSchedule("console_nightly", "console_sched_wf", "0 0 2 * * *", "Europe/Paris")
	s.saveSchedule("console_every_second", "console_sched_wf", "* * * * * *", "")
	list := b.get("/schedules")
	require.Equal(t, http.StatusOK, list.status)
	require.Contains(t, list.body, `href="/schedules/console_nightly"`)
	require.Contains(t, list.body, "<code>0 0 2 * * *</code>")
	require.Contains(t, list.body, "Europe/Paris")
	require.Contains(t, list.body, "UTC", "an unset zone is UTC")
	require.Contains(t, list.body, "console_sched_wf")
	require.Contains(t, list.body, "ACTIVE")

	p := b.get("/schedules/console_nightly")
	require.Equal(t, http.StatusOK, p.status)
	require.Len(t, upcomingSlot.FindAllString(p.body, -1), 5, "the next five slots")
	require.Regexp(t, `<li>[0-9-]+ 0[01]:00:00 UTC</li>`, p.body, "02:00 in Paris is 00:00 UTC in summer, 01:00 in winter")
	require.Contains(t, p.body, "No slots have fired yet.")
	require.Contains(t, p.body, `action="/schedules/console_nightly/pause"`)
	require.NotContains(t, p.body, `/resume"`)

	// A slot that fires shows in the recent slots, with its execution.
	time.Sleep(1100 * time.Millisecond)
	fired, err := s.schedules.Fire(context.Background())
	require.NoError(t, err)
	require.Positive(t, fired)
	p = b.get("/schedules/console_every_second")
	require.NotContains(t, p.body, "No slots have fired yet.")
	id := regexp.MustCompile(`href="/executions/([0-9a-f-]{36})"`).FindStringSubmatch(p.body)
	require.NotNil(t, id, "a link to the execution started")
	require.Contains(t, b.get("/executions/"+id[1]).body, "console_sched_wf")
}

func TestSchedulePauseAndResume(t *testing.T) {
	t.Parallel()
	s := newSite(t, false)
	b := s.browser()
	b.signIn(adminKeyID, adminKeySecret)
	s.saveSchedule("console_pausable", "console_pause_wf", "0 0 * * * *", "UTC")
	p := b.get("/schedules/console_pausable")

	done := b.post("/schedules/console_pausable/pause", url.Values{"csrf": {p.csrf(t)}, "reason": {"<maintenance>"}})
	require.Equal(t, http.StatusSeeOther, done.status)
	require.Equal(t, "/schedules/console_pausable?done=pause", done.location)
	p = b.get(done.location)
	require.Contains(t, p.body, "PAUSED")
	require.Contains(t, p.body, "&lt;maintenance&gt;")
	require.Contains(t, p.body, "none while paused")
	require.Contains(t, p.body, `action="/schedules/console_pausable/resume"`)
	require.NotContains(t, p.body, `/pause"`)
	list := b.get("/schedules")
	require.Contains(t, list.body, "PAUSED")
	require.Contains(t, list.body, "&lt;maintenance&gt;")

	done = b.post("/schedules/console_pausable/resume", url.Values{"csrf": {p.csrf(t)}})
	require.Equal(t, http.StatusSeeOther, done.status)
	p = b.get(done.location)
	require.Contains(t, p.body, "ACTIVE")
	require.NotContains(t, p.body, "&lt;maintenance&gt;")

	// Without the CSRF token nothing happens.
	require.Equal(t, http.StatusForbidden, b.post("/schedules/console_pausable/pause", url.Values{}).status)
	require.Contains(t, b.get("/schedules/console_pausable").body, "ACTIVE")
}

func TestScheduleNotFound(t *testing.T) {
	t.Parallel()
	s := newSite(t, false)
	b := s.browser()
	b.signIn(adminKeyID, adminKeySecret)
	p := b.get("/schedules/console_missing")
	require.Equal(t, http.StatusNotFound, p.status)
	require.Contains(t, p.body, "console_missing")
	require.Equal(t, http.StatusNotFound, b.post("/schedules/console_missing/pause", url.Values{"csrf": {p.csrf(t)}}).status)
	s.saveSchedule("console_there", "console_there_wf", "0 0 * * * *", "")
	require.Equal(t, http.StatusNotFound, b.post("/schedules/console_there/explode", url.Values{"csrf": {p.csrf(t)}}).status)
}

func TestSchedulesReadOnlyAndForbidden(t *testing.T) {
	t.Parallel()
	s := newSite(t, false)
	s.saveSchedule("console_guarded", "console_guarded_wf", "0 0 * * * *", "")
	keyID, secret := s.newApplication("console-reader", "USER_READ_ONLY")
	b := s.browser()
	b.signIn(keyID, secret)
	p := b.get("/schedules/console_guarded")
	require.Equal(t, http.StatusOK, p.status)
	require.NotContains(t, p.body, `/pause"`, "no pause form without schedule:write")
	refused := b.post("/schedules/console_guarded/pause", url.Values{"csrf": {p.csrf(t)}})
	require.Equal(t, http.StatusForbidden, refused.status)
	require.Contains(t, b.get("/schedules/console_guarded").body, "ACTIVE")

	keyID, secret = s.newApplication("console-worker", "WORKER")
	b = s.browser()
	b.signIn(keyID, secret)
	require.Equal(t, http.StatusForbidden, b.get("/schedules").status)
	require.Equal(t, http.StatusForbidden, b.get("/schedules/console_guarded").status)
}
