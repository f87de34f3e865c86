package engine

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/podiumhq/podium/internal/conductor"
	"github.com/podiumhq/podium/internal/secret"
	"github.com/podiumhq/podium/store"
	"github.com/podiumhq/podium/store/storetest"
)

// rotationFixture is a database of executions whose sealed data (workflow secret state, task
// inputs and outputs) is sealed under k1, and the keyrings of a rotation to k2.
type rotationFixture struct {
	ctx     context.Context
	st      *store.Store
	conn    *pgx.Conn
	old     *Engine           // seals with k1
	rotated *Engine           // seals with k2, opens k1 too
	onlyNew *Engine           // k2 alone
	tokens  map[string]string // workflow id → its secret input token
}

// sealedValue names one sealed value: its table, column and row.
type sealedValue struct{ table, column, key string }

func newRotationFixture(t *testing.T) *rotationFixture {
	t.Helper()
	url := storetest.NewDatabaseURL(t)
	ctx := context.Background()
	st, err := store.Open(ctx, store.Config{URL: url, MaxConns: 6})
	require.NoError(t, err)
	t.Cleanup(st.Close)
	conn, err := pgx.Connect(ctx, url)
	require.NoError(t, err)
	t.Cleanup(func() { _ = conn.Close(ctx) })
	k1, k2 := testKey(t, "k1"), testKey(t, "k2")
	f := &rotationFixture{ctx: ctx, st: st, conn: conn, tokens: map[string]string{},
		old:     New(Config{Store: st, Keys: mustKeys(t, k1)}),
		rotated: New(Config{Store: st, Keys: mustKeys(t, k2+","+k1)}),
		onlyNew: New(Config{Store: st, Keys: mustKeys(t, k2)}),
	}
	def := conductor.NewWorkflowDef()
	def.Name = "rotated"
	def.Tasks = []conductor.WorkflowTask{
		{Name: "rot_a", TaskReferenceName: "a", Type: conductor.TaskTypeSimple,
			InputParameters: map[string]any{"tok": "${workflow.input._secrets.token}"}},
		{Name: "rot_b", TaskReferenceName: "b", Type: conductor.TaskTypeSimple,
			InputParameters: map[string]any{"tok": "${workflow.input._secrets.token}", "prev": "${a.output._secrets.key}"}},
	}
	require.NoError(t, f.old.Metadata().CreateWorkflowDef(ctx, &def, false))
	return f
}

// start starts n executions with e, each with a secret token of its own.
func (f *rotationFixture) start(t *testing.T, e *Engine, n int) {
	t.Helper()
	for range n {
		token := "token-" + testKey(t, "t")[2:14]
		id, err := e.StartWorkflow(f.ctx, &conductor.StartWorkflowRequest{Name: "rotated",
			Input: map[string]any{"_secrets": map[string]any{"token": token}}})
		require.NoError(t, err)
		f.tokens[id] = token
	}
}

// completeA polls up to n rot_a tasks with e and completes each with a secret output; it
// answers the workflows it advanced.
func (f *rotationFixture) completeA(t *testing.T, e *Engine, n int) []string {
	t.Helper()
	tasks, err := e.Poll(f.ctx, PollRequest{TaskType: "rot_a", WorkerID: "w", Count: n})
	require.NoError(t, err)
	var ids []string
	for _, task := range tasks {
		require.Equal(t, f.tokens[task.WorkflowInstanceID], task.InputData["tok"], "a worker gets the real input")
		require.NoError(t, e.UpdateTask(f.ctx, &conductor.TaskResult{TaskID: task.TaskID, WorkflowInstanceID: task.WorkflowInstanceID,
			Status: conductor.TaskCompleted, OutputData: map[string]any{"_secrets": map[string]any{"key": "out-" + task.TaskID}}}))
		ids = append(ids, task.WorkflowInstanceID)
	}
	return ids
}

// sealed reads every sealed value as stored.
func (f *rotationFixture) sealed(t *testing.T) map[sealedValue][]byte {
	t.Helper()
	rows, err := f.conn.Query(f.ctx, `
		SELECT 'workflows', 'sealed', workflow_id::text, sealed FROM workflows WHERE sealed IS NOT NULL
		UNION ALL SELECT 'tasks', 'sealed_input', task_id::text, sealed_input FROM tasks WHERE sealed_input IS NOT NULL
		UNION ALL SELECT 'tasks', 'sealed_output', task_id::text, sealed_output FROM tasks WHERE sealed_output IS NOT NULL`)
	require.NoError(t, err)
	all := map[sealedValue][]byte{}
	for rows.Next() {
		var v sealedValue
		var b []byte
		require.NoError(t, rows.Scan(&v.table, &v.column, &v.key, &b))
		all[v] = b
	}
	require.NoError(t, rows.Err())
	return all
}

