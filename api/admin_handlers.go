package api

import (
	"net/http"
	"strconv"

	"github.com/podiumhq/podium/engine"
)

// adminConfig answers GET /api/admin/config: the server's configuration as Config.AdminConfig
// holds it, secrets already redacted by main.
func (s *server) adminConfig(w http.ResponseWriter, _ *http.Request) {
	cfg := s.adminConfigDump
	if cfg == nil {
		cfg = map[string]any{}
	}
	writeJSON(w, http.StatusOK, cfg)
}

// adminPendingTasks answers GET /api/admin/task/{tasktype}?start=0&count=100: a page of the
// unfinished tasks of the type.
func (s *server) adminPendingTasks(w http.ResponseWriter, r *http.Request) {
	start, err := queryInt(r, "start", 0)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	count, err := queryInt(r, "count", 100)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	tasks, err := s.engine.PendingTasks(r.Context(), pathParam(r, "tasktype"), start, count)
	s.writeList(w, r, tasks, err)
}

// adminRequeueSweep answers POST /api/admin/sweep/requeue/{workflowId}: the workflow is decided
// at once (what Conductor's sweeper would do with it), and the answer is Conductor's text,
// "true." followed by the id.
func (s *server) adminRequeueSweep(w http.ResponseWriter, r *http.Request) {
	id := pathParam(r, "workflowId")
	if err := s.engine.Decide(r.Context(), id); err != nil {
		s.writeError(w, r, err)
		return
	}
	writeText(w, "true."+id)
}

// adminVerifyAndRepair answers POST /api/admin/consistency/verifyAndRepair/{workflowId} with
// text "true" (a live, unfinished workflow was decided) or "false" (nothing to repair).
func (s *server) adminVerifyAndRepair(w http.ResponseWriter, r *http.Request) {
	repaired, err := s.engine.VerifyAndRepair(r.Context(), pathParam(r, "workflowId"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeText(w, strconv.FormatBool(repaired))
}

// adminQueues answers GET /api/admin/queues?verbose=false: worker queue sizes, or with verbose
// the shape of /api/tasks/queue/all/verbose. Conductor answers its event queues here; Podium has
// none, so it answers its task queues.
func (s *server) adminQueues(w http.ResponseWriter, r *http.Request) {
	verbose, err := queryBool(r, "verbose", false)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if verbose {
		s.queuesVerbose(w, r)
		return
	}
	s.queueSizes(w, r)
}

// queueShard is the only shard of a Podium queue: the task table.
const queueShard = "a"

// queueShardCounts is one shard's entry in /api/tasks/queue/all/verbose.
type queueShardCounts struct {
	Size    int `json:"size"`
	Unacked int `json:"uacked"` //nolint:tagliatelle // Conductor's spelling
}

// queuesVerbose answers GET /api/tasks/queue/all/verbose: {queue: {shard: {size, uacked}}}, with
// uacked the tasks claimed by a worker and not finished yet.
func (s *server) queuesVerbose(w http.ResponseWriter, r *http.Request) {
	counts, err := s.engine.QueueCounts(r.Context())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, verboseQueues(counts))
}

func verboseQueues(counts map[string]engine.QueueCounts) map[string]map[string]queueShardCounts {
	out := make(map[string]map[string]queueShardCounts, len(counts))
	for name, c := range counts {
		out[name] = map[string]queueShardCounts{queueShard: {Size: c.Size, Unacked: c.Unacked}}
	}
	return out
}

// requeuePendingTasks answers POST /api/tasks/queue/requeue/{taskType} with the count as text
// (see engine.Engine.RequeuePendingTasks for what requeueing means over a table queue).
func (s *server) requeuePendingTasks(w http.ResponseWriter, r *http.Request) {
	n, err := s.engine.RequeuePendingTasks(r.Context(), pathParam(r, "taskType"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeText(w, strconv.Itoa(n))
}
