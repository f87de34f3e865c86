package decide

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/podiumhq/podium/internal/conductor"
)

type obj = map[string]any

// taskDef is a task definition with Conductor's defaults, changed by edit.
func taskDef(name string, edit func(*conductor.TaskDef)) *conductor.TaskDef {
	d := conductor.NewTaskDef(name)
	edit(&d)
	return &d
}

func withDef(w conductor.WorkflowTask, def *conductor.TaskDef) conductor.WorkflowTask {
	w.TaskDefinition = def
	return w
}

func TestSequence(t *testing.T) {
	t.Parallel()
	def := workflow(simpleTask("a", nil), simpleTask("b", obj{"prev": "${a.output.v}", "x": "${workflow.input.x}"}))
	r := start(t, def, obj{"x": "in"})
	a := r.attempt("a")
	require.Equal(t, []string{"a"}, r.refs(), "only the first task is scheduled")
	require.Equal(t, conductor.TaskScheduled, a.Task.Status)
	require.Equal(t, "a", a.QueueName, "a SIMPLE task waits in the queue named after it")
	require.Equal(t, epoch, *a.VisibleAt)
	require.True(t, r.d.Changes().Queues["a"])

	r.complete("a", obj{"v": "hello"})
	require.True(t, a.Task.Executed)
	b := r.attempt("b")
	require.Equal(t, `{"prev":"hello","x":"in"}`, jsonOf(t, b.Task.InputData))
	require.Equal(t, conductor.WorkflowRunning, r.status())

	r.complete("b", obj{"done": true})
	require.Equal(t, conductor.WorkflowCompleted, r.status())
	require.Equal(t, obj{"done": true}, r.d.Workflow.Output, "without outputParameters the last task's output")
	require.Equal(t, epoch.UnixMilli(), r.d.Workflow.EndTime)
	require.Equal(t, []string{"task-1", "task-2"}, r.dirtyIDs())
}

func TestSwitchTakesTheCaseItsValueNames(t *testing.T) {
	t.Parallel()
	sw := wt("sw", conductor.TaskTypeSwitch, obj{"kind": "${workflow.input.kind}"})
	sw.EvaluatorType, sw.Expression = "value-param", "kind"
	sw.DecisionCases = map[string][]conductor.WorkflowTask{"a": {simpleTask("a1", nil)}, "b": {simpleTask("b1", nil)}}
	sw.DefaultCase = []conductor.WorkflowTask{simpleTask("d1", nil)}
	def := workflow(sw, simpleTask("z", nil))
	for kind, branch := range map[string]string{"a": "a1", "b": "b1", "other": "d1"} {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			r := start(t, def, obj{"kind": kind})
			s := r.attempt("sw")
			require.Equal(t, conductor.TaskCompleted, s.Task.Status)
			require.Equal(t, obj{"evaluationResult": []any{kind}, "selectedCase": kind}, s.Task.OutputData)
			require.Equal(t, []string{"sw", branch}, r.refs())
			r.complete(branch, nil)
			require.Equal(t, []string{"sw", branch, "z"}, r.refs(), "after the branch, what follows the switch")
			r.complete("z", nil)
			require.Equal(t, conductor.WorkflowCompleted, r.status())
		})
	}
	t.Run("no case and no default", func(t *testing.T) {
		t.Parallel()
		bare := sw
		bare.DefaultCase = nil
		r := start(t, workflow(bare, simpleTask("z", nil)), obj{"kind": "none"})
		require.Equal(t, []string{"sw", "z"}, r.refs())
	})
}

