package search

import (
	"context"

	"github.com/podiumhq/podium/internal/conductor"
	"github.com/podiumhq/podium/store"
)

// TaskShower completes stored tasks as the API shows them (package engine's Engine): a running
// DO_WHILE's output gathers the outputs of its completed iterations, as GET /api/tasks/{id}
// shows it. Stored task data is masked already; showing adds nothing unmasked.
type TaskShower interface {
	ShowTasks(ctx context.Context, tasks []*conductor.Task) ([]*conductor.Task, error)
}

// Tasks runs a task search and returns whole task attempts (GET /api/tasks/search-v2).
func (s *Service) Tasks(ctx context.Context, req Request) (*conductor.SearchResult[*conductor.Task], error) {
	p, err := TaskParams(req)
	if err != nil {
		return nil, err
	}
	tasks, total, err := s.store.TaskSearch(ctx, p)
	if err != nil {
		return nil, err
	}
	for _, t := range tasks {
		t.Normalize()
	}
	if tasks, err = s.tasks.ShowTasks(ctx, tasks); err != nil {
		return nil, err
	}
	return &conductor.SearchResult[*conductor.Task]{TotalHits: total, Results: conductor.NonNil(tasks)}, nil
}

// TaskSummaries runs a task search and returns its summary rows (GET /api/tasks/search).
func (s *Service) TaskSummaries(ctx context.Context, req Request) (*conductor.SearchResult[*conductor.TaskSummary], error) {
	res, err := s.Tasks(ctx, req)
	if err != nil {
		return nil, err
	}
	out := &conductor.SearchResult[*conductor.TaskSummary]{TotalHits: res.TotalHits,
		Results: make([]*conductor.TaskSummary, len(res.Results))}
	for i, t := range res.Results {
		out.Results[i] = conductor.SummarizeTask(t)
	}
	return out, nil
}

// WorkflowsByTasks returns the workflows (without their tasks) that have a task matching the
// request's query and free text, each once (GET /api/workflow/search-by-tasks-v2). The query
// and free text read task fields (Tasks); the sort orders the workflows by workflow fields.
// Unlike Conductor, which counts matching tasks, totalHits counts workflows.
func (s *Service) WorkflowsByTasks(ctx context.Context, req Request) (*conductor.SearchResult[*conductor.Workflow], error) {
	if _, _, err := page(req, Workflows.Noun); err != nil {
		return nil, err
	}
	p, err := TaskParams(Request{Start: req.Start, Size: req.Size, FreeText: req.FreeText, Query: req.Query})
	if err != nil {
		return nil, err
	}
	if p.Sort, err = ParseSort(req.Sort, Workflows); err != nil {
		return nil, err
	}
	wfs, total, err := s.store.WorkflowSearchByTasks(ctx, p)
	if err != nil {
		return nil, err
	}
	for _, wf := range wfs {
		wf.Normalize()
	}
	return &conductor.SearchResult[*conductor.Workflow]{TotalHits: total, Results: conductor.NonNil(wfs)}, nil
}

// WorkflowSummariesByTasks is WorkflowsByTasks answered as summary rows
// (GET /api/workflow/search-by-tasks).
func (s *Service) WorkflowSummariesByTasks(ctx context.Context, req Request) (*conductor.SearchResult[*conductor.WorkflowSummary], error) {
	res, err := s.WorkflowsByTasks(ctx, req)
	if err != nil {
		return nil, err
	}
	return summaries(res), nil
}

// TaskParams checks a task search request and returns the store's parameters: a page of at
// most MaxWorkflowPage (DefaultPage when 0), a sort and a query over the task fields (Tasks).
func TaskParams(req Request) (store.TaskSearchParams, error) {
	p := store.TaskSearchParams{FreeText: req.FreeText}
	var err error
	if p.Start, p.Size, err = page(req, Tasks.Noun); err != nil {
		return p, err
	}
	if p.Sort, err = ParseSort(req.Sort, Tasks); err != nil {
		return p, err
	}
	p.Query, err = Parse(req.Query, Tasks)
	return p, err
}
