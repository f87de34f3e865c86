package decide

import (
	"encoding/json"
	"fmt"
	"maps"
	"strconv"

	"github.com/podiumhq/podium/internal/conductor"
)

// scheduleDynamicFork schedules a FORK_JOIN_DYNAMIC as Conductor's dynamic fork mapper does:
// the FORK attempt (COMPLETED, its input naming the forked tasks), one branch per task the
// input describes, and the JOIN that follows, joining on every branch. Branches are generated
// at run time: each is stored with its definition node, its input given rather than evaluated
// (the values are data, not templates).
func (d *Decision) scheduleDynamicFork(wt *conductor.WorkflowTask, fork *Attempt) {
	join := d.forkAttempt(wt, fork, "Dynamic join definition is not followed by a join task.  Check the workflow definition.")
	if join == nil {
		return
	}
	t := fork.Task
	input := d.RealTaskInput(fork)
	branches, inputs, err := d.dynamicBranches(wt, input)
	if d.err != nil {
		return
	}
	if err != nil {
		d.Finish(fork, conductor.TaskFailedWithTerminalError, err.Error())
		d.Add(fork)
		return
	}
	refs := make([]any, len(branches))
	defs := make([]any, len(branches))
	for i, b := range branches {
		refs[i] = b.TaskReferenceName
		// As decoded JSON, so that masking sees every value in it.
		var def map[string]any
		if err := convert(b, &def); err != nil {
			d.Finish(fork, conductor.TaskFailedWithTerminalError, "Dynamic fork task "+b.TaskReferenceName+" cannot be encoded: "+err.Error())
			d.Add(fork)
			return
		}
		defs[i] = def
	}
	shown := maps.Clone(input)
	shown["forkedTasks"], shown["forkedTaskDefs"] = refs, defs
	d.SetTaskInput(fork, shown)
	t.Status, t.StartTime, t.EndTime = conductor.TaskCompleted, d.Now.UnixMilli(), d.Now.UnixMilli()
	t.Executed = true
	d.Add(fork)

	c := ctxOf(t.ReferenceTaskName)
	joinOn := make([]string, 0, len(branches))
	for i, b := range branches {
		d.scheduleGenerated(b, inputs[i], c)
		joinOn = append(joinOn, b.TaskReferenceName)
	}
	d.scheduleIn(join, c)
	if j := d.loaded(join.TaskReferenceName + c.suffix); j != nil && j.Task.TaskType == conductor.TaskTypeJoin {
		d.SetTaskInput(j, map[string]any{"joinOn": stringList(joinOn)})
	}
}

// scheduleGenerated schedules a task generated at run time with its real input. Its stored
// node shows its input masked: the real one is sealed with the attempt.
func (d *Decision) scheduleGenerated(wt *conductor.WorkflowTask, input map[string]any, c loopCtx) {
	rec := &Attempt{Task: &conductor.Task{
		TaskID: d.newID(), ReferenceTaskName: wt.TaskReferenceName + c.suffix, TaskDefName: wt.Name,
		WorkflowInstanceID: d.Workflow.WorkflowID, WorkflowType: d.Workflow.WorkflowName,
		CorrelationID: d.Workflow.CorrelationID, WorkflowPriority: d.Workflow.Priority,
		ScheduledTime: d.Now.UnixMilli(), WorkflowTask: wt, StartDelayInSeconds: wt.StartDelay, Iteration: c.iteration,
	}}
	if wt.TaskDefinition == nil && wt.Name != "" {
		td, found, err := d.r.TaskDef(wt.Name)
		if err != nil {
			d.Abort(err)
			return
		}
		if found {
			wt.TaskDefinition = td
		}
	}
	rec.givenInput = input
	d.Prepare(rec, wt, 0)
	wt.InputParameters = rec.Task.InputData // shown form: what the stored node may hold
	d.Add(rec)
}

