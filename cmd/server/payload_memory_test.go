package main_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/podiumhq/podium/store/storetest"
)

// memoryCeiling is what the server's peak resident memory must stay under, whatever the
// workflows it runs do.
const memoryCeiling = 1 << 30

// procStatusBytes reads a "VmXxx: N kB" line of /proc/<pid>/status.
func procStatusBytes(t testing.TB, pid int, field string) int64 {
	t.Helper()
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	require.NoError(t, err)
	for line := range strings.SplitSeq(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, field+":"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			require.NoError(t, err)
			return kb << 10
		}
	}
	t.Fatalf("no %s in /proc/%d/status", field, pid)
	return 0
}

// payloadRig is a running server with the adversarial definitions registered.
type payloadRig struct {
	t testing.TB
	p *process
}

// inlineTaskJSON is an INLINE task running expression; optional tasks let a chain go on past
// a failed one.
func inlineTaskJSON(ref, expression string, optional bool) map[string]any {
	return map[string]any{"name": ref, "taskReferenceName": ref, "type": "INLINE", "optional": optional,
		"inputParameters": map[string]any{"evaluatorType": "javascript", "expression": expression}}
}

func (r *payloadRig) register(name string, tasks ...map[string]any) {
	r.t.Helper()
	body, err := json.Marshal(map[string]any{"name": name, "version": 1, "schemaVersion": 2, "tasks": tasks,
		"ownerEmail": "memory@podium.test"})
	require.NoError(r.t, err)
	status, resp := r.p.call(r.t, http.MethodPost, "/api/metadata/workflow", string(body))
	require.Equal(r.t, http.StatusOK, status, resp)
}

// run starts name and returns its final status and reason (inline-only workflows end in the
// start's own transaction).
func (r *payloadRig) run(name string) (id, status, reason string) {
	r.t.Helper()
	code, id := r.p.call(r.t, http.MethodPost, "/api/workflow/"+name, "{}")
	require.Equal(r.t, http.StatusOK, code, id)
	code, body := r.p.call(r.t, http.MethodGet, "/api/workflow/"+id+"?includeTasks=false", "")
	require.Equal(r.t, http.StatusOK, code, body)
	var wf struct {
		Status string `json:"status"`
		Reason string `json:"reasonForIncompletion"`
	}
	require.NoError(r.t, json.Unmarshal([]byte(body), &wf))
	return id, wf.Status, wf.Reason
}

// getSize fetches the execution with its tasks, discarding the body, and returns its length.
func (r *payloadRig) getSize(id string) int64 {
	r.t.Helper()
	resp, err := http.Get("http://" + r.p.addr + "/api/workflow/" + id)
	require.NoError(r.t, err)
	defer resp.Body.Close()
	require.Equal(r.t, http.StatusOK, resp.StatusCode)
	n, err := io.Copy(io.Discard, resp.Body)
	require.NoError(r.t, err)
	return n
}

func (r *payloadRig) peak() int64 { return procStatusBytes(r.t, r.p.cmd.Process.Pid, "VmHWM") }

const (
	// sixtyMB is the script: a 60 MB string result.
	sixtyMB = "var s = 'x'.repeat(30000000); s + s"
	// nearLimit returns just under the default 1 MiB payload limit.
	nearLimit = "'x'.repeat(1000000)"
	// doubling builds ever larger strings until something stops it.
	doubling = "var s = 'x'.repeat(1 << 24); for (;;) s = s + s"
)

func startPayloadRig(t testing.TB, chain int, env ...string) *payloadRig {
	t.Helper()
	name := storetest.NewDatabaseName()
	t.Cleanup(func() { storetest.Drop(t, name) })
	r := &payloadRig{t: t, p: start(t, storetest.URLFor(t, name), env...)}
	r.register("sixty_mb", inlineTaskJSON("big", sixtyMB, false))
	r.register("doubling", inlineTaskJSON("big", doubling, false))
	var bigChain, wideChain []map[string]any
	for i := range 5 {
		bigChain = append(bigChain, inlineTaskJSON(fmt.Sprintf("big%d", i), sixtyMB, true))
	}
	for i := range chain {
		wideChain = append(wideChain, inlineTaskJSON(fmt.Sprintf("t%d", i), nearLimit, false))
	}
	r.register("sixty_mb_chain", bigChain...)
	r.register("near_limit_chain", wideChain...)
	return r
}

