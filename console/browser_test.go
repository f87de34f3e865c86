package console_test

// End-to-end tests of the console in headless Chromium (Debian's chromium, driven by
// chromedp) against a real server: sign in, find the rotation workflow's execution by search,
// open it, see its masks, run every action once, and check that no secret value reaches the
// browser. Screenshots of the main pages go to artifacts/console/ (git-ignored).

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	cdppage "github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"
)

// screenshotDir is where the browser tests leave their screenshots.
const screenshotDir = "../artifacts/console"

// chromium returns the browser binary: $PODIUM_CHROMIUM, else chromium on PATH. The test fails
// without one (.ci/run installs Debian's chromium).
func chromium(t *testing.T) string {
	t.Helper()
	if path := os.Getenv("PODIUM_CHROMIUM"); path != "" {
		return path
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if path, err := exec.LookPath(name); err == nil {
			return path
		}
	}
	t.Fatal("no Chromium found: install Debian's chromium (apt-get install chromium) or set PODIUM_CHROMIUM")
	return ""
}

// newBrowser starts a headless browser for the test; each tab is a separate sign-in.
func newBrowser(t *testing.T) context.Context {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(chromium(t)), chromedp.NoSandbox,
		chromedp.Headless, chromedp.WindowSize(1400, 1000), chromedp.Flag("disable-gpu", true))
	alloc, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancel)
	ctx, cancelTab := chromedp.NewContext(alloc)
	t.Cleanup(cancelTab)
	require.NoError(t, chromedp.Do(ctx, chromedp.Navigate("about:blank")), "starting Chromium")
	return ctx
}

// tab opens a tab in its own browser context (cookies of its own) that accepts the console's
// confirmation dialogs.
func tab(t *testing.T, browser context.Context) context.Context {
	t.Helper()
	ctx, cancel := chromedp.NewContext(browser, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	ctx, cancelTimeout := context.WithTimeout(ctx, 90*time.Second)
	t.Cleanup(cancelTimeout)
	require.NoError(t, chromedp.Do(ctx, chromedp.Navigate("about:blank")))
	dialogs := chromedp.Events(ctx, cdppage.JavascriptDialogOpening)
	go func() {
		for _, err := range dialogs {
			if err != nil {
				return
			}
			_, _ = chromedp.Call(ctx, cdppage.HandleJavaScriptDialog, cdppage.HandleJavaScriptDialogParams{Accept: true})
		}
	}()
	return ctx
}

// run runs steps, failing the test on an error.
func run(t *testing.T, ctx context.Context, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	require.NoError(t, chromedp.Do(ctx, steps...))
}

// follow runs an action that loads a page (a click on a link or a submit button) and waits for it.
func follow(t *testing.T, ctx context.Context, step chromedp.Action[chromedp.Void]) {
	t.Helper()
	resp, err := chromedp.RunResponse(ctx, step)
	require.NoError(t, err)
	require.Less(t, resp.Status, int64(400), "the page after the action loads")
}

// text is the visible text of the page.
func text(t *testing.T, ctx context.Context) string {
	t.Helper()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("body")))
	require.NoError(t, err)
	return s
}

// source is the page's DOM as HTML.
func source(t *testing.T, ctx context.Context) string {
	t.Helper()
	s, err := chromedp.Run(ctx, chromedp.OuterHTML(chromedp.CSS("html")))
	require.NoError(t, err)
	return s
}

// screenshot saves the page as artifacts/console/<name>.png.
func screenshot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	require.NoError(t, err)
	require.NoError(t, os.MkdirAll(screenshotDir, 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(screenshotDir, name+".png"), png, 0o644))
}

// signInWith signs the tab in through the form.
func signInWith(t *testing.T, ctx context.Context, url, keyID, secret string) {
	t.Helper()
	run(t, ctx, chromedp.Navigate(url+"/login"), chromedp.WaitVisible(chromedp.CSS(`input[name="keyId"]`)),
		chromedp.SendKeys(chromedp.CSS(`input[name="keyId"]`), keyID),
		chromedp.SendKeys(chromedp.CSS(`input[name="keySecret"]`), secret))
	follow(t, ctx, chromedp.Click(chromedp.CSS(`form[action="/login"] button[type="submit"]`)))
	require.Contains(t, text(t, ctx), "Signed in as")
}

