package systask

import (
	"context"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/podiumhq/podium/internal/conductor"
)

func TestJQCompilesOnce(t *testing.T) {
	t.Parallel()
	h := NewJQ(JQConfig{})
	run := func(query string, n any) Result {
		return h.Execute(context.Background(), &Task{Input: map[string]any{"queryExpression": query, "n": n}})
	}
	for i := range 5 {
		res := run(".n * 2", i)
		require.Equal(t, conductor.TaskCompleted, res.Status)
		require.Equal(t, int64(2*i), res.Output["result"])
	}
	require.Equal(t, int64(1), h.compiles.Load(), "one distinct query, one compilation")

	for range 3 {
		require.Equal(t, conductor.TaskFailed, run(".n |", 1).Status)
	}
	require.Equal(t, int64(2), h.compiles.Load(), "a query that does not compile is cached too")
	require.Equal(t, 2, h.cache.len())
}

func TestJQCacheIsBounded(t *testing.T) {
	t.Parallel()
	h := NewJQ(JQConfig{CacheSize: 3})
	run := func(query string) {
		t.Helper()
		res := h.Execute(context.Background(), &Task{Input: map[string]any{"queryExpression": query}})
		require.Equal(t, conductor.TaskCompleted, res.Status, res.ReasonForIncompletion)
	}
	for i := range 3 {
		run(fmt.Sprint(i))
	}
	run("0") // the most recently used now; 1 is the least
	run("3") // evicts 1
	require.Equal(t, 3, h.cache.len())
	require.Equal(t, int64(4), h.compiles.Load())
	run("0")
	run("2")
	require.Equal(t, int64(4), h.compiles.Load(), "0 and 2 stayed")
	run("1")
	require.Equal(t, int64(5), h.compiles.Load(), "1 was evicted")
	require.Equal(t, 3, h.cache.len())
}

func TestJQCacheSkipsLongQueries(t *testing.T) {
	t.Parallel()
	h := NewJQ(JQConfig{})
	long := "." + fmt.Sprintf("%*s", jqCacheMaxExpression, "")
	for range 2 {
		res := h.Execute(context.Background(), &Task{Input: map[string]any{"queryExpression": long}})
		require.Equal(t, conductor.TaskCompleted, res.Status, res.ReasonForIncompletion)
	}
	require.Equal(t, int64(2), h.compiles.Load())
	require.Zero(t, h.cache.len())
}
