package decide

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/podiumhq/podium/internal/conductor"
)

func subWorkflow(ref, name string, input obj) conductor.WorkflowTask {
	s := wt(ref, conductor.TaskTypeSubWorkflow, input)
	v := 2
	s.SubWorkflowParam = &conductor.SubWorkflowParams{Name: name, Version: &v}
	return s
}

// childEnds ends the child of ref's SUB_WORKFLOW task as status with output and reason, and
// decides the parent (as the child's end wakes it).
func (r *run) childEnds(ref string, status conductor.WorkflowStatus, output obj, reason string) {
	r.t.Helper()
	child := r.mem.children[r.attempt(ref).Task.SubWorkflowID]
	require.NotNil(r.t, child)
	child.Status, child.Output, child.ReasonForIncompletion = status, output, reason
	r.d.checkedChildren = nil // a new decision
	r.d.Decide()
	require.NoError(r.t, r.d.Err())
}

func TestSubWorkflowStartsItsChildInTheDecision(t *testing.T) {
	t.Parallel()
	mem := &memory{}
	def := workflow(subWorkflow("sub", "child_wf", obj{"order": "${workflow.input.order}"}), simpleTask("after", obj{"r": "${sub.output.result}"}))
	r := startWith(t, def, obj{"order": 7}, mem)
	sub := r.attempt("sub")
	require.Equal(t, conductor.TaskInProgress, sub.Task.Status)
	require.Equal(t, "child-1", sub.Task.SubWorkflowID)
	require.Equal(t, obj{"subWorkflowId": "child-1"}, sub.Task.OutputData)
	require.Len(t, mem.childRequests, 1)
	req := mem.childRequests[0]
	require.Equal(t, "child_wf", req.Name)
	require.Equal(t, 2, *req.Version)
	require.JSONEq(t, `{"order": 7}`, jsonOf(t, req.Input))
	require.Equal(t, "wf-1", req.ParentWorkflowID)
	require.Equal(t, sub.Task.TaskID, req.ParentWorkflowTaskID)
	require.Equal(t, "app-1", req.RunAs, "the child runs as its parent's principal")
	require.JSONEq(t, `{"subWorkflowName": "child_wf", "subWorkflowVersion": 2, "workflowInput": {"order": 7}}`, jsonOf(t, sub.Task.InputData))
	require.Empty(t, sub.QueueName, "never a worker queue")

	r.childEnds("sub", conductor.WorkflowCompleted, obj{"result": "shipped"}, "")
	require.Equal(t, conductor.TaskCompleted, sub.Task.Status)
	require.Equal(t, obj{"result": "shipped", "subWorkflowId": "child-1"}, sub.Task.OutputData)
	require.JSONEq(t, `{"r": "shipped"}`, jsonOf(t, r.attempt("after").Task.InputData))
}

func TestSubWorkflowEndsAsItsChild(t *testing.T) {
	t.Parallel()
	for status, want := range map[conductor.WorkflowStatus][2]string{
		conductor.WorkflowFailed:     {string(conductor.TaskFailed), string(conductor.WorkflowFailed)},
		conductor.WorkflowTimedOut:   {string(conductor.TaskTimedOut), string(conductor.WorkflowTimedOut)},
		conductor.WorkflowTerminated: {string(conductor.TaskCanceled), string(conductor.WorkflowTerminated)},
	} {
		r := startWith(t, workflow(subWorkflow("sub", "child_wf", nil)), nil, &memory{})
		r.childEnds("sub", status, obj{}, "card declined")
		sub := r.attempt("sub")
		require.Equal(t, conductor.TaskStatus(want[0]), sub.Task.Status, status)
		require.Equal(t, "Sub workflow child_wf.1/child-1 failure reason: card declined", sub.Task.ReasonForIncompletion)
		require.Equal(t, conductor.WorkflowStatus(want[1]), r.status())
	}
}

