// Package diagram draws a workflow definition as an SVG element, server-side, for the web
// console to embed inline in its HTML pages. It is pure: the standard library and
// internal/conductor only, no I/O.
//
// # Layout
//
// The drawing reads top to bottom: a start terminal, the tasks of the definition one below
// the other joined by arrows, an end terminal. Every block is centred on the line of the
// sequence that holds it.
//
//   - SWITCH and DECISION: a diamond, then one column per case — in sorted order of the case
//     values, each labelled with its value ("" for the empty value) — and a last column
//     "default" (drawn even when the default case is empty: that path flows straight
//     through). The columns rejoin on a line below.
//   - FORK_JOIN (and FORK): the fork node, a bar, one column per branch, a merge bar; the
//     JOIN task that follows the fork in the definition is drawn after it as usual.
//   - FORK_JOIN_DYNAMIC: the fork node ("dynamic branches"), a bar, one column labelled
//     "dynamic" holding a dashed placeholder (class placeholder, no data-ref: its tasks are
//     only known at run time), a merge bar, then its JOIN.
//   - DO_WHILE: a frame whose header names the task and shows its loop condition
//     ("while …"), holding the loopOver body, with a loop-back arrow from the bottom of the
//     body to its entry.
//   - SUB_WORKFLOW: a box whose last line names the child ("→ name v2", "→ name (latest)",
//     or "→ inline definition").
//   - Every other type (SIMPLE, HTTP, INLINE, WAIT, HUMAN, EVENT, TERMINATE, JOIN, …): a box.
//
// A box shows the task type as a small label, the reference name, and the task name when it
// differs; lines longer than about 30 characters are cut with "…" (the node's <title> keeps
// them whole). Any node can be a link: Options.LinkFunc gives the URL per reference name.
//
// # Markup and classes
//
// The root is <svg class="podium-diagram" role="img" aria-label="Workflow NAME version N">
// with a <title> saying the same. Each task node is a <g> with data-ref (the reference
// name), data-type, data-status when it has one, a <title> "ref (TYPE[, task NAME]): STATUS"
// ("not reached" without a status), and the classes
//
//	node                      every task node
//	task|switch|fork|loop     its shape (a switch head, a fork head, a DO_WHILE frame)
//	status-<STATUS>           its status, e.g. status-COMPLETED, status-FAILED,
//	                          status-IN_PROGRESS, status-SCHEDULED, status-CANCELED,
//	                          status-SKIPPED, status-TIMED_OUT, status-COMPLETED_WITH_ERRORS,
//	                          status-FAILED_WITH_TERMINAL_ERROR; none when not reached
//
// Inside it: .shape (rect or diamond path) or .frame (a loop), text.type, text.ref,
// text.name. Elsewhere: g.terminal.start, g.terminal.end, path.edge, path.head (arrow
// heads), path.loop-back, rect.bar (fork and merge bars), text.case (case labels),
// g.placeholder and a.link. Node groups never nest, so a status class never cascades into
// the tasks a container holds. Colours come only from these classes: the SVG carries
// Stylesheet in a <style> element unless Options.NoStyle is set, every rule scoped under
// .podium-diagram so a page's own stylesheet can override it.
//
// # Status
//
// Render takes a map from reference name to task status. DO_WHILE body tasks run as copies
// named "ref__N" (iteration N; "ref__N__M" inside nested loops); NormalizeStatus folds
// them onto "ref", the last iteration winning.
//
// # Safety and bounds
//
// Every string of the definition, the status map and LinkFunc is escaped (XML specials,
// quotes, control characters and invalid UTF-8), and link URLs other than relative, http
// and https are dropped. Output is deterministic. Layout is linear in the number of tasks;
// Options.MaxDepth and Options.MaxNodes refuse pathological definitions with ErrTooDeep and
// ErrTooLarge rather than drawing without bound.
package diagram
