package main

import (
	"fmt"
	"io"
	"slices"
	"sync"
	"time"
)

// recorder collects latencies from concurrent clients.
type recorder struct {
	mu        sync.Mutex
	latencies []time.Duration
	errors    int
	firstErr  error
}

func (r *recorder) ok(d time.Duration) {
	r.mu.Lock()
	r.latencies = append(r.latencies, d)
	r.mu.Unlock()
}

func (r *recorder) fail(err error) {
	r.mu.Lock()
	r.errors++
	if r.firstErr == nil {
		r.firstErr = err
	}
	r.mu.Unlock()
}

// report is one scenario's outcome.
type report struct {
	name    string
	unit    string
	elapsed time.Duration
	lat     []time.Duration
	errors  int
	err     error
	extra   string
}

func (r *recorder) report(name, unit string, elapsed time.Duration) *report {
	r.mu.Lock()
	defer r.mu.Unlock()
	lat := slices.Clone(r.latencies)
	slices.Sort(lat)
	return &report{name: name, unit: unit, elapsed: elapsed, lat: lat, errors: r.errors, err: r.firstErr}
}

func (r *report) pct(p float64) time.Duration {
	if len(r.lat) == 0 {
		return 0
	}
	return r.lat[min(len(r.lat)-1, int(float64(len(r.lat))*p))]
}

func (r *report) print(w io.Writer) {
	rate := float64(len(r.lat)) / r.elapsed.Seconds()
	fmt.Fprintf(w, "%-7s %8.0f %s/s  n=%-7d p50=%-9s p90=%-9s p99=%-9s max=%-9s errors=%d%s\n",
		r.name, rate, r.unit, len(r.lat), r.pct(0.50).Round(10*time.Microsecond), r.pct(0.90).Round(10*time.Microsecond),
		r.pct(0.99).Round(10*time.Microsecond), r.pct(1).Round(10*time.Microsecond), r.errors, r.extra)
	if r.err != nil {
		fmt.Fprintf(w, "        first error: %v\n", r.err)
	}
}
