package search

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/podiumhq/podium/internal/conductor"
	"github.com/podiumhq/podium/store"
)

func cond(field, op string, values ...string) store.Condition {
	return store.Condition{Field: field, Op: op, Values: values}
}

func TestParseWorkflowQuery(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		query string
		want  store.Query
	}{
		{`workflowType='a b' AND status IN (FAILED, 'timed_out') OR startTime>=1700000000000 AND version != 2`, store.Query{
			{cond("workflowType", "=", "a b"), cond("status", "IN", "FAILED", "TIMED_OUT")},
			{cond("startTime", ">=", "1700000000000"), cond("version", "!=", "2")},
		}},
		{`status NOT IN ("RUNNING")`, store.Query{{cond("status", "NOT IN", "RUNNING")}}},
		{`  `, nil},
		{`*`, nil},
		// Field names in any case and aliases; RFC 3339 times handed on as epoch ms.
		{`WORKFLOWTYPE = x and createTime < 2024-01-02T03:04:05Z`, store.Query{
			{cond("workflowType", "=", "x"), cond("startTime", "<", "1704164645000")},
		}},
		// Ids canonical; an id that is no UUID is kept (it matches nothing).
		{`workflowId = 6BA7B810-9DAD-11D1-80B4-00C04FD430C8 OR parentWorkflowId IN (nope)`, store.Query{
			{cond("workflowId", "=", "6ba7b810-9dad-11d1-80b4-00c04fd430c8")},
			{cond("parentWorkflowId", "IN", "nope")},
		}},
	} {
		got, err := Parse(tc.query, Workflows)
		require.NoError(t, err, tc.query)
		require.Equal(t, tc.want, got, tc.query)
	}
}

func TestParseRefusesBadQueries(t *testing.T) {
	t.Parallel()
	for _, bad := range []string{
		"nosuchfield='x'", "status", "status ~ 'x'", "status IN FAILED", "status IN (A", "status='x' AND",
		"status='x' status='y'", "version='abc'", "workflowType='unterminated", "version = 2147483648",
		"startTime > yesterday", "endTime < 99999999999999999", "'status' = x", "status IN ()", "status 'IN' (x)",
		"status = x OR", "AND status = x",
	} {
		_, err := Parse(bad, Workflows)
		require.ErrorIs(t, err, conductor.ErrInvalid, bad)
	}
	_, err := Parse("taskDefName = x", Workflows)
	require.ErrorContains(t, err, `unknown field "taskDefName" for workflows`)
}

func TestParseTaskQuery(t *testing.T) {
	t.Parallel()
	got, err := Parse(`taskType = HTTP AND status IN (failed) AND taskRefName = fetch AND workflowName = w`, Tasks)
	require.NoError(t, err)
	require.Equal(t, store.Query{{cond("taskType", "=", "HTTP"), cond("status", "IN", "FAILED"),
		cond("referenceTaskName", "=", "fetch"), cond("workflowType", "=", "w")}}, got)
	_, err = Parse("version = 1", Tasks)
	require.ErrorIs(t, err, conductor.ErrInvalid)
}

// TestParseScheduleExecutionQuery: the scheduler's search is lenient as Conductor's is; a
// clause it cannot read names a schedule.
func TestParseScheduleExecutionQuery(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		query string
		want  store.Query
	}{
		{"scheduleName IN (a, 'b c') AND state IN (executed,FAILED) AND scheduledTime>1000 AND scheduledTime<2000",
			store.Query{{cond("scheduleName", "IN", "a", "b c"), cond("state", "IN", "EXECUTED", "FAILED"),
				cond("scheduledTime", ">", "1000"), cond("scheduledTime", "<", "2000")}}},
		{"workflowType = w AND status = polled AND executionId = x", store.Query{{cond("workflowName", "=", "w"),
			cond("state", "=", "POLLED"), cond("executionId", "=", "x")}}},
		{"nightly_report", store.Query{{cond("scheduleName", "=", "nightly_report")}}},
		{"'my schedule'", store.Query{{cond("scheduleName", "=", "my schedule")}}},
		{"my schedule AND state = FAILED", store.Query{{cond("scheduleName", "=", "my schedule"), cond("state", "=", "FAILED")}}},
		{"report-1 > x AND a", store.Query{{cond("scheduleName", "=", "report-1 > x"), cond("scheduleName", "=", "a")}}},
		{"a AND", store.Query{{cond("scheduleName", "=", "a")}}},
		{"*", nil},
	} {
		got, err := Parse(tc.query, ScheduleExecutions)
		require.NoError(t, err, tc.query)
		require.Equal(t, tc.want, got, tc.query)
	}
	// A clause that starts with one of its fields is a comparison, and a wrong one is a 400.
	for _, bad := range []string{"scheduledTime > soon", "state IN (x", "scheduleName IN ()", "executionId", "'unterminated"} {
		_, err := Parse(bad, ScheduleExecutions)
		require.ErrorIs(t, err, conductor.ErrInvalid, bad)
	}
}

