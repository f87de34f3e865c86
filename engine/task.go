package engine

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/podiumhq/podium/engine/decide"
	"github.com/podiumhq/podium/internal/auth"
	"github.com/podiumhq/podium/internal/conductor"
	"github.com/podiumhq/podium/internal/expr"
	"github.com/podiumhq/podium/internal/notify"
	"github.com/podiumhq/podium/store"
)

// MaxLongPoll bounds how long a poll may wait for work (Conductor's limit).
const MaxLongPoll = 5 * time.Second

// PollRequest asks for up to Count tasks of TaskType.
type PollRequest struct {
	TaskType string
	WorkerID string
	Domain   string
	Count    int
	// Timeout is how long to wait for work when none is visible; 0 returns at once.
	Timeout time.Duration
}

// Poll claims up to req.Count tasks, waiting up to req.Timeout for work to appear. Waiting is
// woken by notifications of new work, with a periodic re-check as a fallback.
func (e *Engine) Poll(ctx context.Context, req PollRequest) ([]*conductor.Task, error) {
	if req.Count <= 0 {
		req.Count = 1
	}
	if err := conductor.CheckNames("taskType", req.TaskType, "workerid", req.WorkerID, "domain", req.Domain); err != nil {
		return nil, err
	}
	queue := decide.QueueName(req.Domain, req.TaskType)
	deadline := time.Now().Add(min(req.Timeout, MaxLongPoll))
	if req.WorkerID != "" && e.pollSeen.due(req.TaskType, req.WorkerID, req.Domain) {
		if err := e.store.PollDataRecord(ctx, req.TaskType, req.WorkerID, req.Domain, e.now()); err != nil {
			return nil, err
		}
	}
	var tasks []*conductor.Task
	var err error
	// A poll whose context ends while it waits answers no tasks, like one that times out.
	_ = e.waitNotified(ctx, notify.Queue(queue), deadline, e.pollRecheck, func() bool {
		tasks, err = e.claim(ctx, queue, req)
		return err != nil || len(tasks) > 0
	})
	if err != nil || len(tasks) > 0 {
		return tasks, err
	}
	return nil, nil
}

// waitNotified calls check until it reports true or the deadline passes. Between calls it
// waits for topic to be published, for at most recheck and not past the deadline; check runs
// subscribed to topic, so a publication during a check is not missed. It returns ctx's error
// when ctx ends during a wait, else nil.
func (e *Engine) waitNotified(ctx context.Context, topic notify.Topic, deadline time.Time, recheck time.Duration, check func() bool) error {
	for {
		wake, unsubscribe := e.notes.Subscribe(topic)
		if check() {
			unsubscribe()
			return nil
		}
		remaining := time.Until(deadline)
		if remaining <= 0 {
			unsubscribe()
			return nil
		}
		timer := time.NewTimer(min(remaining, recheck))
		select {
		case <-ctx.Done():
		case <-wake:
		case <-timer.C:
		}
		timer.Stop()
		unsubscribe()
		if ctx.Err() != nil {
			return ctx.Err()
		}
	}
}

// claim hands out tasks of queue, honouring the task definition's concurrency and rate limits.
func (e *Engine) claim(ctx context.Context, queue string, req PollRequest) ([]*conductor.Task, error) {
	lim := store.TaskLimits{}
	if !strings.HasPrefix(req.TaskType, decide.SystemQueuePrefix) {
		var err error
		if lim, err = e.metadata.TaskLimits(ctx, req.TaskType); err != nil {
			return nil, err
		}
	}
	var recs []*store.TaskRecord
	var err error
	if lim.ConcurrentExecLimit > 0 || lim.RateLimitPerFrequency > 0 {
		recs, err = e.store.TaskClaimLimited(ctx, queue, req.TaskType, req.Count, req.WorkerID, e.now(), lim)
	} else {
		recs, err = e.store.TaskClaim(ctx, queue, req.Count, req.WorkerID, e.now())
	}
	if err != nil {
		return nil, err
	}
	return e.handOff(recs)
}