func TestRetriesWaitAsTheRetryLogicSays(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		logic  conductor.RetryLogic
		delays []time.Duration
	}{
		{conductor.RetryFixed, []time.Duration{10 * time.Second, 10 * time.Second}},
		{conductor.RetryLinearBackoff, []time.Duration{20 * time.Second, 40 * time.Second}},
		{conductor.RetryExponentialBackoff, []time.Duration{10 * time.Second, 20 * time.Second}},
	} {
		t.Run(string(tc.logic), func(t *testing.T) {
			t.Parallel()
			def := taskDef("a", func(d *conductor.TaskDef) {
				d.RetryCount, d.RetryLogic, d.RetryDelaySeconds, d.BackoffScaleFactor = 2, tc.logic, 10, 2
			})
			r := start(t, workflow(withDef(simpleTask("a", nil), def), simpleTask("b", nil)), nil)
			first := r.attempt("a")
			for i, delay := range tc.delays {
				prev := r.attempt("a")
				r.report("a", conductor.TaskFailed, nil, "boom")
				next := r.attempt("a")
				require.NotSame(t, prev, next, "a new attempt")
				require.True(t, prev.Task.Retried)
				require.Equal(t, i+1, next.Task.RetryCount)
				require.Equal(t, prev.Task.TaskID, next.Task.RetriedTaskID)
				require.Equal(t, conductor.TaskScheduled, next.Task.Status)
				require.Equal(t, epoch.Add(delay), *next.VisibleAt, "attempt %d", i+2)
				require.Equal(t, conductor.WorkflowRunning, r.status())
			}
			r.report("a", conductor.TaskFailed, nil, "boom")
			require.Equal(t, 3, r.attempts("a"), "retryCount 2: three attempts in all")
			require.Equal(t, conductor.WorkflowFailed, r.status())
			require.Contains(t, r.d.Workflow.ReasonForIncompletion, "failed with status: FAILED and reason: 'boom'")
			require.Equal(t, []string{"a"}, r.d.Workflow.FailedReferenceTaskNames)
			require.NotEqual(t, first.Task.TaskID, r.attempt("a").Task.TaskID)
		})
	}
	t.Run("max delay caps the backoff", func(t *testing.T) {
		t.Parallel()
		def := taskDef("a", func(d *conductor.TaskDef) {
			d.RetryCount, d.RetryLogic, d.RetryDelaySeconds, d.MaxRetryDelaySeconds = 1, conductor.RetryExponentialBackoff, 100, 30
		})
		r := start(t, workflow(withDef(simpleTask("a", nil), def)), nil)
		r.report("a", conductor.TaskFailed, nil, "boom")
		require.Equal(t, epoch.Add(30*time.Second), *r.attempt("a").VisibleAt)
	})
	t.Run("a terminal error is not retried", func(t *testing.T) {
		t.Parallel()
		def := taskDef("a", func(d *conductor.TaskDef) { d.RetryCount = 5 })
		r := start(t, workflow(withDef(simpleTask("a", nil), def)), nil)
		r.report("a", conductor.TaskFailedWithTerminalError, nil, "bad request")
		require.Equal(t, 1, r.attempts("a"))
		require.Equal(t, conductor.WorkflowFailed, r.status())
	})
	t.Run("the workflow task's retryCount overrides the definition's", func(t *testing.T) {
		t.Parallel()
		zero := 0
		task := withDef(simpleTask("a", nil), taskDef("a", func(d *conductor.TaskDef) { d.RetryCount = 5 }))
		task.RetryCount = &zero
		r := start(t, workflow(task), nil)
		r.report("a", conductor.TaskFailed, nil, "boom")
		require.Equal(t, conductor.WorkflowFailed, r.status())
	})
}

