package api_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// Firing tests: the bundle's clock is the scheduler's; b.fire() is one scheduler round.

const schedulesPath = "/api/scheduler/schedules"

// scheduleExec is a row of GET /api/scheduler/search/executions.
type scheduleExec struct {
	ExecutionID          string         `json:"executionId"`
	ScheduleName         string         `json:"scheduleName"`
	ScheduledTime        int64          `json:"scheduledTime"`
	ExecutionTime        int64          `json:"executionTime"`
	WorkflowName         string         `json:"workflowName"`
	WorkflowID           string         `json:"workflowId"`
	Reason               string         `json:"reason"`
	State                string         `json:"state"`
	ZoneID               string         `json:"zoneId"`
	StartWorkflowRequest map[string]any `json:"startWorkflowRequest"`
}

// saveSchedule POSTs a schedule and requires 200; it returns the stored schedule.
func (b *testBundle) saveSchedule(sch obj) obj {
	b.t.Helper()
	resp := b.do(http.MethodPost, schedulesPath, sch)
	requireStatus(b.t, resp, http.StatusOK)
	return decodeObj(b.t, resp.Body)
}

// scheduleRuns returns the execution records of schedule name, oldest slot first.
func (b *testBundle) scheduleRuns(name string) []scheduleExec {
	b.t.Helper()
	resp := b.do(http.MethodGet, "/api/scheduler/search/executions?sort=scheduledTime:ASC&size=1000&query="+
		"scheduleName%20IN%20("+name+")", nil)
	requireStatus(b.t, resp, http.StatusOK)
	var res struct {
		TotalHits int            `json:"totalHits"`
		Results   []scheduleExec `json:"results"`
	}
	resp.JSON(b.t, &res)
	require.Equal(b.t, res.TotalHits, len(res.Results))
	return res.Results
}

// slotTimes lists the scheduled times of runs, in seconds after base.
func slotTimes(runs []scheduleExec, base time.Time) []int64 {
	out := make([]int64, len(runs))
	for i, r := range runs {
		out[i] = (r.ScheduledTime - base.UnixMilli()) / 1000
	}
	return out
}

// minuteBase moves the bundle clock to 10 s after the next whole minute and returns that minute.
func (b *testBundle) minuteBase() time.Time {
	now := b.clock.Now()
	next := now.Truncate(time.Minute).Add(time.Minute)
	b.clock.Advance(next.Sub(now) + 10*time.Second)
	return next
}

func everyMinute(name, workflow string, extra obj) obj {
	sch := obj{
		"name": name, "cronExpression": "0 * * ? * *",
		"startWorkflowRequest": obj{"name": workflow, "input": obj{"k": "v"}},
	}
	for k, v := range extra {
		sch[k] = v
	}
	return sch
}

func TestScheduleFiresAtItsSlotsWithInjectedInput(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.createWorkflow(oneTaskDef("sched_wf"))
	base := b.minuteBase()
	saved := b.saveSchedule(everyMinute("every_minute", "sched_wf", nil))
	require.Equal(t, json.Number(fmt.Sprint(base.Add(time.Minute).UnixMilli())), saved["nextRunTime"])

	require.Zero(t, b.fire(), "nothing is due before the first slot")
	b.clock.Advance(50 * time.Second) // base+60s: the slot
	require.Equal(t, 1, b.fire())
	require.Zero(t, b.fire(), "a slot fires once")

	runs := b.scheduleRuns("every_minute")
	require.Len(t, runs, 1)
	run := runs[0]
	require.Equal(t, "EXECUTED", run.State)
	require.Equal(t, base.Add(time.Minute).UnixMilli(), run.ScheduledTime)
	require.Equal(t, "UTC", run.ZoneID)
	require.NotEmpty(t, run.WorkflowID)

	wf := b.do(http.MethodGet, "/api/workflow/"+run.WorkflowID, nil)
	requireStatus(t, wf, http.StatusOK)
	input := decodeObj(t, wf.Body)["input"].(obj)
	require.Equal(t, "v", input["k"])
	require.Equal(t, "every_minute", input["_startedByScheduler"])
	require.Equal(t, json.Number(fmt.Sprint(run.ScheduledTime)), input["_scheduledTime"])
	require.Equal(t, json.Number(fmt.Sprint(run.ExecutionTime)), input["_executedTime"])
	require.Equal(t, run.ExecutionID, input["_executionId"])
	require.Equal(t, "0 * * ? * * UTC", input["_schedulerCron"])
}

func TestScheduleCatchUpReplaysMissedSlotsInOrder(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.createWorkflow(oneTaskDef("catchup_wf"))
	base := b.minuteBase()
	b.saveSchedule(everyMinute("catchup", "catchup_wf", obj{"runCatchupScheduleInstances": true}))
	b.saveSchedule(everyMinute("no_catchup", "catchup_wf", nil))

	// A 10-minute outage: no scheduler round runs from base+10s to base+10m+10s.
	b.clock.Advance(10 * time.Minute)
	b.fire()

	caught := b.scheduleRuns("catchup")
	require.Equal(t, []int64{60, 120, 180, 240, 300, 360, 420, 480, 540, 600}, slotTimes(caught, base),
		"every missed slot, in order")
	var created []int64
	for _, run := range caught {
		require.Equal(t, "EXECUTED", run.State)
		wf := decodeObj(t, b.do(http.MethodGet, "/api/workflow/"+run.WorkflowID, nil).Body)
		created = append(created, mustInt(t, wf["createTime"]))
	}
	require.IsNonDecreasing(t, created, "workflows started in slot order")

	require.Equal(t, []int64{60}, slotTimes(b.scheduleRuns("no_catchup"), base),
		"without catch-up the overdue slot fires once")
	sch := decodeObj(t, b.do(http.MethodGet, schedulesPath+"/no_catchup", nil).Body)
	require.Equal(t, json.Number(fmt.Sprint(base.Add(11*time.Minute).UnixMilli())), sch["nextRunTime"],
		"then scheduling jumps to the next future slot")

	b.clock.Advance(time.Minute)
	b.fire()
	require.Len(t, b.scheduleRuns("catchup"), 11)
	require.Equal(t, []int64{60, 660}, slotTimes(b.scheduleRuns("no_catchup"), base))
}

