package metadata

import (
	"context"
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/podiumhq/podium/engine/systask"
	"github.com/podiumhq/podium/internal/conductor"
	"github.com/podiumhq/podium/internal/expr"
)

// systemParams are the bare ${NAME} expressions Conductor resolves without a path. Podium does
// not expose server environment variables to workflows: any other bare name is rejected.
var systemParams = map[string]bool{"CPEWF_TASK_ID": true, "NETFLIX_ENV": true, "NETFLIX_STACK": true}

var terminationStatuses = map[string]bool{"COMPLETED": true, "FAILED": true, "TERMINATED": true}

var switchEvaluators = map[string]bool{"value-param": true, "javascript": true, "graaljs": true}

// validateWorkflowDef checks def against Conductor's registration rules. taskDefs holds the
// registered definitions of the task names def uses, where they exist.
// It stops early with ctx's error when ctx ends.
func validateWorkflowDef(ctx context.Context, def *conductor.WorkflowDef, taskDefs map[string]*conductor.TaskDef, runners *systask.Registry) (conductor.ValidationErrors, error) {
	var errs conductor.ValidationErrors
	if strings.TrimSpace(def.Name) == "" {
		errs.Add("name", "WorkflowDef name cannot be null or empty", nil)
	}
	addNameError(&errs, "name", def.Name)
	if len(def.Tasks) == 0 {
		errs.Add("tasks", "WorkflowTask list cannot be empty", nil)
	}
	if def.SchemaVersion != conductor.SupportedSchemaVer {
		errs.Add("schemaVersion", fmt.Sprintf("workflowDef schemaVersion: %d is only supported", conductor.SupportedSchemaVer), def.SchemaVersion)
	}
	if def.Version < 0 || def.Version > math.MaxInt32 {
		errs.Add("version", "WorkflowDef version must be between 0 and 2147483647", def.Version)
	}
	if !def.TimeoutPolicy.Valid() {
		errs.Add("timeoutPolicy", "timeoutPolicy must be one of TIME_OUT_WF, ALERT_ONLY", string(def.TimeoutPolicy))
	}
	if def.TimeoutSeconds < 0 {
		errs.Add("timeoutSeconds", "timeoutSeconds must be >= 0", def.TimeoutSeconds)
	}

	v := defValidator{ctx: ctx, def: def, taskDefs: taskDefs, runners: runners, refs: map[string]int{}, errs: &errs}
	v.tasks(def.Tasks, "tasks")
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	for ref, n := range v.refs {
		if n > 1 {
			errs.Add("tasks", fmt.Sprintf("taskReferenceName: %s should be unique across tasks for a given workflowDefinition: %s", ref, def.Name), ref)
		}
	}
	v.joinOns()
	for i := range def.Tasks {
		v.references(&def.Tasks[i], fmt.Sprintf("tasks[%d]", i))
	}
	v.templates(def.OutputParameters, "outputParameters")
	return errs, ctx.Err()
}

type defValidator struct {
	ctx      context.Context
	seen     int  // tasks checked so far
	stopped  bool // ctx ended: check no more
	def      *conductor.WorkflowDef
	taskDefs map[string]*conductor.TaskDef
	runners  *systask.Registry
	refs     map[string]int
	joins    []joinAt
	errs     *conductor.ValidationErrors
}

func (v *defValidator) tasks(tasks []conductor.WorkflowTask, path string) {
	for i := range tasks {
		at := fmt.Sprintf("%s[%d]", path, i)
		v.task(&tasks[i], at)
		if typ := tasks[i].Type; (typ == conductor.TaskTypeForkJoin || typ == conductor.TaskTypeForkJoinDynamic) &&
			(i+1 >= len(tasks) || tasks[i+1].Type != conductor.TaskTypeJoin) {
			v.errs.Add(at, fmt.Sprintf("%s task %s must be followed by a JOIN task in the same task list", typ, tasks[i].TaskReferenceName), nil)
		}
		if typ := tasks[i].Type; typ == conductor.TaskTypeJoin || typ == conductor.TaskTypeExclusiveJoin {
			v.joins = append(v.joins, joinAt{task: &tasks[i], path: at})
		}
	}
}

// joinAt is a JOIN task and where it is in the definition.
type joinAt struct {
	task *conductor.WorkflowTask
	path string
}

