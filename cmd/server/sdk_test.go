package main_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/podiumhq/podium/store/storetest"
)

// sdkTestTimeout bounds the whole Node run (it takes about 10 s).
const sdkTestTimeout = 90 * time.Second

// TestOfficialJavaScriptSDK runs sdk-test/*.test.mjs, which drive a real Podium with the
// official Orkes TypeScript SDK (@io-orkes/conductor-javascript 4.0.0, unchanged from npm):
// metadata, secrets, the secret-rotation workflow and its masking, a TaskManager worker,
// schedules, the SDK's refresh of expired tokens (tokens live 3 s here), event handlers and
// EVENT delivery, task and by-task search, the correlated batch, definition tags, testWorkflow,
// verbose queues and requeue, retry with resumeSubworkflowTasks, and remove with and without
// archiving.
func TestOfficialJavaScriptSDK(t *testing.T) {
	t.Parallel()
	root, err := filepath.Abs(filepath.Join("..", ".."))
	require.NoError(t, err)
	sdkDir := filepath.Join(root, "sdk-test")
	node, err := exec.LookPath("node")
	if err != nil {
		t.Fatalf("node is not installed (Node.js 18 or newer is needed for the SDK test): %v", err)
	}
	if _, err := os.Stat(filepath.Join(sdkDir, "node_modules", "@io-orkes", "conductor-javascript", "package.json")); err != nil {
		t.Fatalf("the SDK is not installed in sdk-test/node_modules; run: npm ci --prefix sdk-test (make test does it)")
	}
	files, err := filepath.Glob(filepath.Join(sdkDir, "*.test.mjs"))
	require.NoError(t, err)
	require.NotEmpty(t, files, "no sdk-test/*.test.mjs")

	const tokenTTL = "3s" // short, so that the SDK must refresh its token during the run
	p, key := startForSDK(t, "PODIUM_TOKEN_TTL="+tokenTTL)

	ctx, cancel := context.WithTimeout(context.Background(), sdkTestTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, append([]string{"--test"}, files...)...)
	cmd.Dir = root
	cmd.Env = []string{"PODIUM_URL=http://" + p.addr, "PODIUM_KEY_ID=" + key.ID, "PODIUM_KEY_SECRET=" + key.Secret,
		"PODIUM_TOKEN_TTL=" + tokenTTL}
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "CONDUCTOR_") && !strings.HasPrefix(kv, "PODIUM_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	// node --test runs each file in a child process: on timeout, kill the whole group.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 5 * time.Second
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	began := time.Now()
	err = cmd.Run()
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		err = errors.Join(err, errors.New("node did not finish within "+sdkTestTimeout.String()))
	}
	if err != nil {
		t.Fatalf("the JavaScript SDK test failed: %v\n--- node output ---\n%s\n--- server log ---\n%s", err, out.String(), p.Logs())
	}
	t.Logf("node --test passed in %s:\n%s", time.Since(began).Round(time.Millisecond), out.String())
}

// accessKey is an application's access key, as POST /api/applications/{id}/accessKeys answers it.
type accessKey struct{ ID, Secret string }

// startForSDK starts the server binary on a fresh database with authentication on (plus env)
// and returns it with the access key of an application that holds the ADMIN role, made over HTTP
// by the configured admin key: what an official SDK logs in with.
func startForSDK(t *testing.T, env ...string) (*process, accessKey) {
	t.Helper()
	name := storetest.NewDatabaseName()
	t.Cleanup(func() { storetest.Drop(t, name) })
	adminID, adminSecret := "sdk-admin", "sdk-admin-"+randomKey(t)
	p := start(t, storetest.URLFor(t, name), append([]string{"PODIUM_AUTH=on", "PODIUM_ADMIN_KEY_ID=" + adminID,
		"PODIUM_ADMIN_KEY_SECRET=" + adminSecret}, env...)...)

	// The admin asks for a token of its own life (the server's default may be short).
	var login struct{ Token string }
	authJSON(t, p, "", http.MethodPost, "/api/token", map[string]any{"keyId": adminID, "keySecret": adminSecret,
		"expiration": 60_000}, &login)
	var app struct{ ID string }
	authJSON(t, p, login.Token, http.MethodPost, "/api/applications", map[string]any{"name": "sdk-test"}, &app)
	require.NotEmpty(t, app.ID)
	authJSON(t, p, login.Token, http.MethodPost, "/api/applications/"+app.ID+"/roles/ADMIN", nil, nil)
	var key accessKey
	authJSON(t, p, login.Token, http.MethodPost, "/api/applications/"+app.ID+"/accessKeys", nil, &key)
	require.NotEmpty(t, key.ID)
	require.NotEmpty(t, key.Secret)
	return p, key
}

// authJSON sends a JSON request with token in X-Authorization (none when empty), requires 200
// and decodes the response into out (unless nil).
func authJSON(t *testing.T, p *process, token, method, path string, body, out any) {
	t.Helper()
	var reader io.Reader
	if body != nil {
		data, err := json.Marshal(body)
		require.NoError(t, err)
		reader = bytes.NewReader(data)
	}
	req, err := http.NewRequestWithContext(context.Background(), method, "http://"+p.addr+path, reader)
	require.NoError(t, err)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("X-Authorization", token)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, resp.StatusCode, "%s %s: %s", method, path, data)
	if out != nil {
		require.NoError(t, json.Unmarshal(data, out), "%s %s: %s", method, path, data)
	}
}
