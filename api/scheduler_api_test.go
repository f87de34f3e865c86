package api_test

import (
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"
	_ "time/tzdata" // the zones these tests name resolve without a host zoneinfo database

	"github.com/stretchr/testify/require"
)

// Endpoint tests of the scheduler API: saving, reading, listing, deleting, pausing, bulk
// operations, searches, status, tags and the admin endpoints. Firing itself is tested in
// scheduler_firing_test.go.

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

const schedulerAPIPath = "/api/scheduler"

// schedPath is the path of schedule name (escaped) plus an optional suffix such as "/pause".
func schedPath(name, suffix string) string {
	return schedulesPath + "/" + url.PathEscape(name) + suffix
}

// schedFor returns a copy of the bundle whose helpers report to t, so that subtests can share
// one server.
func (b *testBundle) schedFor(t *testing.T) *testBundle {
	c := *b
	c.t = t
	return &c
}

// getSched fetches a schedule and requires 200 with a JSON body.
func (b *testBundle) getSched(name string) obj {
	b.t.Helper()
	resp := b.do(http.MethodGet, schedPath(name, ""), nil)
	requireStatus(b.t, resp, http.StatusOK)
	require.Equal(b.t, "application/json", resp.Header.Get("Content-Type"))
	return decodeObj(b.t, resp.Body)
}

// requireNoSched asserts GET name answers Conductor's 404.
func (b *testBundle) requireNoSched(name string) {
	b.t.Helper()
	requireError(b.t, b.do(http.MethodGet, schedPath(name, ""), nil), http.StatusNotFound,
		"Schedule '"+name+"' not found")
}

// schedNamesOf returns the names of a JSON list of schedules, in order.
func schedNamesOf(t *testing.T, list arr) []string {
	t.Helper()
	names := make([]string, len(list))
	for i, v := range list {
		sch, ok := v.(obj)
		require.True(t, ok, "want a schedule object, got %T %v", v, v)
		names[i], ok = sch["name"].(string)
		require.True(t, ok, "schedule without a name: %v", sch)
	}
	return names
}

// schedList answers GET path (a list of schedules) and returns the list, requiring 200 and a
// JSON array.
func (b *testBundle) schedList(path string) arr {
	b.t.Helper()
	resp := b.do(http.MethodGet, path, nil)
	requireStatus(b.t, resp, http.StatusOK)
	require.Equal(b.t, "application/json", resp.Header.Get("Content-Type"))
	return decodeArr(b.t, resp.Body)
}

// schedSearch answers GET /schedules/search?query and returns totalHits and the results.
func (b *testBundle) schedSearch(query string) (int64, arr) {
	b.t.Helper()
	resp := b.do(http.MethodGet, schedulesPath+"/search?"+query, nil)
	requireStatus(b.t, resp, http.StatusOK)
	require.Equal(b.t, "application/json", resp.Header.Get("Content-Type"))
	res := decodeObj(b.t, resp.Body)
	results, ok := res["results"].(arr)
	require.True(b.t, ok, "results must be a JSON array: %s", resp.Body)
	return mustInt(b.t, res["totalHits"]), results
}

// searchNames is schedSearch returning the names of the results.
func (b *testBundle) searchNames(query string) (int64, []string) {
	b.t.Helper()
	total, results := b.schedSearch(query)
	return total, schedNamesOf(b.t, results)
}

// execSearch answers GET /search/executions with params and returns totalHits and the rows.
func (b *testBundle) execSearch(params url.Values) (int, []scheduleExec) {
	b.t.Helper()
	resp := b.do(http.MethodGet, schedulerAPIPath+"/search/executions?"+params.Encode(), nil)
	requireStatus(b.t, resp, http.StatusOK)
	require.Equal(b.t, "application/json", resp.Header.Get("Content-Type"))
	raw := decodeObj(b.t, resp.Body)
	_, ok := raw["results"].(arr)
	require.True(b.t, ok, "results must be a JSON array: %s", resp.Body)
	var res struct {
		TotalHits int            `json:"totalHits"`
		Results   []scheduleExec `json:"results"`
	}
	resp.JSON(b.t, &res)
	return res.TotalHits, res.Results
}

// execNames lists the schedule names of rows.
func execNames(rows []scheduleExec) []string {
	out := make([]string, len(rows))
	for i, r := range rows {
		out[i] = r.ScheduleName
	}
	return out
}

// execScheduledTimes lists the scheduled times of rows.
func execScheduledTimes(rows []scheduleExec) []int64 {
	out := make([]int64, len(rows))
	for i, r := range rows {
		out[i] = r.ScheduledTime
	}
	return out
}

// requireSchedBadRequest asserts a 400 with Conductor's JSON error body whose message contains
// want, ignoring case.
func requireSchedBadRequest(t *testing.T, resp response, want string) {
	t.Helper()
	requireStatus(t, resp, http.StatusBadRequest)
	require.Equal(t, "application/json", resp.Header.Get("Content-Type"))
	e := resp.Error(t)
	require.False(t, e.Retryable)
	require.Contains(t, strings.ToLower(e.Message), strings.ToLower(want), "message %q", e.Message)
}

// requireNear asserts that the epoch-ms value v is within 5 s of want.
func requireNear(t *testing.T, want time.Time, v any, what string) {
	t.Helper()
	ms := mustInt(t, v)
	require.InDelta(t, want.UnixMilli(), ms, 5000, "%s %d must be the server's time %d", what, ms, want.UnixMilli())
}

// futureSlot returns nextRunTime of sch, requiring a whole second after now and at most
// within after now.
func futureSlot(t *testing.T, sch obj, now time.Time, within time.Duration) time.Time {
	t.Helper()
	require.Contains(t, sch, "nextRunTime")
	ms := mustInt(t, sch["nextRunTime"])
	require.Zero(t, ms%1000, "nextRunTime %d is a whole second", ms)
	next := time.UnixMilli(ms)
	require.True(t, next.After(now), "nextRunTime %v must be after now %v", next, now)
	require.False(t, next.After(now.Add(within)), "nextRunTime %v must be within %v of now %v", next, within, now)
	return next
}

// simpleSched is a minimal valid schedule of workflow wf.
func simpleSched(name, wf string) obj {
	return obj{"name": name, "cronExpression": "0 0 * ? * *", "startWorkflowRequest": obj{"name": wf}}
}

// ---------------------------------------------------------------------------------------------
// Save and read
// ---------------------------------------------------------------------------------------------

