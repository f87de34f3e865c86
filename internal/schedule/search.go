package schedule

import (
	"context"
	"strings"

	"github.com/podiumhq/podium/internal/conductor"
	"github.com/podiumhq/podium/internal/search"
	"github.com/podiumhq/podium/store"
)

// Search is a schedule search as the API receives it.
type Search struct {
	Name, WorkflowName string
	// FreeText matches names, workflow names and descriptions; "*" or "" matches all.
	FreeText string
	// Paused, when set, keeps only paused (true) or active (false) schedules.
	Paused *bool
	// Sort is field or field:ASC|DESC over name, workflowName, createTime, updatedTime.
	Sort        string
	Start, Size int
}

// Search returns one page of the schedules matching req.
func (s *Service) Search(ctx context.Context, req Search) (*conductor.SearchResult[*conductor.WorkflowSchedule], error) {
	p := store.ScheduleSearchParams{Name: req.Name, WorkflowName: req.WorkflowName, FreeText: req.FreeText,
		Paused: req.Paused, Start: req.Start, Size: req.Size}
	if p.FreeText == "*" {
		p.FreeText = ""
	}
	sort, err := search.ParseSort(req.Sort, search.Schedules)
	if err != nil {
		return nil, err
	}
	p.Sort = sort[0]
	total, recs, err := s.store.ScheduleSearch(ctx, p)
	if err != nil {
		return nil, err
	}
	return &conductor.SearchResult[*conductor.WorkflowSchedule]{TotalHits: int64(total), Results: ShownAll(recs)}, nil
}

// ExecutionSearch is a search of schedule execution records (§5.1 of the Orkes spec).
type ExecutionSearch struct {
	// Query is read by search.Parse against search.ScheduleExecutions: scheduleName IN (a,b),
	// state IN (EXECUTED,FAILED), scheduledTime>ms, workflowName=x, executionId=x, … joined by
	// AND; a clause it cannot read names a schedule.
	Query string
	// FreeText matches schedule name, workflow name or workflow id; "*" or "" matches all.
	FreeText string
	// Sort is field or field:ASC|DESC; unknown fields sort by scheduledTime. The default is
	// scheduledTime:DESC.
	Sort  string
	Start int
	Size  int
}

// SearchExecutions returns one page of the execution records matching req.
func (s *Service) SearchExecutions(ctx context.Context, req ExecutionSearch) (*conductor.SearchResult[*conductor.ScheduleExecution], error) {
	p := store.ScheduleExecutionSearchParams{Start: req.Start, Size: req.Size}
	var err error
	if p.Query, err = search.Parse(req.Query, search.ScheduleExecutions); err != nil {
		return nil, err
	}
	if p.Sort, err = search.ParseSort(req.Sort, search.ScheduleExecutions); err != nil {
		return nil, err
	}
	if ft := strings.TrimSpace(req.FreeText); ft != "*" {
		p.FreeText = ft
	}
	total, recs, err := s.store.ScheduleExecutionSearch(ctx, p)
	if err != nil {
		return nil, err
	}
	out := &conductor.SearchResult[*conductor.ScheduleExecution]{TotalHits: total,
		Results: make([]*conductor.ScheduleExecution, len(recs))}
	for i, rec := range recs {
		out.Results[i] = &rec.ScheduleExecution
	}
	return out, nil
}

// MaxStatusRuns caps the runs a schedule status lists.
const MaxStatusRuns = 100

// Status returns a schedule's state, next run time and its last runs (newest first), at most
// limit of them (1 to MaxStatusRuns).
func (s *Service) Status(ctx context.Context, name string, limit int) (*conductor.ScheduleStatus, error) {
	sch, err := s.Get(ctx, name)
	if err != nil {
		return nil, err
	}
	_, recs, err := s.store.ScheduleExecutionSearch(ctx, store.ScheduleExecutionSearchParams{
		Query: store.Query{{{Field: "scheduleName", Op: "=", Values: []string{name}}}},
		Sort:  []store.SortField{{Field: "scheduledTime", Desc: true}},
		Size:  min(max(limit, 1), MaxStatusRuns),
	})
	if err != nil {
		return nil, err
	}
	st := &conductor.ScheduleStatus{Name: sch.Name, Paused: sch.Paused, PausedReason: sch.PausedReason,
		NextRunTime: sch.NextRunTime, LastRuns: make([]*conductor.ScheduleExecution, len(recs))}
	for i, rec := range recs {
		st.LastRuns[i] = &rec.ScheduleExecution
	}
	return st, nil
}
