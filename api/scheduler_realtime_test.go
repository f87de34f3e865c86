package api_test

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/podiumhq/podium/api"
	"github.com/podiumhq/podium/engine"
	"github.com/podiumhq/podium/internal/schedule"
	"github.com/podiumhq/podium/internal/search"
	"github.com/podiumhq/podium/store"
	"github.com/podiumhq/podium/store/storetest"
)

// Real-time scheduler tests: engines with the real clock and their scheduler loop running
// (gocron wake-ups, NOTIFY, reconcile), as in production. They sleep for real, so they do not
// run in parallel with other tests: a busy machine would make their timing dishonest.

// realtimeProcess is one server process: an engine and its schedule service.
type realtimeProcess struct {
	engine    *engine.Engine
	schedules *schedule.Service
	search    *search.Service
}

// startRealtimeEngine starts an engine and a schedule service with their own connection pool
// on the database dbURL, with the real clock and default scheduling; they stop (the scheduler
// first, then the engine, then its pool closes) when t ends.
func startRealtimeEngine(t *testing.T, dbURL string, logs *syncBuffer, name string) *realtimeProcess {
	t.Helper()
	st := openStore(t, store.Config{URL: dbURL, MaxConns: 4}) // closes after the engine stops
	logger := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelInfo})).With("engine", name)
	hub := runHub(t, st, logger)
	eng := startEngine(t, engine.Config{Store: st, Logger: logger, Notify: hub})
	schedules := startSchedules(t, schedule.Config{Store: st, Logger: logger, Notify: hub, Starter: eng})
	return &realtimeProcess{engine: eng, schedules: schedules, search: search.New(st, eng)}
}

// realtimeBundle serves the API of process p over HTTP. Its clock is nil: the engines tell the
// real time, so the helpers that move a test clock must not be used with it.
func realtimeBundle(t *testing.T, dbURL string, p *realtimeProcess, logs *syncBuffer) *testBundle {
	t.Helper()
	logger := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelInfo})).With("api", "http")
	srv := httptest.NewServer(api.NewRouter(api.Config{Engine: p.engine, Search: p.search, Schedules: p.schedules, Access: p.engine.Access(),
		Secrets: p.engine.Secrets(), Metadata: p.engine.Metadata(), Logger: logger, Version: "test", AuthOff: true}))
	t.Cleanup(srv.Close)
	return &testBundle{t: t, server: srv, engine: p.engine, schedules: p.schedules, logs: logs, databaseURL: dbURL}
}

// dumpLogsOnFailure prints the server log when t fails.
func dumpLogsOnFailure(t *testing.T, logs *syncBuffer) {
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("server log:\n%s", logs.String())
		}
	})
}

