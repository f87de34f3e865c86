package engine

import (
	"github.com/podiumhq/podium/engine/decide"
	"github.com/podiumhq/podium/internal/conductor"
)

// PayloadMaxBytesDefault is the largest task input or output, workflow input or output, in
// bytes of its JSON encoding, that an execution stores when Config.PayloadMaxBytes is 0.
const PayloadMaxBytesDefault = decide.PayloadMaxBytesDefault

// checkWorkflowInput refuses a workflow input over the limit (a start or restart request).
func (e *Engine) checkWorkflowInput(name string, input map[string]any) error {
	if size := decide.JSONSize(input); size > e.payloadMax {
		return conductor.Invalidf("The input payload size: %d bytes of workflow: %s is greater than the permissible limit: %d bytes",
			size, name, e.payloadMax)
	}
	return nil
}

// checkTaskPayloads refuses a task input or output given through the API (skip, rerun) that is
// over the limit.
func (e *Engine) checkTaskPayloads(ref string, input, output map[string]any) error {
	for kind, payload := range map[string]map[string]any{"input": input, "output": output} {
		if size := decide.JSONSize(payload); size > e.payloadMax {
			return conductor.Invalidf("The %s payload size: %d bytes of task: %s is greater than the permissible limit: %d bytes",
				kind, size, ref, e.payloadMax)
		}
	}
	return nil
}