func mustInt(t *testing.T, v any) int64 {
	t.Helper()
	n, ok := v.(json.Number)
	require.True(t, ok, "want a number, got %v", v)
	i, err := n.Int64()
	require.NoError(t, err)
	return i
}

func TestSchedulePauseSkipsThePausedPeriod(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.createWorkflow(oneTaskDef("pause_wf"))
	base := b.minuteBase()
	b.saveSchedule(everyMinute("pausable", "pause_wf", obj{"runCatchupScheduleInstances": true}))
	b.clock.Advance(50 * time.Second)
	b.fire() // slot 60

	requireEmptyOK(t, b.do(http.MethodPut, schedulesPath+"/pausable/pause?reason=maintenance", nil))
	sch := decodeObj(t, b.do(http.MethodGet, schedulesPath+"/pausable", nil).Body)
	require.Equal(t, true, sch["paused"])
	require.Equal(t, "maintenance", sch["pausedReason"])
	require.NotContains(t, sch, "nextRunTime")
	for range 5 {
		b.clock.Advance(time.Minute)
		require.Zero(t, b.fire(), "a paused schedule does not fire")
	}
	// base+5m+60s: resume (GET, as the Orkes UI sends it); even with catch-up the paused
	// period is not replayed.
	b.clock.Advance(5 * time.Second)
	requireEmptyOK(t, b.do(http.MethodGet, schedulesPath+"/pausable/resume", nil))
	sch = decodeObj(t, b.do(http.MethodGet, schedulesPath+"/pausable", nil).Body)
	require.Equal(t, false, sch["paused"])
	require.NotContains(t, sch, "pausedReason")
	b.clock.Advance(time.Minute)
	b.fire()
	require.Equal(t, []int64{60, 420}, slotTimes(b.scheduleRuns("pausable"), base))
}

func TestScheduleWindowEdges(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.createWorkflow(oneTaskDef("window_wf"))
	base := b.minuteBase()
	// Window [base+2m, base+4m]: both edges are slots and both count.
	b.saveSchedule(everyMinute("windowed", "window_wf", obj{
		"runCatchupScheduleInstances": true,
		"scheduleStartTime":           base.Add(2 * time.Minute).UnixMilli(),
		"scheduleEndTime":             base.Add(4 * time.Minute).UnixMilli(),
	}))
	for range 8 {
		b.clock.Advance(time.Minute)
		b.fire()
	}
	require.Equal(t, []int64{120, 180, 240}, slotTimes(b.scheduleRuns("windowed"), base))
	sch := decodeObj(t, b.do(http.MethodGet, schedulesPath+"/windowed", nil).Body)
	require.NotContains(t, sch, "nextRunTime", "no slot is left after the window")
	require.Equal(t, "windowed", sch["name"], "the schedule stays stored")
}

func TestScheduleOverlapSkip(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.createWorkflow(oneTaskDef("overlap_wf")) // one SIMPLE task: runs until a worker completes it
	base := b.minuteBase()
	b.saveSchedule(everyMinute("skipper", "overlap_wf", obj{"overlapPolicy": "SKIP"}))
	b.saveSchedule(everyMinute("allower", "overlap_wf", nil))
	for range 3 {
		b.clock.Advance(time.Minute)
		b.fire()
	}
	skipped := b.scheduleRuns("skipper")
	require.Equal(t, []int64{60, 120, 180}, slotTimes(skipped, base))
	require.Equal(t, "EXECUTED", skipped[0].State)
	for _, run := range skipped[1:] {
		require.Equal(t, "SKIPPED", run.State)
		require.Contains(t, run.Reason, skipped[0].WorkflowID)
		require.Empty(t, run.WorkflowID)
	}
	for _, run := range b.scheduleRuns("allower") {
		require.Equal(t, "EXECUTED", run.State, "ALLOW starts every slot")
	}

	// Once the running workflow ends, the next slot starts again.
	requireStatus(t, b.do(http.MethodDelete, "/api/workflow/"+skipped[0].WorkflowID+"?reason=done", nil), http.StatusOK)
	b.clock.Advance(time.Minute)
	b.fire()
	last := b.scheduleRuns("skipper")[3]
	require.Equal(t, "EXECUTED", last.State)
	require.NotEqual(t, skipped[0].WorkflowID, last.WorkflowID)
}

func TestScheduleStartFailureIsRecorded(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.createWorkflow(oneTaskDef("doomed_wf"))
	base := b.minuteBase()
	b.saveSchedule(everyMinute("doomed", "doomed_wf", nil))
	requireStatus(t, b.do(http.MethodDelete, workflowPath+"/doomed_wf/1", nil), http.StatusOK)
	b.clock.Advance(time.Minute)
	require.Equal(t, 1, b.fire())
	runs := b.scheduleRuns("doomed")
	require.Equal(t, []int64{60}, slotTimes(runs, base))
	require.Equal(t, "FAILED", runs[0].State)
	require.Contains(t, runs[0].Reason, "doomed_wf")
	require.Empty(t, runs[0].WorkflowID)
}
