package storetest

import (
	"context"
	"encoding/json"
	"fmt"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/podiumhq/podium/internal/conductor"
)

func TestClonesAreMigratedAndIsolated(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	a, b := NewStore(t), NewStore(t)
	def := new(conductor.WorkflowDef)
	require.NoError(t, json.Unmarshal([]byte(`{"name":"only_in_a","tasks":[{"name":"x","taskReferenceName":"x"}]}`), def))
	require.NoError(t, a.WorkflowDefInsert(ctx, def, time.Now()))

	_, err := b.WorkflowDefGet(ctx, "only_in_a", nil)
	require.ErrorIs(t, err, conductor.ErrNotFound, "clones do not share rows")
}

func TestDroppedWhenTestEnds(t *testing.T) {
	t.Parallel()
	var name string
	t.Run("inner", func(t *testing.T) {
		url := NewDatabaseURL(t)
		cfg, err := pgx.ParseConfig(url)
		require.NoError(t, err)
		name = cfg.Database
		require.True(t, exists(t, name))
	})
	require.False(t, exists(t, name), "the clone is dropped at cleanup")
}

func TestLeftoversOfDeadProcessesAreDropped(t *testing.T) {
	t.Parallel()
	NewDatabaseURL(t) // builds the template first, so the sweep below knows which one is current
	dead := 1 << 22   // above the kernel's pid_max ceiling, so never alive
	require.ErrorIs(t, syscall.Kill(dead, 0), syscall.ESRCH)
	deadName := fmt.Sprintf("%s%d_1_1", instancePrefix, dead)
	liveName := fmt.Sprintf("%s%d_1_%d", instancePrefix, 1, time.Now().UnixNano()%1e6) // pid 1 is alive
	for _, n := range []string{deadName, liveName} {
		admin(t, "CREATE DATABASE "+pgx.Identifier{n}.Sanitize())
		t.Cleanup(func() { Drop(t, n) })
	}

	ctx := context.Background()
	conn, err := pgx.Connect(ctx, AdminURL())
	require.NoError(t, err)
	defer conn.Close(ctx)
	require.NoError(t, dropLeftovers(ctx, conn))

	require.False(t, exists(t, deadName), "a clone of a dead process is dropped")
	require.True(t, exists(t, liveName), "a clone of a live process is kept")
}

func exists(t *testing.T, name string) bool {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, AdminURL())
	require.NoError(t, err)
	defer conn.Close(ctx)
	var found bool
	require.NoError(t, conn.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)`, name).Scan(&found))
	return found
}
