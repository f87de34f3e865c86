package decide

import (
	"bytes"
	"encoding/json"
	"maps"
	"strconv"
	"strings"

	"github.com/tidwall/gjson"

	"github.com/podiumhq/podium/internal/conductor"
	"github.com/podiumhq/podium/internal/expr"
	"github.com/podiumhq/podium/internal/secret"
)

// outputFilterKeys name a task's output filter in its inputParameters (the documented key and
// the alias the Orkes tutorial prose uses).
var outputFilterKeys = []string{"outputFilter", "_outputFilters"}

// secretState is what an execution knows about secret material while it is decided.
type secretState struct {
	redactor  secret.Redactor
	realInput map[string]any     // the workflow's real input, when the shown one is masked
	realVars  map[string]any     // the workflow's real variables, when the shown ones are masked
	realOut   map[string]any     // the ended workflow's real output, when the shown one is masked
	values    map[string]*string // secret name → value, nil when missing
	missing   []string
	denied    []string // secrets the workflow's principal may not use
	dirty     bool
}

// MaskToo adds values to mask in this execution (the secrets a parent passed down).
func (d *Decision) MaskToo(values []string) {
	if len(values) > 0 {
		d.addMasks(func(r *secret.Redactor) {
			for _, v := range values {
				r.Add(v)
			}
		})
	}
}

// addMasks adds values to mask, noting the state changed when the set grew.
func (d *Decision) addMasks(add func(r *secret.Redactor)) {
	before := d.sec.redactor.Len()
	add(&d.sec.redactor)
	if d.sec.redactor.Len() != before {
		d.sec.dirty = true
	}
}

// WorkflowInput is the real workflow input, for expressions.
func (d *Decision) WorkflowInput() map[string]any {
	if d.sec.realInput != nil {
		return d.sec.realInput
	}
	return d.Workflow.Input
}

// Variables are the real workflow variables, for expressions.
func (d *Decision) Variables() map[string]any {
	if d.sec.realVars != nil {
		return d.sec.realVars
	}
	return d.Workflow.Variables
}

// SetVariables stores new workflow variables: real (sealed) for expressions, masked where shown.
func (d *Decision) SetVariables(real map[string]any) {
	d.wfVersion++
	d.Workflow.Variables = real
	d.sec.realVars = nil
	if d.nothingToMask(real) {
		return
	}
	d.Workflow.Variables = d.sec.redactor.Map(real)
	if !jsonEqual(d.Workflow.Variables, real) {
		d.sec.realVars = real
	}
	d.sec.dirty = true
}

// showInput is a workflow input as shown: maskedFields, _secrets and known values masked.
func (d *Decision) showInput(input map[string]any) map[string]any {
	return secret.MaskFields(d.sec.redactor.Map(input), d.Def.MaskedFields)
}

// SetWorkflowInput stores the input of a workflow: masked (maskedFields, _secrets and known
// values) where shown, real (sealed) for expressions. The values of maskedFields join the
// values to mask, so they are masked wherever tasks copy them too.
func (d *Decision) SetWorkflowInput(input map[string]any) {
	d.wfVersion++
	d.addMasks(func(r *secret.Redactor) {
		r.SecretsUnder(input)
		for _, f := range d.Def.MaskedFields {
			r.AddAll(input[f])
		}
	})
	shown := d.showInput(input)
	d.Workflow.Input = shown
	d.sec.realInput = nil
	if !jsonEqual(shown, input) {
		d.sec.realInput, d.sec.dirty = input, true
	}
}

// RealTaskInput is an attempt's real input.
func (d *Decision) RealTaskInput(a *Attempt) map[string]any {
	d.load(a)
	if a.RealInput == nil && a.SealedInput != nil {
		a.RealInput = d.open(a, false, a.Task.InputData)
	}
	if a.RealInput != nil {
		return a.RealInput
	}
	return a.Task.InputData
}

// RealTaskOutput is an attempt's real output.
func (d *Decision) RealTaskOutput(a *Attempt) map[string]any {
	d.load(a)
	if a.RealOutput == nil && a.SealedOutput != nil {
		a.RealOutput = d.open(a, true, a.Task.OutputData)
	}
	if a.RealOutput != nil {
		return a.RealOutput
	}
	return a.Task.OutputData
}

// open opens a sealed document of a. One that does not open (a key configuration error, which
// the resolver logs) reads as its masked form, the only safe fallback.
func (d *Decision) open(a *Attempt, output bool, shown map[string]any) map[string]any {
	real, err := d.r.Open(a, output)
	if err != nil || real == nil {
		return shown
	}
	return real
}

// SetTaskInput stores an attempt's input: real for its executor (sealed when it differs from
// the shown one), masked where shown.
func (d *Decision) SetTaskInput(rec *Attempt, real map[string]any) {
	rec.changed()
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
	rec.SealedInput, rec.RealInput = nil, nil
	if d.nothingToMask(rest) {
		rec.Task.InputData = real // the common case: no secret material at all
		return
	}
	d.addMasks(func(r *secret.Redactor) {
		if rec.Task.TaskType == conductor.TaskTypeUpdateSecret {
			// The secret's name is not a value: only what is stored joins the masks.
			if in, ok := rest["_secrets"].(map[string]any); ok {
				r.AddAll(in["secretValue"])
			}
			return
		}
		r.SecretsUnder(rest)
	})
	shown := d.sec.redactor.Map(rest)
	if shown != nil {
		maps.Copy(shown, filters)
	}
	rec.Task.InputData = shown
	if !jsonEqual(shown, real) {
		rec.RealInput = real // sealed by the engine when it saves rec
	}
}

