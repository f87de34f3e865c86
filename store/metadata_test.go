package store_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/podiumhq/podium/internal/conductor"
	"github.com/podiumhq/podium/store"
	"github.com/podiumhq/podium/store/storetest"
)

func workflowDef(t *testing.T, name string, version int, description string) *conductor.WorkflowDef {
	t.Helper()
	def := new(conductor.WorkflowDef)
	require.NoError(t, json.Unmarshal([]byte(`{"tasks":[{"name":"a","taskReferenceName":"a"}],"extraField":[1]}`), def))
	def.Name, def.Version, def.Description = name, version, description
	return def
}

func TestWorkflowDefStorage(t *testing.T) {
	t.Parallel()
	ctx, st := storetest.Setup(t)
	t0 := storetest.Epoch
	t1 := t0.Add(time.Minute)

	require.NoError(t, st.WorkflowDefInsert(ctx, workflowDef(t, "wf", 1, "first"), t0))
	require.NoError(t, st.WorkflowDefInsert(ctx, workflowDef(t, "wf", 2, "second"), t0))
	require.ErrorIs(t, st.WorkflowDefInsert(ctx, workflowDef(t, "wf", 1, "dup"), t1), conductor.ErrConflict)

	latest, err := st.WorkflowDefGet(ctx, "wf", nil)
	require.NoError(t, err)
	require.Equal(t, 2, latest.Version)
	require.Equal(t, t0.UnixMilli(), latest.CreateTime)
	require.Contains(t, latest.Extra, "extraField", "unknown members are stored")

	one := 1
	v1, err := st.WorkflowDefGet(ctx, "wf", &one)
	require.NoError(t, err)
	require.Equal(t, "first", v1.Description, "a conflicting insert changes nothing")

	replaced := workflowDef(t, "wf", 1, "replaced")
	require.NoError(t, st.WorkflowDefUpsert(ctx, replaced, t1))
	require.Equal(t, t0.UnixMilli(), replaced.CreateTime, "upsert keeps createTime")
	require.Equal(t, t1.UnixMilli(), replaced.UpdateTime)

	require.NoError(t, st.WorkflowDefInsert(ctx, workflowDef(t, "other", 5, ""), t0))
	all, err := st.WorkflowDefList(ctx)
	require.NoError(t, err)
	require.Len(t, all, 3)
	latestAll, err := st.WorkflowDefListLatest(ctx)
	require.NoError(t, err)
	require.Len(t, latestAll, 2)
	require.Equal(t, "other", latestAll[0].Name)
	require.Equal(t, 2, latestAll[1].Version)

	summaries, err := st.WorkflowDefSummaries(ctx)
	require.NoError(t, err)
	require.Equal(t, conductor.WorkflowDefSummary{Name: "wf", Version: 1, CreateTime: t0.UnixMilli(), UpdateTime: t1.UnixMilli()}, summaries[1])

	require.NoError(t, st.WorkflowDefDelete(ctx, "wf", 2))
	require.ErrorIs(t, st.WorkflowDefDelete(ctx, "wf", 2), conductor.ErrNotFound)
	latest, err = st.WorkflowDefGet(ctx, "wf", nil)
	require.NoError(t, err)
	require.Equal(t, 1, latest.Version)
	_, err = st.WorkflowDefGet(ctx, "missing", nil)
	require.ErrorIs(t, err, conductor.ErrNotFound)
}

func TestTaskDefStorage(t *testing.T) {
	t.Parallel()
	ctx, st := storetest.Setup(t)
	t0 := storetest.Epoch
	t1 := t0.Add(time.Hour)

	a, b := conductor.NewTaskDef("a"), conductor.NewTaskDef("b")
	require.NoError(t, st.TaskDefUpsertMany(ctx, []*conductor.TaskDef{&a, &b}, t0))
	require.Equal(t, t0.UnixMilli(), a.CreateTime)

	a2 := conductor.NewTaskDef("a")
	a2.RetryCount = 0
	require.NoError(t, st.TaskDefUpsertMany(ctx, []*conductor.TaskDef{&a2}, t1))
	require.Equal(t, t0.UnixMilli(), a2.CreateTime, "upsert keeps createTime")
	require.Equal(t, t1.UnixMilli(), a2.UpdateTime)

	got, err := st.TaskDefGet(ctx, "a")
	require.NoError(t, err)
	require.Equal(t, 0, got.RetryCount)

	missing := conductor.NewTaskDef("missing")
	require.ErrorIs(t, st.TaskDefUpdate(ctx, &missing, t1), conductor.ErrNotFound)
	_, err = st.TaskDefGet(ctx, "missing")
	require.ErrorIs(t, err, conductor.ErrNotFound, "a failed update creates nothing")

	b.Description = "changed"
	require.NoError(t, st.TaskDefUpdate(ctx, &b, t1))
	list, err := st.TaskDefList(ctx)
	require.NoError(t, err)
	require.Len(t, list, 2)
	require.Equal(t, "changed", list[1].Description)

	require.NoError(t, st.TaskDefDelete(ctx, "a"))
	require.ErrorIs(t, st.TaskDefDelete(ctx, "a"), conductor.ErrNotFound)
}

func TestInTxRollsBackOnError(t *testing.T) {
	t.Parallel()
	ctx, st := storetest.Setup(t)
	err := st.InTx(ctx, func(q *store.Queries) error {
		require.NoError(t, q.WorkflowDefInsert(ctx, workflowDef(t, "tx", 1, ""), time.Now()))
		return conductor.ErrConflict
	})
	require.ErrorIs(t, err, conductor.ErrConflict)
	_, err = st.WorkflowDefGet(ctx, "tx", nil)
	require.ErrorIs(t, err, conductor.ErrNotFound)
}
