package console

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"net"
	"net/http"
	"net/url"
	"strings"

	"github.com/podiumhq/podium/internal/access"
	"github.com/podiumhq/podium/internal/auth"
	"github.com/podiumhq/podium/internal/conductor"
)

// Cookie names and the form field of the CSRF token.
const (
	sessionCookie = "podium_session"
	csrfCookie    = "podium_csrf"
	csrfField     = "csrf"
)

type principalKey struct{}
type csrfKey struct{}

// principalOf is the signed-in principal of a request; nil with authentication off.
func principalOf(ctx context.Context) *auth.Principal {
	p, _ := ctx.Value(principalKey{}).(*auth.Principal)
	return p
}

// may reports whether the request's principal holds perm (everyone may, with auth off).
func may(r *http.Request, perm auth.Permission) bool {
	p := principalOf(r.Context())
	return p == nil || p.Can(perm)
}

// csrfToken is the request's CSRF token, for the forms of the page.
func csrfToken(r *http.Request) string {
	t, _ := r.Context().Value(csrfKey{}).(string)
	return t
}

// secure reports whether the request came over TLS: cookies are then Secure.
func secure(r *http.Request) bool { return r.TLS != nil }

// csrf protects every state-changing form with a double-submit token: a random value in an
// HttpOnly, SameSite=Strict cookie that each form repeats; a POST whose form does not carry the
// cookie's value is refused. It works the same on every replica and with authentication off.
func (c *Console) csrf(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		token := ""
		if ck, err := r.Cookie(csrfCookie); err == nil && len(ck.Value) == 64 {
			token = ck.Value
		}
		if r.Method == http.MethodPost {
			if token == "" || subtle.ConstantTimeCompare([]byte(token), []byte(r.PostFormValue(csrfField))) != 1 {
				c.fail(w, r, http.StatusForbidden, "This form has expired or did not come from this console. Reload the page and try again.")
				return
			}
		}
		if token == "" {
			b := make([]byte, 32)
			_, _ = rand.Read(b)
			token = hex.EncodeToString(b)
			http.SetCookie(w, &http.Cookie{Name: csrfCookie, Value: token, Path: "/", HttpOnly: true,
				SameSite: http.SameSiteStrictMode, Secure: secure(r)})
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), csrfKey{}, token)))
	})
}

// requireSession resolves the session cookie to a principal; without a valid one a page
// sends the browser to sign in (and back afterwards).
func (c *Console) requireSession(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if c.cfg.AuthOff {
			next.ServeHTTP(w, r)
			return
		}
		ck, err := r.Cookie(sessionCookie)
		if err != nil || ck.Value == "" {
			c.toLogin(w, r)
			return
		}
		p, err := c.cfg.Sessions.Authenticate(r.Context(), ck.Value)
		if errors.Is(err, auth.ErrTokenExpired) || errors.Is(err, auth.ErrTokenInvalid) {
			clearCookie(w, r, sessionCookie)
			c.toLogin(w, r)
			return
		}
		if err != nil {
			c.serverError(w, r, err)
			return
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), principalKey{}, p)))
	})
}

// toLogin sends the browser to the sign-in page, to come back to this page (GET) afterwards.
func (c *Console) toLogin(w http.ResponseWriter, r *http.Request) {
	target := "/login"
	if r.Method == http.MethodGet && r.URL.Path != "/" {
		target += "?next=" + url.QueryEscape(r.URL.RequestURI())
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
}

// loginPage answers GET /login.
func (c *Console) loginPage(w http.ResponseWriter, r *http.Request) {
	if c.cfg.AuthOff {
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return
	}
	c.render(w, r, http.StatusOK, "login", map[string]any{"Next": safeNext(r.URL.Query().Get("next"))})
}

// login answers POST /login: the access key (keyId, keySecret) is exchanged for a token,
// kept in an HttpOnly, SameSite=Strict session cookie (Secure over TLS).
func (c *Console) login(w http.ResponseWriter, r *http.Request) {
	next := safeNext(r.PostFormValue("next"))
	keyID, secret := strings.TrimSpace(r.PostFormValue("keyId")), r.PostFormValue("keySecret")
	if c.cfg.AuthOff {
		http.Redirect(w, r, next, http.StatusSeeOther)
		return
	}
	fail := func(status int, message string) {
		c.render(w, r, status, "login", map[string]any{"Next": next, "KeyID": keyID, "Error": message})
	}
	if keyID == "" || secret == "" {
		fail(http.StatusBadRequest, "Enter the key id and the key secret of an access key.")
		return
	}
	// The session lasts as long as the server's tokens do (0: the server's default life).
	token, err := c.cfg.Sessions.Login(r.Context(), sourceOf(r), keyID, secret, 0)
	var later *access.RetryLaterError
	switch {
	case errors.Is(err, access.ErrBadCredentials):
		fail(http.StatusUnauthorized, "That key id and secret do not match an active access key.")
		return
	case errors.As(err, &later) || errors.Is(err, conductor.ErrBusy):
		fail(http.StatusTooManyRequests, "Too many attempts: wait a moment and try again.")
		return
	case err != nil:
		c.serverError(w, r, err)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: token, Path: "/", HttpOnly: true,
		SameSite: http.SameSiteStrictMode, Secure: secure(r)})
	http.Redirect(w, r, next, http.StatusSeeOther)
}

// logout answers POST /logout: the session cookie is dropped.
func (c *Console) logout(w http.ResponseWriter, r *http.Request) {
	clearCookie(w, r, sessionCookie)
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}

func clearCookie(w http.ResponseWriter, r *http.Request, name string) {
	http.SetCookie(w, &http.Cookie{Name: name, Value: "", Path: "/", MaxAge: -1, HttpOnly: true,
		SameSite: http.SameSiteStrictMode, Secure: secure(r)})
}

// safeNext keeps a redirect target only when it is a path of this console (no open redirect).
func safeNext(next string) string {
	if next == "" || !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.Contains(next, "\\") {
		return "/"
	}
	return next
}

// sourceOf is the address a sign-in comes from (failed sign-ins are throttled per address).
func sourceOf(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
