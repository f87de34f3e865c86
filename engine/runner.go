package engine

import (
	"context"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/podiumhq/podium/engine/systask"
	"github.com/podiumhq/podium/internal/conductor"
)

// completers is how many result batches are written at once.
const completers = 4

// Start runs the engine's background loops: the notification listener, the sweeper, the
// internal workers of async system tasks and the scheduler. Stop ends them.
func (e *Engine) Start(ctx context.Context) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.cancel != nil {
		return nil
	}
	ctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	e.cancel = cancel
	e.stopped = make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		_ = e.store.Listen(ctx, notifyChannel, e.hub.wakeAll, func(payload string) {
			for _, queue := range strings.Split(payload, "\n") {
				e.hub.wake(queue)
			}
		})
	})
	wg.Go(func() { e.sweepLoop(ctx) })
	wg.Go(func() { e.announceLoop(ctx) })
	for range completers {
		wg.Go(func() { e.completeLoop(ctx) })
	}
	wg.Go(func() { e.systemWorkLoop(ctx) })
	wg.Go(func() { e.accessInvalidationLoop(ctx) })
	if !e.manualScheduling {
		wg.Go(func() { e.scheduleLoop(ctx) })
	}
	go func() { wg.Wait(); close(e.stopped) }()
	return nil
}

// Stop ends the background loops and waits for running system tasks to report, or for ctx.
func (e *Engine) Stop(ctx context.Context) error {
	e.mu.Lock()
	cancel, stopped := e.cancel, e.stopped
	e.cancel = nil
	e.mu.Unlock()
	if cancel == nil {
		return nil
	}
	cancel()
	select {
	case <-stopped:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// accessInvalidationLoop clears the cached principals whenever access changes anywhere.
func (e *Engine) accessInvalidationLoop(ctx context.Context) {
	changes := e.hub.subscribe(accessChangesQueue)
	defer e.hub.unsubscribe(accessChangesQueue, changes)
	for {
		select {
		case <-ctx.Done():
			return
		case <-changes:
			e.access.clear()
		}
	}
}

// sweepLoop decides workflows whose timers are due, every sweepInterval.
func (e *Engine) sweepLoop(ctx context.Context) {
	ticker := time.NewTicker(e.sweepInterval)
	defer ticker.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
			if _, err := e.Sweep(ctx); err != nil && ctx.Err() == nil {
				e.logger.Warn("engine: sweep failed", "error", err)
			}
		}
	}
}

// Sweep decides every workflow with a due timer or an expired task lease, and returns how
// many it decided. Several replicas may sweep at once: deciding is idempotent under the lock.
func (e *Engine) Sweep(ctx context.Context) (int, error) {
	ids, err := e.store.WorkflowsDue(ctx, e.now(), 200)
	if err != nil {
		return 0, err
	}
	for _, id := range ids {
		if err := e.Decide(ctx, id); err != nil && ctx.Err() == nil {
			e.logger.Warn("engine: sweeping workflow failed", "workflow_id", id, "error", err)
		}
	}
	return len(ids), nil
}

// systemWorkLoop claims async system tasks and runs them, at most systemWorkers at once.
func (e *Engine) systemWorkLoop(ctx context.Context) {
	types := e.systasks.AsyncTypes()
	if len(types) == 0 {
		return
	}
	host, _ := os.Hostname()
	workerID := "podium-internal@" + host
	slots := make(chan struct{}, e.systemWorkers)
	var running sync.WaitGroup
	defer running.Wait()
	for ctx.Err() == nil {
		claimed := 0
		for _, typ := range types {
			free := cap(slots) - len(slots)
			if free == 0 {
				break
			}
			h, _ := e.systasks.Get(typ)
			tasks, err := e.Poll(ctx, PollRequest{TaskType: systemQueue(typ), WorkerID: "", Count: free})
			if err != nil {
				if ctx.Err() == nil {
					e.logger.Warn("engine: claiming system tasks failed", "task_type", typ, "error", err)
				}
				continue
			}
			for _, t := range tasks {
				claimed++
				slots <- struct{}{}
				running.Go(func() {
					defer func() { <-slots }()
					e.runSystemTask(ctx, h, t, workerID)
				})
			}
		}
		if claimed == 0 {
			e.waitForSystemWork(ctx, types)
		}
	}
}

// waitForSystemWork blocks until a system queue is notified, pollRecheck passes, or ctx ends.
func (e *Engine) waitForSystemWork(ctx context.Context, types []string) {
	wake := make([]chan struct{}, len(types))
	for i, typ := range types {
		wake[i] = e.hub.subscribe(systemQueue(typ))
	}
	defer func() {
		for i, typ := range types {
			e.hub.unsubscribe(systemQueue(typ), wake[i])
		}
	}()
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
	case <-timer.C:
	}
}

// runSystemTask executes one claimed async system task outside any transaction and applies its
// result through the same path as a worker's update.
func (e *Engine) runSystemTask(ctx context.Context, h systask.Handler, t *conductor.Task, workerID string) {
	// Keep the lease alive while the task runs, so a short lease still finds a crashed
	// worker's tasks quickly without taking over a slow but live call.
	heartbeat, stopHeartbeat := context.WithCancel(ctx)
	defer stopHeartbeat()
	go func() {
		ticker := time.NewTicker(e.systemTaskLease / 3)
		defer ticker.Stop()
		for {
			select {
			case <-heartbeat.Done():
				return
			case <-ticker.C:
				if err := e.store.TaskExtendLease(heartbeat, t.TaskID, e.now().Add(e.systemTaskLease)); err != nil && heartbeat.Err() == nil {
					e.logger.Warn("engine: extending a system task lease failed", "task_id", t.TaskID, "error", err)
				}
			}
		}
	}()
	res := h.Execute(ctx, &systask.Task{
		TaskID: t.TaskID, WorkflowID: t.WorkflowInstanceID, RefName: t.ReferenceTaskName, TaskType: t.TaskType,
		RetryCount: t.RetryCount, PollCount: t.PollCount, Input: t.InputData, WorkflowTask: t.WorkflowTask,
		MaxOutputBytes: e.payloadMax,
	})
	stopHeartbeat()
	if ctx.Err() != nil {
		return // shutting down: the lease expires and another worker runs it again
	}
	_, err := e.mutate(ctx, t.WorkflowInstanceID, func(x *execution) error {
		rec := x.task(t.TaskID)
		if rec == nil || rec.Task.Status != conductor.TaskInProgress || x.wf.Status.IsTerminal() {
			return nil // canceled or taken over meanwhile
		}
		rec.Task.WorkerID = workerID
		x.apply(rec, res)
		return nil
	})
	if err != nil && ctx.Err() == nil {
		e.logger.Warn("engine: recording a system task result failed", "task_id", t.TaskID, "error", err)
	}
}
