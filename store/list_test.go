package store_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/podiumhq/podium/internal/conductor"
	"github.com/podiumhq/podium/store"
	"github.com/podiumhq/podium/store/storetest"
)

// TestListsOfNothingAreEmpty checks that every lister gives an empty list, never nil, on an
// empty database: handlers encode them as [] without a second thought.
func TestListsOfNothingAreEmpty(t *testing.T) {
	t.Parallel()
	ctx, st := storetest.Setup(t)
	now := storetest.Epoch

	lists := map[string]func() (int, bool, error){
		"WorkflowDefList":          lenOf(func() ([]*conductor.WorkflowDef, error) { return st.WorkflowDefList(ctx) }),
		"WorkflowDefSummaries":     lenOf(func() ([]conductor.WorkflowDefSummary, error) { return st.WorkflowDefSummaries(ctx) }),
		"TaskDefList":              lenOf(func() ([]*conductor.TaskDef, error) { return st.TaskDefList(ctx) }),
		"ApplicationList":          lenOf(func() ([]*store.ApplicationRecord, error) { return st.ApplicationList(ctx) }),
		"GrantsOf":                 lenOf(func() ([]store.Grant, error) { return st.GrantsOf(ctx, false, "APPLICATION", "x") }),
		"SecretList":               lenOf(func() ([]*store.SecretRecord, error) { return st.SecretList(ctx) }),
		"ScheduleList":             lenOf(func() ([]*store.ScheduleRecord, error) { return st.ScheduleList(ctx, "") }),
		"WorkflowsClaimDue":        lenOf(func() ([]string, error) { ids, _, err := st.WorkflowsClaimDue(ctx, now, now, 10); return ids, err }),
		"TerminationsClaimDue":     lenOf(func() ([]store.Termination, error) { return st.TerminationsClaimDue(ctx, now, now, 10) }),
		"ScheduleExecutionsPolled": lenOf(func() ([]string, error) { return st.ScheduleExecutionsPolled(ctx, now, 10) }),
	}
	for name, list := range lists {
		n, isNil, err := list()
		require.NoError(t, err, name)
		require.Zero(t, n, name)
		require.False(t, isNil, "%s gives nil for no rows", name)
	}
}

func lenOf[T any](list func() ([]T, error)) func() (int, bool, error) {
	return func() (int, bool, error) {
		l, err := list()
		return len(l), l == nil, err
	}
}

func TestListsKeepTheQueryOrder(t *testing.T) {
	t.Parallel()
	ctx, st := storetest.Setup(t)
	t0 := storetest.Epoch

	for _, g := range []store.Grant{
		{SubjectType: "APPLICATION", SubjectID: "app", TargetType: "WORKFLOW_DEF", TargetID: "b", Access: []string{"READ"}},
		{SubjectType: "APPLICATION", SubjectID: "app", TargetType: "WORKFLOW_DEF", TargetID: "a", Access: []string{"EXECUTE", "READ"}},
	} {
		require.NoError(t, st.GrantPut(ctx, g))
	}
	grants, err := st.GrantsOf(ctx, false, "APPLICATION", "app")
	require.NoError(t, err)
	require.Equal(t, []store.Grant{
		{SubjectType: "APPLICATION", SubjectID: "app", TargetType: "WORKFLOW_DEF", TargetID: "a", Access: []string{"EXECUTE", "READ"}},
		{SubjectType: "APPLICATION", SubjectID: "app", TargetType: "WORKFLOW_DEF", TargetID: "b", Access: []string{"READ"}},
	}, grants)

	for _, v := range []int{3, 1, 2} {
		require.NoError(t, st.WorkflowDefInsert(ctx, workflowDef(t, "wf", v, ""), t0))
	}
	versions, err := st.WorkflowDefListVersions(ctx, "wf")
	require.NoError(t, err)
	require.Len(t, versions, 3)
	for i, def := range versions {
		require.Equal(t, i+1, def.Version, "oldest first")
		require.Equal(t, t0.UnixMilli(), def.CreateTime, "times come from the columns")
	}
}

// TestStoredDefinitionDecodeErrors checks the wording of a stored document that no longer
// decodes: the lister's context, then the codec's.
func TestStoredDefinitionDecodeErrors(t *testing.T) {
	t.Parallel()
	ctx, st := storetest.Setup(t)
	require.NoError(t, store.ExecForTest(ctx, st.Queries, `INSERT INTO workflow_defs (name, version, definition, create_time)
		VALUES ('bad', 1, '{"name":"bad","version":"one"}', now())`))
	require.NoError(t, store.ExecForTest(ctx, st.Queries, `INSERT INTO task_defs (name, definition, create_time)
		VALUES ('bad', '[1]', now())`))

	_, err := st.WorkflowDefList(ctx)
	require.ErrorContains(t, err, "error listing workflow definitions: error decoding stored workflow definition: ")
	_, err = st.WorkflowDefGet(ctx, "bad", nil)
	require.ErrorContains(t, err, "error reading workflow definition: error decoding stored workflow definition: ")
	_, err = st.TaskDefList(ctx)
	require.ErrorContains(t, err, "error listing task definitions: error decoding stored task definition: ")
	_, err = st.TaskDefGet(ctx, "bad")
	require.ErrorContains(t, err, "error reading task definition: error decoding stored task definition: ")
}