// handOff prepares claimed tasks for their executor: a task whose stored input is masked gets
// its real input (resolved secrets) back. Only the executor sees it; nothing is stored.
func (e *Engine) handOff(recs []*store.TaskRecord) ([]*conductor.Task, error) {
	tasks := make([]*conductor.Task, len(recs))
	for i, rec := range recs {
		if rec.SealedInput != nil {
			input, err := e.openDoc(taskInputSeal(rec.Task.TaskID), rec.SealedInput)
			if err != nil {
				return nil, fmt.Errorf("error opening the input of task %s: %w", rec.Task.TaskID, err)
			}
			rec.Task.InputData = input
		}
		tasks[i] = rec.Task
	}
	return tasks, nil
}

// UpdateTask applies a worker's result and decides the workflow. Results for finished tasks or
// ended workflows are accepted and ignored, as in Conductor.
func (e *Engine) UpdateTask(ctx context.Context, res *conductor.TaskResult) error {
	if err := validateTaskResult(res); err != nil {
		return err
	}
	if !validID(res.WorkflowInstanceID) || !validID(res.TaskID) {
		return taskNotFound(res.TaskID)
	}
	return e.applyTaskResult(ctx, res)
}

// applyTaskResultNow applies one worker result in its own transaction.
func (e *Engine) applyTaskResultNow(ctx context.Context, res *conductor.TaskResult) error {
	err := e.mutate(ctx, res.WorkflowInstanceID, func(x *execution) error {
		rec := x.Task(res.TaskID)
		if rec == nil {
			return taskNotFound(res.TaskID)
		}
		x.ApplyResult(rec, res)
		return nil
	}, res.TaskID)
	if errors.Is(err, conductor.ErrNotFound) {
		return taskNotFound(res.TaskID)
	}
	return err
}

// resultStatuses are the statuses a worker may report (Conductor's TaskResult.Status).
var resultStatuses = map[conductor.TaskStatus]bool{
	conductor.TaskInProgress: true, conductor.TaskCompleted: true, conductor.TaskFailed: true,
	conductor.TaskFailedWithTerminalError: true, conductor.TaskCanceled: true,
}

func validateTaskResult(res *conductor.TaskResult) error {
	var errs conductor.ValidationErrors
	if res.TaskID == "" {
		errs.Add("taskId", "Task ID cannot be null or empty", nil)
	}
	if res.WorkflowInstanceID == "" {
		errs.Add("workflowInstanceId", "Workflow Id cannot be null or empty", nil)
	}
	if res.Status == "" {
		if len(errs) == 0 {
			errs.Add("status", "Status cannot be null", nil)
		}
	} else if !resultStatuses[res.Status] {
		errs.Add("status", "Status must be one of IN_PROGRESS, COMPLETED, FAILED, FAILED_WITH_TERMINAL_ERROR, CANCELED", string(res.Status))
	}
	return errs.Err()
}

// UpdateTaskByRef applies status and output to the pending attempt of ref (also matching loop
// copies ref__N). It returns the task id, or "" when no attempt is pending.
// p (nil: authentication is off) must be allowed to execute the task's type.
func (e *Engine) UpdateTaskByRef(ctx context.Context, p *auth.Principal, workflowID, ref string, status conductor.TaskStatus, output map[string]any, workerID string) (string, *conductor.Workflow, error) {
	if !resultStatuses[status] {
		return "", nil, conductor.Invalidf("Invalid task status %q: want one of IN_PROGRESS, COMPLETED, FAILED, FAILED_WITH_TERMINAL_ERROR, CANCELED", status)
	}
	var taskID string
	wf, err := e.mutateWith(ctx, workflowID, store.LoadUnsettled, true, func(x *execution) error {
		if err := x.LoadPending(); err != nil {
			return err
		}
		for i := len(x.Tasks) - 1; i >= 0; i-- {
			rec := x.Tasks[i]
			base, _, _ := decide.CutLoopSuffix(rec.Task.ReferenceTaskName)
			if (rec.Task.ReferenceTaskName == ref || base == ref) && !rec.Task.Status.IsTerminal() && !rec.Task.Retried {
				if p != nil && !p.CanExecuteTask(rec.Task.TaskType) {
					return ForbiddenTaskType(p, rec.Task.TaskType)
				}
				taskID = rec.Task.TaskID
				merged := expr.DeepCopyMap(x.RealTaskOutput(rec))
				for k, v := range output {
					merged[k] = v
				}
				x.ApplyResult(rec, &conductor.TaskResult{
					WorkflowInstanceID: workflowID, TaskID: taskID, Status: status, OutputData: merged, WorkerID: workerID,
				})
				return nil
			}
		}
		return nil
	})
	return taskID, wf, err
}

