package console_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// secretValue reads a secret's value through the API as the admin ("" and 404 when missing).
func (s *site) secretValue(name string) (int, string) {
	s.t.Helper()
	status, body := s.api(http.MethodGet, "/api/secrets/"+name, s.admin, nil)
	return status, string(body)
}

// the value input as the form renders it: never with a value attribute.
const emptyValueInput = `<input id="secret-value" name="value" type="password" required autocomplete="off">`

func TestSecretsSetIsWriteOnly(t *testing.T) {
	t.Parallel()
	s := newSite(t, false)
	b := s.browser()
	b.signIn(adminKeyID, adminKeySecret)

	empty := b.get("/secrets")
	require.Equal(t, http.StatusOK, empty.status)
	require.Contains(t, empty.body, "No secrets yet.")
	require.Contains(t, empty.body, emptyValueInput)
	require.Contains(t, empty.body, `<label for="secret-name">Name</label>`)

	value := randomValue("console-value-")
	done := b.post("/secrets", url.Values{"csrf": {empty.csrf(t)}, "name": {"console_token"}, "value": {value}})
	require.Equal(t, http.StatusSeeOther, done.status)
	require.Equal(t, "/secrets?saved=console_token", done.location)
	require.NotContains(t, done.body, value)
	for k, vs := range done.header {
		require.NotContains(t, strings.Join(vs, " "), value, k)
	}
	status, stored := s.secretValue("console_token")
	require.Equal(t, http.StatusOK, status)
	require.Contains(t, stored, value, "the value was set")

	p := b.get(done.location)
	require.Equal(t, http.StatusOK, p.status)
	require.Contains(t, p.body, "Saved the value of console_token.")
	require.Contains(t, p.body, "<code>console_token</code>")
	require.Regexp(t, `<td>\d{4}-\d\d-\d\d \d\d:\d\d:\d\d</td>`, p.body, "when the value was last set")
	require.Contains(t, p.body, emptyValueInput, "the form is empty after submit")
	for _, path := range []string{"/secrets", "/", "/executions", "/definitions", "/schedules", "/queues"} {
		require.NotContains(t, b.get(path).body, value, path)
	}

	// Replacing keeps one row and the new value.
	other := randomValue("console-other-")
	require.Equal(t, http.StatusSeeOther, b.post("/secrets", url.Values{"csrf": {p.csrf(t)}, "name": {"console_token"},
		"value": {other}}).status)
	_, stored = s.secretValue("console_token")
	require.Contains(t, stored, other)
	require.Equal(t, 1, strings.Count(b.get("/secrets").body, "<code>console_token</code>"))
}

func TestSecretsRefusesBadInputWithoutEchoingTheValue(t *testing.T) {
	t.Parallel()
	s := newSite(t, false)
	b := s.browser()
	b.signIn(adminKeyID, adminKeySecret)
	page := b.get("/secrets")
	value := randomValue("console-bad-")
	for _, name := range []string{"bad name!", "v2", ""} {
		p := b.post("/secrets", url.Values{"csrf": {page.csrf(t)}, "name": {name}, "value": {value}})
		require.Equal(t, http.StatusBadRequest, p.status, name)
		require.Contains(t, p.body, "Invalid secret name", name)
		require.NotContains(t, p.body, value, name)
		require.Contains(t, p.body, emptyValueInput)
	}
	p := b.post("/secrets", url.Values{"csrf": {page.csrf(t)}, "name": {"console_empty"}, "value": {""}})
	require.Equal(t, http.StatusBadRequest, p.status)
	require.Contains(t, p.body, "cannot be empty")
	require.Contains(t, p.body, `value="console_empty"`, "the name is kept")
	require.Contains(t, b.get("/secrets").body, "No secrets yet.")
	require.Equal(t, http.StatusForbidden, b.post("/secrets", url.Values{"name": {"console_x"}, "value": {value}}).status,
		"no CSRF token")
}

func TestSecretsPermissions(t *testing.T) {
	t.Parallel()
	s := newSite(t, false)
	admin := s.browser()
	admin.signIn(adminKeyID, adminKeySecret)
	page := admin.get("/secrets")
	require.Equal(t, http.StatusSeeOther, admin.post("/secrets", url.Values{"csrf": {page.csrf(t)}, "name": {"console_admins"},
		"value": {"admin-value"}}).status)

	// A read-only role lists names but gets no form, and may not set a value.
	keyID, secret := s.newApplication("console-reader", "USER_READ_ONLY")
	reader := s.browser()
	reader.signIn(keyID, secret)
	p := reader.get("/secrets")
	require.Equal(t, http.StatusOK, p.status)
	require.Contains(t, p.body, "<code>console_admins</code>")
	require.NotContains(t, p.body, `name="value"`)
	refused := reader.post("/secrets", url.Values{"csrf": {p.csrf(t)}, "name": {"console_readers"}, "value": {"v"}})
	require.Equal(t, http.StatusForbidden, refused.status)
	status, _ := s.secretValue("console_readers")
	require.Equal(t, http.StatusNotFound, status)

	// USER writes secrets: it creates its own, but replacing another's needs UPDATE on it
	// (the secrets service's refusal is shown).
	keyID, secret = s.newApplication("console-user", "USER")
	user := s.browser()
	user.signIn(keyID, secret)
	p = user.get("/secrets")
	require.Contains(t, p.body, emptyValueInput)
	require.Equal(t, http.StatusSeeOther, user.post("/secrets", url.Values{"csrf": {p.csrf(t)}, "name": {"console_users"},
		"value": {"user-value"}}).status)
	refused = user.post("/secrets", url.Values{"csrf": {p.csrf(t)}, "name": {"console_admins"}, "value": {"taken-over"}})
	require.Equal(t, http.StatusForbidden, refused.status)
	require.Contains(t, refused.body, "no UPDATE access to secret console_admins")
	require.NotContains(t, refused.body, "taken-over")
	_, stored := s.secretValue("console_admins")
	require.Contains(t, stored, "admin-value")

	// Without secret:list the list is refused.
	keyID, secret = s.newApplication("console-worker", "WORKER")
	worker := s.browser()
	worker.signIn(keyID, secret)
	require.Equal(t, http.StatusForbidden, worker.get("/secrets").status)
}
