// Package timeline draws the task attempts of one workflow execution as an SVG Gantt chart,
// server-side, for the web console to embed inline in its HTML pages. It is pure: the
// standard library and internal/conductor only, no I/O.
//
// # Rows
//
// One row per attempt ([]*conductor.Task), in seq order; attempts of one seq keep the order
// they were given in. Fork branches and loop iterations simply follow that order. A row is
// labelled with the reference name without its DO_WHILE suffix, "(iter N)" for a loop copy
// ("(iter 2.3)" in nested loops) and "#R" for a retry; labels of loop copies are indented by
// their loop nesting depth (fork branches are not: that needs the definition). Rows are
// bounded by Options.MaxRows (DefaultMaxRows); the rest are counted in a note
// "N more attempts not shown".
//
// # Bars
//
// An attempt that started has a bar (rect.run) from its startTime to its endTime — to
// Options.Now while it runs (the group then has the class running), to its updateTime when
// it ended without an endTime — preceded by a lighter bar (rect.wait) from its
// scheduledTime: the queue wait. Zero-length spans are drawn 2 pixels wide. An attempt that
// never started has no bar but a diamond (path.marker) at its scheduledTime, or at the left
// edge when that is unknown too. Times of 0 are unknown; an end before the start, or a
// schedule after it, is clamped to the start.
//
// # Axis
//
// The axis spans the earliest schedule or start to the latest end and is labelled with
// offsets from its start, in a step chosen from the span and width (1-2-5 milliseconds, then
// whole seconds, minutes, hours, days): "0", "500ms", "1.5s", "4m30s", "2h", "3d4h". The
// header line gives the absolute start time in Options.Location.
//
// # Markup and classes
//
// The root is <svg class="podium-timeline" role="img" aria-label="TITLE"> with a <title>.
// Each row is a <g class="attempt status-<STATUS>"> (status-UNKNOWN for a missing or odd
// status) with data-ref, data-status, data-seq, and a <title> giving the type, status,
// retry, iteration, times and durations. Other classes: text.header, text.tick, path.grid,
// rect.stripe (odd rows), text.label, text.more. Colours come from Stylesheet, embedded
// unless Options.NoStyle is set. Every string from a task is escaped.
package timeline
