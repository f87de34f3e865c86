package engine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"time"

	"github.com/podiumhq/podium/engine/systask"
	"github.com/podiumhq/podium/internal/auth"
	"github.com/podiumhq/podium/internal/conductor"
	"github.com/podiumhq/podium/internal/expr"
	"github.com/podiumhq/podium/internal/secret"
	"github.com/podiumhq/podium/internal/secrets"
	"github.com/podiumhq/podium/store"
)

// maxVariablesBytes caps workflow variables, as Conductor does, so SET_VARIABLE cannot bloat rows.
const maxVariablesBytes = 256 << 10

// runInline executes the scheduled tasks the decider runs itself (SWITCH, SET_VARIABLE, …,
// and synchronous system task handlers). It reports whether any ran.
func (x *execution) runInline() bool {
	ran := false
	for _, rec := range x.liveTasks() {
		t := rec.Task
		if t.Status != conductor.TaskScheduled || rec.QueueName != "" || t.Retried {
			continue
		}
		wt := t.WorkflowTask
		if wt == nil {
			continue
		}
		if t.StartTime == 0 {
			t.StartTime = x.now.UnixMilli()
		}
		ran = true
		switch wt.Type {
		case conductor.TaskTypeSwitch, conductor.TaskTypeDecision:
			x.runSwitch(rec)
		case conductor.TaskTypeSetVariable:
			x.runSetVariable(rec)
		case conductor.TaskTypeTerminate:
			x.runTerminate(rec)
		case conductor.TaskTypeNoop:
			x.finish(rec, conductor.TaskCompleted, "")
		case conductor.TaskTypeWait:
			x.runWait(rec)
		case conductor.TaskTypeUpdateSecret:
			x.runUpdateSecret(rec)
		default:
			h, ok := x.e.systasks.Get(wt.Type)
			if !ok || h.Mode() != systask.Sync {
				ran = false
				continue
			}
			x.apply(rec, h.Execute(context.Background(), x.systaskView(rec)))
		}
	}
	return ran
}

// systaskView is what a system task handler sees of an attempt.
func (x *execution) systaskView(rec *store.TaskRecord) *systask.Task {
	t := rec.Task
	return &systask.Task{
		TaskID: t.TaskID, WorkflowID: t.WorkflowInstanceID, RefName: t.ReferenceTaskName, TaskType: t.TaskType,
		RetryCount: t.RetryCount, PollCount: t.PollCount, Input: x.realTaskInput(rec), WorkflowTask: t.WorkflowTask,
		MaxOutputBytes: x.e.payloadMax,
	}
}

// recordOutput stores an attempt's output. A COMPLETED task with an outputFilter (in its
// input) keeps only what the filter selects from its fresh output; secret material is masked
// where shown and sealed for later tasks. An output over the payload limit is not stored: the
// attempt fails for good instead, and recordOutput reports false.
func (x *execution) recordOutput(rec *store.TaskRecord, output map[string]any, status conductor.TaskStatus) bool {
	if reason := x.taskPayloadError(rec, payloadOutput, output); reason != "" {
		x.failOversizedTask(rec, payloadOutput, reason)
		return false
	}
	if status == conductor.TaskCompleted {
		input := x.realTaskInput(rec)
		var filter any
		ok := false
		for _, k := range outputFilterKeys {
			if filter, ok = input[k]; ok {
				break
			}
		}
		if ok {
			x.sec.realOutputs[rec.Task.TaskID] = output // the filter reads the fresh output
			filtered, err := expr.Evaluate(filter, x.env(rec.Task.TaskID, filter))
			delete(x.sec.realOutputs, rec.Task.TaskID)
			if err != nil {
				// Storing the unfiltered output instead could keep what the filter was to drop.
				x.setTaskOutput(rec, map[string]any{})
				x.finish(rec, conductor.TaskFailedWithTerminalError, "Error evaluating the outputFilter: "+err.Error())
				return false
			}
			if m, isMap := filtered.(map[string]any); isMap {
				output = m
			} else {
				output = map[string]any{"result": filtered}
			}
		}
	}
	x.setTaskOutput(rec, output)
	return true
}

