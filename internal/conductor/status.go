package conductor

// WorkflowStatus is the state of a workflow execution.
type WorkflowStatus string

// Workflow statuses.
const (
	WorkflowRunning    WorkflowStatus = "RUNNING"
	WorkflowCompleted  WorkflowStatus = "COMPLETED"
	WorkflowFailed     WorkflowStatus = "FAILED"
	WorkflowTimedOut   WorkflowStatus = "TIMED_OUT"
	WorkflowTerminated WorkflowStatus = "TERMINATED"
	WorkflowPaused     WorkflowStatus = "PAUSED"
)

// IsTerminal reports whether the workflow has ended.
func (s WorkflowStatus) IsTerminal() bool {
	return s == WorkflowCompleted || s == WorkflowFailed || s == WorkflowTimedOut || s == WorkflowTerminated
}

// IsSuccessful reports whether the status counts as success (COMPLETED, and PAUSED as Conductor flags it).
func (s WorkflowStatus) IsSuccessful() bool { return s == WorkflowCompleted || s == WorkflowPaused }

// Valid reports whether s is a known workflow status.
func (s WorkflowStatus) Valid() bool {
	return s.IsTerminal() || s == WorkflowRunning || s == WorkflowPaused
}

// TaskStatus is the state of one task attempt.
type TaskStatus string

// Task statuses.
const (
	TaskScheduled               TaskStatus = "SCHEDULED"
	TaskInProgress              TaskStatus = "IN_PROGRESS"
	TaskCompleted               TaskStatus = "COMPLETED"
	TaskCompletedWithErrors     TaskStatus = "COMPLETED_WITH_ERRORS"
	TaskSkipped                 TaskStatus = "SKIPPED"
	TaskFailed                  TaskStatus = "FAILED"
	TaskTimedOut                TaskStatus = "TIMED_OUT"
	TaskFailedWithTerminalError TaskStatus = "FAILED_WITH_TERMINAL_ERROR"
	TaskCanceled                TaskStatus = "CANCELED"
)

// IsTerminal reports whether the attempt has ended.
func (s TaskStatus) IsTerminal() bool { return s != TaskScheduled && s != TaskInProgress }

// IsSuccessful reports whether the attempt counts as success.
func (s TaskStatus) IsSuccessful() bool {
	return s == TaskCompleted || s == TaskCompletedWithErrors || s == TaskSkipped
}

// IsRetriable reports whether a failed attempt with this status may be retried.
func (s TaskStatus) IsRetriable() bool {
	return s != TaskFailedWithTerminalError && s != TaskCanceled && s != TaskSkipped
}

// Valid reports whether s is a known task status.
func (s TaskStatus) Valid() bool {
	switch s {
	case TaskScheduled, TaskInProgress, TaskCompleted, TaskCompletedWithErrors, TaskSkipped, TaskFailed,
		TaskTimedOut, TaskFailedWithTerminalError, TaskCanceled:
		return true
	}
	return false
}
