package diagram

import (
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/podiumhq/podium/console/internal/svg"
)

// svgWriter accumulates the drawing's markup; every string from outside goes through its
// escaping Text and Attr.
type svgWriter = svg.Writer

// truncate shortens s to at most n runes (see svg.Truncate).
func truncate(s string, n int) string { return svg.Truncate(s, n) }

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