func TestSchedulerAPISaveRoundTrip(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.createWorkflow(oneTaskDef("rt_wf"))
	now := b.clock.Now()
	start, end := now.Add(-time.Hour).UnixMilli(), now.Add(30*24*time.Hour).UnixMilli()
	input := obj{"k": "v", "n": 3, "nested": obj{"list": arr{1, "two", nil, true}}}
	sent := obj{
		"name": "round_trip", "cronExpression": "0 15 10 ? * *", "zoneId": "Europe/Paris",
		"startWorkflowRequest": obj{"name": "rt_wf", "version": 1, "input": input,
			"correlationId": "corr-1", "priority": 7},
		"paused": false, "runCatchupScheduleInstances": true,
		"scheduleStartTime": start, "scheduleEndTime": end,
		"description": "a round trip", "overlapPolicy": "SKIP",
		// Unknown members survive.
		"orgId": "0000", "podiumTestExtra": obj{"list": arr{1, "x"}, "flag": true},
		// Server-set members are ignored.
		"createTime": 1000, "updatedTime": 2000, "createdBy": "mallory", "updatedBy": "mallory", "nextRunTime": 5000,
	}
	resp := b.do(http.MethodPost, schedulesPath, sent)
	requireStatus(t, resp, http.StatusOK)
	require.Equal(t, "application/json", resp.Header.Get("Content-Type"))
	saved := decodeObj(t, resp.Body)
	got := b.getSched("round_trip")
	require.Equal(t, saved, got, "the save answers the stored schedule")

	paris, err := time.LoadLocation("Europe/Paris")
	require.NoError(t, err)
	for label, sch := range map[string]obj{"save answer": saved, "GET": got} {
		require.Equal(t, "round_trip", sch["name"], label)
		require.Equal(t, "0 15 10 ? * *", sch["cronExpression"], label)
		require.Equal(t, "Europe/Paris", sch["zoneId"], label)
		req, ok := sch["startWorkflowRequest"].(obj)
		require.True(t, ok, "%s: startWorkflowRequest: %v", label, sch["startWorkflowRequest"])
		require.Equal(t, "rt_wf", req["name"], label)
		require.Equal(t, num(1), req["version"], label)
		require.Equal(t, decodeExact(t, mustJSON(t, input)), req["input"], label)
		require.Equal(t, "corr-1", req["correlationId"], label)
		require.Equal(t, num(7), req["priority"], label)
		require.Equal(t, false, sch["paused"], label)
		require.Equal(t, true, sch["runCatchupScheduleInstances"], label)
		require.Equal(t, num(start), sch["scheduleStartTime"], label)
		require.Equal(t, num(end), sch["scheduleEndTime"], label)
		require.Equal(t, "a round trip", sch["description"], label)
		require.Equal(t, "SKIP", sch["overlapPolicy"], label)
		require.Equal(t, arr{}, sch["tags"], label+": no tags is []")
		require.Equal(t, "0000", sch["orgId"], label)
		require.Equal(t, decodeExact(t, mustJSON(t, sent["podiumTestExtra"])), sch["podiumTestExtra"], label)

		require.NotEqual(t, num(1000), sch["createTime"], label+": a client createTime is ignored")
		requireNear(t, now, sch["createTime"], label+" createTime")
		require.Contains(t, sch, "updatedTime", label)
		require.NotContains(t, sch, "updateTime", label+": the member is updatedTime")
		requireNear(t, now, sch["updatedTime"], label+" updatedTime")
		require.NotEqual(t, "mallory", sch["createdBy"], label+": a client createdBy is ignored")
		require.NotEqual(t, "mallory", sch["updatedBy"], label+": a client updatedBy is ignored")

		next := futureSlot(t, sch, now, 25*time.Hour).In(paris)
		require.Equal(t, []int{10, 15, 0}, []int{next.Hour(), next.Minute(), next.Second()},
			"%s: nextRunTime %v is 10:15:00 in Paris", label, next)
	}

	// zoneId defaults to UTC.
	def := b.saveSchedule(obj{"name": "utc_default", "cronExpression": "0 */5 * ? * *",
		"startWorkflowRequest": obj{"name": "rt_wf"}})
	for _, sch := range []obj{def, b.getSched("utc_default")} {
		require.Equal(t, "UTC", sch["zoneId"])
		require.Equal(t, false, sch["paused"])
		require.Equal(t, false, sch["runCatchupScheduleInstances"])
		require.Equal(t, arr{}, sch["tags"])
		next := futureSlot(t, sch, now, 5*time.Minute)
		require.Zero(t, next.UnixMilli()%(5*time.Minute).Milliseconds(), "a 5-minute slot")
	}

	// The documentation's examples send "" for version and priority.
	resp = b.do(http.MethodPost, schedulesPath, `{"name":"empty_strings","cronExpression":"0 0 * ? * *",
		"startWorkflowRequest":{"name":"rt_wf","version":"","priority":"","input":{"a":1}}}`)
	requireStatus(t, resp, http.StatusOK)
	req := b.getSched("empty_strings")["startWorkflowRequest"].(obj)
	require.Equal(t, "rt_wf", req["name"])
	require.Nil(t, req["version"], "an empty version means the latest")
	require.Equal(t, num(0), req["priority"])
	require.Equal(t, obj{"a": num(1)}, req["input"])
}

func TestSchedulerAPISaveAgainUpdates(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.createWorkflow(oneTaskDef("upd_wf"))
	first := b.saveSchedule(obj{"name": "upd", "cronExpression": "0 0 0 1 1 ?", "description": "v1",
		"startWorkflowRequest": obj{"name": "upd_wf"}, "tags": arr{obj{"key": "env", "value": "prod"}}})
	firstNext := time.UnixMilli(mustInt(t, first["nextRunTime"])).UTC()
	require.Equal(t, []int{1, 1, 0, 0}, []int{int(firstNext.Month()), firstNext.Day(), firstNext.Hour(), firstNext.Minute()},
		"yearly at midnight of January 1st: %v", firstNext)

	b.clock.Advance(time.Minute)
	now := b.clock.Now()
	second := b.saveSchedule(obj{"name": "upd", "cronExpression": "0 0 * ? * *", "description": "v2",
		"startWorkflowRequest": obj{"name": "upd_wf", "input": obj{"x": 1}}, "createTime": 1})
	require.Equal(t, second, b.getSched("upd"))
	require.Equal(t, first["createTime"], second["createTime"], "an update keeps the creation time")
	require.GreaterOrEqual(t, mustInt(t, second["updatedTime"]), mustInt(t, first["updatedTime"]))
	requireNear(t, now, second["updatedTime"], "updatedTime")
	require.Equal(t, "0 0 * ? * *", second["cronExpression"])
	require.Equal(t, "v2", second["description"])
	require.Equal(t, obj{"x": num(1)}, second["startWorkflowRequest"].(obj)["input"])
	next := futureSlot(t, second, now, time.Hour)
	require.Zero(t, next.UnixMilli()%time.Hour.Milliseconds(), "the new cron is hourly")
	require.NotEqual(t, first["nextRunTime"], second["nextRunTime"])
	require.Equal(t, arr{obj{"key": "env", "value": "prod"}}, second["tags"],
		"a save without a tags member keeps the tags")
	require.Equal(t, []string{"upd"}, schedNamesOf(t, b.schedList(schedulesPath)), "an update is not a second schedule")
}

