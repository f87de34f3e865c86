package engine

import (
	"context"
	"errors"
	"strings"

	"github.com/podiumhq/podium/internal/conductor"
	"github.com/podiumhq/podium/internal/schedule"
	"github.com/podiumhq/podium/store"
)

// Schedules are owned by internal/schedule; the engine keeps the reads its schedule searches
// need.

func shownAll(recs []*store.ScheduleRecord) []*conductor.WorkflowSchedule {
	return schedule.ShownAll(recs)
}

// Schedule returns a schedule; 404 when unknown.
func (e *Engine) Schedule(ctx context.Context, name string) (*conductor.WorkflowSchedule, error) {
	rec, err := e.store.ScheduleGet(ctx, name)
	if errors.Is(err, conductor.ErrNotFound) {
		return nil, schedule.NotFound(name)
	}
	if err != nil {
		return nil, err
	}
	return schedule.Shown(rec), nil
}

// ScheduleSearchResult is one page of a schedule search.
type ScheduleSearchResult struct {
	TotalHits int                           `json:"totalHits"`
	Results   []*conductor.WorkflowSchedule `json:"results"`
}

// ScheduleSearch is a schedule search as the API receives it.
type ScheduleSearch struct {
	Name, WorkflowName string
	// FreeText matches names; "*" or "" matches all.
	FreeText string
	// Paused, when set, keeps only paused (true) or active (false) schedules.
	Paused *bool
	// Sort is field or field:ASC|DESC over name, workflowName, createTime, updatedTime.
	Sort        string
	Start, Size int
}

// scheduleSortFields maps the accepted sort names of a schedule search to its fields.
var scheduleSortFields = map[string]string{
	"name": "name", "workflowname": "workflowName", "createtime": "createTime",
	"updatedtime": "updatedTime", "updatetime": "updatedTime",
}

// SearchSchedules returns one page of the schedules matching s.
func (e *Engine) SearchSchedules(ctx context.Context, s ScheduleSearch) (*ScheduleSearchResult, error) {
	p := store.ScheduleSearchParams{Name: s.Name, WorkflowName: s.WorkflowName, FreeText: s.FreeText,
		Paused: s.Paused, Start: s.Start, Size: s.Size}
	if p.FreeText == "*" {
		p.FreeText = ""
	}
	field, dir, _ := strings.Cut(s.Sort, ":")
	p.Sort = store.SortField{Field: scheduleSortFields[strings.ToLower(field)], Desc: strings.EqualFold(dir, "DESC")}
	total, recs, err := e.store.ScheduleSearch(ctx, p)
	if err != nil {
		return nil, err
	}
	return &ScheduleSearchResult{TotalHits: total, Results: shownAll(recs)}, nil
}
