package engine

import (
	"context"
	"regexp"
	"strconv"
	"strings"

	"github.com/podiumhq/podium/internal/conductor"
	"github.com/podiumhq/podium/store"
)

// ScheduleExecutionSearch is a search of schedule execution records (§5.1 of the Orkes spec).
type ScheduleExecutionSearch struct {
	// Query holds clauses joined by AND: scheduleName IN (a,b), state IN (EXECUTED,FAILED),
	// scheduledTime>ms, scheduledTime<ms, workflowName=x, executionId=x, workflowId=x; any
	// other clause names a schedule.
	Query string
	// FreeText matches schedule name, workflow name or workflow id; "*" or "" matches all.
	FreeText string
	// Sort is field or field:ASC|DESC; unknown fields sort by scheduledTime. The default is
	// scheduledTime:DESC.
	Sort  string
	Start int
	Size  int
}

// ScheduleExecutionResult is one page of execution records.
type ScheduleExecutionResult struct {
	TotalHits int                            `json:"totalHits"`
	Results   []*conductor.ScheduleExecution `json:"results"`
}

var (
	clauseSplitRE = regexp.MustCompile(`(?i)\s+AND\s+`)
	inClauseRE    = regexp.MustCompile(`(?i)^(\w+)\s+IN\s*\((.*)\)$`)
	cmpClauseRE   = regexp.MustCompile(`^(\w+)\s*(=|>|<)\s*(.*)$`)
)

// executionSortFields maps accepted sort names to the stored fields.
var executionSortFields = map[string]string{
	"scheduledtime": "scheduledTime", "executiontime": "executionTime", "starttime": "executionTime",
	"executionid": "executionId", "schedulename": "scheduleName", "workflowname": "workflowName",
	"workflowtype": "workflowName", "state": "state", "status": "state",
}

// SearchScheduleExecutions returns one page of the execution records matching s.
func (e *Engine) SearchScheduleExecutions(ctx context.Context, s ScheduleExecutionSearch) (*ScheduleExecutionResult, error) {
	p, err := parseExecutionQuery(s.Query)
	if err != nil {
		return nil, err
	}
	if ft := strings.TrimSpace(s.FreeText); ft != "*" {
		p.FreeText = ft
	}
	p.Sort = store.SortField{Field: "scheduledTime", Desc: true}
	if s.Sort != "" {
		field, dir, _ := strings.Cut(s.Sort, ":")
		p.Sort = store.SortField{Field: executionSortFields[strings.ToLower(strings.TrimSpace(field))],
			Desc: strings.EqualFold(strings.TrimSpace(dir), "DESC")}
	}
	p.Start, p.Size = s.Start, s.Size
	total, recs, err := e.store.ScheduleExecutionSearch(ctx, p)
	if err != nil {
		return nil, err
	}
	out := &ScheduleExecutionResult{TotalHits: total, Results: make([]*conductor.ScheduleExecution, len(recs))}
	for i, rec := range recs {
		out.Results[i] = &rec.ScheduleExecution
	}
	return out, nil
}

// parseExecutionQuery reads the clauses of an execution search query.
func parseExecutionQuery(query string) (store.ScheduleExecutionSearchParams, error) {
	var p store.ScheduleExecutionSearchParams
	query = strings.TrimSpace(query)
	if query == "" || query == "*" {
		return p, nil
	}
	for _, clause := range clauseSplitRE.Split(query, -1) {
		clause = strings.TrimSpace(clause)
		if m := inClauseRE.FindStringSubmatch(clause); m != nil {
			values := splitValues(m[2])
			switch strings.ToLower(m[1]) {
			case "schedulename":
				p.ScheduleNames = append(p.ScheduleNames, values...)
				continue
			case "state", "status":
				for _, v := range values {
					p.States = append(p.States, strings.ToUpper(v))
				}
				continue
			}
		}
		if m := cmpClauseRE.FindStringSubmatch(clause); m != nil {
			field, op, value := strings.ToLower(m[1]), m[2], unquote(strings.TrimSpace(m[3]))
			switch {
			case field == "scheduledtime" && op != "=":
				ms, err := strconv.ParseInt(value, 10, 64)
				if err != nil {
					return p, conductor.Invalidf("Invalid query clause %q: scheduledTime takes epoch milliseconds", clause)
				}
				if op == ">" {
					p.ScheduledAfter = ms
				} else {
					p.ScheduledBefore = ms
				}
				continue
			case op != "=":
			case field == "workflowname" || field == "workflowtype":
				p.WorkflowName = value
				continue
			case field == "executionid":
				p.ExecutionID = value
				continue
			case field == "workflowid":
				p.WorkflowID = value
				continue
			case field == "schedulename":
				p.ScheduleNames = append(p.ScheduleNames, value)
				continue
			case field == "state" || field == "status":
				p.States = append(p.States, strings.ToUpper(value))
				continue
			}
		}
		p.ScheduleNames = append(p.ScheduleNames, unquote(clause))
	}
	return p, nil
}

func splitValues(list string) []string {
	var out []string
	for v := range strings.SplitSeq(list, ",") {
		if v = unquote(strings.TrimSpace(v)); v != "" {
			out = append(out, v)
		}
	}
	return out
}

func unquote(s string) string {
	if len(s) >= 2 && (s[0] == '\'' || s[0] == '"') && s[len(s)-1] == s[0] {
		return s[1 : len(s)-1]
	}
	return s
}

// ScheduleStatus is Podium's per-schedule view: its state, next run and last runs.
type ScheduleStatus struct {
	Name         string                         `json:"name"`
	Paused       bool                           `json:"paused"`
	PausedReason string                         `json:"pausedReason,omitempty"`
	NextRunTime  int64                          `json:"nextRunTime,omitempty"`
	LastRuns     []*conductor.ScheduleExecution `json:"lastRuns"`
}

// MaxScheduleStatusRuns caps the runs a schedule status lists.
const MaxScheduleStatusRuns = 100

// ScheduleStatusOf returns a schedule's state, next run time and its last runs (newest first).
func (e *Engine) ScheduleStatusOf(ctx context.Context, name string, limit int) (*ScheduleStatus, error) {
	sch, err := e.Schedule(ctx, name)
	if err != nil {
		return nil, err
	}
	runs, err := e.SearchScheduleExecutions(ctx, ScheduleExecutionSearch{
		Query: "scheduleName IN (" + name + ")", Sort: "scheduledTime:DESC", Size: min(max(limit, 1), MaxScheduleStatusRuns),
	})
	if err != nil {
		return nil, err
	}
	return &ScheduleStatus{Name: sch.Name, Paused: sch.Paused, PausedReason: sch.PausedReason,
		NextRunTime: sch.NextRunTime, LastRuns: runs.Results}, nil
}