func TestSchedulerAPISaveRejectsBadInput(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.createWorkflow(oneTaskDef("val_wf")) // version 1 only
	now := b.clock.Now()
	valid := func(name string) obj {
		return obj{"name": name, "cronExpression": "0 0 * ? * *", "description": "valid",
			"startWorkflowRequest": obj{"name": "val_wf", "input": obj{"k": "v"}},
			"tags":                 arr{obj{"key": "keep", "value": "me"}}}
	}
	edit := func(kv ...any) func(string) any {
		return func(name string) any { return with(valid(name), kv...) }
	}
	withStart := func(kv ...any) func(string) any {
		return func(name string) any {
			sch := valid(name)
			sch["startWorkflowRequest"] = with(sch["startWorkflowRequest"].(obj), kv...)
			return sch
		}
	}
	cases := []struct {
		label string
		body  func(name string) any
		want  string
		// fixed is the name the body carries instead of the target's; "-" for none. Such
		// cases cannot target an existing schedule.
		fixed string
	}{
		{"InvalidJSON", func(name string) any { return `{"name":"` + name + `","cronExpression":` }, "JSON", ""},
		{"MissingName", edit("name", deleteKey), "name", "-"},
		{"NameWithSpace", edit("name", "bad name"), "name", "bad name"},
		{"NameWithSlash", edit("name", "bad/name"), "name", "bad/name"},
		{"NameWithDot", edit("name", "bad.name"), "name", "bad.name"},
		{"MissingCron", edit("cronExpression", deleteKey), "cronExpression", ""},
		{"CronThreeFields", edit("cronExpression", "* * *"), "cron", ""},
		{"CronLastDay", edit("cronExpression", "0 0 12 L * ?"), "cron", ""},
		{"CronNthWeekday", edit("cronExpression", "0 0 12 ? * MON#2"), "cron", ""},
		{"CronEvery", edit("cronExpression", "@every 5s"), "cron", ""},
		{"CronSecondOutOfRange", edit("cronExpression", "61 * * * * *"), "cron", ""},
		{"UnknownZone", edit("zoneId", "Mars/Olympus"), "zoneId", ""},
		{"EndBeforeStart", edit("scheduleStartTime", now.Add(2*time.Hour).UnixMilli(),
			"scheduleEndTime", now.Add(time.Hour).UnixMilli()), "scheduleEndTime", ""},
		{"MissingStartRequest", edit("startWorkflowRequest", deleteKey), "startWorkflowRequest", ""},
		{"StartRequestWithoutName", withStart("name", deleteKey), "name", ""},
		{"UnknownWorkflow", withStart("name", "no_such_wf"), "no_such_wf", ""},
		{"UnregisteredVersion", withStart("version", 7), "val_wf", ""},
		{"BadOverlapPolicy", edit("overlapPolicy", "SOMETIMES"), "overlapPolicy", ""},
		{"PriorityTooHigh", withStart("priority", 100), "priority", ""},
		{"TagWithoutKey", edit("tags", arr{obj{"key": "ok", "value": "1"}, obj{"value": "x"}}), "key", ""},
		{"CronSchedulesOneBad", edit("cronExpression", deleteKey, "cronSchedules", arr{
			obj{"cronExpression": "0 0 * ? * *", "zoneId": "UTC"},
			obj{"cronExpression": "0 0 12 L * ?", "zoneId": "Europe/Paris"},
		}), "cron", ""},
	}
	var kept []string
	t.Run("cases", func(t *testing.T) {
		for _, tc := range cases {
			if tc.fixed == "" {
				kept = append(kept, "old_"+tc.label)
			}
			t.Run(tc.label, func(t *testing.T) {
				t.Parallel()
				b := b.schedFor(t)

				// As a new schedule: nothing is stored.
				target := "new_" + tc.label
				requireSchedBadRequest(t, b.do(http.MethodPost, schedulesPath, tc.body(target)), tc.want)
				switch tc.fixed {
				case "":
					b.requireNoSched(target)
				case "-":
				default:
					b.requireNoSched(tc.fixed)
				}
				if tc.fixed != "" {
					return
				}

				// As an update: the stored schedule stays exactly as it was.
				old := "old_" + tc.label
				b.saveSchedule(valid(old))
				before := b.getSched(old)
				requireSchedBadRequest(t, b.do(http.MethodPost, schedulesPath, tc.body(old)), tc.want)
				require.Equal(t, before, b.getSched(old), "a rejected update changes nothing")
			})
		}
	})
	sort.Strings(kept)
	require.Equal(t, kept, schedNamesOf(t, b.schedList(schedulesPath)), "only the valid schedules are stored")
}

func TestSchedulerAPICronSchedules(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.createWorkflow(oneTaskDef("multi_wf"))
	now := b.clock.Now()
	entries := arr{
		obj{"cronExpression": "0 0 9 ? * MON-FRI", "zoneId": "America/New_York"},
		obj{"cronExpression": "0 30 18 * * ?", "zoneId": "Asia/Tokyo"},
	}
	saved := b.saveSchedule(obj{"name": "multi", "cronSchedules": entries,
		"startWorkflowRequest": obj{"name": "multi_wf"}})
	got := b.getSched("multi")
	require.Equal(t, saved, got)
	require.Equal(t, decodeExact(t, mustJSON(t, entries)), got["cronSchedules"], "both entries are stored")

	ny, err := time.LoadLocation("America/New_York")
	require.NoError(t, err)
	tokyo, err := time.LoadLocation("Asia/Tokyo")
	require.NoError(t, err)
	next := futureSlot(t, got, now, 25*time.Hour)
	inNY, inTokyo := next.In(ny), next.In(tokyo)
	nyMatch := inNY.Hour() == 9 && inNY.Minute() == 0 && inNY.Second() == 0 &&
		inNY.Weekday() != time.Saturday && inNY.Weekday() != time.Sunday
	tokyoMatch := inTokyo.Hour() == 18 && inTokyo.Minute() == 30 && inTokyo.Second() == 0
	require.True(t, nyMatch || tokyoMatch, "nextRunTime %v is a slot of one of the entries", next)
	require.Equal(t, []string{"multi"}, schedNamesOf(t, b.schedList(schedulesPath)))

	// A classic 5-field expression (minute first).
	classic := b.saveSchedule(obj{"name": "classic", "cronExpression": "*/5 * * * *",
		"startWorkflowRequest": obj{"name": "multi_wf"}})
	require.Equal(t, "*/5 * * * *", classic["cronExpression"])
	next = futureSlot(t, classic, now, 5*time.Minute)
	require.Zero(t, next.UnixMilli()%(5*time.Minute).Milliseconds(), "every five minutes, on the minute")
	require.Equal(t, classic, b.getSched("classic"))
}