// apply records a handler's result on an attempt.
func (x *execution) apply(rec *store.TaskRecord, res systask.Result) {
	t := rec.Task
	if res.Output != nil && !x.recordOutput(rec, res.Output, res.Status) {
		return
	}
	for _, line := range res.Logs {
		x.logs[t.TaskID] = append(x.logs[t.TaskID], x.mask(line))
	}
	if res.Status.IsTerminal() {
		x.finish(rec, res.Status, res.ReasonForIncompletion)
		return
	}
	t.Status = conductor.TaskInProgress
	t.ReasonForIncompletion = x.mask(res.ReasonForIncompletion)
	t.CallbackAfterSeconds = res.CallbackAfterSeconds
	rec.QueueName, rec.VisibleAt, rec.LeaseUntil = "", nil, nil
	if res.CallbackAfterSeconds > 0 && rec.Task.WorkflowTask != nil {
		// Evaluate again later: back to the internal queue, invisible until then.
		visible := x.now.Add(time.Duration(res.CallbackAfterSeconds) * time.Second)
		t.Status = conductor.TaskScheduled
		rec.QueueName, rec.VisibleAt = systemQueue(t.TaskType), &visible
	}
	x.markDirty(rec)
}

// runSwitch evaluates the case of a SWITCH (value-param or javascript) or legacy DECISION.
func (x *execution) runSwitch(rec *store.TaskRecord) {
	t := rec.Task
	wt := t.WorkflowTask
	var value any
	var err error
	input := x.realTaskInput(rec)
	switch {
	case wt.Type == conductor.TaskTypeDecision && wt.CaseValueParam != "":
		value = input[wt.CaseValueParam]
	case wt.Type == conductor.TaskTypeDecision:
		value, err = x.e.evalScript(wt.CaseExpression, input)
	case wt.EvaluatorType == "value-param":
		value = input[wt.Expression]
	default:
		value, err = x.e.evalScript(wt.Expression, input)
	}
	if err != nil {
		t.OutputData = map[string]any{"error": x.mask(err.Error())}
		x.finish(rec, conductor.TaskFailed, "Error evaluating the switch expression: "+err.Error())
		return
	}
	caseValue := x.mask(caseString(value))
	t.InputData["case"] = caseValue
	if wt.Type == conductor.TaskTypeDecision {
		t.OutputData = map[string]any{"caseOutput": []any{caseValue}}
	} else {
		t.OutputData = map[string]any{"evaluationResult": []any{caseValue}, "selectedCase": caseValue}
	}
	x.finish(rec, conductor.TaskCompleted, "")
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
func (x *execution) chosenBranch(t *conductor.Task) []conductor.WorkflowTask {
	wt := t.WorkflowTask
	caseValue, _ := t.InputData["case"].(string)
	branch, ok := wt.DecisionCases[caseValue]
	if !ok || (wt.Type == conductor.TaskTypeDecision && len(branch) == 0) {
		return wt.DefaultCase
	}
	return branch
}

// runSetVariable merges the task input into the workflow variables.
func (x *execution) runSetVariable(rec *store.TaskRecord) {
	vars := maps.Clone(x.variables())
	if vars == nil {
		vars = map[string]any{}
	}
	maps.Copy(vars, x.realTaskInput(rec))
	data, err := json.Marshal(vars)
	if err != nil || len(data) > maxVariablesBytes {
		x.finish(rec, conductor.TaskFailedWithTerminalError, fmt.Sprintf(
			"The variables payload size: %d of workflow: %s is greater than the permissible limit: %d bytes",
			len(data), x.wf.WorkflowID, maxVariablesBytes))
		return
	}
	x.setVariables(vars)
	x.touch()
	x.finish(rec, conductor.TaskCompleted, "")
}

// runTerminate completes a TERMINATE task; the decider then ends the workflow with it.
func (x *execution) runTerminate(rec *store.TaskRecord) {
	switch out := x.realTaskInput(rec)["workflowOutput"].(type) {
	case map[string]any:
		x.setTaskOutput(rec, out)
	case nil:
		x.setTaskOutput(rec, map[string]any{})
	default:
		x.setTaskOutput(rec, map[string]any{"output": out})
	}
	x.finish(rec, conductor.TaskCompleted, "")
}

// runWait starts a WAIT task: it stays IN_PROGRESS until its deadline (duration or until) or,
// without one, until an external update.
func (x *execution) runWait(rec *store.TaskRecord) {
	t := rec.Task
	duration, hasDuration := t.InputData["duration"].(string)
	until, hasUntil := t.InputData["until"].(string)
	var deadline time.Time
	var err error
	switch {
	case hasDuration && hasUntil:
		err = fmt.Errorf("both duration and until are set")
	case hasDuration:
		var d time.Duration
		if d, err = parseWaitDuration(duration); err == nil {
			deadline = x.now.Add(d)
		}
	case hasUntil:
		deadline, err = parseWaitUntil(until)
	}
	if err != nil {
		x.finish(rec, conductor.TaskFailedWithTerminalError, "Invalid WAIT input: "+err.Error())
		return
	}
	t.Status = conductor.TaskInProgress
	if !deadline.IsZero() {
		rec.VisibleAt = &deadline
		t.OutputData = map[string]any{}
	}
	x.markDirty(rec)
}

// runUpdateSecret stores _secrets.secretValue as the secret _secrets.secretKey, through the
// same sealing path as the secrets API, inside the decision's transaction (UPDATE_SECRET).
// Errors name the key, never the value.
func (x *execution) runUpdateSecret(rec *store.TaskRecord) {
	in, _ := x.realTaskInput(rec)["_secrets"].(map[string]any)
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
	fail := func(reason string) { x.finish(rec, conductor.TaskFailedWithTerminalError, reason) }
	switch {
	case key == "":
		fail("UPDATE_SECRET needs inputParameters._secrets.secretKey")
		return
	case value == "":
		fail("UPDATE_SECRET got no value for secret " + key + " (inputParameters._secrets.secretValue is missing or empty)")
		return
	case len(value) > secrets.MaxSecretBytes:
		fail(fmt.Sprintf("UPDATE_SECRET value for secret %s is larger than %d bytes", key, secrets.MaxSecretBytes))
		return
	}
	if err := secrets.ValidName(key); err != nil {
		fail("UPDATE_SECRET: " + err.Error())
		return
	}
	p := x.principal()
	created, err := x.e.secrets.CheckWrite(x.ctx, x.q, p, key)
	if errors.Is(err, conductor.ErrForbidden) {
		need := auth.AccessUpdate
		if created {
			need = auth.AccessCreate
		}
		x.finish(rec, conductor.TaskFailedWithTerminalError, x.securityError(key, need))
		return
	}
	if err != nil {
		x.abort(fmt.Errorf("UPDATE_SECRET: checking the right to write secret %s: %w", key, err))
		return
	}
	x.addMasks(func(r *secret.Redactor) { r.Add(value) })
	// Written with the decision, in its transaction: the task is COMPLETED exactly when the
	// secret is stored (a failure to store it abandons the whole decision).
	x.secretWrites = append(x.secretWrites, secrets.Write{Owner: p, Name: key, Value: []byte(value),
		By: "workflow:" + x.wf.WorkflowID, Created: created})
	if x.sec.values == nil {
		x.sec.values = map[string]*string{}
	}
	x.sec.values[key] = &value // later tasks of this decision see the new value
	x.setTaskOutput(rec, map[string]any{})
	x.finish(rec, conductor.TaskCompleted, "")
}
