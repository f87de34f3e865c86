package api_test

// A corpus of workflow definitions shaped like the ones Conductor users run (forks, nested
// forks, forks inside switches and decisions, dynamic forks, loops of system and worker tasks,
// loops holding forks and loops, jq, LAMBDA and TERMINATE, exclusive joins, dynamic tasks,
// JSONPath deep scans and filters, secrets), each in testdata/corpus. Every case registers one
// definition, starts it and drives it to its end with a generic worker, then checks what
// Conductor's own integration specs check: the tasks in order with their statuses, and the
// outputs that matter.

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// corpusCase is one run of a corpus definition.
type corpusCase struct {
	name    string
	fixture string // file under testdata/corpus: the definition the case starts
	// defs are further definitions under testdata/corpus registered before fixture (the
	// children it runs as sub-workflows, the workflows it starts or an event acts on).
	defs []string
	// handlers are event handlers under testdata/corpus registered (POST /api/event) before
	// the start.
	handlers []string
	input    obj
	// outputs is what the worker reports for each task, by exact reference name (ref__2)
	// or by the reference name before any loop suffix (ref); {} when absent.
	outputs map[string]obj
	// respond, when set, gives the output of the tasks outputs does not name, from the
	// reference name and the input the worker was handed.
	respond func(ref string, in obj) obj
	// failures are the tasks the worker fails, by reference name as outputs: the reason it
	// gives.
	failures map[string]string
	// human is the output each HUMAN task (by reference name as outputs) is completed with,
	// through POST /api/tasks/{workflowId}/{ref}/COMPLETED, once it is IN_PROGRESS.
	human map[string]obj
	// taskDefs are task definitions to register besides the definitions' SIMPLE tasks (the
	// targets of dynamic forks and DYNAMIC tasks).
	taskDefs []string
	// secrets are stored (name → value) before the start.
	secrets map[string]string
	// prepare runs after the registrations and before the start; what it returns is added
	// to the input (it may start other workflows and r.follow them).
	prepare func(t *testing.T, r *corpusRun) obj
	status  string
	// tasks is the expected "referenceTaskName:STATUS" list of the final execution, in order.
	tasks []string
	check func(t *testing.T, r *corpusRun)
}

// corpusRun is a finished run: the final execution and what the worker was handed.
type corpusRun struct {
	b  *testBundle
	id string
	wf obj
	// body is GET /api/workflow/{id} as the server wrote it.
	body []byte
	// inputs is the inputData the worker got with each task it polled, by reference name
	// (the last one polled under that name, in whichever workflow).
	inputs map[string]obj
	// polls lists every task the worker was handed, in the order it finished them.
	polls []corpusPoll
	// followed are the ids of the workflows the worker plays besides id, in the order they
	// were found: r.follow'ed ones, children of SUB_WORKFLOW tasks, and workflows started
	// by START_WORKFLOW tasks, at any depth.
	followed []string
	// execs are the final executions of id and every followed workflow, by id.
	execs map[string]obj
}

// corpusPoll is one task the worker was handed.
type corpusPoll struct {
	workflowID, ref string
	input           obj
}

// task returns the latest attempt of ref in the final execution.
func (r *corpusRun) task(t *testing.T, ref string) obj {
	t.Helper()
	return taskByRef(t, r.wf, ref)
}

// input returns what the worker was handed with ref.
func (r *corpusRun) input(t *testing.T, ref string) obj {
	t.Helper()
	in, ok := r.inputs[ref]
	require.True(t, ok, "the worker never polled %s (polled: %v)", ref, keysOf(r.inputs))
	return in
}

// follow has the worker play workflow id too (until it ends).
func (r *corpusRun) follow(id string) {
	if id != r.id && !slices.Contains(r.followed, id) {
		r.followed = append(r.followed, id)
	}
}

// child returns the final execution of the workflow the SUB_WORKFLOW task ref of wf ran.
func (r *corpusRun) child(t *testing.T, wf obj, ref string) obj {
	t.Helper()
	task := taskByRef(t, wf, ref)
	require.Equal(t, "SUB_WORKFLOW", task["taskType"], "%s", ref)
	id, _ := task["subWorkflowId"].(string)
	require.Regexp(t, uuidPattern, id, "%s has no subWorkflowId", ref)
	child, ok := r.execs[id]
	require.True(t, ok, "child %s of %s was not followed", id, ref)
	require.Equal(t, wf["workflowId"], child["parentWorkflowId"], "%s's child names its parent", ref)
	require.Equal(t, task["taskId"], child["parentWorkflowTaskId"], "%s's child names its parent task", ref)
	return child
}

// exec returns the final execution of a workflow the run followed.
func (r *corpusRun) exec(t *testing.T, id string) obj {
	t.Helper()
	wf, ok := r.execs[id]
	require.True(t, ok, "workflow %s was not followed", id)
	return wf
}

func keysOf(m map[string]obj) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// dec is a decimal JSON number as decoded from a response.
func dec(s string) json.Number { return json.Number(s) }

// corpusSecret is the value of the corpus_api_key secret.
const corpusSecret = "corpus-k3y-7f3a9d2e51"

func TestCorpus(t *testing.T) {
	t.Parallel()
	for _, tc := range append(corpusCases(), corpusFlowCases()...) {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := runCorpusCase(t, tc)
			require.Equal(t, tc.status, r.wf["status"], "workflow: %s", summary(t, r.wf))
			if tc.tasks != nil {
				require.Equal(t, tc.tasks, refsAndStatuses(t, r.wf))
			}
			if tc.check != nil {
				tc.check(t, r)
			}
		})
	}
}

