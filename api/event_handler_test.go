package api_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"
)

// startAction is a start_workflow action of workflow name with input.
func startAction(name string, input obj) obj {
	return obj{"action": "start_workflow", "start_workflow": obj{"name": name, "input": input}}
}

// listHandlers returns GET path as a list.
func (b *testBundle) listHandlers(path string) arr {
	b.t.Helper()
	resp := b.do(http.MethodGet, path, nil)
	requireStatus(b.t, resp, http.StatusOK)
	return decodeArr(b.t, resp.Body)
}

func TestEventHandlerCRUD(t *testing.T) {
	t.Parallel()
	b := setup(t)
	require.Empty(t, b.listHandlers(eventPath))

	h := eventHandler("h1", "conductor:wf:ev", startAction("target", obj{"x": "${x}"}))
	b.addHandler(h)
	requireError(t, b.do(http.MethodPost, eventPath, h), http.StatusConflict, "EventHandler with name h1 already exists!")
	inactive := with(eventHandler("h2", "conductor:wf:ev", startAction("target", nil)), "active", false)
	b.addHandler(inactive)

	list := b.listHandlers(eventPath)
	require.Len(t, list, 2)
	require.Equal(t, "h1", list[0].(obj)["name"])
	require.Equal(t, obj{"name": "target", "input": obj{"x": "${x}"}}, list[0].(obj)["actions"].(arr)[0].(obj)["start_workflow"])
	require.Len(t, b.listHandlers(eventPath+"/conductor:wf:ev"), 1, "activeOnly defaults to true")
	require.Len(t, b.listHandlers(eventPath+"/conductor:wf:ev?activeOnly=false"), 2)
	require.Empty(t, b.listHandlers(eventPath+"/conductor:other"))

	requireEmptyOK(t, b.do(http.MethodPut, eventPath, with(h, "event", "conductor:wf:other")))
	require.Len(t, b.listHandlers(eventPath+"/conductor:wf:other"), 1)
	requireError(t, b.do(http.MethodPut, eventPath, with(h, "name", "nope")), http.StatusNotFound, "EventHandler with name nope not found!")

	requireEmptyOK(t, b.do(http.MethodDelete, eventPath+"/h2", nil))
	requireError(t, b.do(http.MethodDelete, eventPath+"/h2", nil), http.StatusNotFound, "EventHandler with name h2 not found!")
	list = b.listHandlers(eventPath)
	require.Len(t, list, 1)
	require.Equal(t, "conductor:wf:other", list[0].(obj)["event"])
}

func TestEventHandlerValidation(t *testing.T) {
	t.Parallel()
	b := setup(t)
	good := eventHandler("good", "conductor:wf:ev", startAction("target", nil))
	unreachable := func(event string) string {
		return "event: event " + event + " is not supported: Podium publishes and delivers events only through its own " +
			"conductor queue (conductor or conductor:<name>); provider " + event[:len(event)-2] + " is not reachable"
	}
	for _, tc := range []struct {
		name string
		h    obj
		want []string
	}{
		{"missing fields", obj{"actions": arr{}}, []string{"event: Missing event location",
			"actions: No actions specified. Please specify at-least one action"}},
		{"kafka", with(good, "event", "kafka:x"), []string{unreachable("kafka:x")}},
		{"sqs", with(good, "event", "sqs:x"), []string{unreachable("sqs:x")}},
		{"amqp", with(good, "event", "amqp:x"), []string{unreachable("amqp:x")}},
		{"nats", with(good, "event", "nats:x"), []string{unreachable("nats:x")}},
		{"unknown action", with(good, "actions", arr{obj{"action": "start_agent"}}), []string{
			"actions[0].action: action start_agent is not supported: use one of start_workflow, complete_task, fail_task, terminate_workflow, update_workflow_variables"}},
		{"start without name", with(good, "actions", arr{obj{"action": "start_workflow", "start_workflow": obj{}}}), []string{
			"actions[0].start_workflow.name: start_workflow needs the name of the workflow to start"}},
		{"complete without task", with(good, "actions", arr{obj{"action": "complete_task", "complete_task": obj{"workflowId": "${w}"}}}), []string{
			"actions[0].complete_task: complete_task needs taskId, or workflowId and taskRefName"}},
		{"terminate without workflow", with(good, "actions", arr{obj{"action": "terminate_workflow"}}), []string{
			"actions[0].terminate_workflow.workflowId: terminate_workflow needs the workflowId to terminate"}},
		{"bad evaluator", with(good, "evaluatorType", "python", "condition", "True"), []string{
			"evaluatorType: evaluatorType python is not supported: use javascript, graaljs or value-param"}},
	} {
		requireValidation(t, b.do(http.MethodPost, eventPath, with(tc.h, "name", tc.name)), tc.want...)
	}
	requireValidation(t, b.do(http.MethodPost, eventPath, obj{"actions": arr{}}),
		"name: Missing event handler name", "event: Missing event location",
		"actions: No actions specified. Please specify at-least one action")
	require.Empty(t, b.listHandlers(eventPath), "nothing is stored on failure")

	b.addHandler(good)
	requireValidation(t, b.do(http.MethodPut, eventPath, with(good, "event", "kafka:x")), unreachable("kafka:x"))
	require.Equal(t, "conductor:wf:ev", b.listHandlers(eventPath)[0].(obj)["event"], "a refused update changes nothing")
	requireStatus(t, b.do(http.MethodPost, eventPath, "{"), http.StatusBadRequest)
}

// TestEventHandlerAddList: POST /api/event also takes a list of handlers, which the Orkes SDKs
// send (the JavaScript SDK's EventClient.addEventHandler posts [handler]): all are registered or
// none, and errors name the element.
func TestEventHandlerAddList(t *testing.T) {
	t.Parallel()
	b := setup(t)
	h := func(name string) obj { return eventHandler(name, "conductor:wf:ev", startAction("target", nil)) }
	names := func() []string {
		var out []string
		for _, x := range b.listHandlers(eventPath) {
			out = append(out, x.(obj)["name"].(string))
		}
		return out
	}

	requireEmptyOK(t, b.do(http.MethodPost, eventPath, arr{h("one")}))
	requireEmptyOK(t, b.do(http.MethodPost, eventPath, arr{h("two"), h("three")}))
	require.Equal(t, []string{"one", "three", "two"}, names())

	requireError(t, b.do(http.MethodPost, eventPath, arr{h("four"), h("one")}), http.StatusConflict,
		"EventHandler with name one already exists!")
	requireError(t, b.do(http.MethodPost, eventPath, arr{h("five"), h("five")}), http.StatusConflict,
		"EventHandler with name five already exists!")
	requireValidation(t, b.do(http.MethodPost, eventPath, arr{h("six"), with(h("seven"), "event", "kafka:x")}),
		"[1].event: event kafka:x is not supported: Podium publishes and delivers events only through its own "+
			"conductor queue (conductor or conductor:<name>); provider kafka is not reachable")
	requireValidation(t, b.do(http.MethodPost, eventPath, arr{nil}), "[0]: Missing event handler")
	requireError(t, b.do(http.MethodPost, eventPath, arr{}), http.StatusBadRequest, "No event handlers given")
	require.Equal(t, []string{"one", "three", "two"}, names(), "a refused list stores none of its handlers")
}
