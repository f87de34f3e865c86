package console_test

import (
	"crypto/rand"
	"encoding/hex"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func randomValue(prefix string) string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return prefix + hex.EncodeToString(b)
}

// newApplication creates an application with roles and an access key; it returns the key.
func (s *site) newApplication(name string, roles ...string) (keyID, secret string) {
	s.t.Helper()
	var app struct{ ID string }
	s.apiJSON(http.MethodPost, "/api/applications", s.admin, map[string]string{"name": name}, &app)
	for _, role := range roles {
		s.apiJSON(http.MethodPost, "/api/applications/"+app.ID+"/roles/"+role, s.admin, nil, nil)
	}
	var key struct{ ID, Secret string }
	s.apiJSON(http.MethodPost, "/api/applications/"+app.ID+"/accessKeys", s.admin, nil, &key)
	return key.ID, key.Secret
}

func TestSignInAndOut(t *testing.T) {
	t.Parallel()
	s := newSite(t, false)
	b := s.browser()

	p := b.get("/executions?status=FAILED")
	require.Equal(t, http.StatusSeeOther, p.status)
	require.Equal(t, "/login?next="+url.QueryEscape("/executions?status=FAILED"), p.location)
	require.Equal(t, "/login", b.get("/").location)

	login := b.get("/login")
	require.Equal(t, http.StatusOK, login.status)
	require.Contains(t, login.body, `name="keyId"`)
	require.Contains(t, login.body, `name="keySecret"`)
	require.Contains(t, login.header.Get("Content-Security-Policy"), "default-src 'self'")
	require.Equal(t, "DENY", login.header.Get("X-Frame-Options"))

	// A form without the CSRF token is refused, whatever it carries.
	p = b.post("/login", url.Values{"keyId": {adminKeyID}, "keySecret": {adminKeySecret}})
	require.Equal(t, http.StatusForbidden, p.status)

	p = b.post("/login", url.Values{"csrf": {login.csrf(t)}, "keyId": {adminKeyID}, "keySecret": {"wrong"},
		"next": {"/executions?status=FAILED"}})
	require.Equal(t, http.StatusUnauthorized, p.status)
	require.Contains(t, p.body, "do not match an active access key")
	require.NotContains(t, p.body, "wrong", "the secret typed is never echoed")

	p = b.post("/login", url.Values{"csrf": {login.csrf(t)}, "keyId": {adminKeyID}, "keySecret": {adminKeySecret},
		"next": {"/executions?status=FAILED"}})
	require.Equal(t, http.StatusSeeOther, p.status)
	require.Equal(t, "/executions?status=FAILED", p.location)
	cookie := p.header.Get("Set-Cookie")
	require.Contains(t, cookie, "podium_session=")
	require.Contains(t, cookie, "HttpOnly")
	require.Contains(t, cookie, "SameSite=Strict")
	require.NotContains(t, cookie, "Secure", "not over plain HTTP")

	home := b.get("/")
	require.Equal(t, http.StatusOK, home.status)
	require.Contains(t, home.body, "Signed in as")

	p = b.post("/logout", url.Values{"csrf": {home.csrf(t)}})
	require.Equal(t, http.StatusSeeOther, p.status)
	require.Equal(t, "/login", b.get("/executions").location[:len("/login")])
}

func TestSignInRefusesOpenRedirects(t *testing.T) {
	t.Parallel()
	s := newSite(t, false)
	b := s.browser()
	login := b.get("/login")
	for _, next := range []string{"https://evil.example/", "//evil.example/x", `/\evil.example`} {
		p := b.post("/login", url.Values{"csrf": {login.csrf(t)}, "keyId": {adminKeyID}, "keySecret": {adminKeySecret}, "next": {next}})
		require.Equal(t, http.StatusSeeOther, p.status)
		require.Equal(t, "/", p.location, next)
	}
}