// ---------------------------------------------------------------------------------------------
// List, get, delete
// ---------------------------------------------------------------------------------------------

func TestSchedulerAPIList(t *testing.T) {
	t.Parallel()
	b := setup(t)
	require.Equal(t, arr{}, b.schedList(schedulesPath), "no schedules is []")
	require.Equal(t, arr{}, b.schedList(schedulesPath+"?workflowName=list_wf_a"))

	b.createWorkflow(oneTaskDef("list_wf_a"))
	b.createWorkflow(oneTaskDef("list_wf_b"))
	b.saveSchedule(simpleSched("charlie", "list_wf_a"))
	b.saveSchedule(with(simpleSched("alpha", "list_wf_b"), "tags", arr{obj{"key": "team", "value": "x"}}))
	b.saveSchedule(simpleSched("bravo", "list_wf_a"))

	all := b.schedList(schedulesPath)
	require.Equal(t, []string{"alpha", "bravo", "charlie"}, schedNamesOf(t, all), "sorted by name")
	for _, v := range all {
		sch := v.(obj)
		require.Equal(t, b.getSched(sch["name"].(string)), sch, "a listed schedule is the stored one")
	}
	require.Equal(t, arr{obj{"key": "team", "value": "x"}}, all[0].(obj)["tags"], "tags set on save are listed")
	require.Equal(t, arr{}, all[1].(obj)["tags"])

	require.Equal(t, []string{"bravo", "charlie"}, schedNamesOf(t, b.schedList(schedulesPath+"?workflowName=list_wf_a")))
	require.Equal(t, []string{"alpha"}, schedNamesOf(t, b.schedList(schedulesPath+"?workflowName=list_wf_b")))
	require.Equal(t, arr{}, b.schedList(schedulesPath+"?workflowName=list_wf"), "the workflow name matches exactly")
}

func TestSchedulerAPIGetAndDelete(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.requireNoSched("nope")

	b.createWorkflow(oneTaskDef("gone_wf"))
	base := b.minuteBase()
	b.saveSchedule(everyMinute("gone", "gone_wf", nil))
	b.saveSchedule(everyMinute("stays", "gone_wf", nil))
	b.clock.Advance(50 * time.Second)
	require.Equal(t, 2, b.fire())

	requireEmptyOK(t, b.do(http.MethodDelete, schedPath("gone", ""), nil))
	b.requireNoSched("gone")
	requireEmptyOK(t, b.do(http.MethodDelete, schedPath("gone", ""), nil)) // deleting again is 200
	requireEmptyOK(t, b.do(http.MethodDelete, schedPath("nope", ""), nil)) // so is deleting an unknown one
	require.Equal(t, []string{"stays"}, schedNamesOf(t, b.schedList(schedulesPath)))

	runs := b.scheduleRuns("gone")
	require.Equal(t, []int64{60}, slotTimes(runs, base), "the execution records outlive their schedule")
	require.Equal(t, "EXECUTED", runs[0].State)

	b.clock.Advance(time.Minute)
	require.Equal(t, 1, b.fire(), "only the remaining schedule fires")
	require.Len(t, b.scheduleRuns("gone"), 1)
	require.Len(t, b.scheduleRuns("stays"), 2)
}

// ---------------------------------------------------------------------------------------------
// Pause and resume
// ---------------------------------------------------------------------------------------------

func TestSchedulerAPIPauseResume(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.createWorkflow(oneTaskDef("pr_wf"))
	now := b.clock.Now()
	for _, verb := range []string{http.MethodPut, http.MethodGet} {
		name := "pr_" + strings.ToLower(verb)
		b.saveSchedule(simpleSched(name, "pr_wf"))

		requireEmptyOK(t, b.do(verb, schedPath(name, "/pause?reason="+url.QueryEscape("deploy freeze")), nil))
		sch := b.getSched(name)
		require.Equal(t, true, sch["paused"], verb)
		require.Equal(t, "deploy freeze", sch["pausedReason"], verb)
		require.NotContains(t, sch, "nextRunTime", "%s: no next run while paused", verb)

		requireEmptyOK(t, b.do(verb, schedPath(name, "/pause"), nil)) // pausing a paused schedule is 200
		require.Equal(t, true, b.getSched(name)["paused"], verb)

		requireEmptyOK(t, b.do(verb, schedPath(name, "/resume"), nil))
		sch = b.getSched(name)
		require.Equal(t, false, sch["paused"], verb)
		require.NotContains(t, sch, "pausedReason", "%s: resume clears the reason", verb)
		next := futureSlot(t, sch, now, time.Hour)
		require.Zero(t, next.UnixMilli()%time.Hour.Milliseconds(), verb)

		resp := b.do(verb, schedPath(name, "/resume"), nil)
		requireStatus(t, resp, http.StatusNotFound)
		require.Equal(t, "application/json", resp.Header.Get("Content-Type"))
		require.NotEmpty(t, resp.Error(t).Message, "%s: resuming a schedule that is not paused is 404", verb)
		require.Equal(t, false, b.getSched(name)["paused"])

		requireError(t, b.do(verb, schedPath("nope", "/pause"), nil), http.StatusNotFound, "Schedule 'nope' not found")
		requireError(t, b.do(verb, schedPath("nope", "/resume"), nil), http.StatusNotFound, "Schedule 'nope' not found")
	}
	b.requireNoSched("nope")

	// Another verb is 405 (so SDKs that try PUT then GET fall back), naming both verbs.
	for _, op := range []string{"/pause", "/resume"} {
		resp := b.do(http.MethodPost, schedPath("pr_put", op), nil)
		requireStatus(t, resp, http.StatusMethodNotAllowed)
		require.Equal(t, "application/json", resp.Header.Get("Content-Type"))
		resp.Error(t)
		allow := strings.Join(resp.Header.Values("Allow"), ",")
		for _, m := range []string{http.MethodGet, http.MethodPut} {
			require.Contains(t, strings.Split(allow, ","), m, "%s Allow: %q", op, allow)
		}
		require.NotContains(t, strings.Split(allow, ","), http.MethodPost, op)
	}
	require.Equal(t, false, b.getSched("pr_put")["paused"], "the refused POST did nothing")

	// HEAD must not change anything: the GET forms of pause and resume refuse it.
	resp := b.do(http.MethodHead, schedPath("pr_put", "/pause"), nil)
	requireStatus(t, resp, http.StatusMethodNotAllowed)
	require.Equal(t, false, b.getSched("pr_put")["paused"], "HEAD did not pause")
	requireEmptyOK(t, b.do(http.MethodPut, schedPath("pr_put", "/pause"), nil))
	requireStatus(t, b.do(http.MethodHead, schedPath("pr_put", "/resume"), nil), http.StatusMethodNotAllowed)
	require.Equal(t, true, b.getSched("pr_put")["paused"], "HEAD did not resume")
}

