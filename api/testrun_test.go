package api_test

// Black-box tests of POST /api/workflow/test: a definition run with mocked task results
// (Conductor's WorkflowTestRequest), without workers or side effects and without storing
// anything.

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"
)

const testRunPath = executionPath + "/test"

// testRun posts a WorkflowTestRequest and returns the workflow it answers.
func (b *testBundle) testRun(req obj) obj {
	b.t.Helper()
	resp := b.do(http.MethodPost, testRunPath, req)
	requireStatus(b.t, resp, http.StatusOK)
	return decodeObj(b.t, resp.Body)
}

// requireNotStored checks that the execution id of a test run left nothing behind.
func (b *testBundle) requireNotStored(id string) {
	b.t.Helper()
	requireStatus(b.t, b.do(http.MethodGet, executionPath+"/"+id, nil), http.StatusNotFound)
	resp := b.do(http.MethodGet, executionPath+"/search?size=10", nil)
	requireStatus(b.t, resp, http.StatusOK)
	require.NotContains(b.t, string(resp.Body), id, "a test run is not searchable")
}

func mock(status string, output obj) obj { return obj{"status": status, "output": output} }

func TestWorkflowTestRunsWithMocks(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.registerIntegrationTasks(3)
	b.registerTaskDefs(integrationTaskDef(1, "retryCount", 1, "retryDelaySeconds", 0))
	def := workflowDef("test_mocks",
		workerTask("fetch", 0, obj{"id": "${workflow.input.id}"}),
		task("route", "SWITCH", "evaluatorType", "value-param", "expression", "kind",
			"inputParameters", obj{"kind": "${fetch.output.kind}"},
			"decisionCases", obj{
				"big":   []obj{inlineTask("double", "$.n * 2", "n", "${fetch.output.n}")},
				"small": []obj{workerTask("never", 2, obj{})},
			}),
		workerTask("flaky", 1, obj{"n": "${double.output.result}"}))
	def["outputParameters"] = obj{"doubled": "${double.output.result}", "done": "${flaky.output.done}"}
	b.createWorkflow(def)

	wf := b.testRun(obj{
		"name": "test_mocks", "input": obj{"id": "a-1"},
		"taskRefToMockOutput": obj{
			"fetch": []obj{mock("COMPLETED", obj{"kind": "big", "n": 21})},
			"flaky": []obj{mock("FAILED", obj{"why": "flake"}), mock("COMPLETED", obj{"done": true})},
		},
	})
	require.Equal(t, "COMPLETED", wf["status"], wf["reasonForIncompletion"])
	require.Equal(t, obj{"doubled": num(42), "done": true}, wf["output"])
	require.Equal(t, obj{"id": "a-1"}, taskByRef(t, wf, "fetch")["inputData"])
	flaky := attemptsOf(t, wf, "flaky")
	require.Len(t, flaky, 2, "the failed mock is retried with the next one")
	require.Equal(t, "FAILED", flaky[0]["status"])
	require.Equal(t, "COMPLETED", flaky[1]["status"])
	require.Empty(t, attemptsOf(t, wf, "never"))

	id := wf["workflowId"].(string)
	require.Regexp(t, uuidPattern, id)
	b.requireNotStored(id)
	for i := range 3 {
		b.requireNothingToPoll(itName(i))
	}
}

func TestWorkflowTestStopsAtATaskWithoutMock(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.registerIntegrationTasks(2)
	b.createWorkflow(workflowDef("test_partial",
		workerTask("a", 0, obj{}),
		workerTask("b", 1, obj{"from": "${a.output.v}"})))
	wf := b.testRun(obj{"name": "test_partial", "input": obj{},
		"taskRefToMockOutput": obj{"a": []obj{mock("COMPLETED", obj{"v": "x"})}}})
	require.Equal(t, "RUNNING", wf["status"])
	require.Equal(t, "COMPLETED", taskByRef(t, wf, "a")["status"])
	bTask := taskByRef(t, wf, "b")
	require.Equal(t, "SCHEDULED", bTask["status"])
	require.Equal(t, obj{"from": "x"}, bTask["inputData"])
	b.requireNotStored(wf["workflowId"].(string))
	b.requireNothingToPoll(itName(1))
}

func TestWorkflowTestHasNoSideEffects(t *testing.T) {
	t.Parallel()
	b := setup(t)
	stub := newHTTPStub(t)
	oldValue, newValue := randomValue(t, "old-"), randomValue(t, "new-")
	b.maskPutSecret("test_token", oldValue)
	b.registerIntegrationTasks(1)
	b.createWorkflow(workflowDef("test_child", workerTask("c", 0, obj{})))
	b.createWorkflow(workflowDef("test_effects",
		with(httpTask("call", obj{"uri": stub.URL + "/item", "method": "GET",
			"headers": obj{"Authorization": "Bearer ${workflow.secrets.test_token}"}}),
			"inputParameters", obj{"http_request": obj{"uri": stub.URL + "/item", "method": "GET",
				"headers": obj{"Authorization": "Bearer ${workflow.secrets.test_token}"}},
				"outputFilter": obj{"_secrets": obj{"token": "$${call.output.response.body.token}"}}}),
		updateSecretTask("rotate", obj{"secretKey": "test_token", "secretValue": "${call.output._secrets.token}"}),
		task("fire", "START_WORKFLOW", "inputParameters", obj{"startWorkflow": obj{"name": "test_child", "input": obj{}}}),
		inlineTask("peek", "$.t", "t", "${workflow.secrets.test_token}")))

	wf := b.testRun(obj{"name": "test_effects", "input": obj{},
		"taskRefToMockOutput": obj{"call": []obj{mock("COMPLETED", obj{"response": obj{"statusCode": 200,
			"body": obj{"token": newValue}}})}}})
	require.Equal(t, "COMPLETED", wf["status"], wf["reasonForIncompletion"])
	require.Empty(t, stub.recorded(), "a mocked HTTP task calls nothing")
	require.Equal(t, "COMPLETED", taskByRef(t, wf, "rotate")["status"])
	require.Equal(t, "***", taskByRef(t, wf, "peek")["outputData"].(obj)["result"], "the run's data is masked")
	require.Regexp(t, uuidPattern, taskByRef(t, wf, "fire")["outputData"].(obj)["workflowId"])

	require.Equal(t, oldValue, b.secretValue("test_token"), "the secret the run rotated is unchanged")
	b.requireNotStored(wf["workflowId"].(string))
	b.requireNotStored(taskByRef(t, wf, "fire")["outputData"].(obj)["workflowId"].(string))
	b.requireNothingToPoll(itName(0))
	requireNoValues(t, "the test run's answer", mustJSONText(t, wf), oldValue, newValue)
	requireNoValues(t, "the database", b.maskDump(), oldValue, newValue)
}