func TestTimeouts(t *testing.T) {
	t.Parallel()
	t.Run("response timeout", func(t *testing.T) {
		t.Parallel()
		def := taskDef("a", func(d *conductor.TaskDef) { d.RetryCount, d.ResponseTimeoutSeconds = 1, 5 })
		r := start(t, workflow(withDef(simpleTask("a", nil), def)), nil)
		first := r.poll("a")
		r.at(4 * time.Second)
		require.Equal(t, conductor.TaskInProgress, first.Task.Status, "not yet")
		r.at(5 * time.Second)
		require.Equal(t, conductor.TaskTimedOut, first.Task.Status)
		require.Equal(t, "responseTimeoutSeconds: 5 exceeded", first.Task.ReasonForIncompletion)
		require.Equal(t, 2, r.attempts("a"), "timed out attempts are retried")
	})
	t.Run("run timeout, RETRY", func(t *testing.T) {
		t.Parallel()
		def := taskDef("a", func(d *conductor.TaskDef) {
			d.RetryCount, d.TimeoutSeconds, d.TimeoutPolicy = 1, 10, conductor.TaskTimeoutRetry
		})
		r := start(t, workflow(withDef(simpleTask("a", nil), def)), nil)
		first := r.poll("a")
		r.at(11 * time.Second)
		require.Equal(t, conductor.TaskTimedOut, first.Task.Status)
		require.Equal(t, "Task timed out after 11 seconds. Timeout configured as 10 seconds. Timeout policy configured to RETRY",
			first.Task.ReasonForIncompletion)
		require.Equal(t, 2, r.attempts("a"))
		require.Equal(t, conductor.WorkflowRunning, r.status())
	})
	t.Run("run timeout, TIME_OUT_WF", func(t *testing.T) {
		t.Parallel()
		def := taskDef("a", func(d *conductor.TaskDef) {
			d.RetryCount, d.TimeoutSeconds, d.TimeoutPolicy = 3, 10, conductor.TaskTimeOutWF
		})
		r := start(t, workflow(withDef(simpleTask("a", nil), def), simpleTask("b", nil)), nil)
		r.poll("a")
		r.at(10 * time.Second)
		require.Equal(t, conductor.WorkflowTimedOut, r.status())
		require.Equal(t, 1, r.attempts("a"), "TIME_OUT_WF does not retry")
	})
	t.Run("poll timeout", func(t *testing.T) {
		t.Parallel()
		five := 5
		def := taskDef("a", func(d *conductor.TaskDef) { d.RetryCount, d.PollTimeoutSeconds = 0, &five })
		r := start(t, workflow(withDef(simpleTask("a", nil), def)), nil)
		require.Equal(t, epoch.Add(5*time.Second).UnixMilli(), r.d.NextCheckAt().UnixMilli(), "the sweeper comes back at the poll deadline")
		r.at(6 * time.Second)
		a := r.attempt("a")
		require.Equal(t, conductor.TaskTimedOut, a.Task.Status)
		require.Equal(t, "Task poll timed out after 6 seconds. Poll timeout configured as 5 seconds", a.Task.ReasonForIncompletion)
		require.Equal(t, conductor.WorkflowTimedOut, r.status())
	})
	t.Run("workflow timeout", func(t *testing.T) {
		t.Parallel()
		def := workflow(simpleTask("a", nil))
		def.TimeoutSeconds, def.TimeoutPolicy = 60, conductor.WorkflowTimeOutWF
		r := start(t, def, nil)
		require.Equal(t, epoch.Add(time.Minute).UnixMilli(), r.d.NextCheckAt().UnixMilli())
		r.at(61 * time.Second)
		require.Equal(t, conductor.WorkflowTimedOut, r.status())
		require.Equal(t, conductor.TaskCanceled, r.attempt("a").Task.Status, "pending tasks are canceled")
		require.Nil(t, r.d.NextCheckAt(), "an ended workflow needs no sweep")
	})
}

func TestOptionalAndPermissiveTasks(t *testing.T) {
	t.Parallel()
	t.Run("optional", func(t *testing.T) {
		t.Parallel()
		a := simpleTask("a", nil)
		a.Optional = true
		r := start(t, workflow(withDef(a, taskDef("a", func(d *conductor.TaskDef) { d.RetryCount = 0 })), simpleTask("b", nil)), nil)
		r.report("a", conductor.TaskFailed, nil, "boom")
		require.Equal(t, conductor.TaskCompletedWithErrors, r.attempt("a").Task.Status)
		r.complete("b", nil)
		require.Equal(t, conductor.WorkflowCompleted, r.status())
	})
	t.Run("permissive", func(t *testing.T) {
		t.Parallel()
		a := simpleTask("a", nil)
		a.Permissive = true
		r := start(t, workflow(withDef(a, taskDef("a", func(d *conductor.TaskDef) { d.RetryCount = 0 })), simpleTask("b", nil)), nil)
		r.report("a", conductor.TaskFailed, nil, "boom")
		require.Equal(t, []string{"a", "b"}, r.refs(), "the workflow goes on")
		r.complete("b", nil)
		require.Equal(t, conductor.WorkflowFailed, r.status(), "and fails at the end")
		require.Contains(t, r.d.Workflow.ReasonForIncompletion, "reason: 'boom'")
	})
}

