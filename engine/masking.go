package engine

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"strconv"
	"strings"

	"github.com/tidwall/gjson"

	"github.com/podiumhq/podium/internal/conductor"
	"github.com/podiumhq/podium/internal/expr"
	"github.com/podiumhq/podium/internal/secret"
	"github.com/podiumhq/podium/store"
)

// Seal names (associated data) of execution data, so a sealed document opens only where it
// was written.
func taskInputSeal(taskID string) string    { return "task:" + taskID + ":input" }
func taskOutputSeal(taskID string) string   { return "task:" + taskID + ":output" }
func workflowSeal(workflowID string) string { return "workflow:" + workflowID }

// outputFilterKeys name a task's output filter in its inputParameters (the documented key and
// the alias the Orkes tutorial prose uses).
var outputFilterKeys = []string{"outputFilter", "_outputFilters"}

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

// workflowSecrets is the sealed per-workflow state: the real input when the shown one is
// masked, and every value to mask.
type workflowSecrets struct {
	Input     map[string]any `json:"input,omitempty"`
	Variables map[string]any `json:"variables,omitempty"`
	Masks     []string       `json:"masks,omitempty"`
}

// secretState is what an execution knows about secret material while it is decided.
type secretState struct {
	redactor    secret.Redactor
	realInput   map[string]any // the workflow's real input, when the shown one is masked
	realVars    map[string]any // the workflow's real variables, when the shown ones are masked
	realInputs  map[string]map[string]any
	realOutputs map[string]map[string]any
	values      map[string]*string // secret name → value, nil when missing
	missing     []string
	denied      []string // secrets the workflow's principal may not use
	dirty       bool
}

// loadSecrets opens the sealed state of a loaded execution.
func (x *execution) loadSecrets() error {
	x.sec.realInputs, x.sec.realOutputs = map[string]map[string]any{}, map[string]map[string]any{}
	if x.rec.Sealed == nil {
		return nil
	}
	data, err := x.e.keys.Open(workflowSeal(x.wf.WorkflowID), x.rec.Sealed)
	if err != nil {
		return fmt.Errorf("error opening the sealed state of workflow %s: %w", x.wf.WorkflowID, err)
	}
	var st workflowSecrets
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := dec.Decode(&st); err != nil {
		return fmt.Errorf("error decoding the sealed state of workflow %s: %w", x.wf.WorkflowID, err)
	}
	x.sec.realInput, x.sec.realVars = st.Input, st.Variables
	for _, v := range st.Masks {
		x.sec.redactor.Add(v)
	}
	return nil
}

// sealSecrets stores the execution's secret state on its record when it changed.
func (x *execution) sealSecrets() error {
	if !x.sec.dirty {
		return nil
	}
	// The set of values to mask may have grown: show the workflow input and variables with it.
	x.wf.Input = x.showInput(x.workflowInput())
	if !jsonEqual(x.wf.Input, x.workflowInput()) && x.sec.realInput == nil {
		x.sec.realInput = x.workflowInput()
	}
	if x.sec.realVars != nil || x.sec.redactor.Len() > 0 {
		real := x.variables()
		x.wf.Variables = x.sec.redactor.Map(real)
		if !jsonEqual(x.wf.Variables, real) {
			x.sec.realVars = real
		}
	}
	if x.sec.realInput == nil && x.sec.realVars == nil && x.sec.redactor.Len() == 0 {
		x.rec.Sealed = nil
		return nil
	}
	sealed, err := x.e.sealDoc(workflowSeal(x.wf.WorkflowID), workflowSecrets{
		Input: x.sec.realInput, Variables: x.sec.realVars, Masks: x.sec.redactor.Values()})
	if err != nil {
		return err
	}
	x.rec.Sealed = sealed
	return nil
}

// addMasks adds values to mask, noting the state changed when the set grew.
func (x *execution) addMasks(add func(r *secret.Redactor)) {
	before := x.sec.redactor.Len()
	add(&x.sec.redactor)
	if x.sec.redactor.Len() != before {
		x.sec.dirty = true
	}
}

// workflowInput is the real workflow input, for expressions.
func (x *execution) workflowInput() map[string]any {
	if x.sec.realInput != nil {
		return x.sec.realInput
	}
	return x.wf.Input
}

