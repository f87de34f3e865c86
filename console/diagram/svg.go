package diagram

import (
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"
)

// svgWriter accumulates SVG markup. Every string that comes from a definition or a caller
// goes through text or attr, which escape it; raw is for markup this package writes itself.
type svgWriter struct {
	b strings.Builder
}

// raw appends trusted markup.
func (w *svgWriter) raw(s string) { w.b.WriteString(s) }

// num appends an integer.
func (w *svgWriter) num(n int) { w.b.WriteString(strconv.Itoa(n)) }

// text appends s escaped for character data or a quoted attribute value.
func (w *svgWriter) text(s string) { escapeTo(&w.b, s) }

// attr appends ` name="value"` with value escaped.
func (w *svgWriter) attr(name, value string) {
	w.b.WriteByte(' ')
	w.b.WriteString(name)
	w.b.WriteString(`="`)
	escapeTo(&w.b, value)
	w.b.WriteByte('"')
}

// nums appends ` name="n"` for each name/value pair.
func (w *svgWriter) nums(pairs ...any) {
	for i := 0; i+1 < len(pairs); i += 2 {
		w.b.WriteByte(' ')
		w.b.WriteString(pairs[i].(string))
		w.b.WriteString(`="`)
		w.b.WriteString(strconv.Itoa(pairs[i+1].(int)))
		w.b.WriteByte('"')
	}
}

// escapeTo writes s to b with the five XML specials as entities, newlines and tabs as
// character references (so attribute values keep them), and every rune XML 1.0 forbids
// (other control characters, invalid UTF-8, U+FFFE/U+FFFF) as U+FFFD. Runs of plain text
// are copied whole.
func escapeTo(b *strings.Builder, s string) {
	last := 0
	for i := 0; i < len(s); {
		c := s[i]
		var rep string
		size := 1
		switch {
		case c == '<':
			rep = "&lt;"
		case c == '>':
			rep = "&gt;"
		case c == '&':
			rep = "&amp;"
		case c == '"':
			rep = "&#34;"
		case c == '\'':
			rep = "&#39;"
		case c == '\n':
			rep = "&#10;"
		case c == '\t':
			rep = "&#9;"
		case c == '\r':
			rep = "&#13;"
		case c < 0x20:
			rep = "\uFFFD"
		case c >= utf8.RuneSelf:
			var r rune
			r, size = utf8.DecodeRuneInString(s[i:])
			if (r == utf8.RuneError && size == 1) || r == 0xFFFE || r == 0xFFFF {
				rep = "\uFFFD"
			}
		}
		if rep != "" {
			b.WriteString(s[last:i])
			b.WriteString(rep)
			last = i + size
		}
		i += size
	}
	b.WriteString(s[last:])
}

// truncate shortens s to at most n runes, ending it with "…" when it was longer, and puts
// every newline or tab on one line.
func truncate(s string, n int) string {
	s = strings.Map(func(r rune) rune {
		if r == '\n' || r == '\r' || r == '\t' {
			return ' '
		}
		return r
	}, s)
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	runes := []rune(s)
	return string(runes[:n-1]) + "…"
}

// textWidth estimates the width in pixels of s drawn at the node font size.
func textWidth(s string) int { return utf8.RuneCountInString(s)*charWidth + 2 }

// safeURL returns u when it is a relative reference or an http(s) URL, and "" otherwise, so
// a link can never run script (javascript:, data:, vbscript: …).
func safeURL(u string) string {
	if u == "" {
		return ""
	}
	parsed, err := url.Parse(u)
	if err != nil {
		return ""
	}
	switch strings.ToLower(parsed.Scheme) {
	case "", "http", "https":
		return u
	}
	return ""
}

// statusClass is the CSS class of a task status, "" for none. A status outside the
// characters Conductor's statuses use becomes status-UNKNOWN rather than reaching markup.
func statusClass(s string) string {
	if s == "" {
		return ""
	}
	for _, r := range s {
		if (r < 'A' || r > 'Z') && r != '_' {
			return "status-UNKNOWN"
		}
	}
	return "status-" + s
}

// Stylesheet is the default style of a diagram: neutral nodes, one colour per status. Every
// rule is scoped under .podium-diagram. Render embeds it unless Options.NoStyle is set; a page
// that draws several diagrams can set NoStyle and include Stylesheet once in its own CSS.
const Stylesheet = `
.podium-diagram{font-family:system-ui,sans-serif;font-size:12px}
.podium-diagram text{text-anchor:middle;fill:#1f2328}
.podium-diagram .shape,.podium-diagram .frame{fill:#f6f8fa;stroke:#8c959f;stroke-width:1.2}
.podium-diagram .frame{fill:none;stroke-dasharray:6 3}
.podium-diagram text.type{font-size:9px;fill:#656d76;letter-spacing:.04em}
.podium-diagram text.ref{font-weight:600}
.podium-diagram text.name{fill:#57606a}
.podium-diagram text.case{font-size:10px;fill:#0550ae;paint-order:stroke;stroke:#fff;stroke-width:3px}
.podium-diagram .edge{fill:none;stroke:#8c959f;stroke-width:1.2}
.podium-diagram .head,.podium-diagram .bar{fill:#8c959f}
.podium-diagram .terminal rect{fill:#eaeef2;stroke:#8c959f}
.podium-diagram .placeholder rect{fill:none;stroke:#8c959f;stroke-dasharray:4 3}
.podium-diagram a.link .shape{stroke:#0969da}
.podium-diagram .status-COMPLETED .shape{fill:#dafbe1;stroke:#1a7f37}
.podium-diagram .status-COMPLETED_WITH_ERRORS .shape{fill:#fff8c5;stroke:#1a7f37}
.podium-diagram .status-SKIPPED .shape{fill:#eaeef2;stroke:#6e7781;stroke-dasharray:4 2}
.podium-diagram .status-IN_PROGRESS .shape{fill:#ddf4ff;stroke:#0969da;stroke-width:2}
.podium-diagram .status-SCHEDULED .shape{fill:#fff8c5;stroke:#9a6700}
.podium-diagram .status-FAILED .shape,.podium-diagram .status-FAILED_WITH_TERMINAL_ERROR .shape{fill:#ffebe9;stroke:#cf222e;stroke-width:2}
.podium-diagram .status-TIMED_OUT .shape{fill:#fff1e5;stroke:#bc4c00;stroke-width:2}
.podium-diagram .status-CANCELED .shape{fill:#eaeef2;stroke:#57606a}
.podium-diagram .status-UNKNOWN .shape{stroke:#57606a}
.podium-diagram .loop[class*=status-] .frame{fill:none}
.podium-diagram .loop.status-COMPLETED .frame{stroke:#1a7f37}
.podium-diagram .loop.status-IN_PROGRESS .frame{stroke:#0969da;stroke-width:2}
.podium-diagram .loop.status-FAILED .frame,.podium-diagram .loop.status-FAILED_WITH_TERMINAL_ERROR .frame{stroke:#cf222e;stroke-width:2}
.podium-diagram .loop.status-TIMED_OUT .frame{stroke:#bc4c00;stroke-width:2}
`