func TestParseSort(t *testing.T) {
	t.Parallel()
	got, err := ParseSort("startTime:DESC|workflowId, version:asc", Workflows)
	require.NoError(t, err)
	require.Equal(t, []store.SortField{{Field: "startTime", Desc: true}, {Field: "workflowId"}, {Field: "version"}}, got)
	none, err := ParseSort("", Workflows)
	require.NoError(t, err)
	require.Empty(t, none)
	_, err = ParseSort("nosuch:ASC", Workflows)
	require.ErrorIs(t, err, conductor.ErrInvalid)

	// The scheduler's searches fall back instead of refusing, and have a default order.
	got, err = ParseSort("", ScheduleExecutions)
	require.NoError(t, err)
	require.Equal(t, []store.SortField{{Field: "scheduledTime", Desc: true}}, got)
	got, err = ParseSort("startTime:DESC", ScheduleExecutions)
	require.NoError(t, err)
	require.Equal(t, []store.SortField{{Field: "executionTime", Desc: true}}, got)
	got, err = ParseSort("nosuch:ASC", ScheduleExecutions)
	require.NoError(t, err)
	require.Equal(t, []store.SortField{{Field: "scheduledTime"}}, got)
	got, err = ParseSort("updatetime:DESC", Schedules)
	require.NoError(t, err)
	require.Equal(t, []store.SortField{{Field: "updatedTime", Desc: true}}, got)
}

func TestWorkflowParamsLimits(t *testing.T) {
	t.Parallel()
	_, err := WorkflowParams(Request{Size: MaxWorkflowPage + 1})
	require.ErrorContains(t, err, "Cannot return more than 5000 workflows")
	_, err = WorkflowParams(Request{Start: -1})
	require.ErrorIs(t, err, conductor.ErrInvalid)
	p, err := WorkflowParams(Request{Sort: "startTime:DESC|workflowId", Query: "status = RUNNING"})
	require.NoError(t, err)
	require.Equal(t, []store.SortField{{Field: "startTime", Desc: true}, {Field: "workflowId"}}, p.Sort)
	require.Equal(t, store.Query{{cond("status", "=", "RUNNING")}}, p.Query)
	require.Equal(t, DefaultPage, p.Size, "size defaults to 100")
}

// TestScheduleExecutionsTakeTheWorkflowGrammar: every field and operator of a workflow search
// reads as a comparison in the scheduler's execution search, never as a schedule name; the
// Conductor CLI's query among them.
func TestScheduleExecutionsTakeTheWorkflowGrammar(t *testing.T) {
	t.Parallel()
	got, err := Parse(" workflowType IN (a,b)  AND status IN (EXECUTED) ", ScheduleExecutions)
	require.NoError(t, err)
	require.Equal(t, store.Query{{cond("workflowName", "IN", "a", "b"), cond("state", "IN", "EXECUTED")}}, got)
	values := map[Kind]string{Text: "x", ID: "6ba7b810-9dad-11d1-80b4-00c04fd430c8", Int32: "1", Time: "1700000000000", Status: "FAILED"}
	for _, name := range Workflows.Fields() {
		f, _ := Workflows.field(name)
		for _, op := range []string{"=", "!=", ">", "<", ">=", "<=", "IN", "NOT IN"} {
			v := values[f.Kind]
			if op == "IN" || op == "NOT IN" {
				v = "(" + v + ", " + v + ")"
			}
			q := name + " " + op + " " + v
			got, err := Parse(q, ScheduleExecutions)
			require.NoError(t, err, q)
			require.Len(t, got, 1, q)
			require.Len(t, got[0], 1, q)
			_, known := ScheduleExecutions.field(name)
			require.True(t, known, "%s is a field of the execution search", name)
			require.NotEqual(t, "scheduleName", got[0][0].Field, "%s reads as a comparison, not a schedule name", q)
			require.Equal(t, op, got[0][0].Op, q)
		}
	}
}
