package main

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"
)

const fanBranch = "bench_fan_branch"

// benchFanout starts one workflow whose FORK_JOIN_DYNAMIC spawns cfg.branches SIMPLE tasks
// (one per input item) joined by a JOIN. It reports the time of the start call, until the queue
// holds every branch and until a batch-polling worker claimed them all; then it completes the
// branches one after another over HTTP and reports the latency of those updates, the median of
// the first and last 100 against each other (a branch's result should not cost more because
// many others already ended), and the time from the start until the workflow is COMPLETED.
func benchFanout(ctx context.Context, c *client, cfg config) (*report, error) {
	n := max(cfg.branches, 1)
	err := register(ctx, c, map[string]any{"name": "bench_fanout", "version": 1, "schemaVersion": 2, "tasks": []any{
		map[string]any{"name": "fan", "taskReferenceName": "fan", "type": "FORK_JOIN_DYNAMIC",
			"inputParameters": map[string]any{"forkTaskName": fanBranch, "forkTaskInputs": "${workflow.input.items}"}},
		map[string]any{"name": "fan_join", "taskReferenceName": "fan_join", "type": "JOIN"},
	}})
	if err != nil {
		return nil, err
	}
	items := make([]any, n)
	for i := range items {
		items[i] = map[string]any{"i": i}
	}
	// Branches left queued by an interrupted earlier run are counted, so that the wait below
	// is for this run's branches.
	before, err := queueSize(ctx, c, fanBranch)
	if err != nil {
		return nil, err
	}
	deadline := time.Now().Add(2 * time.Minute)
	t0 := time.Now()
	_, body, err := c.do(ctx, http.MethodPost, "/api/workflow/bench_fanout", map[string]any{"items": items}, nil)
	if err != nil {
		return nil, err
	}
	startTook := time.Since(t0)
	id := strings.TrimSpace(string(body))
	for {
		size, err := queueSize(ctx, c, fanBranch)
		if err != nil {
			return nil, err
		}
		if size >= before+n {
			break
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("%d of %d branches queued", size-before, n)
		}
		time.Sleep(time.Millisecond)
	}
	pollable := time.Since(t0)
	var claimed []string
	for len(claimed) < n {
		var tasks []struct {
			TaskID             string `json:"taskId"`
			WorkflowInstanceID string `json:"workflowInstanceId"`
		}
		if _, _, err := c.do(ctx, http.MethodGet, "/api/tasks/poll/batch/"+fanBranch+"?workerid=bench&count=100&timeout=100", nil, &tasks); err != nil {
			return nil, err
		}
		for _, t := range tasks {
			if t.WorkflowInstanceID == id {
				claimed = append(claimed, t.TaskID)
			}
		}
		if len(claimed) < n && time.Now().After(deadline) {
			return nil, fmt.Errorf("claimed %d of %d branches", len(claimed), n)
		}
	}
	allClaimed := time.Since(t0)
	rec := &recorder{}
	var lat []time.Duration
	start := time.Now()
	for _, taskID := range claimed {
		t1 := time.Now()
		if err := complete(ctx, c, id, taskID, map[string]any{"ok": true}); err != nil {
			rec.fail(err)
			continue
		}
		took := time.Since(t1)
		rec.ok(took)
		lat = append(lat, took)
	}
	elapsed := time.Since(start)
	if err := waitCompleted(ctx, c, id, time.Now().Add(time.Minute)); err != nil {
		return nil, err
	}
	done := time.Since(t0)
	rep := rec.report("fanout", "update", elapsed)
	rep.extra = fmt.Sprintf("  start=%s pollable=%s claimed=%s", startTook.Round(10*time.Microsecond),
		pollable.Round(10*time.Microsecond), allClaimed.Round(10*time.Microsecond)) +
		firstLast(lat) + fmt.Sprintf(" completed=%s", done.Round(time.Millisecond))
	return rep, nil
}

// queueSize reads how many tasks of taskType are queued.
func queueSize(ctx context.Context, c *client, taskType string) (int, error) {
	var sizes map[string]int
	_, _, err := c.do(ctx, http.MethodGet, "/api/tasks/queue/sizes?taskType="+taskType, nil, &sizes)
	return sizes[taskType], err
}

// complete reports a task COMPLETED with output.
func complete(ctx context.Context, c *client, workflowID, taskID string, output map[string]any) error {
	_, _, err := c.do(ctx, http.MethodPost, "/api/tasks", map[string]any{"taskId": taskID, "workflowInstanceId": workflowID,
		"status": "COMPLETED", "workerId": "bench", "outputData": output}, nil)
	return err
}

// waitCompleted reads the workflow until it is COMPLETED; another end, or the deadline, is an
// error.
func waitCompleted(ctx context.Context, c *client, id string, deadline time.Time) error {
	for {
		var wf struct {
			Status string `json:"status"`
		}
		if _, _, err := c.do(ctx, http.MethodGet, "/api/workflow/"+id+"?includeTasks=false", nil, &wf); err != nil {
			return err
		}
		switch wf.Status {
		case "COMPLETED":
			return nil
		case "FAILED", "TERMINATED", "TIMED_OUT":
			return fmt.Errorf("workflow %s ended %s", id, wf.Status)
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("workflow %s still %s", id, wf.Status)
		}
		time.Sleep(time.Millisecond)
	}
}
