package decide

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"time"

	"github.com/podiumhq/podium/internal/conductor"
	"github.com/podiumhq/podium/internal/expr"
	"github.com/podiumhq/podium/internal/secret"
)

// maxVariablesBytes caps workflow variables, as Conductor does, so SET_VARIABLE cannot bloat rows.
const maxVariablesBytes = 256 << 10

// runInline executes the scheduled tasks the decider runs itself (SWITCH, SET_VARIABLE, …,
// and synchronous system task handlers). It reports whether any ran.
func (d *Decision) runInline() bool {
	ran := false
	for _, rec := range d.liveTasks() {
		t := rec.Task
		if t.Status != conductor.TaskScheduled || rec.QueueName != "" || t.Retried {
			continue
		}
		wt := t.WorkflowTask
		if wt == nil {
			continue
		}
		if t.StartTime == 0 {
			t.StartTime = d.Now.UnixMilli()
		}
		ran = true
		switch wt.Type {
		case conductor.TaskTypeSwitch, conductor.TaskTypeDecision:
			d.runSwitch(rec)
		case conductor.TaskTypeSetVariable:
			d.runSetVariable(rec)
		case conductor.TaskTypeTerminate:
			d.runTerminate(rec)
		case conductor.TaskTypeNoop:
			d.Finish(rec, conductor.TaskCompleted, "")
		case conductor.TaskTypeWait:
			d.runWait(rec)
		case conductor.TaskTypeUpdateSecret:
			d.runUpdateSecret(rec)
		case conductor.TaskTypeSubWorkflow:
			d.startSubWorkflow(rec)
		case conductor.TaskTypeStartWorkflow:
			d.runStartWorkflow(rec)
		case conductor.TaskTypeEvent:
			d.runEvent(rec)
		case conductor.TaskTypeHuman:
			// Held until someone completes it through the task API (a WAIT without a timer).
			rec.Task.Status = conductor.TaskInProgress
			d.MarkDirty(rec)
		default:
			if d.cfg.RunnerOf(wt.Type) != BySyncHandler {
				ran = false
				continue
			}
			d.ApplyHandlerResult(rec, d.r.Execute(rec, d.RealTaskInput(rec)))
		}
	}
	return ran
}

// recordOutput stores an attempt's output. A COMPLETED task with an outputFilter (in its
// input) keeps only what the filter selects from its fresh output; secret material is masked
// where shown and sealed for later tasks. An output over the payload limit is not stored: the
// attempt fails for good instead, and recordOutput reports false.
func (d *Decision) recordOutput(rec *Attempt, output map[string]any, status conductor.TaskStatus) bool {
	if reason := d.taskPayloadError(rec, payloadOutput, output); reason != "" {
		d.failOversizedTask(rec, payloadOutput, reason)
		return false
	}
	if status == conductor.TaskCompleted {
		input := d.RealTaskInput(rec)
		var filter any
		ok := false
		for _, k := range outputFilterKeys {
			if filter, ok = input[k]; ok {
				break
			}
		}
		if ok {
			rec.RealOutput = output // the filter reads the fresh output
			rec.changed()
			filtered, err := expr.Evaluate(filter, d.env(rec.Task.TaskID, filter))
			if err != nil {
				// Storing the unfiltered output instead could keep what the filter was to drop.
				d.SetTaskOutput(rec, map[string]any{})
				d.Finish(rec, conductor.TaskFailedWithTerminalError, "Error evaluating the outputFilter: "+err.Error())
				return false
			}
			if m, isMap := filtered.(map[string]any); isMap {
				output = m
			} else {
				output = map[string]any{"result": filtered}
			}
		}
	}
	d.SetTaskOutput(rec, output)
	return true
}

