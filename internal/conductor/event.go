package conductor

import (
	"strings"
)

// EventProviderConductor is the one event provider Podium delivers: its own durable queue. An
// EVENT task's sink "conductor" or "conductor:X" publishes to it, and handlers of events
// "conductor:…" consume it.
const EventProviderConductor = "conductor"

// Event handler actions (EventHandler.Action.Type in Conductor).
const (
	ActionStartWorkflow           = "start_workflow"
	ActionCompleteTask            = "complete_task"
	ActionFailTask                = "fail_task"
	ActionTerminateWorkflow       = "terminate_workflow"
	ActionUpdateWorkflowVariables = "update_workflow_variables"
)

// Evaluator types of an event handler's condition.
const (
	EvaluatorJavaScript = "javascript"
	EvaluatorGraalJS    = "graaljs"
	EvaluatorValueParam = "value-param"
)

// EventHandler reacts to the messages of one event (queue) with actions, when its condition
// holds for the message's payload.
type EventHandler struct {
	Name          string        `json:"name"`
	Event         string        `json:"event"`
	Condition     string        `json:"condition,omitempty"`
	EvaluatorType string        `json:"evaluatorType,omitempty"`
	Actions       []EventAction `json:"actions"`
	Active        bool          `json:"active"`
}

// EventAction is one thing a handler does with a message: Action names which of the members
// below applies. Its strings are templates resolved against the message payload.
type EventAction struct {
	Action                  string                  `json:"action"`
	StartWorkflow           *EventStartWorkflow     `json:"start_workflow,omitempty"`
	CompleteTask            *EventTaskDetails       `json:"complete_task,omitempty"`
	FailTask                *EventTaskDetails       `json:"fail_task,omitempty"`
	TerminateWorkflow       *EventTerminateWorkflow `json:"terminate_workflow,omitempty"`
	UpdateWorkflowVariables *EventUpdateVariables   `json:"update_workflow_variables,omitempty"`
	ExpandInlineJSON        bool                    `json:"expandInlineJSON"`
}

// EventStartWorkflow is the start_workflow action: the workflow to start.
type EventStartWorkflow struct {
	Name          string            `json:"name"`
	Version       *int              `json:"version,omitempty"`
	CorrelationID string            `json:"correlationId,omitempty"`
	Input         map[string]any    `json:"input,omitempty"`
	TaskToDomain  map[string]string `json:"taskToDomain,omitempty"`
}

// EventTaskDetails is the complete_task and fail_task action: the task (by taskId, or by
// workflowId and taskRefName) and the output to give it.
type EventTaskDetails struct {
	WorkflowID            string         `json:"workflowId,omitempty"`
	TaskRefName           string         `json:"taskRefName,omitempty"`
	TaskID                string         `json:"taskId,omitempty"`
	Output                map[string]any `json:"output,omitempty"`
	ReasonForIncompletion string         `json:"reasonForIncompletion,omitempty"`
}

// EventTerminateWorkflow is the terminate_workflow action.
type EventTerminateWorkflow struct {
	WorkflowID        string `json:"workflowId,omitempty"`
	TerminationReason string `json:"terminationReason,omitempty"`
}

// EventUpdateVariables is the update_workflow_variables action: variables merged into the
// workflow's; with AppendArray a list is appended to the list already stored under its name.
type EventUpdateVariables struct {
	WorkflowID  string         `json:"workflowId,omitempty"`
	Variables   map[string]any `json:"variables,omitempty"`
	AppendArray *bool          `json:"appendArray,omitempty"`
}

// Event execution statuses (EventExecution.Status in Conductor).
const (
	EventExecutionCompleted = "COMPLETED"
	EventExecutionFailed    = "FAILED"
	EventExecutionSkipped   = "SKIPPED"
)

// EventExecution records what one handler's action did with one message.
type EventExecution struct {
	ID        string         `json:"id"`
	MessageID string         `json:"messageId"`
	Name      string         `json:"name"`
	Event     string         `json:"event"`
	Created   int64          `json:"created"`
	Status    string         `json:"status"`
	Action    string         `json:"action,omitempty"`
	Output    map[string]any `json:"output"`
}

// EventProvider returns the provider part of an event or sink ("kafka" of "kafka:topic"; the
// whole string when it has no colon).
func EventProvider(s string) string {
	provider, _, _ := strings.Cut(s, ":")
	return provider
}

// UnreachableSinkMessage explains why Podium refuses an EVENT sink or a handler's event: it
// publishes and delivers only through its own conductor queue.
func UnreachableSinkMessage(what, value string) string {
	return what + " " + value + " is not supported: Podium publishes and delivers events only through its own " +
		"conductor queue (conductor or conductor:<name>); provider " + EventProvider(value) + " is not reachable"
}

// SinkReachable reports whether an EVENT task's sink is one Podium publishes to: conductor, or
// conductor:<queue>.
func SinkReachable(sink string) bool {
	return sink == EventProviderConductor || strings.HasPrefix(sink, EventProviderConductor+":") && len(sink) > len(EventProviderConductor)+1
}

// EventQueue names the queue an EVENT task of workflow wfName and reference ref publishes to
// through sink, as Conductor's Event task does: conductor ⇒ conductor:<workflow>:<ref>;
// conductor:X ⇒ conductor:<workflow>:X. ok is false for a sink Podium cannot publish to.
func EventQueue(sink, wfName, ref string) (queue string, ok bool) {
	switch {
	case sink == EventProviderConductor:
		return EventProviderConductor + ":" + wfName + ":" + ref, true
	case SinkReachable(sink):
		// Conductor removes every "conductor:" of the sink, not only the prefix.
		return EventProviderConductor + ":" + wfName + ":" + strings.ReplaceAll(sink, EventProviderConductor+":", ""), true
	}
	return "", false
}
