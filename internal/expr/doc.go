// Package expr parses Conductor parameter templates: strings holding ${…} expressions whose
// bodies are JSONPath-like paths into the workflow document (workflow.input.x, ref.output.y[0]).
//
// Parsing is strict: a path form Podium cannot evaluate faithfully (deep scan, filters) is an
// error at registration time rather than a silently wrong value at run time. Paths compile to
// gjson paths.
package expr