func TestSubWorkflowStartRefused(t *testing.T) {
	t.Parallel()
	mem := &memory{refuseChild: map[string]bool{"missing": true}}
	r := startWith(t, workflow(subWorkflow("sub", "missing", nil)), nil, mem)
	require.Equal(t, conductor.WorkflowFailed, r.status())
	require.Contains(t, r.attempt("sub").Task.ReasonForIncompletion, "Failed to start sub workflow missing: No such workflow defined")
}

func TestTerminatingAParentEndsItsChildren(t *testing.T) {
	t.Parallel()
	r := startWith(t, workflow(fork("f", []string{"a", "b"}, branch(subWorkflow("a", "one", nil)), branch(subWorkflow("b", "two", nil)))...), nil, &memory{})
	r.d.Terminate("operator")
	require.Equal(t, []ChildEnd{
		{WorkflowID: "child-1", Reason: "Parent workflow has been terminated with reason: operator"},
		{WorkflowID: "child-2", Reason: "Parent workflow has been terminated with reason: operator"},
	}, r.d.Changes().EndChildren)
}

func TestSecretsPassedToAChildStayMasked(t *testing.T) {
	t.Parallel()
	mem := &memory{secrets: map[string]string{"token": "child-s3cr3t"}}
	r := startWith(t, workflow(subWorkflow("sub", "child_wf", obj{"auth": "${workflow.secrets.token}"})), nil, mem)
	req := mem.childRequests[0]
	require.Equal(t, "child-s3cr3t", req.Input["auth"], "the child gets the real value")
	require.Contains(t, req.Masks, "child-s3cr3t", "and masks it as its parent does")
	require.NotContains(t, jsonOf(t, r.attempt("sub").Task.InputData), "child-s3cr3t")
}

func TestStartWorkflowFiresAndForgets(t *testing.T) {
	t.Parallel()
	mem := &memory{}
	start := wt("kick", conductor.TaskTypeStartWorkflow, obj{"startWorkflow": obj{"name": "other", "input": obj{"x": "${workflow.input.x}"}}})
	r := startWith(t, workflow(start, simpleTask("after", obj{"id": "${kick.output.workflowId}"})), obj{"x": 3}, mem)
	kick := r.attempt("kick")
	require.Equal(t, conductor.TaskCompleted, kick.Task.Status)
	require.Equal(t, obj{"workflowId": "child-1"}, kick.Task.OutputData)
	req := mem.childRequests[0]
	require.Equal(t, "other", req.Name)
	require.Empty(t, req.ParentWorkflowID, "a started workflow is not a child")
	require.Equal(t, "app-1", req.RunAs)
	require.JSONEq(t, `{"id": "child-1"}`, jsonOf(t, r.attempt("after").Task.InputData))

	bad := startWith(t, workflow(wt("kick", conductor.TaskTypeStartWorkflow, obj{"startWorkflow": "nope"})), nil, &memory{})
	require.Equal(t, conductor.WorkflowFailed, bad.status())
}

func TestHumanTaskWaitsForTheTaskAPI(t *testing.T) {
	t.Parallel()
	r := start(t, workflow(wt("approve", conductor.TaskTypeHuman, obj{"who": "ops"}), simpleTask("after", obj{"ok": "${approve.output.approved}"})), nil)
	h := r.attempt("approve")
	require.Equal(t, conductor.TaskInProgress, h.Task.Status)
	require.Empty(t, h.QueueName, "no worker polls it")
	r.at(48 * time.Hour)
	require.Equal(t, conductor.TaskInProgress, h.Task.Status, "no timer ends it")
	r.d.ApplyResult(h, &conductor.TaskResult{TaskID: h.Task.TaskID, Status: conductor.TaskCompleted, OutputData: obj{"approved": true}})
	r.d.Decide()
	require.JSONEq(t, `{"ok": true}`, jsonOf(t, r.attempt("after").Task.InputData))
}
