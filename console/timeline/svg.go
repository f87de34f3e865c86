package timeline

import (
	"github.com/podiumhq/podium/console/internal/svg"
	"github.com/podiumhq/podium/internal/conductor"
)

// svgWriter accumulates the drawing's markup; every string from outside goes through its
// escaping Text and Attr.
type svgWriter = svg.Writer

// truncate shortens s to at most n runes (see svg.Truncate).
func truncate(s string, n int) string { return svg.Truncate(s, n) }

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