// waitSchedulesSettled waits (bounded) until no execution record of schedule name is POLLED
// any more and returns the records, oldest slot first.
func (b *testBundle) waitSchedulesSettled(name string, bound time.Duration) []scheduleExec {
	b.t.Helper()
	deadline := time.Now().Add(bound)
	for {
		runs := b.scheduleRuns(name)
		pending := 0
		for _, r := range runs {
			if r.State == "POLLED" {
				pending++
			}
		}
		if pending == 0 || time.Now().After(deadline) {
			return runs
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// percentile returns the p-th percentile (nearest rank) of sorted values.
func percentile(sorted []int64, p float64) int64 {
	rank := int(float64(len(sorted))*p+0.999999) - 1
	return sorted[min(max(rank, 0), len(sorted)-1)]
}

func TestSchedulerRealtimeThreeInstancesFireEverySlotOnce(t *testing.T) {
	// Not parallel: the timing must be honest.
	dbURL := storetest.NewDatabaseURL(t)
	logs := &syncBuffer{}
	dumpLogsOnFailure(t, logs)
	engines := make([]*realtimeProcess, 3)
	for i := range engines {
		engines[i] = startRealtimeEngine(t, dbURL, logs, fmt.Sprint(i+1))
	}
	b := realtimeBundle(t, dbURL, engines[0], logs)

	const wfName, schName = "rt_every_second_wf", "rt_every_second"
	// One SET_VARIABLE task: the workflow completes as it starts, no worker needed.
	b.createWorkflow(workflowDef(wfName, task("remember", "SET_VARIABLE",
		"inputParameters", obj{"slot": "${workflow.input._scheduledTime}"})))

	saveStart := time.Now()
	b.saveSchedule(obj{
		"name": schName, "cronExpression": "0/1 * * ? * *",
		"startWorkflowRequest": obj{"name": wfName, "input": obj{"k": "v"}},
	})
	saveEnd := time.Now()
	time.Sleep(20 * time.Second)
	pauseStart := time.Now()
	requireEmptyOK(t, b.do(http.MethodPut, schedulesPath+"/"+schName+"/pause?reason=done", nil))
	pauseEnd := time.Now()
	time.Sleep(2 * time.Second) // in-flight starts settle

	// The execution records.
	runs := b.scheduleRuns(schName)
	require.GreaterOrEqual(t, len(runs), 18, "20 s of an every-second schedule: slots %v", slotSeconds(runs))
	execIDs, wfIDs := map[string]bool{}, map[string]bool{}
	bySlot := map[int64]scheduleExec{}
	for i, r := range runs {
		require.Equal(t, "EXECUTED", r.State, "slot %d (%d): %+v", i, r.ScheduledTime, r)
		require.NotEmpty(t, r.WorkflowID, "slot %d", r.ScheduledTime)
		require.False(t, wfIDs[r.WorkflowID], "workflow %s recorded for two slots", r.WorkflowID)
		wfIDs[r.WorkflowID] = true
		require.False(t, execIDs[r.ExecutionID], "execution id %s recorded twice", r.ExecutionID)
		execIDs[r.ExecutionID] = true
		require.Zero(t, r.ScheduledTime%1000, "slot %d is not a whole second", r.ScheduledTime)
		_, dup := bySlot[r.ScheduledTime]
		require.False(t, dup, "slot %d recorded twice", r.ScheduledTime)
		bySlot[r.ScheduledTime] = r
		if i > 0 {
			require.Equal(t, int64(1000), r.ScheduledTime-runs[i-1].ScheduledTime,
				"slots must be consecutive seconds, without gap or repeat: %v", slotSeconds(runs))
		}
	}
	first, last := runs[0].ScheduledTime, runs[len(runs)-1].ScheduledTime
	require.Greater(t, first, saveStart.UnixMilli(), "the first slot comes after the save")
	require.LessOrEqual(t, first, saveEnd.UnixMilli()+1000, "the first slot after the save fired")
	require.LessOrEqual(t, last, pauseEnd.UnixMilli(), "no slot fires after the pause")
	require.GreaterOrEqual(t, last, pauseStart.UnixMilli()-2000, "slots kept firing until the pause")

	// Lateness: executionTime - scheduledTime.
	lateness := make([]int64, len(runs))
	onTime := 0
	for i, r := range runs {
		lateness[i] = r.ExecutionTime - r.ScheduledTime
		require.GreaterOrEqual(t, lateness[i], int64(0), "slot %d started before its time (at %d)", r.ScheduledTime, r.ExecutionTime)
		if lateness[i] < 1000 {
			onTime++
		}
	}
	sorted := slices.Clone(lateness)
	slices.Sort(sorted)
	t.Logf("%d slots from %s to %s; lateness (executionTime - scheduledTime) p50=%d ms p99=%d ms max=%d ms; all: %v",
		len(runs), time.UnixMilli(first).UTC().Format(time.RFC3339), time.UnixMilli(last).UTC().Format(time.RFC3339),
		percentile(sorted, 0.50), percentile(sorted, 0.99), sorted[len(sorted)-1], lateness)
	require.GreaterOrEqual(t, onTime*100, 95*len(runs),
		"at least 95%% of slots must start within 1 s; lateness in ms: %v", lateness)

	// The workflows, through the search API.
	query := url.QueryEscape("workflowType IN (" + wfName + ")")
	resp := b.do(http.MethodGet, "/api/workflow/search-v2?size=1000&query="+query, nil)
	requireStatus(t, resp, http.StatusOK)
	page := decodeObj(t, resp.Body)
	results, _ := page["results"].(arr)
	require.Equal(t, num(int64(len(runs))), page["totalHits"], "one workflow per record")
	require.Len(t, results, len(runs), "one workflow per record")
	matched := map[int64]int{}
	for _, item := range results {
		wf := item.(obj)
		id := wf["workflowId"].(string)
		input, ok := wf["input"].(obj)
		require.True(t, ok, "workflow %s has no input", id)
		slot := int64Of(t, input["_scheduledTime"])
		rec, ok := bySlot[slot]
		require.True(t, ok, "workflow %s was started for slot %d, which has no record", id, slot)
		matched[slot]++
		require.Equal(t, rec.WorkflowID, id, "the record of slot %d names another workflow", slot)
		require.Equal(t, rec.ExecutionID, input["_executionId"], "slot %d", slot)
		require.Equal(t, schName, input["_startedByScheduler"])
		require.Equal(t, "v", input["k"])
		require.Equal(t, "COMPLETED", wf["status"], "workflow %s", id)
	}
	for slot := range bySlot {
		require.Equal(t, 1, matched[slot], "slot %d must have exactly one workflow", slot)
	}

	// The same, straight from the database.
	conn, err := pgx.Connect(context.Background(), dbURL)
	require.NoError(t, err)
	defer conn.Close(context.Background())
	var workflows, records, slots int
	require.NoError(t, conn.QueryRow(context.Background(),
		`SELECT count(*) FROM workflows WHERE workflow_name = $1`, wfName).Scan(&workflows))
	require.NoError(t, conn.QueryRow(context.Background(),
		`SELECT count(*), count(DISTINCT scheduled_time) FROM schedule_executions WHERE schedule_name = $1`,
		schName).Scan(&records, &slots))
	require.Equal(t, len(runs), workflows, "workflows started")
	require.Equal(t, len(runs), records, "execution records")
	require.Equal(t, len(runs), slots, "distinct slots")
}

// slotSeconds lists the slots of runs as seconds (for failure messages).
func slotSeconds(runs []scheduleExec) []int64 {
	out := make([]int64, len(runs))
	for i, r := range runs {
		out[i] = r.ScheduledTime / 1000
	}
	return out
}

func TestSchedulerRealtimeRotationEvery2s(t *testing.T) {
	// Not parallel: the timing must be honest.
	dbURL := storetest.NewDatabaseURL(t)
	logs := &syncBuffer{}
	dumpLogsOnFailure(t, logs)
	keyID, keySecret := randomValue(t, "kid-"), randomValue(t, "ksec-")

	// The token endpoint hands out a new token on every call.
	var mu sync.Mutex
	var tokens []string
	stub := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var creds struct{ KeyID, KeySecret string }
		if err := json.NewDecoder(r.Body).Decode(&creds); err != nil || creds.KeyID != keyID || creds.KeySecret != keySecret {
			http.Error(w, `{"error":"bad credentials"}`, http.StatusUnauthorized)
			return
		}
		mu.Lock()
		token := fmt.Sprintf("tok-%d-%s", len(tokens)+1, rand.Text()) // no t in a handler goroutine
		tokens = append(tokens, token)
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"token":%q,"expiresIn":3600}`, token)
	}))
	t.Cleanup(stub.Close) // registered before the engine's stop, so it closes after the engine stopped
	handedOut := func() []string {
		mu.Lock()
		defer mu.Unlock()
		return slices.Clone(tokens)
	}
	eng := startRealtimeEngine(t, dbURL, logs, "1")
	b := realtimeBundle(t, dbURL, eng, logs)

	for name, value := range map[string]string{"appKeyId": keyID, "appKeySecret": keySecret} {
		requireStatus(t, b.do(http.MethodPut, "/api/secrets/"+name, fmt.Sprintf("%q", value)), http.StatusOK)
	}
	// testdata/rotate_secret_workflow.json is the example of /work/shared/examples, byte for byte.
	def := strings.Replace(string(fixture(t, "rotate_secret_workflow.json")),
		"http://127.0.0.1:18081/oauth/token", stub.URL+"/oauth/token", 1)
	requireStatus(t, b.do(http.MethodPost, workflowPath, def), http.StatusOK)

	const schName, secretName = "rotate_every_2s", "my_secret_holding_a_token"
	b.saveSchedule(obj{
		"name": schName, "cronExpression": "0/2 * * ? * *",
		"startWorkflowRequest": obj{"name": "update_rotate_secrets_tracker_app", "input": obj{}},
	})

	// Sample the secret every 250 ms for 7 s (up to 9 s while fewer than 3 values were seen).
	var seen []string
	begin := time.Now()
	for {
		resp := b.do(http.MethodGet, "/api/secrets/"+secretName, nil)
		if resp.Status != http.StatusNotFound { // not rotated yet
			requireStatus(t, resp, http.StatusOK)
			var value string
			resp.JSON(t, &value)
			if len(seen) == 0 || seen[len(seen)-1] != value {
				seen = append(seen, value)
			}
		}
		elapsed := time.Since(begin)
		if elapsed >= 9*time.Second || (elapsed >= 7*time.Second && len(seen) >= 3) {
			break
		}
		time.Sleep(250 * time.Millisecond)
	}
	requireEmptyOK(t, b.do(http.MethodPut, schedulesPath+"/"+schName+"/pause?reason=done", nil))

	// The secret took at least 3 values, each a token the endpoint handed out, in that order.
	issued := handedOut()
	require.GreaterOrEqual(t, len(seen), 3, "the secret must rotate at least 3 times in 7 s (tokens handed out: %d)", len(issued))
	last := -1
	for i, value := range seen {
		at := slices.Index(issued, value)
		require.GreaterOrEqual(t, at, 0, "value %d of the secret was never handed out", i)
		require.Greater(t, at, last, "the secret went back to an older token: seen %v, issued %v", seen, issued)
		last = at
	}

	// Every slot started a workflow that completed; one token per workflow.
	runs := b.waitSchedulesSettled(schName, 5*time.Second)
	require.GreaterOrEqual(t, len(runs), 3)
	var responses []string
	for i, r := range runs {
		require.Equal(t, "EXECUTED", r.State, "slot %d: %+v", r.ScheduledTime, r)
		if i > 0 {
			require.Equal(t, int64(2000), r.ScheduledTime-runs[i-1].ScheduledTime, "consecutive 2 s slots: %v", slotSeconds(runs))
		}
		wf := b.waitForEnd(r.WorkflowID)
		require.Equal(t, "COMPLETED", wf["status"], "workflow %s: %v", r.WorkflowID, wf["reasonForIncompletion"])
		resp := b.do(http.MethodGet, "/api/workflow/"+r.WorkflowID+"?includeTasks=true", nil)
		requireStatus(t, resp, http.StatusOK)
		responses = append(responses, string(resp.Body))
	}
	issued = handedOut()
	require.Len(t, issued, len(runs), "one token request per scheduled run")
	resp := b.do(http.MethodGet, "/api/secrets/"+secretName, nil)
	requireStatus(t, resp, http.StatusOK)
	var final string
	resp.JSON(t, &final)
	require.Equal(t, issued[len(issued)-1], final, "the secret ends on the last token handed out")
	t.Logf("%d scheduled runs, %d tokens handed out, the secret took %d of them while sampled", len(runs), len(issued), len(seen))

	// Masking: no token and no credential in the executions or the execution records.
	resp = b.do(http.MethodGet, "/api/scheduler/search/executions?size=1000&query="+
		url.QueryEscape("scheduleName IN ("+schName+")"), nil)
	requireStatus(t, resp, http.StatusOK)
	responses = append(responses, string(resp.Body))
	text := strings.Join(responses, "\n")
	require.Contains(t, text, "retrieve_token", "the responses hold the executions with their tasks")
	for _, value := range append([]string{keyID, keySecret}, issued...) {
		require.NotContains(t, text, value, "an API response leaks a secret value")
	}
}
