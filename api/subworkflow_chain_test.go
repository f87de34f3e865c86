package api_test

// Black-box tests of operator actions across three levels of sub-workflows (Conductor's
// SubWorkflowRetrySpec, SubWorkflowRestartSpec and SubWorkflowRerunSpec): root → mid → leaf,
// the leaf's second task failed, so all three ended FAILED; each action is taken on one level
// and the chain must run to completion again.

import (
	"context"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"
)

// chain is a failed root → mid → leaf execution.
type chain struct {
	root, mid, leaf string
}

// failedChain registers the three levels and runs them until the leaf's l2 fails:
// root = r1 (type 4), sub mid; mid = m1 (type 3), sub leaf; leaf = l1 (type 1), l2 (type 2).
func failedChain(t *testing.T, b *testBundle) chain {
	t.Helper()
	b.registerIntegrationTasks(5)
	b.registerTaskDefs(integrationTaskDef(2, "retryCount", 0))
	leaf := workflowDef("chain_leaf", workerTask("l1", 1, obj{}), workerTask("l2", 2, obj{}))
	leaf["outputParameters"] = obj{"l2": "${l2.output.v}"}
	b.createWorkflow(leaf)
	mid := workflowDef("chain_mid", workerTask("m1", 3, obj{}),
		task("to_leaf", "SUB_WORKFLOW", "subWorkflowParam", obj{"name": "chain_leaf"}))
	mid["outputParameters"] = obj{"l2": "${to_leaf.output.l2}"}
	b.createWorkflow(mid)
	root := workflowDef("chain_root", workerTask("r1", 4, obj{}),
		task("to_mid", "SUB_WORKFLOW", "subWorkflowParam", obj{"name": "chain_mid"}))
	root["outputParameters"] = obj{"l2": "${to_mid.output.l2}"}
	b.createWorkflow(root)

	var c chain
	c.root = b.startWorkflow("chain_root", obj{})
	b.pollAndComplete(itName(4), nil)
	c.mid = taskByRef(t, b.execution(c.root), "to_mid")["subWorkflowId"].(string)
	b.pollAndComplete(itName(3), nil)
	c.leaf = taskByRef(t, b.execution(c.mid), "to_leaf")["subWorkflowId"].(string)
	b.pollAndComplete(itName(1), nil)
	b.failTask(b.pollTask(itName(2)), "boom")
	for _, id := range []string{c.leaf, c.mid, c.root} {
		b.requireWorkflowStatus(id, "FAILED")
	}
	return c
}

// requireWaitsOn checks that parent runs again, its SUB_WORKFLOW task ref waiting in place
// (the same attempt, no new one) on child.
func (b *testBundle) requireWaitsOn(parent, ref, child string) {
	b.t.Helper()
	wf := b.requireWorkflowStatus(parent, "RUNNING")
	attempts := attemptsOf(b.t, wf, ref)
	require.Len(b.t, attempts, 1, "the SUB_WORKFLOW task is resumed, not attempted again")
	require.Equal(b.t, "IN_PROGRESS", attempts[0]["status"])
	require.Equal(b.t, child, attempts[0]["subWorkflowId"])
	require.Empty(b.t, wf["reasonForIncompletion"])
}

// requireChainCompleted checks that all three levels completed with the leaf's output.
func (b *testBundle) requireChainCompleted(c chain, v string) {
	b.t.Helper()
	for _, id := range []string{c.leaf, c.mid, c.root} {
		wf := b.requireWorkflowStatus(id, "COMPLETED")
		require.Equal(b.t, obj{"l2": v}, wf["output"])
	}
}

func (b *testBundle) operate(path string, body any) {
	b.t.Helper()
	resp := b.do(http.MethodPost, executionPath+"/"+path, body)
	require.Contains(b.t, []int{http.StatusOK, http.StatusNoContent}, resp.Status, string(resp.Body))
}