// plaintexts opens every sealed value with keys, under the seal name the engine gives it.
func plaintexts(t *testing.T, keys *secret.Keyring, sealed map[sealedValue][]byte) map[sealedValue]string {
	t.Helper()
	open := map[sealedValue]string{}
	for v, b := range sealed {
		name := map[string]func(string) string{"sealed": workflowSeal, "sealed_input": taskInputSeal, "sealed_output": taskOutputSeal}[v.column](v.key)
		value, err := keys.Open(name, b)
		require.NoError(t, err, "%v", v)
		open[v] = string(value)
	}
	return open
}

// requireUnderNewKey checks that every sealed value is sealed under k2.
func requireUnderNewKey(t *testing.T, sealed map[sealedValue][]byte) {
	t.Helper()
	for v, b := range sealed {
		id, err := secret.KeyID(b)
		require.NoError(t, err)
		require.Equal(t, "k2", id, "%v", v)
	}
}

// requireReadsWithNewKey drives every execution on with k2 alone: rot_a tasks get their real
// input (the workflow's sealed state), rot_b tasks the real output of their rot_a (its sealed
// output) and the token.
func (f *rotationFixture) requireReadsWithNewKey(t *testing.T) {
	t.Helper()
	f.completeA(t, f.onlyNew, len(f.tokens))
	tasks, err := f.onlyNew.Poll(f.ctx, PollRequest{TaskType: "rot_b", WorkerID: "w", Count: len(f.tokens)})
	require.NoError(t, err)
	require.Len(t, tasks, len(f.tokens))
	for _, task := range tasks {
		require.Equal(t, f.tokens[task.WorkflowInstanceID], task.InputData["tok"])
		a, err := f.onlyNew.Workflow(f.ctx, task.WorkflowInstanceID, true)
		require.NoError(t, err)
		require.Equal(t, "out-"+a.Tasks[0].TaskID, task.InputData["prev"], "rot_b reads rot_a's sealed output")
	}
}

// TestRotationBatchesNeverRevisitARow rotates the execution data in small batches while
// executions start and advance between them: every batch reads past the last key of the one
// before, every sealed row is read exactly once, every value ends under the new key and opens
// to the same plaintext, and the executions read and run on with the new key alone.
func TestRotationBatchesNeverRevisitARow(t *testing.T) {
	t.Parallel()
	f := newRotationFixture(t)
	f.start(t, f.old, 12)
	f.completeA(t, f.old, 8)
	before := f.sealed(t)
	require.Len(t, before, 12+12+8+8, "12 workflow states, 20 task inputs, 8 task outputs")
	plainBefore := plaintexts(t, f.old.keys, before)
	views := map[string]string{}
	for id := range f.tokens {
		wf, err := f.old.Workflow(f.ctx, id, true)
		require.NoError(t, err)
		doc, err := json.Marshal(wf)
		require.NoError(t, err)
		views[id] = string(doc)
	}

	batches := map[store.SealedTable][]store.ResealBatch{}
	touched := map[string]bool{}
	progress := func(b store.ResealBatch) {
		batches[b.Table] = append(batches[b.Table], b)
		if b.Table == store.SealedTasks && b.Number == 2 {
			// Written during the rotation, under the new key: a new execution, and an advanced one.
			f.start(t, f.rotated, 1)
			for _, id := range f.completeA(t, f.rotated, 1) {
				touched[id] = true
			}
		}
	}
	totals, err := f.rotated.ResealExecutionData(f.ctx, store.ResealOpts{BatchSize: 3, Progress: progress})
	require.NoError(t, err)

	visited := map[store.SealedTable]map[string]int{}
	for _, table := range []store.SealedTable{store.SealedWorkflows, store.SealedTasks} {
		visited[table] = map[string]int{}
		last := ""
		for i, b := range batches[table] {
			require.Equal(t, i+1, b.Number)
			require.Equal(t, last, b.After, "batch %d of %s reads from where the one before ended", b.Number, table)
			require.Zero(t, b.Left)
			for _, k := range b.Keys {
				require.Greater(t, k, last, "cursors of %s strictly increase", table)
				last = k
				visited[table][k]++
			}
		}
	}
	for v := range before {
		require.Equal(t, 1, visited[store.SealedTable(v.table)][v.key], "%v is read exactly once", v)
	}
	require.Equal(t, store.ResealTotals{Table: store.SealedWorkflows, Batches: 4, Rows: 12, Resealed: 12}, totals[0])
	require.Equal(t, store.SealedTasks, totals[1].Table)
	require.Equal(t, 28, totals[1].Resealed, "every task value sealed before the rotation")
	require.Equal(t, len(batches[store.SealedTasks]), totals[1].Batches)
	require.Zero(t, totals[1].Left)

	after := f.sealed(t)
	requireUnderNewKey(t, after)
	plainAfter := plaintexts(t, f.onlyNew.keys, after)
	for v, plain := range plainBefore {
		if v.table == "workflows" && touched[v.key] {
			continue // its state changed with its task: its masks grew
		}
		require.Equal(t, plain, plainAfter[v], "%v opens to the same plaintext", v)
	}
	require.Len(t, after, len(before)+1+1+1+1, "the start and the completion during the rotation sealed under the new key")
	for id, view := range views {
		if touched[id] {
			continue
		}
		wf, err := f.onlyNew.Workflow(f.ctx, id, true)
		require.NoError(t, err)
		doc, err := json.Marshal(wf)
		require.NoError(t, err)
		require.JSONEq(t, view, string(doc), "workflow %s reads the same", id)
	}
	f.requireReadsWithNewKey(t)
}