func TestExecutionsListAndSearch(t *testing.T) {
	t.Parallel()
	s := newSite(t, false)
	b := s.browser()
	b.signIn(adminKeyID, adminKeySecret)

	empty := b.get("/executions")
	require.Equal(t, http.StatusOK, empty.status)
	require.Contains(t, empty.body, "No executions match.")
	require.Contains(t, empty.body, `type="search"`)

	first := s.startWorkflow("console_orders", map[string]any{"value": 1})
	second := s.startWorkflow("console_invoices", map[string]any{"value": 2})
	all := b.get("/executions")
	require.Contains(t, all.body, first)
	require.Contains(t, all.body, second)
	require.Less(t, strings.Index(all.body, second), strings.Index(all.body, first), "newest first")

	byName := b.get("/executions?workflowType=console_orders")
	require.Contains(t, byName.body, first)
	require.NotContains(t, byName.body, second)
	require.Contains(t, b.get("/executions?q="+second).body, second)
	require.NotContains(t, b.get("/executions?q="+second).body, first)
	require.Contains(t, b.get("/executions?status=COMPLETED").body, "No executions match.")

	bad := b.get("/executions?status=NOPE")
	require.Equal(t, http.StatusBadRequest, bad.status)
	require.Contains(t, bad.body, "unknown status")
	bad = b.get("/executions?workflowType=" + url.QueryEscape("x' OR '1'='1"))
	require.Equal(t, http.StatusBadRequest, bad.status)
}

func TestExecutionPageShowsMaskedDataAndActs(t *testing.T) {
	t.Parallel()
	s := newSite(t, false)
	b := s.browser()
	b.signIn(adminKeyID, adminKeySecret)
	value := randomValue("console-secret-")
	id := s.startWorkflow("console_masked", map[string]any{"value": "v", "_secrets": map[string]any{"token": value}})

	p := b.get("/executions/" + id)
	require.Equal(t, http.StatusOK, p.status)
	require.Contains(t, p.body, "RUNNING")
	require.Contains(t, p.body, "console_task")
	require.Contains(t, p.body, "***")
	require.NotContains(t, p.body, value, "no secret value in the page")
	require.Contains(t, p.body, `http-equiv="refresh"`, "a running execution refreshes by itself")
	require.Contains(t, p.body, `class="podium-diagram"`)
	require.Regexp(t, `<g class="node task status-SCHEDULED"[^>]*data-ref="work"`, p.body, "the diagram colours the task by its status")
	require.Contains(t, p.body, `class="podium-timeline"`)
	require.Contains(t, p.body, `href="/static/drawings.css"`)
	require.Contains(t, p.body, `/executions/`+id+`/terminate`)
	require.Contains(t, p.body, `/executions/`+id+`/pause`)

	done := b.post("/executions/"+id+"/terminate", url.Values{"csrf": {p.csrf(t)}, "reason": {"from the test"}})
	require.Equal(t, http.StatusSeeOther, done.status)
	require.Equal(t, "/executions/"+id+"?done=terminate", done.location)
	p = b.get(done.location)
	require.Contains(t, p.body, "TERMINATED")
	require.Contains(t, p.body, "from the test")
	require.NotContains(t, p.body, `http-equiv="refresh"`)
	require.Contains(t, p.body, `/executions/`+id+`/retry`)

	// An action the execution's state refuses shows the engine's reason.
	refused := b.post("/executions/"+id+"/pause", url.Values{"csrf": {p.csrf(t)}})
	require.Equal(t, http.StatusConflict, refused.status)
	require.Contains(t, refused.body, "has ended")

	require.Equal(t, http.StatusSeeOther, b.post("/executions/"+id+"/retry", url.Values{"csrf": {p.csrf(t)}}).status)
	require.Contains(t, b.get("/executions/"+id).body, "RUNNING")
}