func TestSubWorkflowChainRetry(t *testing.T) {
	t.Parallel()
	t.Run("the root, with resumeSubworkflowTasks: the leaf is retried", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		c := failedChain(t, b)
		b.operate(c.root+"/retry?resumeSubworkflowTasks=true", nil)
		require.Len(t, attemptsOf(t, b.requireWorkflowStatus(c.leaf, "RUNNING"), "l2"), 2)
		b.requireWaitsOn(c.mid, "to_leaf", c.leaf)
		b.requireWaitsOn(c.root, "to_mid", c.mid)
		b.pollAndComplete(itName(2), obj{"v": "resumed"})
		b.requireChainCompleted(c, "resumed")
	})
	t.Run("the root, without: a new mid-level child", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		c := failedChain(t, b)
		b.operate(c.root+"/retry", nil)
		attempts := attemptsOf(t, b.requireWorkflowStatus(c.root, "RUNNING"), "to_mid")
		require.Len(t, attempts, 2)
		newMid := attempts[1]["subWorkflowId"].(string)
		require.NotEqual(t, c.mid, newMid)
		b.pollAndComplete(itName(3), nil)
		newLeaf := taskByRef(t, b.execution(newMid), "to_leaf")["subWorkflowId"].(string)
		b.pollAndComplete(itName(1), nil)
		b.pollAndComplete(itName(2), obj{"v": "fresh"})
		b.requireChainCompleted(chain{root: c.root, mid: newMid, leaf: newLeaf}, "fresh")
		b.requireWorkflowStatus(c.mid, "FAILED")
	})
	t.Run("the leaf: its parents resume", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		c := failedChain(t, b)
		b.operate(c.leaf+"/retry", nil)
		b.requireWaitsOn(c.mid, "to_leaf", c.leaf)
		b.requireWaitsOn(c.root, "to_mid", c.mid)
		b.pollAndComplete(itName(2), obj{"v": "leaf"})
		b.requireChainCompleted(c, "leaf")
	})
	t.Run("the mid level, with resumeSubworkflowTasks", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		c := failedChain(t, b)
		b.operate(c.mid+"/retry?resumeSubworkflowTasks=true", nil)
		b.requireWaitsOn(c.mid, "to_leaf", c.leaf)
		b.requireWaitsOn(c.root, "to_mid", c.mid)
		b.pollAndComplete(itName(2), obj{"v": "mid"})
		b.requireChainCompleted(c, "mid")
	})
}

func TestSubWorkflowChainRestartAndRerun(t *testing.T) {
	t.Parallel()
	t.Run("restart the mid level: a new leaf, the root resumes", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		c := failedChain(t, b)
		b.operate(c.mid+"/restart", nil)
		b.requireWaitsOn(c.root, "to_mid", c.mid)
		b.pollAndComplete(itName(3), nil)
		newLeaf := taskByRef(t, b.execution(c.mid), "to_leaf")["subWorkflowId"].(string)
		require.NotEqual(t, c.leaf, newLeaf)
		b.pollAndComplete(itName(1), nil)
		b.pollAndComplete(itName(2), obj{"v": "restarted"})
		b.requireChainCompleted(chain{root: c.root, mid: c.mid, leaf: newLeaf}, "restarted")
	})
	t.Run("restart the leaf: both parents resume", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		c := failedChain(t, b)
		b.operate(c.leaf+"/restart", nil)
		b.requireWaitsOn(c.mid, "to_leaf", c.leaf)
		b.requireWaitsOn(c.root, "to_mid", c.mid)
		b.pollAndComplete(itName(1), nil)
		b.pollAndComplete(itName(2), obj{"v": "again"})
		b.requireChainCompleted(c, "again")
	})
	t.Run("restart the root: new children", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		c := failedChain(t, b)
		b.operate(c.root+"/restart", nil)
		b.pollAndComplete(itName(4), nil)
		newMid := taskByRef(t, b.execution(c.root), "to_mid")["subWorkflowId"].(string)
		require.NotEqual(t, c.mid, newMid)
		b.pollAndComplete(itName(3), nil)
		newLeaf := taskByRef(t, b.execution(newMid), "to_leaf")["subWorkflowId"].(string)
		b.pollAndComplete(itName(1), nil)
		b.pollAndComplete(itName(2), obj{"v": "new"})
		b.requireChainCompleted(chain{root: c.root, mid: newMid, leaf: newLeaf}, "new")
	})
	t.Run("rerun the root from a task of the leaf", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		c := failedChain(t, b)
		l2 := taskByRef(t, b.execution(c.leaf), "l2")["taskId"].(string)
		resp := b.do(http.MethodPost, executionPath+"/"+c.root+"/rerun", obj{"reRunFromWorkflowId": c.root, "reRunFromTaskId": l2})
		requireStatus(t, resp, http.StatusOK)
		require.Equal(t, c.root, string(resp.Body))
		leaf := b.requireWorkflowStatus(c.leaf, "RUNNING")
		require.Equal(t, "COMPLETED", taskByRef(t, leaf, "l1")["status"], "the leaf reruns from l2, after l1")
		b.requireWaitsOn(c.mid, "to_leaf", c.leaf)
		b.requireWaitsOn(c.root, "to_mid", c.mid)
		b.pollAndComplete(itName(2), obj{"v": "rerun"})
		b.requireChainCompleted(c, "rerun")
	})
	t.Run("rerun the leaf from the start", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		c := failedChain(t, b)
		b.operate(c.leaf+"/rerun", obj{"reRunFromWorkflowId": c.leaf})
		b.requireWaitsOn(c.mid, "to_leaf", c.leaf)
		b.requireWaitsOn(c.root, "to_mid", c.mid)
		b.pollAndComplete(itName(1), nil)
		b.pollAndComplete(itName(2), obj{"v": "from start"})
		b.requireChainCompleted(c, "from start")
	})
	t.Run("a task of another workflow is not found", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		c := failedChain(t, b)
		r1 := taskByRef(t, b.execution(c.root), "r1")["taskId"].(string)
		requireError(t, b.do(http.MethodPost, executionPath+"/"+c.leaf+"/rerun", obj{"reRunFromTaskId": r1}),
			http.StatusBadRequest, "Task "+r1+" not found")
		b.requireWorkflowStatus(c.leaf, "FAILED")
		b.requireWorkflowStatus(c.root, "FAILED")
	})
}

