package conductor

import "fmt"

// Task types with built-in semantics. Any other type string names a worker task.
const (
	TaskTypeSimple          = "SIMPLE"
	TaskTypeDynamic         = "DYNAMIC"
	TaskTypeForkJoin        = "FORK_JOIN"
	TaskTypeForkJoinDynamic = "FORK_JOIN_DYNAMIC"
	TaskTypeFork            = "FORK"
	TaskTypeJoin            = "JOIN"
	TaskTypeExclusiveJoin   = "EXCLUSIVE_JOIN"
	TaskTypeDecision        = "DECISION"
	TaskTypeSwitch          = "SWITCH"
	TaskTypeDoWhile         = "DO_WHILE"
	TaskTypeSubWorkflow     = "SUB_WORKFLOW"
	TaskTypeStartWorkflow   = "START_WORKFLOW"
	TaskTypeEvent           = "EVENT"
	TaskTypeWait            = "WAIT"
	TaskTypeHuman           = "HUMAN"
	TaskTypeHTTP            = "HTTP"
	TaskTypeInline          = "INLINE"
	TaskTypeLambda          = "LAMBDA"
	TaskTypeSetVariable     = "SET_VARIABLE"
	TaskTypeTerminate       = "TERMINATE"
	TaskTypeNoop            = "NOOP"
	TaskTypeJSONJQTransform = "JSON_JQ_TRANSFORM"
	TaskTypeKafkaPublish    = "KAFKA_PUBLISH"
	TaskTypeUpdateSecret    = "UPDATE_SECRET"
)

// UnsupportedTypeMessage is the reason a task of a type this server does not execute is
// refused with (at registration) or fails with (a definition stored before that rule).
func UnsupportedTypeMessage(wt *WorkflowTask) string {
	return fmt.Sprintf("task type %s (taskReferenceName: %s) is not supported by this server", wt.Type, wt.TaskReferenceName)
}