// joinOns checks that every JOIN joins on task references of the definition: one that names
// no task would wait forever.
func (v *defValidator) joinOns() {
	for _, j := range v.joins {
		for _, list := range []struct {
			key  string
			refs []string
		}{{"joinOn", j.task.JoinOn}, {"defaultExclusiveJoinTask", j.task.DefaultExclusiveJoinTask}} {
			key := list.key
			for _, ref := range list.refs {
				if v.refs[ref] == 0 {
					v.errs.Add(j.path+"."+key, fmt.Sprintf("%s of %s task %s names %q, which is not a task reference of workflow %s",
						key, j.task.Type, j.task.TaskReferenceName, ref, v.def.Name), ref)
				}
			}
		}
	}
}

func (v *defValidator) task(t *conductor.WorkflowTask, path string) {
	if v.seen++; v.stopped || v.seen%256 == 0 && v.ctx.Err() != nil {
		v.stopped = true
		return // the caller reports ctx's error
	}
	errs := v.errs
	if strings.TrimSpace(t.Name) == "" {
		errs.Add(path+".name", "WorkflowTask name cannot be empty or null", nil)
	}
	addNameError(errs, path+".name", t.Name)
	addNameError(errs, path+".taskReferenceName", t.TaskReferenceName)
	if strings.TrimSpace(t.TaskReferenceName) == "" {
		errs.Add(path+".taskReferenceName", "WorkflowTask taskReferenceName name cannot be empty or null", nil)
	} else {
		v.refs[t.TaskReferenceName]++
	}
	if t.StartDelay < 0 {
		errs.Add(path+".startDelay", "startDelay must be >= 0", t.StartDelay)
	}
	if t.RetryCount != nil && *t.RetryCount < 0 {
		errs.Add(path+".retryCount", "retryCount must be >= 0", *t.RetryCount)
	}
	if v.runners.RunnerOf(t.Type) == systask.Unsupported {
		errs.Add(path+".type", conductor.UnsupportedTypeMessage(t), t.Type)
	}
	v.typeRules(t, path)
	v.templates(t.InputParameters, path+".inputParameters")
	for _, c := range sortedCaseNames(t.DecisionCases) {
		v.tasks(t.DecisionCases[c], path+".decisionCases."+c)
	}
	v.tasks(t.DefaultCase, path+".defaultCase")
	for i, branch := range t.ForkTasks {
		v.tasks(branch, fmt.Sprintf("%s.forkTasks[%d]", path, i))
	}
	v.tasks(t.LoopOver, path+".loopOver")
}