// variables are the real workflow variables, for expressions.
func (x *execution) variables() map[string]any {
	if x.sec.realVars != nil {
		return x.sec.realVars
	}
	return x.wf.Variables
}

// setVariables stores new workflow variables: real (sealed) for expressions, masked where shown.
func (x *execution) setVariables(real map[string]any) {
	x.wf.Variables = real
	x.sec.realVars = nil
	if x.nothingToMask(real) {
		return
	}
	x.wf.Variables = x.sec.redactor.Map(real)
	if !jsonEqual(x.wf.Variables, real) {
		x.sec.realVars = real
	}
	x.sec.dirty = true
}

// showInput is a workflow input as shown: maskedFields, _secrets and known values masked.
func (x *execution) showInput(input map[string]any) map[string]any {
	return secret.MaskFields(x.sec.redactor.Map(input), x.def.MaskedFields)
}

// setWorkflowInput stores the input of a workflow: masked (maskedFields, _secrets and known
// values) where shown, real (sealed) for expressions. The values of maskedFields join the
// values to mask, so they are masked wherever tasks copy them too.
func (x *execution) setWorkflowInput(input map[string]any) {
	x.addMasks(func(r *secret.Redactor) {
		r.SecretsUnder(input)
		for _, f := range x.def.MaskedFields {
			r.AddAll(input[f])
		}
	})
	shown := x.showInput(input)
	x.wf.Input = shown
	x.sec.realInput = nil
	if !jsonEqual(shown, input) {
		x.sec.realInput, x.sec.dirty = input, true
	}
}

// realTaskInput is an attempt's real input.
func (x *execution) realTaskInput(rec *store.TaskRecord) map[string]any {
	x.load(rec)
	return x.realDoc(rec.Task.TaskID, rec.SealedInput, x.sec.realInputs, taskInputSeal, rec.Task.InputData)
}

// realTaskOutput is an attempt's real output.
func (x *execution) realTaskOutput(rec *store.TaskRecord) map[string]any {
	x.load(rec)
	return x.realDoc(rec.Task.TaskID, rec.SealedOutput, x.sec.realOutputs, taskOutputSeal, rec.Task.OutputData)
}

func (x *execution) realDoc(taskID string, sealed []byte, cache map[string]map[string]any, seal func(string) string, shown map[string]any) map[string]any {
	if real, ok := cache[taskID]; ok {
		return real
	}
	if sealed == nil {
		return shown
	}
	real, err := x.e.openDoc(seal(taskID), sealed)
	if err != nil {
		// A sealed document that does not open is a key configuration error; the masked form
		// is the only safe fallback, and the log names the task, never data.
		x.e.logger.Error("engine: opening sealed task data failed", "task_id", taskID, "error", err)
		return shown
	}
	cache[taskID] = real
	return real
}

// setTaskInput stores an attempt's input: real for its executor (sealed when it differs from
// the shown one), masked where shown.
func (x *execution) setTaskInput(rec *store.TaskRecord, real map[string]any) {
	// An output filter is a template of paths (its $${…} un-escaped), not secret material: it
	// is shown as written, even its _secrets key.
	rest := real
	filters := map[string]any{}
	for _, k := range outputFilterKeys {
		if f, ok := real[k]; ok {
			if len(filters) == 0 {
				rest = maps.Clone(real)
			}
			filters[k] = f
			delete(rest, k)
		}
	}
	delete(x.sec.realInputs, rec.Task.TaskID)
	rec.SealedInput = nil
	if x.nothingToMask(rest) {
		rec.Task.InputData = real // the common case: no secret material at all
		return
	}
	x.addMasks(func(r *secret.Redactor) {
		if rec.Task.TaskType == conductor.TaskTypeUpdateSecret {
			// The secret's name is not a value: only what is stored joins the masks.
			if in, ok := rest["_secrets"].(map[string]any); ok {
				r.AddAll(in["secretValue"])
			}
			return
		}
		r.SecretsUnder(rest)
	})
	shown := x.sec.redactor.Map(rest)
	if shown != nil {
		maps.Copy(shown, filters)
	}
	rec.Task.InputData = shown
	if !jsonEqual(shown, real) {
		x.sec.realInputs[rec.Task.TaskID] = real
		rec.SealedInput = x.seal(taskInputSeal(rec.Task.TaskID), real)
	}
}

