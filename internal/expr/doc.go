// Package expr parses and evaluates Conductor parameter templates: strings holding ${…}
// expressions whose bodies are JSONPath-like paths into the workflow document
// (workflow.input.x, ref.output.y[0]).
//
// Parsing is strict: a path form Podium cannot evaluate faithfully (slices, unions, some filter
// operators) is an error at registration time rather than a silently wrong value at run time.
// Evaluate applies templates to a decoded JSON value against the document, with the rules of
// Conductor's ParametersUtils (spec/conductor.md §4). Paths compile to gjson lookups on the
// document bytes. Deep scans (..) walk the document with gjson too; Jayway filters [?(…)] are
// translated to RFC 9535 and compiled by github.com/theory/jsonpath, which tests the values a
// filter selects from (filter.go). Parsed templates are cached, so evaluating the same
// definition again parses and compiles nothing.
package expr
