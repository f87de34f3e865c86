package store

import (
	"encoding/binary"
	"math/rand/v2"

	"github.com/google/uuid"

	"github.com/podiumhq/podium/internal/conductor"
)

// How seeded executions end, and how often (the weights add up to 1).
var seedStatuses = []struct {
	status conductor.WorkflowStatus
	weight float64
}{
	{conductor.WorkflowCompleted, 0.82},
	{conductor.WorkflowFailed, 0.07},
	{conductor.WorkflowTerminated, 0.04},
	{conductor.WorkflowTimedOut, 0.03},
	{conductor.WorkflowRunning, 0.025},
	{conductor.WorkflowPaused, 0.015},
}

// Odds and sizes of what happens inside a seeded execution.
const (
	seedCorrelated     = 0.85 // executions with a correlation id
	seedFlakyWorker    = 0.06 // successful worker steps whose first attempt failed
	seedTerminalError  = 0.30 // failing worker steps that fail for good at once
	seedMaxRetriedRuns = 10   // attempts past which a completed execution retries nothing more
	seedInternalWorker = "podium-internal@seed"
)

// seedExecution is one execution being made up: its documents so far and where its clock is.
type seedExecution struct {
	seedData
	id      uuid.UUID
	shape   *seedShape
	wf      conductor.Workflow
	created int64 // ms
	now     int64 // ms: no time of the execution is later
	clock   int64 // ms: when the next attempt is scheduled
	route   string
	input   map[string]any
	outputs map[string]map[string]any
	tasks   []*seedAttempt
}

// seedAttempt is a made-up task attempt: its document and the columns beside it.
type seedAttempt struct {
	id              uuid.UUID
	task            conductor.Task
	queue           string
	visibleAt       int64 // ms; 0 for none
	startedAt       int64 // ms a worker claimed it; 0 for none
	responseTimeout int64
}

// seedUUIDv7 returns a version 7 UUID whose 48-bit timestamp is ms, its other bits random.
func seedUUIDv7(ms int64, r *rand.Rand) uuid.UUID {
	var u uuid.UUID
	binary.BigEndian.PutUint64(u[:8], uint64(ms)<<16|r.Uint64()&0xffff)
	binary.BigEndian.PutUint64(u[8:], r.Uint64())
	u[6] = 0x70 | u[6]&0x0f // version 7
	u[8] = 0x80 | u[8]&0x3f // RFC 4122 variant
	return u
}

// pickStatus returns a status at random by seedStatuses' weights.
func (d seedData) pickStatus() conductor.WorkflowStatus {
	p := d.r.Float64()
	for _, s := range seedStatuses {
		if p < s.weight {
			return s.status
		}
		p -= s.weight
	}
	return conductor.WorkflowCompleted
}

// newSeedExecution makes up an execution of shape, named name at version, created at created
// (ms) and ended, if it ended, by now (ms), with the definition snapshot key snapshot.
func newSeedExecution(r *rand.Rand, shape *seedShape, name string, version int, created, now int64) *seedExecution {
	x := &seedExecution{seedData: seedData{r: r}, shape: shape, created: created, now: now, clock: created,
		outputs: map[string]map[string]any{}}
	status := x.pickStatus()
	x.route = x.pick(shape.routes)
	if status == conductor.WorkflowRunning || status == conductor.WorkflowPaused {
		x.route = seedReviewRoute
	}
	x.input = shape.input(x)
	x.input["route"] = x.route
	x.id = seedUUIDv7(created, r)
	x.wf = conductor.Workflow{
		WorkflowID: x.id.String(), WorkflowName: name, WorkflowVersion: version,
		Status: conductor.WorkflowRunning, CreateTime: created, Input: x.input, Output: map[string]any{},
		Variables: map[string]any{},
	}
	if x.chance(seedCorrelated) {
		x.wf.CorrelationID = x.token(name[:min(len(name), 12)]+"-", 10)
	}
	if x.chance(0.1) {
		x.wf.Priority = x.between(1, 9)
	}
	x.run(status, seedPath(shape.steps, x.route))
	return x
}

