package search

import (
	"context"

	"github.com/podiumhq/podium/internal/conductor"
	"github.com/podiumhq/podium/store"
)

// MaxWorkflowPage is the largest page a workflow search returns, as in Conductor.
const MaxWorkflowPage = 5000

// DefaultPage is the size of a page when a request names none.
const DefaultPage = 100

// Request is a search as the API receives it.
type Request struct {
	Start int
	Size  int
	// Sort is "field[:ASC|DESC]" items separated by | or ",".
	Sort string
	// FreeText matches ids and names as each search says; "" or "*" matches all.
	FreeText string
	// Query is Conductor's SQL-like filter (see Parse).
	Query string
	// Cursor, when set, is the nextCursor of the page before (keyset paging of the
	// newest-first order; Start must be 0 and Sort empty or startTime:DESC).
	Cursor string
}

// Service runs workflow and task searches over the store.
type Service struct {
	store *store.Store
	tasks TaskShower
}

// New returns the search service over st; tasks shows the tasks a task search finds.
func New(st *store.Store, tasks TaskShower) *Service { return &Service{store: st, tasks: tasks} }

// Workflows runs a workflow search and returns whole workflows, without their tasks
// (GET /api/workflow/search-v2).
func (s *Service) Workflows(ctx context.Context, req Request) (*conductor.SearchResult[*conductor.Workflow], error) {
	p, err := WorkflowParams(req)
	if err != nil {
		return nil, err
	}
	wfs, total, next, err := s.store.WorkflowSearch(ctx, p)
	if err != nil {
		return nil, err
	}
	for _, wf := range wfs {
		wf.Normalize()
	}
	return &conductor.SearchResult[*conductor.Workflow]{TotalHits: total, Results: conductor.NonNil(wfs),
		NextCursor: EncodeCursor(next)}, nil
}

// WorkflowSummaries runs a workflow search and returns its summary rows
// (GET /api/workflow/search).
func (s *Service) WorkflowSummaries(ctx context.Context, req Request) (*conductor.SearchResult[*conductor.WorkflowSummary], error) {
	res, err := s.Workflows(ctx, req)
	if err != nil {
		return nil, err
	}
	return summaries(res), nil
}

// summaries returns the summary rows of a page of workflows.
func summaries(res *conductor.SearchResult[*conductor.Workflow]) *conductor.SearchResult[*conductor.WorkflowSummary] {
	out := &conductor.SearchResult[*conductor.WorkflowSummary]{TotalHits: res.TotalHits,
		Results: make([]*conductor.WorkflowSummary, len(res.Results)), NextCursor: res.NextCursor}
	for i, wf := range res.Results {
		out.Results[i] = conductor.Summarize(wf)
	}
	return out
}

// WorkflowParams checks a workflow search request and returns the store's parameters: a page
// of at most MaxWorkflowPage (DefaultPage when 0), a known sort, a query Parse accepts.
func WorkflowParams(req Request) (store.WorkflowSearchParams, error) {
	p := store.WorkflowSearchParams{FreeText: req.FreeText}
	var err error
	if p.Start, p.Size, err = page(req, Workflows.Noun); err != nil {
		return p, err
	}
	if p.Sort, err = ParseSort(req.Sort, Workflows); err != nil {
		return p, err
	}
	if p.Query, err = Parse(req.Query, Workflows); err != nil {
		return p, err
	}
	if req.Cursor != "" {
		if p.Start != 0 || !store.NewestFirst(p.Sort) {
			return p, conductor.Invalidf("cursor pages the newest-first order only: give it without start and sort (or with sort=startTime:DESC)")
		}
		if p.After, err = DecodeCursor(req.Cursor); err != nil {
			return p, err
		}
	}
	return p, nil
}

// page checks a request's page: start and size not negative, size at most MaxWorkflowPage
// (DefaultPage when 0). noun names the records in the message.
func page(req Request, noun string) (start, size int, err error) {
	size = req.Size
	if size == 0 {
		size = DefaultPage
	}
	if size > MaxWorkflowPage {
		return 0, 0, conductor.Invalidf("Cannot return more than %d %s. Please use pagination.", MaxWorkflowPage, noun)
	}
	if req.Start < 0 || size < 0 {
		return 0, 0, conductor.Invalidf("start and size must be >= 0")
	}
	return req.Start, size, nil
}

// CountBound is how far a search counts its matches: a totalHits of at least
// max(CountBound, start+size) means "that many or more".
const CountBound = store.CountBound
