package store_test

import (
	"context"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/podiumhq/podium/internal/conductor"
	"github.com/podiumhq/podium/store"
	"github.com/podiumhq/podium/store/storetest"
)

// A decision reads settled attempts compact and unlocked, loads their documents on demand, and
// never writes one back from its few columns.
func TestSettledAttemptsAreReadCompact(t *testing.T) {
	t.Parallel()
	ctx, st := storetest.Setup(t)
	now := storetest.Epoch
	// Past the size up to which a workflow is read whole (seqs need not be dense).
	wfID, done, live := saveTwoAttempts(ctx, t, st, 40)

	err := st.MutateWorkflow(ctx, wfID, store.LoadUnsettled, func(q *store.Queries, rec *store.WorkflowRecord, tasks []*store.TaskRecord) (*store.ExecutionSave, error) {
		// Only the unsettled attempt the change is about is read; the record tells the highest
		// seq of all.
		require.Len(t, tasks, 1)
		require.Zero(t, rec.Dormant, "the one queued attempt is a target")
		require.Equal(t, live.TaskID, tasks[0].Task.TaskID)
		require.False(t, tasks[0].Compact())
		require.True(t, rec.Partial)
		require.Equal(t, 40, rec.MaxSeq)

		// The settled ones are read on demand, compact, with what the decider needs.
		for _, f := range []store.SettledFilter{{}, {Ref: "a"}, {Ref: "a", Newest: true}, {TaskID: done.TaskID},
			{Ref: "a", LoopCopies: true, NotRetried: true, Newest: true}} {
			found, err := q.TaskSettled(ctx, wfID, rec.Definition, f)
			require.NoError(t, err)
			require.Len(t, found, 1, "%+v", f)
			settled := found[0]
			require.True(t, settled.Compact())
			require.Equal(t, done.TaskID, settled.Task.TaskID)
			require.Equal(t, 1, settled.Task.Seq)
			require.Equal(t, "a", settled.Task.ReferenceTaskName)
			require.Equal(t, conductor.TaskCompleted, settled.Task.Status)
			require.True(t, settled.Task.Executed)
			require.Equal(t, now.UnixMilli(), settled.Task.StartTime)
			require.NotNil(t, settled.Task.WorkflowTask, "its definition node is attached by reference name")
			require.Nil(t, settled.Task.OutputData)
		}
		for _, f := range []store.SettledFilter{{Ref: "b"}, {Ref: "a_"}, {TaskID: live.TaskID}} {
			found, err := q.TaskSettled(ctx, wfID, rec.Definition, f)
			require.NoError(t, err)
			require.Empty(t, found, "%+v", f)
		}

		// Saving a compact record would lose its document: refused.
		found, err := q.TaskSettled(ctx, wfID, rec.Definition, store.SettledFilter{})
		require.NoError(t, err)
		require.NoError(t, q.TaskLoad(ctx), "nothing to load is no round trip and no error")
		return &store.ExecutionSave{Workflow: rec, Tasks: found, Now: now}, nil
	}, live.TaskID)
	require.ErrorContains(t, err, "read without its document")

	err = st.MutateWorkflow(ctx, wfID, store.LoadUnsettled, func(q *store.Queries, rec *store.WorkflowRecord, tasks []*store.TaskRecord) (*store.ExecutionSave, error) {
		found, err := q.TaskSettled(ctx, wfID, rec.Definition, store.SettledFilter{})
		require.NoError(t, err)
		settled := found[0]
		ptr := settled.Task
		require.NoError(t, q.TaskLoad(ctx, found...))
		require.False(t, settled.Compact())
		require.Same(t, ptr, settled.Task, "loaded in place: holders of the task see the document")
		require.Equal(t, "kept", settled.Task.OutputData["data"])
		require.Equal(t, now.UnixMilli()+5, settled.Task.EndTime)
		require.NotNil(t, settled.Task.WorkflowTask)
		return &store.ExecutionSave{Workflow: rec, Tasks: []*store.TaskRecord{settled}, Now: now}, nil
	})
	require.NoError(t, err, "a loaded settled attempt may be saved")

	// Every attempt is locked and decoded under LoadAll.
	err = st.MutateWorkflow(ctx, wfID, store.LoadAll, func(q *store.Queries, rec *store.WorkflowRecord, tasks []*store.TaskRecord) (*store.ExecutionSave, error) {
		require.Len(t, tasks, 2)
		require.False(t, tasks[0].Compact())
		require.Equal(t, "kept", tasks[0].Task.OutputData["data"])
		return &store.ExecutionSave{Workflow: rec, Now: now}, nil
	})
	require.NoError(t, err)
}

