package console

import (
	"bytes"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/podiumhq/podium/internal/auth"
	"github.com/podiumhq/podium/internal/conductor"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// staticFiles serves the embedded stylesheet and scripts.
func staticFiles() http.Handler {
	sub, err := fs.Sub(staticFS, "static")
	if err != nil {
		panic(err) // the embedded tree is part of the binary
	}
	return http.FileServerFS(sub)
}

// pages holds one template set per page, each with the shared layout.
type pages struct {
	byName map[string]*template.Template
}

// pageNames are the pages in templates/, each defining "content" (and "title").
var pageNames = []string{"login", "home", "executions", "execution", "task", "error",
	"definitions", "workflowdef", "taskdef", "schedules", "schedule", "secrets", "queues"}

func loadPages() *pages {
	p := &pages{byName: map[string]*template.Template{}}
	for _, name := range pageNames {
		t := template.Must(template.New("layout.html").Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/"+name+".html"))
		p.byName[name] = t
	}
	return p
}

// funcs are the helpers templates use.
var funcs = template.FuncMap{
	"millis":   showMillis,
	"duration": showDuration,
	"json":     showJSON,
	"time":     showTime,
	"path":     url.PathEscape,
	"current":  navCurrent,
	"statusClass": func(s any) string {
		return "status status-" + fmt.Sprint(s)
	},
}

// showMillis renders epoch milliseconds as UTC time ("" for 0).
func showMillis(ms int64) string {
	if ms <= 0 {
		return ""
	}
	return time.UnixMilli(ms).UTC().Format("2006-01-02 15:04:05.000")
}

// millisTime is the time of epoch milliseconds.
func millisTime(ms int64) time.Time { return time.UnixMilli(ms) }

// navCurrent is the aria-current value of the nav entry prefix on the page at path: "page" on
// the entry's own page, "true" on one of its pages, "" elsewhere.
func navCurrent(path, prefix string) string {
	switch {
	case path == prefix:
		return "page"
	case strings.HasPrefix(path, prefix+"/"):
		return "true"
	}
	return ""
}

// showTime renders a time as UTC ("" for the zero time).
func showTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format("2006-01-02 15:04:05")
}

// showDuration renders the time from start to end (to now when end is 0) in epoch ms.
func showDuration(start, end, now int64) string {
	if start <= 0 {
		return ""
	}
	if end <= 0 {
		end = now
	}
	d := time.Duration(max(end-start, 0)) * time.Millisecond
	switch {
	case d < time.Second:
		return d.String()
	case d < time.Minute:
		return d.Round(10 * time.Millisecond).String()
	default:
		return d.Round(time.Second).String()
	}
}

// showJSON renders a value as indented JSON (masked data as the engine gives it).
func showJSON(v any) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false) // html/template escapes it
	if err := enc.Encode(v); err != nil {
		return fmt.Sprint(v)
	}
	return b.String()
}

// view is what every page template gets: the page's own data, the principal and the CSRF
// token for its forms.
type view struct {
	Data      any
	Principal *auth.Principal
	AuthOff   bool
	CSRF      string
	Path      string
}

// render writes page with data and status.
func (c *Console) render(w http.ResponseWriter, r *http.Request, status int, page string, data any) {
	t := c.pages.byName[page]
	var b bytes.Buffer
	err := t.Execute(&b, view{Data: data, Principal: principalOf(r.Context()), AuthOff: c.cfg.AuthOff,
		CSRF: csrfToken(r), Path: r.URL.Path})
	if err != nil {
		c.cfg.Logger.Error("console: rendering a page failed", "page", page, "error", err)
		http.Error(w, "The page could not be rendered.", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(b.Bytes())
}

// fail renders the error page with status and a message for the user.
func (c *Console) fail(w http.ResponseWriter, r *http.Request, status int, message string) {
	c.render(w, r, status, "error", map[string]any{"Status": status, "Title": http.StatusText(status), "Message": message})
}

func (c *Console) notFound(w http.ResponseWriter, r *http.Request, message string) {
	c.fail(w, r, http.StatusNotFound, message)
}

// forbidden answers a page or action the principal's roles do not allow.
func (c *Console) forbidden(w http.ResponseWriter, r *http.Request, what string) {
	c.fail(w, r, http.StatusForbidden, "Your access key's roles do not allow you to "+what+".")
}

// serverError answers an unexpected failure without showing its details.
func (c *Console) serverError(w http.ResponseWriter, r *http.Request, err error) {
	c.cfg.Logger.Error("console: request failed", "path", r.URL.Path, "error", err)
	c.fail(w, r, http.StatusInternalServerError, "Something went wrong on the server; it has been logged.")
}

// failWith answers err: its kind decides the status, and the message of a refusal (not found,
// invalid, conflict, forbidden) is shown, as the API shows it.
func (c *Console) failWith(w http.ResponseWriter, r *http.Request, err error) {
	if status, message, refused := refusal(err); refused {
		c.fail(w, r, status, message)
		return
	}
	if errors.Is(err, conductor.ErrBusy) {
		c.fail(w, r, http.StatusServiceUnavailable, "The server is busy; try again in a moment.")
		return
	}
	c.serverError(w, r, err)
}

// refusal is the status and message of an error the user can act on (not found, invalid,
// conflict, forbidden); refused is false for any other error.
func refusal(err error) (status int, message string, refused bool) {
	switch {
	case errors.Is(err, conductor.ErrNotFound):
		return http.StatusNotFound, err.Error(), true
	case errors.Is(err, conductor.ErrInvalid):
		return http.StatusBadRequest, err.Error(), true
	case errors.Is(err, conductor.ErrConflict):
		return http.StatusConflict, err.Error(), true
	case errors.Is(err, conductor.ErrForbidden):
		return http.StatusForbidden, err.Error(), true
	}
	return 0, "", false
}
