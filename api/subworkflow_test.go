package api_test

// Black-box tests of SUB_WORKFLOW through the REST API (Conductor's SubWorkflowSpec): the child
// started with its parent, its end carried to the parent task, termination both ways, inline
// definitions, dynamic forks of sub-workflows, and secrets passed down.

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// childDef is a one-task child workflow (integration_task_5 as c1) whose output is the task's.
func childDef(name string) obj {
	def := workflowDef(name, workerTask("c1", 5, obj{"in": "${workflow.input.order}"}))
	def["outputParameters"] = obj{"shipped": "${c1.output.shipped}"}
	return def
}

// parentDef runs child as sub and then integration_task_6 reading the child's output.
func parentDef(name, child string) obj {
	return workflowDef(name,
		task("sub", "SUB_WORKFLOW", "subWorkflowParam", obj{"name": child, "version": 1},
			"inputParameters", obj{"order": "${workflow.input.order}"}),
		workerTask("after", 6, obj{"shipped": "${sub.output.shipped}"}))
}

func startParent(t *testing.T, b *testBundle, taskDefs ...obj) (parentID, childID string) {
	t.Helper()
	b.registerIntegrationTasks(7)
	if len(taskDefs) > 0 {
		b.registerTaskDefs(taskDefs...)
	}
	b.createWorkflow(childDef("sub_child"))
	b.createWorkflow(parentDef("sub_parent", "sub_child"))
	parentID = b.startWorkflow("sub_parent", obj{"order": "o-9"})
	sub := taskByRef(t, b.execution(parentID), "sub")
	require.Equal(t, "IN_PROGRESS", sub["status"])
	require.Equal(t, "SUB_WORKFLOW", sub["taskType"])
	childID, _ = sub["subWorkflowId"].(string)
	require.Regexp(t, uuidPattern, childID)
	require.Equal(t, obj{"subWorkflowId": childID}, sub["outputData"])
	return parentID, childID
}

func TestSubWorkflowRunsToCompletion(t *testing.T) {
	t.Parallel()
	b := setup(t)
	parentID, childID := startParent(t, b)
	child := b.requireWorkflowStatus(childID, "RUNNING")
	require.Equal(t, parentID, child["parentWorkflowId"])
	require.Equal(t, taskByRef(t, b.execution(parentID), "sub")["taskId"], child["parentWorkflowTaskId"])
	require.Equal(t, obj{"order": "o-9"}, child["input"])

	c1 := b.pollTask(itName(5))
	require.Equal(t, obj{"in": "o-9"}, c1["inputData"])
	b.completeTask(c1, obj{"shipped": true})
	b.requireWorkflowStatus(childID, "COMPLETED")

	parent := b.execution(parentID)
	sub := taskByRef(t, parent, "sub")
	require.Equal(t, "COMPLETED", sub["status"], "the child's end reaches its parent at once")
	require.Equal(t, obj{"shipped": true, "subWorkflowId": childID}, sub["outputData"])
	require.Equal(t, obj{"shipped": true}, taskByRef(t, parent, "after")["inputData"])
	b.pollAndComplete(itName(6), nil)
	b.requireWorkflowStatus(parentID, "COMPLETED")
}

func TestSubWorkflowFailureAndTermination(t *testing.T) {
	t.Parallel()
	t.Run("the child fails", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		parentID, childID := startParent(t, b, integrationTaskDef(5, "retryCount", 0))
		b.failTask(b.pollTask(itName(5)), "warehouse closed")
		b.requireWorkflowStatus(childID, "FAILED")
		parent := b.requireWorkflowStatus(parentID, "FAILED")
		sub := taskByRef(t, parent, "sub")
		require.Equal(t, "FAILED", sub["status"])
		child := b.execution(childID)
		require.Equal(t, "Sub workflow sub_child.1/"+childID+" failure reason: "+child["reasonForIncompletion"].(string),
			sub["reasonForIncompletion"], "the child named as Conductor's toShortString: name.version/id")
		require.Contains(t, sub["reasonForIncompletion"], "warehouse closed")
	})
	t.Run("the child is terminated", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		parentID, childID := startParent(t, b)
		b.terminate(childID, "operator")
		parent := b.requireWorkflowStatus(parentID, "TERMINATED")
		require.Equal(t, "CANCELED", taskByRef(t, parent, "sub")["status"])
	})
	t.Run("the parent is terminated", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		parentID, childID := startParent(t, b)
		b.terminate(parentID, "operator")
		child := b.requireWorkflowStatus(childID, "TERMINATED")
		require.Equal(t, "Parent workflow has been terminated with reason: operator", child["reasonForIncompletion"])
		b.requireNothingToPoll(itName(5))
	})
	t.Run("no such child definition", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		b.registerIntegrationTasks(7)
		b.createWorkflow(childDef("sub_child"))
		b.createWorkflow(parentDef("orphan_parent", "sub_child"))
		requireStatus(t, b.do(http.MethodDelete, workflowPath+"/sub_child/1", nil), http.StatusOK)
		id := b.startWorkflow("orphan_parent", obj{"order": "x"})
		wf := b.requireWorkflowStatus(id, "FAILED")
		require.Contains(t, taskByRef(t, wf, "sub")["reasonForIncompletion"], "Failed to start sub workflow sub_child")
	})
}