func TestTerminate(t *testing.T) {
	t.Parallel()
	term := wt("end", conductor.TaskTypeTerminate, obj{"terminationStatus": "COMPLETED", "workflowOutput": obj{"r": "${a.output.v}"}})
	r := start(t, workflow(simpleTask("a", nil), term, simpleTask("never", nil)), nil)
	r.complete("a", obj{"v": 42})
	require.Equal(t, conductor.WorkflowCompleted, r.status())
	require.Equal(t, `{"r":42}`, jsonOf(t, r.d.Workflow.Output))
	require.Equal(t, "Workflow is COMPLETED by TERMINATE task: "+r.attempt("end").Task.TaskID, r.d.Workflow.ReasonForIncompletion)
	require.Equal(t, []string{"a", "end"}, r.refs())

	for _, status := range []conductor.WorkflowStatus{conductor.WorkflowFailed, conductor.WorkflowTerminated} {
		t.Run(string(status)+" without a reason", func(t *testing.T) {
			t.Parallel()
			r := start(t, workflow(wt("stop", conductor.TaskTypeTerminate, obj{"terminationStatus": string(status)})), nil)
			require.Equal(t, status, r.status())
			require.Equal(t, "Workflow is "+string(status)+" by TERMINATE task: "+r.attempt("stop").Task.TaskID, r.d.Workflow.ReasonForIncompletion)
		})
	}
	t.Run("an operator terminates", func(t *testing.T) {
		t.Parallel()
		r := start(t, workflow(simpleTask("a", nil)), nil)
		r.d.Terminate("no longer needed")
		require.Equal(t, conductor.WorkflowTerminated, r.status())
		require.Equal(t, "no longer needed", r.d.Workflow.ReasonForIncompletion)
		require.Equal(t, conductor.TaskCanceled, r.attempt("a").Task.Status)
		require.Empty(t, r.d.Changes().Starts)
	})
}

func TestFailureWorkflowInput(t *testing.T) {
	t.Parallel()
	def := workflow(withDef(simpleTask("a", nil), taskDef("a", func(d *conductor.TaskDef) { d.RetryCount = 0 })))
	def.FailureWorkflow = "cleanup"
	r := start(t, def, obj{"order": 7})
	r.report("a", conductor.TaskFailed, nil, "card declined")
	require.Equal(t, conductor.WorkflowFailed, r.status())
	starts := r.d.Changes().Starts
	require.Len(t, starts, 1)
	req := starts[0]
	require.Equal(t, "cleanup", req.Name)
	require.Equal(t, "app-1", req.RunAs, "the failure workflow runs as its parent")
	in := req.Input
	require.Equal(t, "wf-1", in["workflowId"])
	require.Equal(t, r.d.Workflow.ReasonForIncompletion, in["reason"])
	require.Equal(t, "FAILED", in["failureStatus"])
	require.Equal(t, r.attempt("a").Task.TaskID, in["failureTaskId"])
	require.Equal(t, 7, in["order"], "the parent's input is passed on")
	failed, ok := in["failedWorkflow"].(*conductor.Workflow)
	require.True(t, ok)
	require.Len(t, failed.Tasks, 1)

	t.Run("named by the input", func(t *testing.T) {
		t.Parallel()
		def := workflow(wt("f", conductor.TaskTypeTerminate, obj{"terminationStatus": "FAILED", "terminationReason": "stop"}))
		def.FailureWorkflow = "$workflow.input.onFailure"
		r := start(t, def, obj{"onFailure": "notify"})
		require.Equal(t, conductor.WorkflowFailed, r.status())
		require.Equal(t, "stop", r.d.Workflow.ReasonForIncompletion)
		require.Len(t, r.d.Changes().Starts, 1)
		require.Equal(t, "notify", r.d.Changes().Starts[0].Name)
	})
}

