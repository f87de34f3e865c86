package engine

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/podiumhq/podium/internal/conductor"
	"github.com/podiumhq/podium/store"
)

// MaxSearchSize is the largest page a search returns, as in Conductor.
const MaxSearchSize = 5000

// SearchRequest is a workflow search as the API receives it.
type SearchRequest struct {
	Start    int
	Size     int
	Sort     string
	FreeText string
	Query    string
}

// SearchResult is Conductor's page of results.
type SearchResult[T any] struct {
	TotalHits int64 `json:"totalHits"`
	Results   []T   `json:"results"`
}

// SearchWorkflows runs a search and returns full workflows (without tasks).
func (e *Engine) SearchWorkflows(ctx context.Context, req SearchRequest) (*SearchResult[*conductor.Workflow], error) {
	params, err := searchParams(req)
	if err != nil {
		return nil, err
	}
	wfs, total, err := e.store.WorkflowSearch(ctx, params)
	if err != nil {
		return nil, err
	}
	for _, wf := range wfs {
		wf.Normalize()
	}
	return &SearchResult[*conductor.Workflow]{TotalHits: total, Results: nonNil(wfs)}, nil
}

// SearchWorkflowSummaries runs a search and returns WorkflowSummary rows.
func (e *Engine) SearchWorkflowSummaries(ctx context.Context, req SearchRequest) (*SearchResult[*WorkflowSummary], error) {
	res, err := e.SearchWorkflows(ctx, req)
	if err != nil {
		return nil, err
	}
	out := &SearchResult[*WorkflowSummary]{TotalHits: res.TotalHits, Results: make([]*WorkflowSummary, len(res.Results))}
	for i, wf := range res.Results {
		out.Results[i] = summarize(wf)
	}
	return out, nil
}

func searchParams(req SearchRequest) (store.WorkflowSearchParams, error) {
	p := store.WorkflowSearchParams{Start: req.Start, Size: req.Size, FreeText: req.FreeText}
	if p.Size == 0 {
		p.Size = 100
	}
	if p.Size > MaxSearchSize {
		return p, conductor.Invalidf("Cannot return more than %d workflows. Please use pagination.", MaxSearchSize)
	}
	if p.Start < 0 || p.Size < 0 {
		return p, conductor.Invalidf("start and size must be >= 0")
	}
	for _, item := range strings.FieldsFunc(req.Sort, func(r rune) bool { return r == '|' || r == ',' }) {
		field, dir, _ := strings.Cut(strings.TrimSpace(item), ":")
		if !store.SearchableField(field) {
			return p, conductor.Invalidf("Cannot sort by unknown field %q", field)
		}
		p.Sort = append(p.Sort, store.SortField{Field: field, Desc: strings.EqualFold(dir, "DESC")})
	}
	var err error
	p.Any, err = parseQuery(req.Query)
	return p, err
}

