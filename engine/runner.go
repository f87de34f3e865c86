package engine

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/podiumhq/podium/engine/decide"
	"github.com/podiumhq/podium/engine/systask"
	"github.com/podiumhq/podium/internal/conductor"
	"github.com/podiumhq/podium/internal/notify"
)

// completers is how many result batches are written at once.
const completers = 4

// Start runs the engine's background loops: the notification listener, the sweeper, the
// internal workers of async system tasks and the event processor (the scheduler is
// internal/schedule's). Stop ends them.
func (e *Engine) Start(ctx context.Context) error {
	e.loops.Start(ctx, func(ctx context.Context) {
		var wg sync.WaitGroup
		if e.ownsNotes {
			wg.Go(func() { e.notes.Run(ctx) })
		}
		wg.Go(func() { e.sweepLoop(ctx) })
		for range completers {
			wg.Go(func() { e.completeLoop(ctx) })
		}
		wg.Go(func() { e.systemWorkLoop(ctx) })
		wg.Go(func() { e.eventLoop(ctx) })
		if e.ownsAccess {
			wg.Go(func() { e.access.Run(ctx) })
		}
		wg.Wait()
	})
	return nil
}

// Stop ends the background loops and waits for running system tasks to report, or for ctx.
func (e *Engine) Stop(ctx context.Context) error { return e.loops.Stop(ctx) }

// systemWorkLoop claims async system tasks and runs them: at most systemWorkers at once, and at
// most systemPerDestination of them calling one destination (handlers that implement
// systask.Destination). A claimed task whose destination is saturated goes back to the queue
// for a moment instead of waiting for it, so it never holds a slot that another destination's
// task could use.
func (e *Engine) systemWorkLoop(ctx context.Context) {
	types := e.systasks.AsyncTypes()
	if len(types) == 0 {
		return
	}
	host, _ := os.Hostname()
	workerID := "podium-internal@" + host
	slots := newSystemSlots(e.systemWorkers, e.systemPerDestination)
	var running sync.WaitGroup
	defer running.Wait()
	for ctx.Err() == nil {
		claimed := 0
		for _, typ := range types {
			free := slots.free()
			if free == 0 {
				break
			}
			h, _ := e.systasks.Get(typ)
			tasks, err := e.Poll(ctx, PollRequest{TaskType: decide.SystemQueue(typ), WorkerID: "", Count: free})
			if err != nil {
				if ctx.Err() == nil {
					e.logger.Warn("engine: claiming system tasks failed", "task_type", typ, "error", err)
				}
				continue
			}
			for _, t := range tasks {
				claimed++
				dest := ""
				if d, ok := h.(systask.Destination); ok {
					dest = typ + " " + d.Destination(systemTaskOf(t))
				}
				ok, busy := slots.acquire(dest)
				if !ok {
					e.releaseSystemTask(ctx, t, e.destinationBusyDelay(busy))
					continue
				}
				running.Go(func() {
					defer slots.release(dest)
					e.runSystemTask(ctx, h, t, workerID)
				})
			}
		}
		if claimed == 0 || slots.free() == 0 {
			e.waitForSystemWork(ctx, types, slots.freed)
		}
	}
}

// Delays before a task claimed for a saturated destination is visible again: the base, growing
// with the number of tasks sent back since the destination last had room, up to the cap, so a
// long backlog for a hung destination is re-examined every few seconds, not in a tight loop.
const (
	destinationBusyDelayBase = 500 * time.Millisecond
	destinationBusyDelayMax  = 5 * time.Second
)

// destinationBusyDelay is how long a task sent back for the busy-th time is kept invisible.
func (e *Engine) destinationBusyDelay(busy int) time.Duration {
	d := destinationBusyDelayBase * time.Duration(1+busy/max(e.systemPerDestination, 1))
	return min(d, destinationBusyDelayMax)
}

// releaseSystemTask puts a claimed task back in its queue, visible after delay, without
// counting a poll or a retry. If that fails the lease still expires and the task runs later.
func (e *Engine) releaseSystemTask(ctx context.Context, t *conductor.Task, delay time.Duration) {
	if err := e.store.TaskRelease(ctx, t.TaskID, t.PollCount, e.now().Add(delay)); err != nil && ctx.Err() == nil {
		e.logger.Warn("engine: releasing a system task failed", "task_id", t.TaskID, "error", err)
	}
}

// systemSlots counts the system tasks running, in total and per destination.
type systemSlots struct {
	mu      sync.Mutex
	total   int
	perDest int
	running int
	byDest  map[string]int
	// busy counts, per saturated destination, the tasks sent back since it last had room.
	busy map[string]int
	// freed is signalled (without blocking) whenever a slot frees.
	freed chan struct{}
}

