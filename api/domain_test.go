package api_test

// Black-box tests of task domains (Conductor's TaskDomainSpec): taskToDomain on start puts a
// worker task in its domain's queue, which only polls naming the domain reach; "*" applies to
// every worker task; of a comma list the first domain with an active worker is picked, else the
// last; NO_DOMAIN means none; sub-workflows inherit their parent's domains.

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"
)

// pollDomain polls taskType in domain as worker and returns the task, or nil for none.
func (b *testBundle) pollDomain(taskType, domain, worker string) obj {
	b.t.Helper()
	resp := b.do(http.MethodGet, tasksPath+"/poll/"+taskType+"?workerid="+worker+"&domain="+domain, nil)
	if resp.Status == http.StatusNoContent {
		return nil
	}
	requireStatus(b.t, resp, http.StatusOK)
	return decodeObj(b.t, resp.Body)
}

func TestTaskDomains(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.registerIntegrationTasks(3)
	b.createWorkflow(workflowDef("domain_wf", workerTask("a", 0, obj{}), workerTask("b", 1, obj{})))

	t.Run("by task name and by *", func(t *testing.T) {
		id := b.startWith(obj{"name": "domain_wf", "input": obj{},
			"taskToDomain": obj{itName(0): "blue", "*": "green"}})
		b.requireNothingToPoll(itName(0)) // not in the queue without a domain
		require.Nil(t, b.pollDomain(itName(0), "green", "w1"))
		task := b.pollDomain(itName(0), "blue", "w1")
		require.NotNil(t, task)
		require.Equal(t, "blue", task["domain"])
		require.Equal(t, id, task["workflowInstanceId"])
		resp := b.do(http.MethodGet, tasksPath+"/queue/size?taskType="+itName(1)+"&domain=green", nil)
		requireStatus(t, resp, http.StatusOK)
		require.Equal(t, "0", string(resp.Body))
		b.completeTask(task, nil)
		resp = b.do(http.MethodGet, tasksPath+"/queue/size?taskType="+itName(1)+"&domain=green", nil)
		require.Equal(t, "1", string(resp.Body), "the next task takes the * domain")
		next := b.pollDomain(itName(1), "green", "w1")
		require.NotNil(t, next)
		require.Equal(t, "green", next["domain"])
		b.completeTask(next, nil)
		b.requireWorkflowStatus(id, "COMPLETED")
	})

	t.Run("a comma list picks the first domain with an active worker, else the last", func(t *testing.T) {
		list := obj{"*": "red,amber,NO_DOMAIN"}
		id := b.startWith(obj{"name": "domain_wf", "input": obj{}, "taskToDomain": list})
		require.Nil(t, taskByRef(t, b.execution(id), "a")["domain"], "no worker polled: the last, NO_DOMAIN")
		b.completeTask(b.pollTask(itName(0)), nil)
		b.terminate(id, "done")

		require.Nil(t, b.pollDomain(itName(0), "amber", "w2")) // amber has a worker now
		id = b.startWith(obj{"name": "domain_wf", "input": obj{}, "taskToDomain": list})
		a := taskByRef(t, b.execution(id), "a")
		require.Equal(t, "amber", a["domain"])
		require.NotNil(t, b.pollDomain(itName(0), "amber", "w2"))
		b.terminate(id, "done")

		require.Nil(t, b.pollDomain(itName(0), "red", "w3")) // red comes first in the list
		id = b.startWith(obj{"name": "domain_wf", "input": obj{}, "taskToDomain": list})
		require.Equal(t, "red", taskByRef(t, b.execution(id), "a")["domain"])
		b.terminate(id, "done")

		id = b.startWith(obj{"name": "domain_wf", "input": obj{}, "taskToDomain": obj{"*": "violet,indigo"}})
		require.Equal(t, "indigo", taskByRef(t, b.execution(id), "a")["domain"], "none active: the last domain")
		b.terminate(id, "done")
	})

	t.Run("sub-workflows inherit the domains", func(t *testing.T) {
		b.createWorkflow(workflowDef("domain_child", workerTask("c", 2, obj{})))
		b.createWorkflow(workflowDef("domain_parent", task("sub", "SUB_WORKFLOW", "subWorkflowParam", obj{"name": "domain_child"})))
		id := b.startWith(obj{"name": "domain_parent", "input": obj{}, "taskToDomain": obj{"*": "teal"}})
		child := taskByRef(t, b.execution(id), "sub")["subWorkflowId"].(string)
		require.Equal(t, obj{"*": "teal"}, b.execution(child)["taskToDomain"])
		b.requireNothingToPoll(itName(2))
		task := b.pollDomain(itName(2), "teal", "w4")
		require.NotNil(t, task)
		b.completeTask(task, nil)
		b.requireWorkflowStatus(id, "COMPLETED")
	})
}