func TestSchedulerAPIReservedNamesAndDefaultInput(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.createWorkflow(oneTaskDef("rn_wf"))
	for _, name := range []string{"search", "tags"} {
		requireSchedBadRequest(t, b.do(http.MethodPost, schedulesPath, simpleSched(name, "rn_wf")), "reserved")
	}
	sch := obj{"name": "no_input", "cronExpression": "0 0 * ? * *", "startWorkflowRequest": obj{"name": "rn_wf"}}
	saved := b.saveSchedule(sch)
	require.Equal(t, obj{}, saved["startWorkflowRequest"].(obj)["input"], "an omitted input is shown as {}")
}

func TestSchedulerAPIBulkPauseResume(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.createWorkflow(oneTaskDef("bulk_wf"))
	b.saveSchedule(simpleSched("a", "bulk_wf"))
	b.saveSchedule(simpleSched("b", "bulk_wf"))

	resp := b.do(http.MethodPut, schedulerAPIPath+"/bulk/pause", arr{"a", "nope"})
	requireStatus(t, resp, http.StatusOK)
	require.Equal(t, "application/json", resp.Header.Get("Content-Type"))
	require.Equal(t, obj{"bulkSuccessfulResults": arr{"a"}, "bulkErrorResults": obj{"nope": "Schedule 'nope' not found"}},
		decodeObj(t, resp.Body))
	require.Equal(t, true, b.getSched("a")["paused"])
	require.Equal(t, false, b.getSched("b")["paused"])

	resp = b.do(http.MethodPut, schedulerAPIPath+"/bulk/resume", arr{"a", "b", "nope"})
	requireStatus(t, resp, http.StatusOK)
	res := decodeObj(t, resp.Body)
	require.Equal(t, arr{"a"}, res["bulkSuccessfulResults"])
	errs, ok := res["bulkErrorResults"].(obj)
	require.True(t, ok, "bulkErrorResults: %s", resp.Body)
	require.Len(t, errs, 2, "%s", resp.Body)
	require.Equal(t, "Schedule 'nope' not found", errs["nope"])
	require.NotEmpty(t, errs["b"], "a schedule that is not paused cannot be resumed")
	require.Equal(t, false, b.getSched("a")["paused"])
	require.Contains(t, b.getSched("a"), "nextRunTime")

	resp = b.do(http.MethodPut, schedulerAPIPath+"/bulk/pause", arr{})
	requireStatus(t, resp, http.StatusOK)
	require.Equal(t, obj{"bulkSuccessfulResults": arr{}, "bulkErrorResults": obj{}}, decodeObj(t, resp.Body))

	for _, body := range []string{`not json`, `{"names":["a"]}`, `"a"`, `[1]`, `["a"`, ``} {
		for _, op := range []string{"pause", "resume"} {
			resp := b.do(http.MethodPut, schedulerAPIPath+"/bulk/"+op, body)
			requireStatus(t, resp, http.StatusBadRequest)
			require.Equal(t, "application/json", resp.Header.Get("Content-Type"), "%s %q", op, body)
			require.NotEmpty(t, resp.Error(t).Message)
		}
	}
	require.Equal(t, false, b.getSched("a")["paused"], "a rejected bulk body changes nothing")
	require.Equal(t, false, b.getSched("b")["paused"])
}

// ---------------------------------------------------------------------------------------------
// Schedule search
// ---------------------------------------------------------------------------------------------

func TestSchedulerAPISearchSchedules(t *testing.T) {
	t.Parallel()
	b := setup(t)
	total, names := b.searchNames("")
	require.Zero(t, total)
	require.Empty(t, names)

	for _, wf := range []string{"report_wf", "sync_wf", "cleanup_wf"} {
		b.createWorkflow(oneTaskDef(wf))
	}
	b.saveSchedule(with(simpleSched("weekly_report", "report_wf"), "description", "archive"))
	b.saveSchedule(with(simpleSched("nightly_cleanup", "cleanup_wf"), "description", "Purge old data"))
	b.saveSchedule(with(simpleSched("hourly_sync", "sync_wf"), "description", "mirror"))
	b.saveSchedule(with(simpleSched("daily_report", "report_wf"), "description", "sends the daily summary"))
	requireEmptyOK(t, b.do(http.MethodPut, schedPath("hourly_sync", "/pause"), nil))
	all := []string{"daily_report", "hourly_sync", "nightly_cleanup", "weekly_report"}

	type want struct {
		total int64
		names []string
	}
	for query, w := range map[string]want{
		"":                              {4, all},
		"sort=":                         {4, all},
		"sort=name:DESC":                {4, []string{"weekly_report", "nightly_cleanup", "hourly_sync", "daily_report"}},
		"sort=name:ASC":                 {4, all},
		"workflowName=report_wf":        {2, []string{"daily_report", "weekly_report"}},
		"workflowName=report":           {0, []string{}},
		"workflowName=REPORT_WF":        {0, []string{}},
		"name=REPORT":                   {2, []string{"daily_report", "weekly_report"}},
		"name=ly_cl":                    {1, []string{"nightly_cleanup"}},
		"scheduleName=SYNC":             {1, []string{"hourly_sync"}},
		"scheduleName=nomatch":          {0, []string{}},
		"paused=true":                   {1, []string{"hourly_sync"}},
		"paused=false":                  {3, []string{"daily_report", "nightly_cleanup", "weekly_report"}},
		"freeText=*":                    {4, all},
		"freeText=":                     {4, all},
		"freeText=PURGE":                {1, []string{"nightly_cleanup"}},
		"freeText=sync_w":               {1, []string{"hourly_sync"}},
		"freeText=summary":              {1, []string{"daily_report"}},
		"freeText=report":               {2, []string{"daily_report", "weekly_report"}},
		"freeText=zzz":                  {0, []string{}},
		"start=1&size=2":                {4, []string{"hourly_sync", "nightly_cleanup"}},
		"start=3&size=2":                {4, []string{"weekly_report"}},
		"start=10":                      {4, []string{}},
		"size=1&sort=name:DESC":         {4, []string{"weekly_report"}},
		"workflowName=report_wf&size=1": {2, []string{"daily_report"}},
		"paused=false&freeText=report&sort=name:DESC": {2, []string{"weekly_report", "daily_report"}},
	} {
		total, names := b.searchNames(query)
		require.Equal(t, w.total, total, "totalHits of %q", query)
		require.Equal(t, w.names, names, "results of %q", query)
	}

	// Results are whole schedules.
	_, results := b.schedSearch("name=hourly")
	require.Len(t, results, 1)
	require.Equal(t, b.getSched("hourly_sync"), results[0])

	requireSchedBadRequest(t, b.do(http.MethodGet, schedulesPath+"/search?paused=maybe", nil), "paused")
	requireSchedBadRequest(t, b.do(http.MethodGet, schedulesPath+"/search?size=abc", nil), "size")
	requireSchedBadRequest(t, b.do(http.MethodGet, schedulesPath+"/search?start=x", nil), "start")
}

