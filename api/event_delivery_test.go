package api_test

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/podiumhq/podium/engine"
	"github.com/podiumhq/podium/internal/secret"
	"github.com/podiumhq/podium/store"
)

// countRows counts the rows of a query's result.
func (b *testBundle) countRows(query string, args ...any) int {
	b.t.Helper()
	var n int
	require.NoError(b.t, b.dbConn().QueryRow(context.Background(), "SELECT count(*) FROM ("+query+") q", args...).Scan(&n))
	return n
}

func TestEventTwoReplicasDeliverOncePerHandler(t *testing.T) {
	t.Parallel()
	keys := secret.Ephemeral()
	b := newBundle(t, func(c *engine.Config) { c.Keys = keys })
	// A second server process on the same database, with its own pool, notifications and
	// event processor.
	second := startEngine(t, engine.Config{Store: openStore(t, store.Config{URL: b.databaseURL, MaxConns: 4}),
		Keys: keys, Now: b.clock.Now, PollRecheck: 50 * time.Millisecond, SweepInterval: time.Hour})
	b.eventTarget("target")
	b.addHandler(eventHandler("h_a", "conductor:p:ev", startAction("target", obj{"n": "${n}"})))
	b.addHandler(eventHandler("h_b", "conductor:p:ev", startAction("target", obj{"n": "${n}"}),
		obj{"action": "update_workflow_variables", "update_workflow_variables": obj{"workflowId": "${workflowInstanceId}", "variables": obj{"seen": "${n}"}}}))
	b.createWorkflow(eventProducer("p", "conductor", obj{"n": "${workflow.input.n}"}))
	const messages = 12
	for i := range messages {
		b.startWorkflow("p", obj{"n": i})
	}
	b.waitMessagesProcessed()
	require.Equal(t, 3*messages, b.countRows(`SELECT 1 FROM event_executions WHERE status = 'COMPLETED'`))
	require.Equal(t, 2*messages, b.countRows(`SELECT 1 FROM workflows WHERE workflow_name = 'target'`))
	require.Equal(t, messages, b.countRows(`SELECT DISTINCT doc->'input'->>'n' FROM workflows WHERE workflow_name = 'target'`))

	// Every message delivered again, as after a crash before it was marked processed, to both
	// processes at once: nothing happens twice.
	_, err := b.dbConn().Exec(context.Background(), `UPDATE event_messages SET processed_at = NULL, visible_at = $1`, b.clock.Now())
	require.NoError(t, err)
	errs := make(chan error, 2)
	for _, e := range []*engine.Engine{b.engine, second} {
		go func() { _, err := e.ProcessEvents(context.Background()); errs <- err }()
	}
	require.NoError(t, <-errs)
	require.NoError(t, <-errs)
	b.waitMessagesProcessed()
	require.Equal(t, 3*messages, b.countRows(`SELECT 1 FROM event_executions`))
	require.Equal(t, 2*messages, b.countRows(`SELECT 1 FROM workflows WHERE workflow_name = 'target'`))
}

func TestEventSecretsNeverTravelInMessages(t *testing.T) {
	t.Parallel()
	b := setup(t)
	value := randomValue(t, "tok-")
	b.maskPutSecret("tok", value)
	b.eventTarget("target")
	b.addHandler(eventHandler("h_sec", "conductor:p_sec:ev", startAction("target", obj{"got": "${token}", "auth": "${auth}"})))
	producer := b.publish("p_sec", obj{"token": "${workflow.secrets.tok}", "auth": "Bearer ${workflow.secrets.tok}", "plain": "visible"})

	ex := b.waitEventExecutions("h_sec", 1)[0]
	require.Equal(t, "COMPLETED", ex["status"])
	started := ex["output"].(obj)["workflowId"].(string)
	require.Equal(t, obj{"got": "***", "auth": "Bearer ***"}, with(b.execution(started)["input"].(obj),
		"conductor.event.messageId", deleteKey, "conductor.event.name", deleteKey))
	ev := taskByRef(t, b.execution(producer), "ev")
	require.Equal(t, "***", ev["outputData"].(obj)["token"])
	require.Equal(t, "visible", ev["outputData"].(obj)["plain"])

	_, payloads := b.storedMessages()
	require.Len(t, payloads, 1)
	require.Contains(t, payloads[0], `"token": "***"`)
	requireNoValues(t, "the messages table", payloads[0], value)
	requireNoValues(t, "the database", b.maskDump(), value)
	b.requireNotShown(value, eventPath+"/executions", eventPath+"/executions?name=h_sec", executionPath+"/"+started,
		executionPath+"/"+producer)
}

func TestEventActionsRunWithTheRightsOfWhoSavedTheHandler(t *testing.T) {
	t.Parallel()
	b := setupAuth(t)
	admin := b.login(testAdminKeyID, testAdminKeySecret)
	appID, keyID, keySecret := b.newApplication(admin, "meta-only", "METADATA_MANAGER")
	meta := b.login(keyID, keySecret)
	requireEmptyOK(t, b.as(admin, http.MethodPost, workflowPath, workflowDef("target", task("w", "WAIT"))))
	requireEmptyOK(t, b.as(admin, http.MethodPost, workflowPath, eventProducer("p_rights", "conductor", obj{})))
	requireEmptyOK(t, b.as(meta, http.MethodPost, eventPath, eventHandler("h_rights", "conductor:p_rights:ev", startAction("target", nil))))

	b.startAs(admin, "p_rights", obj{})
	var ex obj
	require.Eventually(t, func() bool {
		list := b.eventsAs(admin, "h_rights")
		if len(list) > 0 {
			ex = list[0]
		}
		return ex != nil
	}, 15e9, 20e6)
	require.Equal(t, "FAILED", ex["status"])
	require.Equal(t, "Access denied: meta-only, who saved event handler h_rights, has no EXECUTE access to workflow target",
		ex["output"].(obj)["exception"])
	require.Zero(t, b.countRows(`SELECT 1 FROM workflows WHERE workflow_name = 'target'`))

	// Given EXECUTE on the workflow, the principal's next delivery starts it.
	b.grant(admin, appID, "WORKFLOW_DEF", "target", "EXECUTE")
	b.startAs(admin, "p_rights", obj{})
	require.Eventually(t, func() bool {
		return b.countRows(`SELECT 1 FROM event_executions WHERE handler_name = 'h_rights' AND status = 'COMPLETED'`) == 1
	}, 15e9, 20e6)
	require.Equal(t, 1, b.countRows(`SELECT 1 FROM workflows WHERE workflow_name = 'target'`))
}

// eventsAs lists the executions of handler name as token.
func (b *testBundle) eventsAs(token, name string) []obj {
	b.t.Helper()
	resp := b.as(token, http.MethodGet, fmt.Sprintf("%s/executions?name=%s", eventPath, name), nil)
	requireStatus(b.t, resp, http.StatusOK)
	var out []obj
	for _, e := range decodeObj(b.t, resp.Body)["results"].(arr) {
		out = append(out, e.(obj))
	}
	return out
}