// tokenStub is the OAuth endpoint the rotation workflow calls: it checks the credentials and
// hands out a fresh token each time.
type tokenStub struct {
	*httptest.Server
	mu     sync.Mutex
	tokens []string
}

func newTokenStub(t *testing.T, keyID, secret string) *tokenStub {
	s := &tokenStub{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body struct{ KeyID, KeySecret string }
		if json.NewDecoder(r.Body).Decode(&body) != nil || body.KeyID != keyID || body.KeySecret != secret {
			http.Error(w, `{"error":"bad credentials"}`, http.StatusUnauthorized)
			return
		}
		token := randomValue("tok-")
		s.mu.Lock()
		s.tokens = append(s.tokens, token)
		s.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]string{"token": token})
	}))
	t.Cleanup(s.Close)
	return s
}

// runRotation registers and runs the example rotation workflow to completion; it returns its id.
func (s *site) runRotation(stubURL string) string {
	s.t.Helper()
	raw, err := os.ReadFile("../api/testdata/rotate_secret_workflow.json")
	require.NoError(s.t, err)
	def := strings.ReplaceAll(string(raw), "http://127.0.0.1:18081/oauth/token", stubURL+"/oauth/token")
	var doc map[string]any
	require.NoError(s.t, json.Unmarshal([]byte(def), &doc))
	s.apiJSON(http.MethodPost, "/api/metadata/workflow", s.admin, doc, nil)
	status, body := s.api(http.MethodPost, "/api/workflow/"+doc["name"].(string), s.admin, map[string]any{})
	require.Equal(s.t, http.StatusOK, status, string(body))
	id := string(body)
	require.Eventually(s.t, func() bool { return s.engineStatus(id) == "COMPLETED" }, 20*time.Second, 50*time.Millisecond)
	return id
}