// dynamicBranches reads the tasks a dynamic fork forks into, and each one's input, from the
// fork's evaluated input, in whichever of Conductor's styles the definition uses.
func (d *Decision) dynamicBranches(wt *conductor.WorkflowTask, input map[string]any) ([]*conductor.WorkflowTask, []map[string]any, error) {
	if _, simple := input["forkTaskInputs"]; simple || wt.DynamicForkTasksParam == "" && wt.DynamicForkJoinTasksParam == "" {
		return d.simpleDynamicBranches(wt, input)
	}
	if wt.DynamicForkTasksParam != "" {
		raw := input[wt.DynamicForkTasksParam]
		var tasks []*conductor.WorkflowTask
		if err := convert(raw, &tasks); err != nil || raw == nil {
			return nil, nil, reasonf("Input '%s' is invalid. Cannot deserialize a list of Workflow Tasks from '%s'",
				wt.DynamicForkTasksParam, d.Mask(compactJSON(raw)))
		}
		inputs, ok := input[wt.DynamicForkTasksInputParamName].(map[string]any)
		if !ok {
			return nil, nil, reasonf("Input to the dynamically forked tasks is not a map -> expecting a map of K,V  but found %s",
				d.Mask(compactJSON(input[wt.DynamicForkTasksInputParamName])))
		}
		out := make([]map[string]any, len(tasks))
		for i, task := range tasks {
			if task == nil || task.TaskReferenceName == "" {
				return nil, nil, reasonf("Input '%s' is invalid: one of the tasks has no taskReferenceName", wt.DynamicForkTasksParam)
			}
			in, _ := inputs[task.TaskReferenceName].(map[string]any)
			out[i] = mergeInputs(task.InputParameters, in)
			if wt.Optional {
				task.Optional = true
			}
		}
		return tasks, out, d.uniqueBranches(tasks)
	}
	// The legacy style: {"dynamicTasks": [{taskName, referenceName, type, input}]}.
	var list struct {
		DynamicTasks []struct {
			TaskName      string         `json:"taskName"`
			WorkflowName  string         `json:"workflowName"`
			ReferenceName string         `json:"referenceName"`
			Type          string         `json:"type"`
			Input         map[string]any `json:"input"`
		} `json:"dynamicTasks"`
	}
	raw := input[wt.DynamicForkJoinTasksParam]
	if err := convert(raw, &list); err != nil || raw == nil {
		return nil, nil, reasonf("Dynamic tasks could not be created. The value of %s from task's input has no dynamic tasks to be scheduled",
			wt.DynamicForkJoinTasksParam)
	}
	tasks := make([]*conductor.WorkflowTask, len(list.DynamicTasks))
	inputs := make([]map[string]any, len(list.DynamicTasks))
	for i, dt := range list.DynamicTasks {
		typ := dt.Type
		if typ == "" {
			typ = conductor.TaskTypeSimple
		}
		tasks[i] = &conductor.WorkflowTask{Name: dt.TaskName, TaskReferenceName: dt.ReferenceName, Type: typ, Optional: wt.Optional}
		if dt.WorkflowName != "" && typ == conductor.TaskTypeSubWorkflow {
			tasks[i].SubWorkflowParam = &conductor.SubWorkflowParams{Name: dt.WorkflowName}
		}
		inputs[i] = mergeInputs(nil, dt.Input)
	}
	return tasks, inputs, d.uniqueBranches(tasks)
}

// simpleDynamicBranches generates the branches of the simple style: one task of forkTaskName
// (or type forkTaskType, or a sub-workflow of forkTaskWorkflow) per element of forkTaskInputs,
// named _<name>_<i> (prefixed by the fork's reference name when the definition holds more than
// one dynamic fork), each input given __index.
func (d *Decision) simpleDynamicBranches(wt *conductor.WorkflowTask, input map[string]any) ([]*conductor.WorkflowTask, []map[string]any, error) {
	list, ok := input["forkTaskInputs"].([]any)
	if !ok {
		return nil, nil, reasonf("Input 'forkTaskInputs' of dynamic fork %s is invalid: expected a list but found %s",
			wt.TaskReferenceName, d.Mask(compactJSON(input["forkTaskInputs"])))
	}
	name, _ := input["forkTaskName"].(string)
	typ, _ := input["forkTaskType"].(string)
	workflowName, _ := input["forkTaskWorkflow"].(string)
	if name == "" && typ != "" && d.cfg.RunnerOf(typ) != ByWorker {
		name = typ
	}
	if name == "" {
		name = wt.TaskReferenceName
	}
	if typ == "" {
		typ = conductor.TaskTypeSimple
	}
	prefix := "_"
	if d.laterDynamicFork(wt) {
		prefix = "_" + wt.TaskReferenceName + "_"
	}
	tasks := make([]*conductor.WorkflowTask, len(list))
	inputs := make([]map[string]any, len(list))
	for i, v := range list {
		task := &conductor.WorkflowTask{Name: name, Type: typ, Optional: wt.Optional}
		in := map[string]any{}
		if m, isMap := v.(map[string]any); isMap {
			maps.Copy(in, m)
		} else {
			in["input"] = v
		}
		if workflowName != "" {
			task.Name, task.Type = workflowName, conductor.TaskTypeSubWorkflow
			task.SubWorkflowParam = &conductor.SubWorkflowParams{Name: workflowName}
			if v, err := strconv.Atoi(fmt.Sprint(input["forkTaskWorkflowVersion"])); err == nil {
				task.SubWorkflowParam.Version = &v
			}
		}
		task.TaskReferenceName = prefix + task.Name + "_" + strconv.Itoa(i)
		in["__index"] = i
		tasks[i], inputs[i] = task, in
	}
	return tasks, inputs, nil
}

