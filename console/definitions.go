package console

import (
	"cmp"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/podiumhq/podium/console/diagram"
	"github.com/podiumhq/podium/internal/auth"
	"github.com/podiumhq/podium/internal/conductor"
)

// The definitions pages, and the queues page: the task types workers poll, with their waiting
// tasks and workers.

// workflowDefRow is one line of the definitions list: a name's latest version.
type workflowDefRow struct {
	Name       string
	Latest     int
	Versions   int
	UpdateTime int64
}

// definitions answers GET /definitions: the latest version of each workflow definition, with
// how many versions it has, and every task definition.
func (c *Console) definitions(w http.ResponseWriter, r *http.Request) {
	if !may(r, auth.MetadataRead) {
		c.forbidden(w, r, "read definitions")
		return
	}
	byName, err := c.cfg.Definitions.WorkflowNamesAndVersions(r.Context())
	if err != nil {
		c.failWith(w, r, err)
		return
	}
	rows := make([]workflowDefRow, 0, len(byName))
	for name, versions := range byName {
		latest := slices.MaxFunc(versions, func(a, b conductor.WorkflowDefSummary) int { return cmp.Compare(a.Version, b.Version) })
		rows = append(rows, workflowDefRow{Name: name, Latest: latest.Version, Versions: len(versions),
			UpdateTime: max(latest.UpdateTime, latest.CreateTime)})
	}
	slices.SortFunc(rows, func(a, b workflowDefRow) int { return cmp.Compare(a.Name, b.Name) })
	tasks, err := c.cfg.Definitions.TaskDefs(r.Context())
	if err != nil {
		c.failWith(w, r, err)
		return
	}
	slices.SortFunc(tasks, func(a, b *conductor.TaskDef) int { return cmp.Compare(a.Name, b.Name) })
	c.render(w, r, http.StatusOK, "definitions", map[string]any{"Workflows": rows, "Tasks": tasks})
}

// workflowDefPage is the data of a workflow definition's page.
type workflowDefPage struct {
	Def      *conductor.WorkflowDef
	Versions []conductor.WorkflowDefSummary
	// Diagram is the definition drawn as SVG (empty for one too large or deep to draw).
	Diagram template.HTML
}

// workflowDef answers GET /definitions/workflow/{name}?version=N (the latest without one): its
// versions, its JSON and its diagram.
func (c *Console) workflowDef(w http.ResponseWriter, r *http.Request) {
	if !may(r, auth.MetadataRead) {
		c.forbidden(w, r, "read definitions")
		return
	}
	name := param(r, "name")
	var version *int
	if v := r.URL.Query().Get("version"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			c.fail(w, r, http.StatusBadRequest, "The version must be a whole number, not "+strconv.Quote(v)+".")
			return
		}
		version = &n
	}
	versions, err := c.cfg.Definitions.WorkflowDefVersions(r.Context(), name)
	if err != nil {
		c.failWith(w, r, err)
		return
	}
	def, err := c.cfg.Definitions.WorkflowDef(r.Context(), name, version)
	if err != nil {
		c.failWith(w, r, err)
		return
	}
	slices.SortFunc(versions, func(a, b conductor.WorkflowDefSummary) int { return cmp.Compare(b.Version, a.Version) })
	page := &workflowDefPage{Def: def, Versions: versions}
	page.Diagram, err = diagram.Render(def, nil, diagram.Options{NoStyle: true,
		LinkFunc: func(_ string, t *conductor.WorkflowTask) string {
			if p := t.SubWorkflowParam; p != nil && p.Name != "" && !strings.Contains(p.Name, "${") {
				link := "/definitions/workflow/" + url.PathEscape(p.Name)
				if p.Version != nil {
					link += "?version=" + strconv.Itoa(*p.Version)
				}
				return link
			}
			return ""
		}})
	if err != nil {
		c.cfg.Logger.Info("console: the definition is not drawn", "workflow", def.Name, "error", err)
	}
	c.render(w, r, http.StatusOK, "workflowdef", page)
}

// taskDef answers GET /definitions/task/{name}: the task definition's JSON.
func (c *Console) taskDef(w http.ResponseWriter, r *http.Request) {
	if !may(r, auth.MetadataRead) {
		c.forbidden(w, r, "read definitions")
		return
	}
	def, err := c.cfg.Definitions.TaskDef(r.Context(), param(r, "name"))
	if err != nil {
		c.failWith(w, r, err)
		return
	}
	c.render(w, r, http.StatusOK, "taskdef", map[string]any{"Def": def})
}

// queueRow is one worker queue: a task type in a domain, its waiting tasks and the workers
// that last polled it.
type queueRow struct {
	TaskType, Domain string
	Pending          int
	Workers          []conductor.PollData
}

// queues answers GET /queues: every worker queue with tasks waiting or workers polling it.
func (c *Console) queues(w http.ResponseWriter, r *http.Request) {
	if !may(r, auth.WorkflowRead) {
		c.forbidden(w, r, "read task queues")
		return
	}
	sizes, err := c.cfg.Queues.QueueSizes(r.Context())
	if err != nil {
		c.failWith(w, r, err)
		return
	}
	polls, err := c.cfg.Queues.PollData(r.Context(), "")
	if err != nil {
		c.failWith(w, r, err)
		return
	}
	c.render(w, r, http.StatusOK, "queues", map[string]any{"Queues": queueRows(sizes, polls)})
}

// queueRows joins the queue sizes (keyed "domain:taskType", or the task type without a
// domain) with the polls (task type and domain apart), sorted by task type then domain, each
// queue's workers most recent first.
func queueRows(sizes map[string]int, polls []conductor.PollData) []*queueRow {
	type key struct{ taskType, domain string }
	byKey := map[key]*queueRow{}
	row := func(k key) *queueRow {
		q := byKey[k]
		if q == nil {
			q = &queueRow{TaskType: k.taskType, Domain: k.domain}
			byKey[k] = q
		}
		return q
	}
	for name, n := range sizes {
		k := key{taskType: name}
		if domain, taskType, ok := strings.Cut(name, ":"); ok {
			k = key{taskType: taskType, domain: domain}
		}
		row(k).Pending += n
	}
	for _, p := range polls {
		q := row(key{taskType: p.QueueName, domain: p.Domain})
		q.Workers = append(q.Workers, p)
	}
	rows := make([]*queueRow, 0, len(byKey))
	for _, q := range byKey {
		slices.SortFunc(q.Workers, func(a, b conductor.PollData) int {
			return cmp.Or(cmp.Compare(b.LastPollTime, a.LastPollTime), cmp.Compare(a.WorkerID, b.WorkerID))
		})
		rows = append(rows, q)
	}
	slices.SortFunc(rows, func(a, b *queueRow) int {
		return cmp.Or(cmp.Compare(a.TaskType, b.TaskType), cmp.Compare(a.Domain, b.Domain))
	})
	return rows
}
