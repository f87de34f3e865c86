package engine

import (
	"context"

	"github.com/podiumhq/podium/engine/systask"
)

// evalScript evaluates a JavaScript expression (SWITCH, DECISION caseExpression) with $ bound
// to input, under the default script limits; its result is bounded by the payload limit.
func (e *Engine) evalScript(expression string, input map[string]any) (any, error) {
	return systask.EvalScript(context.Background(), expression, input, systask.ScriptLimits{MaxResultBytes: e.payloadMax})
}