// readCorpusDef reads a definition of testdata/corpus, which must say what it is.
func readCorpusDef(t *testing.T, file string) ([]byte, obj) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "corpus", file))
	require.NoError(t, err)
	def := decodeObj(t, data)
	require.NotEmpty(t, def["description"], "every corpus definition says what it is: %s", file)
	return data, def
}

// runCorpusCase registers the case's definitions, task definitions and event handlers,
// starts its definition and plays the worker until every workflow it runs ends.
func runCorpusCase(t *testing.T, tc corpusCase) *corpusRun {
	t.Helper()
	b := setup(t)
	files := append(slices.Clone(tc.defs), tc.fixture)
	var (
		datas [][]byte
		def   obj
		names = slices.Clone(tc.taskDefs)
	)
	for _, file := range files {
		data, d := readCorpusDef(t, file)
		datas, def = append(datas, data), d
		names = append(names, simpleTaskNames(d["tasks"])...)
	}
	slices.Sort(names)
	defs := make([]obj, 0, len(names))
	for _, name := range slices.Compact(names) {
		defs = append(defs, obj{"name": name, "retryCount": 0, "timeoutSeconds": 120, "responseTimeoutSeconds": 120,
			"timeoutPolicy": "TIME_OUT_WF", "ownerEmail": "corpus@podium.test"})
	}
	if len(defs) > 0 {
		b.registerTaskDefs(defs...)
	}
	for name, value := range tc.secrets {
		b.putSecret(name, fmt.Sprintf("%q", value))
	}
	for _, data := range datas {
		b.createWorkflow(data)
	}
	for _, file := range tc.handlers {
		_, h := readCorpusDef(t, file)
		b.addHandler(h)
	}

	r := &corpusRun{b: b, inputs: map[string]obj{}, execs: map[string]obj{}}
	input := obj{}
	maps.Copy(input, tc.input)
	if tc.prepare != nil {
		maps.Copy(input, tc.prepare(t, r))
	}
	r.id = b.startWorkflow(def["name"].(string), input)
	b.driveCorpus(r, tc)
	return r
}

// simpleTaskNames lists the names of the SIMPLE tasks of a task list, at any depth (inline
// sub-workflow definitions included).
func simpleTaskNames(list any) []string {
	var out []string
	tasks, _ := list.(arr)
	for _, v := range tasks {
		task, _ := v.(obj)
		if task["type"] == "SIMPLE" {
			out = append(out, task["name"].(string))
		}
		if branches, ok := task["forkTasks"].(arr); ok {
			for _, branch := range branches {
				out = append(out, simpleTaskNames(branch)...)
			}
		}
		if cases, ok := task["decisionCases"].(obj); ok {
			for _, c := range cases {
				out = append(out, simpleTaskNames(c)...)
			}
		}
		out = append(out, simpleTaskNames(task["defaultCase"])...)
		out = append(out, simpleTaskNames(task["loopOver"])...)
		if param, ok := task["subWorkflowParam"].(obj); ok {
			if inline, ok := param["workflowDefinition"].(obj); ok {
				out = append(out, simpleTaskNames(inline["tasks"])...)
			}
		}
	}
	return out
}

// corpusTerminal are the terminal workflow statuses.
var corpusTerminal = map[any]bool{"COMPLETED": true, "FAILED": true, "TERMINATED": true, "TIMED_OUT": true}

// corpusSystemTypes are the task types no worker polls for.
var corpusSystemTypes = map[any]bool{"HTTP": true, "SUB_WORKFLOW": true, "START_WORKFLOW": true, "EVENT": true,
	"WAIT": true, "HUMAN": true, "JOIN": true, "EXCLUSIVE_JOIN": true, "FORK": true, "DO_WHILE": true}