// typeRules applies the per-type required fields of Conductor's WorkflowTaskTypeConstraint.
func (v *defValidator) typeRules(t *conductor.WorkflowTask, path string) {
	need := func(ok bool, what string) {
		if !ok {
			v.errs.Add(path, fmt.Sprintf("%s is required for taskType: %s taskName: %s", what, t.Type, t.Name), nil)
		}
	}
	in := t.InputParameters
	switch t.Type {
	case conductor.TaskTypeSwitch:
		need(t.EvaluatorType != "", "evaluatorType")
		need(t.Expression != "", "expression")
		need(len(t.DecisionCases) > 0, "decisionCases")
		if t.EvaluatorType != "" && !switchEvaluators[t.EvaluatorType] {
			v.errs.Add(path+".evaluatorType", "evaluatorType must be one of value-param, javascript, graaljs", t.EvaluatorType)
		}
	case conductor.TaskTypeDecision:
		need(t.CaseValueParam != "" || t.CaseExpression != "", "caseValueParam or caseExpression")
		need(len(t.DecisionCases) > 0, "decisionCases")
	case conductor.TaskTypeDoWhile:
		// Over a list (items, or Orkes' _items), the list ends the loop: no condition needed.
		// An empty one is a condition, as in Conductor (false: the body runs once).
		need(t.LoopCondition != nil || t.Items != nil || in["_items"] != nil, "loopCondition")
		need(len(t.LoopOver) > 0, "loopOver")
		switch items := t.Items.(type) {
		case nil, []any:
		case string:
			v.templates(map[string]any{"items": items}, path)
		default:
			v.errs.Add(path+".items", "items must be an expression such as ${workflow.input.list}, or a list", t.Items)
		}
	case conductor.TaskTypeDynamic:
		need(t.DynamicTaskNameParam != "", "dynamicTaskNameParam")
	case conductor.TaskTypeForkJoin:
		need(len(t.ForkTasks) > 0, "forkTasks")
		for i, branch := range t.ForkTasks {
			if len(branch) == 0 {
				v.errs.Add(fmt.Sprintf("%s.forkTasks[%d]", path, i), fmt.Sprintf("branch %d of FORK_JOIN task %s has no tasks", i, t.TaskReferenceName), nil)
			}
		}
	case conductor.TaskTypeForkJoinDynamic:
		paired := t.DynamicForkTasksParam != "" && t.DynamicForkTasksInputParamName != ""
		legacy := t.DynamicForkJoinTasksParam != ""
		inline := in["forkTaskName"] != nil || in["forkTaskWorkflow"] != nil || in["forkTaskType"] != nil
		need(paired || legacy || inline, "dynamicForkTasksParam and dynamicForkTasksInputParamName (or dynamicForkJoinTasksParam)")
		if paired && legacy {
			v.errs.Add(path, "dynamicForkTasksParam and dynamicForkJoinTasksParam cannot both be set", nil)
		}
	case conductor.TaskTypeSubWorkflow:
		p := t.SubWorkflowParam
		need(p != nil, "subWorkflowParam")
		if p != nil && p.Name == "" && len(p.WorkflowDefinition) == 0 {
			v.errs.Add(path+".subWorkflowParam.name", "subWorkflowParam name (or workflowDefinition) is required", nil)
		}
	case conductor.TaskTypeEvent:
		need(t.Sink != "", "sink")
		switch {
		case strings.Contains(t.Sink, "${"):
			// Evaluated when the task runs; a sink it cannot publish to then fails the task.
			v.templates(map[string]any{"sink": t.Sink}, path)
		case t.Sink != "" && !conductor.SinkReachable(t.Sink):
			v.errs.Add(path+".sink", conductor.UnreachableSinkMessage("sink", t.Sink), t.Sink)
		}
	case conductor.TaskTypeStartWorkflow:
		need(in["startWorkflow"] != nil, "inputParameters.startWorkflow")
	case conductor.TaskTypeHTTP:
		var tmpl map[string]any // an inline taskDefinition wins over the registered one
		if t.TaskDefinition != nil {
			tmpl = t.TaskDefinition.InputTemplate
		} else if td := v.taskDefs[t.Name]; td != nil {
			tmpl = td.InputTemplate
		}
		has := func(k string) bool { return in[k] != nil || tmpl[k] != nil }
		need(has("http_request") || has("uri"), "inputParameters.http_request or inputParameters.uri")
	case conductor.TaskTypeTerminate:
		if t.Optional {
			v.errs.Add(path+".optional", "terminate task must not be optional", true)
		}
		status, _ := in["terminationStatus"].(string)
		if !terminationStatuses[status] {
			v.errs.Add(path+".inputParameters.terminationStatus", "terminationStatus must be one of COMPLETED, FAILED, TERMINATED", in["terminationStatus"])
		}
	case conductor.TaskTypeJSONJQTransform:
		need(in["queryExpression"] != nil, "inputParameters.queryExpression")
	case conductor.TaskTypeInline:
		need(in["expression"] != nil, "inputParameters.expression")
	case conductor.TaskTypeLambda:
		need(in["scriptExpression"] != nil, "inputParameters.scriptExpression")
	case conductor.TaskTypeUpdateSecret:
		sec, _ := in["_secrets"].(map[string]any)
		need(sec["secretKey"] != nil && sec["secretValue"] != nil, "inputParameters._secrets.secretKey and inputParameters._secrets.secretValue")
	case conductor.TaskTypeWait:
		if in["duration"] != nil && in["until"] != nil {
			v.errs.Add(path+".inputParameters", "WAIT task cannot have both duration and until", nil)
		}
	}
}

// templates rejects ${…} expressions Podium cannot evaluate.
func (v *defValidator) templates(params map[string]any, path string) {
	expr.WalkStrings(params, path, func(at, s string) {
		if _, err := expr.ParseTemplate(s); err != nil {
			v.errs.Add(at, err.Error(), s)
		}
	})
}