// ---------------------------------------------------------------------------------------------
// Execution search
// ---------------------------------------------------------------------------------------------

func TestSchedulerAPISearchExecutions(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.createWorkflow(oneTaskDef("exec_wf"))
	b.createWorkflow(oneTaskDef("other_wf"))
	b.createWorkflow(oneTaskDef("doomed_exec_wf"))
	base := b.minuteBase()
	b.saveSchedule(everyMinute("alpha", "exec_wf", nil))
	b.saveSchedule(everyMinute("beta", "other_wf", nil))
	b.saveSchedule(everyMinute("gamma", "doomed_exec_wf", nil))
	requireStatus(t, b.do(http.MethodDelete, workflowPath+"/doomed_exec_wf/1", nil), http.StatusOK)
	b.clock.Advance(50 * time.Second)
	for range 3 { // slots at base+60s, +120s, +180s
		require.Equal(t, 3, b.fire())
		b.clock.Advance(time.Minute)
	}
	slot := func(s int64) int64 { return base.Add(time.Duration(s) * time.Second).UnixMilli() }
	asc := []int64{slot(60), slot(60), slot(60), slot(120), slot(120), slot(120), slot(180), slot(180), slot(180)}
	desc := slices.Clone(asc)
	slices.Reverse(desc)
	search := func(kv ...string) (int, []scheduleExec) {
		t.Helper()
		params := url.Values{}
		for i := 0; i < len(kv); i += 2 {
			params.Set(kv[i], kv[i+1])
		}
		return b.execSearch(params)
	}

	// The default: everything, newest slot first.
	total, rows := search()
	require.Equal(t, 9, total)
	require.Equal(t, desc, execScheduledTimes(rows))
	for _, r := range rows {
		require.Regexp(t, uuidPattern, r.ExecutionID)
		require.Contains(t, []string{"alpha", "beta", "gamma"}, r.ScheduleName)
		require.Equal(t, map[string]string{"alpha": "exec_wf", "beta": "other_wf", "gamma": "doomed_exec_wf"}[r.ScheduleName],
			r.WorkflowName)
		require.Equal(t, "UTC", r.ZoneID)
		require.GreaterOrEqual(t, r.ExecutionTime, r.ScheduledTime, "executed at or after its slot")
		require.NotNil(t, r.StartWorkflowRequest)
		input, ok := r.StartWorkflowRequest["input"].(map[string]any)
		require.True(t, ok, "startWorkflowRequest.input: %v", r.StartWorkflowRequest)
		require.Equal(t, r.ScheduleName, input["_startedByScheduler"])
		if r.ScheduleName == "gamma" {
			require.Equal(t, "FAILED", r.State)
			require.Empty(t, r.WorkflowID)
		} else {
			require.Equal(t, "EXECUTED", r.State)
			require.Regexp(t, uuidPattern, r.WorkflowID)
		}
	}
	// The raw rows carry every member of the contract.
	raw := decodeObj(t, b.do(http.MethodGet, schedulerAPIPath+"/search/executions?size=1&query="+
		url.QueryEscape("state IN (EXECUTED)"), nil).Body)
	row := raw["results"].(arr)[0].(obj)
	for _, k := range []string{"executionId", "scheduleName", "scheduledTime", "executionTime", "workflowName",
		"workflowId", "state", "zoneId", "startWorkflowRequest"} {
		require.Contains(t, row, k)
	}
	require.Equal(t, num(6), raw["totalHits"])

	alpha := b.scheduleRuns("alpha")
	require.Len(t, alpha, 3)
	beta := b.scheduleRuns("beta")
	require.Len(t, beta, 3)

	// Query clauses.
	for _, tc := range []struct {
		query string
		names []string // sorted
	}{
		{"scheduleName IN (alpha)", []string{"alpha", "alpha", "alpha"}},
		{"scheduleName IN (alpha,beta)", []string{"alpha", "alpha", "alpha", "beta", "beta", "beta"}},
		{"scheduleName IN (nope)", []string{}},
		{"state IN (EXECUTED)", []string{"alpha", "alpha", "alpha", "beta", "beta", "beta"}},
		{"state IN (FAILED)", []string{"gamma", "gamma", "gamma"}},
		{"state IN (EXECUTED,FAILED) AND scheduleName IN (gamma)", []string{"gamma", "gamma", "gamma"}},
		{"workflowName=other_wf", []string{"beta", "beta", "beta"}},
		{"alpha", []string{"alpha", "alpha", "alpha"}},
		{"scheduledTime>" + itoa64(slot(60)) + " AND scheduledTime<" + itoa64(slot(180)), []string{"alpha", "beta", "gamma"}},
		{"scheduleName IN (beta) AND scheduledTime>" + itoa64(slot(60)), []string{"beta", "beta"}},
		{"executionId=" + alpha[1].ExecutionID, []string{"alpha"}},
		{"workflowId=" + beta[2].WorkflowID, []string{"beta"}},
		{"*", []string{"alpha", "alpha", "alpha", "beta", "beta", "beta", "gamma", "gamma", "gamma"}},
	} {
		total, rows := search("query", tc.query)
		require.Equal(t, len(tc.names), total, "totalHits of %q", tc.query)
		names := execNames(rows)
		sort.Strings(names)
		require.Equal(t, tc.names, names, "query %q", tc.query)
	}
	_, rows = search("query", "executionId="+alpha[1].ExecutionID)
	require.Equal(t, alpha[1], rows[0])
	_, rows = search("query", "workflowId="+beta[2].WorkflowID)
	require.Equal(t, beta[2], rows[0])
	_, rows = search("query", "scheduledTime>"+itoa64(slot(60))+" AND scheduledTime<"+itoa64(slot(180)))
	require.Equal(t, []int64{slot(120), slot(120), slot(120)}, execScheduledTimes(rows))

	// Free text: schedule name, workflow name or workflow id.
	for _, tc := range []struct {
		freeText string
		names    []string
	}{
		{"BET", []string{"beta", "beta", "beta"}},
		{"exec_wf", []string{"alpha", "alpha", "alpha", "gamma", "gamma", "gamma"}}, // doomed_exec_wf too
		{alpha[0].WorkflowID, []string{"alpha"}},
		{"*", []string{"alpha", "alpha", "alpha", "beta", "beta", "beta", "gamma", "gamma", "gamma"}},
		{"", []string{"alpha", "alpha", "alpha", "beta", "beta", "beta", "gamma", "gamma", "gamma"}},
		{"zzz", []string{}},
	} {
		total, rows := search("freeText", tc.freeText)
		require.Equal(t, len(tc.names), total, "totalHits of freeText %q", tc.freeText)
		names := execNames(rows)
		sort.Strings(names)
		require.Equal(t, tc.names, names, "freeText %q", tc.freeText)
	}

	// Sorting.
	for sortParam, want := range map[string][]int64{
		"scheduledTime:ASC":  asc,
		"scheduledTime:DESC": desc,
		"scheduledTime:desc": desc,
		"":                   desc,
		"bogus:ASC":          asc,
		"bogus:DESC":         desc,
	} {
		_, rows := search("sort", sortParam)
		require.Equal(t, want, execScheduledTimes(rows), "sort %q", sortParam)
	}
	_, rows = search("sort", "startTime:DESC", "query", "scheduleName IN (alpha)", "freeText", "")
	require.Equal(t, []string{alpha[2].ExecutionID, alpha[1].ExecutionID, alpha[0].ExecutionID},
		[]string{rows[0].ExecutionID, rows[1].ExecutionID, rows[2].ExecutionID}, "the JS SDK's search: newest start first")
	_, rows = search("sort", "startTime:ASC")
	for i := 1; i < len(rows); i++ {
		require.LessOrEqual(t, rows[i-1].ExecutionTime, rows[i].ExecutionTime)
	}
	_, rows = search("sort", "scheduleName:DESC")
	require.Equal(t, []string{"gamma", "gamma", "gamma", "beta", "beta", "beta", "alpha", "alpha", "alpha"}, execNames(rows))

	// Paging: totalHits counts every match.
	total, rows = search("query", "scheduleName IN (alpha,beta)", "sort", "scheduledTime:ASC", "start", "2", "size", "3")
	require.Equal(t, 6, total)
	require.Equal(t, []int64{slot(120), slot(120), slot(180)}, execScheduledTimes(rows))
	total, rows = search("query", "scheduleName IN (alpha)", "sort", "scheduledTime:DESC", "start", "1", "size", "1")
	require.Equal(t, 3, total)
	require.Equal(t, []scheduleExec{alpha[1]}, rows)
	total, rows = search("start", "20")
	require.Equal(t, 9, total)
	require.Empty(t, rows)

	for _, params := range []string{
		"query=" + url.QueryEscape("scheduledTime>abc"),
		"query=" + url.QueryEscape("scheduledTime<1x"),
		"size=abc",
		"start=-1",
	} {
		resp := b.do(http.MethodGet, schedulerAPIPath+"/search/executions?"+params, nil)
		requireStatus(t, resp, http.StatusBadRequest)
		require.Equal(t, "application/json", resp.Header.Get("Content-Type"), params)
		require.NotEmpty(t, resp.Error(t).Message)
	}
}

