package systask_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/podiumhq/podium/engine/systask"
)

func TestDefaultRegistryRunsJQAndLambda(t *testing.T) {
	t.Parallel()
	r := systask.Default()
	for _, typ := range []string{"JSON_JQ_TRANSFORM", "LAMBDA", "INLINE"} {
		require.Equal(t, systask.ByHandler, r.RunnerOf(typ), typ)
		h, ok := r.Get(typ)
		require.True(t, ok, typ)
		require.Equal(t, systask.Sync, h.Mode(), typ)
	}
	require.Contains(t, r.Executed(), "JSON_JQ_TRANSFORM")
	require.Contains(t, r.Executed(), "LAMBDA")
	for _, typ := range []string{"FORK_JOIN", "DO_WHILE", "JOIN"} {
		require.Equal(t, systask.ByDecider, r.RunnerOf(typ), typ)
	}
	for _, typ := range []string{"FORK", "KAFKA_PUBLISH", "LLM_CHAT_COMPLETE"} {
		require.Equal(t, systask.Unsupported, r.RunnerOf(typ), typ)
	}
}
