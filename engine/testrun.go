package engine

import (
	"context"
	"errors"
	"maps"
	"slices"
	"time"

	"github.com/podiumhq/podium/engine/decide"
	"github.com/podiumhq/podium/engine/systask"
	"github.com/podiumhq/podium/internal/conductor"
	"github.com/podiumhq/podium/store"
)

// Bounds of a test run (POST /api/workflow/test).
const (
	// testRunSteps caps the mocked results one test run applies, as Conductor caps its loop.
	testRunSteps = 20_000
	// testRunTimeout bounds the time a test run holds its transaction.
	testRunTimeout = 60 * time.Second
)

// errTestRunDone rolls a test run's transaction back once its result is read.
var errTestRunDone = errors.New("engine: test run done")

// TestWorkflow runs a workflow with mocked task results, as Conductor's POST /api/workflow/test
// does, and returns the execution as it stands at the end: completed, failed, or still running
// at the first task that waits for the outside world (a worker task, HTTP, WAIT, HUMAN, …)
// without a mock left.
//
// Nothing of it stays: the run happens in one transaction that is rolled back, so no task
// reaches a worker or an internal runner, no secret is written, no workflow or event it would
// start survives, and its id names nothing afterwards. The inline tasks (SWITCH, INLINE,
// JSON_JQ_TRANSFORM, forks, loops, …) run for real; sub-workflows run with the mocks of
// SubWorkflowTestRequest under their reference name.
func (e *Engine) TestWorkflow(ctx context.Context, req *conductor.WorkflowTestRequest) (*conductor.Workflow, error) {
	if err := validateStart(&req.StartWorkflowRequest); err != nil {
		return nil, err
	}
	if err := validateMocks(req); err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, testRunTimeout)
	defer cancel()
	var shown *conductor.Workflow
	err := e.store.InTx(ctx, func(q *store.Queries) error {
		start := req.StartWorkflowRequest
		x, existing, err := e.prepareStart(ctx, q, &start, e.now())
		if err != nil {
			return err
		}
		id := existing // RETURN_EXISTING names an execution that exists: show it as it is
		if id == "" {
			if err := x.save(ctx, q); err != nil {
				return err
			}
			id = x.Workflow.WorkflowID
			run := &testRun{e: e, q: q, steps: testRunSteps}
			if err := run.drive(ctx, id, req); err != nil {
				return err
			}
		}
		wf, err := q.WorkflowGet(ctx, id, true)
		if err != nil {
			return err
		}
		shown = showLoops(wf)
		return errTestRunDone
	})
	if !errors.Is(err, errTestRunDone) {
		return nil, err
	}
	return shown, nil
}

// validateMocks refuses mocked statuses a worker could not report, at every level.
func validateMocks(req *conductor.WorkflowTestRequest) error {
	var errs conductor.ValidationErrors
	var check func(prefix string, r *conductor.WorkflowTestRequest)
	check = func(prefix string, r *conductor.WorkflowTestRequest) {
		for _, ref := range slices.Sorted(maps.Keys(r.TaskRefToMockOutput)) {
			for _, m := range r.TaskRefToMockOutput[ref] {
				if m.Status != "" && !resultStatuses[m.Status] {
					errs.Add(prefix+"taskRefToMockOutput."+ref,
						"status must be one of IN_PROGRESS, COMPLETED, FAILED, FAILED_WITH_TERMINAL_ERROR, CANCELED", string(m.Status))
				}
			}
		}
		for _, ref := range slices.Sorted(maps.Keys(r.SubWorkflowTestRequest)) {
			if sub := r.SubWorkflowTestRequest[ref]; sub != nil {
				check(prefix+"subWorkflowTestRequest."+ref+".", sub)
			}
		}
	}
	check("", req)
	return errs.Err()
}

// testRun drives executions inside the test run's transaction, one decision after another.
type testRun struct {
	e     *Engine
	q     *store.Queries
	steps int // mocked results left to apply
}