// laterDynamicFork reports whether wt is not the first dynamic fork of the definition: its
// branches' names then carry its reference name, so two forks never generate the same one.
func (d *Decision) laterDynamicFork(wt *conductor.WorkflowTask) bool {
	first := ""
	var walk func(list []conductor.WorkflowTask) bool
	walk = func(list []conductor.WorkflowTask) bool {
		for i := range list {
			if list[i].Type == conductor.TaskTypeForkJoinDynamic {
				first = list[i].TaskReferenceName
				return true
			}
			for _, child := range list[i].Children() {
				if walk(child) {
					return true
				}
			}
		}
		return false
	}
	walk(d.Def.Tasks)
	return first != "" && first != wt.TaskReferenceName
}

// uniqueBranches refuses generated tasks whose reference names repeat or name a task of the
// definition.
func (d *Decision) uniqueBranches(tasks []*conductor.WorkflowTask) error {
	seen := make(map[string]bool, len(tasks))
	for _, t := range tasks {
		if seen[t.TaskReferenceName] || d.index.Node(t.TaskReferenceName) != nil {
			return reasonf("Dynamic fork task %s has a taskReferenceName used twice in workflow %s", t.TaskReferenceName, d.Workflow.WorkflowName)
		}
		seen[t.TaskReferenceName] = true
	}
	return nil
}

// scheduleDynamicTask schedules a DYNAMIC task as a task of the name its input names (the
// dynamicTaskNameParam key), which must have a task definition.
func (d *Decision) scheduleDynamicTask(wt *conductor.WorkflowTask, rec *Attempt, c loopCtx) {
	if rec.Task.Status.IsTerminal() {
		d.Add(rec)
		return
	}
	input := d.RealTaskInput(rec)
	name, ok := input[wt.DynamicTaskNameParam].(string)
	if !ok || name == "" {
		d.Finish(rec, conductor.TaskFailedWithTerminalError, fmt.Sprintf(
			"Cannot map a dynamic task based on the parameter and input. Parameter= %s", wt.DynamicTaskNameParam))
		d.Add(rec)
		return
	}
	td, found, err := d.r.TaskDef(name)
	if err != nil {
		d.Abort(err)
		return
	}
	if wt.TaskDefinition != nil {
		td, found = wt.TaskDefinition, true
	}
	if !found {
		d.Finish(rec, conductor.TaskFailedWithTerminalError, fmt.Sprintf(
			"Invalid task specified.  Cannot find task by name %s in the task definitions", name))
		d.Add(rec)
		return
	}
	gen := *wt
	gen.Name, gen.Type, gen.TaskDefinition = name, conductor.TaskTypeSimple, td
	if d.cfg.RunnerOf(name) != ByWorker {
		gen.Type = name // a system task named by its type
	}
	gen.InputParameters = nil
	d.scheduleGenerated(&gen, input, c)
}

// mergeInputs is a generated task's input: its own inputParameters with the given input over
// them.
func mergeInputs(own, given map[string]any) map[string]any {
	out := make(map[string]any, len(own)+len(given))
	maps.Copy(out, own)
	maps.Copy(out, given)
	return out
}

// convert decodes a value of decoded JSON into v.
func convert(value, v any) error {
	data, err := json.Marshal(value)
	if err != nil {
		return err
	}
	return json.Unmarshal(data, v)
}

// compactJSON renders a value for a reason.
func compactJSON(v any) string {
	data, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return conductor.Truncate(string(data), 200)
}

// reason is a task's reasonForIncompletion worded as Conductor words it (capitalised, unlike Go
// error strings).
type reason string

func (r reason) Error() string { return string(r) }

// reasonf formats a reason.
func reasonf(format string, args ...any) error { return reason(fmt.Sprintf(format, args...)) }
