package main_test

import (
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/podiumhq/podium/store/storetest"
)

func TestGeneratedAdminKeyIsKeptPrivateAndReused(t *testing.T) {
	t.Parallel()
	name := storetest.NewDatabaseName()
	t.Cleanup(func() { storetest.Drop(t, name) })
	url := storetest.URLFor(t, name)
	dataDir := t.TempDir()

	p := start(t, url, "PODIUM_AUTH=on", "PODIUM_DATA_DIR="+dataDir)
	path := filepath.Join(dataDir, "admin-key.json")
	info, err := os.Stat(path)
	require.NoError(t, err)
	require.Equal(t, os.FileMode(0o600), info.Mode().Perm(), "only the server's user may read the admin key")
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	var key struct {
		KeyID     string `json:"keyId"`
		KeySecret string `json:"keySecret"`
	}
	require.NoError(t, json.Unmarshal(data, &key))
	require.NotEmpty(t, key.KeyID)
	require.GreaterOrEqual(t, len(key.KeySecret), 32)
	require.Contains(t, p.Logs(), path, "the key's path is logged")
	require.NotContains(t, p.Logs(), key.KeySecret, "its secret is not")

	status, _ := p.call(t, http.MethodGet, "/api/metadata/workflow", "")
	require.Equal(t, http.StatusUnauthorized, status)
	status, body := p.call(t, http.MethodPost, "/api/token", `{"keyId":"`+key.KeyID+`","keySecret":"`+key.KeySecret+`"}`)
	require.Equal(t, http.StatusOK, status, body)
	var tok struct {
		Token string `json:"token"`
	}
	require.NoError(t, json.Unmarshal([]byte(body), &tok))
	require.NotContains(t, p.Logs(), tok.Token, "tokens are not logged")
	p.stop(t)

	// A restart keeps the key (and the same file).
	p = start(t, url, "PODIUM_AUTH=on", "PODIUM_DATA_DIR="+dataDir)
	status, _ = p.call(t, http.MethodPost, "/api/token", `{"keyId":"`+key.KeyID+`","keySecret":"`+key.KeySecret+`"}`)
	require.Equal(t, http.StatusOK, status)
	require.NotContains(t, p.Logs(), key.KeySecret)
	p.stop(t)
}

func TestAuthConfigurationIsCheckedAtStart(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		env  []string
		want string
	}{
		{[]string{"PODIUM_AUTH=off", "PODIUM_ADDR=0.0.0.0:0"}, "PODIUM_AUTH=off is only allowed when PODIUM_ADDR is a loopback address"},
		{[]string{"PODIUM_AUTH=maybe"}, "PODIUM_AUTH"},
		{[]string{"PODIUM_ADMIN_KEY_ID=admin"}, "PODIUM_ADMIN_KEY_ID and PODIUM_ADMIN_KEY_SECRET must be set together"},
		{[]string{"PODIUM_ADMIN_KEY_ID=admin", "PODIUM_ADMIN_KEY_SECRET=short"}, "PODIUM_ADMIN_KEY_SECRET"},
	} {
		cmd := exec.Command(binary, "serve")
		cmd.Env = append(os.Environ(), "PODIUM_DATABASE_URL=postgres://u:pw@127.0.0.1:1/x")
		cmd.Env = append(cmd.Env, tc.env...)
		out, err := cmd.CombinedOutput()
		require.Error(t, err, "%v must refuse to start", tc.env)
		require.Contains(t, string(out), tc.want, strings.Join(tc.env, " "))
		require.NotContains(t, string(out), "=short", "a rejected secret is not echoed")
	}
}
