package api_test

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"unicode/utf16"

	"github.com/stretchr/testify/require"
)

// maskEncodedForms are the forms v takes when JSON encoders (Go with and without HTML escaping,
// Python's ensure_ascii, Jackson's upper-case \uXXXX), a second JSON encoding, URL encoders and
// base64 carry it.
func maskEncodedForms(t *testing.T, v string) map[string]string {
	t.Helper()
	inner := func(s string) string { return strings.TrimSuffix(strings.TrimPrefix(s, `"`), `"`) }
	minimal, html := inner(maskJSONString(t, v, false)), inner(maskJSONString(t, v, true))
	forms := map[string]string{
		"plain": v, "json": minimal, "json html": html,
		"ensure_ascii": maskASCIIJSON(v, "%04x"), "jackson": maskASCIIJSON(v, "%04X"),
		"double": inner(maskJSONString(t, minimal, false)), "double html": inner(maskJSONString(t, html, true)),
		"double ascii": inner(maskJSONString(t, maskASCIIJSON(v, "%04x"), false)),
		"query":        url.QueryEscape(v), "path": url.PathEscape(v),
		"base64": base64.RawStdEncoding.EncodeToString([]byte(v)), "base64url": base64.RawURLEncoding.EncodeToString([]byte(v)),
	}
	return forms
}

func maskJSONString(t *testing.T, s string, html bool) string {
	t.Helper()
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(html)
	require.NoError(t, enc.Encode(s))
	return strings.TrimSuffix(b.String(), "\n")
}

