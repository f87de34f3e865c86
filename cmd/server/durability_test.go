package main_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/podiumhq/podium/store/storetest"
)

// cluster is several podium processes on one database; any may be killed and restarted.
type cluster struct {
	t     *testing.T
	url   string
	mu    sync.Mutex
	procs []*process
}

func (c *cluster) addr(i int) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.procs[i].addr
}

func (c *cluster) any() string { return c.addr(rand.IntN(len(c.procs))) }

// kill SIGKILLs replica i and starts a new process in its place.
func (c *cluster) kill(i int) {
	c.mu.Lock()
	p := c.procs[i]
	c.mu.Unlock()
	require.NoError(c.t, p.cmd.Process.Kill())
	<-p.done
	_ = p.cmd.Wait()
	np := start(c.t, c.url)
	c.mu.Lock()
	c.procs[i] = np
	c.mu.Unlock()
}

// call sends a request to a random replica, trying others while one is down.
func (c *cluster) call(method, path, body string) (int, string, error) {
	var lastErr error
	for range 20 {
		req, err := http.NewRequest(method, "http://"+c.any()+path, strings.NewReader(body))
		if err != nil {
			return 0, "", err
		}
		req.Header.Set("Content-Type", "application/json")
		resp, err := httpClient.Do(req)
		if err != nil {
			lastErr = err
			time.Sleep(20 * time.Millisecond)
			continue
		}
		data := new(strings.Builder)
		_, err = fmt.Fprint(data, readAll(resp))
		resp.Body.Close()
		return resp.StatusCode, data.String(), err
	}
	return 0, "", lastErr
}

var httpClient = &http.Client{Timeout: 10 * time.Second}

func readAll(resp *http.Response) string {
	var b strings.Builder
	buf := make([]byte, 32<<10)
	for {
		n, err := resp.Body.Read(buf)
		b.Write(buf[:n])
		if err != nil {
			return b.String()
		}
	}
}

// TestKilledReplicasLoseNothingAndRunNoStepTwice runs three servers on one database, drives
// workflows (worker tasks, an inline task and an HTTP task) through all of them while replicas
// are SIGKILLed and restarted, and then checks that every workflow completed with exactly one
// successful attempt per step.
func TestKilledReplicasLoseNothingAndRunNoStepTwice(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("starts several server processes")
	}
	name := storetest.NewDatabaseName()
	t.Cleanup(func() { storetest.Drop(t, name) })
	c := &cluster{t: t, url: storetest.URLFor(t, name)}
	for range 3 {
		c.procs = append(c.procs, start(t, c.url))
	}

	var stubCalls sync.Map // workflow id → *atomic.Int32
	stub := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n, _ := stubCalls.LoadOrStore(r.URL.Query().Get("wf"), new(atomic.Int32))
		n.(*atomic.Int32).Add(1)
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"ok":true}`))
	}))
	defer stub.Close()

	status, body, err := c.call(http.MethodPost, "/api/metadata/taskdefs", `[
		{"name":"dur_a","retryCount":5,"retryDelaySeconds":0,"responseTimeoutSeconds":2},
		{"name":"dur_b","retryCount":5,"retryDelaySeconds":0,"responseTimeoutSeconds":2}]`)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, status, body)
	status, body, err = c.call(http.MethodPost, "/api/metadata/workflow", `{"name":"durable","version":1,"tasks":[
		{"name":"dur_a","taskReferenceName":"a","inputParameters":{"n":"${workflow.input.n}"}},
		{"name":"calc","taskReferenceName":"calc","type":"INLINE","inputParameters":{"expression":"$.x * 2","x":"${a.output.x}"}},
		{"name":"dur_b","taskReferenceName":"b","inputParameters":{"y":"${calc.output.result}"}},
		{"name":"call","taskReferenceName":"h","type":"HTTP","inputParameters":{
			"uri":"`+stub.URL+`/?wf=${workflow.workflowId}","method":"GET"}}]}`)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, status, body)

	const workflows = 150
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	var handedOut sync.Map // task id → worker that got it first
	var duplicates atomic.Int32
	var wg sync.WaitGroup
	for w := range 6 {
		taskType := []string{"dur_a", "dur_b"}[w%2]
		wg.Go(func() {
			worker := fmt.Sprintf("w%d", w)
			for ctx.Err() == nil {
				status, body, err := c.call(http.MethodGet, "/api/tasks/poll/batch/"+taskType+"?count=10&timeout=200&workerid="+worker, "")
				if err != nil || status != http.StatusOK {
					continue
				}
				var tasks []struct {
					TaskID     string         `json:"taskId"`
					WorkflowID string         `json:"workflowInstanceId"`
					PollCount  int            `json:"pollCount"`
					Input      map[string]any `json:"inputData"`
				}
				if json.Unmarshal([]byte(body), &tasks) != nil {
					continue
				}
				for _, task := range tasks {
					if _, seen := handedOut.LoadOrStore(task.TaskID, worker); seen {
						duplicates.Add(1)
					}
					out := `{"x":3}`
					c.call(http.MethodPost, "/api/tasks", fmt.Sprintf(
						`{"taskId":%q,"workflowInstanceId":%q,"status":"COMPLETED","workerId":%q,"outputData":%s}`,
						task.TaskID, task.WorkflowID, worker, out))
				}
			}
		})
	}

	ids := make([]string, 0, workflows)
	for i := range workflows {
		status, id, err := c.call(http.MethodPost, "/api/workflow", fmt.Sprintf(`{"name":"durable","input":{"n":%d}}`, i))
		require.NoError(t, err)
		require.Equal(t, http.StatusOK, status, id)
		ids = append(ids, id)
		if i == workflows/3 {
			c.kill(0)
		}
		if i == 2*workflows/3 {
			c.kill(1)
		}
	}
	c.kill(2)

	// Every accepted workflow must finish.
	pending := map[string]bool{}
	for _, id := range ids {
		pending[id] = true
	}
	for len(pending) > 0 && ctx.Err() == nil {
		for id := range pending {
			status, body, err := c.call(http.MethodGet, "/api/workflow/"+id+"/status", "")
			if err == nil && status == http.StatusOK && strings.Contains(body, `"COMPLETED"`) {
				delete(pending, id)
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	cancel()
	wg.Wait()
	for id := range pending {
		_, body, _ := c.call(http.MethodGet, "/api/workflow/"+id, "")
		t.Logf("stuck workflow %s: %s", id, body)
	}
	require.Empty(t, pending, "workflows that never completed")
	require.Zero(t, duplicates.Load(), "a task was handed to two workers")

	for _, id := range ids {
		status, body, err := c.call(http.MethodGet, "/api/workflow/"+id, "")
		require.NoError(t, err)
		require.Equal(t, http.StatusOK, status)
		var wf struct {
			Status string `json:"status"`
			Tasks  []struct {
				Ref    string `json:"referenceTaskName"`
				Status string `json:"status"`
			} `json:"tasks"`
		}
		require.NoError(t, json.Unmarshal([]byte(body), &wf))
		completed := map[string]int{}
		for _, task := range wf.Tasks {
			if task.Status == "COMPLETED" {
				completed[task.Ref]++
			}
		}
		require.Equal(t, map[string]int{"a": 1, "calc": 1, "b": 1, "h": 1}, completed, "workflow %s: one successful attempt per step", id)
		n, ok := stubCalls.Load(id)
		require.True(t, ok, "workflow %s never called the HTTP endpoint", id)
		require.GreaterOrEqual(t, n.(*atomic.Int32).Load(), int32(1))
	}
}
