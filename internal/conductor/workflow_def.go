package conductor

import (
	"encoding/json"
)

// WorkflowTimeoutPolicy says what happens when a workflow exceeds its timeoutSeconds.
type WorkflowTimeoutPolicy string

// Workflow timeout policies.
const (
	WorkflowTimeOutWF WorkflowTimeoutPolicy = "TIME_OUT_WF"
	WorkflowAlertOnly WorkflowTimeoutPolicy = "ALERT_ONLY"
)

// SupportedSchemaVer is the only workflow definition schema version Conductor 3 accepts.
const SupportedSchemaVer = 2

// Valid reports whether p is a known policy.
func (p WorkflowTimeoutPolicy) Valid() bool { return p == WorkflowTimeOutWF || p == WorkflowAlertOnly }

// WorkflowDef is a registered workflow blueprint, keyed by name and version.
type WorkflowDef struct {
	OwnerApp                      string                `json:"ownerApp,omitempty"`
	CreateTime                    int64                 `json:"createTime,omitempty"`
	UpdateTime                    int64                 `json:"updateTime,omitempty"`
	CreatedBy                     string                `json:"createdBy,omitempty"`
	UpdatedBy                     string                `json:"updatedBy,omitempty"`
	Name                          string                `json:"name"`
	Description                   string                `json:"description,omitempty"`
	Version                       int                   `json:"version"`
	Tasks                         []WorkflowTask        `json:"tasks"`
	InputParameters               []string              `json:"inputParameters"`
	OutputParameters              map[string]any        `json:"outputParameters"`
	FailureWorkflow               string                `json:"failureWorkflow,omitempty"`
	FailureWorkflowVersion        *int                  `json:"failureWorkflowVersion,omitempty"`
	SchemaVersion                 int                   `json:"schemaVersion"`
	Restartable                   bool                  `json:"restartable"`
	WorkflowStatusListenerEnabled bool                  `json:"workflowStatusListenerEnabled"`
	WorkflowStatusListenerSink    string                `json:"workflowStatusListenerSink,omitempty"`
	OwnerEmail                    string                `json:"ownerEmail,omitempty"`
	TimeoutPolicy                 WorkflowTimeoutPolicy `json:"timeoutPolicy"`
	TimeoutSeconds                int64                 `json:"timeoutSeconds"`
	Variables                     map[string]any        `json:"variables"`
	InputTemplate                 map[string]any        `json:"inputTemplate"`
	EnforceSchema                 bool                  `json:"enforceSchema"`
	Metadata                      map[string]any        `json:"metadata"`
	MaskedFields                  []string              `json:"maskedFields"`

	// Extra keeps members this type does not model (inputSchema, rateLimitConfig, …).
	Extra Extra `json:"-"`
}

type plainWorkflowDef WorkflowDef

// NewWorkflowDef returns a definition holding Conductor's defaults.
func NewWorkflowDef() WorkflowDef {
	return WorkflowDef{
		Version:       1,
		SchemaVersion: SupportedSchemaVer,
		Restartable:   true,
		TimeoutPolicy: WorkflowAlertOnly,
		EnforceSchema: true,
	}
}

// UnmarshalJSON decodes a definition over Conductor's defaults, keeping unknown members.
func (d *WorkflowDef) UnmarshalJSON(data []byte) error {
	def := NewWorkflowDef()
	extra, err := decodeObject(data, (*plainWorkflowDef)(&def))
	if err != nil {
		return err
	}
	def.Extra = extra
	*d = def
	return nil
}

// MarshalJSON encodes the definition as Conductor does: empty collections as [] and {}.
func (d WorkflowDef) MarshalJSON() ([]byte, error) {
	d.Tasks = NonNil(d.Tasks)
	d.InputParameters = NonNil(d.InputParameters)
	d.OutputParameters = nonNilMap(d.OutputParameters)
	d.Variables = nonNilMap(d.Variables)
	d.InputTemplate = nonNilMap(d.InputTemplate)
	d.Metadata = nonNilMap(d.Metadata)
	d.MaskedFields = NonNil(d.MaskedFields)
	return encodeObject(plainWorkflowDef(d), d.Extra)
}

