package store_test

import (
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/podiumhq/podium/store"
	"github.com/podiumhq/podium/store/storetest"
)

// Free text finds executions by id, the start of an id, workflow name, or part of a
// correlation id in any case (with * and ? as wildcards), live and archived alike.
func TestWorkflowFreeText(t *testing.T) {
	t.Parallel()
	ctx, st := storetest.Setup(t)
	type row struct{ id, name, correlation string }
	rows := []row{
		{"01a1a86d-3c70-704d-ac3a-2b004397a4d6", "checkout", "Order-1042-EU"},
		{"01a1a86d-3c71-7000-8000-000000000001", "checkout", "order-1043-US"},
		{"01a1a86e-0000-7000-8000-000000000002", "refund", "refund-1042"},
		{"01a1a86f-0000-7000-8000-000000000003", "refund", ""},
		{"01a1a870-0000-7000-8000-000000000004", "ab", "ab"},
		{"01a1a871-0000-7000-8000-000000000005", "promo", "50%_off"},
		{"01a1a872-0000-7000-8000-000000000006", "promo", "50x-off"},
	}
	for i, r := range rows {
		require.NoError(t, store.ExecForTest(ctx, st.Queries, `INSERT INTO workflows (workflow_id, workflow_name,
			workflow_version, status, correlation_id, create_time, update_time, snapshot, doc)
			VALUES ($1::uuid, $2, 1, 'COMPLETED', nullif($3, ''), $4, $4, '\x00',
				json_build_object('workflowId', $1::text, 'workflowName', $2::text))`,
			r.id, r.name, r.correlation, storetest.Epoch.Add(time.Duration(i)*time.Second)))
	}
	// The last one is archived: found the same way.
	require.NoError(t, st.WorkflowArchive(ctx, rows[6].id, storetest.Epoch.Add(time.Hour)))

	find := func(ft string) []string {
		t.Helper()
		found, total, _, err := st.WorkflowSearch(ctx, store.WorkflowSearchParams{FreeText: ft, Size: 20})
		require.NoError(t, err, ft)
		ids := make([]string, len(found))
		for i, wf := range found {
			ids[i] = wf.WorkflowID
		}
		require.EqualValues(t, len(ids), total, ft)
		slices.Sort(ids)
		return ids
	}
	ids := func(i ...int) []string {
		out := make([]string, len(i))
		for k, n := range i {
			out[k] = rows[n].id
		}
		return out
	}
	for ft, want := range map[string][]string{
		rows[0].id:                             ids(0),
		"01A1A86D-3C70-704D-AC3A-2B004397A4D6": ids(0),
		"01a1a86d":                             ids(0, 1), // the start of an id
		"01a1a86d-3c71":                        ids(1),
		"01a1a86d3c70":                         ids(0),
		"01a1a87":                              nil,       // too short for an id prefix
		"checkout":                             ids(0, 1), // a workflow name
		"check":                                nil,       // names match whole
		"1042":                                 ids(0, 2), // part of a correlation id
		"ORDER-104":                            ids(0, 1), // in any case
		"order-*":                              ids(0, 1), // wildcards span the whole correlation id
		"*-1042":                               ids(2),
		"order-104?-us":                        ids(1),
		"ab":                                   ids(4), // too short for a substring: exact
		"a":                                    nil,
		"50%_off":                              ids(5), // % and _ are no wildcards
		"50x-off":                              ids(6), // archived
		"off":                                  ids(5, 6),
		"nothing-like-it":                      nil,
		"*":                                    ids(0, 1, 2, 3, 4, 5, 6),
		"  1043  ":                             ids(1),
	} {
		if want == nil {
			want = []string{}
		}
		require.Equal(t, want, find(ft), "free text %q", ft)
	}

	// Free text narrows a query; it does not widen it.
	q := store.Query{{{Field: "workflowType", Op: "=", Values: []string{"refund"}}}}
	found, _, _, err := st.WorkflowSearch(ctx, store.WorkflowSearchParams{Query: q, FreeText: "1042", Size: 20})
	require.NoError(t, err)
	require.Len(t, found, 1)
	require.Equal(t, rows[2].id, found[0].WorkflowID)
}