// driveCorpus plays the worker in rounds until the workflow and every workflow it follows
// end: each round looks at them all (the started one first, then the followed ones in the
// order they were found), follows the children and started workflows their tasks name,
// completes the HUMAN tasks the case answers, takes every SCHEDULED worker task, polls them
// all (by task type), then completes (or fails) them in that order with the output outputs
// gives their reference name. Completing in a fixed order keeps the seq numbers of what they
// schedule deterministic. When there is nothing to do (a child being started, an event
// being delivered) it waits, up to 10 s.
func (b *testBundle) driveCorpus(r *corpusRun, tc corpusCase) {
	t := b.t
	t.Helper()
	var idleSince time.Time
	answered := map[any]bool{}
	for round := 0; ; round++ {
		require.Less(t, round, 80, "the workflows did not end within 80 rounds")
		var pending []obj
		counts := map[string]int{}
		humans := 0
		ended := true
		for i := -1; i < len(r.followed); i++ { // r.followed grows as children are found
			id := r.id
			if i >= 0 {
				id = r.followed[i]
			}
			resp := b.do(http.MethodGet, executionPath+"/"+id, nil)
			requireStatus(t, resp, http.StatusOK)
			wf := decodeObj(t, resp.Body)
			r.execs[id] = wf
			if id == r.id {
				r.wf, r.body = wf, resp.Body
			}
			for _, task := range tasksOf(t, wf) {
				if child, _ := task["subWorkflowId"].(string); child != "" {
					r.follow(child)
				}
				if task["taskType"] == "START_WORKFLOW" {
					out, _ := task["outputData"].(obj)
					if started, _ := out["workflowId"].(string); started != "" {
						r.follow(started)
					}
				}
			}
			if corpusTerminal[wf["status"]] {
				continue
			}
			ended = false
			for _, task := range tasksOf(t, wf) {
				ref := task["referenceTaskName"].(string)
				if task["taskType"] == "HUMAN" && task["status"] == "IN_PROGRESS" && !answered[task["taskId"]] {
					if out, ok := corpusLookup(tc.human, ref); ok {
						taskID := requireID(t, b.do(http.MethodPost, fmt.Sprintf("%s/%s/%s/COMPLETED", tasksPath, id, ref), out))
						require.Equal(t, task["taskId"], taskID, "the task API answers the id of the task it completed")
						answered[task["taskId"]] = true
						humans++
					}
				}
				if task["status"] == "SCHEDULED" && !corpusSystemTypes[task["taskType"]] {
					pending = append(pending, task)
					counts[task["taskType"].(string)]++
				}
			}
		}
		if ended {
			return
		}
		if len(pending) == 0 && humans == 0 {
			if idleSince.IsZero() {
				idleSince = time.Now()
			}
			require.Less(t, time.Since(idleSince), 10*time.Second, "the workflows are running with nothing for a worker: %s",
				b.corpusSummary(r))
			time.Sleep(20 * time.Millisecond)
			continue
		}
		idleSince = time.Time{}
		polled := map[any]obj{}
		for typ, n := range counts {
			got := 0
			for attempt := 0; got < n; attempt++ {
				require.Less(t, attempt, 50, "polling %s: got %d of %d tasks", typ, got, n)
				resp := b.do(http.MethodGet, fmt.Sprintf("%s/poll/batch/%s?workerid=%s&count=%d&timeout=50", tasksPath, typ, testWorker, n-got), nil)
				requireStatus(t, resp, http.StatusOK)
				for _, v := range decodeArr(t, resp.Body) {
					task := v.(obj)
					polled[task["taskId"]] = task
					got++
				}
			}
		}
		for _, p := range pending {
			task, ok := polled[p["taskId"]]
			require.True(t, ok, "task %v (%v) was not handed out", p["referenceTaskName"], p["taskType"])
			ref := task["referenceTaskName"].(string)
			in, _ := task["inputData"].(obj)
			r.inputs[ref] = in
			r.polls = append(r.polls, corpusPoll{workflowID: task["workflowInstanceId"].(string), ref: ref, input: in})
			if reason, ok := corpusLookup(tc.failures, ref); ok {
				b.failTask(task, reason)
				continue
			}
			out, ok := corpusLookup(tc.outputs, ref)
			if !ok && tc.respond != nil {
				out = tc.respond(ref, in)
			}
			if out == nil {
				out = obj{}
			}
			b.completeTask(task, out)
		}
	}
}

// corpusSummary describes every workflow of a run for failure messages.
func (b *testBundle) corpusSummary(r *corpusRun) string {
	var out []string
	for _, id := range append([]string{r.id}, r.followed...) {
		if wf, ok := r.execs[id]; ok {
			out = append(out, fmt.Sprintf("%v %s: %s", wf["workflowName"], id, summary(b.t, wf)))
		}
	}
	return strings.Join(out, "; ")
}

// corpusLookup is m's entry for ref: by its exact name, else by its name before the loop
// suffix.
func corpusLookup[V any](m map[string]V, ref string) (V, bool) {
	if v, ok := m[ref]; ok {
		return v, true
	}
	base, _, _ := strings.Cut(ref, "__")
	v, ok := m[base]
	return v, ok
}

