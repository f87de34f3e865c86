package api

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/podiumhq/podium/internal/conductor"
	"github.com/podiumhq/podium/internal/schedule"
)

// scheduleService is what the scheduler routes need of internal/schedule's service: schedules
// and their tags, and firing on this instance.
type scheduleService interface {
	Save(ctx context.Context, sch *conductor.WorkflowSchedule, by string) (*conductor.WorkflowSchedule, error)
	Get(ctx context.Context, name string) (*conductor.WorkflowSchedule, error)
	List(ctx context.Context, workflowName string) ([]*conductor.WorkflowSchedule, error)
	ByTag(ctx context.Context, tag conductor.Tag) ([]*conductor.WorkflowSchedule, error)
	Delete(ctx context.Context, name string) error
	Pause(ctx context.Context, name, reason, by string) error
	Resume(ctx context.Context, name, by string) error
	Tags(ctx context.Context, name string) ([]conductor.Tag, error)
	PutTags(ctx context.Context, name string, tags []conductor.Tag) error
	DeleteTags(ctx context.Context, name string, tags []conductor.Tag) error
	PauseFiring(paused bool)
	Requeue(ctx context.Context) (*schedule.RequeueResult, error)
	Search(ctx context.Context, req schedule.Search) (*conductor.SearchResult[*conductor.WorkflowSchedule], error)
	SearchExecutions(ctx context.Context, req schedule.ExecutionSearch) (*conductor.SearchResult[*conductor.ScheduleExecution], error)
	Status(ctx context.Context, name string, limit int) (*conductor.ScheduleStatus, error)
}

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
		ms, err := queryMillis(r, name)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		if ms > 0 {
			*dst = time.UnixMilli(ms)
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

// saveSchedule answers POST /api/scheduler/schedules: create or replace by name, answering the
// stored schedule.
func (s *server) saveSchedule(w http.ResponseWriter, r *http.Request) {
	sch := new(conductor.WorkflowSchedule)
	if err := decodeJSON(r, sch); err != nil {
		s.writeError(w, r, err)
		return
	}
	saved, err := s.schedules.Save(r.Context(), sch, principal(r))
	s.writeValue(w, r, saved, err)
}

func (s *server) listSchedules(w http.ResponseWriter, r *http.Request) {
	list, err := s.schedules.List(r.Context(), r.URL.Query().Get("workflowName"))
	s.writeList(w, r, list, err)
}

func (s *server) getSchedule(w http.ResponseWriter, r *http.Request) {
	sch, err := s.schedules.Get(r.Context(), pathParam(r, "name"))
	s.writeValue(w, r, sch, err)
}

func (s *server) deleteSchedule(w http.ResponseWriter, r *http.Request) {
	s.writeEmpty(w, r, s.schedules.Delete(r.Context(), pathParam(r, "name")))
}

// pauseSchedule answers GET and PUT .../pause: SDKs send PUT, the Orkes UI and older SDKs GET.
func (s *server) pauseSchedule(w http.ResponseWriter, r *http.Request) {
	if s.refuseHead(w, r) {
		return
	}
	s.writeEmpty(w, r, s.schedules.Pause(r.Context(), pathParam(r, "name"), r.URL.Query().Get("reason"), principal(r)))
}

// resumeSchedule answers GET and PUT .../resume.
func (s *server) resumeSchedule(w http.ResponseWriter, r *http.Request) {
	if s.refuseHead(w, r) {
		return
	}
	s.writeEmpty(w, r, s.schedules.Resume(r.Context(), pathParam(r, "name"), principal(r)))
}

// refuseHead answers 405 to a HEAD request of a GET route that changes state (HEAD must not).
func (s *server) refuseHead(w http.ResponseWriter, r *http.Request) bool {
	if r.Method != http.MethodHead {
		return false
	}
	w.Header().Add("Allow", http.MethodGet)
	w.Header().Add("Allow", http.MethodPut)
	s.writeError(w, r, errMethodNotAllowed)
	return true
}

func (s *server) bulkPauseSchedules(w http.ResponseWriter, r *http.Request) {
	by := principal(r)
	s.bulk(func(*http.Request) (func(context.Context, string) error, error) {
		return func(ctx context.Context, name string) error { return s.schedules.Pause(ctx, name, "", by) }, nil
	})(w, r)
}

func (s *server) bulkResumeSchedules(w http.ResponseWriter, r *http.Request) {
	by := principal(r)
	s.bulk(func(*http.Request) (func(context.Context, string) error, error) {
		return func(ctx context.Context, name string) error { return s.schedules.Resume(ctx, name, by) }, nil
	})(w, r)
}

// searchSchedules answers GET /api/scheduler/schedules/search.
func (s *server) searchSchedules(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	p := schedule.Search{WorkflowName: q.Get("workflowName"), Name: q.Get("name"), FreeText: q.Get("freeText"),
		Sort: q.Get("sort")}
	if p.Name == "" {
		p.Name = q.Get("scheduleName")
	}
	var err error
	if p.Start, p.Size, err = page(r); err != nil {
		s.writeError(w, r, err)
		return
	}
	if raw := q.Get("paused"); raw != "" {
		paused, err := queryBool(r, "paused", false)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		p.Paused = &paused
	}
	res, err := s.schedules.Search(r.Context(), p)
	s.writeValue(w, r, res, err)
}

// page reads start (default 0) and size (default 100) of a search.
func page(r *http.Request) (start, size int, err error) {
	if start, err = queryInt(r, "start", 0); err != nil {
		return 0, 0, err
	}
	if size, err = queryInt(r, "size", 100); err != nil {
		return 0, 0, err
	}
	if start < 0 || size < 0 {
		return 0, 0, conductor.Invalidf("start and size must not be negative")
	}
	return start, min(size, maxSearchSize), nil
}

// maxSearchSize caps a search page.
const maxSearchSize = 1000

// searchScheduleExecutions answers GET /api/scheduler/search/executions.
func (s *server) searchScheduleExecutions(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	req := schedule.ExecutionSearch{Query: q.Get("query"), FreeText: q.Get("freeText"), Sort: q.Get("sort")}
	var err error
	if req.Start, req.Size, err = page(r); err != nil {
		s.writeError(w, r, err)
		return
	}
	res, err := s.schedules.SearchExecutions(r.Context(), req)
	s.writeValue(w, r, res, err)
}

// scheduleStatus answers Podium's GET /api/scheduler/schedules/{name}/status.
func (s *server) scheduleStatus(w http.ResponseWriter, r *http.Request) {
	limit, err := queryInt(r, "limit", 10)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if limit < 1 || limit > schedule.MaxStatusRuns {
		s.writeError(w, r, conductor.Invalidf("limit must be between 1 and %d", schedule.MaxStatusRuns))
		return
	}
	st, err := s.schedules.Status(r.Context(), pathParam(r, "name"), limit)
	s.writeValue(w, r, st, err)
}

// pauseScheduling and resumeScheduling stop and restart firing on this instance only.
func (s *server) pauseScheduling(w http.ResponseWriter, _ *http.Request) {
	s.schedules.PauseFiring(true)
	writeJSON(w, http.StatusOK, map[string]string{"status": "done"})
}

func (s *server) resumeScheduling(w http.ResponseWriter, _ *http.Request) {
	s.schedules.PauseFiring(false)
	writeJSON(w, http.StatusOK, map[string]string{"status": "done"})
}

// requeueScheduleExecutions starts every slot still POLLED.
func (s *server) requeueScheduleExecutions(w http.ResponseWriter, r *http.Request) {
	res, err := s.schedules.Requeue(r.Context())
	s.writeValue(w, r, res, err)
}

// schedulesByTag answers GET /api/scheduler/schedules/tags?tag=key:value.
func (s *server) schedulesByTag(w http.ResponseWriter, r *http.Request) {
	key, value, ok := strings.Cut(r.URL.Query().Get("tag"), ":")
	if !ok || key == "" {
		s.writeError(w, r, conductor.Invalidf("Query parameter tag must be key:value"))
		return
	}
	list, err := s.schedules.ByTag(r.Context(), conductor.Tag{Key: key, Value: value})
	s.writeList(w, r, list, err)
}

func (s *server) getScheduleTags(w http.ResponseWriter, r *http.Request) {
	tags, err := s.schedules.Tags(r.Context(), pathParam(r, "name"))
	s.writeList(w, r, tags, err)
}

func (s *server) putScheduleTags(w http.ResponseWriter, r *http.Request) {
	s.editTags(w, r, "name", unrestricted(s.schedules.PutTags))
}

func (s *server) deleteScheduleTags(w http.ResponseWriter, r *http.Request) {
	s.editTags(w, r, "name", unrestricted(s.schedules.DeleteTags))
}
