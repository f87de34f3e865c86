package console

import (
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/podiumhq/podium/internal/auth"
	"github.com/podiumhq/podium/internal/conductor"
	"github.com/podiumhq/podium/internal/search"
)

// executionPage is how many executions a page of the list shows.
const executionPage = 25

// workflowStatuses are the statuses the list filters by, in Conductor's order.
var workflowStatuses = []conductor.WorkflowStatus{conductor.WorkflowRunning, conductor.WorkflowCompleted,
	conductor.WorkflowFailed, conductor.WorkflowTimedOut, conductor.WorkflowTerminated, conductor.WorkflowPaused}

// statusCount is one row of the home page's table.
type statusCount struct {
	Status    conductor.WorkflowStatus
	Hour, Day int64
}

// home answers GET /: executions by status started in the last hour and day, and a chart of
// the executions started per hour (one query).
func (c *Console) home(w http.ResponseWriter, r *http.Request) {
	if !may(r, auth.WorkflowRead) {
		c.forbidden(w, r, "read executions")
		return
	}
	now := c.cfg.Now()
	a, err := c.cfg.Search.Activity(r.Context(), now)
	if err != nil {
		c.failWith(w, r, err)
		return
	}
	counts := make([]statusCount, 0, len(workflowStatuses))
	for _, st := range workflowStatuses {
		counts = append(counts, statusCount{Status: st, Hour: a.LastHour[st], Day: a.LastDay[st]})
	}
	c.render(w, r, http.StatusOK, "home", map[string]any{"Counts": counts, "Chart": hourlyChart(a.Hourly[:], now)})
}

// listFilter is the search form of the executions list.
type listFilter struct {
	WorkflowType, Status, CorrelationID, FreeText, From, To string
	// Start is the position of the page's first row; with Cursor (the search's nextCursor of
	// the page before) it only numbers the rows, and the page is the cursor's.
	Start  int
	Cursor string
}

// query turns the filter into the workflow-search grammar, refusing values it cannot quote.
func (f *listFilter) query() (string, error) {
	var clauses []string
	for _, c := range []struct{ field, value string }{{"workflowType", f.WorkflowType}, {"correlationId", f.CorrelationID}} {
		if c.value == "" {
			continue
		}
		if strings.ContainsAny(c.value, "'\"") {
			return "", conductor.Invalidf("%s cannot contain quotes", c.field)
		}
		clauses = append(clauses, fmt.Sprintf("%s='%s'", c.field, c.value))
	}
	if f.Status != "" {
		if !slices.Contains(workflowStatuses, conductor.WorkflowStatus(f.Status)) {
			return "", conductor.Invalidf("unknown status %q", f.Status)
		}
		clauses = append(clauses, "status="+f.Status)
	}
	for _, t := range []struct{ op, value string }{{">=", f.From}, {"<=", f.To}} {
		if t.value == "" {
			continue
		}
		at, err := time.Parse("2006-01-02T15:04", t.value)
		if err != nil {
			return "", conductor.Invalidf("times are YYYY-MM-DDTHH:MM (UTC), not %q", t.value)
		}
		clauses = append(clauses, fmt.Sprintf("startTime%s%d", t.op, at.UnixMilli()))
	}
	return strings.Join(clauses, " AND "), nil
}

// values is the filter as query parameters, for the paging links: the page from start, or,
// with cursor, the page after the one the cursor ends.
// The result is a template.URL: the template puts it after "?" as it is (encoded here), where
// a plain string would be escaped once more.
func (f *listFilter) values(start int, cursor string) template.URL {
	v := url.Values{}
	for k, s := range map[string]string{"workflowType": f.WorkflowType, "status": f.Status,
		"correlationId": f.CorrelationID, "q": f.FreeText, "from": f.From, "to": f.To} {
		if s != "" {
			v.Set(k, s)
		}
	}
	if start > 0 {
		v.Set("start", strconv.Itoa(start))
	}
	if cursor != "" {
		v.Set("cursor", cursor)
	}
	return template.URL(v.Encode()) //nolint:gosec // built by url.Values.Encode: every value is query-escaped
}

// executions answers GET /executions: a searchable list, newest first, paged.
func (c *Console) executions(w http.ResponseWriter, r *http.Request) {
	if !may(r, auth.WorkflowRead) {
		c.forbidden(w, r, "read executions")
		return
	}
	q := r.URL.Query()
	f := &listFilter{WorkflowType: strings.TrimSpace(q.Get("workflowType")), Status: q.Get("status"),
		CorrelationID: strings.TrimSpace(q.Get("correlationId")), FreeText: strings.TrimSpace(q.Get("q")),
		From: q.Get("from"), To: q.Get("to")}
	f.Start, _ = strconv.Atoi(q.Get("start"))
	f.Start = max(f.Start, 0)
	f.Cursor = q.Get("cursor")
	data := map[string]any{"Filter": f, "Statuses": workflowStatuses}
	query, err := f.query()
	if err != nil {
		data["Error"] = err.Error()
		c.render(w, r, http.StatusBadRequest, "executions", data)
		return
	}
	// Older pages follow the search's cursor: rows that start meanwhile shift nothing, and a
	// deep page costs an index seek. Newer pages, and a page linked by position, use start.
	req := search.Request{Start: f.Start, Size: executionPage, Sort: "startTime:DESC", FreeText: f.FreeText, Query: query}
	if f.Cursor != "" {
		req.Start, req.Cursor = 0, f.Cursor
	}
	res, err := c.cfg.Search.Workflows(r.Context(), req)
	if err != nil {
		if errors.Is(err, conductor.ErrInvalid) {
			data["Error"] = err.Error()
			c.render(w, r, http.StatusBadRequest, "executions", data)
			return
		}
		c.failWith(w, r, err)
		return
	}
	data["Results"], data["Total"] = res.Results, res.TotalHits
	data["AtLeast"] = res.TotalHits >= int64(max(search.CountBound, f.Start+executionPage)) // counting stopped there
	data["From"], data["To"] = f.Start+1, f.Start+len(res.Results)
	if f.Start > 0 {
		data["Prev"] = f.values(max(f.Start-executionPage, 0), "")
	}
	if res.NextCursor != "" && (data["AtLeast"] == true || int64(f.Start+len(res.Results)) < res.TotalHits) {
		data["Next"] = f.values(f.Start+executionPage, res.NextCursor)
	}
	c.render(w, r, http.StatusOK, "executions", data)
}

