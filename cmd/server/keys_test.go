package main_test

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/podiumhq/podium/store/storetest"
)

func randomKey(t *testing.T) string {
	t.Helper()
	raw := make([]byte, 32)
	_, err := rand.Read(raw)
	require.NoError(t, err)
	return base64.StdEncoding.EncodeToString(raw)
}

// TestKeyRotationWhileServing seals secrets under k1, rotates to k2 with `podium keys rotate`
// while a server runs, and then reads everything back with only k2 configured.
func TestKeyRotationWhileServing(t *testing.T) {
	t.Parallel()
	name := storetest.NewDatabaseName()
	t.Cleanup(func() { storetest.Drop(t, name) })
	url := storetest.URLFor(t, name)
	k1, k2 := "k1:"+randomKey(t), "k2:"+randomKey(t)

	p := start(t, url, "PODIUM_SECRET_KEYS="+k1)
	status, body := p.call(t, http.MethodPut, "/api/secrets/api-key", `"key-sealed-under-k1"`)
	require.Equal(t, http.StatusOK, status, body)
	status, body = p.call(t, http.MethodPost, "/api/metadata/workflow", `{"name":"uses_secret","version":1,
		"tasks":[{"name":"rot_worker","taskReferenceName":"w","inputParameters":{"k":"${workflow.secrets.api-key}"}}]}`)
	require.Equal(t, http.StatusOK, status, body)
	status, body = p.call(t, http.MethodPost, "/api/workflow/uses_secret", `{}`)
	require.Equal(t, http.StatusOK, status, body)
	values := map[string]string{"api-key": "key-sealed-under-k1"}
	for i := range 30 {
		key, value := fmt.Sprintf("secret-%d", i), fmt.Sprintf("value-%d-%s", i, randomKey(t)[:8])
		status, body = p.call(t, http.MethodPut, "/api/secrets/"+key, fmt.Sprintf("%q", value))
		require.Equal(t, http.StatusOK, status, body)
		values[key] = value
	}
	p.stop(t)

	// Servers now seal with k2 and still open k1; the rotation runs beside one of them.
	p = start(t, url, "PODIUM_SECRET_KEYS="+k2+","+k1)
	status, body = p.call(t, http.MethodPut, "/api/secrets/written-during-rotation", `"fresh"`)
	require.Equal(t, http.StatusOK, status, body)
	values["written-during-rotation"] = "fresh"
	rotate := exec.Command(binary, "keys", "rotate")
	rotate.Env = append(os.Environ(), "PODIUM_DATABASE_URL="+url, "PODIUM_SECRET_KEYS="+k2+","+k1)
	out, err := rotate.CombinedOutput()
	require.NoError(t, err, string(out))
	// Progress and totals per table: the secret written during the rotation is already under k2.
	require.Contains(t, string(out), "secrets: 32 sealed rows in 1 batches: 31 values re-sealed, 1 already under the key, 0 changed meanwhile, 0 left")
	require.Contains(t, string(out), "tasks: 1 sealed rows in 1 batches: 1 values re-sealed")
	require.Contains(t, string(out), `re-sealed 31 secrets and 2 values of execution data under key "k2"`)
	require.Contains(t, string(out), `msg="secrets: key rotation batch" table=tasks batch=1 rows=1 resealed=1`, "batches are logged")
	require.NotContains(t, string(out), k2[3:], "keys never reach the output")
	p.stop(t)

	conn, err := pgx.Connect(t.Context(), url)
	require.NoError(t, err)
	var stale int
	require.NoError(t, conn.QueryRow(t.Context(), `SELECT count(*) FROM secrets WHERE key_id <> 'k2'`).Scan(&stale))
	require.Zero(t, stale)
	require.NoError(t, conn.QueryRow(t.Context(), `SELECT count(*) FROM tasks
		WHERE convert_from(substring(sealed_input from 3 for get_byte(sealed_input, 1)), 'UTF8') <> 'k2'`).Scan(&stale))
	require.Zero(t, stale, "sealed task inputs are re-sealed too")
	require.NoError(t, conn.Close(t.Context()))

	p = start(t, url, "PODIUM_SECRET_KEYS="+k2)
	status, body = p.call(t, http.MethodGet, "/api/tasks/poll/rot_worker?workerid=w", "")
	require.Equal(t, http.StatusOK, status, body)
	require.Contains(t, body, `"k":"key-sealed-under-k1"`, "the task's sealed input opens with the new key only")
	for key, value := range values {
		status, body := p.call(t, http.MethodGet, "/api/secrets/"+key, "")
		require.Equal(t, http.StatusOK, status, body)
		require.Equal(t, fmt.Sprintf("%q", value), body)
	}
	p.stop(t)
	require.NotContains(t, p.Logs(), values["secret-0"], "values never reach the log")
}
