package defaults_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/podiumhq/podium/internal/defaults"
)

func TestPositive(t *testing.T) {
	t.Parallel()
	require.Equal(t, 7, defaults.Positive(7, 3))
	require.Equal(t, 3, defaults.Positive(0, 3))
	require.Equal(t, 3, defaults.Positive(-1, 3))
	require.Equal(t, time.Second, defaults.Positive(time.Duration(0), time.Second))
	require.Equal(t, time.Millisecond, defaults.Positive(time.Millisecond, time.Second))
	require.Equal(t, int64(1<<20), defaults.Positive(int64(-5), 1<<20))
}
