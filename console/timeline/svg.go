package timeline

import (
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/podiumhq/podium/internal/conductor"
)

// svgWriter accumulates SVG markup. Every string that comes from a task or a caller
// goes through text or attr, which escape it; raw is for markup this package writes itself.
type svgWriter struct {
	b strings.Builder
}

// raw appends trusted markup.
func (w *svgWriter) raw(s string) { w.b.WriteString(s) }

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

// truncate shortens s to at most n runes (at least 1), ending it with "…" when it was
// longer, with newlines and tabs as spaces.
func truncate(s string, n int) string {
	s = strings.Map(func(r rune) rune {
		if r == '\n' || r == '\r' || r == '\t' {
			return ' '
		}
		return r
	}, s)
	n = max(n, 1)
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	runes := []rune(s)
	return string(runes[:n-1]) + "…"
}

// statusClass is the CSS class of a task status. A status outside the characters
// Conductor's statuses use becomes status-UNKNOWN rather than reaching markup.
func statusClass(s conductor.TaskStatus) string {
	if s == "" {
		return "status-UNKNOWN"
	}
	for _, r := range s {
		if (r < 'A' || r > 'Z') && r != '_' {
			return "status-UNKNOWN"
		}
	}
	return "status-" + string(s)
}

// Stylesheet is the default style of a timeline, every rule scoped under .podium-timeline.
// Render embeds it unless Options.NoStyle is set.
const Stylesheet = `
.podium-timeline{font-family:system-ui,sans-serif;font-size:11px}
.podium-timeline text{fill:#1f2328}
.podium-timeline text.tick{fill:#656d76;text-anchor:middle;font-size:10px}
.podium-timeline text.header,.podium-timeline text.more{fill:#57606a}
.podium-timeline .grid{stroke:#eaeef2;stroke-width:1}
.podium-timeline .stripe{fill:#f6f8fa}
.podium-timeline .run{fill:#8c959f}
.podium-timeline .wait{fill:#8c959f;opacity:.3}
.podium-timeline .marker{fill:none;stroke:#8c959f;stroke-width:1.5}
.podium-timeline .status-COMPLETED .run,.podium-timeline .status-COMPLETED .wait{fill:#2da44e}
.podium-timeline .status-COMPLETED_WITH_ERRORS .run{fill:#bf8700}
.podium-timeline .status-IN_PROGRESS .run,.podium-timeline .status-IN_PROGRESS .wait{fill:#0969da}
.podium-timeline .status-SCHEDULED .run,.podium-timeline .status-SCHEDULED .wait{fill:#d4a72c}
.podium-timeline .status-FAILED .run,.podium-timeline .status-FAILED .wait,.podium-timeline .status-FAILED_WITH_TERMINAL_ERROR .run{fill:#cf222e}
.podium-timeline .status-TIMED_OUT .run,.podium-timeline .status-TIMED_OUT .wait{fill:#bc4c00}
.podium-timeline .status-CANCELED .run,.podium-timeline .status-SKIPPED .run{fill:#afb8c1}
.podium-timeline .status-SCHEDULED .marker{stroke:#9a6700}
`