// SetTaskOutput stores an attempt's output the same way.
func (d *Decision) SetTaskOutput(rec *Attempt, real map[string]any) {
	rec.changed()
	rec.SealedOutput, rec.RealOutput = nil, nil
	if d.nothingToMask(real) {
		rec.Task.OutputData = real
		return
	}
	d.addMasks(func(r *secret.Redactor) { r.SecretsUnder(real) })
	shown := d.sec.redactor.Map(real)
	rec.Task.OutputData = shown
	if !jsonEqual(shown, real) {
		rec.RealOutput = real
	}
}

// nothingToMask reports whether v certainly holds no secret material: no value is known to be
// secret in this execution and v has no _secrets or _masked key.
func (d *Decision) nothingToMask(v map[string]any) bool {
	return d.sec.redactor.Len() == 0 && !secret.HasMaskedKeys(v)
}

// Mask masks known secret values in text (reasons, log lines).
func (d *Decision) Mask(s string) string { return d.sec.redactor.String(s) }

// lookupSecret resolves ${workflow.secrets.NAME[.path]} for expression evaluation, adding
// what it reveals to the values to mask. Other paths are left to the document.
func (d *Decision) lookupSecret(p expr.Path) (any, bool) {
	segs := p.Segments()
	if len(segs) < 3 || segs[0].Key != "workflow" || segs[1].Key != "secrets" || segs[2].Kind != expr.SegmentKey {
		return nil, false
	}
	for _, seg := range segs[3:] {
		if seg.Kind == expr.SegmentDeepScan || seg.Kind == expr.SegmentFilter {
			// expr.ParsePath refuses these under workflow.secrets; should one get here, it
			// resolves nothing rather than what its other segments would select.
			return nil, true
		}
	}
	name := segs[2].Key
	if !d.r.MayUseSecret(name) {
		d.sec.denied = append(d.sec.denied, name)
		return nil, true
	}
	value, ok := d.secretValue(name)
	if !ok {
		d.sec.missing = append(d.sec.missing, name)
		return nil, true
	}
	d.addMasks(func(r *secret.Redactor) { r.Add(value) })
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
	d.addMasks(func(r *secret.Redactor) { r.AddAll(v) })
	return v, true
}

// secretValue reads a secret once per decision.
func (d *Decision) secretValue(name string) (string, bool) {
	if d.sec.values == nil {
		d.sec.values = map[string]*string{}
	}
	if v, seen := d.sec.values[name]; seen {
		return deref(v)
	}
	var value *string
	s, found, err := d.r.Secret(name)
	switch {
	case err != nil:
		// Not "missing": a task must not fail for good because the database hiccuped. The
		// decision is abandoned (nothing is written) and the caller retries it.
		d.Abort(err)
	case found:
		value = &s
	}
	d.sec.values[name] = value
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

// SecretState is a workflow's secret state, which the engine keeps sealed: its real input
// and variables when the shown ones are masked, and every value to mask.
type SecretState struct {
	Input     map[string]any `json:"input,omitempty"`
	Variables map[string]any `json:"variables,omitempty"`
	// Output is the ended workflow's real output, which its parent's SUB_WORKFLOW task takes.
	Output map[string]any `json:"output,omitempty"`
	Masks  []string       `json:"masks,omitempty"`
}

// keepRealOutput keeps the real output of an ending workflow, when the shown one (already set)
// is masked, for its parent to read.
func (d *Decision) keepRealOutput(real map[string]any) {
	if d.sec.realOut == nil && len(d.Def.MaskedFields) == 0 && d.nothingToMask(real) {
		return // shown as it is: nothing to keep (and no encoding on every workflow's end)
	}
	switch {
	case !jsonEqual(real, d.Workflow.Output):
		d.sec.realOut, d.sec.dirty = real, true
	case d.sec.realOut != nil:
		d.sec.realOut, d.sec.dirty = nil, true
	}
}

// dropRealOutput forgets the real output of a workflow that runs again.
func (d *Decision) dropRealOutput() {
	if d.sec.realOut != nil {
		d.sec.realOut, d.sec.dirty = nil, true
	}
}

// SecretsChanged returns the workflow's secret state to seal when the decision changed it
// (changed false: keep what is stored). The shown workflow input and variables are masked
// with every value known to be secret. A nil state with changed true: nothing to keep.
func (d *Decision) SecretsChanged() (st *SecretState, changed bool) {
	if !d.sec.dirty {
		return nil, false
	}
	d.wfVersion++
	// The set of values to mask may have grown: show the workflow input and variables with it.
	d.Workflow.Input = d.showInput(d.WorkflowInput())
	if !jsonEqual(d.Workflow.Input, d.WorkflowInput()) && d.sec.realInput == nil {
		d.sec.realInput = d.WorkflowInput()
	}
	if d.sec.realVars != nil || d.sec.redactor.Len() > 0 {
		real := d.Variables()
		d.Workflow.Variables = d.sec.redactor.Map(real)
		if !jsonEqual(d.Workflow.Variables, real) {
			d.sec.realVars = real
		}
	}
	if d.sec.realInput == nil && d.sec.realVars == nil && d.sec.realOut == nil && d.sec.redactor.Len() == 0 {
		return nil, true
	}
	return &SecretState{Input: d.sec.realInput, Variables: d.sec.realVars, Output: d.sec.realOut,
		Masks: d.sec.redactor.Values()}, true
}