// references checks, for a top-level task, that every ${root.…} names the workflow, a task
// reference of this definition, or a system parameter.
func (v *defValidator) references(t *conductor.WorkflowTask, path string) {
	expr.WalkStrings(t.InputParameters, path+".inputParameters", func(at, s string) {
		tmpl, err := expr.ParseTemplate(s)
		if err != nil {
			return // reported by templates
		}
		for _, p := range tmpl.StaticPaths() {
			root := p.Root()
			ref, _, _ := strings.Cut(root, "__")
			switch {
			case root == "workflow", v.refs[ref] > 0:
			case len(p.Segments()) == 1 && systemParams[root]:
			default:
				v.errs.Add(at, fmt.Sprintf("${%s} in task %s: %q is neither a task reference of workflow %s nor workflow.* or a system parameter",
					p, t.TaskReferenceName, root, v.def.Name), s)
			}
		}
	})
}

// validateTaskDef checks def against Conductor's TaskDef constraints.
func validateTaskDef(def *conductor.TaskDef, path string) conductor.ValidationErrors {
	var errs conductor.ValidationErrors
	if strings.TrimSpace(def.Name) == "" {
		errs.Add(path+"name", "TaskDef name cannot be null or empty", nil)
	}
	addNameError(&errs, path+"name", def.Name)
	if def.RetryCount < 0 {
		errs.Add(path+"retryCount", fmt.Sprintf("TaskDef retryCount: %d must be >= 0", def.RetryCount), def.RetryCount)
	}
	if def.ResponseTimeoutSeconds < 1 {
		errs.Add(path+"responseTimeoutSeconds", fmt.Sprintf("TaskDef responseTimeoutSeconds: %d must be greater than 0", def.ResponseTimeoutSeconds), def.ResponseTimeoutSeconds)
	}
	if def.TimeoutSeconds < 0 {
		errs.Add(path+"timeoutSeconds", "TaskDef timeoutSeconds must be >= 0", def.TimeoutSeconds)
	}
	if def.TimeoutSeconds > 0 && def.ResponseTimeoutSeconds > def.TimeoutSeconds {
		errs.Add(path+"responseTimeoutSeconds", fmt.Sprintf("TaskDef: %s responseTimeoutSeconds: %d must be less than timeoutSeconds: %d",
			def.Name, def.ResponseTimeoutSeconds, def.TimeoutSeconds), def.ResponseTimeoutSeconds)
	}
	if def.TimeoutSeconds > 0 && def.TotalTimeoutSeconds > 0 && def.TimeoutSeconds > def.TotalTimeoutSeconds {
		errs.Add(path+"timeoutSeconds", fmt.Sprintf("TaskDef: %s timeoutSeconds: %d must be less than or equal to totalTimeoutSeconds: %d",
			def.Name, def.TimeoutSeconds, def.TotalTimeoutSeconds), def.TimeoutSeconds)
	}
	if !def.TimeoutPolicy.Valid() {
		errs.Add(path+"timeoutPolicy", "timeoutPolicy must be one of RETRY, TIME_OUT_WF, ALERT_ONLY", string(def.TimeoutPolicy))
	}
	if !def.RetryLogic.Valid() {
		errs.Add(path+"retryLogic", "retryLogic must be one of FIXED, EXPONENTIAL_BACKOFF, LINEAR_BACKOFF", string(def.RetryLogic))
	}
	if def.RetryDelaySeconds < 0 {
		errs.Add(path+"retryDelaySeconds", "TaskDef retryDelaySeconds must be >= 0", def.RetryDelaySeconds)
	}
	if def.BackoffScaleFactor < 1 {
		errs.Add(path+"backoffScaleFactor", fmt.Sprintf("TaskDef backoffScaleFactor: %d must be >= 1", def.BackoffScaleFactor), def.BackoffScaleFactor)
	}
	if def.RateLimitPerFrequency < 0 || def.RateLimitFrequencyInSeconds < 0 {
		errs.Add(path+"rateLimitPerFrequency", "rate limits must be >= 0", def.RateLimitPerFrequency)
	}
	if def.ConcurrentExecLimit != nil && *def.ConcurrentExecLimit < 0 {
		errs.Add(path+"concurrentExecLimit", "concurrentExecLimit must be >= 0", *def.ConcurrentExecLimit)
	}
	return errs
}

// addNameError records a too-long name in errs (for validations that list every failure).
func addNameError(errs *conductor.ValidationErrors, path, value string) {
	if n := utf8.RuneCountInString(value); n > conductor.MaxNameLength {
		errs.Add(path, fmt.Sprintf("%s must be at most %d characters (got %d)", path, conductor.MaxNameLength, n), nil)
	}
}

func sortedCaseNames(cases map[string][]conductor.WorkflowTask) []string {
	return slices.Sorted(maps.Keys(cases))
}