// action is an operator action an execution page offers.
type action struct {
	Name, Label string
	// Confirm is the question asked before a destructive action ("" for none).
	Confirm string
}

// actionsFor are the actions an execution of status allows, in display order.
func actionsFor(status conductor.WorkflowStatus) []action {
	switch status {
	case conductor.WorkflowRunning:
		return []action{{"pause", "Pause", ""}, {"terminate", "Terminate", "Terminate this execution?"}}
	case conductor.WorkflowPaused:
		return []action{{"resume", "Resume", ""}, {"terminate", "Terminate", "Terminate this execution?"}}
	case conductor.WorkflowCompleted:
		return []action{{"restart", "Restart", "Restart this execution from the beginning?"}, {"rerun", "Rerun", ""}}
	default:
		return []action{{"retry", "Retry", ""}, {"restart", "Restart", "Restart this execution from the beginning?"}, {"rerun", "Rerun", ""}}
	}
}

// execution answers GET /executions/{workflowId}.
func (c *Console) execution(w http.ResponseWriter, r *http.Request) {
	if !may(r, auth.WorkflowRead) {
		c.forbidden(w, r, "read executions")
		return
	}
	id := chi.URLParam(r, "workflowId")
	wf, err := c.cfg.Executions.Workflow(r.Context(), id, true)
	if err != nil {
		c.failWith(w, r, err)
		return
	}
	now := c.cfg.Now().UnixMilli()
	data := map[string]any{"Workflow": wf, "Now": now, "Done": r.URL.Query().Get("done"),
		"Running": !wf.Status.IsTerminal()}
	data["Diagram"], data["Timeline"] = c.executionDrawings(wf, now)
	if may(r, auth.WorkflowExecute) {
		data["Actions"] = actionsFor(wf.Status)
	}
	c.render(w, r, http.StatusOK, "execution", data)
}

// act answers POST /executions/{workflowId}/{action}: the action, then back to the page.
func (c *Console) act(w http.ResponseWriter, r *http.Request) {
	id, name := chi.URLParam(r, "workflowId"), chi.URLParam(r, "action")
	if !may(r, auth.WorkflowExecute) {
		c.forbidden(w, r, "act on executions")
		return
	}
	ctx := r.Context()
	var err error
	switch name {
	case "terminate":
		reason := strings.TrimSpace(r.PostFormValue("reason"))
		if reason == "" {
			reason = "Terminated from the console"
		}
		err = c.cfg.Executions.Terminate(ctx, id, reason)
	case "pause":
		err = c.cfg.Executions.Pause(ctx, id)
	case "resume":
		err = c.cfg.Executions.Resume(ctx, id)
	case "retry":
		err = c.cfg.Executions.Retry(ctx, id, r.PostFormValue("resumeSubworkflowTasks") == "true")
	case "restart":
		err = c.cfg.Executions.Restart(ctx, id, r.PostFormValue("useLatestDefinitions") == "true")
	case "rerun":
		err = c.cfg.Executions.Rerun(ctx, id, &conductor.RerunRequest{ReRunFromWorkflowID: id})
	default:
		c.notFound(w, r, "No such action: "+name)
		return
	}
	if err != nil {
		c.failWith(w, r, err)
		return
	}
	http.Redirect(w, r, "/executions/"+url.PathEscape(id)+"?done="+url.QueryEscape(name), http.StatusSeeOther)
}

// taskPage answers GET /executions/{workflowId}/tasks/{taskId}: one attempt with its input,
// output, reason and execution log, all masked as the API shows them.
func (c *Console) taskPage(w http.ResponseWriter, r *http.Request) {
	if !may(r, auth.WorkflowRead) {
		c.forbidden(w, r, "read executions")
		return
	}
	id, taskID := chi.URLParam(r, "workflowId"), chi.URLParam(r, "taskId")
	t, err := c.cfg.Executions.Task(r.Context(), taskID)
	if err == nil && t.WorkflowInstanceID != id {
		err = conductor.NotFoundf("Task %s is not a task of workflow %s", taskID, id)
	}
	if err != nil {
		c.failWith(w, r, err)
		return
	}
	logs, err := c.cfg.Executions.TaskLogs(r.Context(), taskID)
	if err != nil {
		c.failWith(w, r, err)
		return
	}
	c.render(w, r, http.StatusOK, "task", map[string]any{"Task": t, "Logs": logs, "Now": c.cfg.Now().UnixMilli()})
}