func newSystemSlots(total, perDest int) *systemSlots {
	return &systemSlots{total: total, perDest: perDest, byDest: map[string]int{}, busy: map[string]int{},
		freed: make(chan struct{}, 1)}
}

// free is how many more tasks may start.
func (s *systemSlots) free() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.total - s.running
}

// acquire takes a slot for a task calling dest ("" for none). When dest is saturated it takes
// nothing and returns false with the number of tasks sent back for dest so far.
func (s *systemSlots) acquire(dest string) (bool, int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if dest != "" && s.perDest > 0 && s.byDest[dest] >= s.perDest {
		n := s.busy[dest]
		s.busy[dest] = n + 1
		return false, n
	}
	s.running++
	if dest != "" {
		s.byDest[dest]++
	}
	return true, 0
}

// release returns a slot taken for dest.
func (s *systemSlots) release(dest string) {
	s.mu.Lock()
	s.running--
	if dest != "" {
		if s.byDest[dest]--; s.byDest[dest] <= 0 {
			delete(s.byDest, dest)
		}
		delete(s.busy, dest)
	}
	s.mu.Unlock()
	select {
	case s.freed <- struct{}{}:
	default:
	}
}

// systemTaskOf is what a handler sees of a claimed task.
func systemTaskOf(t *conductor.Task) *systask.Task {
	return &systask.Task{
		TaskID: t.TaskID, WorkflowID: t.WorkflowInstanceID, RefName: t.ReferenceTaskName, TaskType: t.TaskType,
		RetryCount: t.RetryCount, PollCount: t.PollCount, Input: t.InputData, WorkflowTask: t.WorkflowTask,
	}
}

// waitForSystemWork blocks until a system queue is notified, a slot frees, pollRecheck passes,
// or ctx ends.
func (e *Engine) waitForSystemWork(ctx context.Context, types []string, freed <-chan struct{}) {
	wake := make([]<-chan struct{}, len(types))
	for i, typ := range types {
		ch, unsubscribe := e.notes.Subscribe(notify.Queue(decide.SystemQueue(typ)))
		wake[i] = ch
		defer unsubscribe()
	}
	merged := make(chan struct{}, 1)
	stop := make(chan struct{})
	defer close(stop)
	for _, ch := range wake {
		go func() {
			select {
			case <-ch:
				select {
				case merged <- struct{}{}:
				default:
				}
			case <-stop:
			}
		}()
	}
	timer := time.NewTimer(e.pollRecheck)
	defer timer.Stop()
	select {
	case <-ctx.Done():
	case <-merged:
	case <-freed:
	case <-timer.C:
	}
}

// Why a system task's execution was cut short by the engine.
var (
	errSystemRunTimeout      = errors.New("the task's timeoutSeconds passed")
	errSystemResponseTimeout = errors.New("the task's responseTimeoutSeconds passed")
)

// Bounds of the back-off between attempts to store a system task's result.
const (
	storeRetryFirst = 50 * time.Millisecond
	storeRetryMax   = 2 * time.Second
)

// runSystemTask executes one claimed async system task outside any transaction and applies its
// result through the same path as a worker's update. The execution is cut short at the task
// definition's timeoutSeconds (unless its policy is ALERT_ONLY) and responseTimeoutSeconds. The
// lease is renewed until the result is stored, and storing is retried while the lease holds,
// so a result that cannot be stored at once is not lost and the call is not made again.
func (e *Engine) runSystemTask(ctx context.Context, h systask.Handler, t *conductor.Task, workerID string) {
	lease := newLeaseKeeper(e.systemTaskLease)
	heartbeat, stopHeartbeat := context.WithCancel(ctx)
	defer stopHeartbeat()
	go e.renewSystemLease(heartbeat, t.TaskID, lease)

	def := e.taskDefOf(t.WorkflowTask)
	execCtx, cancelExec := e.systemTaskDeadline(ctx, t, def)
	st := systemTaskOf(t)
	st.MaxOutputBytes = e.payloadMax
	res := h.Execute(execCtx, st)
	cause := context.Cause(execCtx)
	cancelExec()
	if ctx.Err() != nil {
		return // shutting down: the lease expires and another worker runs it again
	}
	record := func(x *execution, rec *decide.Attempt) {
		rec.Task.WorkerID = workerID
		switch {
		case errors.Is(cause, errSystemRunTimeout):
			now := x.Now.UnixMilli()
			x.TimeoutByPolicy(rec, def, fmt.Sprintf("Task timed out after %d seconds. Timeout configured as %d seconds. Timeout policy configured to %s",
				(now-rec.Task.StartTime)/1000, def.TimeoutSeconds, def.TimeoutPolicy))
		case errors.Is(cause, errSystemResponseTimeout):
			x.Finish(rec, conductor.TaskTimedOut, fmt.Sprintf("responseTimeoutSeconds: %d exceeded", def.ResponseTimeoutSeconds))
		default:
			x.ApplyHandlerResult(rec, resultOf(res))
		}
	}
	e.storeSystemResult(ctx, t, lease, record)
}