func TestOutputFilterKeepsOnlyWhatItSelects(t *testing.T) {
	t.Parallel()
	a := simpleTask("a", obj{"outputFilter": obj{
		"_secrets": obj{"token": "$${a.output.body.token}"},
		"status":   "$${a.output.status}",
	}})
	def := workflow(a, simpleTask("b", obj{"auth": "Bearer ${a.output._secrets.token}"}))
	r := start(t, def, nil)
	require.Equal(t, obj{"_secrets": obj{"token": "${a.output.body.token}"}, "status": "${a.output.status}"},
		r.attempt("a").Task.InputData["outputFilter"], "the filter is shown as written, un-escaped")
	r.complete("a", obj{"body": obj{"token": "T0K-8be1c2", "other": "dropped"}, "status": 200})
	got := r.attempt("a")
	require.Equal(t, `{"_secrets":"***","status":200}`, jsonOf(t, got.Task.OutputData), "what is under _secrets is never shown")
	require.Equal(t, `{"_secrets":{"token":"T0K-8be1c2"},"status":200}`, jsonOf(t, got.RealOutput), "the real output is kept, to be sealed")
	b := r.attempt("b")
	require.Equal(t, obj{"auth": "Bearer ***"}, b.Task.InputData)
	require.Equal(t, obj{"auth": "Bearer T0K-8be1c2"}, b.RealInput)

	t.Run("a filter selecting one value", func(t *testing.T) {
		t.Parallel()
		r := start(t, workflow(simpleTask("a", obj{"outputFilter": "$${a.output.status}"})), nil)
		r.complete("a", obj{"status": 201, "body": "x"})
		require.Equal(t, `{"result":201}`, jsonOf(t, r.attempt("a").Task.OutputData))
	})
}

func TestSecretsInInputsAreMasked(t *testing.T) {
	t.Parallel()
	const key = "sk-live-5f0c1d2e"
	mem := &memory{secrets: map[string]string{"api_key": key}}
	def := workflow(simpleTask("a", obj{"auth": "Bearer ${workflow.secrets.api_key}"}), simpleTask("b", obj{"echo": "${a.output.seen}"}))
	r := startWith(t, def, nil, mem)
	a := r.attempt("a")
	require.Equal(t, obj{"auth": "Bearer ***"}, a.Task.InputData)
	require.Equal(t, obj{"auth": "Bearer " + key}, a.RealInput)
	r.report("a", conductor.TaskCompleted, obj{"seen": key}, "")
	require.Equal(t, obj{"seen": "***"}, r.attempt("a").Task.OutputData, "a worker echoing the secret is masked")
	b := r.attempt("b")
	require.Equal(t, obj{"echo": "***"}, b.Task.InputData)
	r.d.Log(b.Task.TaskID, "called with "+key)
	r.report("b", conductor.TaskFailedWithTerminalError, obj{"v": key}, "rejected "+key)
	require.Equal(t, "rejected ***", r.attempt("b").Task.ReasonForIncompletion)
	require.Equal(t, []string{"called with ***"}, r.d.Changes().Logs[b.Task.TaskID])
	for _, a := range r.d.Changes().Dirty {
		require.NotContains(t, jsonOf(t, a.Task), key, "nothing shown holds the secret")
	}
	require.NotContains(t, jsonOf(t, r.d.Workflow), key)
	state, changed := r.d.SecretsChanged()
	require.True(t, changed)
	require.Contains(t, state.Masks, key, "the value stays masked in later decisions")

	t.Run("deep scans and filters never reach a secret", func(t *testing.T) {
		t.Parallel()
		r := startWith(t, workflow(simpleTask("a", obj{
			"under":    "${workflow.secrets..api_key}",
			"filter":   "${workflow.secrets.api_key[?(@)]}",
			"built":    "${workflow.secrets..${workflow.input.k}}",
			"scan":     "${workflow..api_key}",
			"fromRoot": "${$..api_key}",
		})), obj{"k": "api_key"}, &memory{secrets: map[string]string{"api_key": key}})
		a := r.attempt("a")
		want := obj{"under": nil, "filter": nil, "built": nil, "scan": []any{}, "fromRoot": []any{}}
		require.Equal(t, want, a.Task.InputData)
		require.NotContains(t, jsonOf(t, a.RealInput), key)
	})
	t.Run("maskedFields of the workflow input", func(t *testing.T) {
		t.Parallel()
		def := workflow(simpleTask("a", obj{"pw": "${workflow.input.password}"}))
		def.MaskedFields = []string{"password"}
		r := start(t, def, obj{"password": "hunter2", "user": "ann"})
		require.Equal(t, obj{"password": "***", "user": "ann"}, r.d.Workflow.Input)
		require.Equal(t, obj{"pw": "***"}, r.attempt("a").Task.InputData)
		require.Equal(t, obj{"pw": "hunter2"}, r.attempt("a").RealInput)
	})
	for _, tc := range []struct {
		name   string
		mem    *memory
		reason string
	}{
		{"without the right to use it", &memory{secrets: map[string]string{"api_key": key}, denied: map[string]bool{"api_key": true}},
			"Security Error: rotator (app-1), whom the workflow runs as, has no EXECUTE or READ access to secret api_key"},
		{"missing", &memory{}, "Secret api_key is not defined"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := startWith(t, workflow(simpleTask("a", obj{"auth": "${workflow.secrets.api_key}"})), nil, tc.mem)
			a := r.attempt("a")
			require.Equal(t, conductor.TaskFailedWithTerminalError, a.Task.Status)
			require.Equal(t, tc.reason, a.Task.ReasonForIncompletion)
			require.Empty(t, a.QueueName, "never offered to a worker")
			require.Equal(t, conductor.WorkflowFailed, r.status())
		})
	}
	t.Run("a failing secrets store abandons the decision", func(t *testing.T) {
		t.Parallel()
		mem := &memory{secretErr: errors.New("connection reset")}
		wf := &conductor.Workflow{WorkflowID: "wf-1", Status: conductor.WorkflowRunning, Input: obj{}}
		d := New(testConfig(), mem, State{Workflow: wf, Def: workflow(simpleTask("a", obj{"k": "${workflow.secrets.api_key}"}))}, epoch)
		d.Begin(nil)
		d.Decide()
		require.ErrorContains(t, d.Err(), "connection reset")
		require.NotEqual(t, conductor.TaskFailedWithTerminalError, d.Latest("a").Task.Status, "not failed as if the secret were missing")
	})
}

