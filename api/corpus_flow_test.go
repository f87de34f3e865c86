package api_test

// Corpus cases of workflows that run other workflows: SUB_WORKFLOW in forks, nested forks,
// loops and three levels deep; children that TERMINATE or fail; optional and permissive
// sub-workflow branches; inline child definitions; START_WORKFLOW; an EVENT whose message an
// event handler turns into the completion of a WAIT task in another workflow; a HUMAN task
// completed through the task API. What each checks is what Conductor's integration specs
// check (SubWorkflowSpec, ForkJoinSpec, NestedForkJoinSubWorkflowSpec, DoWhileSpec,
// LambdaAndTerminateTaskSpec, FailureWorkflowSpec, EventTaskSpec): the tasks at each level
// with their statuses, the outputs passed between levels, and how statuses propagate.

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"
)

// subFailure is Conductor's reason on a SUB_WORKFLOW task whose child did not complete.
func subFailure(child obj, reason string) string {
	return fmt.Sprintf("Sub workflow %v.%v/%v failure reason: %s", child["workflowName"], child["workflowVersion"], child["workflowId"], reason)
}

func corpusFlowCases() []corpusCase {
	return []corpusCase{
		{
			name: "sub-workflow in a fork branch", fixture: "swf_in_fork.json", defs: []string{"child_credit_check.json"},
			input:   obj{"applicant": "ada"},
			outputs: map[string]obj{"bureau": {"score": 710}, "kyc": {"verified": true}, "approve": {"approved": true}},
			status:  "COMPLETED",
			tasks:   []string{"screen:COMPLETED", "credit:COMPLETED", "kyc:COMPLETED", "screen_join:COMPLETED", "approve:COMPLETED"},
			check: func(t *testing.T, r *corpusRun) {
				child := r.child(t, r.wf, "credit")
				require.Equal(t, "COMPLETED", child["status"])
				require.Equal(t, []string{"bureau:COMPLETED"}, refsAndStatuses(t, child))
				require.Equal(t, obj{"applicant": "ada"}, child["input"])
				require.Equal(t, obj{"applicant": "ada"}, r.input(t, "bureau"))
				credit := obj{"score": num(710), "applicant": "ada", "subWorkflowId": child["workflowId"]}
				require.Equal(t, credit, r.task(t, "credit")["outputData"], "the child's output and its id")
				require.Equal(t, obj{"credit": credit, "kyc": obj{"verified": true}}, r.task(t, "screen_join")["outputData"])
				require.Equal(t, obj{"score": num(710), "verified": true}, r.input(t, "approve"))
				require.Equal(t, obj{"score": num(710), "approved": true}, r.wf["output"])
			},
		},
		{
			name: "nested forks with sub-workflows", fixture: "swf_nested_forks.json", defs: []string{"child_credit_check.json"},
			input: obj{"applicant": "bo"},
			respond: func(ref string, in obj) obj {
				if ref == "bureau" && in["applicant"] == "eu-bo" {
					return obj{"score": 640}
				}
				if ref == "bureau" {
					return obj{"score": 690}
				}
				return nil
			},
			outputs: map[string]obj{"eu_tax": {"vat": "DE"}},
			status:  "COMPLETED",
			// As Conductor schedules a fork: each branch's first task in branch order, an inner
			// fork with its own branches and JOIN, then the outer JOIN.
			tasks: []string{"regions:COMPLETED", "eu:COMPLETED", "eu_credit:COMPLETED", "eu_tax:COMPLETED", "eu_join:COMPLETED",
				"us_credit:COMPLETED", "regions_join:COMPLETED", "merge:COMPLETED"},
			check: func(t *testing.T, r *corpusRun) {
				eu, us := r.child(t, r.wf, "eu_credit"), r.child(t, r.wf, "us_credit")
				require.NotEqual(t, eu["workflowId"], us["workflowId"], "each SUB_WORKFLOW task runs a child of its own")
				require.Equal(t, obj{"applicant": "eu-bo"}, eu["input"])
				require.Equal(t, obj{"applicant": "us-bo"}, us["input"])
				for _, c := range []obj{eu, us} {
					require.Equal(t, "COMPLETED", c["status"])
					require.Equal(t, []string{"bureau:COMPLETED"}, refsAndStatuses(t, c))
				}
				euJoin := r.task(t, "eu_join")["outputData"].(obj)
				require.Equal(t, obj{"vat": "DE"}, euJoin["eu_tax"])
				require.Equal(t, num(640), dig(t, euJoin, "eu_credit", "score"))
				outer := r.task(t, "regions_join")["outputData"].(obj)
				require.Equal(t, euJoin, outer["eu_join"], "the outer JOIN holds the inner JOIN's output")
				require.Equal(t, num(690), dig(t, outer, "us_credit", "score"))
				require.Equal(t, obj{"eu": num(640), "us": num(690), "tax": obj{"vat": "DE"}}, r.input(t, "merge"))
			},
		},
		{
			name: "loop whose body is a sub-workflow", fixture: "swf_loop_body.json", defs: []string{"child_ship_parcel.json"},
			input: obj{"parcels": arr{"p1", "p2", "p3"}},
			respond: func(ref string, in obj) obj {
				if ref == "label" {
					return obj{"tracking": "T-" + in["parcel"].(string)}
				}
				return nil
			},
			status: "COMPLETED",
			tasks:  []string{"ship_loop:COMPLETED", "ship__1:COMPLETED", "ship__2:COMPLETED", "ship__3:COMPLETED", "manifest:COMPLETED"},
			check: func(t *testing.T, r *corpusRun) {
				seen := map[any]bool{}
				for i, parcel := range []string{"p1", "p2", "p3"} {
					ref := fmt.Sprintf("ship__%d", i+1)
					requireNum(t, int64(i+1), r.task(t, ref)["iteration"], ref)
					child := r.child(t, r.wf, ref)
					require.False(t, seen[child["workflowId"]], "every iteration runs a new child")
					seen[child["workflowId"]] = true
					require.Equal(t, obj{"parcel": parcel}, child["input"])
					require.Equal(t, obj{"tracking": "T-" + parcel}, child["output"])
					require.Equal(t, "T-"+parcel, dig(t, r.task(t, ref), "outputData", "tracking"))
					require.Equal(t, "T-"+parcel, dig(t, r.task(t, "ship_loop"), "outputData", fmt.Sprint(i+1), "ship", "tracking"))
				}
				requireNum(t, 3, dig(t, r.task(t, "ship_loop"), "outputData", "iteration"))
				require.Equal(t, obj{"parcels": num(3), "last": "T-p3"}, r.input(t, "manifest"))
			},
		},
		{
			name: "sub-workflow that terminates completed", fixture: "swf_terminate_child.json", defs: []string{"child_quota_gate.json"},
			input:  obj{"used": 5, "limit": 5, "onFull": "COMPLETED"},
			status: "COMPLETED",
			tasks:  []string{"gate:COMPLETED", "after_gate:COMPLETED"},
			check: func(t *testing.T, r *corpusRun) {
				child := r.child(t, r.wf, "gate")
				require.Equal(t, "COMPLETED", child["status"])
				require.Equal(t, []string{"quota_check:COMPLETED", "quota_route:COMPLETED", "stop_completed:COMPLETED"}, refsAndStatuses(t, child))
				require.Equal(t, "quota of 5 used up", child["reasonForIncompletion"], "a terminationReason is the reason whatever the status")
				require.Equal(t, obj{"granted": false, "used": num(5)}, child["output"], "the TERMINATE's workflowOutput is the child's output")
				require.Equal(t, obj{"granted": false, "used": num(5), "subWorkflowId": child["workflowId"]}, r.task(t, "gate")["outputData"])
				require.Empty(t, r.task(t, "gate")["reasonForIncompletion"])
				require.Equal(t, obj{"granted": false}, r.input(t, "after_gate"))
				r.b.requireNothingToPoll("cw_grant")
			},
		},
		{
			name: "sub-workflow that terminates terminated", fixture: "swf_terminate_child.json", defs: []string{"child_quota_gate.json"},
			input:  obj{"used": 9, "limit": 5, "onFull": "TERMINATED"},
			status: "TERMINATED",
			tasks:  []string{"gate:CANCELED"},
			check: func(t *testing.T, r *corpusRun) {
				child := r.child(t, r.wf, "gate")
				require.Equal(t, "TERMINATED", child["status"])
				require.Equal(t, []string{"quota_check:COMPLETED", "quota_route:COMPLETED", "stop_terminated:COMPLETED"}, refsAndStatuses(t, child))
				require.Equal(t, "quota of 5 used up", child["reasonForIncompletion"])
				gate := r.task(t, "gate")
				require.Equal(t, subFailure(child, "quota of 5 used up"), gate["reasonForIncompletion"])
				require.Equal(t, obj{"granted": false, "used": num(9), "subWorkflowId": child["workflowId"]}, gate["outputData"])
				require.Equal(t, failedReason(gate, "TERMINATED", subFailure(child, "quota of 5 used up")), r.wf["reasonForIncompletion"])
				r.b.requireNothingToPoll("cw_after_gate")
			},
		},
		{
			name: "terminate in a parent cancels its running child", fixture: "swf_parent_terminates.json",
			defs:    []string{"child_hold_open.json"},
			outputs: map[string]obj{"quick": {"answer": 42}},
			status:  "COMPLETED",
			tasks:   []string{"race:COMPLETED", "held:CANCELED", "quick:COMPLETED", "race_join:CANCELED", "finish:COMPLETED"},
			check: func(t *testing.T, r *corpusRun) {
				finish := r.task(t, "finish")
				reason := fmt.Sprintf("Workflow is COMPLETED by TERMINATE task: %v", finish["taskId"])
				require.Equal(t, reason, r.wf["reasonForIncompletion"])
				require.Equal(t, obj{"quick": num(42)}, r.wf["output"])
				child := r.child(t, r.wf, "held")
				require.Equal(t, "TERMINATED", child["status"])
				require.Equal(t, []string{"hold_open:CANCELED"}, refsAndStatuses(t, child))
				require.Equal(t, "Parent workflow has been terminated with reason: "+reason, child["reasonForIncompletion"],
					"Conductor's SubWorkflow.cancel gives the parent's reason when it has one")
			},
		},
		{
			name: "failed child fails its parent", fixture: "swf_terminate_child.json", defs: []string{"child_quota_gate.json"},
			input:  obj{"used": 6, "limit": 5, "onFull": "FAILED"},
			status: "FAILED",
			tasks:  []string{"gate:FAILED"},
			check: func(t *testing.T, r *corpusRun) {
				child := r.child(t, r.wf, "gate")
				require.Equal(t, "FAILED", child["status"])
				require.Equal(t, []string{"quota_check:COMPLETED", "quota_route:COMPLETED", "stop_failed:COMPLETED"}, refsAndStatuses(t, child))
				require.Equal(t, "quota of 5 used up", child["reasonForIncompletion"])
				gate := r.task(t, "gate")
				require.Equal(t, subFailure(child, "quota of 5 used up"), gate["reasonForIncompletion"])
				require.Equal(t, failedReason(gate, "FAILED", subFailure(child, "quota of 5 used up")), r.wf["reasonForIncompletion"])
				require.Equal(t, arr{"gate"}, r.wf["failedReferenceTaskNames"])
				r.b.requireNothingToPoll("cw_after_gate")
			},
		},
		{
			name: "failed worker in a child fails the parent", fixture: "swf_in_fork.json", defs: []string{"child_credit_check.json"},
			input:    obj{"applicant": "cy"},
			outputs:  map[string]obj{"kyc": {"verified": true}},
			failures: map[string]string{"bureau": "bureau offline"},
			status:   "FAILED",
			check: func(t *testing.T, r *corpusRun) {
				child := r.child(t, r.wf, "credit")
				require.Equal(t, []string{"bureau:FAILED"}, refsAndStatuses(t, child))
				bureau := taskByRef(t, child, "bureau")
				childReason := failedReason(bureau, "FAILED", "bureau offline")
				require.Equal(t, childReason, child["reasonForIncompletion"])
				credit := r.task(t, "credit")
				require.Equal(t, "FAILED", credit["status"])
				require.Equal(t, subFailure(child, childReason), credit["reasonForIncompletion"])
				require.Equal(t, failedReason(credit, "FAILED", subFailure(child, childReason)), r.wf["reasonForIncompletion"])
				r.b.requireNothingToPoll("cw_approve")
			},
		},
		{
			name: "optional sub-workflow branches", fixture: "swf_optional_forks.json", defs: []string{"child_ship_parcel.json"},
			failures: map[string]string{"label": "printer jammed"},
			status:   "COMPLETED",
			tasks: []string{"labels:COMPLETED", "ship_a:COMPLETED_WITH_ERRORS", "ship_b:COMPLETED_WITH_ERRORS",
				"labels_join:COMPLETED_WITH_ERRORS", "notify:COMPLETED"},
			check: func(t *testing.T, r *corpusRun) {
				for _, ref := range []string{"ship_a", "ship_b"} {
					child := r.child(t, r.wf, ref)
					require.Equal(t, "FAILED", child["status"])
					require.Equal(t, []string{"label:FAILED"}, refsAndStatuses(t, child))
					require.Equal(t, subFailure(child, child["reasonForIncompletion"].(string)), r.task(t, ref)["reasonForIncompletion"])
				}
				join := r.task(t, "labels_join")
				require.Equal(t, arr{"ship_a", "ship_b"}, dig(t, join, "inputData", "joinOn"))
				require.Equal(t, fmt.Sprintf("ship_parcel/%v ship_parcel/%v completed with errors", r.task(t, "ship_a")["taskId"], r.task(t, "ship_b")["taskId"]),
					join["reasonForIncompletion"], "Conductor's JOIN names the optional tasks that failed")
				require.Empty(t, r.wf["reasonForIncompletion"])
				require.Equal(t, obj{"a": nil}, r.input(t, "notify"))
			},
		},
		{
			name: "permissive sub-workflow branches", fixture: "swf_permissive_forks.json",
			defs:     []string{"child_credit_check.json", "child_ship_parcel.json"},
			outputs:  map[string]obj{"label": {"tracking": "T-9"}, "track": {"seen": true}},
			failures: map[string]string{"bureau": "bureau offline"},
			status:   "FAILED",
			tasks:    []string{"checks:COMPLETED", "credit:FAILED", "ship:COMPLETED", "checks_join:FAILED", "track:COMPLETED"},
			check: func(t *testing.T, r *corpusRun) {
				require.Equal(t, "FAILED", r.child(t, r.wf, "credit")["status"])
				require.Equal(t, "COMPLETED", r.child(t, r.wf, "ship")["status"])
				require.Equal(t, obj{"tracking": "T-9"}, r.input(t, "track"), "the other branch runs on past a failed permissive child")
				credit, join := r.task(t, "credit"), r.task(t, "checks_join")
				require.Equal(t, subFailure(r.child(t, r.wf, "credit"), r.child(t, r.wf, "credit")["reasonForIncompletion"].(string)),
					credit["reasonForIncompletion"])
				require.Equal(t, credit["reasonForIncompletion"], join["reasonForIncompletion"], "the JOIN fails with the reasons of the failed branches")
				require.Equal(t, obj{"credit": credit["outputData"]}, join["outputData"],
					"as Conductor's JOIN, which stops at the first joined task that fails it")
				require.Equal(t, failedReason(join, "FAILED", credit["reasonForIncompletion"].(string)), r.wf["reasonForIncompletion"])
				r.b.requireNothingToPoll("cw_never_after")
			},
		},
		{
			name: "inline sub-workflow definition", fixture: "swf_inline_def.json",
			input:   obj{"items": arr{"mug", "tea"}},
			outputs: map[string]obj{"pack": {"boxes": arr{"B1", "B2"}}},
			status:  "COMPLETED",
			tasks:   []string{"pack_order:COMPLETED", "dispatch:COMPLETED"},
			check: func(t *testing.T, r *corpusRun) {
				child := r.child(t, r.wf, "pack_order")
				require.Equal(t, "corpus_inline_packing", child["workflowName"])
				require.Equal(t, []string{"pack:COMPLETED", "box_count:COMPLETED"}, refsAndStatuses(t, child))
				require.Equal(t, obj{"items": arr{"mug", "tea"}}, r.input(t, "pack"))
				require.Equal(t, obj{"boxes": arr{"B1", "B2"}, "count": num(2)}, child["output"])
				require.Equal(t, obj{"count": num(2), "first": "B1"}, r.input(t, "dispatch"))
				requireStatus(t, r.b.do("GET", workflowPath+"/corpus_inline_packing", nil), 404)
			},
		},
		{
			name: "three-level hierarchy", fixture: "swf_three_levels.json",
			defs:    []string{"child_credit_check.json", "child_region_review.json"},
			input:   obj{"applicant": " Dee ", "region": "nordics"},
			outputs: map[string]obj{"intake": {"normalized": "dee"}, "bureau": {"score": 755}, "region_audit": {"audit": "clean"}},
			status:  "COMPLETED",
			tasks:   []string{"intake:COMPLETED", "region:COMPLETED", "final:COMPLETED"},
			check: func(t *testing.T, r *corpusRun) {
				mid := r.child(t, r.wf, "region")
				require.Equal(t, "COMPLETED", mid["status"])
				require.Equal(t, []string{"review:COMPLETED", "leaf_credit:COMPLETED", "region_audit:COMPLETED", "review_join:COMPLETED"},
					refsAndStatuses(t, mid))
				require.Equal(t, obj{"applicant": "dee", "region": "nordics"}, mid["input"])
				leaf := r.child(t, mid, "leaf_credit")
				require.Equal(t, []string{"bureau:COMPLETED"}, refsAndStatuses(t, leaf))
				require.Equal(t, obj{"applicant": "dee"}, r.input(t, "bureau"))
				require.Equal(t, obj{"score": num(755), "audit": "clean"}, mid["output"])
				require.Equal(t, obj{"score": num(755), "audit": "clean"}, r.input(t, "final"))
				require.Equal(t, obj{"score": num(755)}, r.wf["output"])
			},
		},
		{
			name: "start workflow fire and forget", fixture: "start_fire_forget.json", defs: []string{"child_ship_parcel.json"},
			outputs: map[string]obj{"order": {"parcel": "px"}, "label": {"tracking": "T-px"}},
			status:  "COMPLETED",
			tasks:   []string{"order:COMPLETED", "kick:COMPLETED", "receipt:COMPLETED"},
			check: func(t *testing.T, r *corpusRun) {
				started := dig(t, r.task(t, "kick"), "outputData", "workflowId").(string)
				require.Regexp(t, uuidPattern, started)
				require.Equal(t, obj{"shipping": started}, r.input(t, "receipt"))
				require.Equal(t, obj{"shipping": started}, r.wf["output"])
				other := r.exec(t, started)
				require.Equal(t, "COMPLETED", other["status"])
				require.Equal(t, "corpus_child_ship_parcel", other["workflowName"])
				require.Equal(t, "ship-px", other["correlationId"])
				require.Equal(t, obj{"parcel": "px"}, other["input"])
				require.NotContains(t, other, "parentWorkflowId", "a started workflow is not a child")
				require.Equal(t, obj{"tracking": "T-px"}, other["output"])
			},
		},
		{
			name: "event handler completes a wait in another workflow", fixture: "event_payment_notice.json",
			defs:     []string{"event_order_awaiting.json", "event_audit.json"},
			handlers: []string{"event_handler_payments.json"},
			prepare: func(t *testing.T, r *corpusRun) obj {
				order := r.b.startWorkflow("corpus_event_order", nil)
				r.follow(order)
				return obj{"orderWorkflow": order}
			},
			outputs: map[string]obj{"charge": {"paymentRef": "pay-42"}, "fulfil": {"shipped": true}},
			status:  "COMPLETED",
			tasks:   []string{"charge:COMPLETED", "notice:COMPLETED", "receipt:COMPLETED"},
			check: func(t *testing.T, r *corpusRun) {
				notice := r.task(t, "notice")
				require.Equal(t, "EVENT", notice["taskType"])
				require.Equal(t, "conductor:corpus_event_payment:payments", dig(t, notice, "outputData", "event_produced"))
				orderID := r.followed[0]
				order := r.exec(t, orderID)
				require.Equal(t, "COMPLETED", order["status"])
				require.Equal(t, []string{"await_payment:COMPLETED", "fulfil:COMPLETED"}, refsAndStatuses(t, order))
				require.Equal(t, "pay-42", dig(t, taskByRef(t, order, "await_payment"), "outputData", "paymentRef"))
				require.Equal(t, obj{"paid": "pay-42"}, r.input(t, "fulfil"))

				execs := r.b.waitEventExecutions("corpus_payments_handler", 2)
				var auditID string
				for _, ex := range execs {
					require.Equal(t, "COMPLETED", ex["status"], "%v", ex)
					if ex["action"] == "start_workflow" {
						auditID = dig(t, ex, "output", "workflowId").(string)
					}
				}
				require.NotEmpty(t, auditID, "the start_workflow action ran: %v", execs)
				audit := r.b.waitForStatus(auditID, "COMPLETED")
				require.Equal(t, "pay-42", dig(t, audit, "input", "paymentRef"))
				require.Equal(t, obj{"line": "audited pay-42"}, audit["output"])
			},
		},
		{
			name: "human task completed through the task API", fixture: "human_review.json",
			outputs: map[string]obj{"draft": {"text": "hello"}, "publish": {"url": "/p/1"}},
			human:   map[string]obj{"review": {"decision": "approve", "reviewer": "kim"}},
			status:  "COMPLETED",
			tasks:   []string{"draft:COMPLETED", "review:COMPLETED", "verdict:COMPLETED", "publish:COMPLETED"},
			check: func(t *testing.T, r *corpusRun) {
				review := r.task(t, "review")
				require.Equal(t, "HUMAN", review["taskType"])
				require.Equal(t, obj{"text": "hello"}, review["inputData"])
				require.Equal(t, obj{"decision": "approve", "reviewer": "kim"}, review["outputData"])
				require.Equal(t, "approve", dig(t, r.task(t, "verdict"), "inputData", "case"))
				require.Equal(t, obj{"text": "hello", "by": "kim"}, r.input(t, "publish"))
				require.Equal(t, obj{"published": "/p/1"}, r.wf["output"])
			},
		},
		{
			name: "human task rejection terminates failed", fixture: "human_review.json",
			outputs: map[string]obj{"draft": {"text": "meh"}},
			human:   map[string]obj{"review": {"decision": "reject", "reviewer": "lu"}},
			status:  "FAILED",
			tasks:   []string{"draft:COMPLETED", "review:COMPLETED", "verdict:COMPLETED", "rejected:COMPLETED"},
			check: func(t *testing.T, r *corpusRun) {
				require.Equal(t, "rejected by lu", r.wf["reasonForIncompletion"])
				r.b.requireNothingToPoll("cw_publish")
			},
		},
	}
}
