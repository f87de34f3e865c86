package systask

import (
	"context"

	"github.com/podiumhq/podium/internal/conductor"
)

// LambdaConfig configures the LAMBDA task.
type LambdaConfig struct {
	// ScriptLimits bounds every script run; zero fields take their defaults.
	ScriptLimits ScriptLimits
}

// lambdaEmptyScript is the reason of a LAMBDA task without a script, Conductor's words.
const lambdaEmptyScript = "Empty 'scriptExpression' in Lambda task's input parameters. A non-empty String value must be provided."

// Lambda runs the LAMBDA task, Conductor's deprecated forerunner of INLINE: input
// scriptExpression is the body of a JavaScript function, run as Conductor runs it
// (function scriptFun(){ <body> } scriptFun();) with the whole input bound to $, and the value
// it returns becomes output.result. It runs on EvalScript, under the same limits as INLINE.
//
// Every failure is FAILED, as in Conductor: a missing script and a failing one alike. The
// message is both the reason and output.error.
type Lambda struct {
	limits ScriptLimits
}

// NewLambda returns the LAMBDA handler.
func NewLambda(cfg LambdaConfig) *Lambda {
	return &Lambda{limits: cfg.ScriptLimits}
}

// Type returns LAMBDA.
func (*Lambda) Type() string { return conductor.TaskTypeLambda }

// Mode returns Sync: a script is bounded in time and does no I/O.
func (*Lambda) Mode() Mode { return Sync }

// Execute runs the function body.
func (h *Lambda) Execute(ctx context.Context, t *Task) Result {
	body, _ := t.Input["scriptExpression"].(string)
	if body == "" {
		return lambdaFailure(lambdaEmptyScript)
	}
	// The closing brace goes on a line of its own, so a body ending in a // comment still
	// closes; the body keeps its line numbers.
	script := "function scriptFun(){" + body + "\n} scriptFun();"
	value, err := EvalScript(ctx, script, t.Input, scriptLimitsFor(h.limits, t))
	if err != nil { // the script's failure or the caller's interruption (ErrScriptInterrupted)
		return lambdaFailure(err.Error())
	}
	return Result{Status: conductor.TaskCompleted, Output: map[string]any{"result": value}}
}

func lambdaFailure(msg string) Result {
	return Result{Status: conductor.TaskFailed, Output: map[string]any{"error": msg}, ReasonForIncompletion: msg}
}