// A small workflow is read whole in the decision's first round trip: its end needs no history
// read.
func TestSmallWorkflowIsReadWhole(t *testing.T) {
	t.Parallel()
	ctx, st := storetest.Setup(t)
	now := storetest.Epoch
	wfID, done, live := saveTwoAttempts(ctx, t, st, 2)
	err := st.MutateWorkflow(ctx, wfID, store.LoadUnsettled, func(q *store.Queries, rec *store.WorkflowRecord, tasks []*store.TaskRecord) (*store.ExecutionSave, error) {
		require.False(t, rec.Partial, "nothing is left to read")
		require.Len(t, tasks, 2)
		require.Equal(t, done.TaskID, tasks[0].Task.TaskID, "in seq order")
		require.False(t, tasks[0].Compact(), "with its documents")
		require.Equal(t, map[string]any{"data": "kept"}, tasks[0].Task.OutputData)
		require.NotNil(t, tasks[0].Task.WorkflowTask)
		require.Equal(t, live.TaskID, tasks[1].Task.TaskID)
		return &store.ExecutionSave{Workflow: rec, Now: now}, nil
	}, live.TaskID)
	require.NoError(t, err)
}

// An attempt waiting in a queue or held by a worker is dormant: a decision does not read or
// lock it unless it names it, counts it, and reads it on demand.
func TestDormantAttemptsAreReadOnDemand(t *testing.T) {
	t.Parallel()
	ctx, st := storetest.Setup(t)
	now := storetest.Epoch
	wfID, _, live := saveTwoAttempts(ctx, t, st, 2)
	err := st.MutateWorkflow(ctx, wfID, store.LoadUnsettled, func(q *store.Queries, rec *store.WorkflowRecord, tasks []*store.TaskRecord) (*store.ExecutionSave, error) {
		require.Len(t, tasks, 1, "the settled attempt of a small workflow only")
		require.Equal(t, 1, rec.Dormant)
		for _, f := range []store.SettledFilter{{}, {Ref: "b"}, {Refs: []string{"x", "b"}}, {TaskID: live.TaskID}, {Ref: "b", LoopCopies: true}} {
			found, err := q.TaskUnsettled(ctx, wfID, rec.Definition, f)
			require.NoError(t, err)
			require.Len(t, found, 1, "%+v", f)
			require.Equal(t, live.TaskID, found[0].Task.TaskID)
			require.False(t, found[0].Compact(), "read whole")
			require.Equal(t, "b", found[0].QueueName)
			require.NotNil(t, found[0].Task.WorkflowTask)
		}
		found, err := q.TaskUnsettled(ctx, wfID, rec.Definition, store.SettledFilter{Ref: "a"})
		require.NoError(t, err)
		require.Empty(t, found)
		for _, tc := range []struct {
			refs, prefixes []string
			want           bool
		}{{[]string{"b"}, nil, true}, {nil, []string{"b"}, true}, {[]string{"a", "c"}, []string{"c"}, false}, {nil, nil, false}} {
			pending, err := q.TaskPending(ctx, wfID, tc.refs, tc.prefixes, nil)
			require.NoError(t, err)
			require.Equal(t, tc.want, pending, "%+v", tc)
		}
		pending, err := q.TaskPending(ctx, wfID, []string{"b"}, nil, []string{live.TaskID})
		require.NoError(t, err)
		require.False(t, pending, "an attempt the caller holds does not count")
		return &store.ExecutionSave{Workflow: rec, Now: now}, nil
	})
	require.NoError(t, err)
}

// saveTwoAttempts saves a running workflow of definition "wf" (SIMPLE tasks a and b) at
// storetest.Epoch with two attempts: a completed (seq 1, output {"data": "kept"}, ended 5 ms
// after it started) and b scheduled at seq liveSeq. It returns the workflow's id and both.
func saveTwoAttempts(ctx context.Context, t *testing.T, st *store.Store, liveSeq int) (wfID string, done, live *conductor.Task) {
	t.Helper()
	now := storetest.Epoch
	def := &conductor.WorkflowDef{Name: "wf", Version: 1, SchemaVersion: 2,
		Tasks: []conductor.WorkflowTask{{Name: "a", TaskReferenceName: "a", Type: "SIMPLE"}, {Name: "b", TaskReferenceName: "b", Type: "SIMPLE"}}}
	wfID = uuid.NewString()
	wf := &conductor.Workflow{WorkflowID: wfID, WorkflowName: "wf", WorkflowVersion: 1, Status: conductor.WorkflowRunning,
		CreateTime: now.UnixMilli(), UpdateTime: now.UnixMilli()}
	done = &conductor.Task{TaskID: uuid.NewString(), Seq: 1, ReferenceTaskName: "a", TaskType: "a", TaskDefName: "a",
		Status: conductor.TaskCompleted, Executed: true, StartTime: now.UnixMilli(), EndTime: now.UnixMilli() + 5,
		OutputData: map[string]any{"data": "kept"}, WorkflowInstanceID: wfID, UpdateTime: now.UnixMilli()}
	live = &conductor.Task{TaskID: uuid.NewString(), Seq: liveSeq, ReferenceTaskName: "b", TaskType: "b", TaskDefName: "b",
		Status: conductor.TaskScheduled, WorkflowInstanceID: wfID, UpdateTime: now.UnixMilli()}
	require.NoError(t, st.SaveExecution(ctx, &store.ExecutionSave{
		Workflow: &store.WorkflowRecord{Workflow: wf, Definition: def}, Insert: true, Now: now,
		Tasks: []*store.TaskRecord{{Task: done, New: true}, {Task: live, New: true, QueueName: "b", VisibleAt: &now}},
	}))
	return wfID, done, live
}
