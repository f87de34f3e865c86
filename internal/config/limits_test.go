package config_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/podiumhq/podium/internal/config"
)

func TestLoadAcquireTimeoutAndExecuteMaxWait(t *testing.T) {
	t.Parallel()
	c, err := config.Load(env(nil))
	require.NoError(t, err)
	require.Equal(t, config.DBAcquireTimeoutDefault, c.DBAcquireTimeout)
	require.Equal(t, config.ExecuteMaxWaitDefault, c.ExecuteMaxWait)

	c, err = config.Load(env(map[string]string{"PODIUM_DB_ACQUIRE_TIMEOUT": "250ms", "PODIUM_EXECUTE_MAX_WAIT": "10m"}))
	require.NoError(t, err)
	require.Equal(t, 250*time.Millisecond, c.DBAcquireTimeout)
	require.Equal(t, 10*time.Minute, c.ExecuteMaxWait)

	for key, bad := range map[string]string{"PODIUM_DB_ACQUIRE_TIMEOUT": "0s", "PODIUM_EXECUTE_MAX_WAIT": "1.5s"} {
		_, err := config.Load(env(map[string]string{key: bad}))
		require.ErrorContains(t, err, key)
	}
}
