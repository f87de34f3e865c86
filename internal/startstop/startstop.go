// Package startstop runs a service's background work behind an idempotent Start and Stop:
// starting twice runs the work once, and stopping before a start or twice is a no-op. It
// imports only the standard library.
package startstop

import (
	"context"
	"sync"
)

// Runner runs one background function between Start and Stop. The zero value is ready to use;
// a Runner must not be copied after first use.
type Runner struct {
	mu      sync.Mutex
	cancel  context.CancelFunc
	stopped chan struct{}
}

// Start runs run in its own goroutine, unless it is running already. run's context keeps
// ctx's values but not its cancellation: it ends when Stop is called.
func (r *Runner) Start(ctx context.Context, run func(ctx context.Context)) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.cancel != nil {
		return
	}
	ctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	r.cancel = cancel
	stopped := make(chan struct{})
	r.stopped = stopped
	go func() {
		defer close(stopped)
		run(ctx)
	}()
}

// Running reports whether Start has been called and Stop not since.
func (r *Runner) Running() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.cancel != nil
}

// Stop ends run's context and waits for run to return, or for ctx to end (then it returns
// ctx's error and run goes on ending on its own).
func (r *Runner) Stop(ctx context.Context) error {
	r.mu.Lock()
	cancel, stopped := r.cancel, r.stopped
	r.cancel = nil
	r.mu.Unlock()
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
