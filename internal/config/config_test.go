package config_test

import (
	"log/slog"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/podiumhq/podium/internal/config"
)

func env(kv map[string]string) func(string) string {
	return func(k string) string { return kv[k] }
}

func TestLoadDefaults(t *testing.T) {
	t.Parallel()
	c, err := config.Load(env(nil))
	require.NoError(t, err)
	require.Equal(t, config.AddrDefault, c.Addr)
	require.Equal(t, config.DatabaseURLDefault, c.DatabaseURL)
	require.Equal(t, slog.LevelInfo, c.LogLevel)
	require.Equal(t, config.DBMaxConnsDefault, c.DBMaxConns)
	require.Equal(t, 30*time.Second, c.ShutdownTimeout)
}

func TestLoadValuesAliasesAndFiles(t *testing.T) {
	t.Parallel()
	file := filepath.Join(t.TempDir(), "db")
	require.NoError(t, os.WriteFile(file, []byte("postgres://u:pw@db:5432/x\n"), 0o600))

	c, err := config.Load(env(map[string]string{
		"PODIUM_ADDR": "0.0.0.0:9000", "PODIUM_DATABASE_URL_FILE": file, "PODIUM_LOG_LEVEL": "debug",
		"PODIUM_LOG_FORMAT": "json", "PODIUM_DB_MAX_CONNS": "7", "PODIUM_SHUTDOWN_TIMEOUT": "5s",
	}))
	require.NoError(t, err)
	require.Equal(t, "0.0.0.0:9000", c.Addr)
	require.Equal(t, "postgres://u:pw@db:5432/x", c.DatabaseURL, "file value without trailing newline")
	require.Equal(t, slog.LevelDebug, c.LogLevel)
	require.Equal(t, 7, c.DBMaxConns)

	c, err = config.Load(env(map[string]string{"DATABASE_URL": "postgres://alias/x"}))
	require.NoError(t, err)
	require.Equal(t, "postgres://alias/x", c.DatabaseURL, "DATABASE_URL is read when PODIUM_DATABASE_URL is unset")
}

func TestLoadReportsEveryBadKeyWithoutLeakingSecrets(t *testing.T) {
	t.Parallel()
	_, err := config.Load(env(map[string]string{
		"PODIUM_ADDR": "nonsense", "PODIUM_LOG_FORMAT": "xml", "PODIUM_DB_MAX_CONNS": "0",
		"PODIUM_DATABASE_URL": "hunter2-not-a-url", "PODIUM_SHUTDOWN_TIMEOUT": "-1s",
	}))
	require.Error(t, err)
	for _, key := range []string{"PODIUM_ADDR", "PODIUM_LOG_FORMAT", "PODIUM_DB_MAX_CONNS", "PODIUM_DATABASE_URL", "PODIUM_SHUTDOWN_TIMEOUT"} {
		require.Contains(t, err.Error(), key)
	}
	require.NotContains(t, err.Error(), "hunter2")
}

func TestLoadRejectsValueAndFileTogether(t *testing.T) {
	t.Parallel()
	_, err := config.Load(env(map[string]string{"PODIUM_ADDR": "127.0.0.1:1", "PODIUM_ADDR_FILE": "/x"}))
	require.ErrorContains(t, err, "both set")
	_, err = config.Load(env(map[string]string{"PODIUM_ADDR_FILE": "/does/not/exist"}))
	require.ErrorContains(t, err, "PODIUM_ADDR_FILE")
}

func TestLogValueRedactsPassword(t *testing.T) {
	t.Parallel()
	c, err := config.Load(env(map[string]string{"PODIUM_DATABASE_URL": "postgres://podium:s3cr3t@db/podium?password=other"}))
	require.NoError(t, err)
	var b strings.Builder
	slog.New(slog.NewTextHandler(&b, nil)).Info("cfg", "config", c)
	require.NotContains(t, b.String(), "s3cr3t")
	require.NotContains(t, b.String(), "other")
	require.Contains(t, b.String(), "podium:xxxxx@db")
	require.Equal(t, "<redacted>", config.RedactURL("host=db password=x"))
}

