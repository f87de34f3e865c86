package engine

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/podiumhq/podium/internal/conductor"
	"github.com/podiumhq/podium/store"
)

func TestParseQuery(t *testing.T) {
	t.Parallel()
	got, err := parseQuery(`workflowType='a b' AND status IN (FAILED, 'TIMED_OUT') OR startTime>=1700000000000 AND version != 2`)
	require.NoError(t, err)
	require.Equal(t, [][]store.SearchCondition{
		{{Field: "workflowType", Op: "=", Values: []string{"a b"}}, {Field: "status", Op: "IN", Values: []string{"FAILED", "TIMED_OUT"}}},
		{{Field: "startTime", Op: ">=", Values: []string{"1700000000000"}}, {Field: "version", Op: "!=", Values: []string{"2"}}},
	}, got)
	got, err = parseQuery(`status NOT IN ("RUNNING")`)
	require.NoError(t, err)
	require.Equal(t, "NOT IN", got[0][0].Op)
	empty, err := parseQuery("   ")
	require.NoError(t, err)
	require.Empty(t, empty)

	for _, bad := range []string{
		"nosuchfield='x'", "status", "status ~ 'x'", "status IN FAILED", "status IN (A", "status='x' AND",
		"status='x' status='y'", "version='abc'", "workflowType='unterminated",
	} {
		_, err := parseQuery(bad)
		require.ErrorIs(t, err, conductor.ErrInvalid, bad)
	}
}

func TestSearchParamsLimits(t *testing.T) {
	t.Parallel()
	_, err := searchParams(SearchRequest{Size: MaxSearchSize + 1})
	require.ErrorContains(t, err, "Cannot return more than 5000 workflows")
	_, err = searchParams(SearchRequest{Sort: "nosuch:ASC"})
	require.ErrorIs(t, err, conductor.ErrInvalid)
	p, err := searchParams(SearchRequest{Sort: "startTime:DESC|workflowId"})
	require.NoError(t, err)
	require.Equal(t, []store.SortField{{Field: "startTime", Desc: true}, {Field: "workflowId"}}, p.Sort)
	require.Equal(t, 100, p.Size, "size defaults to 100")
}

func TestJavaString(t *testing.T) {
	t.Parallel()
	require.Equal(t, "{a=1, b=[x, null, {c=true}], d=2.5}",
		javaString(map[string]any{"b": []any{"x", nil, map[string]any{"c": true}}, "a": json.Number("1"), "d": 2.5}))
	require.Equal(t, "{}", javaString(map[string]any{}))
}