// ApplyHandlerResult records a handler's result on an attempt.
func (d *Decision) ApplyHandlerResult(rec *Attempt, res Result) {
	t := rec.Task
	if res.Output != nil && !d.recordOutput(rec, res.Output, res.Status) {
		return
	}
	for _, line := range res.Logs {
		d.Log(t.TaskID, line)
	}
	if res.Status.IsTerminal() {
		d.Finish(rec, res.Status, res.ReasonForIncompletion)
		return
	}
	t.Status = conductor.TaskInProgress
	t.ReasonForIncompletion = d.Mask(res.ReasonForIncompletion)
	t.CallbackAfterSeconds = res.CallbackAfterSeconds
	rec.QueueName, rec.VisibleAt, rec.LeaseUntil = "", nil, nil
	if res.CallbackAfterSeconds > 0 && rec.Task.WorkflowTask != nil {
		// Evaluate again later: back to the internal queue, invisible until then.
		visible := d.Now.Add(time.Duration(res.CallbackAfterSeconds) * time.Second)
		t.Status = conductor.TaskScheduled
		rec.QueueName, rec.VisibleAt = SystemQueue(t.TaskType), &visible
	}
	d.MarkDirty(rec)
}

// runSwitch evaluates the case of a SWITCH (value-param or javascript) or legacy DECISION.
func (d *Decision) runSwitch(rec *Attempt) {
	t := rec.Task
	wt := t.WorkflowTask
	var value any
	var err error
	input := d.RealTaskInput(rec)
	switch {
	case wt.Type == conductor.TaskTypeDecision && wt.CaseValueParam != "":
		value = input[wt.CaseValueParam]
	case wt.Type == conductor.TaskTypeDecision:
		value, err = d.cfg.Script(wt.CaseExpression, input)
	case wt.EvaluatorType == "value-param":
		value = input[wt.Expression]
	default:
		value, err = d.cfg.Script(wt.Expression, input)
	}
	if err != nil {
		t.OutputData = map[string]any{"error": d.Mask(err.Error())}
		d.Finish(rec, conductor.TaskFailed, "Error evaluating the switch expression: "+err.Error())
		return
	}
	caseValue := d.Mask(caseString(value))
	t.InputData["case"] = caseValue
	if wt.Type == conductor.TaskTypeDecision {
		t.OutputData = map[string]any{"caseOutput": []any{caseValue}}
	} else {
		t.OutputData = map[string]any{"evaluationResult": []any{caseValue}, "selectedCase": caseValue}
	}
	d.Finish(rec, conductor.TaskCompleted, "")
}

// caseString renders a switch value as the decisionCases key it selects.
func caseString(v any) string {
	switch v := v.(type) {
	case nil:
		return "null"
	case string:
		return v
	case json.Number:
		return v.String()
	case float64:
		if v == float64(int64(v)) {
			return fmt.Sprint(int64(v))
		}
	}
	return fmt.Sprint(v)
}

// chosenBranch returns the task list a finished SWITCH or DECISION selected.
func (d *Decision) chosenBranch(t *conductor.Task) []conductor.WorkflowTask {
	wt := t.WorkflowTask
	caseValue, _ := t.InputData["case"].(string)
	branch, ok := wt.DecisionCases[caseValue]
	if !ok || (wt.Type == conductor.TaskTypeDecision && len(branch) == 0) {
		return wt.DefaultCase
	}
	return branch
}

// runSetVariable merges the task input into the workflow variables.
func (d *Decision) runSetVariable(rec *Attempt) {
	vars := maps.Clone(d.Variables())
	if vars == nil {
		vars = map[string]any{}
	}
	maps.Copy(vars, d.RealTaskInput(rec))
	data, err := json.Marshal(vars)
	if err != nil || len(data) > maxVariablesBytes {
		d.Finish(rec, conductor.TaskFailedWithTerminalError, fmt.Sprintf(
			"The variables payload size: %d of workflow: %s is greater than the permissible limit: %d bytes",
			len(data), d.Workflow.WorkflowID, maxVariablesBytes))
		return
	}
	d.SetVariables(vars)
	d.Touch()
	d.Finish(rec, conductor.TaskCompleted, "")
}