func TestLoadPayloadLimits(t *testing.T) {
	t.Parallel()
	c, err := config.Load(env(nil))
	require.NoError(t, err)
	require.Equal(t, int64(1<<20), c.PayloadMaxBytes)
	require.Equal(t, int64(config.PayloadHardMaxBytesDefault), c.PayloadHardMaxBytes)

	c, err = config.Load(env(map[string]string{"PODIUM_PAYLOAD_MAX_BYTES": "4096"}))
	require.NoError(t, err)
	require.Equal(t, int64(4096), c.PayloadMaxBytes)

	_, err = config.Load(env(map[string]string{"PODIUM_PAYLOAD_MAX_BYTES": "33554432"}))
	require.ErrorContains(t, err, "PODIUM_PAYLOAD_MAX_BYTES=33554432 is greater than PODIUM_PAYLOAD_HARD_MAX_BYTES=16777216")
	c, err = config.Load(env(map[string]string{"PODIUM_PAYLOAD_MAX_BYTES": "33554432", "PODIUM_PAYLOAD_HARD_MAX_BYTES": "33554432"}))
	require.NoError(t, err, "raising the ceiling allows a larger limit")
	require.Equal(t, int64(32<<20), c.PayloadMaxBytes)

	for key, value := range map[string]string{
		"PODIUM_PAYLOAD_MAX_BYTES": "100", "PODIUM_PAYLOAD_HARD_MAX_BYTES": "134217728",
	} {
		_, err = config.Load(env(map[string]string{key: value}))
		require.ErrorContains(t, err, key, value)
	}
}

func TestLoadLoginLimits(t *testing.T) {
	t.Parallel()
	c, err := config.Load(env(nil))
	require.NoError(t, err)
	require.Equal(t, 24*time.Hour, c.TokenMaxTTL)
	require.Equal(t, 2, c.LoginConcurrency)
	require.Empty(t, c.TrustedProxies, "X-Forwarded-For is trusted from nobody unless configured")

	c, err = config.Load(env(map[string]string{
		"PODIUM_TOKEN_MAX_TTL": "2h", "PODIUM_LOGIN_CONCURRENCY": "4", "PODIUM_TRUSTED_PROXIES": "10.0.0.0/8, 192.168.1.7,::1",
	}))
	require.NoError(t, err)
	require.Equal(t, 2*time.Hour, c.TokenMaxTTL)
	require.Equal(t, 4, c.LoginConcurrency)
	require.Equal(t, []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("192.168.1.7/32"),
		netip.MustParsePrefix("::1/128")}, c.TrustedProxies)

	_, err = config.Load(env(map[string]string{
		"PODIUM_LOGIN_CONCURRENCY": "0", "PODIUM_TRUSTED_PROXIES": "proxy.example", "PODIUM_TOKEN_MAX_TTL": "forever",
	}))
	for _, key := range []string{"PODIUM_LOGIN_CONCURRENCY", "PODIUM_TRUSTED_PROXIES", "PODIUM_TOKEN_MAX_TTL"} {
		require.ErrorContains(t, err, key)
	}
	_, err = config.Load(env(map[string]string{"PODIUM_TOKEN_TTL": "2h", "PODIUM_TOKEN_MAX_TTL": "1h"}))
	require.ErrorContains(t, err, "must not exceed PODIUM_TOKEN_MAX_TTL")
}

func TestSweepWorkersFollowThePool(t *testing.T) {
	t.Parallel()
	c, err := config.Load(env(nil))
	require.NoError(t, err)
	require.Equal(t, config.DBMaxConnsDefault/4, c.SweepWorkers, "a quarter of the pool by default")
	c, err = config.Load(env(map[string]string{"PODIUM_DB_MAX_CONNS": "3"}))
	require.NoError(t, err)
	require.Equal(t, 1, c.SweepWorkers, "at least one")
	c, err = config.Load(env(map[string]string{"PODIUM_DB_MAX_CONNS": "40", "PODIUM_SWEEP_WORKERS": "12"}))
	require.NoError(t, err)
	require.Equal(t, 12, c.SweepWorkers)
	_, err = config.Load(env(map[string]string{"PODIUM_DB_MAX_CONNS": "8", "PODIUM_SWEEP_WORKERS": "8"}))
	require.ErrorContains(t, err, "PODIUM_SWEEP_WORKERS=8 must be less than PODIUM_DB_MAX_CONNS=8")
	_, err = config.Load(env(map[string]string{"PODIUM_SWEEP_WORKERS": "0"}))
	require.ErrorContains(t, err, "PODIUM_SWEEP_WORKERS")
}

func TestLoadRetentions(t *testing.T) {
	c, err := config.Load(env(nil))
	require.NoError(t, err)
	require.Zero(t, c.ExecutionRetention, "forever, as Conductor")
	require.Zero(t, c.ArchiveRetention)
	c, err = config.Load(env(map[string]string{"PODIUM_EXECUTION_RETENTION": "30d", "PODIUM_ARCHIVE_RETENTION": "1d12h"}))
	require.NoError(t, err)
	require.Equal(t, 30*24*time.Hour, c.ExecutionRetention)
	require.Equal(t, 36*time.Hour, c.ArchiveRetention)
	_, err = config.Load(env(map[string]string{"PODIUM_ARCHIVE_RETENTION": "a year"}))
	require.ErrorContains(t, err, "PODIUM_ARCHIVE_RETENTION")
}
