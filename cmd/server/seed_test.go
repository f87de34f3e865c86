package main_test

import (
	"os"
	"os/exec"
	"regexp"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/podiumhq/podium/store/storetest"
)

// TestSeedCommand runs "podium seed" on a database it creates and migrates, and checks its
// output and what it stored; bad arguments print the usage.
func TestSeedCommand(t *testing.T) {
	t.Parallel()
	name := storetest.NewDatabaseName()
	t.Cleanup(func() { storetest.Drop(t, name) })
	url := storetest.URLFor(t, name)

	seed := exec.Command(binary, "seed", "--executions", "1500", "--workflow", "orders, refunds", "--days", "2")
	seed.Env = append(os.Environ(), "PODIUM_DATABASE_URL="+url)
	out, err := seed.CombinedOutput()
	require.NoError(t, err, string(out))
	final := regexp.MustCompile(`(?m)^seeded 1500 executions and (\d+) tasks in \S+: \d+ executions/s$`).FindStringSubmatch(string(out))
	require.NotNil(t, final, string(out))

	conn, err := pgx.Connect(t.Context(), url)
	require.NoError(t, err)
	defer conn.Close(t.Context())
	var executions, names int
	var tasks string
	var oldestDays float64
	require.NoError(t, conn.QueryRow(t.Context(), `SELECT count(*), count(DISTINCT workflow_name),
		(SELECT count(*) FROM tasks)::text, extract(epoch FROM now() - min(create_time)) / 86400 FROM workflows`).
		Scan(&executions, &names, &tasks, &oldestDays))
	require.Equal(t, 1500, executions)
	require.Equal(t, 2, names)
	require.Equal(t, final[1], tasks)
	require.InDelta(t, 2, oldestDays, 0.01)

	for _, args := range [][]string{{"seed"}, {"seed", "--executions", "0"}, {"seed", "--executions", "5", "--days", "-1"},
		{"seed", "--executions", "5", "extra"}, {"seed", "--nope"}} {
		bad := exec.Command(binary, args...)
		bad.Env = append(os.Environ(), "PODIUM_DATABASE_URL="+url)
		out, err := bad.CombinedOutput()
		require.Error(t, err, "%v", args)
		require.Contains(t, string(out), "usage: podium seed --executions N", "%v", args)
	}
}