func TestUpdateSecret(t *testing.T) {
	t.Parallel()
	def := workflow(
		simpleTask("fetch", obj{"outputFilter": obj{"_secrets": obj{"token": "$${fetch.output.token}"}}}),
		wt("store", conductor.TaskTypeUpdateSecret, obj{"_secrets": obj{"secretKey": "tok", "secretValue": "${fetch.output._secrets.token}"}}),
		simpleTask("use", obj{"h": "${workflow.secrets.tok}"}),
	)
	r := startWith(t, def, nil, &memory{secrets: map[string]string{}})
	r.complete("fetch", obj{"token": "fresh-9d8c7b"})
	st := r.attempt("store")
	require.Equal(t, conductor.TaskCompleted, st.Task.Status)
	require.Equal(t, []SecretWrite{{Name: "tok", Value: "fresh-9d8c7b", Created: true}}, r.d.Changes().SecretWrites)
	require.Equal(t, obj{"_secrets": "***"}, st.Task.InputData)
	use := r.attempt("use")
	require.Equal(t, obj{"h": "***"}, use.Task.InputData)
	require.Equal(t, obj{"h": "fresh-9d8c7b"}, use.RealInput, "later tasks of the decision see the new value")

	for _, tc := range []struct {
		name, value, reason string
		mem                 *memory
	}{
		{"no right to update", "v", "Security Error: rotator (app-1), whom the workflow runs as, has no UPDATE access to secret tok",
			&memory{secrets: map[string]string{"tok": "old"}, readonly: map[string]bool{"tok": true}}},
		{"too large", string(make([]byte, 65)), "UPDATE_SECRET value for secret tok is larger than 64 bytes", &memory{}},
		{"empty", "", "UPDATE_SECRET got no value for secret tok (inputParameters._secrets.secretValue is missing or empty)", &memory{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			def := workflow(wt("store", conductor.TaskTypeUpdateSecret, obj{"_secrets": obj{"secretKey": "tok", "secretValue": tc.value}}))
			r := startWith(t, def, nil, tc.mem)
			require.Equal(t, conductor.TaskFailedWithTerminalError, r.attempt("store").Task.Status)
			require.Equal(t, tc.reason, r.attempt("store").Task.ReasonForIncompletion)
			require.Empty(t, r.d.Changes().SecretWrites)
		})
	}
}

