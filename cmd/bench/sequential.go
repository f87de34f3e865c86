package main

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"
)

// benchSequential runs one workflow of cfg.steps SIMPLE tasks in sequence, each reading the
// previous step's 2 KB output, polling and completing each step over HTTP. It reports the
// latency of the task updates, and the median of the first and last 100 against each other:
// a step late in a long workflow should cost what an early one does.
func benchSequential(ctx context.Context, c *client, cfg config) (*report, error) {
	steps := max(cfg.steps, 20)
	tasks := make([]any, steps)
	for i := range steps {
		t := map[string]any{"name": fmt.Sprintf("bench_seq_%d", i), "taskReferenceName": fmt.Sprintf("t%d", i), "type": "SIMPLE"}
		if i > 0 {
			t["inputParameters"] = map[string]any{"prev": fmt.Sprintf("${t%d.output.data}", i-1)}
		}
		tasks[i] = t
	}
	if err := register(ctx, c, map[string]any{"name": "bench_sequential", "version": 1, "schemaVersion": 2, "tasks": tasks}); err != nil {
		return nil, err
	}
	_, body, err := c.do(ctx, http.MethodPost, "/api/workflow/bench_sequential", map[string]any{}, nil)
	if err != nil {
		return nil, err
	}
	id := strings.TrimSpace(string(body))
	payload := strings.Repeat("x", 2048)
	rec := &recorder{}
	var lat []time.Duration
	start := time.Now()
	for i := range steps {
		var task struct {
			TaskID string `json:"taskId"`
		}
		status, _, err := c.do(ctx, http.MethodGet, fmt.Sprintf("/api/tasks/poll/bench_seq_%d?workerid=bench", i), nil, &task)
		if err != nil || status != http.StatusOK || task.TaskID == "" {
			return nil, fmt.Errorf("step %d: nothing to poll (status %d, %v)", i, status, err)
		}
		t0 := time.Now()
		_, _, err = c.do(ctx, http.MethodPost, "/api/tasks", map[string]any{"taskId": task.TaskID, "workflowInstanceId": id,
			"status": "COMPLETED", "workerId": "bench", "outputData": map[string]any{"data": payload}}, nil)
		if err != nil {
			rec.fail(err)
			continue
		}
		took := time.Since(t0)
		rec.ok(took)
		lat = append(lat, took)
	}
	rep := rec.report("sequential", "update", time.Since(start))
	rep.extra = firstLast(lat)
	return rep, nil
}

// firstLast compares the median of the first and the last 100 latencies (a tenth of them when
// there are fewer than 1,000), in order of arrival: "" when there are fewer than 10.
func firstLast(lat []time.Duration) string {
	window := min(100, len(lat)/10)
	if window == 0 {
		return ""
	}
	first, last := medianOf(lat[:window]), medianOf(lat[len(lat)-window:])
	return fmt.Sprintf("  first%d-p50=%s last%d-p50=%s ratio=%.2f", window, first.Round(10*time.Microsecond),
		window, last.Round(10*time.Microsecond), float64(last)/float64(first))
}

func medianOf(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}
