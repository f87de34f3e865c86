package main_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/podiumhq/podium/store"
	"github.com/podiumhq/podium/store/storetest"
)

var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "podium-bin-")
	if err != nil {
		panic(err)
	}
	binary = filepath.Join(dir, "podium")
	build := exec.Command("go", "build", "-o", binary, ".")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		panic("building podium: " + err.Error())
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// process is a running podium binary.
type process struct {
	cmd  *exec.Cmd
	addr string
	mu   sync.Mutex
	logs strings.Builder
	done chan struct{}
}

func (p *process) Logs() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.logs.String()
}

var listening = regexp.MustCompile(`msg="podium: listening" addr=(\S+)`)

// start runs "podium serve" against databaseURL on a free loopback port and waits until it
// listens. Authentication is off unless env turns it on (PODIUM_AUTH=on).
func start(t testing.TB, databaseURL string, env ...string) *process {
	t.Helper()
	cmd := exec.Command(binary, "serve")
	cmd.Env = append(os.Environ(), "PODIUM_ADDR=127.0.0.1:0", "PODIUM_DATABASE_URL="+databaseURL,
		"PODIUM_LOG_LEVEL=debug", "PODIUM_SHUTDOWN_TIMEOUT=5s", "PODIUM_DATA_DIR="+t.TempDir(), "PODIUM_AUTH=off")
	cmd.Env = append(cmd.Env, env...)
	stderr, err := cmd.StderrPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	p := &process{cmd: cmd, done: make(chan struct{})}
	addr := make(chan string, 1)
	go func() {
		defer close(p.done)
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			line := sc.Text()
			p.mu.Lock()
			p.logs.WriteString(line + "\n")
			p.mu.Unlock()
			if m := listening.FindStringSubmatch(line); m != nil {
				addr <- m[1]
			}
		}
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-p.done
		_ = cmd.Wait()
	})
	select {
	case p.addr = <-addr:
	case <-p.done:
		t.Fatalf("podium exited before listening:\n%s", p.Logs())
	case <-time.After(30 * time.Second):
		t.Fatalf("podium did not listen within 30s:\n%s", p.Logs())
	}
	return p
}

// stop sends SIGTERM and waits for a clean exit.
func (p *process) stop(t *testing.T) {
	t.Helper()
	require.NoError(t, p.cmd.Process.Signal(syscall.SIGTERM))
	select {
	case <-p.done:
	case <-time.After(15 * time.Second):
		t.Fatalf("podium did not stop within 15s:\n%s", p.Logs())
	}
	require.NoError(t, p.cmd.Wait(), "exit status after SIGTERM:\n%s", p.Logs())
}

func (p *process) call(t testing.TB, method, path, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(context.Background(), method, "http://"+p.addr+path, strings.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, string(data)
}

func TestBinaryServesCreatesDatabaseAndSurvivesRestart(t *testing.T) {
	t.Parallel()
	name := storetest.NewDatabaseName()
	t.Cleanup(func() { storetest.Drop(t, name) })
	url := storetest.URLFor(t, name)

	p := start(t, url)
	require.Contains(t, p.Logs(), "migrated database", "a new database is created and migrated on start")
	status, body := p.call(t, http.MethodGet, "/health", "")
	require.Equal(t, http.StatusOK, status)
	require.Contains(t, body, `"healthy":true`)

	example, err := os.ReadFile("../../api/testdata/rotate_secret_workflow.json")
	require.NoError(t, err)
	status, body = p.call(t, http.MethodPost, "/api/metadata/workflow", string(example))
	require.Equal(t, http.StatusOK, status, body)
	p.stop(t)
	logs := p.Logs()
	require.Regexp(t, `(?s)step="http server".*step="database pool"`, logs, "teardown runs HTTP before the pool")
	require.NotContains(t, logs, "level=ERROR")

	p = start(t, url)
	require.NotContains(t, p.Logs(), "migrated database", "an up-to-date schema is left alone")
	status, body = p.call(t, http.MethodGet, "/api/metadata/workflow/update_rotate_secrets_tracker_app", "")
	require.Equal(t, http.StatusOK, status, body)
	require.Contains(t, body, `"name":"update_rotate_secrets_tracker_app"`)
	status, body = p.call(t, http.MethodGet, "/api/version", "")
	require.Equal(t, http.StatusOK, status)
	require.Equal(t, "dev", body)
	status, body = p.call(t, http.MethodGet, "/metrics", "")
	require.Equal(t, http.StatusOK, status)
	require.Contains(t, body, `podium_http_requests_total{code="200",method="GET",route="/api/metadata/workflow/{name}"} 1`)
	p.stop(t)
}

func TestMigrateSubcommand(t *testing.T) {
	t.Parallel()
	name := storetest.NewDatabaseName()
	t.Cleanup(func() { storetest.Drop(t, name) })
	env := append(os.Environ(), "PODIUM_DATABASE_URL="+storetest.URLFor(t, name))
	run := func(args ...string) string {
		cmd := exec.Command(binary, args...)
		cmd.Env = env
		out, err := cmd.CombinedOutput()
		require.NoError(t, err, "%v: %s", args, out)
		return string(out)
	}
	require.Contains(t, run("migrate", "version"), "schema version 0")
	latest := fmt.Sprintf("schema version %d ", store.LatestVersion())
	require.Contains(t, run("migrate", "up"), latest)
	require.Contains(t, run("migrate", "down", "all"), "schema version 0")
	require.Contains(t, run("migrate", "up"), latest)

	cmd := exec.Command(binary, "migrate", "sideways")
	cmd.Env = env
	out, err := cmd.CombinedOutput()
	require.Error(t, err)
	require.Contains(t, string(out), `unknown migrate command "sideways"`)
}

func TestBadConfigurationFailsFast(t *testing.T) {
	t.Parallel()
	cmd := exec.Command(binary, "serve")
	cmd.Env = append(os.Environ(), "PODIUM_ADDR=not-an-address", "PODIUM_DATABASE_URL=postgres://u:topsecret@127.0.0.1:1/x")
	out, err := cmd.CombinedOutput()
	require.Error(t, err)
	require.Contains(t, string(out), "PODIUM_ADDR")
	require.NotContains(t, string(out), "topsecret")
}