func TestInlineTasksRunInTheDecision(t *testing.T) {
	t.Parallel()
	def := workflow(
		wt("calc", "INLINE", obj{"value": "${workflow.input.n}"}),
		wt("vars", conductor.TaskTypeSetVariable, obj{"seen": "${calc.output.result}"}),
		simpleTask("w", obj{"v": "${workflow.variables.seen}"}),
	)
	r := start(t, def, obj{"n": 5})
	require.Equal(t, []string{"calc", "vars", "w"}, r.refs(), "one decision runs every inline task up to the worker task")
	require.Equal(t, `{"result":5}`, jsonOf(t, r.attempt("calc").Task.OutputData))
	require.Equal(t, `{"seen":5}`, jsonOf(t, r.d.Workflow.Variables))
	require.Equal(t, `{"v":5}`, jsonOf(t, r.attempt("w").Task.InputData))
}

func TestWaitCompletesAtItsDeadline(t *testing.T) {
	t.Parallel()
	r := start(t, workflow(wt("pause", conductor.TaskTypeWait, obj{"duration": "10s"}), simpleTask("after", nil)), nil)
	w := r.attempt("pause")
	require.Equal(t, conductor.TaskInProgress, w.Task.Status)
	require.Equal(t, epoch.Add(10*time.Second).UnixMilli(), r.d.NextCheckAt().UnixMilli())
	r.at(9 * time.Second)
	require.Equal(t, []string{"pause"}, r.refs())
	r.at(10 * time.Second)
	require.Equal(t, conductor.TaskCompleted, w.Task.Status)
	require.Equal(t, []string{"pause", "after"}, r.refs())

	bad := start(t, workflow(wt("pause", conductor.TaskTypeWait, obj{"duration": "soon"})), nil)
	require.Equal(t, conductor.TaskFailedWithTerminalError, bad.attempt("pause").Task.Status)
	require.Contains(t, bad.attempt("pause").Task.ReasonForIncompletion, "Invalid WAIT input: ")
}

func TestUnsupportedTypeFailsForGood(t *testing.T) {
	t.Parallel()
	r := start(t, workflow(wt("f", conductor.TaskTypeKafkaPublish, nil)), nil)
	f := r.attempt("f")
	require.Equal(t, conductor.TaskFailedWithTerminalError, f.Task.Status)
	require.Equal(t, "task type KAFKA_PUBLISH (taskReferenceName: f) is not supported by this server", f.Task.ReasonForIncompletion)
	require.Empty(t, f.QueueName, "a reserved system type is never a worker queue")
	require.Equal(t, conductor.WorkflowFailed, r.status())
}

// An input that cannot be evaluated fails the task for good, with the reason, instead of
// running it with an empty input.
func TestInputEvaluationErrorFailsTheTask(t *testing.T) {
	t.Parallel()
	// Not a JSON value: definitions decoded from JSON never hold one, but nothing may turn an
	// evaluation error into a run.
	r := start(t, workflow(simpleTask("t", obj{"bad": struct{}{}})), nil)
	task := r.attempt("t")
	require.Equal(t, conductor.TaskFailedWithTerminalError, task.Task.Status)
	require.Contains(t, task.Task.ReasonForIncompletion, "Error evaluating the input parameters: ")
	require.Empty(t, task.QueueName, "never queued for a worker")
	require.Empty(t, task.Task.InputData)
}

