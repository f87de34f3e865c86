package decide

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/dop251/goja"
	"github.com/stretchr/testify/require"

	"github.com/podiumhq/podium/internal/conductor"
)

// memory is a Resolver over in-memory state: the settled history a store would hold, the
// secrets and rights of the workflow's principal.
type memory struct {
	settled      []*Attempt
	dormant      []*Attempt // unsettled attempts a decision is not given (queued or claimed)
	dormantReads int
	pendingAsks  int
	secrets      map[string]string
	taskDefs     map[string]*conductor.TaskDef
	// children are the child workflows started, by id; refuseChild names workflows whose
	// start is refused.
	children      map[string]*conductor.Workflow
	childRequests []*conductor.StartWorkflowRequest
	refuseChild   map[string]bool
	denied        map[string]bool
	readonly      map[string]bool // secrets the principal may use but not write
	secretErr     error           // the secrets store is failing
	interrupted   bool
	polls         map[string]time.Time // last poll of "taskType/domain"
	childMasks    map[string][]string  // values each child masks, by id
	loads         int
}

func (m *memory) Settled(f Filter) ([]*Attempt, error) {
	var out []*Attempt
	for _, a := range m.settled {
		t := a.Task
		switch {
		case f.TaskID != "" && t.TaskID != f.TaskID:
		case f.Ref != "" && t.ReferenceTaskName != f.Ref && (!f.LoopCopies || !isLoopCopy(t.ReferenceTaskName, f.Ref)):
		case len(f.Refs) > 0 && !slices.Contains(f.Refs, t.ReferenceTaskName):
		case f.NotRetried && t.Retried:
		default:
			out = append(out, a)
		}
	}
	if len(f.Refs) > 0 && (f.Newest || f.Oldest) {
		pick := map[string]*Attempt{}
		for _, a := range out {
			if cur := pick[a.Task.ReferenceTaskName]; cur == nil || f.Newest {
				pick[a.Task.ReferenceTaskName] = a
			}
		}
		return slices.DeleteFunc(out, func(a *Attempt) bool { return pick[a.Task.ReferenceTaskName] != a }), nil
	}
	switch {
	case f.Newest && len(out) > 0:
		out = out[len(out)-1:]
	case f.Oldest && len(out) > 0:
		out = out[:1]
	}
	return out, nil
}

func (m *memory) Unsettled(f Filter) ([]*Attempt, error) {
	var out []*Attempt
	for _, a := range m.dormant {
		t := a.Task
		switch {
		case f.TaskID != "" && t.TaskID != f.TaskID:
		case f.Ref != "" && t.ReferenceTaskName != f.Ref && (!f.LoopCopies || !isLoopCopy(t.ReferenceTaskName, f.Ref)):
		case len(f.Refs) > 0 && !slices.Contains(f.Refs, t.ReferenceTaskName):
		default:
			out = append(out, a)
		}
	}
	m.dormantReads++
	return out, nil
}

func (m *memory) Pending(refs, prefixes, known []string) (bool, error) {
	m.pendingAsks++
	for _, a := range m.dormant {
		ref := a.Task.ReferenceTaskName
		if slices.Contains(known, a.Task.TaskID) {
			continue
		}
		if slices.Contains(refs, ref) || slices.ContainsFunc(prefixes, func(p string) bool { return strings.HasPrefix(ref, p) }) {
			return true, nil
		}
	}
	return false, nil
}

func (m *memory) Load(atts []*Attempt) error {
	m.loads += len(atts)
	for _, a := range atts {
		a.Compact = false
	}
	return nil
}

func (m *memory) Open(*Attempt, bool) (map[string]any, error) {
	return nil, errors.New("nothing is sealed in memory")
}

func (m *memory) Secret(name string) (string, bool, error) {
	if m.secretErr != nil {
		return "", false, m.secretErr
	}
	v, ok := m.secrets[name]
	return v, ok, nil
}

func (m *memory) TaskDef(name string) (*conductor.TaskDef, bool, error) {
	def, ok := m.taskDefs[name]
	return def, ok, nil
}

// StartChild records the child started; a name in refuseChild is refused as the store would
// refuse a start.
func (m *memory) StartChild(req *conductor.StartWorkflowRequest) (string, error) {
	if m.refuseChild[req.Name] {
		return "", conductor.NotFoundf("No such workflow defined. name=%s, version=0", req.Name)
	}
	id := fmt.Sprintf("child-%d", len(m.children)+1)
	if m.children == nil {
		m.children = map[string]*conductor.Workflow{}
	}
	m.children[id] = &conductor.Workflow{WorkflowID: id, WorkflowName: req.Name, WorkflowVersion: 1, Status: conductor.WorkflowRunning,
		Input: req.Input, ParentWorkflowID: req.ParentWorkflowID, ParentWorkflowTaskID: req.ParentWorkflowTaskID}
	m.childRequests = append(m.childRequests, req)
	return id, nil
}