// parseQuery parses Conductor's SQL-like filter: comparisons (=, !=, >, <, >=, <=, IN (…),
// NOT IN (…)) joined by AND and OR (AND binds tighter).
func parseQuery(query string) ([][]store.SearchCondition, error) {
	toks, err := tokenize(query)
	if err != nil {
		return nil, err
	}
	var groups [][]store.SearchCondition
	var and []store.SearchCondition
	for i := 0; i < len(toks); {
		field := toks[i]
		if !store.SearchableField(field.text) || field.quoted {
			return nil, conductor.Invalidf("Invalid query: unknown field %q", field.text)
		}
		i++
		if i >= len(toks) {
			return nil, conductor.Invalidf("Invalid query: missing operator after %s", field.text)
		}
		op := strings.ToUpper(toks[i].text)
		i++
		if op == "NOT" && i < len(toks) && strings.EqualFold(toks[i].text, "IN") {
			op, i = "NOT IN", i+1
		}
		cond := store.SearchCondition{Field: field.text, Op: op}
		switch op {
		case "IN", "NOT IN":
			if i >= len(toks) || toks[i].text != "(" || toks[i].quoted {
				return nil, conductor.Invalidf("Invalid query: %s %s needs a (list)", field.text, op)
			}
			for i++; i < len(toks) && (toks[i].quoted || toks[i].text != ")"); i++ {
				if !toks[i].quoted && toks[i].text == "," {
					continue
				}
				cond.Values = append(cond.Values, toks[i].text)
			}
			if i >= len(toks) {
				return nil, conductor.Invalidf("Invalid query: unclosed list after %s", field.text)
			}
			if len(cond.Values) == 0 {
				return nil, conductor.Invalidf("Invalid query: %s %s () needs at least one value", field.text, op)
			}
			i++
		case "=", "!=", ">", "<", ">=", "<=":
			if i >= len(toks) {
				return nil, conductor.Invalidf("Invalid query: missing value after %s %s", field.text, op)
			}
			cond.Values = []string{toks[i].text}
			i++
		default:
			return nil, conductor.Invalidf("Invalid query: unknown operator %q", op)
		}
		if err := checkSearchValues(field.text, cond.Values); err != nil {
			return nil, err
		}
		and = append(and, cond)
		if i < len(toks) {
			switch strings.ToUpper(toks[i].text) {
			case "AND":
			case "OR":
				groups = append(groups, and)
				and = nil
			default:
				return nil, conductor.Invalidf("Invalid query: expected AND or OR, got %q", toks[i].text)
			}
			i++
			if i >= len(toks) {
				return nil, conductor.Invalidf("Invalid query: dangling AND/OR")
			}
		}
	}
	if len(and) > 0 {
		groups = append(groups, and)
	}
	return groups, nil
}

// checkSearchValues refuses values the column of field cannot hold, before any SQL: version
// and priority are 32-bit integers, times are epoch milliseconds or RFC 3339 within the years
// 0 to 9999.
func checkSearchValues(field string, values []string) error {
	for _, v := range values {
		switch field {
		case "version", "priority":
			if _, err := strconv.ParseInt(v, 10, 32); err != nil {
				return conductor.Invalidf("Invalid query: %s must be a 32-bit integer, got %q", field, v)
			}
		case "startTime", "createTime", "endTime", "updateTime":
			if !validSearchTime(v) {
				return conductor.Invalidf("Invalid query: %s must be epoch milliseconds or an RFC 3339 time, got %q", field, v)
			}
		}
	}
	return nil
}

// Epoch milliseconds of 0000-01-01 and 9999-12-31T23:59:59.999Z.
const (
	minSearchMillis = -62167219200000
	maxSearchMillis = 253402300799999
)

func validSearchTime(v string) bool {
	if ms, err := strconv.ParseInt(v, 10, 64); err == nil {
		return ms >= minSearchMillis && ms <= maxSearchMillis
	}
	_, err := time.Parse(time.RFC3339Nano, v)
	return err == nil
}

type token struct {
	text   string
	quoted bool
}

func tokenize(s string) ([]token, error) {
	var toks []token
	for i := 0; i < len(s); {
		c := s[i]
		switch c {
		case ' ', '\t', '\n':
			i++
		case '\'', '"':
			end := strings.IndexByte(s[i+1:], c)
			if end < 0 {
				return nil, conductor.Invalidf("Invalid query: unterminated quote")
			}
			toks = append(toks, token{text: s[i+1 : i+1+end], quoted: true})
			i += end + 2
		case '(', ')', ',':
			toks = append(toks, token{text: string(c)})
			i++
		case '=', '!', '<', '>':
			j := i + 1
			if j < len(s) && s[j] == '=' {
				j++
			}
			toks = append(toks, token{text: s[i:j]})
			i = j
		default:
			j := i
			for j < len(s) && !strings.ContainsRune(" \t\n'\"(),=!<>", rune(s[j])) {
				j++
			}
			toks = append(toks, token{text: s[i:j]})
			i = j
		}
	}
	return toks, nil
}