func TestBrowserConsole(t *testing.T) {
	t.Parallel()
	s := newSite(t, false)
	appKeyID, appKeySecret := randomValue("kid-"), randomValue("ksec-")
	for name, value := range map[string]string{"appKeyId": appKeyID, "appKeySecret": appKeySecret} {
		data, _ := json.Marshal(value)
		status, body := s.api(http.MethodPut, "/api/secrets/"+name, s.admin, json.RawMessage(data))
		require.Equal(t, http.StatusOK, status, string(body))
	}
	stub := newTokenStub(t, appKeyID, appKeySecret)
	rotation := s.runRotation(stub.URL)
	running := s.startWorkflow("browser_running", map[string]any{"value": 7})
	browser := newBrowser(t)

	ctx := tab(t, browser)
	signInWith(t, ctx, s.url, adminKeyID, adminKeySecret)
	screenshot(t, ctx, "home")

	// Find the rotation's execution by search, open it.
	run(t, ctx, chromedp.Navigate(s.url+"/executions"), chromedp.WaitVisible(chromedp.CSS(`input[type="search"]`)),
		chromedp.SendKeys(chromedp.CSS(`input[type="search"]`), "update_rotate_secrets_tracker_app"))
	follow(t, ctx, chromedp.Click(chromedp.CSS(`form[role="search"] button[type="submit"]`)))
	screenshot(t, ctx, "executions")
	list := text(t, ctx)
	require.Contains(t, list, rotation)
	require.NotContains(t, list, running, "the search found only the rotation")
	follow(t, ctx, chromedp.Click(chromedp.CSS(`a[href="/executions/`+rotation+`"]`)))
	screenshot(t, ctx, "execution")
	shown := text(t, ctx)
	require.Contains(t, shown, "COMPLETED")
	require.Contains(t, shown, "retrieve_token")
	require.Contains(t, shown, "update_secret_task_ref")
	require.Contains(t, source(t, ctx), "***", "the masks are shown")
	for _, ref := range []string{"retrieve_token", "update_secret_task_ref"} {
		n, err := chromedp.Run(ctx, chromedp.Evaluate[int](
			`document.querySelectorAll('svg.podium-diagram g.status-COMPLETED[data-ref="`+ref+`"]').length`))
		require.NoError(t, err)
		require.Equal(t, 1, n, "the diagram shows %s COMPLETED", ref)
	}
	bars, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('svg.podium-timeline rect').length`))
	require.NoError(t, err)
	require.GreaterOrEqual(t, bars, 2, "the timeline draws the attempts")

	// Every action once, on the running execution.
	run(t, ctx, chromedp.Navigate(s.url+"/executions/"+running))
	for _, step := range []struct{ action, then string }{
		{"pause", "PAUSED"}, {"resume", "RUNNING"}, {"terminate", "TERMINATED"}, {"retry", "RUNNING"},
		{"terminate", "TERMINATED"}, {"restart", "RUNNING"}, {"terminate", "TERMINATED"}, {"rerun", "RUNNING"},
	} {
		follow(t, ctx, chromedp.Click(chromedp.CSS(`button[name="action"][value="`+step.action+`"]`)))
		require.Contains(t, text(t, ctx), "Done: "+step.action, step.action)
		require.Equal(t, step.then, s.engineStatus(running), "after %s", step.action)
	}
	screenshot(t, ctx, "execution-actions")

	// A role without rights sees no action buttons.
	keyID, secret := s.newApplication("browser-reader", "USER_READ_ONLY")
	reader := tab(t, browser)
	signInWith(t, reader, s.url, keyID, secret)
	run(t, reader, chromedp.Navigate(s.url+"/executions/"+running))
	buttons, err := chromedp.Run(reader, chromedp.Evaluate[int](`document.querySelectorAll('button[name="action"]').length`))
	require.NoError(t, err)
	require.Zero(t, buttons)
	require.Contains(t, text(t, reader), "RUNNING")
	screenshot(t, reader, "execution-read-only")

	// The other main pages, for the record (and for the leak check below).
	for name, path := range map[string]string{"definitions": "/definitions", "secrets": "/secrets", "queues": "/queues",
		"schedules": "/schedules", "definition": "/definitions/workflow/update_rotate_secrets_tracker_app",
		"task": "/executions/" + rotation + "/tasks/" + s.taskID(rotation, "retrieve_token")} {
		resp, err := chromedp.Run(ctx, chromedp.NavigateResponse(s.url+path))
		require.NoError(t, err)
		require.Equal(t, int64(http.StatusOK), resp.Status, path)
		screenshot(t, ctx, name)
	}

	// No secret value anywhere the browser could see it: the DOM of the pages just visited
	// and every response the server sent.
	stub.mu.Lock()
	secrets := append([]string{appKeyID, appKeySecret}, stub.tokens...)
	stub.mu.Unlock()
	require.NotEmpty(t, stub.tokens)
	run(t, ctx, chromedp.Navigate(s.url+"/executions/"+rotation))
	dom := source(t, ctx)
	sent := s.sent.String()
	for _, v := range secrets {
		require.NotContains(t, dom, v, "the DOM shows a secret value")
		require.NotContains(t, sent, v, "a response carries a secret value")
	}
}

// taskID is the id of the newest attempt of ref in an execution, read through the API.
func (s *site) taskID(workflowID, ref string) string {
	s.t.Helper()
	var wf struct {
		Tasks []struct {
			TaskID            string `json:"taskId"`
			ReferenceTaskName string `json:"referenceTaskName"`
		} `json:"tasks"`
	}
	s.apiJSON(http.MethodGet, "/api/workflow/"+workflowID, s.admin, nil, &wf)
	id := ""
	for _, t := range wf.Tasks {
		if t.ReferenceTaskName == ref {
			id = t.TaskID
		}
	}
	require.NotEmpty(s.t, id, "no task %s", ref)
	return id
}