// ---------------------------------------------------------------------------------------------
// Status
// ---------------------------------------------------------------------------------------------

func TestSchedulerAPIStatus(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.createWorkflow(oneTaskDef("status_wf"))
	base := b.minuteBase()
	b.saveSchedule(everyMinute("watched", "status_wf", nil))
	b.saveSchedule(everyMinute("other", "status_wf", nil))

	resp := b.do(http.MethodGet, schedPath("watched", "/status"), nil)
	requireStatus(t, resp, http.StatusOK)
	st := decodeObj(t, resp.Body)
	require.Equal(t, "watched", st["name"])
	require.Equal(t, false, st["paused"])
	require.Equal(t, num(base.Add(time.Minute).UnixMilli()), st["nextRunTime"])
	require.Equal(t, arr{}, st["lastRuns"], "no runs yet is []")

	b.clock.Advance(50 * time.Second)
	for range 3 {
		b.fire()
		b.clock.Advance(time.Minute)
	}
	runs := b.scheduleRuns("watched")
	require.Len(t, runs, 3)

	resp = b.do(http.MethodGet, schedPath("watched", "/status?limit=2"), nil)
	requireStatus(t, resp, http.StatusOK)
	require.Equal(t, "application/json", resp.Header.Get("Content-Type"))
	st = decodeObj(t, resp.Body)
	require.Equal(t, "watched", st["name"])
	require.Equal(t, false, st["paused"])
	require.Equal(t, num(base.Add(4*time.Minute).UnixMilli()), st["nextRunTime"])
	var typed struct {
		LastRuns []scheduleExec `json:"lastRuns"`
	}
	resp.JSON(t, &typed)
	require.Equal(t, []scheduleExec{runs[2], runs[1]}, typed.LastRuns, "the last two runs, newest first")

	resp = b.do(http.MethodGet, schedPath("watched", "/status"), nil)
	requireStatus(t, resp, http.StatusOK)
	resp.JSON(t, &typed)
	require.Equal(t, []scheduleExec{runs[2], runs[1], runs[0]}, typed.LastRuns, "only this schedule's runs")

	requireEmptyOK(t, b.do(http.MethodPut, schedPath("watched", "/pause?reason=quiet"), nil))
	st = decodeObj(t, b.do(http.MethodGet, schedPath("watched", "/status?limit=1"), nil).Body)
	require.Equal(t, true, st["paused"])
	require.NotContains(t, st, "nextRunTime")
	require.Len(t, st["lastRuns"], 1)

	for _, limit := range []string{"0", "101", "-1", "x"} {
		requireSchedBadRequest(t, b.do(http.MethodGet, schedPath("watched", "/status?limit="+limit), nil), "limit")
	}
	resp = b.do(http.MethodGet, schedPath("watched", "/status?limit=100"), nil)
	requireStatus(t, resp, http.StatusOK)
	requireError(t, b.do(http.MethodGet, schedPath("nope", "/status"), nil), http.StatusNotFound, "Schedule 'nope' not found")
}

