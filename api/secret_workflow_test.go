package api_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"
)

func randomValue(t *testing.T, prefix string) string {
	t.Helper()
	raw := make([]byte, 12)
	_, err := rand.Read(raw)
	require.NoError(t, err)
	return prefix + hex.EncodeToString(raw)
}

// waitForStatus polls a workflow until it ends (bounded) and returns its JSON.
func (b *testBundle) waitForEnd(id string) map[string]any {
	b.t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		resp := b.do(http.MethodGet, "/api/workflow/"+id, nil)
		require.Equal(b.t, http.StatusOK, resp.Status, string(resp.Body))
		var wf map[string]any
		resp.JSON(b.t, &wf)
		if s := wf["status"]; s != "RUNNING" && s != "PAUSED" {
			return wf
		}
		require.True(b.t, time.Now().Before(deadline), "workflow %s did not end: %s", id, resp.Body)
		time.Sleep(20 * time.Millisecond)
	}
}

func tasksByRef(wf map[string]any) map[string]map[string]any {
	out := map[string]map[string]any{}
	for _, t := range wf["tasks"].([]any) {
		task := t.(map[string]any)
		out[task["referenceTaskName"].(string)] = task
	}
	return out
}

// TestRotateSecretWorkflowEndToEndLeaksNothing runs the example rotation workflow twice
// against a token endpoint, uses the stored token from another workflow, and then searches the
// whole database, the server log and every API response for the credentials and tokens.
func TestRotateSecretWorkflowEndToEndLeaksNothing(t *testing.T) {
	t.Parallel()
	b := setup(t)
	keyID, keySecret := randomValue(t, "kid-"), randomValue(t, "ksec-")

	var mu sync.Mutex
	var tokens, seenAuth []string
	stub := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		if r.URL.Path == "/api/data" {
			seenAuth = append(seenAuth, r.Header.Get("Authorization"))
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprint(w, `{"ok":true}`)
			return
		}
		var creds struct{ KeyID, KeySecret string }
		if err := json.NewDecoder(r.Body).Decode(&creds); err != nil || creds.KeyID != keyID || creds.KeySecret != keySecret {
			http.Error(w, `{"error":"bad credentials"}`, http.StatusUnauthorized)
			return
		}
		token := randomValue(t, "tok-")
		tokens = append(tokens, token)
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"token":%q,"expiresIn":3600}`, token)
	}))
	defer stub.Close()

	for name, value := range map[string]string{"appKeyId": keyID, "appKeySecret": keySecret} {
		resp := b.do(http.MethodPut, "/api/secrets/"+name, fmt.Sprintf("%q", value))
		require.Equal(t, http.StatusOK, resp.Status, string(resp.Body))
	}

	example, err := os.ReadFile("testdata/rotate_secret_workflow.json")
	require.NoError(t, err)
	def := strings.Replace(string(example), "http://127.0.0.1:18081/oauth/token", stub.URL+"/oauth/token", 1)
	resp := b.do(http.MethodPost, "/api/metadata/workflow", def)
	require.Equal(t, http.StatusOK, resp.Status, string(resp.Body))

	var responses []string
	record := func(r response) response {
		responses = append(responses, string(r.Body))
		return r
	}
	var runs []map[string]any
	for range 2 {
		resp := record(b.do(http.MethodPost, "/api/workflow/update_rotate_secrets_tracker_app", map[string]any{}))
		require.Equal(t, http.StatusOK, resp.Status, string(resp.Body))
		wf := b.waitForEnd(string(resp.Body))
		require.Equal(t, "COMPLETED", wf["status"], "%v", wf["reasonForIncompletion"])
		runs = append(runs, wf)
	}
	require.Len(t, tokens, 2)

	// The secret holds the second token.
	resp = b.do(http.MethodGet, "/api/secrets/my_secret_holding_a_token", nil)
	require.Equal(t, http.StatusOK, resp.Status)
	require.Equal(t, fmt.Sprintf("%q", tokens[1]), string(resp.Body))

	// The execution shows *** where the spec says.
	tasks := tasksByRef(runs[1])
	input := tasks["retrieve_token"]["inputData"].(map[string]any)
	require.Equal(t, map[string]any{"keyId": "***", "keySecret": "***"}, input["body"])
	require.Equal(t, map[string]any{"_secrets": map[string]any{"token": "${retrieve_token.output.response.body.token}"}},
		input["outputFilter"], "the filter is a path, shown as written")
	require.Equal(t, map[string]any{"_secrets": "***"}, tasks["retrieve_token"]["outputData"])
	require.Equal(t, map[string]any{"_secrets": "***"}, tasks["update_secret_task_ref"]["inputData"])
	require.Equal(t, map[string]any{}, tasks["update_secret_task_ref"]["outputData"])

	// Another workflow uses the token in a header; the endpoint sees it, the execution does not.
	resp = b.do(http.MethodPost, "/api/metadata/workflow", map[string]any{
		"name": "use_token", "version": 1, "tasks": []any{map[string]any{
			"name": "call", "taskReferenceName": "call", "type": "HTTP", "inputParameters": map[string]any{
				"uri": stub.URL + "/api/data", "method": "GET",
				"headers": map[string]any{"Authorization": "Bearer ${workflow.secrets.my_secret_holding_a_token}"},
			}}}})
	require.Equal(t, http.StatusOK, resp.Status, string(resp.Body))
	resp = record(b.do(http.MethodPost, "/api/workflow/use_token", map[string]any{}))
	require.Equal(t, http.StatusOK, resp.Status)
	useID := string(resp.Body)
	used := b.waitForEnd(useID)
	require.Equal(t, "COMPLETED", used["status"], "%v", used["reasonForIncompletion"])
	mu.Lock()
	require.Equal(t, []string{"Bearer " + tokens[1]}, seenAuth)
	mu.Unlock()
	call := tasksByRef(used)["call"]["inputData"].(map[string]any)
	require.Equal(t, map[string]any{"Authorization": "Bearer ***"}, call["headers"])

	// A missing secret fails the task for good, naming the secret only.
	resp = b.do(http.MethodPost, "/api/metadata/workflow", map[string]any{
		"name": "missing_secret", "version": 1, "tasks": []any{map[string]any{
			"name": "w", "taskReferenceName": "w", "inputParameters": map[string]any{"k": "${workflow.secrets.nope}"}}}})
	require.Equal(t, http.StatusOK, resp.Status, string(resp.Body))
	resp = b.do(http.MethodPost, "/api/workflow/missing_secret", map[string]any{})
	missing := b.waitForEnd(string(resp.Body))
	require.Equal(t, "FAILED", missing["status"])
	require.Contains(t, missing["reasonForIncompletion"], "Secret nope is not defined")

	// Every surface: API responses, the server log, the whole database.
	ids := []string{runs[0]["workflowId"].(string), runs[1]["workflowId"].(string), useID}
	for _, id := range ids {
		wf := record(b.do(http.MethodGet, "/api/workflow/"+id, nil))
		var parsed map[string]any
		wf.JSON(t, &parsed)
		for _, task := range parsed["tasks"].([]any) {
			taskID := task.(map[string]any)["taskId"].(string)
			record(b.do(http.MethodGet, "/api/tasks/"+taskID, nil))
			record(b.do(http.MethodGet, "/api/tasks/"+taskID+"/log", nil))
		}
		record(b.do(http.MethodGet, "/api/workflow/"+id+"/tasks?count=100", nil))
	}
	record(b.do(http.MethodGet, "/api/workflow/search?query=workflowType='update_rotate_secrets_tracker_app'", nil))
	record(b.do(http.MethodGet, "/api/workflow/search-v2?size=100", nil))

	dump, err := exec.Command("pg_dump", "--data-only", b.databaseURL).CombinedOutput()
	require.NoError(t, err, string(dump))
	require.Contains(t, string(dump), "update_rotate_secrets_tracker_app", "the dump holds the executions")

	surfaces := map[string]string{"database dump": string(dump), "server log": b.logs.String(),
		"API responses": strings.Join(responses, "\n")}
	for _, value := range append([]string{keyID, keySecret}, tokens...) {
		for surface, text := range surfaces {
			require.NotContains(t, text, value, "%s leaks a secret value", surface)
		}
	}

	// The sealed columns open to the right values.
	conn, err := pgx.Connect(context.Background(), b.databaseURL)
	require.NoError(t, err)
	defer conn.Close(context.Background())
	var taskID string
	var sealed []byte
	require.NoError(t, conn.QueryRow(context.Background(), `SELECT task_id::text, sealed_output FROM tasks
		WHERE workflow_id = $1 AND ref_name = 'retrieve_token'`, ids[1]).Scan(&taskID, &sealed))
	opened, err := b.secrets.Keyring().Open("task:"+taskID+":output", sealed)
	require.NoError(t, err)
	require.JSONEq(t, fmt.Sprintf(`{"_secrets":{"token":%q}}`, tokens[1]), string(opened))
}
