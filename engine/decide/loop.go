package decide

import (
	"encoding/json"
	"fmt"
	"maps"
	"strconv"
	"strings"

	"github.com/podiumhq/podium/internal/conductor"
	"github.com/podiumhq/podium/internal/expr"
)

// startLoop schedules a DO_WHILE: IN_PROGRESS, with no iteration yet. Its first evaluation,
// in the same decision, starts iteration 1 (as Conductor's loop task does once created).
func (d *Decision) startLoop(rec *Attempt) {
	d.Add(rec)
	if t := rec.Task; !t.Status.IsTerminal() { // else its input could not be evaluated: the decider fails the workflow with it
		t.Status, t.StartTime = conductor.TaskInProgress, d.Now.UnixMilli()
	}
}

// firstIteration starts a DO_WHILE's iteration 1, or, over an empty list, completes it with
// iteration 0.
func (d *Decision) firstIteration(rec *Attempt) {
	items, listMode, err := d.loopItems(rec)
	if err != nil {
		d.Finish(rec, conductor.TaskFailedWithTerminalError, "Error evaluating the items of the loop: "+err.Error())
		return
	}
	if listMode && len(items) == 0 {
		d.SetTaskOutput(rec, map[string]any{"iteration": 0})
		d.Finish(rec, conductor.TaskCompleted, "")
		return
	}
	d.beginIteration(rec, map[string]any{}, 1, items, listMode)
}

// beginIteration moves a DO_WHILE to iteration n: its output tells the iteration (and, over a
// list, the item and its index) before the first task of the body is scheduled, so that task
// can read them.
func (d *Decision) beginIteration(rec *Attempt, out map[string]any, n int, items []any, listMode bool) {
	t := rec.Task
	t.Iteration = n
	out["iteration"] = n
	if listMode {
		out["loopIndex"] = n - 1
		out["loopItem"] = items[n-1]
	}
	d.SetTaskOutput(rec, out)
	d.MarkDirty(rec)
	d.scheduleIn(&t.WorkflowTask.LoopOver[0], ctxOf(t.ReferenceTaskName).in(n))
}

// loopItems evaluates what a DO_WHILE iterates over: its items (an expression or a list), or,
// as Orkes writes it, the _items of its input. listMode is false for a loop on its condition.
func (d *Decision) loopItems(rec *Attempt) (items []any, listMode bool, err error) {
	wt := rec.Task.WorkflowTask
	var v any
	switch items := wt.Items.(type) {
	case nil:
	case string:
		if strings.TrimSpace(items) != "" {
			listMode = true
			if v, err = expr.Evaluate(items, d.env(rec.Task.TaskID, items)); err != nil {
				return nil, true, err
			}
		}
	default:
		listMode = true
		v = items
	}
	if !listMode {
		if raw, ok := wt.InputParameters["_items"]; ok && raw != nil {
			listMode = true
			v = d.RealTaskInput(rec)["_items"]
		}
	}
	switch v := v.(type) {
	case nil:
		return nil, listMode, nil
	case []any:
		return v, listMode, nil
	default:
		return []any{v}, listMode, nil // a single value is a list of one, as in Conductor
	}
}

// evaluateLoops decides the DO_WHILE tasks whose iteration may have ended. It reports whether
// any moved on.
func (d *Decision) evaluateLoops() bool {
	moved := false
	for _, rec := range d.liveTasks() {
		if t := rec.Task; t.TaskType == conductor.TaskTypeDoWhile && t.Status == conductor.TaskInProgress && d.evaluateLoop(rec) {
			moved = true
		}
	}
	return moved
}

// evaluateLoop applies Conductor's DO_WHILE rules once the current iteration has nothing left
// to run: the iteration's outputs recorded under its number, the loop FAILED if a task of the
// iteration did not succeed, else the condition (and, over a list, whether items remain)
// deciding between the next iteration and COMPLETED. It reports whether the loop moved on.
func (d *Decision) evaluateLoop(rec *Attempt) bool {
	t := rec.Task
	wt := t.WorkflowTask
	if _, started := d.RealTaskOutput(rec)["iteration"]; !started {
		d.firstIteration(rec)
		return true
	}
	n := t.Iteration
	body := ctxOf(t.ReferenceTaskName).in(n)
	members := loopMembers(wt)
	// The iteration runs while one of its attempts is unfinished, or finished but not yet
	// walked past (its successors not scheduled): all of them are live.
	for _, a := range d.live {
		at := a.Task
		if a == rec || at.Retried || (at.Status.IsTerminal() && at.Executed) {
			continue
		}
		base, _, _ := CutLoopSuffix(at.ReferenceTaskName)
		if suffix := ctxOf(at.ReferenceTaskName).suffix; members[base] && (suffix == body.suffix || strings.HasPrefix(suffix, body.suffix+"__")) {
			return false
		}
	}

	refs := make([]string, 0, len(members))
	prefixes := make([]string, 0, len(members))
	for _, base := range loopMemberList(wt) {
		refs = append(refs, base+body.suffix)
		prefixes = append(prefixes, base+body.suffix+"__")
	}
	if d.pendingAmong(refs, prefixes) {
		return false // a task of the iteration waits in a queue or runs on a worker
	}
	latest := d.latestOf(refs)
	ran := make([]*Attempt, 0, len(latest))
	for _, ref := range refs {
		if a := latest[ref]; a != nil {
			ran = append(ran, a)
		}
	}
	d.load(ran...)
	out := maps.Clone(d.RealTaskOutput(rec))
	if out == nil {
		out = map[string]any{}
	}
	outputs := map[string]any{}
	var reasons []string
	for _, a := range ran {
		base, _, _ := CutLoopSuffix(a.Task.ReferenceTaskName)
		outputs[base] = d.RealTaskOutput(a)
		if !a.Task.Status.IsSuccessful() {
			reasons = append(reasons, a.Task.ReasonForIncompletion)
		}
	}
	out[strconv.Itoa(n)] = outputs
	d.keepLastIterations(rec, out, n)
	if len(reasons) > 0 {
		d.SetTaskOutput(rec, out)
		d.Finish(rec, conductor.TaskFailed, strings.Join(reasons, " "))
		return true
	}

	items, listMode, err := d.loopItems(rec)
	if err != nil {
		d.SetTaskOutput(rec, out)
		d.Finish(rec, conductor.TaskFailedWithTerminalError, "Error evaluating the items of the loop: "+err.Error())
		return true
	}
	again, err := d.loopAgain(rec, out, outputs, n, items, listMode)
	if err != nil {
		d.SetTaskOutput(rec, out)
		d.Finish(rec, conductor.TaskFailedWithTerminalError, fmt.Sprintf("Unable to evaluate condition %s, exception %s", wt.LoopCondition, err))
		return true
	}
	if !again {
		d.SetTaskOutput(rec, out)
		d.Finish(rec, conductor.TaskCompleted, "")
		return true
	}
	d.beginIteration(rec, out, n+1, items, listMode)
	return true
}

