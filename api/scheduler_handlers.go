package api

import (
	"errors"
	"net/http"
	"time"

	"github.com/podiumhq/podium/internal/conductor"
	"github.com/podiumhq/podium/internal/schedule"
)

// nextFewSchedules answers GET /api/scheduler/nextFewSchedules: the next times (epoch ms, at
// most 5, default 3) a cron expression fires after now, within the optional
// scheduleStartTime/scheduleEndTime window, in UTC as Orkes computes them.
func (s *server) nextFewSchedules(w http.ResponseWriter, r *http.Request) {
	expr := r.URL.Query().Get("cronExpression")
	if expr == "" {
		s.writeError(w, r, conductor.Invalidf("Missing required query parameter: cronExpression"))
		return
	}
	cron, err := schedule.Parse(expr)
	if errors.Is(err, schedule.ErrCron) {
		s.writeError(w, r, conductor.Invalidf("%s", err.Error()))
		return
	}
	limit, err := queryInt(r, "limit", 3)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var start, end time.Time
	for name, dst := range map[string]*time.Time{"scheduleStartTime": &start, "scheduleEndTime": &end} {
		ms, err := queryInt(r, name, 0)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		if ms > 0 {
			*dst = time.UnixMilli(int64(ms))
		}
	}
	if !start.IsZero() && !end.IsZero() && end.Before(start) {
		s.writeError(w, r, conductor.Invalidf("scheduleEndTime must not be before scheduleStartTime"))
		return
	}
	times := cron.Preview(time.Now(), start, end, time.UTC, limit)
	out := make([]int64, len(times))
	for i, t := range times {
		out[i] = t.UnixMilli()
	}
	writeJSON(w, http.StatusOK, out)
}
