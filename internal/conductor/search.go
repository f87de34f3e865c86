package conductor

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
)

// SearchResult is Conductor's page of search results: the matches of this page and how many
// match in all.
type SearchResult[T any] struct {
	TotalHits int64 `json:"totalHits"`
	Results   []T   `json:"results"`
	// NextCursor, when set, asks for the page after this one (the cursor parameter of a
	// newest-first workflow search): a Podium extension; Conductor's clients page with start.
	NextCursor string `json:"nextCursor,omitempty"`
}

// WorkflowSummary is the row of GET /api/workflow/search: times as ISO strings, input and
// output rendered as Java's toString renders a map.
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

// Summarize returns the search row of wf.
func Summarize(wf *Workflow) *WorkflowSummary {
	s := &WorkflowSummary{
		WorkflowType: wf.WorkflowName, Version: wf.WorkflowVersion, WorkflowID: wf.WorkflowID,
		CorrelationID: wf.CorrelationID, StartTime: isoMillis(wf.CreateTime), Status: string(wf.Status),
		Input: JavaString(wf.Input), Output: JavaString(wf.Output), ReasonForIncompletion: wf.ReasonForIncompletion,
		Event: wf.Event, FailedReferenceTaskNames: strings.Join(wf.FailedReferenceTaskNames, ","),
		FailedTaskNames: NonNil(wf.FailedTaskNames), Priority: wf.Priority, CreatedBy: wf.CreatedBy,
		TaskToDomain: wf.TaskToDomain, IdempotencyKey: wf.IdempotencyKey, ParentWorkflowID: wf.ParentWorkflowID,
	}
	if wf.UpdateTime > 0 {
		s.UpdateTime = isoMillis(wf.UpdateTime)
	}
	if wf.EndTime > 0 {
		s.EndTime = isoMillis(wf.EndTime)
		s.ExecutionTime = wf.EndTime - wf.CreateTime
	}
	s.InputSize, s.OutputSize = int64(len(s.Input)), int64(len(s.Output))
	return s
}

// TaskSummary is the row of GET /api/tasks/search: times as ISO strings (epoch 0 renders as
// 1970, as in Conductor), input and output rendered as Java's toString renders a map.
type TaskSummary struct {
	WorkflowID            string     `json:"workflowId"`
	WorkflowType          string     `json:"workflowType"`
	CorrelationID         string     `json:"correlationId,omitempty"`
	ScheduledTime         string     `json:"scheduledTime"`
	StartTime             string     `json:"startTime"`
	UpdateTime            string     `json:"updateTime"`
	EndTime               string     `json:"endTime"`
	Status                TaskStatus `json:"status"`
	ReasonForIncompletion string     `json:"reasonForIncompletion,omitempty"`
	ExecutionTime         int64      `json:"executionTime"`
	QueueWaitTime         int64      `json:"queueWaitTime"`
	TaskDefName           string     `json:"taskDefName"`
	TaskType              string     `json:"taskType"`
	Input                 string     `json:"input"`
	Output                string     `json:"output"`
	TaskID                string     `json:"taskId"`
	WorkflowPriority      int        `json:"workflowPriority"`
	Domain                string     `json:"domain,omitempty"`
}

// SummarizeTask returns the search row of t (a normalised task: its queue wait is set).
func SummarizeTask(t *Task) *TaskSummary {
	s := &TaskSummary{
		WorkflowID: t.WorkflowInstanceID, WorkflowType: t.WorkflowType, CorrelationID: t.CorrelationID,
		ScheduledTime: isoMillis(t.ScheduledTime), StartTime: isoMillis(t.StartTime),
		UpdateTime: isoMillis(t.UpdateTime), EndTime: isoMillis(t.EndTime), Status: t.Status,
		ReasonForIncompletion: t.ReasonForIncompletion, QueueWaitTime: t.QueueWaitTime,
		TaskDefName: t.TaskDefName, TaskType: t.TaskType, Input: JavaString(t.InputData),
		Output: JavaString(t.OutputData), TaskID: t.TaskID, WorkflowPriority: t.WorkflowPriority, Domain: t.Domain,
	}
	if t.EndTime > 0 {
		s.ExecutionTime = t.EndTime - t.StartTime
	}
	return s
}

// isoMillis renders epoch milliseconds as Conductor's summaries do: UTC, millisecond precision.
func isoMillis(ms int64) string {
	return time.UnixMilli(ms).UTC().Format("2006-01-02T15:04:05.000Z")
}

// JavaString renders a JSON value as Java's toString does ({a=1, b=[x, y]}), keys sorted.
func JavaString(v any) string {
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

// PollData is the last poll of one worker on one queue (GET /api/tasks/queue/polldata).
type PollData struct {
	QueueName    string `json:"queueName"`
	Domain       string `json:"domain,omitempty"`
	WorkerID     string `json:"workerId"`
	LastPollTime int64  `json:"lastPollTime"`
}

// ScheduleStatus is Podium's per-schedule view (GET /api/scheduler/schedules/{name}/status):
// its state, next run and last runs, newest first.
type ScheduleStatus struct {
	Name         string               `json:"name"`
	Paused       bool                 `json:"paused"`
	PausedReason string               `json:"pausedReason,omitempty"`
	NextRunTime  int64                `json:"nextRunTime,omitempty"`
	LastRuns     []*ScheduleExecution `json:"lastRuns"`
}