// WorkflowSummary is the search row Conductor returns: times as ISO strings, input and output
// rendered as text.
type WorkflowSummary struct {
	WorkflowType             string            `json:"workflowType"`
	Version                  int               `json:"version"`
	WorkflowID               string            `json:"workflowId"`
	CorrelationID            string            `json:"correlationId,omitempty"`
	StartTime                string            `json:"startTime"`
	UpdateTime               string            `json:"updateTime,omitempty"`
	EndTime                  string            `json:"endTime,omitempty"`
	Status                   string            `json:"status"`
	Input                    string            `json:"input"`
	Output                   string            `json:"output"`
	ReasonForIncompletion    string            `json:"reasonForIncompletion,omitempty"`
	ExecutionTime            int64             `json:"executionTime"`
	Event                    string            `json:"event,omitempty"`
	FailedReferenceTaskNames string            `json:"failedReferenceTaskNames"`
	FailedTaskNames          []string          `json:"failedTaskNames"`
	Priority                 int               `json:"priority"`
	CreatedBy                string            `json:"createdBy,omitempty"`
	TaskToDomain             map[string]string `json:"taskToDomain"`
	IdempotencyKey           string            `json:"idempotencyKey,omitempty"`
	ParentWorkflowID         string            `json:"parentWorkflowId"`
	InputSize                int64             `json:"inputSize"`
	OutputSize               int64             `json:"outputSize"`
}

func summarize(wf *conductor.Workflow) *WorkflowSummary {
	s := &WorkflowSummary{
		WorkflowType: wf.WorkflowName, Version: wf.WorkflowVersion, WorkflowID: wf.WorkflowID,
		CorrelationID: wf.CorrelationID, StartTime: isoTime(wf.CreateTime), Status: string(wf.Status),
		Input: javaString(wf.Input), Output: javaString(wf.Output), ReasonForIncompletion: wf.ReasonForIncompletion,
		Event: wf.Event, FailedReferenceTaskNames: strings.Join(wf.FailedReferenceTaskNames, ","),
		FailedTaskNames: nonNil(wf.FailedTaskNames), Priority: wf.Priority, CreatedBy: wf.CreatedBy,
		TaskToDomain: wf.TaskToDomain, IdempotencyKey: wf.IdempotencyKey, ParentWorkflowID: wf.ParentWorkflowID,
	}
	if wf.UpdateTime > 0 {
		s.UpdateTime = isoTime(wf.UpdateTime)
	}
	if wf.EndTime > 0 {
		s.EndTime = isoTime(wf.EndTime)
		s.ExecutionTime = wf.EndTime - wf.CreateTime
	}
	s.InputSize, s.OutputSize = int64(len(s.Input)), int64(len(s.Output))
	return s
}

func isoTime(ms int64) string {
	return time.UnixMilli(ms).UTC().Format("2006-01-02T15:04:05.000Z")
}

// javaString renders a JSON value as Java's toString does ({a=1, b=[x, y]}), keys sorted.
func javaString(v any) string {
	var b strings.Builder
	writeJava(&b, v)
	return b.String()
}

func writeJava(b *strings.Builder, v any) {
	switch v := v.(type) {
	case nil:
		b.WriteString("null")
	case map[string]any:
		b.WriteByte('{')
		for i, k := range slices.Sorted(maps.Keys(v)) {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(k)
			b.WriteByte('=')
			writeJava(b, v[k])
		}
		b.WriteByte('}')
	case []any:
		b.WriteByte('[')
		for i, e := range v {
			if i > 0 {
				b.WriteString(", ")
			}
			writeJava(b, e)
		}
		b.WriteByte(']')
	case string:
		b.WriteString(v)
	case json.Number:
		b.WriteString(v.String())
	default:
		fmt.Fprint(b, v)
	}
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