// TestPayloadLimitsBoundServerMemory runs the adversarial workflows against the real
// binary, at a modest size, and requires its peak RSS to stay under 1 GiB. The server runs as
// the README advises for a hard memory budget, with GOMEMLIMIT below it: without it, what the
// collector has not yet freed of an earlier script adds to a later one's peak, and whether
// the last step of string doubling (a 512 MB concatenation the heap watch cannot split) lands
// above the ceiling is the collector's timing.
func TestPayloadLimitsBoundServerMemory(t *testing.T) {
	t.Parallel()
	r := startPayloadRig(t, 10, "GOMEMLIMIT="+strconv.Itoa(memoryCeiling*3/4))
	base := r.peak()

	_, status, reason := r.run("sixty_mb")
	require.Equal(t, "FAILED", status)
	require.Contains(t, reason, "script result of at least 60000000 bytes is greater than the permissible limit: 1048576 bytes")
	t.Logf("server VmHWM after a 60 MB INLINE result: %d MiB (%d MiB at start)", r.peak()>>20, base>>20)
	_, status, reason = r.run("sixty_mb_chain")
	require.Equal(t, "COMPLETED", status, "optional tasks: the chain runs every 60 MB script, each failing")
	require.Empty(t, reason)
	t.Logf("server VmHWM after a chain of five: %d MiB", r.peak()>>20)
	_, status, reason = r.run("doubling")
	require.Equal(t, "FAILED", status)
	// The heap watch stops it, or, on a slow machine (the race detector), its time limit first.
	require.Regexp(t, "script exceeded the memory limit|script timed out", reason)
	t.Logf("server VmHWM after string doubling: %d MiB", r.peak()>>20)
	id, status, reason := r.run("near_limit_chain")
	require.Equal(t, "COMPLETED", status, reason)
	size := r.getSize(id)
	require.Greater(t, size, int64(10_000_000))

	peak := r.peak()
	t.Logf("server VmHWM after a 10-task execution of 1 MB outputs and its GET (%d MiB body): %d MiB", size>>20, peak>>20)
	require.Less(t, peak, int64(memoryCeiling))
}

// BenchmarkAdversarialPayloads is the full-size run (go test ./cmd/server -run '^$' -bench
// AdversarialPayloads -benchtime 1x): concurrent 60 MB scripts, chains of them, string
// doubling, and concurrent GETs of a 100-task execution of ~100 MB. It reports the server's
// peak RSS and fails above 1 GiB.
//
// The server runs with Go's default memory settings: the one decision that builds the 100 MB
// execution (every task inline, in one transaction) is what sets the peak.
func BenchmarkAdversarialPayloads(b *testing.B) {
	r := startPayloadRig(b, 100)
	base := r.peak()
	id, status, reason := r.run("near_limit_chain")
	require.Equal(b, "COMPLETED", status, reason)
	built := r.peak()
	var body int64
	for b.Loop() {
		var wg sync.WaitGroup
		for _, name := range []string{"sixty_mb", "sixty_mb", "sixty_mb_chain", "sixty_mb_chain", "doubling"} {
			wg.Go(func() { r.run(name) })
		}
		var mu sync.Mutex
		for range 4 {
			wg.Go(func() {
				n := r.getSize(id)
				mu.Lock()
				body = n
				mu.Unlock()
			})
		}
		wg.Wait()
	}
	peak := r.peak()
	b.ReportMetric(float64(base>>20), "start-MiB")
	b.ReportMetric(float64(built>>20), "built-MiB")
	b.ReportMetric(float64(peak>>20), "peak-MiB")
	b.ReportMetric(float64(body>>20), "body-MiB")
	require.Less(b, peak, int64(memoryCeiling), "server peak RSS (VmHWM)")
}