// ---------------------------------------------------------------------------------------------
// Tags
// ---------------------------------------------------------------------------------------------

func TestSchedulerAPITags(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.createWorkflow(oneTaskDef("tag_wf"))
	b.saveSchedule(simpleSched("tagged", "tag_wf"))
	getTags := func(name string) arr {
		t.Helper()
		return b.schedList(schedPath(name, "/tags"))
	}
	require.Equal(t, arr{}, getTags("tagged"), "no tags is []")

	requireEmptyOK(t, b.do(http.MethodPut, schedPath("tagged", "/tags"),
		`[{"key":"team","value":"a"},{"key":"env","value":"prod","type":"METADATA"}]`))
	require.Equal(t, arr{tagJSON("team", "a"), tagJSON("env", "prod")}, getTags("tagged"))

	// An existing key gets its value replaced; new keys are added.
	requireEmptyOK(t, b.do(http.MethodPut, schedPath("tagged", "/tags"), arr{tagJSON("team", "b"), tagJSON("owner", "")}))
	require.Equal(t, arr{tagJSON("team", "b"), tagJSON("env", "prod"), tagJSON("owner", "")}, getTags("tagged"))
	require.Equal(t, getTags("tagged"), b.getSched("tagged")["tags"], "the schedule shows its tags")

	// DELETE removes the tags matching key and value.
	requireEmptyOK(t, b.do(http.MethodDelete, schedPath("tagged", "/tags"), arr{tagJSON("team", "b"), tagJSON("env", "dev")}))
	require.Equal(t, arr{tagJSON("env", "prod"), tagJSON("owner", "")}, getTags("tagged"))

	// Bad bodies change nothing.
	for _, method := range []string{http.MethodPut, http.MethodDelete} {
		requireSchedBadRequest(t, b.do(method, schedPath("tagged", "/tags"), `[{"value":"x"}]`), "key")
		requireSchedBadRequest(t, b.do(method, schedPath("tagged", "/tags"), `[{"key":"a"`), "JSON")
		requireSchedBadRequest(t, b.do(method, schedPath("tagged", "/tags"), `{"key":"a","value":"b"}`), "JSON")
	}
	require.Equal(t, arr{tagJSON("env", "prod"), tagJSON("owner", "")}, getTags("tagged"))

	// Unknown schedule: 404, and nothing is created.
	requireError(t, b.do(http.MethodGet, schedPath("nope", "/tags"), nil), http.StatusNotFound, "Schedule 'nope' not found")
	requireError(t, b.do(http.MethodPut, schedPath("nope", "/tags"), arr{tagJSON("k", "v")}), http.StatusNotFound,
		"Schedule 'nope' not found")
	requireError(t, b.do(http.MethodDelete, schedPath("nope", "/tags"), arr{tagJSON("k", "v")}), http.StatusNotFound,
		"Schedule 'nope' not found")
	b.requireNoSched("nope")

	// Schedules by tag.
	b.saveSchedule(with(simpleSched("prod_one", "tag_wf"), "tags", arr{tagJSON("env", "prod")}))
	b.saveSchedule(with(simpleSched("dev_one", "tag_wf"), "tags", arr{tagJSON("env", "dev")}))
	b.saveSchedule(with(simpleSched("a_prod_two", "tag_wf"), "tags", arr{tagJSON("team", "x"), tagJSON("env", "prod")}))
	byTag := b.schedList(schedulesPath + "/tags?tag=" + url.QueryEscape("env:prod"))
	require.Equal(t, []string{"a_prod_two", "prod_one", "tagged"}, schedNamesOf(t, byTag))
	for _, v := range byTag {
		sch := v.(obj)
		require.Equal(t, b.getSched(sch["name"].(string)), sch)
	}
	require.Equal(t, []string{"dev_one"}, schedNamesOf(t, b.schedList(schedulesPath+"/tags?tag=env:dev")))
	require.Equal(t, []string{"tagged"}, schedNamesOf(t, b.schedList(schedulesPath+"/tags?tag=owner:")))
	require.Equal(t, arr{}, b.schedList(schedulesPath+"/tags?tag=env:staging"))
	require.Equal(t, arr{}, b.schedList(schedulesPath+"/tags?tag=ENV:prod"), "keys match exactly")

	// Tags set on save appear in lists.
	all := b.schedList(schedulesPath)
	require.Equal(t, []string{"a_prod_two", "dev_one", "prod_one", "tagged"}, schedNamesOf(t, all))
	require.Equal(t, arr{tagJSON("team", "x"), tagJSON("env", "prod")}, all[0].(obj)["tags"])
	_, results := b.schedSearch("name=dev_one")
	require.Equal(t, arr{tagJSON("env", "dev")}, results[0].(obj)["tags"])

	for _, q := range []string{"", "?tag=", "?tag=envprod", "?tag=" + url.QueryEscape(":prod")} {
		requireSchedBadRequest(t, b.do(http.MethodGet, schedulesPath+"/tags"+q, nil), "tag")
	}
}

// ---------------------------------------------------------------------------------------------
// Admin
// ---------------------------------------------------------------------------------------------

func TestSchedulerAPIAdmin(t *testing.T) {
	t.Parallel()
	b := setup(t)
	for _, op := range []string{"pause", "resume", "pause", "resume"} {
		resp := b.do(http.MethodGet, schedulerAPIPath+"/admin/"+op, nil)
		requireStatus(t, resp, http.StatusOK)
		require.Equal(t, "application/json", resp.Header.Get("Content-Type"))
		require.Equal(t, obj{"status": "done"}, decodeObj(t, resp.Body), op)
	}

	resp := b.do(http.MethodGet, schedulerAPIPath+"/admin/requeue", nil)
	requireStatus(t, resp, http.StatusOK)
	require.Equal(t, "application/json", resp.Header.Get("Content-Type"))
	require.Equal(t, obj{"recordIds.size": num(0), "sampleIds": arr{}}, decodeObj(t, resp.Body))

	// With executed records only, nothing is pending either.
	b.createWorkflow(oneTaskDef("admin_wf"))
	b.minuteBase()
	b.saveSchedule(everyMinute("admin_sched", "admin_wf", nil))
	b.clock.Advance(50 * time.Second)
	require.Equal(t, 1, b.fire())
	resp = b.do(http.MethodGet, schedulerAPIPath+"/admin/requeue", nil)
	requireStatus(t, resp, http.StatusOK)
	require.Equal(t, obj{"recordIds.size": num(0), "sampleIds": arr{}}, decodeObj(t, resp.Body))
	require.Len(t, b.scheduleRuns("admin_sched"), 1, "requeue starts nothing again")
}
