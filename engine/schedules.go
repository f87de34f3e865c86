package engine

import (
	"context"
	"errors"

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
