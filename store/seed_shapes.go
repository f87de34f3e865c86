package store

import "github.com/podiumhq/podium/internal/conductor"

// The definitions seeded executions run. Each shape is a short pipeline of worker (SIMPLE),
// HTTP, INLINE, SET_VARIABLE and JSON_JQ_TRANSFORM tasks around one SWITCH on
// ${workflow.input.route}, whose "review" case holds a worker task of a type nobody polls
// (seedReviewTask): the seeded executions still RUNNING or PAUSED wait there, so a server
// running on the seeded database leaves them be.

// seedReviewTask is the worker task type the unfinished seeded executions wait on.
const seedReviewTask = "seed_manual_review"

// seedReviewRoute is the SWITCH case leading to seedReviewTask.
const seedReviewRoute = "review"

// seedStep is one task of a seeded definition: its definition node and how the output of
// its attempts is made up (the input is its inputParameters resolved, see seedResolve).
type seedStep struct {
	task conductor.WorkflowTask
	// cases are a SWITCH's branches by case value; def its default branch.
	cases map[string][]*seedStep
	def   []*seedStep
	// output makes up the output of a successful attempt.
	output func(x *seedExecution) map[string]any
}

// seedShape is a seeded definition and how its executions' documents are made up.
type seedShape struct {
	description string
	steps       []*seedStep
	// routes are the values of workflow.input.route its executions take (review aside),
	// each as often as it is listed.
	routes []string
	// input makes up a workflow input (route set apart); outputParameters is the
	// definition's, and the output of a completed execution is them resolved.
	input            func(x *seedExecution) map[string]any
	outputParameters map[string]any
}

// definition returns the workflow definition of shape under name.
func (s *seedShape) definition(name string) *conductor.WorkflowDef {
	def := conductor.NewWorkflowDef()
	def.Name, def.Description, def.OwnerEmail = name, s.description, "seed@podium.invalid"
	def.Tasks = seedTasks(s.steps)
	def.InputParameters = []string{"route"}
	def.OutputParameters = s.outputParameters
	return &def
}

func seedTasks(steps []*seedStep) []conductor.WorkflowTask {
	tasks := make([]conductor.WorkflowTask, len(steps))
	for i, st := range steps {
		tasks[i] = st.task
		if st.task.Type == conductor.TaskTypeSwitch {
			tasks[i].DecisionCases = map[string][]conductor.WorkflowTask{}
			for c, list := range st.cases {
				tasks[i].DecisionCases[c] = seedTasks(list)
			}
			tasks[i].DefaultCase = seedTasks(st.def)
		}
	}
	return tasks
}

// seedIsWorker reports whether attempts of st are polled by workers (they have queues, poll
// counts, worker ids and retries).
func (st *seedStep) isWorker() bool { return st.task.Type == conductor.TaskTypeSimple }

// seedAsync reports whether attempts of st are claimed by the internal workers (HTTP).
func (st *seedStep) isAsync() bool { return st.task.Type == conductor.TaskTypeHTTP }

func workerStep(name string, params map[string]any, output func(*seedExecution) map[string]any) *seedStep {
	return &seedStep{task: conductor.WorkflowTask{Name: name, TaskReferenceName: name, Type: conductor.TaskTypeSimple,
		InputParameters: params}, output: output}
}

func httpStep(ref, method, uri string, body any, output func(*seedExecution) map[string]any) *seedStep {
	request := map[string]any{"method": method, "uri": uri, "connectionTimeOut": 3000, "readTimeOut": 5000}
	if body != nil {
		request["body"] = body
	}
	return &seedStep{task: conductor.WorkflowTask{Name: ref, TaskReferenceName: ref, Type: conductor.TaskTypeHTTP,
		InputParameters: map[string]any{"http_request": request}}, output: output}
}

func inlineStep(ref, script string, params map[string]any, output func(*seedExecution) map[string]any) *seedStep {
	in := map[string]any{"evaluatorType": "graaljs", "expression": script}
	for k, v := range params {
		in[k] = v
	}
	return &seedStep{task: conductor.WorkflowTask{Name: ref, TaskReferenceName: ref, Type: conductor.TaskTypeInline,
		InputParameters: in}, output: output}
}

func jqStep(ref, query string, params map[string]any, output func(*seedExecution) map[string]any) *seedStep {
	in := map[string]any{"queryExpression": query}
	for k, v := range params {
		in[k] = v
	}
	return &seedStep{task: conductor.WorkflowTask{Name: ref, TaskReferenceName: ref, Type: conductor.TaskTypeJSONJQTransform,
		InputParameters: in}, output: output}
}

func setVariableStep(ref string, params map[string]any) *seedStep {
	return &seedStep{task: conductor.WorkflowTask{Name: ref, TaskReferenceName: ref, Type: conductor.TaskTypeSetVariable,
		InputParameters: params}, output: func(*seedExecution) map[string]any { return map[string]any{} }}
}

// switchStep is a SWITCH on workflow.input.route; the review case is added to cases.
func switchStep(ref string, cases map[string][]*seedStep, def ...*seedStep) *seedStep {
	cases[seedReviewRoute] = []*seedStep{workerStep(seedReviewTask,
		map[string]any{"subject": "${workflow.input.route}", "requestedBy": "${workflow.correlationId}"}, nil)}
	return &seedStep{task: conductor.WorkflowTask{Name: ref, TaskReferenceName: ref, Type: conductor.TaskTypeSwitch,
		EvaluatorType: "value-param", Expression: "route",
		InputParameters: map[string]any{"route": "${workflow.input.route}"}}, cases: cases, def: def}
}

// seedShapes are the shapes the default family of names runs, in order; a name given
// explicitly runs them in turn too.
var seedShapes = []*seedShape{orderShape, paymentShape, onboardingShape, reportShape, notificationShape}

// SeedWorkflowNames are the workflow names SeedExecutions seeds when given none.
var SeedWorkflowNames = []string{"seed_order_fulfillment", "seed_payment_capture", "seed_user_onboarding",
	"seed_report_generation", "seed_notification"}

// seedShapeOf returns the shape of the i-th seeded name.
func seedShapeOf(i int) *seedShape { return seedShapes[i%len(seedShapes)] }
