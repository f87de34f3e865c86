// Package clocktest gives tests a clock they move by hand, to inject wherever code takes a
// now function (engine, schedule, access, auth), so that tests of timeouts and schedules never
// sleep. It is for tests only: production code never imports it (a depguard rule).
package clocktest

import (
	"sync"
	"time"
)

// Clock is an adjustable clock, safe for concurrent use: several services (or simulated
// processes) may share one. It stands still until moved.
type Clock struct {
	mu  sync.Mutex
	now time.Time
}

// New returns a clock reading now.
func New(now time.Time) *Clock { return &Clock{now: now} }

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the clock forward by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}