// runTerminate completes a TERMINATE task; the decider then ends the workflow with it.
func (d *Decision) runTerminate(rec *Attempt) {
	switch out := d.RealTaskInput(rec)["workflowOutput"].(type) {
	case map[string]any:
		d.SetTaskOutput(rec, out)
	case nil:
		d.SetTaskOutput(rec, map[string]any{})
	default:
		d.SetTaskOutput(rec, map[string]any{"output": out})
	}
	d.Finish(rec, conductor.TaskCompleted, "")
}

// runWait starts a WAIT task: it stays IN_PROGRESS until its deadline (duration or until) or,
// without one, until an external update.
func (d *Decision) runWait(rec *Attempt) {
	t := rec.Task
	duration, hasDuration := t.InputData["duration"].(string)
	until, hasUntil := t.InputData["until"].(string)
	var deadline time.Time
	var err error
	switch {
	case hasDuration && hasUntil:
		err = fmt.Errorf("both duration and until are set")
	case hasDuration:
		var wait time.Duration
		if wait, err = parseWaitDuration(duration); err == nil {
			deadline = d.Now.Add(wait)
		}
	case hasUntil:
		deadline, err = parseWaitUntil(until)
	}
	if err != nil {
		d.Finish(rec, conductor.TaskFailedWithTerminalError, "Invalid WAIT input: "+err.Error())
		return
	}
	t.Status = conductor.TaskInProgress
	if !deadline.IsZero() {
		rec.VisibleAt = &deadline
		t.OutputData = map[string]any{}
	}
	d.MarkDirty(rec)
}

// runUpdateSecret stores _secrets.secretValue as the secret _secrets.secretKey, through the
// same sealing path as the secrets API, inside the decision's transaction (UPDATE_SECRET).
// Errors name the key, never the value.
func (d *Decision) runUpdateSecret(rec *Attempt) {
	in, _ := d.RealTaskInput(rec)["_secrets"].(map[string]any)
	key, _ := in["secretKey"].(string)
	var value string
	switch v := in["secretValue"].(type) {
	case string:
		value = v
	case nil:
	default:
		data, err := json.Marshal(v)
		if err == nil {
			value = string(data)
		}
	}
	fail := func(reason string) { d.Finish(rec, conductor.TaskFailedWithTerminalError, reason) }
	switch {
	case key == "":
		fail("UPDATE_SECRET needs inputParameters._secrets.secretKey")
		return
	case value == "":
		fail("UPDATE_SECRET got no value for secret " + key + " (inputParameters._secrets.secretValue is missing or empty)")
		return
	case len(value) > d.cfg.MaxSecretBytes:
		fail(fmt.Sprintf("UPDATE_SECRET value for secret %s is larger than %d bytes", key, d.cfg.MaxSecretBytes))
		return
	}
	if err := d.cfg.ValidSecretName(key); err != nil {
		fail("UPDATE_SECRET: " + err.Error())
		return
	}
	created, err := d.r.CheckSecretWrite(key)
	if errors.Is(err, conductor.ErrForbidden) {
		need := "UPDATE"
		if created {
			need = "CREATE"
		}
		d.Finish(rec, conductor.TaskFailedWithTerminalError, d.securityError(key, need))
		return
	}
	if err != nil {
		d.Abort(fmt.Errorf("UPDATE_SECRET: checking the right to write secret %s: %w", key, err))
		return
	}
	d.addMasks(func(r *secret.Redactor) { r.Add(value) })
	// Written with the decision, in its transaction: the task is COMPLETED exactly when the
	// secret is stored (a failure to store it abandons the whole decision).
	d.changes.SecretWrites = append(d.changes.SecretWrites, SecretWrite{Name: key, Value: value, Created: created})
	if d.sec.values == nil {
		d.sec.values = map[string]*string{}
	}
	d.sec.values[key] = &value // later tasks of this decision see the new value
	d.SetTaskOutput(rec, map[string]any{})
	d.Finish(rec, conductor.TaskCompleted, "")
}
