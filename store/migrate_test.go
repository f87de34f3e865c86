package store_test

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/podiumhq/podium/store"
	"github.com/podiumhq/podium/store/storetest"
)

// openFresh opens a store on a database that does not exist yet: Open must create it.
func openFresh(t *testing.T) (*store.Store, string) {
	t.Helper()
	name := storetest.NewDatabaseName()
	t.Cleanup(func() { storetest.Drop(t, name) })
	st, err := store.Open(context.Background(), store.Config{URL: storetest.URLFor(t, name), MaxConns: 3})
	require.NoError(t, err)
	t.Cleanup(st.Close)
	return st, name
}

func tables(t *testing.T, st *store.Store, url string) []string {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), url)
	require.NoError(t, err)
	defer conn.Close(context.Background())
	rows, err := conn.Query(context.Background(),
		`SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'schema_migrations' ORDER BY 1`)
	require.NoError(t, err)
	names, err := pgx.CollectRows(rows, pgx.RowTo[string])
	require.NoError(t, err)
	return names
}

// migratedTables are the tables of the whole schema, sorted.
var migratedTables = []string{"access_keys", "applications", "archived_tasks", "archived_workflows", "definition_tags",
	"event_executions", "event_handlers", "event_messages", "grants", "history_partitions", "poll_data", "retention_overrides",
	"schedule_executions", "schedules", "secrets", "sweep_claims", "task_defs", "task_logs", "task_logs_default", "tasks", "tasks_default",
	"workflow_defs", "workflow_idempotency_keys", "workflow_signals", "workflow_snapshots", "workflows", "workflows_default"}

func TestMigrateUpDownUp(t *testing.T) {
	t.Parallel()
	st, name := openFresh(t)
	url := storetest.URLFor(t, name)
	mg, err := st.Migrator()
	require.NoError(t, err)
	defer mg.Close()

	v, dirty, err := mg.Version()
	require.NoError(t, err)
	require.Zero(t, v, "a created database starts empty")
	require.False(t, dirty)
	require.Error(t, mg.CheckCurrent(false), "an unmigrated schema is not current")

	require.NoError(t, mg.Up())
	v, _, err = mg.Version()
	require.NoError(t, err)
	require.Equal(t, store.LatestVersion(), v)
	require.NoError(t, mg.CheckCurrent(false))
	require.Equal(t, migratedTables, tables(t, st, url))

	require.NoError(t, mg.Down(-1))
	v, _, err = mg.Version()
	require.NoError(t, err)
	require.Zero(t, v)
	require.Empty(t, tables(t, st, url), "down removes every table")

	require.NoError(t, mg.Up())
	require.NoError(t, mg.Up(), "up is idempotent")
	require.Equal(t, migratedTables, tables(t, st, url))
}

func TestMigrateRefusesNewerSchema(t *testing.T) {
	t.Parallel()
	st := storetest.NewStore(t)
	mg, err := st.Migrator()
	require.NoError(t, err)
	defer mg.Close()

	require.NoError(t, st.InTx(context.Background(), func(q *store.Queries) error {
		return store.ExecForTest(context.Background(), q, `UPDATE schema_migrations SET version = 9999`)
	}))
	require.ErrorIs(t, mg.Up(), store.ErrSchemaTooNew)
	require.ErrorIs(t, mg.CheckCurrent(true), store.ErrSchemaTooNew)
}

func TestOnlyLocalDatabasesAreCreated(t *testing.T) {
	t.Parallel()
	for host, local := range map[string]bool{
		"127.0.0.1": true, "localhost": true, "::1": true, "/var/run/postgresql": true,
		"db.example.com": false, "10.0.0.5": false, "postgres": false,
	} {
		require.Equal(t, local, store.IsLocalHost(host), host)
	}
}