// drive applies the mocks of req to the execution id until it ends or waits for something
// without a mock, deciding it after each round as a worker's result would.
func (r *testRun) drive(ctx context.Context, id string, req *conductor.WorkflowTestRequest) error {
	mocks := make(map[string][]conductor.TaskMock, len(req.TaskRefToMockOutput))
	for ref, list := range req.TaskRefToMockOutput {
		mocks[ref] = slices.Clone(list)
	}
	for r.steps > 0 {
		rec, tasks, err := r.q.WorkflowLock(ctx, id)
		if err != nil {
			return err
		}
		x, err := r.e.open(ctx, r.q, rec, tasks)
		if err != nil {
			return err
		}
		if x.Workflow.Status.IsTerminal() || x.Workflow.Status == conductor.WorkflowPaused {
			return nil
		}
		progressed, err := r.round(ctx, x, req, mocks)
		if err != nil {
			return err
		}
		s, err := x.conclude(ctx)
		if err != nil {
			return err
		}
		if err := r.q.SaveExecution(ctx, s); err != nil {
			return err
		}
		if !progressed {
			return nil
		}
	}
	return nil
}

// round applies one mock to every attempt waiting for one and runs the children of running
// SUB_WORKFLOW tasks; it reports whether anything moved.
func (r *testRun) round(ctx context.Context, x *execution, req *conductor.WorkflowTestRequest, mocks map[string][]conductor.TaskMock) (bool, error) {
	progressed := false
	for _, a := range slices.Clone(x.Tasks) {
		t := a.Task
		if t.Status.IsTerminal() || t.Retried || r.steps <= 0 {
			continue
		}
		mock, mocked := nextMock(mocks, t.ReferenceTaskName)
		switch {
		case t.TaskType == conductor.TaskTypeSubWorkflow && !mocked:
			if t.SubWorkflowID == "" {
				continue
			}
			sub := req.SubWorkflowTestRequest[t.ReferenceTaskName]
			if sub == nil {
				sub = &conductor.WorkflowTestRequest{}
			}
			before, err := r.q.WorkflowStatusGet(ctx, t.SubWorkflowID)
			if err != nil {
				return false, err
			}
			if err := r.drive(ctx, t.SubWorkflowID, sub); err != nil {
				return false, err
			}
			after, err := r.q.WorkflowStatusGet(ctx, t.SubWorkflowID)
			if err != nil {
				return false, err
			}
			progressed = progressed || (after.IsTerminal() && !before.IsTerminal())
		case !r.waitsOutside(t) && t.TaskType != conductor.TaskTypeSubWorkflow:
			// The engine moves it on its own (a JOIN, a loop): mocks of it are ignored.
		case mocked:
			r.steps--
			r.apply(x, a, mock)
			progressed = true
		}
	}
	return progressed, nil
}

// waitsOutside reports whether an unfinished attempt waits for something outside the engine:
// a worker, an internal runner (HTTP, …), a timer or a person (WAIT, HUMAN), an asynchronous
// completion (EVENT).
func (r *testRun) waitsOutside(t *conductor.Task) bool {
	switch t.TaskType {
	case conductor.TaskTypeWait, conductor.TaskTypeHuman, conductor.TaskTypeEvent:
		return true
	}
	return r.e.systasks.RunnerOf(t.TaskType) != systask.ByDecider
}

// apply records a mocked result on attempt a, back-dating its times as the mock says.
func (r *testRun) apply(x *execution, a *decide.Attempt, m conductor.TaskMock) {
	status := m.Status
	if status == "" {
		status = conductor.TaskCompleted
	}
	output := m.Output
	if output == nil {
		output = map[string]any{}
	}
	now := x.Now.UnixMilli()
	if m.ExecutionTime > 0 || m.QueueWaitTime > 0 {
		a.Task.StartTime = now - m.ExecutionTime
		a.Task.ScheduledTime = now - m.ExecutionTime - m.QueueWaitTime
	} else if a.Task.StartTime == 0 {
		a.Task.StartTime = now
	}
	x.ApplyResult(a, &conductor.TaskResult{
		WorkflowInstanceID: x.Workflow.WorkflowID, TaskID: a.Task.TaskID, Status: status, OutputData: output,
	})
}

// nextMock takes the next mock of ref: its own list first, then (for a loop iteration's copy
// ref__N) the list of the task in the definition.
func nextMock(mocks map[string][]conductor.TaskMock, ref string) (conductor.TaskMock, bool) {
	for _, key := range []string{ref, baseRef(ref)} {
		if list := mocks[key]; len(list) > 0 {
			mocks[key] = list[1:]
			return list[0], true
		}
	}
	return conductor.TaskMock{}, false
}

// baseRef is the reference name in the definition of an attempt's (possibly loop-suffixed) one.
func baseRef(ref string) string {
	base, _, _ := decide.CutLoopSuffix(ref)
	return base
}
