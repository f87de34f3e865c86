package schedule

import (
	"sync"
	"time"

	"github.com/go-co-op/gocron/v2"
	"github.com/google/uuid"
)

// Waker calls a function at the times it is armed with: one gocron one-time job per key (a
// schedule's next slot). It only wakes its owner; what is due is decided elsewhere.
type Waker struct {
	sched gocron.Scheduler
	wake  func()

	mu   sync.Mutex
	jobs map[string]armed
}

type armed struct {
	id uuid.UUID
	at time.Time
}

// NewWaker starts a waker that calls wake (which must not block) when an armed time comes.
func NewWaker(wake func()) (*Waker, error) {
	sched, err := gocron.NewScheduler()
	if err != nil {
		return nil, err
	}
	sched.Start()
	return &Waker{sched: sched, wake: wake, jobs: map[string]armed{}}, nil
}

// Arm makes the armed times exactly at: jobs of keys absent from it are removed, new or moved
// ones are (re)created. A time not in the future wakes at once.
func (w *Waker) Arm(at map[string]time.Time) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	for key, job := range w.jobs {
		if t, ok := at[key]; !ok || !t.Equal(job.at) {
			_ = w.sched.RemoveJob(job.id) // gone already when it ran
			delete(w.jobs, key)
		}
	}
	now := time.Now()
	dueNow := false
	for key, t := range at {
		if _, ok := w.jobs[key]; ok {
			continue
		}
		if !t.After(now) {
			dueNow = true
			continue
		}
		job, err := w.sched.NewJob(gocron.OneTimeJob(gocron.OneTimeJobStartDateTime(t)), gocron.NewTask(w.wake))
		if err != nil {
			return err
		}
		w.jobs[key] = armed{id: job.ID(), at: t}
	}
	if dueNow {
		w.wake()
	}
	return nil
}

// Stop removes every job and stops the scheduler.
func (w *Waker) Stop() error {
	return w.sched.Shutdown()
}
