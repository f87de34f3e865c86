package systask

import (
	"slices"

	"github.com/podiumhq/podium/internal/conductor"
)

// Runner says who runs the tasks of a type.
type Runner int

// Runners of task types.
const (
	// ByWorker: an external worker polls the task under its name (SIMPLE and custom types).
	ByWorker Runner = iota
	// ByDecider: the decider runs the task itself, inline (SWITCH, SET_VARIABLE, …).
	ByDecider
	// ByHandler: a registered Handler runs it (Sync inline, Async on an internal worker).
	ByHandler
	// Unsupported: a Conductor system type Podium does not execute. Definitions using it are
	// refused; it never becomes a worker queue.
	Unsupported
)

// deciderTypes are the task types the decider executes itself. With the registered handlers
// they are the whole list of what the engine executes.
var deciderTypes = []string{
	conductor.TaskTypeSwitch, conductor.TaskTypeDecision, conductor.TaskTypeSetVariable,
	conductor.TaskTypeTerminate, conductor.TaskTypeNoop, conductor.TaskTypeWait,
	conductor.TaskTypeUpdateSecret, conductor.TaskTypeForkJoin, conductor.TaskTypeJoin,
	conductor.TaskTypeDoWhile, conductor.TaskTypeForkJoinDynamic, conductor.TaskTypeDynamic,
	conductor.TaskTypeExclusiveJoin, conductor.TaskTypeSubWorkflow, conductor.TaskTypeStartWorkflow,
	conductor.TaskTypeHuman, conductor.TaskTypeEvent,
}

// reservedTypes are the system task type names of Conductor OSS and Orkes. A definition may
// use one only when the engine executes it: none of them is ever a worker queue, so a worker
// polling /api/tasks/poll/FORK_JOIN can never play the part of the engine.
var reservedTypes = []string{
	conductor.TaskTypeDynamic, conductor.TaskTypeForkJoin, conductor.TaskTypeForkJoinDynamic,
	conductor.TaskTypeFork, conductor.TaskTypeJoin, conductor.TaskTypeExclusiveJoin,
	conductor.TaskTypeDecision, conductor.TaskTypeSwitch, conductor.TaskTypeDoWhile,
	conductor.TaskTypeSubWorkflow, conductor.TaskTypeStartWorkflow, conductor.TaskTypeEvent,
	conductor.TaskTypeWait, conductor.TaskTypeHuman, conductor.TaskTypeHTTP, conductor.TaskTypeInline,
	conductor.TaskTypeLambda, conductor.TaskTypeSetVariable, conductor.TaskTypeTerminate,
	conductor.TaskTypeNoop, conductor.TaskTypeJSONJQTransform, conductor.TaskTypeKafkaPublish,
	conductor.TaskTypeUpdateSecret, "USER_DEFINED",
	// Orkes system and integration tasks.
	"BUSINESS_RULE", "GET_SIGNED_JWT", "HTTP_POLL", "JDBC", "WAIT_FOR_WEBHOOK", "UPDATE_TASK",
	"OPS_GENIE", "QUERY_PROCESSOR", "GET_DOCUMENT", "GET_WORKFLOW", "SQS_PUBLISH", "AMQP_PUBLISH",
	"NATS_PUBLISH", "LLM_TEXT_COMPLETE", "LLM_CHAT_COMPLETE", "LLM_GENERATE_EMBEDDINGS",
	"LLM_GET_EMBEDDINGS", "LLM_STORE_EMBEDDINGS", "LLM_SEARCH_INDEX", "LLM_INDEX_DOCUMENT",
	"LLM_INDEX_TEXT", "CHUNK_TEXT",
}

// Reserved reports whether taskType is a Conductor or Orkes system task type name.
func Reserved(taskType string) bool { return slices.Contains(reservedTypes, taskType) }

// ReservedTypes lists the Conductor and Orkes system task type names.
func ReservedTypes() []string { return slices.Clone(reservedTypes) }

// RunnerOf says who runs tasks of taskType ("" and SIMPLE are worker tasks).
func (r *Registry) RunnerOf(taskType string) Runner {
	switch {
	case slices.Contains(deciderTypes, taskType):
		return ByDecider
	case r.handlers[taskType] != nil:
		return ByHandler
	case Reserved(taskType):
		return Unsupported
	default:
		return ByWorker
	}
}

// Executed lists, sorted, the system task types the engine executes (by the decider or a
// handler).
func (r *Registry) Executed() []string {
	types := slices.Clone(deciderTypes)
	for t := range r.handlers {
		if !slices.Contains(types, t) {
			types = append(types, t)
		}
	}
	slices.Sort(types)
	return types
}