// systemTaskDeadline bounds an execution by the task definition's timeoutSeconds (counted from
// the attempt's start, unless the policy is ALERT_ONLY) and responseTimeoutSeconds (from now),
// whichever comes first; the context's cause names the one that passed.
func (e *Engine) systemTaskDeadline(ctx context.Context, t *conductor.Task, def *conductor.TaskDef) (context.Context, context.CancelFunc) {
	now := e.now()
	var limit time.Duration
	var cause error
	if deadline, ok := decide.RunDeadline(t, def); ok && def.TimeoutPolicy != conductor.TaskTimeoutAlertOnly {
		limit, cause = time.UnixMilli(deadline).Sub(now), errSystemRunTimeout
	}
	if def.ResponseTimeoutSeconds > 0 {
		if d := time.Duration(def.ResponseTimeoutSeconds) * time.Second; cause == nil || d < limit {
			limit, cause = d, errSystemResponseTimeout
		}
	}
	if cause == nil {
		return context.WithCancel(ctx)
	}
	return context.WithTimeoutCause(ctx, max(limit, 0), cause)
}

// storeSystemResult applies a system task's result with record, retrying with back-off while
// the lease holds. It stops without storing when the attempt is no longer this claim's (it
// finished, was canceled, or was taken over after the lease expired).
func (e *Engine) storeSystemResult(ctx context.Context, t *conductor.Task, lease *leaseKeeper, record func(x *execution, rec *decide.Attempt)) {
	backoff := storeRetryFirst
	for attempt := 1; ; attempt++ {
		remaining := lease.remaining()
		if remaining <= 0 {
			e.logger.Error("engine: gave up storing a system task result: its lease expired, the task will run again",
				"task_id", t.TaskID, "attempts", attempt-1)
			return
		}
		storeCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), remaining)
		err := e.mutate(storeCtx, t.WorkflowInstanceID, func(x *execution) error {
			rec := x.Task(t.TaskID)
			if rec == nil || rec.Task.Status != conductor.TaskInProgress || rec.Task.PollCount != t.PollCount || x.Workflow.Status.IsTerminal() {
				return nil // canceled or taken over meanwhile
			}
			record(x, rec)
			return nil
		}, t.TaskID)
		cancel()
		if err == nil {
			if attempt > 1 {
				e.logger.Info("engine: stored a system task result after retrying", "task_id", t.TaskID, "attempts", attempt)
			}
			return
		}
		if errors.Is(err, conductor.ErrNotFound) || errors.Is(err, conductor.ErrInvalid) {
			e.logger.Warn("engine: recording a system task result failed", "task_id", t.TaskID, "error", err)
			return
		}
		e.logger.Warn("engine: storing a system task result failed; retrying", "task_id", t.TaskID,
			"attempt", attempt, "retry_in", backoff, "error", err)
		timer := time.NewTimer(min(backoff, max(lease.remaining(), 0)))
		select {
		case <-timer.C:
		case <-ctx.Done():
			// Shutting down: keep trying within the lease, without waiting out the back-off.
		}
		timer.Stop()
		backoff = min(2*backoff, storeRetryMax)
	}
}

// renewSystemLease extends a running system task's lease every third of it until ctx ends, so a
// short lease still finds a crashed worker's tasks quickly without taking over a slow but live
// call, and records each renewal in lease.
func (e *Engine) renewSystemLease(ctx context.Context, taskID string, lease *leaseKeeper) {
	ticker := time.NewTicker(e.systemTaskLease / 3)
	defer ticker.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
			renewedAt := time.Now()
			if err := e.store.TaskExtendLease(ctx, taskID, e.now().Add(e.systemTaskLease)); err != nil {
				if ctx.Err() == nil {
					e.logger.Warn("engine: extending a system task lease failed", "task_id", taskID, "error", err)
				}
				continue
			}
			lease.renewed(renewedAt)
		}
	}
}

// leaseKeeper tracks, on the local monotonic clock, until when a claim's lease surely holds.
type leaseKeeper struct {
	length time.Duration
	mu     sync.Mutex
	until  time.Time
}

func newLeaseKeeper(length time.Duration) *leaseKeeper {
	return &leaseKeeper{length: length, until: time.Now().Add(length)}
}

// renewed records a renewal sent at at.
func (l *leaseKeeper) renewed(at time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if u := at.Add(l.length); u.After(l.until) {
		l.until = u
	}
}

// remaining is how long the lease surely holds.
func (l *leaseKeeper) remaining() time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	return time.Until(l.until)
}
