package console

import (
	"cmp"
	"net/http"
	"slices"
	"strings"

	"github.com/podiumhq/podium/internal/auth"
	"github.com/podiumhq/podium/internal/conductor"
)

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
