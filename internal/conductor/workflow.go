package conductor

// Workflow is one execution of a workflow definition.
type Workflow struct {
	OwnerApp                 string            `json:"ownerApp,omitempty"`
	CreateTime               int64             `json:"createTime"`
	UpdateTime               int64             `json:"updateTime,omitempty"`
	CreatedBy                string            `json:"createdBy,omitempty"`
	UpdatedBy                string            `json:"updatedBy,omitempty"`
	Status                   WorkflowStatus    `json:"status"`
	EndTime                  int64             `json:"endTime"`
	WorkflowID               string            `json:"workflowId"`
	ParentWorkflowID         string            `json:"parentWorkflowId,omitempty"`
	ParentWorkflowTaskID     string            `json:"parentWorkflowTaskId,omitempty"`
	Tasks                    []*Task           `json:"tasks"`
	Input                    map[string]any    `json:"input"`
	Output                   map[string]any    `json:"output"`
	CorrelationID            string            `json:"correlationId,omitempty"`
	ReRunFromWorkflowID      string            `json:"reRunFromWorkflowId,omitempty"`
	ReasonForIncompletion    string            `json:"reasonForIncompletion,omitempty"`
	Event                    string            `json:"event,omitempty"`
	TaskToDomain             map[string]string `json:"taskToDomain"`
	FailedReferenceTaskNames []string          `json:"failedReferenceTaskNames"`
	FailedTaskNames          []string          `json:"failedTaskNames"`
	WorkflowDefinition       *WorkflowDef      `json:"workflowDefinition,omitempty"`
	Priority                 int               `json:"priority"`
	Variables                map[string]any    `json:"variables"`
	LastRetriedTime          int64             `json:"lastRetriedTime"`
	IdempotencyKey           string            `json:"idempotencyKey,omitempty"`
	History                  []any             `json:"history"`
	StartTime                int64             `json:"startTime"`
	WorkflowName             string            `json:"workflowName"`
	WorkflowVersion          int               `json:"workflowVersion"`
}

// Normalize fills nil collections so the JSON form matches Conductor ({} and [], never null)
// and derives startTime from createTime.
func (w *Workflow) Normalize() {
	w.Tasks = NonNil(w.Tasks)
	w.Input = nonNilMap(w.Input)
	w.Output = nonNilMap(w.Output)
	w.TaskToDomain = nonNilMap(w.TaskToDomain)
	w.FailedReferenceTaskNames = NonNil(w.FailedReferenceTaskNames)
	w.FailedTaskNames = NonNil(w.FailedTaskNames)
	w.Variables = nonNilMap(w.Variables)
	w.History = NonNil(w.History)
	w.StartTime = w.CreateTime
}

// Task is one attempt of one step of a workflow execution.
type Task struct {
	TaskType                string         `json:"taskType"`
	Status                  TaskStatus     `json:"status"`
	InputData               map[string]any `json:"inputData"`
	ReferenceTaskName       string         `json:"referenceTaskName"`
	RetryCount              int            `json:"retryCount"`
	Seq                     int            `json:"seq"`
	CorrelationID           string         `json:"correlationId,omitempty"`
	PollCount               int            `json:"pollCount"`
	TaskDefName             string         `json:"taskDefName"`
	ScheduledTime           int64          `json:"scheduledTime"`
	StartTime               int64          `json:"startTime"`
	EndTime                 int64          `json:"endTime"`
	UpdateTime              int64          `json:"updateTime"`
	StartDelayInSeconds     int            `json:"startDelayInSeconds"`
	RetriedTaskID           string         `json:"retriedTaskId,omitempty"`
	Retried                 bool           `json:"retried"`
	Executed                bool           `json:"executed"`
	CallbackFromWorker      bool           `json:"callbackFromWorker"`
	ResponseTimeoutSeconds  int64          `json:"responseTimeoutSeconds"`
	WorkflowInstanceID      string         `json:"workflowInstanceId"`
	WorkflowType            string         `json:"workflowType"`
	TaskID                  string         `json:"taskId"`
	ReasonForIncompletion   string         `json:"reasonForIncompletion,omitempty"`
	CallbackAfterSeconds    int64          `json:"callbackAfterSeconds"`
	WorkerID                string         `json:"workerId,omitempty"`
	OutputData              map[string]any `json:"outputData"`
	WorkflowTask            *WorkflowTask  `json:"workflowTask,omitempty"`
	Domain                  string         `json:"domain,omitempty"`
	RateLimitPerFrequency   int            `json:"rateLimitPerFrequency"`
	RateLimitFrequencyInSec int            `json:"rateLimitFrequencyInSeconds"`
	WorkflowPriority        int            `json:"workflowPriority"`
	Iteration               int            `json:"iteration"`
	SubWorkflowID           string         `json:"subWorkflowId,omitempty"`
	FirstStartTime          int64          `json:"firstStartTime"`
	QueueWaitTime           int64          `json:"queueWaitTime"`
	LoopOverTask            bool           `json:"loopOverTask"`
	TaskDefinition          *TaskDef       `json:"taskDefinition,omitempty"`
}