// seedPath flattens steps into the order an execution taking route runs them.
func seedPath(steps []*seedStep, route string) []*seedStep {
	var path []*seedStep
	for _, st := range steps {
		path = append(path, st)
		if st.task.Type == conductor.TaskTypeSwitch {
			branch, ok := st.cases[route]
			if !ok {
				branch = st.def
			}
			path = append(path, seedPath(branch, route)...)
		}
	}
	return path
}

// run makes up the attempts of path for an execution ending in status.
func (x *seedExecution) run(status conductor.WorkflowStatus, path []*seedStep) {
	failAt := -1 // the step the execution ends on, unless it completes
	switch status {
	case conductor.WorkflowRunning, conductor.WorkflowPaused:
		for i, st := range path {
			if st.task.Name == seedReviewTask {
				failAt = i
			}
		}
	case conductor.WorkflowFailed, conductor.WorkflowTerminated, conductor.WorkflowTimedOut:
		failAt = x.pickStep(path, func(st *seedStep) bool { return st.isWorker() || st.isAsync() })
	}
	for i, st := range path {
		if i == failAt {
			x.end(status, st)
			return
		}
		if st.isWorker() && len(x.tasks) < seedMaxRetriedRuns && x.chance(seedFlakyWorker) {
			x.attempt(st, conductor.TaskFailed, "Worker error: upstream answered 502 Bad Gateway")
		}
		x.attempt(st, conductor.TaskCompleted, "")
	}
	x.finish(conductor.WorkflowCompleted, "")
}

// pickStep returns the index of a random step of path that ok accepts; every path has one.
func (x *seedExecution) pickStep(path []*seedStep, ok func(*seedStep) bool) int {
	var candidates []int
	for i, st := range path {
		if ok(st) {
			candidates = append(candidates, i)
		}
	}
	return candidates[x.r.IntN(len(candidates))]
}

// end makes up the attempts of st an execution ending in status stops on, and its end.
func (x *seedExecution) end(status conductor.WorkflowStatus, st *seedStep) {
	switch status {
	case conductor.WorkflowRunning, conductor.WorkflowPaused:
		x.pending(st)
		x.wf.Status, x.wf.UpdateTime = status, x.last().task.UpdateTime
		if status == conductor.WorkflowPaused {
			x.wf.UpdateTime = x.at(x.clock + int64(x.between(1_000, 3_600_000)))
		}
	case conductor.WorkflowTerminated:
		a := x.pending(st)
		if x.chance(0.5) && st.isWorker() {
			a.claim(x, x.seedWorker(st))
		}
		x.clock += int64(x.between(1_000, 7_200_000))
		x.cancel(a)
		x.finish(status, x.pick([]string{"Terminated by operator: duplicate request",
			"Terminated by operator: customer canceled", "Superseded by a newer execution"}))
	case conductor.WorkflowTimedOut:
		reason := "responseTimeoutSeconds: 3600 exceeded"
		if st.isAsync() {
			reason = "Task lease of the internal worker expired"
		}
		a := x.retries(st, conductor.TaskTimedOut, reason)
		x.finish(status, "Task "+a.task.TaskID+" failed with status: TIMED_OUT and reason: '"+a.task.ReasonForIncompletion+"'")
	default:
		var a *seedAttempt
		if st.isWorker() && x.chance(seedTerminalError) {
			a = x.attempt(st, conductor.TaskFailedWithTerminalError, "Validation failed: "+x.text(x.between(20, 120)))
		} else {
			a = x.retries(st, conductor.TaskFailed, "Worker error: "+x.text(x.between(20, 200)))
		}
		x.finish(status, "Task "+a.task.TaskID+" failed with status: FAILED and reason: '"+a.task.ReasonForIncompletion+"'")
	}
}

// retries makes up the attempts of a step failing with status every time, up to its retry
// count (the task definition default for worker tasks, none for system tasks), and returns
// the last.
func (x *seedExecution) retries(st *seedStep, status conductor.TaskStatus, reason string) *seedAttempt {
	a := x.attempt(st, status, reason)
	if st.isWorker() {
		for range conductor.TaskDefRetryCountDefault {
			a = x.attempt(st, status, reason)
		}
	}
	return a
}

// at returns ms, or the end of the seeded window if ms is later.
func (x *seedExecution) at(ms int64) int64 { return min(ms, x.now) }

func (x *seedExecution) last() *seedAttempt { return x.tasks[len(x.tasks)-1] }
