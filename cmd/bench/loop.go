package main

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

const loopStep = "bench_loop_step"

// benchLoop runs one workflow whose DO_WHILE iterates cfg.steps times over one SIMPLE task,
// keeping the last cfg.keep iterations when cfg.keep > 0 (keepLastN), polling and completing
// each iteration's task over HTTP. It reports the latency of the task updates, the median of the
// first and last 100 against each other (a late iteration should cost what an early one does),
// and the time from the start until the workflow is COMPLETED.
func benchLoop(ctx context.Context, c *client, cfg config) (*report, error) {
	steps := max(cfg.steps, 1)
	loop := map[string]any{"name": "loop", "taskReferenceName": "loop", "type": "DO_WHILE",
		"loopCondition": "$.loop['iteration'] < " + strconv.Itoa(steps),
		"loopOver": []any{map[string]any{"name": loopStep, "taskReferenceName": "step", "type": "SIMPLE",
			"inputParameters": map[string]any{"i": "${loop.output.iteration}"}}}}
	if cfg.keep > 0 {
		loop["inputParameters"] = map[string]any{"keepLastN": cfg.keep}
	}
	if err := register(ctx, c, map[string]any{"name": "bench_loop", "version": 1, "schemaVersion": 2, "tasks": []any{loop}}); err != nil {
		return nil, err
	}
	t0 := time.Now()
	_, body, err := c.do(ctx, http.MethodPost, "/api/workflow/bench_loop", map[string]any{}, nil)
	if err != nil {
		return nil, err
	}
	id := strings.TrimSpace(string(body))
	rec := &recorder{}
	var lat []time.Duration
	for i := range steps {
		taskID, err := pollTask(ctx, c, loopStep, id, time.Now().Add(10*time.Second))
		if err != nil {
			return nil, fmt.Errorf("iteration %d: %w", i+1, err)
		}
		t1 := time.Now()
		if err := complete(ctx, c, id, taskID, map[string]any{"n": i}); err != nil {
			rec.fail(err)
			continue
		}
		took := time.Since(t1)
		rec.ok(took)
		lat = append(lat, took)
	}
	if err := waitCompleted(ctx, c, id, time.Now().Add(time.Minute)); err != nil {
		return nil, err
	}
	elapsed := time.Since(t0)
	rep := rec.report("loop", "update", elapsed)
	rep.extra = firstLast(lat) + fmt.Sprintf(" keep=%d total=%s", cfg.keep, elapsed.Round(time.Millisecond))
	return rep, nil
}

// pollTask polls taskType until it gets a task of workflow id (others are left claimed),
// or the deadline passes.
func pollTask(ctx context.Context, c *client, taskType, id string, deadline time.Time) (string, error) {
	for {
		var task struct {
			TaskID             string `json:"taskId"`
			WorkflowInstanceID string `json:"workflowInstanceId"`
		}
		status, _, err := c.do(ctx, http.MethodGet, "/api/tasks/poll/"+taskType+"?workerid=bench", nil, &task)
		if err != nil {
			return "", err
		}
		if status == http.StatusOK && task.WorkflowInstanceID == id {
			return task.TaskID, nil
		}
		if time.Now().After(deadline) {
			return "", fmt.Errorf("nothing to poll (status %d)", status)
		}
	}
}