// A decision reads of the settled history only what its templates reference.
func TestSettledHistoryIsReadOnDemand(t *testing.T) {
	t.Parallel()
	def := workflow(simpleTask("a", nil), simpleTask("x", nil), simpleTask("b", nil), simpleTask("c", obj{"v": "${a.output.v}"}))
	settled := func(seq int, ref string, out obj) *Attempt {
		return &Attempt{Compact: true, Task: &conductor.Task{TaskID: "old-" + ref, Seq: seq, ReferenceTaskName: ref, TaskType: ref,
			Status: conductor.TaskCompleted, Executed: true, OutputData: out, WorkflowTask: conductor.IndexOf(def).Task(ref)}}
	}
	mem := &memory{settled: []*Attempt{settled(1, "a", obj{"v": "from a"}), settled(2, "x", obj{"v": "from x"})}}
	b := &Attempt{Task: &conductor.Task{TaskID: "b-1", Seq: 3, ReferenceTaskName: "b", TaskType: "b", Status: conductor.TaskCompleted,
		WorkflowTask: conductor.IndexOf(def).Task("b"), OutputData: obj{}}}
	wf := &conductor.Workflow{WorkflowID: "wf-1", Status: conductor.WorkflowRunning, Input: obj{}}
	d := New(testConfig(), mem, State{Workflow: wf, Def: def, Tasks: []*Attempt{b}, Partial: true, MaxSeq: 3}, epoch)
	d.Decide()
	require.NoError(t, d.Err())
	c := d.Latest("c")
	require.Equal(t, obj{"v": "from a"}, c.Task.InputData)
	require.Equal(t, 4, c.Task.Seq, "after the newest seq of the whole workflow")
	var refs []string
	for _, a := range d.Tasks {
		refs = append(refs, a.Task.ReferenceTaskName)
	}
	require.Equal(t, []string{"a", "b", "c"}, refs, "x was never read")
	require.Equal(t, 1, mem.loads, "only a's documents were loaded")
}

func TestAnInterruptedDecisionStops(t *testing.T) {
	t.Parallel()
	mem := &memory{interrupted: true}
	wf := &conductor.Workflow{WorkflowID: "wf-1", Status: conductor.WorkflowRunning, Input: obj{}}
	d := New(testConfig(), mem, State{Workflow: wf, Def: workflow(wt("calc", "INLINE", obj{"value": 1}))}, epoch)
	d.Begin(nil)
	d.Decide()
	require.Equal(t, conductor.TaskScheduled, d.Latest("calc").Task.Status, "nothing ran")
}

// The document members a decision encodes are reused until what they show changes.
func TestDocumentMembersAreEncodedOncePerChange(t *testing.T) {
	t.Parallel()
	r := start(t, workflow(simpleTask("a", nil), simpleTask("b", obj{"v": "${a.output.v}"})), obj{"k": 1})
	a := r.attempt("a")
	first := r.d.encodedTask(a)
	require.Same(t, &first[0], &r.d.encodedTask(a)[0], "unchanged: encoded once")
	wf := r.d.encodedWorkflow()
	require.Same(t, &wf[0], &r.d.encodedWorkflow()[0])
	r.complete("a", obj{"v": "new"})
	require.Contains(t, string(r.d.encodedTask(a)), `"new"`, "a change is seen")
	require.Equal(t, obj{"v": "new"}, r.attempt("b").Task.InputData)
	r.d.Terminate("stop")
	require.Contains(t, string(r.d.encodedWorkflow()), `"TERMINATED"`)
}

// A worker's reason is kept to 500 bytes, cut on a character boundary and marked.
func TestLongReasonsAreCut(t *testing.T) {
	t.Parallel()
	r := start(t, workflow(simpleTask("a", nil)), nil)
	r.report("a", conductor.TaskFailedWithTerminalError, nil, strings.Repeat("é", 400))
	reason := r.attempt("a").Task.ReasonForIncompletion
	require.Equal(t, strings.Repeat("é", 250)+"…", reason)
}

// Conductor names the workflow's status in the reason: a terminal error "failed with status:
// FAILED"; a timeout TIMED_OUT; a cancellation TERMINATED.
func TestFailureReasonNamesTheWorkflowStatus(t *testing.T) {
	t.Parallel()
	for status, want := range map[conductor.TaskStatus]conductor.WorkflowStatus{
		conductor.TaskFailedWithTerminalError: conductor.WorkflowFailed,
		conductor.TaskCanceled:                conductor.WorkflowTerminated,
	} {
		r := start(t, workflow(simpleTask("a", nil)), nil)
		r.report("a", status, nil, "down")
		require.Equal(t, want, r.status())
		require.Equal(t, "Task "+r.attempt("a").Task.TaskID+" failed with status: "+string(want)+" and reason: 'down'", r.d.Workflow.ReasonForIncompletion)
	}
}