func TestWorkflowTestRunsSubWorkflowsWithTheirMocks(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.registerIntegrationTasks(7)
	b.createWorkflow(childDef("sub_child"))
	b.createWorkflow(parentDef("sub_parent", "sub_child"))
	wf := b.testRun(obj{"name": "sub_parent", "input": obj{"order": "o-1"},
		"taskRefToMockOutput": obj{"after": []obj{mock("COMPLETED", obj{"ok": true})}},
		"subWorkflowTestRequest": obj{"sub": obj{"name": "sub_child",
			"taskRefToMockOutput": obj{"c1": []obj{mock("COMPLETED", obj{"shipped": "yes"})}}}},
	})
	require.Equal(t, "COMPLETED", wf["status"], wf["reasonForIncompletion"])
	sub := taskByRef(t, wf, "sub")
	require.Equal(t, "COMPLETED", sub["status"])
	require.Equal(t, "yes", sub["outputData"].(obj)["shipped"])
	require.Equal(t, obj{"shipped": "yes"}, taskByRef(t, wf, "after")["inputData"])
	b.requireNotStored(sub["subWorkflowId"].(string))

	// A mock of the SUB_WORKFLOW task itself stands for its child's whole run.
	wf = b.testRun(obj{"name": "sub_parent", "input": obj{"order": "o-2"},
		"taskRefToMockOutput": obj{
			"sub":   []obj{mock("COMPLETED", obj{"shipped": "mocked"})},
			"after": []obj{mock("COMPLETED", obj{})},
		}})
	require.Equal(t, "COMPLETED", wf["status"], wf["reasonForIncompletion"])
	require.Equal(t, obj{"shipped": "mocked"}, taskByRef(t, wf, "after")["inputData"])
}

func TestWorkflowTestLoopsAndForksTakeMocksPerIteration(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.registerIntegrationTasks(3)
	b.createWorkflow(workflowDef("test_loop",
		task("loop", "DO_WHILE", "loopCondition", "$.loop['iteration'] < 2",
			"loopOver", []obj{
				task("fork", "FORK_JOIN", "forkTasks", []any{
					[]obj{workerTask("left", 0, obj{})},
					[]obj{workerTask("right", 1, obj{})},
				}),
				task("join", "JOIN", "joinOn", []string{"left", "right"}),
			}),
		workerTask("last", 2, obj{"seen": "${right__2.output.n}"})))
	wf := b.testRun(obj{"name": "test_loop", "input": obj{},
		"taskRefToMockOutput": obj{
			"left":     []obj{mock("COMPLETED", obj{"n": 1}), mock("COMPLETED", obj{"n": 2})},
			"right__1": []obj{mock("COMPLETED", obj{"n": 10})},
			"right__2": []obj{mock("COMPLETED", obj{"n": 20})},
			"last":     []obj{mock("COMPLETED", obj{})},
		}})
	require.Equal(t, "COMPLETED", wf["status"], wf["reasonForIncompletion"])
	require.Equal(t, obj{"n": num(2)}, taskByRef(t, wf, "left__2")["outputData"])
	require.Equal(t, obj{"seen": num(20)}, taskByRef(t, wf, "last")["inputData"])
}

func TestWorkflowTestRefusesBadRequests(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.registerIntegrationTasks(1)
	b.createWorkflow(workflowDef("test_bad", workerTask("a", 0, obj{})))
	requireErrorPrefix(t, b.do(http.MethodPost, testRunPath, obj{"name": "test_missing", "input": obj{}}),
		http.StatusNotFound, "No such workflow")
	resp := b.do(http.MethodPost, testRunPath, obj{"name": "test_bad", "input": obj{},
		"taskRefToMockOutput": obj{"a": []obj{mock("SKIPPED", nil)}}})
	requireStatus(t, resp, http.StatusBadRequest)
	require.Contains(t, string(resp.Body), "taskRefToMockOutput.a")
	requireError(t, b.do(http.MethodPost, testRunPath, obj{"name": "test_bad", "input": nil}),
		http.StatusBadRequest, "NULL input passed when starting workflow")
	requireStatus(t, b.do(http.MethodPost, testRunPath, "not an object"), http.StatusBadRequest)
	// An inline definition runs too, and is checked like any other.
	wf := b.testRun(obj{"name": "inline_test", "input": obj{"a": 2},
		"workflowDef": workflowDef("inline_test", inlineTask("calc", "$.a + 1"))})
	require.Equal(t, "COMPLETED", wf["status"])
	requireStatus(t, b.do(http.MethodPost, testRunPath, obj{"name": "inline_bad", "input": obj{},
		"workflowDef": obj{"name": "inline_bad", "tasks": []obj{}}}), http.StatusBadRequest)
}