// Normalize fills nil collections and derived fields for the JSON form.
func (t *Task) Normalize() {
	t.InputData = nonNilMap(t.InputData)
	t.OutputData = nonNilMap(t.OutputData)
	t.CallbackFromWorker = true
	t.LoopOverTask = t.Iteration > 0
	t.QueueWaitTime = 0
	if t.StartTime > 0 && t.ScheduledTime > 0 {
		t.QueueWaitTime = t.StartTime - t.ScheduledTime
	}
}

// TaskResult is a worker's report about a task it polled.
type TaskResult struct {
	WorkflowInstanceID    string         `json:"workflowInstanceId"`
	TaskID                string         `json:"taskId"`
	ReasonForIncompletion string         `json:"reasonForIncompletion,omitempty"`
	CallbackAfterSeconds  int64          `json:"callbackAfterSeconds"`
	WorkerID              string         `json:"workerId,omitempty"`
	Status                TaskStatus     `json:"status"`
	OutputData            map[string]any `json:"outputData"`
	Logs                  []TaskExecLog  `json:"logs,omitempty"`
	SubWorkflowID         string         `json:"subWorkflowId,omitempty"`
	ExtendLease           bool           `json:"extendLease,omitempty"`
}

// TaskExecLog is one line of a task's execution log.
type TaskExecLog struct {
	Log         string `json:"log"`
	TaskID      string `json:"taskId"`
	CreatedTime int64  `json:"createdTime"`
}

// StartWorkflowRequest asks to start a workflow.
type StartWorkflowRequest struct {
	Name                string            `json:"name"`
	Version             *int              `json:"version,omitempty"`
	CorrelationID       string            `json:"correlationId,omitempty"`
	Input               map[string]any    `json:"input"`
	TaskToDomain        map[string]string `json:"taskToDomain,omitempty"`
	WorkflowDef         *WorkflowDef      `json:"workflowDef,omitempty"`
	Priority            int               `json:"priority"`
	CreatedBy           string            `json:"createdBy,omitempty"`
	IdempotencyKey      string            `json:"idempotencyKey,omitempty"`
	IdempotencyStrategy string            `json:"idempotencyStrategy,omitempty"`
	// InputIsNull records an explicit "input": null, which Conductor rejects.
	InputIsNull bool `json:"-"`
	// RunAs is the principal id the workflow runs as (whose grants decide the secrets it may
	// use); "" when started with authentication off. Set by the server, never by clients.
	RunAs string `json:"-"`
	// ParentWorkflowID and ParentWorkflowTaskID name the SUB_WORKFLOW task that starts the
	// workflow; Masks are values its parent knows to be secret, masked in it too. Set by the
	// server, never by clients.
	ParentWorkflowID     string   `json:"-"`
	ParentWorkflowTaskID string   `json:"-"`
	Masks                []string `json:"-"`
}

// RerunRequest is the body of POST /api/workflow/{id}/rerun: rerun an ended workflow from the
// start (with new input, optionally) or from one task (with new task input).
type RerunRequest struct {
	ReRunFromWorkflowID string         `json:"reRunFromWorkflowId,omitempty"`
	WorkflowInput       map[string]any `json:"workflowInput,omitempty"`
	ReRunFromTaskID     string         `json:"reRunFromTaskId,omitempty"`
	TaskInput           map[string]any `json:"taskInput,omitempty"`
	CorrelationID       string         `json:"correlationId,omitempty"`
}

// SkipTaskRequest is the optional body of PUT /api/workflow/{id}/skiptask/{ref}: the input
// and output recorded on the skipped task.
type SkipTaskRequest struct {
	TaskInput  map[string]any `json:"taskInput,omitempty"`
	TaskOutput map[string]any `json:"taskOutput,omitempty"`
}

// WorkflowTestRequest is the body of POST /api/workflow/test: a start request run with mocked
// task results instead of workers (Conductor's WorkflowTestRequest).
type WorkflowTestRequest struct {
	StartWorkflowRequest
	// TaskRefToMockOutput gives, per task reference name, the results of its successive
	// attempts (a retried task takes the next one).
	TaskRefToMockOutput map[string][]TaskMock `json:"taskRefToMockOutput,omitempty"`
	// SubWorkflowTestRequest gives, per SUB_WORKFLOW reference name, the mocks of its child.
	SubWorkflowTestRequest map[string]*WorkflowTestRequest `json:"subWorkflowTestRequest,omitempty"`
}

// TaskMock is one mocked result of a task attempt in a WorkflowTestRequest.
type TaskMock struct {
	// Status is the attempt's result status; "" means COMPLETED.
	Status TaskStatus     `json:"status,omitempty"`
	Output map[string]any `json:"output,omitempty"`
	// ExecutionTime and QueueWaitTime (milliseconds) back-date the attempt's start and
	// scheduled times, to show timings as a real run would.
	ExecutionTime int64 `json:"executionTime,omitempty"`
	QueueWaitTime int64 `json:"queueWaitTime,omitempty"`
}