func (m *memory) Polled(taskType, domain string, since time.Time) (bool, error) {
	at, ok := m.polls[taskType+"/"+domain]
	return ok && !at.Before(since), nil
}

func (m *memory) Child(id string) (*conductor.Workflow, []string, error) {
	if c := m.children[id]; c != nil {
		copied := *c
		return &copied, m.childMasks[id], nil
	}
	return nil, nil, conductor.ErrNotFound
}

func (m *memory) MayUseSecret(name string) bool { return !m.denied[name] }

func (m *memory) CheckSecretWrite(name string) (bool, error) {
	_, exists := m.secrets[name]
	if m.readonly[name] {
		return !exists, fmt.Errorf("no UPDATE on %s: %w", name, conductor.ErrForbidden)
	}
	return !exists, nil
}

func (m *memory) Principal() (string, string) { return "rotator", "app-1" }

// Execute is the INLINE-like handler of the tests: it returns its input's "value".
func (m *memory) Execute(_ *Attempt, input map[string]any) Result {
	return Result{Status: conductor.TaskCompleted, Output: map[string]any{"result": input["value"]}}
}

func (m *memory) Interrupted() bool { return m.interrupted }

// testConfig runs SIMPLE and custom types by workers, INLINE inline, HTTP on internal workers;
// KAFKA_PUBLISH is a reserved type it does not execute. Scripts run as INLINE runs them.
func testConfig() *Config {
	n := 0
	return &Config{
		PayloadMax:      1 << 20,
		SystemTaskLease: 30 * time.Second,
		RunnerOf: func(taskType string) Runner {
			switch taskType {
			case conductor.TaskTypeSwitch, conductor.TaskTypeDecision, conductor.TaskTypeSetVariable, conductor.TaskTypeTerminate,
				conductor.TaskTypeWait, conductor.TaskTypeNoop, conductor.TaskTypeUpdateSecret,
				conductor.TaskTypeForkJoin, conductor.TaskTypeJoin, conductor.TaskTypeDoWhile, conductor.TaskTypeForkJoinDynamic,
				conductor.TaskTypeDynamic, conductor.TaskTypeExclusiveJoin, conductor.TaskTypeSubWorkflow,
				conductor.TaskTypeStartWorkflow, conductor.TaskTypeHuman:
				return ByDecider
			case "INLINE":
				return BySyncHandler
			case "HTTP":
				return ByAsyncHandler
			case conductor.TaskTypeKafkaPublish:
				return Unsupported
			}
			return ByWorker
		},
		Script:          runScript,
		MaxSecretBytes:  64,
		ValidSecretName: func(string) error { return nil },
		NewID:           func() string { n++; return fmt.Sprintf("task-%d", n) },
	}
}

// runScript evaluates JavaScript with $ bound to input, as the engine's script evaluator does
// (without its limits and sandbox, which engine/systask tests).
func runScript(expression string, input map[string]any) (any, error) {
	vm := goja.New()
	data, err := json.Marshal(input)
	if err != nil {
		return nil, err
	}
	var plain any
	if err := json.Unmarshal(data, &plain); err != nil {
		return nil, err
	}
	if err := vm.Set("$", plain); err != nil {
		return nil, err
	}
	v, err := vm.RunString(expression)
	if err != nil {
		return nil, err
	}
	return v.Export(), nil
}

var epoch = time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)

// run is one workflow decided in memory: each step applies a change and decides, as one
// transaction of the engine would.
type run struct {
	t   *testing.T
	d   *Decision
	mem *memory
}

// start begins a workflow of def with input at epoch and decides it.
func start(t *testing.T, def *conductor.WorkflowDef, input map[string]any) *run {
	return startWith(t, def, input, &memory{})
}

func startWith(t *testing.T, def *conductor.WorkflowDef, input map[string]any, mem *memory) *run {
	t.Helper()
	wf := &conductor.Workflow{WorkflowID: "wf-1", WorkflowName: def.Name, WorkflowVersion: def.Version,
		Status: conductor.WorkflowRunning, CreateTime: epoch.UnixMilli(), Input: input, Output: map[string]any{}}
	d := New(testConfig(), mem, State{Workflow: wf, Def: def, RunAs: "app-1"}, epoch)
	d.Begin(input)
	d.Decide()
	require.NoError(t, d.Err())
	return &run{t: t, d: d, mem: mem}
}