// TestRotationWithConcurrentWriters rotates while other goroutines start executions and
// complete tasks under the new key: nothing is left under the old key and every execution
// runs on with the new key alone.
func TestRotationWithConcurrentWriters(t *testing.T) {
	t.Parallel()
	f := newRotationFixture(t)
	f.start(t, f.old, 20)
	f.completeA(t, f.old, 10)

	ctx, stop := context.WithCancel(f.ctx)
	type written struct {
		tokens map[string]string
		err    error
	}
	done := make(chan written)
	go func() {
		// Starts and completions under the new key, as a server rotated first would write.
		w := written{tokens: maps.Clone(f.tokens)}
		for i := 0; ctx.Err() == nil && i < 40 && w.err == nil; i++ {
			w.err = startAndAdvance(f.ctx, f.rotated, w.tokens, i)
		}
		done <- w
	}()
	totals, err := f.rotated.ResealExecutionData(f.ctx, store.ResealOpts{BatchSize: 2})
	stop()
	w := <-done
	require.NoError(t, w.err)
	f.tokens = w.tokens
	require.NoError(t, err)
	for _, tt := range totals {
		require.Zero(t, tt.Left, "%s", tt.Table)
	}
	require.GreaterOrEqual(t, totals[0].Rows, 20, "every execution's state was read")

	after := f.sealed(t)
	requireUnderNewKey(t, after)
	plaintexts(t, f.onlyNew.keys, after)
	f.requireReadsWithNewKey(t)
	require.Greater(t, len(f.tokens), 20, "executions started during the rotation")
	t.Logf("rotation with writers: %+v; %d executions", totals, len(f.tokens))
}

// startAndAdvance starts one execution with e and completes the rot_a task of another, as a
// concurrent writer (it must not stop the test from its goroutine).
func startAndAdvance(ctx context.Context, e *Engine, tokens map[string]string, i int) error {
	token := fmt.Sprintf("token-during-%d", i)
	id, err := e.StartWorkflow(ctx, &conductor.StartWorkflowRequest{Name: "rotated",
		Input: map[string]any{"_secrets": map[string]any{"token": token}}})
	if err != nil {
		return err
	}
	tokens[id] = token
	tasks, err := e.Poll(ctx, PollRequest{TaskType: "rot_a", WorkerID: "w"})
	if err != nil || len(tasks) == 0 {
		return err
	}
	task := tasks[0]
	if task.InputData["tok"] != tokens[task.WorkflowInstanceID] {
		return fmt.Errorf("task %s got %v", task.TaskID, task.InputData["tok"])
	}
	return e.UpdateTask(ctx, &conductor.TaskResult{TaskID: task.TaskID, WorkflowInstanceID: task.WorkflowInstanceID,
		Status: conductor.TaskCompleted, OutputData: map[string]any{"_secrets": map[string]any{"key": "out-" + task.TaskID}}})
}