// loopAgain evaluates whether a DO_WHILE runs another iteration after iteration n. The
// condition sees, as $, the loop's input evaluated now, the loop's own output under its
// reference name and each body task's output of this iteration under its reference name; over
// a list also loopIndex and loopItem, and the loop goes on only while items remain.
func (d *Decision) loopAgain(rec *Attempt, out, outputs map[string]any, n int, items []any, listMode bool) (bool, error) {
	wt := rec.Task.WorkflowTask
	condition := strings.TrimSpace(wt.LoopCondition)
	more := !listMode || n < len(items)
	if !more || condition == "" {
		return more && listMode, nil
	}
	input, err := d.evaluateInput(wt, d.TaskDefOf(wt), rec.Task.TaskID)
	if d.err != nil {
		return false, d.err
	}
	if err != nil {
		return false, err
	}
	maps.Copy(input, outputs)
	base, _, _ := CutLoopSuffix(rec.Task.ReferenceTaskName)
	input[base] = out
	input[rec.Task.ReferenceTaskName] = out
	if listMode {
		input["loopIndex"] = n - 1
		input["loopItem"] = items[n-1]
	}
	v, err := d.cfg.Script(wt.LoopCondition, input)
	if err != nil {
		return false, err
	}
	switch v := v.(type) {
	case bool:
		return v, nil
	case float64:
		return v > 0, nil
	case int64:
		return v > 0, nil
	case int:
		return v > 0, nil
	case json.Number:
		f, _ := v.Float64()
		return f > 0, nil
	}
	return false, nil
}

// keepLastIterations applies a DO_WHILE's keepLastN once iteration n ended: the outputs of older
// iterations leave its output, and their tasks are removed.
func (d *Decision) keepLastIterations(rec *Attempt, out map[string]any, n int) {
	keep, ok := intValue(rec.Task.WorkflowTask.InputParameters["keepLastN"])
	if !ok {
		keep, ok = intValue(d.RealTaskInput(rec)["keepLastN"])
	}
	if !ok || keep < 1 || n <= keep {
		return
	}
	old := n - keep
	delete(out, strconv.Itoa(old))
	c := ctxOf(rec.Task.ReferenceTaskName).in(old)
	refs := make([]string, 0, 8)
	for _, base := range loopMemberList(rec.Task.WorkflowTask) {
		refs = append(refs, base+c.suffix)
	}
	d.Remove(d.attemptsOf(refs)...)
}

// intValue reads a whole number from decoded JSON.
func intValue(v any) (int, bool) {
	switch v := v.(type) {
	case int:
		return v, true
	case int64:
		return int(v), true
	case float64:
		return int(v), v == float64(int(v))
	case json.Number:
		i, err := v.Int64()
		return int(i), err == nil
	case string:
		i, err := strconv.Atoi(v)
		return i, err == nil
	}
	return 0, false
}

// attemptsOf returns every attempt (superseded ones too) of refs, reading the settled ones.
func (d *Decision) attemptsOf(refs []string) []*Attempt {
	want := make(map[string]bool, len(refs))
	for _, ref := range refs {
		want[ref] = true
	}
	d.fetchSettled(Filter{Refs: refs})
	var out []*Attempt
	for _, a := range d.Tasks {
		if want[a.Task.ReferenceTaskName] {
			out = append(out, a)
		}
	}
	return out
}

// loopMembers is the set of reference names a DO_WHILE's body holds, nested tasks included.
func loopMembers(wt *conductor.WorkflowTask) map[string]bool {
	list := loopMemberList(wt)
	set := make(map[string]bool, len(list))
	for _, ref := range list {
		set[ref] = true
	}
	return set
}

// loopMemberList lists the reference names of a DO_WHILE's body, nested tasks included, in
// definition order.
func loopMemberList(wt *conductor.WorkflowTask) []string {
	var refs []string
	var walk func(list []conductor.WorkflowTask)
	walk = func(list []conductor.WorkflowTask) {
		for i := range list {
			refs = append(refs, list[i].TaskReferenceName)
			for _, child := range list[i].Children() {
				walk(child)
			}
		}
	}
	walk(wt.LoopOver)
	return refs
}