// reopen starts the next step as a new decision loaded the way the store loads one: the
// settled attempts left to the resolver, the queued and claimed ones dormant except the
// targets, the rest given.
func (r *run) reopen(targets ...string) {
	r.t.Helper()
	// Every attempt there is: those the decision read, and those it left to the resolver.
	all := map[string]*Attempt{}
	for _, list := range [][]*Attempt{r.mem.settled, r.mem.dormant, r.d.Tasks} {
		for _, a := range list {
			all[a.Task.TaskID] = a
		}
	}
	every := slices.SortedFunc(maps.Values(all), func(a, b *Attempt) int { return a.Task.Seq - b.Task.Seq })
	var given []*Attempt
	r.mem.settled, r.mem.dormant = nil, nil
	for _, a := range every {
		a.New = false
		t := a.Task
		dormant := !t.Executed && (t.Status == conductor.TaskScheduled || t.Status == conductor.TaskInProgress) &&
			(a.QueueName != "" || a.LeaseUntil != nil)
		switch {
		case t.Executed && t.Status != conductor.TaskSkipped:
			r.mem.settled = append(r.mem.settled, a)
		case dormant && !slices.Contains(targets, t.ReferenceTaskName):
			r.mem.dormant = append(r.mem.dormant, a)
		default:
			given = append(given, a)
		}
	}
	maxSeq := r.d.maxSeq
	r.d = New(r.d.cfg, r.mem, State{Workflow: r.d.Workflow, Def: r.d.Def, Tasks: given, Partial: true, MaxSeq: maxSeq,
		RunAs: "app-1", Dormant: len(r.mem.dormant)}, r.d.Now)
}

// at moves the clock to epoch+offset and decides (a sweep).
func (r *run) at(offset time.Duration) {
	r.d.Now = epoch.Add(offset)
	r.d.Decide()
	require.NoError(r.t, r.d.Err())
}

// attempt is the newest attempt of ref; it must exist.
func (r *run) attempt(ref string) *Attempt {
	r.t.Helper()
	a := r.d.Latest(ref)
	require.NotNil(r.t, a, "no attempt of %s", ref)
	return a
}

// attempts counts the attempts of ref.
func (r *run) attempts(ref string) int {
	n := 0
	for _, a := range r.d.Tasks {
		if a.Task.ReferenceTaskName == ref {
			n++
		}
	}
	return n
}

// poll marks the newest attempt of ref claimed by a worker, as the queue's claim does.
func (r *run) poll(ref string) *Attempt {
	a := r.attempt(ref)
	require.Equal(r.t, conductor.TaskScheduled, a.Task.Status, ref)
	a.Task.Status, a.Task.StartTime, a.Task.UpdateTime, a.Task.PollCount = conductor.TaskInProgress, r.d.Now.UnixMilli(), r.d.Now.UnixMilli(), a.Task.PollCount+1
	lease := r.d.Now.Add(time.Duration(a.ResponseTimeoutSeconds) * time.Second)
	a.QueueName, a.VisibleAt, a.LeaseUntil = "", nil, &lease
	return a
}

// report applies a worker's result on the newest attempt of ref and decides.
func (r *run) report(ref string, status conductor.TaskStatus, output map[string]any, reason string) {
	r.t.Helper()
	a := r.attempt(ref)
	if a.Task.Status == conductor.TaskScheduled {
		r.poll(ref)
	}
	r.d.ApplyResult(a, &conductor.TaskResult{TaskID: a.Task.TaskID, WorkflowInstanceID: r.d.Workflow.WorkflowID,
		Status: status, OutputData: output, ReasonForIncompletion: reason})
	r.d.Decide()
	require.NoError(r.t, r.d.Err())
}

func (r *run) complete(ref string, output map[string]any) {
	r.t.Helper()
	r.report(ref, conductor.TaskCompleted, output, "")
}

func (r *run) status() conductor.WorkflowStatus { return r.d.Workflow.Status }

// refs lists the reference names of the attempts, in order.
func (r *run) refs() []string {
	var out []string
	for _, a := range r.d.Tasks {
		out = append(out, a.Task.ReferenceTaskName)
	}
	return out
}

// wt is a workflow task of type typ (a worker task named ref when typ is SIMPLE).
func wt(ref, typ string, input map[string]any) conductor.WorkflowTask {
	return conductor.WorkflowTask{Name: ref, TaskReferenceName: ref, Type: typ, InputParameters: input}
}

func simpleTask(ref string, input map[string]any) conductor.WorkflowTask {
	return wt(ref, conductor.TaskTypeSimple, input)
}

func workflow(tasks ...conductor.WorkflowTask) *conductor.WorkflowDef {
	return &conductor.WorkflowDef{Name: "wf", Version: 1, SchemaVersion: 2, Tasks: tasks}
}

// jsonOf renders v for assertions on encoded forms.
func jsonOf(t *testing.T, v any) string {
	t.Helper()
	data, err := json.Marshal(v)
	require.NoError(t, err)
	return string(data)
}

// dirtyIDs lists the task ids of the change set, sorted.
func (r *run) dirtyIDs() []string {
	var ids []string
	for id := range r.d.Changes().Dirty {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}
