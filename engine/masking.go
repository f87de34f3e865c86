package engine

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/podiumhq/podium/engine/decide"
	"github.com/podiumhq/podium/store"
)

// Seal names (associated data) of execution data, so a sealed document opens only where it
// was written.
func taskInputSeal(taskID string) string    { return "task:" + taskID + ":input" }
func taskOutputSeal(taskID string) string   { return "task:" + taskID + ":output" }
func workflowSeal(workflowID string) string { return "workflow:" + workflowID }

// sealDoc seals a JSON document under name.
func (e *Engine) sealDoc(name string, v any) ([]byte, error) {
	data, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("error encoding sealed data: %w", err)
	}
	return e.keys.Seal(name, data)
}

// openDoc opens a sealed JSON object.
func (e *Engine) openDoc(name string, sealed []byte) (map[string]any, error) {
	data, err := e.keys.Open(name, sealed)
	if err != nil {
		return nil, err
	}
	var m map[string]any
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	return m, dec.Decode(&m)
}

// openSecrets opens the sealed secret state of a loaded workflow (nil when it has none).
func (e *Engine) openSecrets(rec *store.WorkflowRecord) (*decide.SecretState, error) {
	if rec.Sealed == nil {
		return nil, nil
	}
	id := rec.Workflow.WorkflowID
	data, err := e.keys.Open(workflowSeal(id), rec.Sealed)
	if err != nil {
		return nil, fmt.Errorf("error opening the sealed state of workflow %s: %w", id, err)
	}
	var st decide.SecretState
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := dec.Decode(&st); err != nil {
		return nil, fmt.Errorf("error decoding the sealed state of workflow %s: %w", id, err)
	}
	return &st, nil
}

// sealSecrets stores the execution's secret state on its record when the decision changed it.
func (x *execution) sealSecrets() error {
	st, changed := x.SecretsChanged()
	switch {
	case !changed:
		return nil
	case st == nil:
		x.rec.Sealed = nil
		return nil
	}
	sealed, err := x.e.sealDoc(workflowSeal(x.Workflow.WorkflowID), st)
	if err != nil {
		return err
	}
	x.rec.Sealed = sealed
	return nil
}