// Task returns one attempt.
func (e *Engine) Task(ctx context.Context, taskID string) (*conductor.Task, error) {
	if !validID(taskID) {
		return nil, taskNotFound(taskID)
	}
	rec, err := e.store.TaskGet(ctx, taskID)
	if errors.Is(err, conductor.ErrNotFound) {
		return e.archivedTask(ctx, taskID)
	}
	if err != nil {
		return nil, err
	}
	rec.Task.Normalize()
	return e.showLoop(ctx, rec.Task)
}

// archivedTask returns an attempt of an archived execution, shown as it was archived.
func (e *Engine) archivedTask(ctx context.Context, taskID string) (*conductor.Task, error) {
	t, err := e.store.ArchivedTaskGet(ctx, taskID)
	if errors.Is(err, conductor.ErrNotFound) {
		return nil, taskNotFound(taskID)
	}
	if err != nil {
		return nil, err
	}
	t.Normalize()
	return t, nil
}

// AddTaskLog appends a line to a task's execution log.
func (e *Engine) AddTaskLog(ctx context.Context, taskID, line string) error {
	t, err := e.Task(ctx, taskID)
	if err != nil {
		return err
	}
	// Through the workflow, so the line is masked like all its execution data.
	err = e.mutate(ctx, t.WorkflowInstanceID, func(x *execution) error {
		x.Log(taskID, line)
		return nil
	})
	return err
}

// TaskLogs returns a task's execution log.
func (e *Engine) TaskLogs(ctx context.Context, taskID string) ([]conductor.TaskExecLog, error) {
	if !validID(taskID) {
		return nil, taskNotFound(taskID)
	}
	return e.store.TaskLogList(ctx, taskID)
}

// QueueSize counts waiting tasks of a type (and domain).
func (e *Engine) QueueSize(ctx context.Context, taskType, domain string) (int, error) {
	return e.store.TaskQueueSize(ctx, decide.QueueName(domain, taskType))
}

// QueueSizes counts waiting tasks per worker queue.
func (e *Engine) QueueSizes(ctx context.Context) (map[string]int, error) {
	sizes, err := e.store.TaskQueueSizes(ctx)
	for name := range sizes {
		if strings.HasPrefix(name, decide.SystemQueuePrefix) {
			delete(sizes, name)
		}
	}
	return sizes, err
}

// PollData returns the last polls of a task type's queue, or of all queues when taskType is "".
func (e *Engine) PollData(ctx context.Context, taskType string) ([]conductor.PollData, error) {
	return e.store.PollDataList(ctx, taskType)
}

// Signal applies status and output to the first unfinished WAIT task of a workflow (Conductor
// OSS's signal API) and returns the updated workflow. A workflow with no waiting task is left
// as it is.
func (e *Engine) Signal(ctx context.Context, workflowID string, status conductor.TaskStatus, output map[string]any) (*conductor.Workflow, error) {
	if !resultStatuses[status] {
		return nil, conductor.Invalidf("Invalid task status %q: want one of IN_PROGRESS, COMPLETED, FAILED, FAILED_WITH_TERMINAL_ERROR, CANCELED", status)
	}
	return e.mutateWith(ctx, workflowID, store.LoadUnsettled, true, func(x *execution) error {
		for _, rec := range x.Tasks {
			t := rec.Task
			if t.TaskType == conductor.TaskTypeWait && !t.Retried && !t.Status.IsTerminal() {
				x.ApplyResult(rec, &conductor.TaskResult{
					WorkflowInstanceID: workflowID, TaskID: t.TaskID, Status: status, OutputData: output,
				})
				return nil
			}
		}
		return nil
	})
}

// taskNotFound is Conductor's 404 for an unknown task.
func taskNotFound(taskID string) error {
	return conductor.NotFoundf("Task not found for taskId: %s", taskID)
}
