package systask

import (
	"context"
	"errors"
	"fmt"

	"github.com/podiumhq/podium/internal/conductor"
)

// Evaluator types of INLINE and SWITCH.
const (
	EvaluatorJavaScript = "javascript"
	EvaluatorGraalJS    = "graaljs"
	EvaluatorValueParam = "value-param"
)

// InlineConfig configures the INLINE task.
type InlineConfig struct {
	// ScriptLimits bounds every script run; zero fields take their defaults.
	ScriptLimits ScriptLimits
}

// Inline runs the INLINE task: its input's expression is evaluated, as JavaScript with the whole
// input bound to $ (Conductor passes evaluatorType and expression along too) or as a value-param
// lookup, and the value becomes output.result.
//
// Every failure is FAILED_WITH_TERMINAL_ERROR, as in Conductor, whose evaluators throw a
// TerminateWorkflowException: a missing expression, an unknown evaluator and a failing script
// would fail the same way on every retry. The message is both the reason and output.error.
type Inline struct {
	limits ScriptLimits
}

// NewInline returns the INLINE handler.
func NewInline(cfg InlineConfig) *Inline {
	return &Inline{limits: cfg.ScriptLimits}
}

// Type returns INLINE.
func (*Inline) Type() string { return conductor.TaskTypeInline }

// Mode returns Sync: a script is bounded in time and does no I/O.
func (*Inline) Mode() Mode { return Sync }

// Execute evaluates the expression.
func (h *Inline) Execute(ctx context.Context, t *Task) Result {
	evaluator := EvaluatorJavaScript
	if v, ok := t.Input["evaluatorType"]; ok && v != nil {
		s, isString := v.(string)
		if !isString {
			return inlineFailure(conductor.TaskFailedWithTerminalError, "evaluatorType must be a string")
		}
		if s != "" {
			evaluator = s
		}
	}
	expression, _ := t.Input["expression"].(string)
	if expression == "" {
		return inlineFailure(conductor.TaskFailedWithTerminalError,
			"Empty 'expression' in INLINE task's input parameters. A non-empty String value must be provided.")
	}

	var value any
	switch evaluator {
	case EvaluatorJavaScript, EvaluatorGraalJS:
		var err error
		value, err = EvalScript(ctx, expression, t.Input, scriptLimitsFor(h.limits, t))
		if errors.Is(err, ErrScriptInterrupted) {
			// The caller gave up (shutdown): not the script's fault, so retriable.
			return inlineFailure(conductor.TaskFailed, err.Error())
		}
		if err != nil {
			return inlineFailure(conductor.TaskFailedWithTerminalError, err.Error())
		}
	case EvaluatorValueParam:
		value = t.Input[expression]
	default:
		return inlineFailure(conductor.TaskFailedWithTerminalError, fmt.Sprintf(
			"evaluatorType %q is not supported: use %s, %s or %s", evaluator, EvaluatorJavaScript, EvaluatorGraalJS, EvaluatorValueParam))
	}
	return Result{Status: conductor.TaskCompleted, Output: map[string]any{"result": value}}
}

// scriptLimitsFor returns limits with the result bounded by t's MaxOutputBytes too.
func scriptLimitsFor(limits ScriptLimits, t *Task) ScriptLimits {
	if t.MaxOutputBytes > 0 && (limits.MaxResultBytes <= 0 || t.MaxOutputBytes < limits.MaxResultBytes) {
		limits.MaxResultBytes = t.MaxOutputBytes
	}
	return limits
}

func inlineFailure(status conductor.TaskStatus, msg string) Result {
	return Result{Status: status, Output: map[string]any{"error": msg}, ReasonForIncompletion: msg}
}