func TestSubWorkflowInlineDefinitionCompletesInTheStart(t *testing.T) {
	t.Parallel()
	b := setup(t)
	inline := workflowDef("inline_child", inlineTask("calc", "$.n * 3", "n", "${workflow.input.n}"))
	inline["outputParameters"] = obj{"tripled": "${calc.output.result}"}
	b.createWorkflow(workflowDef("inline_parent",
		task("sub", "SUB_WORKFLOW", "subWorkflowParam", obj{"name": "inline_child", "workflowDefinition": inline},
			"inputParameters", obj{"n": 5})))
	id := b.startWorkflow("inline_parent", nil)
	wf := b.requireWorkflowStatus(id, "COMPLETED")
	sub := taskByRef(t, wf, "sub")
	require.Equal(t, num(15), dig(t, sub, "outputData", "tripled"), "a child of inline tasks ends within its parent's start")
	b.requireWorkflowStatus(sub["subWorkflowId"].(string), "COMPLETED")
}

func TestDynamicForkOfSubWorkflows(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.registerIntegrationTasks(7)
	b.createWorkflow(childDef("per_order"))
	b.createWorkflow(workflowDef("fan_orders",
		task("fan", "FORK_JOIN_DYNAMIC", "inputParameters", obj{"forkTaskWorkflow": "per_order", "forkTaskWorkflowVersion": "1",
			"forkTaskInputs": "${workflow.input.orders}"}),
		task("fan_join", "JOIN")))
	id := b.startWorkflow("fan_orders", obj{"orders": arr{obj{"order": "a"}, obj{"order": "b"}}})
	wf := b.execution(id)
	require.Equal(t, []string{"fan:COMPLETED", "_per_order_0:IN_PROGRESS", "_per_order_1:IN_PROGRESS", "fan_join:IN_PROGRESS"}, refsAndStatuses(t, wf))
	for range 2 {
		b.pollAndComplete(itName(5), obj{"shipped": true})
	}
	wf = b.requireWorkflowStatus(id, "COMPLETED")
	join := taskByRef(t, wf, "fan_join")
	require.Equal(t, true, dig(t, join, "outputData", "_per_order_0", "shipped"))
	require.Equal(t, true, dig(t, join, "outputData", "_per_order_1", "shipped"))
}

func TestSecretsPassedToASubWorkflowStayMasked(t *testing.T) {
	t.Parallel()
	b := setup(t)
	const value = "passed-down-s3cr3t"
	b.putSecret("down", `"`+value+`"`)
	b.registerIntegrationTasks(7)
	b.createWorkflow(childDef("secret_child"))
	b.createWorkflow(workflowDef("secret_parent",
		task("sub", "SUB_WORKFLOW", "subWorkflowParam", obj{"name": "secret_child"},
			"inputParameters", obj{"order": "${workflow.secrets.down}"})))
	parentID := b.startWorkflow("secret_parent", nil)
	childID := taskByRef(t, b.execution(parentID), "sub")["subWorkflowId"].(string)
	c1 := b.pollTask(itName(5))
	require.Equal(t, obj{"in": value}, c1["inputData"], "the child's worker gets the real value")
	b.completeTask(c1, obj{"shipped": "with " + value})
	b.requireWorkflowStatus(parentID, "COMPLETED")
	b.requireNotShown(value, executionPath+"/"+parentID, executionPath+"/"+childID)
}

func TestStartWorkflowAndHumanTasks(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.registerIntegrationTasks(7)
	b.createWorkflow(childDef("started_later"))
	b.createWorkflow(workflowDef("kicker",
		task("kick", "START_WORKFLOW", "inputParameters", obj{"startWorkflow": obj{"name": "started_later", "version": 1,
			"input": obj{"order": "${workflow.input.order}"}}}),
		task("approve", "HUMAN", "inputParameters", obj{"started": "${kick.output.workflowId}"}),
		workerTask("after", 6, obj{"approved": "${approve.output.approved}"})))
	id := b.startWorkflow("kicker", obj{"order": "o-5"})
	wf := b.execution(id)
	kick := taskByRef(t, wf, "kick")
	require.Equal(t, "COMPLETED", kick["status"], "fire and forget")
	started := kick["outputData"].(obj)["workflowId"].(string)
	other := b.requireWorkflowStatus(started, "RUNNING")
	require.Equal(t, obj{"order": "o-5"}, other["input"])
	require.NotContains(t, other, "parentWorkflowId", "a started workflow is not a child")

	human := taskByRef(t, wf, "approve")
	require.Equal(t, "IN_PROGRESS", human["status"])
	require.Equal(t, obj{"started": started}, human["inputData"])
	b.requireNothingToPoll("HUMAN")
	b.advance(time.Hour)
	require.Equal(t, "IN_PROGRESS", taskByRef(t, b.execution(id), "approve")["status"], "only the task API completes it")
	b.updateTask(human, "COMPLETED", obj{"approved": true})
	require.Equal(t, obj{"approved": true}, taskByRef(t, b.execution(id), "after")["inputData"])
	b.pollAndComplete(itName(6), nil)
	b.requireWorkflowStatus(id, "COMPLETED")
}

