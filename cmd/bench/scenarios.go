package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// drive runs fn from concurrency goroutines until duration passes, recording each call.
func drive(ctx context.Context, cfg config, fn func(ctx context.Context) error) (*recorder, time.Duration) {
	rec := &recorder{}
	ctx, cancel := context.WithTimeout(ctx, cfg.duration)
	defer cancel()
	start := time.Now()
	var wg sync.WaitGroup
	for range cfg.concurrency {
		wg.Go(func() {
			for ctx.Err() == nil {
				t0 := time.Now()
				err := fn(ctx)
				switch {
				case ctx.Err() != nil:
				case err != nil:
					rec.fail(err)
				default:
					rec.ok(time.Since(t0))
				}
			}
		})
	}
	wg.Wait()
	return rec, time.Since(start)
}

func register(ctx context.Context, c *client, def map[string]any) error {
	_, _, err := c.do(ctx, http.MethodPost, "/api/metadata/workflow?overwrite=true", def, nil)
	return err
}

// startRequest is the body of one start: a small input and, as most production starts carry
// one, a correlation id of its own (a business key, such as an order number), so that the
// figures include the cost of indexing it.
func startRequest(name string) map[string]any {
	req := map[string]any{"input": map[string]any{"n": 1}, "correlationId": fmt.Sprintf("order-%d", startCount.Add(1))}
	if name != "" {
		req["name"] = name
	}
	return req
}

// startCount numbers the starts of this run.
var startCount atomic.Int64

// execute starts name and waits for its end through the synchronous execution endpoint.
func execute(ctx context.Context, c *client, name string) error {
	var wf struct {
		Status string `json:"status"`
	}
	_, _, err := c.do(ctx, http.MethodPost, "/api/workflow/execute/"+name+"/1?waitForSeconds=30", startRequest(""), &wf)
	if err == nil && wf.Status != "COMPLETED" {
		err = fmt.Errorf("workflow ended %s", wf.Status)
	}
	return err
}

func benchHTTP(ctx context.Context, c *client, cfg config) (*report, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	stub := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"token":"abc","ok":true}`))
	})}
	go func() { _ = stub.Serve(ln) }()
	defer stub.Close()
	err = register(ctx, c, map[string]any{
		"name": "bench_http", "version": 1, "schemaVersion": 2,
		"tasks": []any{map[string]any{"name": "call", "taskReferenceName": "call", "type": "HTTP",
			"inputParameters": map[string]any{"uri": "http://" + ln.Addr().String() + "/token", "method": "GET"}}},
	})
	if err != nil {
		return nil, err
	}
	rec, elapsed := drive(ctx, cfg, func(ctx context.Context) error { return execute(ctx, c, "bench_http") })
	return rec.report("http", "wf", elapsed), nil
}

func benchSimple(ctx context.Context, c *client, cfg config) (*report, error) {
	tasks := []any{}
	for i := 1; i <= 3; i++ {
		name := fmt.Sprintf("bench_simple_t%d", i)
		tasks = append(tasks, map[string]any{"name": name, "taskReferenceName": name, "type": "SIMPLE",
			"inputParameters": map[string]any{"n": "${workflow.input.n}"}})
	}
	_, _, err := c.do(ctx, http.MethodPost, "/api/metadata/taskdefs", []any{
		map[string]any{"name": "bench_simple_t1", "responseTimeoutSeconds": 60, "retryCount": 1},
		map[string]any{"name": "bench_simple_t2", "responseTimeoutSeconds": 60, "retryCount": 1},
		map[string]any{"name": "bench_simple_t3", "responseTimeoutSeconds": 60, "retryCount": 1},
	}, nil)
	if err != nil {
		return nil, err
	}
	if err := register(ctx, c, map[string]any{"name": "bench_simple", "version": 1, "schemaVersion": 2, "tasks": tasks}); err != nil {
		return nil, err
	}
	wctx, stopWorkers := context.WithCancel(ctx)
	var executed atomic.Int64
	var wg sync.WaitGroup
	for i := 1; i <= 3; i++ {
		for w := range cfg.workers {
			wg.Go(func() { work(wctx, c, fmt.Sprintf("bench_simple_t%d", i), fmt.Sprintf("w%d", w), cfg.batch, &executed) })
		}
	}
	rec, elapsed := drive(ctx, cfg, func(ctx context.Context) error { return execute(ctx, c, "bench_simple") })
	stopWorkers()
	wg.Wait()
	rep := rec.report("simple", "wf", elapsed)
	rep.extra = fmt.Sprintf("  tasks=%.0f/s", float64(executed.Load())/elapsed.Seconds())
	return rep, nil
}

// work batch-polls taskType and completes every task it gets.
func work(ctx context.Context, c *client, taskType, workerID string, batch int, executed *atomic.Int64) {
	for ctx.Err() == nil {
		var tasks []struct {
			TaskID             string `json:"taskId"`
			WorkflowInstanceID string `json:"workflowInstanceId"`
		}
		_, _, err := c.do(ctx, http.MethodGet, fmt.Sprintf("/api/tasks/poll/batch/%s?workerid=%s&count=%d&timeout=500",
			taskType, workerID, batch), nil, &tasks)
		if err != nil {
			continue
		}
		// Like an SDK worker's thread pool: the batch's tasks are executed and reported at once.
		var done sync.WaitGroup
		for _, t := range tasks {
			done.Go(func() {
				_, _, err := c.do(ctx, http.MethodPost, "/api/tasks", map[string]any{
					"taskId": t.TaskID, "workflowInstanceId": t.WorkflowInstanceID, "status": "COMPLETED",
					"workerId": workerID, "outputData": map[string]any{"ok": true},
				}, nil)
				if err == nil {
					executed.Add(1)
				}
			})
		}
		done.Wait()
	}
}

func benchStarts(ctx context.Context, c *client, cfg config) (*report, error) {
	err := register(ctx, c, map[string]any{"name": "bench_starts", "version": 1, "schemaVersion": 2,
		"tasks": []any{map[string]any{"name": "bench_never_polled", "taskReferenceName": "t", "type": "SIMPLE"}}})
	if err != nil {
		return nil, err
	}
	rec, elapsed := drive(ctx, cfg, func(ctx context.Context) error {
		_, _, err := c.do(ctx, http.MethodPost, "/api/workflow", startRequest("bench_starts"), nil)
		return err
	})
	return rec.report("starts", "starts", elapsed), nil
}
