package console

import (
	"net/http"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/podiumhq/podium/internal/auth"
)

// The secrets page is write-only: it lists names, tags and when each value was last set, and
// its form sets a value. No page, response or redirect carries a value back.

// maySetSomeSecret reports whether the request's principal may set some secret's value: a role
// that writes secrets, or CREATE or UPDATE on at least one (what PUT /api/secrets/{key}
// lets through).
func maySetSomeSecret(r *http.Request) bool {
	p := principalOf(r.Context())
	return p == nil || p.Can(auth.SecretWrite) || p.Grants.AnyOn(auth.TargetSecret, auth.AccessCreate, auth.AccessUpdate)
}

// maySetSecret mirrors the API's check of PUT /api/secrets/{key} (auth.SecretManage) for
// secret name; the secrets service then decides between creating and replacing it.
func maySetSecret(r *http.Request, name string) bool {
	p := principalOf(r.Context())
	return p == nil || p.Can(auth.SecretWrite) || p.Allowed(auth.TargetSecret, name, auth.AccessCreate, auth.AccessUpdate)
}

// secrets answers GET /secrets: every secret's name, tags and last update, and the form to set
// a value.
func (c *Console) secrets(w http.ResponseWriter, r *http.Request) {
	if !may(r, auth.SecretList) {
		c.forbidden(w, r, "list secrets")
		return
	}
	c.secretsPage(w, r, http.StatusOK, map[string]any{"Saved": r.URL.Query().Get("saved")})
}

// secretsPage renders the secrets page with data (the form's name and error, or the name just
// saved) and status; a principal who may not list secrets gets the message alone.
func (c *Console) secretsPage(w http.ResponseWriter, r *http.Request, status int, data map[string]any) {
	if !may(r, auth.SecretList) {
		msg, _ := data["Error"].(string)
		c.fail(w, r, status, msg)
		return
	}
	list, err := c.cfg.Secrets.List(r.Context())
	if err != nil {
		c.failWith(w, r, err)
		return
	}
	data["Secrets"], data["MaySet"] = list, maySetSomeSecret(r)
	c.render(w, r, status, "secrets", data)
}

// putSecret answers POST /secrets (name, value): the value is set on behalf of the principal,
// then the browser goes back to the list, with the name and never the value.
func (c *Console) putSecret(w http.ResponseWriter, r *http.Request) {
	name, value := strings.TrimSpace(r.PostFormValue("name")), r.PostFormValue("value")
	if !maySetSecret(r, name) {
		c.forbidden(w, r, "set the value of secret "+name)
		return
	}
	refuse := func(status int, message string) {
		c.secretsPage(w, r, status, map[string]any{"Name": name, "Error": message})
	}
	switch {
	case value == "":
		refuse(http.StatusBadRequest, "Enter a value: a secret's value cannot be empty.")
		return
	case !utf8.ValidString(value):
		refuse(http.StatusBadRequest, "A secret's value must be UTF-8 text.")
		return
	}
	err := c.cfg.Secrets.Put(r.Context(), principalOf(r.Context()), name, []byte(value))
	if err != nil {
		if status, message, refused := refusal(err); refused {
			refuse(status, message)
			return
		}
		c.failWith(w, r, err)
		return
	}
	http.Redirect(w, r, "/secrets?saved="+url.QueryEscape(name), http.StatusSeeOther)
}