func TestExecutionPageNotFoundAndUnknownAction(t *testing.T) {
	t.Parallel()
	s := newSite(t, false)
	b := s.browser()
	b.signIn(adminKeyID, adminKeySecret)
	p := b.get("/executions/00000000-0000-0000-0000-000000000000")
	require.Equal(t, http.StatusNotFound, p.status)
	require.Contains(t, p.body, "No such workflow found")
	require.Equal(t, http.StatusNotFound, b.get("/executions/not-an-id").status)
	require.Equal(t, http.StatusNotFound, b.get("/executions/a/b/c").status)

	id := s.startWorkflow("console_unknown", map[string]any{"value": 1})
	page := b.get("/executions/" + id)
	require.Equal(t, http.StatusNotFound, b.post("/executions/"+id+"/explode", url.Values{"csrf": {page.csrf(t)}}).status)
	// Paths that are not the console's stay the API's.
	status, _ := s.api(http.MethodGet, "/api/nothing", s.admin, nil)
	require.Equal(t, http.StatusNotFound, status)
}

func TestReadOnlyRoleSeesNoActions(t *testing.T) {
	t.Parallel()
	s := newSite(t, false)
	keyID, secret := s.newApplication("console-reader", "USER_READ_ONLY")
	id := s.startWorkflow("console_readonly", map[string]any{"value": 1})
	b := s.browser()
	b.signIn(keyID, secret)
	p := b.get("/executions/" + id)
	require.Equal(t, http.StatusOK, p.status)
	require.NotContains(t, p.body, "/terminate")
	require.NotContains(t, p.body, "<button type=\"submit\" name=\"action\"")
	refused := b.post("/executions/"+id+"/terminate", url.Values{"csrf": {p.csrf(t)}})
	require.Equal(t, http.StatusForbidden, refused.status)
	require.Contains(t, s.engineStatus(id), "RUNNING")

	// A key without any role may sign in but read nothing.
	keyID, secret = s.newApplication("console-nobody")
	b = s.browser()
	b.signIn(keyID, secret)
	for _, path := range []string{"/", "/executions", "/executions/" + id, "/executions/" + id + "/tasks/" + id} {
		p := b.get(path)
		require.Equal(t, http.StatusForbidden, p.status, path)
		require.Contains(t, p.body, "do not allow you to read executions", path)
	}
}

// engineStatus reads an execution's status through the API.
func (s *site) engineStatus(id string) string {
	s.t.Helper()
	var wf struct{ Status string }
	s.apiJSON(http.MethodGet, "/api/workflow/"+id+"?includeTasks=false", s.admin, nil, &wf)
	return wf.Status
}

func TestAuthOffServesWithoutSignIn(t *testing.T) {
	t.Parallel()
	s := newSite(t, true)
	b := s.browser()
	p := b.get("/executions")
	require.Equal(t, http.StatusOK, p.status)
	require.Contains(t, p.body, "Authentication is off")
	require.Equal(t, "/", b.get("/login").location)
	require.Equal(t, http.StatusOK, b.get("/static/console.css").status)
	for _, path := range []string{"/definitions", "/schedules", "/queues", "/secrets"} {
		require.Equal(t, http.StatusOK, b.get(path).status, path)
	}
	// With authentication off everything is allowed, setting secrets too.
	page := b.get("/secrets")
	require.Contains(t, page.body, `name="value"`)
	require.Equal(t, http.StatusSeeOther, b.post("/secrets", url.Values{"csrf": {page.csrf(t)}, "name": {"console_open"},
		"value": {"open-value"}}).status)
	require.Contains(t, b.get("/secrets").body, "<code>console_open</code>")
}

func TestHomeCountsAndChart(t *testing.T) {
	t.Parallel()
	s := newSite(t, false)
	b := s.browser()
	b.signIn(adminKeyID, adminKeySecret)
	empty := b.get("/")
	require.Contains(t, empty.body, "0 in all")

	first := s.startWorkflow("console_home", map[string]any{"value": 1})
	s.startWorkflow("console_home", map[string]any{"value": 2})
	s.apiJSON(http.MethodDelete, "/api/workflow/"+first+"?reason=done", s.admin, nil, nil)
	home := b.get("/")
	require.Equal(t, http.StatusOK, home.status)
	require.Contains(t, home.body, "2 in all", "the chart counts the executions started")
	require.Regexp(t, `status-RUNNING">RUNNING</span></th>\s*<td><a href="/executions\?status=RUNNING">1</a></td>\s*<td>1</td>`, home.body)
	require.Regexp(t, `status-TERMINATED">TERMINATED</span></th>\s*<td><a href="/executions\?status=TERMINATED">1</a></td>\s*<td>1</td>`, home.body)
	require.Contains(t, home.body, `<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img"`)
}

