package api_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"
)

// Errors that would change a durable outcome are not swallowed: the decision is abandoned,
// nothing is written, and the same request succeeds once the cause is gone.

// A database error while resolving a secret does not fail the task that needs it ("Secret X
// is not defined" would be final): the update is refused and can be retried.
func TestSecretReadFailureAbortsInsteadOfFailingTheTask(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.putSecret("api_token", "tok-durable-1234")
	b.createWorkflow(workflowDef("needs_secret", simple("first"),
		with(simple("second"), "inputParameters", obj{"auth": "${workflow.secrets.api_token}"})))
	id := b.startWorkflow("needs_secret", nil)
	first := b.pollTask("first")

	conn := b.dbConn()
	_, err := conn.Exec(context.Background(), `ALTER TABLE secrets RENAME TO secrets_away`)
	require.NoError(t, err)
	resp := b.do(http.MethodPost, tasksPath, obj{"workflowInstanceId": id, "taskId": first["taskId"], "status": "COMPLETED",
		"outputData": obj{"x": 1}})
	require.GreaterOrEqual(t, resp.Status, 500, "the update is refused, not applied: %s", resp.Body)
	require.NotContains(t, string(resp.Body), "tok-durable-1234")

	wf := b.execution(id)
	require.Equal(t, "RUNNING", wf["status"])
	tasks := wf["tasks"].(arr)
	require.Len(t, tasks, 1, "nothing was scheduled")
	require.Equal(t, "IN_PROGRESS", tasks[0].(obj)["status"], "the first task's result was not stored either")

	_, err = conn.Exec(context.Background(), `ALTER TABLE secrets_away RENAME TO secrets`)
	require.NoError(t, err)
	b.completeTask(first, obj{"x": 1})
	second := b.pollTask("second")
	require.Equal(t, "tok-durable-1234", second["inputData"].(obj)["auth"], "the worker gets the real value")
	shown := tasksByRef(b.execution(id))["second"]
	require.Equal(t, "***", shown["inputData"].(map[string]any)["auth"])
	require.Equal(t, "IN_PROGRESS", shown["status"])
}

// UPDATE_SECRET run inline at start is written in the start's transaction: if the secret
// cannot be stored, no workflow is started either, and both appear together once it can.
func TestStartWithInlineSecretWriteIsAtomic(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.createWorkflow(workflowDef("store_at_start",
		task("store", "UPDATE_SECRET", "inputParameters", obj{"_secrets": obj{"secretKey": "boom", "secretValue": "${workflow.input.v}"}}),
		simple("after")))

	conn := b.dbConn()
	_, err := conn.Exec(context.Background(), `
		CREATE FUNCTION refuse_boom() RETURNS trigger LANGUAGE plpgsql AS $$
		BEGIN RAISE EXCEPTION 'refused by the test'; END $$;
		CREATE TRIGGER refuse_boom BEFORE INSERT OR UPDATE ON secrets
			FOR EACH ROW WHEN (NEW.name = 'boom') EXECUTE FUNCTION refuse_boom();`)
	require.NoError(t, err)

	resp := b.do(http.MethodPost, executionPath+"/store_at_start", obj{"v": "value-at-start-5678"})
	require.GreaterOrEqual(t, resp.Status, 500, "%s", resp.Body)
	require.NotContains(t, string(resp.Body), "value-at-start-5678")
	b.requireNoExecutions(conn)
	require.False(t, b.secretExists("boom"))

	_, err = conn.Exec(context.Background(), `DROP TRIGGER refuse_boom ON secrets`)
	require.NoError(t, err)
	id := b.startWorkflow("store_at_start", obj{"v": "value-at-start-5678"})
	require.Equal(t, "value-at-start-5678", b.secretValue("boom"))
	store := tasksByRef(b.execution(id))["store"]
	require.Equal(t, "COMPLETED", store["status"])
	b.pollTask("after")
}

// requireNoExecutions asserts that no workflow or task row exists.
func (b *testBundle) requireNoExecutions(conn *pgx.Conn) {
	b.t.Helper()
	var workflows, tasks int
	require.NoError(b.t, conn.QueryRow(context.Background(),
		`SELECT (SELECT count(*) FROM workflows), (SELECT count(*) FROM tasks)`).Scan(&workflows, &tasks))
	require.Zero(b.t, workflows, "no workflow row")
	require.Zero(b.t, tasks, "no task row")
}
