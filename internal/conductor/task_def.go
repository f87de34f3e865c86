package conductor

// TaskTimeoutPolicy says what happens when a task exceeds its timeoutSeconds.
type TaskTimeoutPolicy string

// Task timeout policies.
const (
	TaskTimeoutRetry     TaskTimeoutPolicy = "RETRY"
	TaskTimeOutWF        TaskTimeoutPolicy = "TIME_OUT_WF"
	TaskTimeoutAlertOnly TaskTimeoutPolicy = "ALERT_ONLY"
)

// Valid reports whether p is a known policy.
func (p TaskTimeoutPolicy) Valid() bool {
	return p == TaskTimeoutRetry || p == TaskTimeOutWF || p == TaskTimeoutAlertOnly
}

// RetryLogic selects how the delay between task attempts grows.
type RetryLogic string

// Retry logics.
const (
	RetryFixed              RetryLogic = "FIXED"
	RetryExponentialBackoff RetryLogic = "EXPONENTIAL_BACKOFF"
	RetryLinearBackoff      RetryLogic = "LINEAR_BACKOFF"
)

// Valid reports whether r is a known retry logic.
func (r RetryLogic) Valid() bool {
	return r == RetryFixed || r == RetryExponentialBackoff || r == RetryLinearBackoff
}

// TaskDef holds the execution policy (retries, timeouts, limits) of a task name.
type TaskDef struct {
	OwnerApp                    string            `json:"ownerApp,omitempty"`
	CreateTime                  int64             `json:"createTime,omitempty"`
	UpdateTime                  int64             `json:"updateTime,omitempty"`
	CreatedBy                   string            `json:"createdBy,omitempty"`
	UpdatedBy                   string            `json:"updatedBy,omitempty"`
	Name                        string            `json:"name"`
	Description                 string            `json:"description,omitempty"`
	RetryCount                  int               `json:"retryCount"`
	TimeoutSeconds              int64             `json:"timeoutSeconds"`
	InputKeys                   []string          `json:"inputKeys"`
	OutputKeys                  []string          `json:"outputKeys"`
	TimeoutPolicy               TaskTimeoutPolicy `json:"timeoutPolicy"`
	RetryLogic                  RetryLogic        `json:"retryLogic"`
	RetryDelaySeconds           int               `json:"retryDelaySeconds"`
	ResponseTimeoutSeconds      int64             `json:"responseTimeoutSeconds"`
	ConcurrentExecLimit         *int              `json:"concurrentExecLimit,omitempty"`
	InputTemplate               map[string]any    `json:"inputTemplate"`
	RateLimitPerFrequency       int               `json:"rateLimitPerFrequency"`
	RateLimitFrequencyInSeconds int               `json:"rateLimitFrequencyInSeconds"`
	IsolationGroupID            string            `json:"isolationGroupId,omitempty"`
	ExecutionNameSpace          string            `json:"executionNameSpace,omitempty"`
	OwnerEmail                  string            `json:"ownerEmail,omitempty"`
	PollTimeoutSeconds          *int              `json:"pollTimeoutSeconds,omitempty"`
	BackoffScaleFactor          int               `json:"backoffScaleFactor"`
	MaxRetryDelaySeconds        int               `json:"maxRetryDelaySeconds"`
	BackoffJitterMs             int               `json:"backoffJitterMs,omitempty"`
	TotalTimeoutSeconds         int64             `json:"totalTimeoutSeconds"`
	EnforceSchema               bool              `json:"enforceSchema"`

	// Extra keeps members this type does not model (inputSchema, runtimeMetadata, …).
	Extra Extra `json:"-"`
}

type plainTaskDef TaskDef

// Task definition defaults, as Conductor applies them to a definition that omits the field.
const (
	TaskDefRetryCountDefault             = 3
	TaskDefRetryDelaySecondsDefault      = 60
	TaskDefResponseTimeoutSecondsDefault = 3600
	TaskDefRateLimitFrequencySecsDefault = 1
	TaskDefBackoffScaleFactorDefault     = 1
	TaskDefTimeoutPolicyDefault          = TaskTimeOutWF
	TaskDefRetryLogicDefault             = RetryFixed
)

// NewTaskDef returns a task definition named name holding Conductor's defaults.
func NewTaskDef(name string) TaskDef {
	return TaskDef{
		Name:                        name,
		RetryCount:                  TaskDefRetryCountDefault,
		TimeoutPolicy:               TaskDefTimeoutPolicyDefault,
		RetryLogic:                  TaskDefRetryLogicDefault,
		RetryDelaySeconds:           TaskDefRetryDelaySecondsDefault,
		ResponseTimeoutSeconds:      TaskDefResponseTimeoutSecondsDefault,
		RateLimitFrequencyInSeconds: TaskDefRateLimitFrequencySecsDefault,
		BackoffScaleFactor:          TaskDefBackoffScaleFactorDefault,
	}
}

// UnmarshalJSON decodes a task definition over Conductor's defaults, keeping unknown members.
func (d *TaskDef) UnmarshalJSON(data []byte) error {
	def := NewTaskDef("")
	extra, err := decodeObject(data, (*plainTaskDef)(&def))
	if err != nil {
		return err
	}
	def.Extra = extra
	*d = def
	return nil
}

// MarshalJSON encodes the definition as Conductor does: empty collections as [] and {}.
func (d TaskDef) MarshalJSON() ([]byte, error) {
	d.InputKeys = NonNil(d.InputKeys)
	d.OutputKeys = NonNil(d.OutputKeys)
	d.InputTemplate = nonNilMap(d.InputTemplate)
	return encodeObject(plainTaskDef(d), d.Extra)
}