// setTaskOutput stores an attempt's output the same way.
func (x *execution) setTaskOutput(rec *store.TaskRecord, real map[string]any) {
	delete(x.sec.realOutputs, rec.Task.TaskID)
	rec.SealedOutput = nil
	if x.nothingToMask(real) {
		rec.Task.OutputData = real
		return
	}
	x.addMasks(func(r *secret.Redactor) { r.SecretsUnder(real) })
	shown := x.sec.redactor.Map(real)
	rec.Task.OutputData = shown
	if !jsonEqual(shown, real) {
		x.sec.realOutputs[rec.Task.TaskID] = real
		rec.SealedOutput = x.seal(taskOutputSeal(rec.Task.TaskID), real)
	}
}

func (x *execution) seal(name string, v any) []byte {
	sealed, err := x.e.sealDoc(name, v)
	if err != nil {
		// Sealing fails only without randomness or on unencodable data: storing the masked
		// form alone would lose the real one, so the decision is abandoned.
		x.abort(fmt.Errorf("sealing %s: %w", name, err))
		return nil
	}
	return sealed
}

// nothingToMask reports whether v certainly holds no secret material: no value is known to be
// secret in this execution and v has no _secrets or _masked key.
func (x *execution) nothingToMask(v map[string]any) bool {
	return x.sec.redactor.Len() == 0 && !secret.HasMaskedKeys(v)
}

// mask masks known secret values in text (reasons, log lines).
func (x *execution) mask(s string) string { return x.sec.redactor.String(s) }

// lookupSecret resolves ${workflow.secrets.NAME[.path]} for expression evaluation, adding
// what it reveals to the values to mask. Other paths are left to the document.
func (x *execution) lookupSecret(p expr.Path) (any, bool) {
	segs := p.Segments()
	if len(segs) < 3 || segs[0].Key != "workflow" || segs[1].Key != "secrets" || segs[2].Kind != expr.SegmentKey {
		return nil, false
	}
	name := segs[2].Key
	if !x.mayUseSecret(name) {
		x.sec.denied = append(x.sec.denied, name)
		return nil, true
	}
	value, ok := x.secretValue(name)
	if !ok {
		x.sec.missing = append(x.sec.missing, name)
		return nil, true
	}
	x.addMasks(func(r *secret.Redactor) { r.Add(value) })
	if len(segs) == 3 {
		return value, true
	}
	parts := make([]string, 0, len(segs)-3)
	for _, seg := range segs[3:] {
		switch seg.Kind {
		case expr.SegmentKey:
			parts = append(parts, gjson.Escape(seg.Key))
		case expr.SegmentIndex:
			parts = append(parts, strconv.Itoa(seg.Index))
		case expr.SegmentWildcard:
			parts = append(parts, "#")
		}
	}
	res := gjson.Get(value, strings.Join(parts, "."))
	if !res.Exists() {
		return nil, true
	}
	var v any
	dec := json.NewDecoder(strings.NewReader(res.Raw))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		return nil, true
	}
	x.addMasks(func(r *secret.Redactor) { r.AddAll(v) })
	return v, true
}

// secretValue reads a secret once per decision.
func (x *execution) secretValue(name string) (string, bool) {
	if x.sec.values == nil {
		x.sec.values = map[string]*string{}
	}
	if v, seen := x.sec.values[name]; seen {
		return deref(v)
	}
	var value *string
	s, found, err := x.e.secrets.Value(x.ctx, x.q, name)
	switch {
	case err != nil:
		// Not "missing": a task must not fail for good because the database hiccuped. The
		// decision is abandoned (nothing is written) and the caller retries it.
		x.abort(err)
	case found:
		value = &s
	}
	x.sec.values[name] = value
	return deref(value)
}

func deref(p *string) (string, bool) {
	if p == nil {
		return "", false
	}
	return *p, true
}

// jsonEqual reports whether two JSON-like values encode the same.
func jsonEqual(a, b any) bool {
	ja, errA := json.Marshal(a)
	jb, errB := json.Marshal(b)
	return errA == nil && errB == nil && bytes.Equal(ja, jb)
}