func TestTaskPageShowsTheAttemptAndItsLog(t *testing.T) {
	t.Parallel()
	s := newSite(t, false)
	b := s.browser()
	b.signIn(adminKeyID, adminKeySecret)
	value := randomValue("task-secret-")
	id := s.startWorkflow("console_task_page", map[string]any{"value": value, "_secrets": map[string]any{"v": value}})
	var task struct {
		TaskID string `json:"taskId"`
	}
	s.apiJSON(http.MethodGet, "/api/tasks/poll/console_task?workerid=w-console", s.admin, nil, &task)
	require.NotEmpty(t, task.TaskID)
	status, body := s.api(http.MethodPost, "/api/tasks/"+task.TaskID+"/log", s.admin, "fetched <b>page</b> with "+value)
	require.Equal(t, http.StatusOK, status, string(body))

	execution := b.get("/executions/" + id)
	require.Contains(t, execution.body, `/executions/`+id+`/tasks/`+task.TaskID)
	p := b.get("/executions/" + id + "/tasks/" + task.TaskID)
	require.Equal(t, http.StatusOK, p.status)
	require.Contains(t, p.body, "IN_PROGRESS")
	require.Contains(t, p.body, "w-console")
	require.Contains(t, p.body, "fetched &lt;b&gt;page&lt;/b&gt; with ***", "the log line, escaped and masked")
	require.NotContains(t, p.body, value)

	other := s.startWorkflow("console_task_page", map[string]any{"value": 1})
	require.Equal(t, http.StatusNotFound, b.get("/executions/"+other+"/tasks/"+task.TaskID).status, "a task of another workflow")
	require.Equal(t, http.StatusNotFound, b.get("/executions/"+id+"/tasks/00000000-0000-0000-0000-000000000000").status)
}

// nextLink is the href of a page's "Older" link, "" when it has none.
func nextLink(body string) string {
	m := regexp.MustCompile(`href="(/executions\?[^"]*)" rel="next"`).FindStringSubmatch(body)
	if m == nil {
		return ""
	}
	return html.UnescapeString(m[1])
}

// TestExecutionsPagedByCursor: the "Older" link follows the search's cursor, so executions
// started after the first page was shown shift nothing: the second page holds exactly the
// rows after the first page's last one, numbered from 26.
func TestExecutionsPagedByCursor(t *testing.T) {
	t.Parallel()
	s := newSite(t, false)
	b := s.browser()
	b.signIn(adminKeyID, adminKeySecret)
	var ids []string // oldest first
	for i := range 27 {
		ids = append(ids, s.startWorkflow("console_paged", map[string]any{"value": i}))
	}
	first := b.get("/executions?workflowType=console_paged")
	require.Equal(t, http.StatusOK, first.status)
	for _, id := range ids[2:] {
		require.Contains(t, first.body, id)
	}
	older := nextLink(first.body)
	require.Contains(t, older, "cursor=", first.body)
	for i := range 3 {
		s.startWorkflow("console_paged", map[string]any{"value": 100 + i})
	}
	second := b.get(older)
	require.Equal(t, http.StatusOK, second.status)
	require.Contains(t, second.body, ids[0])
	require.Contains(t, second.body, ids[1])
	require.NotContains(t, second.body, ids[2], "no row of the first page again")
	require.Contains(t, second.body, "26–27 of 30", "rows numbered after the first page, of all there are now")
	require.Empty(t, nextLink(second.body), "the last page links no older one")

	bad := b.get("/executions?cursor=nonsense")
	require.Equal(t, http.StatusBadRequest, bad.status)
	require.Contains(t, bad.body, "Invalid cursor")
}