func corpusCases() []corpusCase {
	return []corpusCase{
		{
			name: "fork of three branches of different lengths", fixture: "fanout_three_branches.json",
			input: obj{"orderId": "o-1"},
			outputs: map[string]obj{
				"quote": {"price": 12.5}, "stock": {"sku": "A-1"}, "reserve": {"hold": "h-9"},
				"score": {"value": 7}, "verdict": {"ok": true}, "confirm": {"id": "c-1"},
			},
			status: "COMPLETED",
			tasks: []string{"fan:COMPLETED", "quote:COMPLETED", "stock:COMPLETED", "fraud:COMPLETED", "fan_join:COMPLETED",
				"reserve:COMPLETED", "score:COMPLETED", "verdict:COMPLETED", "confirm:COMPLETED"},
			check: func(t *testing.T, r *corpusRun) {
				require.Equal(t, "FORK", r.task(t, "fan")["taskType"])
				join := r.task(t, "fan_join")
				require.Equal(t, "JOIN", join["taskType"])
				require.Equal(t, arr{"quote", "reserve", "verdict"}, dig(t, join, "inputData", "joinOn"))
				joined := obj{"quote": obj{"price": dec("12.5")}, "reserve": obj{"hold": "h-9"}, "verdict": obj{"ok": true}}
				require.Equal(t, joined, join["outputData"], "the JOIN holds the output of each joined task")
				require.Equal(t, obj{"sku": "A-1"}, r.input(t, "reserve"))
				require.Equal(t, obj{"score": num(7)}, r.input(t, "verdict"))
				require.Equal(t, obj{"price": dec("12.5"), "reserved": obj{"hold": "h-9"}, "accepted": true}, r.input(t, "confirm"))
				require.Equal(t, obj{"price": dec("12.5"), "accepted": true, "confirmation": "c-1"}, r.wf["output"])
			},
		},
		{
			name: "nested forks", fixture: "nested_forks.json",
			input: obj{"user": "ada"},
			outputs: map[string]obj{
				"profile": {"name": "Ada"}, "avatar": {"url": "a.png"}, "locale": {"lang": "en"}, "assemble": {"ready": true},
			},
			status: "COMPLETED",
			tasks: []string{"outer:COMPLETED", "profile:COMPLETED", "inner:COMPLETED", "avatar:COMPLETED", "prefs:COMPLETED",
				"inner_join:COMPLETED", "outer_join:COMPLETED", "locale:COMPLETED", "assemble:COMPLETED", "publish:COMPLETED"},
			check: func(t *testing.T, r *corpusRun) {
				require.Equal(t, "FORK", r.task(t, "inner")["taskType"])
				inner := obj{"avatar": obj{"url": "a.png"}, "locale": obj{"lang": "en"}}
				require.Equal(t, inner, r.task(t, "inner_join")["outputData"])
				require.Equal(t, obj{"parts": inner}, r.input(t, "assemble"))
				outer := obj{"profile": obj{"name": "Ada"}, "assemble": obj{"ready": true}}
				require.Equal(t, outer, r.task(t, "outer_join")["outputData"])
				require.Equal(t, obj{"all": outer}, r.input(t, "publish"))
				require.Equal(t, obj{"user": "ada"}, r.input(t, "profile"))
			},
		},
		{
			name: "fork inside a switch case", fixture: "switch_case_fork.json",
			input:   obj{"mode": "parallel"},
			outputs: map[string]obj{"left": {"side": "L"}, "right": {"seed": 42}, "right_after": {"side": "R"}},
			status:  "COMPLETED",
			tasks: []string{"route:COMPLETED", "split:COMPLETED", "left:COMPLETED", "right:COMPLETED", "split_join:COMPLETED",
				"right_after:COMPLETED", "finish:COMPLETED"},
			check: func(t *testing.T, r *corpusRun) {
				route := r.task(t, "route")
				require.Equal(t, "SWITCH", route["taskType"])
				require.Equal(t, "parallel", dig(t, route, "inputData", "case"))
				require.Equal(t, obj{"evaluationResult": arr{"parallel"}, "selectedCase": "parallel"}, route["outputData"])
				require.Equal(t, "FORK", r.task(t, "split")["taskType"])
				joined := obj{"left": obj{"side": "L"}, "right_after": obj{"side": "R"}}
				require.Equal(t, joined, r.task(t, "split_join")["outputData"])
				require.Equal(t, obj{"seed": num(42)}, r.input(t, "right_after"))
				require.Equal(t, obj{"joined": joined, "serial": nil, "chosen": "parallel"}, r.input(t, "finish"),
					"a reference to a task that did not run is null")
			},
		},
		{
			name: "switch default case", fixture: "switch_case_fork.json",
			input:   obj{"mode": "batch"},
			outputs: map[string]obj{"serial": {"done": 1}},
			status:  "COMPLETED",
			tasks:   []string{"route:COMPLETED", "serial:COMPLETED", "finish:COMPLETED"},
			check: func(t *testing.T, r *corpusRun) {
				require.Equal(t, arr{"batch"}, dig(t, r.task(t, "route"), "outputData", "evaluationResult"))
				require.Equal(t, obj{"joined": nil, "serial": obj{"done": num(1)}, "chosen": "batch"}, r.input(t, "finish"))
			},
		},
		{
			name: "decision leading to a fork", fixture: "decision_to_fork.json",
			input:   obj{"alert": "disk full", "owner": "ops@example.test"},
			outputs: map[string]obj{"assess": {"route": "fanout"}, "email": {"id": "e-1"}, "sms": {"id": "s-1"}},
			status:  "COMPLETED",
			tasks: []string{"assess:COMPLETED", "pick:COMPLETED", "spread:COMPLETED", "email:COMPLETED", "sms:COMPLETED",
				"spread_join:COMPLETED", "audit:COMPLETED"},
			check: func(t *testing.T, r *corpusRun) {
				pick := r.task(t, "pick")
				require.Equal(t, "DECISION", pick["taskType"])
				require.Equal(t, "fanout", dig(t, pick, "inputData", "case"))
				require.Equal(t, obj{"caseOutput": arr{"fanout"}}, pick["outputData"])
				require.Equal(t, obj{"to": "ops@example.test"}, r.input(t, "email"))
				joined := obj{"email": obj{"id": "e-1"}, "sms": obj{"id": "s-1"}}
				require.Equal(t, joined, r.task(t, "spread_join")["outputData"])
				require.Equal(t, obj{"notified": joined}, r.input(t, "audit"))
			},
		},
		{
			name: "dynamic fork planned by a worker", fixture: "dynamic_fork_planned.json",
			input: obj{"image": "cat.png"},
			outputs: map[string]obj{
				"plan": {
					"jobs": arr{
						obj{"name": "cw_resize", "taskReferenceName": "resize_small", "type": "SIMPLE"},
						obj{"name": "cw_resize", "taskReferenceName": "resize_large", "type": "SIMPLE"},
						obj{"name": "cw_watermark", "taskReferenceName": "mark", "type": "SIMPLE"},
					},
					"inputs": obj{"resize_small": obj{"width": 64}, "resize_large": obj{"width": 1024}, "mark": obj{"text": "(c) corpus"}},
				},
				"resize_small": {"url": "s.png"}, "resize_large": {"url": "l.png"},
			},
			taskDefs: []string{"cw_resize", "cw_watermark"},
			status:   "COMPLETED",
			tasks: []string{"plan:COMPLETED", "jobs:COMPLETED", "resize_small:COMPLETED", "resize_large:COMPLETED", "mark:COMPLETED",
				"jobs_join:COMPLETED", "collect:COMPLETED"},
			check: func(t *testing.T, r *corpusRun) {
				fork := r.task(t, "jobs")
				require.Equal(t, "FORK", fork["taskType"])
				forked := arr{"resize_small", "resize_large", "mark"}
				require.Equal(t, forked, dig(t, fork, "inputData", "forkedTasks"))
				join := r.task(t, "jobs_join")
				require.Equal(t, forked, dig(t, join, "inputData", "joinOn"))
				results := obj{"resize_small": obj{"url": "s.png"}, "resize_large": obj{"url": "l.png"}}
				require.Equal(t, results, join["outputData"], "an empty output is left out of the JOIN's")
				require.Equal(t, "cw_resize", r.task(t, "resize_large")["taskType"])
				require.Equal(t, "cw_watermark", r.task(t, "mark")["taskType"])
				require.Equal(t, obj{"width": num(64)}, r.input(t, "resize_small"))
				require.Equal(t, obj{"width": num(1024)}, r.input(t, "resize_large"))
				require.Equal(t, obj{"text": "(c) corpus"}, r.input(t, "mark"))
				require.Equal(t, obj{"results": results}, r.input(t, "collect"))
			},
		},
		{
			name: "dynamic fork per input item", fixture: "dynamic_fork_per_item.json",
			input:    obj{"files": arr{obj{"path": "a.txt"}, obj{"path": "b.txt"}}},
			outputs:  map[string]obj{"_cw_scan_0": {"clean": true}, "_cw_scan_1": {"clean": false}},
			taskDefs: []string{"cw_scan"},
			status:   "COMPLETED",
			tasks:    []string{"per_file:COMPLETED", "_cw_scan_0:COMPLETED", "_cw_scan_1:COMPLETED", "per_file_join:COMPLETED", "report:COMPLETED"},
			check: func(t *testing.T, r *corpusRun) {
				fork := r.task(t, "per_file")
				require.Equal(t, "FORK", fork["taskType"])
				require.Equal(t, arr{"_cw_scan_0", "_cw_scan_1"}, dig(t, fork, "inputData", "forkedTasks"))
				require.Equal(t, "cw_scan", r.task(t, "_cw_scan_1")["taskType"])
				require.Equal(t, obj{"path": "a.txt", "__index": num(0)}, r.input(t, "_cw_scan_0"))
				require.Equal(t, obj{"path": "b.txt", "__index": num(1)}, r.input(t, "_cw_scan_1"))
				scanned := obj{"_cw_scan_0": obj{"clean": true}, "_cw_scan_1": obj{"clean": false}}
				require.Equal(t, scanned, r.task(t, "per_file_join")["outputData"])
				require.Equal(t, obj{"scanned": scanned}, r.input(t, "report"))
			},
		},
		{
			name: "dynamic fork of an empty list", fixture: "dynamic_fork_per_item.json",
			input:    obj{"files": arr{}},
			taskDefs: []string{"cw_scan"},
			status:   "COMPLETED",
			tasks:    []string{"per_file:COMPLETED", "per_file_join:COMPLETED", "report:COMPLETED"},
			check: func(t *testing.T, r *corpusRun) {
				require.Equal(t, arr{}, dig(t, r.task(t, "per_file"), "inputData", "forkedTasks"))
				join := r.task(t, "per_file_join")
				require.Equal(t, arr{}, dig(t, join, "inputData", "joinOn"))
				require.Equal(t, obj{}, join["outputData"])
				require.Equal(t, obj{"scanned": obj{}}, r.input(t, "report"))
			},
		},
		{
			name: "loop of a lambda, a jq transform and a worker", fixture: "loop_lambda_jq_worker.json",
			input:   obj{"rounds": 2},
			outputs: map[string]obj{"fetch_page__1": {"count": 10}, "fetch_page__2": {"count": 4}},
			status:  "COMPLETED",
			tasks: []string{"pages:COMPLETED", "offset__1:COMPLETED", "page_range__1:COMPLETED", "fetch_page__1:COMPLETED",
				"offset__2:COMPLETED", "page_range__2:COMPLETED", "fetch_page__2:COMPLETED", "summarize:COMPLETED"},
			check: func(t *testing.T, r *corpusRun) {
				require.Equal(t, "DO_WHILE", r.task(t, "pages")["taskType"])
				require.Equal(t, "LAMBDA", r.task(t, "offset__2")["taskType"])
				require.Equal(t, "JSON_JQ_TRANSFORM", r.task(t, "page_range__2")["taskType"])
				for ref, iteration := range map[string]int64{"offset__1": 1, "fetch_page__1": 1, "page_range__2": 2, "fetch_page__2": 2, "summarize": 0} {
					requireNum(t, iteration, r.task(t, ref)["iteration"], ref)
				}
				require.Equal(t, obj{"range": obj{"from": num(0), "to": num(9)}}, r.input(t, "fetch_page__1"))
				require.Equal(t, obj{"range": obj{"from": num(10), "to": num(19)}}, r.input(t, "fetch_page__2"))
				iteration := func(start, count int64) obj {
					rng := obj{"from": num(start), "to": num(start + 9)}
					return obj{
						"offset":     obj{"result": obj{"start": num(start)}},
						"page_range": obj{"result": rng, "resultList": arr{rng}},
						"fetch_page": obj{"count": num(count)},
					}
				}
				require.Equal(t, obj{"iteration": num(2), "1": iteration(0, 10), "2": iteration(10, 4)}, r.task(t, "pages")["outputData"])
				require.Equal(t, obj{"pages": num(2), "lastCount": num(4)}, r.input(t, "summarize"))
			},
		},
		{
			name: "loop over items with inline scripts", fixture: "loop_items_inline.json",
			input: obj{"cart": arr{
				obj{"sku": "pen", "qty": 2, "price": 3},
				obj{"sku": "ink", "qty": 1, "price": 7.5},
				obj{"sku": "pad", "qty": 4, "price": 1.25},
			}},
			status: "COMPLETED",
			tasks: []string{"lines:COMPLETED", "line_total__1:COMPLETED", "line_label__1:COMPLETED", "line_total__2:COMPLETED",
				"line_label__2:COMPLETED", "line_total__3:COMPLETED", "line_label__3:COMPLETED", "remember:COMPLETED", "invoice:COMPLETED"},
			check: func(t *testing.T, r *corpusRun) {
				line := func(total any, label string) obj {
					return obj{"line_total": obj{"result": total}, "line_label": obj{"result": label}}
				}
				require.Equal(t, obj{
					"iteration": num(3), "loopIndex": num(2),
					"loopItem": obj{"sku": "pad", "qty": num(4), "price": dec("1.25")},
					"1":        line(num(6), "0:pen"), "2": line(dec("7.5"), "1:ink"), "3": line(num(5), "2:pad"),
				}, r.task(t, "lines")["outputData"])
				require.Equal(t, obj{"sku": "ink", "qty": num(1), "price": dec("7.5")}, dig(t, r.task(t, "line_total__2"), "inputData", "line"))
				require.Equal(t, obj{"lineCount": num(3)}, r.wf["variables"])
				require.Equal(t, obj{"count": num(3), "lastTotal": num(5)}, r.input(t, "invoice"))
			},
		},
		{
			name: "loop holding a fork", fixture: "loop_with_fork.json",
			input:   obj{"times": 2},
			outputs: map[string]obj{"pull__1": {"batch": 1}, "pull__2": {"batch": 2}, "push_a": {"acked": "a"}, "push_b": {"acked": "b"}},
			status:  "COMPLETED",
			tasks: []string{"sync_loop:COMPLETED",
				"pull__1:COMPLETED", "both__1:COMPLETED", "push_a__1:COMPLETED", "push_b__1:COMPLETED", "both_join__1:COMPLETED",
				"pull__2:COMPLETED", "both__2:COMPLETED", "push_a__2:COMPLETED", "push_b__2:COMPLETED", "both_join__2:COMPLETED",
				"after_sync:COMPLETED"},
			check: func(t *testing.T, r *corpusRun) {
				fork := r.task(t, "both__2")
				require.Equal(t, "FORK", fork["taskType"])
				requireNum(t, 2, fork["iteration"])
				join := r.task(t, "both_join__2")
				require.Equal(t, arr{"push_a", "push_b"}, dig(t, join, "inputData", "joinOn"))
				joined := obj{"push_a__2": obj{"acked": "a"}, "push_b__2": obj{"acked": "b"}}
				require.Equal(t, joined, join["outputData"], "a JOIN in a loop joins the tasks of its iteration")
				require.Equal(t, obj{"batch": num(2)}, r.input(t, "push_b__2"))
				loop := r.task(t, "sync_loop")
				requireNum(t, 2, dig(t, loop, "outputData", "iteration"))
				require.Equal(t, obj{
					"pull": obj{"batch": num(2)}, "both": obj{}, "push_a": obj{"acked": "a"}, "push_b": obj{"acked": "b"}, "both_join": joined,
				}, dig(t, loop, "outputData", "2"), "the iteration's output holds every task of the body, the fork and its branches included")
				require.Equal(t, obj{"rounds": num(2)}, r.input(t, "after_sync"))
			},
		},
		{
			// Conductor names the tasks of a nested loop by the inner iteration only, so
			// they collide across outer iterations; Podium's documented names carry both.
			name: "nested loops", fixture: "nested_loops.json",
			outputs: map[string]obj{"weekly__1": {"sent": 1}, "weekly__2": {"sent": 2}},
			status:  "COMPLETED",
			tasks: []string{"weeks:COMPLETED",
				"days__1:COMPLETED", "day_label__1__1:COMPLETED", "day_label__1__2:COMPLETED", "day_label__1__3:COMPLETED", "weekly__1:COMPLETED",
				"days__2:COMPLETED", "day_label__2__1:COMPLETED", "day_label__2__2:COMPLETED", "day_label__2__3:COMPLETED", "weekly__2:COMPLETED"},
			check: func(t *testing.T, r *corpusRun) {
				label := r.task(t, "day_label__2__3")
				require.Equal(t, obj{"result": "w2d3"}, label["outputData"])
				requireNum(t, 3, label["iteration"], "a task of a nested loop carries the innermost iteration")
				require.Equal(t, obj{
					"iteration": num(3),
					"1":         obj{"day_label": obj{"result": "w2d1"}},
					"2":         obj{"day_label": obj{"result": "w2d2"}},
					"3":         obj{"day_label": obj{"result": "w2d3"}},
				}, r.task(t, "days__2")["outputData"])
				require.Equal(t, obj{"days": num(3), "lastLabel": "w1d3"}, r.input(t, "weekly__1"))
				require.Equal(t, obj{"days": num(3), "lastLabel": "w2d3"}, r.input(t, "weekly__2"))
				requireNum(t, 2, dig(t, r.task(t, "weeks"), "outputData", "iteration"))
			},
		},
		{
			name: "jq result and resultList", fixture: "jq_result_shapes.json",
			input: obj{"order": obj{"id": "o-7", "lines": arr{
				obj{"sku": "pen", "qty": 2, "unit": 3},
				obj{"sku": "ink", "qty": 1, "unit": 7},
			}}},
			status: "COMPLETED",
			tasks:  []string{"order_lines:COMPLETED", "order_total:COMPLETED", "verdict:COMPLETED", "billing:COMPLETED", "bill:COMPLETED"},
			check: func(t *testing.T, r *corpusRun) {
				pen, ink := obj{"sku": "pen", "amount": num(6)}, obj{"sku": "ink", "amount": num(7)}
				require.Equal(t, obj{"result": pen, "resultList": arr{pen, ink}}, r.task(t, "order_lines")["outputData"],
					"result is the first value, resultList all of them")
				total := obj{"count": num(2), "total": num(13)}
				require.Equal(t, obj{"result": total, "resultList": arr{total}}, r.task(t, "order_total")["outputData"])
				require.Equal(t, obj{"result": "BILL", "resultList": arr{"BILL"}}, r.task(t, "verdict")["outputData"])
				billing := r.task(t, "billing")
				require.Equal(t, "BILL", dig(t, billing, "inputData", "case"))
				require.Equal(t, obj{"caseOutput": arr{"BILL"}}, billing["outputData"])
				require.Equal(t, obj{"total": num(13)}, r.input(t, "bill"))
			},
		},
		{
			name: "jq merge", fixture: "jq_merge_tags.json",
			input:  obj{"left": obj{"tags": arr{"a", "b"}}, "right": obj{"tags": arr{"c"}}},
			status: "COMPLETED",
			tasks:  []string{"merge_tags:COMPLETED", "tagged:COMPLETED"},
			check: func(t *testing.T, r *corpusRun) {
				merged := obj{"tags": arr{"a", "b", "c"}}
				require.Equal(t, obj{"result": merged, "resultList": arr{merged}}, r.task(t, "merge_tags")["outputData"])
				require.Equal(t, merged, r.input(t, "tagged"))
			},
		},
		{
			name: "jq query error fails the workflow", fixture: "jq_merge_tags.json",
			input:  obj{"left": "plain", "right": obj{"tags": arr{"c"}}},
			status: "FAILED",
			tasks:  []string{"merge_tags:FAILED"},
			check: func(t *testing.T, r *corpusRun) {
				const message = `expected an object but got: string ("plain")` // gojq's words
				jq := r.task(t, "merge_tags")
				require.Equal(t, message, jq["reasonForIncompletion"])
				require.Equal(t, message, dig(t, jq, "outputData", "error"))
				require.Equal(t, failedReason(jq, "FAILED", message), r.wf["reasonForIncompletion"])
				r.b.requireNothingToPoll("cw_tagged")
			},
		},
		{
			name: "lambda then terminate completed", fixture: "lambda_terminate_completed.json",
			input:  obj{"score": 72},
			status: "COMPLETED",
			tasks:  []string{"grade:COMPLETED", "stop:COMPLETED"},
			check: func(t *testing.T, r *corpusRun) {
				graded := obj{"result": obj{"passed": true, "band": "pass"}}
				require.Equal(t, "LAMBDA", r.task(t, "grade")["taskType"])
				require.Equal(t, graded, r.task(t, "grade")["outputData"])
				stop := r.task(t, "stop")
				require.Equal(t, "TERMINATE", stop["taskType"])
				require.Equal(t, graded, stop["outputData"])
				require.Equal(t, graded, r.wf["output"], "the TERMINATE's workflowOutput replaces the outputParameters")
				require.Equal(t, fmt.Sprintf("Workflow is COMPLETED by TERMINATE task: %v", stop["taskId"]), r.wf["reasonForIncompletion"])
				r.b.requireNothingToPoll("cw_never_runs")
			},
		},
		{
			name: "terminate failed without a reason", fixture: "terminate_failed_no_reason.json",
			input:   obj{"address": "nowhere"},
			outputs: map[string]obj{"validate": {"valid": false, "problem": "missing street"}},
			status:  "FAILED",
			tasks:   []string{"validate:COMPLETED", "check:COMPLETED", "reject:COMPLETED"},
			check: func(t *testing.T, r *corpusRun) {
				require.Equal(t, arr{"reject"}, dig(t, r.task(t, "check"), "outputData", "evaluationResult"))
				reject := r.task(t, "reject")
				require.Equal(t, obj{"output": "missing street"}, reject["outputData"], "a workflowOutput that is not a map is put under output")
				require.Equal(t, obj{"output": "missing street"}, r.wf["output"])
				require.Equal(t, fmt.Sprintf("Workflow is FAILED by TERMINATE task: %v", reject["taskId"]), r.wf["reasonForIncompletion"],
					"Conductor names the TERMINATE task when it gives no terminationReason")
				r.b.requireNothingToPoll("cw_ship")
			},
		},
		{
			name: "terminate with status terminated inside a loop", fixture: "loop_terminate_terminated.json",
			input:   obj{"batches": arr{"b1", "b2", "b3"}, "limit": 1},
			outputs: map[string]obj{"process": {"done": true}},
			status:  "TERMINATED",
			tasks: []string{"batches:CANCELED", "budget__1:COMPLETED", "gate__1:COMPLETED", "process__1:COMPLETED",
				"budget__2:COMPLETED", "gate__2:COMPLETED", "halt__2:COMPLETED"},
			check: func(t *testing.T, r *corpusRun) {
				require.Equal(t, obj{"batch": "b1"}, r.input(t, "process__1"))
				require.Equal(t, obj{"result": true}, r.task(t, "budget__2")["outputData"])
				require.Equal(t, "budget exhausted at b2", r.wf["reasonForIncompletion"])
				require.Equal(t, obj{"processed": num(1)}, r.wf["output"])
				r.b.requireNothingToPoll("cw_after_batches")
			},
		},
		exclusiveJoinCase("exclusive join with no case taken", obj{"tier": "none"}, "intake",
			"intake:COMPLETED", "tier:COMPLETED", "merge_tier:COMPLETED", "close:COMPLETED"),
		exclusiveJoinCase("exclusive join falls back to a default task", obj{"tier": "gold", "extra": "no"}, "gold",
			"intake:COMPLETED", "tier:COMPLETED", "gold:COMPLETED", "gold_extra:COMPLETED", "merge_tier:COMPLETED", "close:COMPLETED"),
		exclusiveJoinCase("exclusive join of a nested decision", obj{"tier": "gold", "extra": "yes"}, "concierge",
			"intake:COMPLETED", "tier:COMPLETED", "gold:COMPLETED", "gold_extra:COMPLETED", "concierge:COMPLETED",
			"merge_tier:COMPLETED", "close:COMPLETED"),
		{
			name: "dynamic task named by a worker", fixture: "dynamic_task_handler.json",
			input:    obj{"ticket": "T-9"},
			outputs:  map[string]obj{"classify": {"handler": "cw_refund"}, "handle": {"outcome": "refunded"}},
			taskDefs: []string{"cw_refund", "cw_replace"},
			status:   "COMPLETED",
			tasks:    []string{"classify:COMPLETED", "handle:COMPLETED", "notify:COMPLETED"},
			check: func(t *testing.T, r *corpusRun) {
				handle := r.task(t, "handle")
				require.Equal(t, "cw_refund", handle["taskType"], "DYNAMIC runs the task its input names")
				require.Equal(t, "cw_refund", handle["taskDefName"])
				require.Equal(t, obj{"handlerName": "cw_refund", "ticket": "T-9"}, r.input(t, "handle"))
				require.Equal(t, obj{"outcome": "refunded"}, r.input(t, "notify"))
			},
		},
		{
			name: "deep scan and filter expressions", fixture: "jsonpath_scan_and_filter.json",
			outputs: map[string]obj{"inventory": {
				"depot": obj{"id": "w1"},
				"items": arr{
					obj{"id": "i1", "qty": 3, "sku": "pen"},
					obj{"id": "i2", "qty": 1, "sku": "ink"},
					obj{"box": obj{"id": "b7"}, "id": "i3", "qty": 2, "sku": "pad"},
				},
			}},
			status: "COMPLETED",
			tasks:  []string{"inventory:COMPLETED", "pick:COMPLETED"},
			check: func(t *testing.T, r *corpusRun) {
				require.Equal(t, obj{
					"ids":   arr{"w1", "i1", "i2", "i3", "b7"},
					"bulk":  arr{"pen", "pad"},
					"first": "pen",
					"lines": num(3),
				}, r.input(t, "pick"))
			},
		},
		{
			name: "secret in a fork branch, a loop body and dynamic fork inputs", fixture: "secret_in_fork_loop_dynamic.json",
			secrets:  map[string]string{"corpus_api_key": corpusSecret},
			outputs:  map[string]obj{"sign": {"echo": corpusSecret}, "rotate": {"ok": true}},
			taskDefs: []string{"cw_region_call"},
			status:   "COMPLETED",
			tasks: []string{"secure_fan:COMPLETED", "sign:COMPLETED", "plain:COMPLETED", "secure_join:COMPLETED",
				"rotate_loop:COMPLETED", "rotate__1:COMPLETED", "rotate__2:COMPLETED",
				"per_region:COMPLETED", "_cw_region_call_0:COMPLETED", "_cw_region_call_1:COMPLETED", "per_region_join:COMPLETED"},
			check: func(t *testing.T, r *corpusRun) {
				require.Equal(t, obj{"key": corpusSecret, "doc": "d-1"}, r.input(t, "sign"))
				require.Equal(t, obj{"auth": "Bearer " + corpusSecret, "round": num(1)}, r.input(t, "rotate__1"))
				require.Equal(t, obj{"auth": "Bearer " + corpusSecret, "round": num(2)}, r.input(t, "rotate__2"))
				require.Equal(t, obj{"region": "eu", "token": corpusSecret, "__index": num(0)}, r.input(t, "_cw_region_call_0"))
				require.Equal(t, obj{"region": "us", "token": corpusSecret, "__index": num(1)}, r.input(t, "_cw_region_call_1"))
				require.NotContains(t, string(r.body), corpusSecret, "GET /api/workflow/{id} never shows the secret")
				require.NotContains(t, string(r.b.do(http.MethodGet, executionPath+"/"+r.id+"?includeTasks=true", nil).Body), corpusSecret)
			},
		},
	}
}

// exclusiveJoinCase runs the exclusive join corpus definition with input: the EXCLUSIVE_JOIN
// and the step after it see the output of from (every worker answers {"via": its ref}).
func exclusiveJoinCase(name string, input obj, from string, tasks ...string) corpusCase {
	outputs := map[string]obj{}
	for _, ref := range []string{"intake", "gold", "concierge", "silver"} {
		outputs[ref] = obj{"via": ref}
	}
	return corpusCase{
		name: name, fixture: "exclusive_join_tiers.json", input: input, outputs: outputs,
		status: "COMPLETED", tasks: tasks,
		check: func(t *testing.T, r *corpusRun) {
			ej := r.task(t, "merge_tier")
			require.Equal(t, "EXCLUSIVE_JOIN", ej["taskType"])
			require.Equal(t, obj{"via": from}, ej["outputData"])
			require.Equal(t, obj{"via": from}, r.input(t, "close"))
		},
	}
}
