package metadata_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/podiumhq/podium/internal/conductor"
	"github.com/podiumhq/podium/internal/metadata"
	"github.com/podiumhq/podium/store"
	"github.com/podiumhq/podium/store/storetest"
)

// simpleDef is a definition of one SIMPLE task named task.
func simpleDef(name, task string) *conductor.WorkflowDef {
	def := conductor.NewWorkflowDef()
	def.Name = name
	def.Tasks = []conductor.WorkflowTask{{Name: task, TaskReferenceName: task, Type: conductor.TaskTypeSimple}}
	return &def
}

// newService is a metadata service over a fresh database.
func newService(t *testing.T) (*metadata.Service, *store.Store) {
	t.Helper()
	st := storetest.NewStore(t)
	return metadata.New(metadata.Config{Store: st}), st
}

// snapshot returns the snapshot of the latest version of name, read through the store.
func snapshot(t *testing.T, s *metadata.Service, name string) *conductor.WorkflowDef {
	t.Helper()
	snap, err := s.Snapshot(context.Background(), nil, name, nil)
	require.NoError(t, err)
	return snap
}

// A snapshot is cached for the next start; every change made through the service clears the
// cache at once, so the next start sees it.
func TestSnapshotFollowsChanges(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, st := newService(t)
	def := simpleDef("snap_wf", "snap_task")
	require.NoError(t, s.CreateWorkflowDef(ctx, def, false))

	first := snapshot(t, s, "snap_wf")
	require.Nil(t, first.Tasks[0].TaskDefinition, "no task definition is registered yet")
	require.Same(t, first, snapshot(t, s, "snap_wf"), "the next start uses the cached snapshot")

	td := conductor.NewTaskDef("snap_task")
	td.RetryCount = 7
	require.NoError(t, st.TaskDefUpsertMany(ctx, []*conductor.TaskDef{&td}, time.Now()))
	require.Same(t, first, snapshot(t, s, "snap_wf"), "a change behind the service's back waits for the TTL")

	require.NoError(t, s.CreateTaskDefs(ctx, []*conductor.TaskDef{&td}))
	embedded := snapshot(t, s, "snap_wf").Tasks[0].TaskDefinition
	require.NotNil(t, embedded, "registering the task definition cleared the cache")
	require.Equal(t, 7, embedded.RetryCount)

	td.RetryCount = 2
	require.NoError(t, s.UpdateTaskDef(ctx, &td))
	require.Equal(t, 2, snapshot(t, s, "snap_wf").Tasks[0].TaskDefinition.RetryCount)

	def.Description = "overwritten"
	require.NoError(t, s.CreateWorkflowDef(ctx, def, true))
	require.Equal(t, "overwritten", snapshot(t, s, "snap_wf").Description)

	def.Description = "upserted"
	_, err := s.UpsertWorkflowDefs(ctx, []*conductor.WorkflowDef{def})
	require.NoError(t, err)
	require.Equal(t, "upserted", snapshot(t, s, "snap_wf").Description)

	require.NoError(t, s.DeleteTaskDef(ctx, "snap_task"))
	require.Nil(t, snapshot(t, s, "snap_wf").Tasks[0].TaskDefinition)

	require.NoError(t, s.DeleteWorkflowDef(ctx, "snap_wf", def.Version))
	_, err = s.Snapshot(ctx, nil, "snap_wf", nil)
	require.ErrorIs(t, err, conductor.ErrNotFound)
	require.EqualError(t, err, "No such workflow found by name: snap_wf, version: null")
	version := 3
	_, err = s.Snapshot(ctx, nil, "snap_wf", &version)
	require.EqualError(t, err, "No such workflow found by name: snap_wf, version: 3")
}

// A start inside a transaction reads its definition through that transaction.
func TestSnapshotReadsThroughTheTransaction(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, st := newService(t)
	errRollback := errors.New("roll back")
	err := st.InTx(ctx, func(q *store.Queries) error {
		require.NoError(t, q.WorkflowDefInsert(ctx, simpleDef("tx_wf", "tx_task"), time.Now()))
		td := conductor.NewTaskDef("tx_task")
		require.NoError(t, q.TaskDefUpsertMany(ctx, []*conductor.TaskDef{&td}, time.Now()))
		snap, err := s.Snapshot(ctx, q, "tx_wf", nil)
		require.NoError(t, err, "the uncommitted definition is visible to the transaction")
		require.NotNil(t, snap.Tasks[0].TaskDefinition, "and so is the uncommitted task definition")
		return errRollback
	})
	require.ErrorIs(t, err, errRollback)
	version := 1
	_, err = s.Snapshot(ctx, nil, "tx_wf", &version)
	require.ErrorIs(t, err, conductor.ErrNotFound, "the definition rolled back")
}

// An inline definition is validated, and its snapshot is a copy with the registered task
// definitions embedded.
func TestInlineSnapshot(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, _ := newService(t)
	td := conductor.NewTaskDef("inline_task")
	td.RetryCount = 4
	require.NoError(t, s.CreateTaskDefs(ctx, []*conductor.TaskDef{&td}))

	def := simpleDef("inline_wf", "inline_task")
	snap, err := s.InlineSnapshot(ctx, nil, def)
	require.NoError(t, err)
	require.NotSame(t, def, snap)
	require.Equal(t, 4, snap.Tasks[0].TaskDefinition.RetryCount)
	require.Nil(t, def.Tasks[0].TaskDefinition, "the request's definition is left as it was")

	bad := simpleDef("inline_bad", "inline_task")
	bad.Tasks[0].TaskReferenceName = ""
	_, err = s.InlineSnapshot(ctx, nil, bad)
	var verrs conductor.ValidationErrors
	require.ErrorAs(t, err, &verrs)
	require.ErrorIs(t, err, conductor.ErrInvalid)
}

// Task limits are cached for polls; changing a task definition through the service clears
// them at once.
func TestTaskLimitsFollowChanges(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, _ := newService(t)
	limits := func() store.TaskLimits {
		t.Helper()
		lim, err := s.TaskLimits(ctx, "limited")
		require.NoError(t, err)
		return lim
	}
	require.Equal(t, store.TaskLimits{}, limits(), "no definition: no limits")

	td := conductor.NewTaskDef("limited")
	concurrent := 2
	td.ConcurrentExecLimit, td.RateLimitPerFrequency, td.RateLimitFrequencyInSeconds = &concurrent, 10, 60
	require.NoError(t, s.CreateTaskDefs(ctx, []*conductor.TaskDef{&td}))
	require.Equal(t, store.TaskLimits{ConcurrentExecLimit: 2, RateLimitPerFrequency: 10, RateLimitFrequencyInSeconds: 60}, limits())

	concurrent = 5
	require.NoError(t, s.UpdateTaskDef(ctx, &td))
	require.Equal(t, 5, limits().ConcurrentExecLimit)

	require.NoError(t, s.DeleteTaskDef(ctx, "limited"))
	require.Equal(t, store.TaskLimits{}, limits())
}