// WorkflowTask is one step of a workflow definition; container types nest further steps.
type WorkflowTask struct {
	Name                           string                    `json:"name"`
	TaskReferenceName              string                    `json:"taskReferenceName"`
	Description                    string                    `json:"description,omitempty"`
	InputParameters                map[string]any            `json:"inputParameters"`
	Type                           string                    `json:"type"`
	DynamicTaskNameParam           string                    `json:"dynamicTaskNameParam,omitempty"`
	CaseValueParam                 string                    `json:"caseValueParam,omitempty"`
	CaseExpression                 string                    `json:"caseExpression,omitempty"`
	ScriptExpression               string                    `json:"scriptExpression,omitempty"`
	DecisionCases                  map[string][]WorkflowTask `json:"decisionCases"`
	DynamicForkJoinTasksParam      string                    `json:"dynamicForkJoinTasksParam,omitempty"`
	DynamicForkTasksParam          string                    `json:"dynamicForkTasksParam,omitempty"`
	DynamicForkTasksInputParamName string                    `json:"dynamicForkTasksInputParamName,omitempty"`
	DefaultCase                    []WorkflowTask            `json:"defaultCase"`
	ForkTasks                      [][]WorkflowTask          `json:"forkTasks"`
	StartDelay                     int                       `json:"startDelay"`
	SubWorkflowParam               *SubWorkflowParams        `json:"subWorkflowParam,omitempty"`
	JoinOn                         []string                  `json:"joinOn"`
	Sink                           string                    `json:"sink,omitempty"`
	Optional                       bool                      `json:"optional"`
	TaskDefinition                 *TaskDef                  `json:"taskDefinition,omitempty"`
	RateLimited                    *bool                     `json:"rateLimited,omitempty"`
	DefaultExclusiveJoinTask       []string                  `json:"defaultExclusiveJoinTask"`
	AsyncComplete                  bool                      `json:"asyncComplete"`
	LoopCondition                  *string                   `json:"loopCondition,omitempty"` // nil when absent; "" is a condition (false)
	LoopOver                       []WorkflowTask            `json:"loopOver"`
	// Items is a DO_WHILE's list to iterate over: an expression such as
	// "${workflow.input.list}" (Conductor's form) or a literal list.
	Items         any            `json:"items,omitempty"`
	RetryCount    *int           `json:"retryCount,omitempty"`
	EvaluatorType string         `json:"evaluatorType,omitempty"`
	Expression    string         `json:"expression,omitempty"`
	OnStateChange map[string]any `json:"onStateChange"`
	Permissive    bool           `json:"permissive"`

	// Extra keeps members this type does not model (cacheConfig, …).
	Extra Extra `json:"-"`
}

type plainWorkflowTask WorkflowTask

// UnmarshalJSON decodes a workflow task, defaulting its type to SIMPLE and keeping unknown members.
func (t *WorkflowTask) UnmarshalJSON(data []byte) error {
	task := WorkflowTask{Type: TaskTypeSimple}
	extra, err := decodeObject(data, (*plainWorkflowTask)(&task))
	if err != nil {
		return err
	}
	if task.Type == "" {
		task.Type = TaskTypeSimple
	}
	task.Extra = extra
	*t = task
	return nil
}

// MarshalJSON encodes the task as Conductor does: empty collections as [] and {}.
func (t WorkflowTask) MarshalJSON() ([]byte, error) {
	t.InputParameters = nonNilMap(t.InputParameters)
	t.DecisionCases = nonNilMap(t.DecisionCases)
	t.DefaultCase = NonNil(t.DefaultCase)
	t.ForkTasks = NonNil(t.ForkTasks)
	t.JoinOn = NonNil(t.JoinOn)
	t.DefaultExclusiveJoinTask = NonNil(t.DefaultExclusiveJoinTask)
	t.LoopOver = NonNil(t.LoopOver)
	t.OnStateChange = nonNilMap(t.OnStateChange)
	return encodeObject(plainWorkflowTask(t), t.Extra)
}

// Children returns the task lists nested directly in t (switch cases, default case, fork
// branches, loop body), in definition order.
func (t *WorkflowTask) Children() [][]WorkflowTask {
	var lists [][]WorkflowTask
	for _, c := range sortedKeys(t.DecisionCases) {
		lists = append(lists, t.DecisionCases[c])
	}
	if len(t.DefaultCase) > 0 {
		lists = append(lists, t.DefaultCase)
	}
	lists = append(lists, t.ForkTasks...)
	if len(t.LoopOver) > 0 {
		lists = append(lists, t.LoopOver)
	}
	return lists
}

// SubWorkflowParams names the workflow a SUB_WORKFLOW task starts.
type SubWorkflowParams struct {
	Name                string            `json:"name,omitempty"`
	Version             *int              `json:"version,omitempty"`
	TaskToDomain        map[string]string `json:"taskToDomain,omitempty"`
	WorkflowDefinition  json.RawMessage   `json:"workflowDefinition,omitempty"`
	IdempotencyKey      string            `json:"idempotencyKey,omitempty"`
	IdempotencyStrategy string            `json:"idempotencyStrategy,omitempty"`
	Priority            any               `json:"priority,omitempty"`

	// Extra keeps members this type does not model.
	Extra Extra `json:"-"`
}

type plainSubWorkflowParams SubWorkflowParams

// UnmarshalJSON decodes the parameters, keeping unknown members.
func (p *SubWorkflowParams) UnmarshalJSON(data []byte) error {
	var params SubWorkflowParams
	extra, err := decodeObject(data, (*plainSubWorkflowParams)(&params))
	if err != nil {
		return err
	}
	if string(params.WorkflowDefinition) == "null" {
		params.WorkflowDefinition = nil
	}
	params.Extra = extra
	*p = params
	return nil
}

// MarshalJSON encodes the parameters with their unknown members.
func (p SubWorkflowParams) MarshalJSON() ([]byte, error) {
	return encodeObject(plainSubWorkflowParams(p), p.Extra)
}

// WorkflowDefSummary is one entry of the names-and-versions listing.
type WorkflowDefSummary struct {
	Name       string `json:"name"`
	Version    int    `json:"version"`
	CreateTime int64  `json:"createTime,omitempty"`
	UpdateTime int64  `json:"updateTime,omitempty"`
}

// BulkResponse reports a per-item outcome of a bulk request.
type BulkResponse struct {
	BulkSuccessfulResults []string          `json:"bulkSuccessfulResults"`
	BulkErrorResults      map[string]string `json:"bulkErrorResults"`
}
