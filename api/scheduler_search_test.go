package api_test

import (
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
)

// The execution search takes the Conductor CLI's query (workflowType IN (…) AND status IN (…))
// and every field and operator of the workflow search, all read by the one parser.
func TestSchedulerAPISearchExecutionsTakesTheWorkflowGrammar(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.createWorkflow(oneTaskDef("grammar_a"))
	b.createWorkflow(oneTaskDef("grammar_b"))
	b.minuteBase()
	b.saveSchedule(everyMinute("g_alpha", "grammar_a", obj{"startWorkflowRequest": obj{"name": "grammar_a",
		"correlationId": "corr-a", "priority": 5, "idempotencyKey": "idem-a", "idempotencyStrategy": "RETURN_EXISTING", "input": obj{}}}))
	b.saveSchedule(everyMinute("g_beta", "grammar_b", nil))
	b.clock.Advance(50 * time.Second)
	for range 2 {
		require.Equal(t, 2, b.fire())
		b.clock.Advance(time.Minute)
	}
	for _, tc := range []struct {
		query string
		want  int
	}{
		{" workflowType IN (grammar_a)  AND status IN (EXECUTED) ", 2}, // what the CLI sends
		{"workflowType IN (grammar_a, grammar_b)", 4},
		{"workflowType NOT IN (grammar_a)", 2},
		{"workflowName = grammar_a OR workflowType = 'grammar_b'", 4},
		{"status IN (FAILED)", 0},
		{"correlationId = 'corr-a'", 2},
		{"correlationId != corr-a", 0}, // no correlation id: NULL matches no comparison
		{"idempotencyKey IN (idem-a)", 2},
		{"priority > 4", 2},
		{"priority = 0", 2},
		{"version = 1", 4}, // the launched workflow's (the request names none)
		{"version >= 2", 0},
		{"endTime > 0", 0}, // nothing ended yet
		{"updateTime > 0", 4},
		{"parentWorkflowId IN (" + uuid.NewString() + ")", 0},
		{"startTime > 0 AND createTime < 9999999999999", 4},
		{"g_alpha", 2}, // still: a clause that names no field names a schedule
	} {
		total, rows := b.execSearch(url.Values{"query": {tc.query}})
		require.Equal(t, tc.want, total, "totalHits of %q", tc.query)
		require.Len(t, rows, tc.want, tc.query)
	}
	for _, bad := range []string{"version = x", "priority IN ()", "endTime < soon", "workflowType IN (a"} {
		resp := b.do(http.MethodGet, schedulerAPIPath+"/search/executions?query="+url.QueryEscape(bad), nil)
		requireStatus(t, resp, http.StatusBadRequest)
		require.Contains(t, resp.Error(t).Message, "Invalid query", bad)
	}
}
