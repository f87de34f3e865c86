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
	list, members := d.loopBody(wt)
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
	for _, base := range list {
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
	out := compactLoopOutput(d.RealTaskOutput(rec))
	outputs := map[string]any{}
	var reasons []string
	for _, a := range ran {
		base, _, _ := CutLoopSuffix(a.Task.ReferenceTaskName)
		outputs[base] = d.RealTaskOutput(a)
		if !a.Task.Status.IsSuccessful() {
			reasons = append(reasons, a.Task.ReasonForIncompletion)
		}
	}
	d.keepLastIterations(rec, n)
	finish := func(status conductor.TaskStatus, reason string) bool {
		d.SetTaskOutput(rec, d.loopOutput(rec, out, n, d.RealTaskOutput))
		d.Finish(rec, status, reason)
		return true
	}
	if len(reasons) > 0 {
		return finish(conductor.TaskFailed, strings.Join(reasons, " "))
	}
	items, listMode, err := d.loopItems(rec)
	if err != nil {
		return finish(conductor.TaskFailedWithTerminalError, "Error evaluating the items of the loop: "+err.Error())
	}
	seen := maps.Clone(out)
	seen[strconv.Itoa(n)] = outputs
	again, err := d.loopAgain(rec, seen, outputs, n, items, listMode)
	if err != nil {
		return finish(conductor.TaskFailedWithTerminalError, fmt.Sprintf("Unable to evaluate condition %s, exception %s", loopCondition(wt), err))
	}
	if !again {
		return finish(conductor.TaskCompleted, "")
	}
	d.beginIteration(rec, out, n+1, items, listMode)
	return true
}

// compactLoopOutput is what a running DO_WHILE stores as its output: its iteration (and list
// item) without the per-iteration outputs, which its body tasks hold. Keeping them out of the
// loop's row keeps an iteration's cost independent of how many ran before it.
func compactLoopOutput(out map[string]any) map[string]any {
	compact := make(map[string]any, 3)
	for k, v := range out {
		if _, err := strconv.Atoi(k); err != nil {
			compact[k] = v
		}
	}
	return compact
}

// loopOutput is a DO_WHILE's output as Conductor shapes it — compact plus, under each
// iteration's number up to upTo (the older ones keepLastN removed left out), the outputs of
// that iteration's tasks by reference name — read from the body tasks with outputOf (their
// real or their shown outputs).
func (d *Decision) loopOutput(rec *Attempt, compact map[string]any, upTo int, outputOf func(*Attempt) map[string]any) map[string]any {
	out := maps.Clone(compact)
	lo := 1
	if keep, ok := d.keepLastN(rec); ok && upTo > keep {
		lo = upTo - keep + 1
	}
	if upTo < lo {
		return out
	}
	c := ctxOf(rec.Task.ReferenceTaskName)
	members := loopMemberList(rec.Task.WorkflowTask)
	refs := make([]string, 0, len(members)*(upTo-lo+1))
	for i := lo; i <= upTo; i++ {
		suffix := c.in(i).suffix
		for _, base := range members {
			refs = append(refs, base+suffix)
		}
	}
	d.fetchSettled(Filter{Refs: refs})
	d.fetchDormant(Filter{Refs: refs})
	newest := make(map[string]*Attempt, len(refs))
	want := make(map[string]bool, len(refs))
	for _, ref := range refs {
		want[ref] = true
	}
	var ran []*Attempt
	for _, a := range d.Tasks {
		if ref := a.Task.ReferenceTaskName; want[ref] && !a.Task.Retried {
			newest[ref] = a
			ran = append(ran, a)
		}
	}
	d.load(ran...)
	for i := lo; i <= upTo; i++ {
		suffix := c.in(i).suffix
		outputs := map[string]any{}
		for _, base := range members {
			if a := newest[base+suffix]; a != nil {
				outputs[base] = outputOf(a)
			}
		}
		if len(outputs) > 0 {
			out[strconv.Itoa(i)] = outputs
		}
	}
	return out
}

// ShownLoopOutput is the output a running DO_WHILE shows: its completed iterations' outputs,
// masked, read from its body tasks (its row holds only the compact form).
func (d *Decision) ShownLoopOutput(rec *Attempt) map[string]any {
	return d.loopOutput(rec, compactLoopOutput(rec.Task.OutputData), rec.Task.Iteration-1,
		func(a *Attempt) map[string]any { return a.Task.OutputData })
}

// RunningLoop reports whether t is a DO_WHILE still iterating, whose stored output is the
// compact form (see ShowLoop).
func RunningLoop(t *conductor.Task) bool {
	return t.TaskType == conductor.TaskTypeDoWhile && !t.Status.IsTerminal() && t.WorkflowTask != nil
}