func TestSubWorkflowChainTerminateCascades(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.registerIntegrationTasks(5)
	b.createWorkflow(workflowDef("cascade_leaf", workerTask("l1", 1, obj{})))
	b.createWorkflow(workflowDef("cascade_mid", task("to_leaf", "SUB_WORKFLOW", "subWorkflowParam", obj{"name": "cascade_leaf"})))
	b.createWorkflow(workflowDef("cascade_root", task("to_mid", "SUB_WORKFLOW", "subWorkflowParam", obj{"name": "cascade_mid"})))
	root := b.startWorkflow("cascade_root", obj{})
	mid := taskByRef(t, b.execution(root), "to_mid")["subWorkflowId"].(string)
	leaf := taskByRef(t, b.execution(mid), "to_leaf")["subWorkflowId"].(string)
	b.requireWorkflowStatus(leaf, "RUNNING")
	b.terminate(root, "stop-all")
	b.requireWorkflowStatus(root, "TERMINATED")
	// As Conductor's SubWorkflow.cancel: each child is given its parent's reason.
	const reason = "Parent workflow has been terminated with reason: "
	require.Equal(t, reason+"stop-all", b.requireWorkflowStatus(mid, "TERMINATED")["reasonForIncompletion"])
	require.Equal(t, reason+reason+"stop-all", b.requireWorkflowStatus(leaf, "TERMINATED")["reasonForIncompletion"])
	b.requireNothingToPoll(itName(1))
}

func TestSubWorkflowTerminationRequestOutlivesACrash(t *testing.T) {
	t.Parallel()
	b := setup(t)
	parentID, childID := startParent(t, b)
	conn := b.dbConn()
	pending := func() int {
		var n int
		require.NoError(t, conn.QueryRow(context.Background(), `SELECT count(*) FROM workflow_signals`).Scan(&n))
		return n
	}

	// A parent's end asks for its child's at once, and the request is gone once carried out.
	b.terminate(parentID, "operator")
	b.requireWorkflowStatus(childID, "TERMINATED")
	require.Zero(t, pending())

	// A request whose writer died before carrying it out (written with the parent's end, in the
	// same transaction) is carried out by the sweeper.
	otherParent := b.startWorkflow("sub_parent", obj{"order": "o-10"})
	otherChild := taskByRef(t, b.execution(otherParent), "sub")["subWorkflowId"].(string)
	_, err := conn.Exec(context.Background(), `INSERT INTO workflow_signals (workflow_id, reason, created_at)
		VALUES ($1, 'Parent workflow has been terminated with status TERMINATED', now() - interval '1 minute')`, otherChild)
	require.NoError(t, err)
	b.requireWorkflowStatus(otherChild, "RUNNING")
	b.sweep()
	child := b.requireWorkflowStatus(otherChild, "TERMINATED")
	require.Equal(t, "Parent workflow has been terminated with status TERMINATED", child["reasonForIncompletion"])
	require.Zero(t, pending())
	b.sweep() // carried out once: nothing left to do
	require.Equal(t, "TERMINATED", b.execution(otherChild)["status"])
	b.requireWorkflowStatus(otherParent, "TERMINATED") // the child's end reaches its parent
}