func TestSubWorkflowParamsPassDown(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.registerIntegrationTasks(7)
	b.createWorkflow(childDef("params_child"))
	b.createWorkflow(workflowDef("params_parent",
		task("sub", "SUB_WORKFLOW", "subWorkflowParam", obj{"name": "params_child", "version": 1,
			"priority": "${workflow.input.p}", "taskToDomain": obj{"*": "child_dom"},
			"idempotencyKey": "order-${workflow.input.order}", "idempotencyStrategy": "RETURN_EXISTING"},
			"inputParameters", obj{"order": "${workflow.input.order}"})))

	first := b.startWorkflow("params_parent", obj{"order": "o-1", "p": 7})
	sub := taskByRef(t, b.execution(first), "sub")
	childID := sub["subWorkflowId"].(string)
	child := b.execution(childID)
	require.Equal(t, num(7), child["priority"])
	require.Equal(t, obj{"*": "child_dom"}, child["taskToDomain"])
	require.Equal(t, "order-o-1", child["idempotencyKey"])
	require.Equal(t, num(7), sub["inputData"].(obj)["priority"])
	b.requireNothingToPoll(itName(5))
	require.NotNil(t, b.pollDomain(itName(5), "child_dom", "w1"), "the child's task is in its own domain")

	// The same key with RETURN_EXISTING: the second parent waits on the first one's child.
	second := b.startWorkflow("params_parent", obj{"order": "o-1", "p": 3})
	require.Equal(t, childID, taskByRef(t, b.execution(second), "sub")["subWorkflowId"])

	// A priority out of range fails the task with a reason, not the server.
	bad := b.startWorkflow("params_parent", obj{"order": "o-2", "p": 120})
	wf := b.requireWorkflowStatus(bad, "FAILED")
	require.Contains(t, taskByRef(t, wf, "sub")["reasonForIncompletion"], "priority must be an integer from 0 to 99")
}

func TestSubWorkflowInlineDefinitionFromAnExpression(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.createWorkflow(workflowDef("expr_parent",
		task("sub", "SUB_WORKFLOW", "subWorkflowParam", obj{"name": "made_up", "workflowDefinition": "${workflow.input.def}"},
			"inputParameters", obj{"a": "${workflow.input.a}"})))
	def := workflowDef("made_up", inlineTask("calc", "$.a * 10"))
	def["outputParameters"] = obj{"v": "${calc.output.result}"}
	id := b.startWorkflow("expr_parent", obj{"a": 4, "def": def})
	wf := b.requireWorkflowStatus(id, "COMPLETED")
	require.Equal(t, num(40), taskByRef(t, wf, "sub")["outputData"].(obj)["v"])
}

func TestSubWorkflowParentReadsItsChildsRealOutputMasked(t *testing.T) {
	t.Parallel()
	b := setup(t)
	value := randomValue(t, "child-token-")
	b.maskPutSecret("child_tok", value)
	b.registerIntegrationTasks(1)
	child := workflowDef("secret_child", inlineTask("peek", "$.t", "t", "${workflow.secrets.child_tok}"))
	child["outputParameters"] = obj{"token": "${peek.output.result}"}
	b.createWorkflow(child)
	b.createWorkflow(workflowDef("secret_parent",
		task("sub", "SUB_WORKFLOW", "subWorkflowParam", obj{"name": "secret_child"}),
		workerTask("use", 0, obj{"auth": "Bearer ${sub.output.token}"})))

	id := b.startWorkflow("secret_parent", obj{})
	use := b.pollTask(itName(0))
	require.Equal(t, obj{"auth": "Bearer " + value}, use["inputData"], "the worker gets the child's real output")
	b.completeTask(use, obj{})
	wf := b.requireWorkflowStatus(id, "COMPLETED")
	sub := taskByRef(t, wf, "sub")
	require.Equal(t, "***", sub["outputData"].(obj)["token"])
	require.Equal(t, obj{"auth": "Bearer ***"}, taskByRef(t, wf, "use")["inputData"])
	childWF := b.execution(sub["subWorkflowId"].(string))
	require.Equal(t, obj{"token": "***"}, childWF["output"])
	requireNoValues(t, "API responses", b.maskSurfaces(id, sub["subWorkflowId"].(string)), value)
	requireNoValues(t, "the database", b.maskDump(), value)
	requireNoValues(t, "server log", b.logs.String(), value)
}