// maskASCIIJSON is the inside of a JSON string with every non-ASCII character as \uXXXX.
func maskASCIIJSON(s, format string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r < 0x20 || r > 0x7e:
			for _, u := range utf16.Encode([]rune{r}) {
				fmt.Fprintf(&b, `\u`+format, u)
			}
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// requireNoEncodedForms fails when text holds any encoded form of any value. In a pg_dump,
// jsonb text is JSON-escaped once more and COPY doubles every backslash: dump names it.
func requireNoEncodedForms(t *testing.T, surface, text string, dump bool, forms map[string]map[string]string) {
	t.Helper()
	for value, fs := range forms {
		for name, f := range fs {
			require.NotContains(t, text, f, "%s leaks %q in its %s form", surface, value, name)
			if dump {
				copied := strings.ReplaceAll(f, `\`, `\\`)
				require.NotContains(t, text, copied, "%s leaks %q in its %s form (COPY-escaped)", surface, value, name)
			}
		}
	}
}

// TestMaskEncodedFormsOfSecrets: secrets holding ", \ and non-ASCII characters, echoed by an
// HTTP target inside JSON bodies (escaped, HTML-escaped, ensure_ascii, a JSON string inside a
// JSON string), as text, in a URL and in a Basic header, show as *** everywhere: task output,
// workflow output, search results, the server log and the whole database.
func TestMaskEncodedFormsOfSecrets(t *testing.T) {
	t.Parallel()
	b := setup(t)
	pw, user := `p@"ss\wörd✓<&>=`+randomValue(t, "-"), `us"er\名前`+randomValue(t, "-")
	b.maskPutSecret("pw", pw)
	b.maskPutSecret("user", user)

	seen := make(chan string, 8)
	stub := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		raw, _ := io.ReadAll(r.Body)
		body := string(raw)
		seen <- body
		var creds struct{ User, Password string }
		_ = json.Unmarshal(raw, &creds)
		basic := "Basic " + base64.StdEncoding.EncodeToString([]byte(creds.User+":"+creds.Password))
		headers, _ := json.Marshal(r.Header) // Go escapes < > & as \u003c \u003e \u0026
		switch r.URL.Path {
		case "/json":
			w.Header().Set("Content-Type", "application/json")
			_ = json.NewEncoder(w).Encode(map[string]any{
				"receivedBody": body, "receivedHeaders": r.Header, "headerDump": string(headers),
				"upstream": basic, "next": "https://idp.example.com/cb?pw=" + url.QueryEscape(creds.Password),
				"kube": map[string]any{"data": map[string]any{"password": base64.StdEncoding.EncodeToString([]byte(creds.Password))}},
			})
		case "/ascii": // Python's json.dumps(ensure_ascii=True), the body nested once more
			w.Header().Set("Content-Type", "application/json")
			nested, _ := json.Marshal(map[string]any{"request": body})
			fmt.Fprintf(w, `{"echo":"%s","nested":"%s"}`, maskASCIIJSON(body, "%04x"), maskASCIIJSON(string(nested), "%04x"))
		default: // text
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
			fmt.Fprintf(w, "received %s with X-Api-Key %s and headers %s", body, r.Header.Get("X-Api-Key"), headers)
		}
	}))
	defer stub.Close()

	request := func(path string) obj {
		return obj{"uri": stub.URL + path, "method": "POST",
			"headers": obj{"X-Api-Key": "${workflow.secrets.pw}", "Authorization": "Token ${workflow.secrets.user}"},
			"body":    obj{"user": "${workflow.secrets.user}", "password": "${workflow.secrets.pw}"}}
	}
	b.registerIntegrationTasks(1)
	b.createWorkflow(maskWorkflow("mask_encoded", []obj{
		httpTask("call_json", request("/json")), httpTask("call_ascii", request("/ascii")), httpTask("call_text", request("/text")),
		workerTask("worker", 0, obj{"user": "${workflow.secrets.user}", "pw": "${workflow.secrets.pw}"}),
	}, "outputParameters", obj{
		"json": "${call_json.output.response.body}", "ascii": "${call_ascii.output.response.body}",
		"text": "${call_text.output.response.body}", "worker": "${worker.output}",
	}))
	id := b.startWorkflow("mask_encoded", nil)

	// The worker gets the real values, and reports them encoded: a Basic header it built, a
	// request it logged as JSON.
	b.waitForWorkflow(id, "the HTTP tasks to complete", func(wf obj) bool { return len(attemptsOf(t, wf, "worker")) > 0 })
	w := b.pollTask(itName(0))
	require.Equal(t, obj{"user": user, "pw": pw}, w["inputData"])
	logged := maskJSONString(t, fmt.Sprintf(`{"user":%q}`, user), true)
	b.updateTask(w, "COMPLETED", obj{
		"authorization": "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+pw)), "request": logged,
	}, "logs", arr{obj{"log": "sent " + logged}})
	wf := b.requireWorkflowStatus(id, "COMPLETED")

	// The target received the real values.
	for range 3 {
		require.JSONEq(t, string(mustJSON(t, obj{"user": user, "password": pw})), <-seen)
	}

	// What is shown: *** in place of each form, the rest of the text kept.
	out := wf["output"].(obj)
	jsonBody := out["json"].(obj)
	require.Equal(t, `{"password":"***","user":"***"}`, jsonBody["receivedBody"])
	require.Equal(t, arr{"***"}, dig(t, jsonBody, "receivedHeaders", "X-Api-Key"))
	require.Equal(t, arr{"Token ***"}, dig(t, jsonBody, "receivedHeaders", "Authorization"))
	require.Contains(t, jsonBody["headerDump"], `"X-Api-Key":["***"]`)
	require.Equal(t, "Basic ***", jsonBody["upstream"])
	require.Equal(t, "https://idp.example.com/cb?pw=***", jsonBody["next"])
	require.Equal(t, obj{"data": obj{"password": "***"}}, jsonBody["kube"])
	asciiBody := out["ascii"].(obj)
	require.Equal(t, `{"password":"***","user":"***"}`, asciiBody["echo"])
	require.Equal(t, `{"request":"{\"password\":\"***\",\"user\":\"***\"}"}`, asciiBody["nested"])
	require.Contains(t, out["text"], `received {"password":"***","user":"***"} with X-Api-Key *** and headers`)
	require.Equal(t, obj{"authorization": "Basic ***", "request": `"{\"user\":\"***\"}"`}, out["worker"])
	require.Equal(t, out["json"], dig(t, taskByRef(t, wf, "call_json"), "outputData", "response", "body"))
	require.Equal(t, out["worker"], taskByRef(t, wf, "worker")["outputData"])
	require.Equal(t, []string{`sent "{\"user\":\"***\"}"`}, b.maskTaskLogs(w["taskId"].(string)))

	forms := map[string]map[string]string{pw: maskEncodedForms(t, pw), user: maskEncodedForms(t, user)}
	basic := base64.StdEncoding.EncodeToString([]byte(user + ":" + pw))
	forms[user+":"+pw] = map[string]string{"basic": basic, "basic unpadded": strings.TrimRight(basic, "=")}
	requireNoEncodedForms(t, "workflow", mustJSONText(t, wf), false, forms)
	surfaces := b.maskSurfaces(id) // executions, tasks, logs, both searches
	require.Contains(t, surfaces, "Basic ***")
	requireNoEncodedForms(t, "API responses", surfaces, false, forms)
	requireNoEncodedForms(t, "server log", b.logs.String(), false, forms)
	dump := b.maskDump()
	require.Contains(t, dump, "mask_encoded", "the dump holds the execution")
	require.Contains(t, dump, "Basic ***")
	requireNoEncodedForms(t, "database dump", dump, true, forms)
}