// LoopIterationRefs lists the reference names of the tasks of a running DO_WHILE's completed
// iterations (those its keepLastN keeps), for a reader that shows it (ShowLoop).
func LoopIterationRefs(loop *conductor.Task) []string {
	lo, hi := shownIterations(loop)
	c := ctxOf(loop.ReferenceTaskName)
	members := loopMemberList(loop.WorkflowTask)
	var refs []string
	for i := lo; i <= hi; i++ {
		for _, base := range members {
			refs = append(refs, base+c.in(i).suffix)
		}
	}
	return refs
}

// ShowLoop returns a copy of a running DO_WHILE whose output holds, as Conductor shows it, its
// completed iterations' outputs, taken from tasks: the newest attempt of each of
// LoopIterationRefs (shown, that is masked, outputs).
func ShowLoop(loop *conductor.Task, tasks map[string]*conductor.Task) *conductor.Task {
	shown := *loop
	out := compactLoopOutput(loop.OutputData)
	lo, hi := shownIterations(loop)
	c := ctxOf(loop.ReferenceTaskName)
	members := loopMemberList(loop.WorkflowTask)
	for i := lo; i <= hi; i++ {
		outputs := map[string]any{}
		for _, base := range members {
			if t := tasks[base+c.in(i).suffix]; t != nil {
				outputs[base] = t.OutputData
			}
		}
		if len(outputs) > 0 {
			out[strconv.Itoa(i)] = outputs
		}
	}
	shown.OutputData = out
	return &shown
}

// shownIterations is the range of a running loop's completed iterations its keepLastN keeps.
func shownIterations(loop *conductor.Task) (lo, hi int) {
	hi = loop.Iteration - 1
	lo = 1
	keep, ok := intValue(loop.WorkflowTask.InputParameters["keepLastN"])
	if !ok {
		keep, ok = intValue(loop.InputData["keepLastN"])
	}
	if ok && keep >= 1 && hi > keep {
		lo = hi - keep + 1
	}
	return lo, hi
}

// finishLoopOutput gives a DO_WHILE ended from outside (its workflow ended) the output of its
// completed iterations.
func (d *Decision) finishLoopOutput(rec *Attempt) {
	if rec.Task.TaskType == conductor.TaskTypeDoWhile && !rec.Task.Status.IsTerminal() {
		d.SetTaskOutput(rec, d.loopOutput(rec, compactLoopOutput(d.RealTaskOutput(rec)), rec.Task.Iteration-1, d.RealTaskOutput))
	}
}

// loopAgain evaluates whether a DO_WHILE runs another iteration after iteration n. The
// condition sees, as $, the loop's input evaluated now, the loop's own output under its
// reference name and each body task's output of this iteration under its reference name; over
// a list also loopIndex and loopItem, and the loop goes on only while items remain.
func (d *Decision) loopAgain(rec *Attempt, out, outputs map[string]any, n int, items []any, listMode bool) (bool, error) {
	wt := rec.Task.WorkflowTask
	condition := strings.TrimSpace(loopCondition(wt))
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
	v, err := d.cfg.Script(condition, input)
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

// loopCondition is a DO_WHILE's condition ("" when it has none).
func loopCondition(wt *conductor.WorkflowTask) string {
	if wt.LoopCondition == nil {
		return ""
	}
	return *wt.LoopCondition
}

// keepLastN reads a DO_WHILE's keepLastN (false when it has none).
func (d *Decision) keepLastN(rec *Attempt) (int, bool) {
	keep, ok := intValue(rec.Task.WorkflowTask.InputParameters["keepLastN"])
	if !ok {
		keep, ok = intValue(d.RealTaskInput(rec)["keepLastN"])
	}
	return keep, ok && keep >= 1
}

// keepLastIterations applies a DO_WHILE's keepLastN once iteration n ended: the tasks of the
// iteration that falls out of the last N are removed (and with them its outputs).
func (d *Decision) keepLastIterations(rec *Attempt, n int) {
	keep, ok := d.keepLastN(rec)
	if !ok || n <= keep {
		return
	}
	old := n - keep
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

// loopBody returns the reference names a DO_WHILE's body holds, nested tasks included, as a
// list in definition order and as a set, walked once per decision (a loop is evaluated on
// every pass).
func (d *Decision) loopBody(wt *conductor.WorkflowTask) ([]string, map[string]bool) {
	if b, ok := d.loopBodies[wt]; ok {
		return b.list, b.set
	}
	list := loopMemberList(wt)
	set := make(map[string]bool, len(list))
	for _, ref := range list {
		set[ref] = true
	}
	if d.loopBodies == nil {
		d.loopBodies = map[*conductor.WorkflowTask]loopBodyRefs{}
	}
	d.loopBodies[wt] = loopBodyRefs{list: list, set: set}
	return list, set
}

// loopBodyRefs are a loop body's reference names (see loopBody).
type loopBodyRefs struct {
	list []string
	set  map[string]bool
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
