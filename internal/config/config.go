// Package config builds Podium's one typed Config from the environment. Every key has a
// default, a validator and, for secrets, a redaction flag; KEY_FILE reads the value from a file
// (Docker and Kubernetes secrets). Config is built once in main and passed down explicitly.
package config

import (
	"errors"
	"fmt"
	"github.com/podiumhq/podium/internal/conductor"
	"log/slog"
	"net"
	"net/netip"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"
)

// Defaults.
const (
	AddrDefault            = "127.0.0.1:8080"
	DatabaseURLDefault     = "postgres://postgres@127.0.0.1:5432/podium?sslmode=disable"
	DataDirDefault         = "data"
	LogFormatDefault       = "text"
	LogLevelDefault        = "info"
	DBMaxConnsDefault      = 16
	MaxBodyBytesDefault    = 8 << 20
	ShutdownTimeoutDefault = 30 * time.Second
	// RetentionIntervalDefault is how often the retention cleaner runs.
	RetentionIntervalDefault = time.Minute
	TokenTTLDefault          = 60 * time.Minute
	TokenMaxTTLDefault       = 24 * time.Hour
	LoginConcurrencyDefault  = 2
	SystemWorkersDefault     = 256
	HTTPTaskPerHostDefault   = 8
	// HTTPTaskMaxRedirectsDefault is how many redirects an HTTP task follows.
	HTTPTaskMaxRedirectsDefault = 5
	// PayloadMaxBytesDefault is the default payload limit (Conductor fails larger payloads).
	PayloadMaxBytesDefault = 1 << 20
	// PayloadHardMaxBytesDefault is the default ceiling of the payload limit.
	PayloadHardMaxBytesDefault = 16 << 20
	// PayloadHardMaxBytesCeiling is the largest ceiling a configuration may set: the memory a
	// decision takes grows with the payload limit.
	PayloadHardMaxBytesCeiling = 64 << 20
	// payloadMinBytes is the smallest payload limit or ceiling accepted.
	payloadMinBytes = 1024
)

// Defaults of the overload and synchronous-wait limits.
const (
	DBAcquireTimeoutDefault = 5 * time.Second
	ExecuteMaxWaitDefault   = 300 * time.Second
	DefMaxDepthDefault      = 32
	DefMaxTasksDefault      = 2000
	DefMaxBytesDefault      = 1 << 20
)

// Config is the server's whole configuration.
type Config struct {
	// Addr is the HTTP listen address (PODIUM_ADDR).
	Addr string
	// DatabaseURL locates PostgreSQL (PODIUM_DATABASE_URL, else DATABASE_URL). A missing
	// database on a local server is created.
	DatabaseURL string
	// DataDir holds files the server generates for itself (PODIUM_DATA_DIR).
	DataDir string
	// LogFormat is text or json (PODIUM_LOG_FORMAT).
	LogFormat string
	// LogLevel is debug, info, warn or error (PODIUM_LOG_LEVEL).
	LogLevel slog.Level
	// DBMaxConns caps the database pool (PODIUM_DB_MAX_CONNS).
	DBMaxConns int
	// DBAcquireTimeout bounds the wait for a free database connection; a request that waits
	// longer is answered 503 with Retry-After (PODIUM_DB_ACQUIRE_TIMEOUT, a Go duration).
	DBAcquireTimeout time.Duration
	// ExecuteMaxWait is the longest waitForSeconds POST /api/workflow/execute accepts
	// (PODIUM_EXECUTE_MAX_WAIT, a Go duration); the HTTP write timeout is derived from it.
	ExecuteMaxWait time.Duration
	// MaxBodyBytes caps request bodies (PODIUM_MAX_BODY_BYTES).
	MaxBodyBytes int64
	// ShutdownTimeout bounds graceful shutdown (PODIUM_SHUTDOWN_TIMEOUT, a Go duration).
	ShutdownTimeout time.Duration
	// ExecutionRetention is how long ended executions are kept (PODIUM_EXECUTION_RETENTION,
	// such as 30d or 90s); 0 keeps them forever, as Conductor does.
	ExecutionRetention time.Duration
	// RetentionInterval is how often the cleaner runs (PODIUM_RETENTION_INTERVAL, a Go duration).
	RetentionInterval time.Duration
	// RetentionArchive moves expired executions to the archive instead of deleting them
	// (PODIUM_RETENTION_ARCHIVE).
	RetentionArchive bool
	// ArchiveRetention is how long archived executions are kept (PODIUM_ARCHIVE_RETENTION,
	// such as 365d); 0 keeps them forever.
	ArchiveRetention time.Duration
	// DebugAddr, when set, serves net/http/pprof there (PODIUM_DEBUG_ADDR); keep it on loopback.
	DebugAddr string
	// SystemWorkers is how many async system tasks run at once per process (PODIUM_SYSTEM_WORKERS).
	SystemWorkers int
	// SweepWorkers is how many batches of due timers and expired leases one process decides
	// at once, each holding a pool connection (PODIUM_SWEEP_WORKERS); unset, a quarter of
	// DBMaxConns, so that a burst of timers leaves most of the pool to requests. Always fewer
	// than DBMaxConns.
	SweepWorkers int
	// HTTPTaskPerHost is how many of them may call one destination (scheme, host, port) at
	// once (PODIUM_HTTP_TASK_PER_HOST).
	HTTPTaskPerHost int
	// HTTPTaskAllow, when not empty, lists the only networks HTTP tasks may connect to
	// (PODIUM_HTTP_TASK_ALLOW, comma-separated CIDRs or addresses).
	HTTPTaskAllow []netip.Prefix
	// HTTPTaskDeny lists networks HTTP tasks may never connect to (PODIUM_HTTP_TASK_DENY); it
	// wins over HTTPTaskAllow.
	HTTPTaskDeny []netip.Prefix
	// HTTPTaskMaxRedirects is how many redirects an HTTP task follows; 0 follows none
	// (PODIUM_HTTP_TASK_MAX_REDIRECTS).
	HTTPTaskMaxRedirects int
	// SecretKeys seal secret values: "id:base64key,…", the first seals, all open
	// (PODIUM_SECRET_KEYS). Empty means a key generated once into DataDir.
	SecretKeys string
	// AuthOff serves the API without tokens (PODIUM_AUTH=off); allowed only on a loopback Addr.
	AuthOff bool
	// AdminKeyID and AdminKeySecret are the bootstrap admin access key (PODIUM_ADMIN_KEY_ID,
	// PODIUM_ADMIN_KEY_SECRET). Empty means a key generated once into DataDir.
	AdminKeyID     string
	AdminKeySecret string
	// TokenTTL is the life of tokens whose login asks for none (PODIUM_TOKEN_TTL, a Go
	// duration; the SDKs refresh after 45 minutes, so keep it longer in production).
	TokenTTL time.Duration
	// PayloadMaxBytes bounds every task input and output and every workflow input and output,
	// in bytes of JSON (PODIUM_PAYLOAD_MAX_BYTES): a task over it fails, a start over it is
	// refused with 400, a workflow output over it fails the workflow.
	PayloadMaxBytes int64
	// PayloadHardMaxBytes is the largest PayloadMaxBytes may be (PODIUM_PAYLOAD_HARD_MAX_BYTES,
	// at most PayloadHardMaxBytesCeiling): raising the limit past it takes raising it too.
	PayloadHardMaxBytes int64
	// DefMaxDepth, DefMaxTasks and DefMaxBytes bound workflow definitions, registered or
	// inline: task nesting depth, task count and JSON size (PODIUM_DEF_MAX_DEPTH,
	// PODIUM_DEF_MAX_TASKS, PODIUM_DEF_MAX_BYTES).
	DefMaxDepth int
	DefMaxTasks int
	DefMaxBytes int
	// TokenMaxTTL is the longest life a token may have, whatever its login asks for
	// (PODIUM_TOKEN_MAX_TTL, a Go duration).
	TokenMaxTTL time.Duration
	// LoginConcurrency is how many logins hash their secret at once, 19 MiB each
	// (PODIUM_LOGIN_CONCURRENCY); more wait briefly, then get 429.
	LoginConcurrency int
	// TrustedProxies are the proxies (addresses or CIDR prefixes) whose X-Forwarded-For names
	// a login's source address for throttling (PODIUM_TRUSTED_PROXIES, comma-separated).
	TrustedProxies []netip.Prefix
}

// MinAdminSecretLen is the shortest admin key secret accepted.
const MinAdminSecretLen = 16

// option is one row of the key table.
type option struct {
	key    string
	alias  string // an older or generic name read when key is unset
	def    string
	secret bool
	set    func(c *Config, v string) error
}

var options = []option{
	{key: "PODIUM_ADDR", def: AddrDefault, set: func(c *Config, v string) error {
		if _, _, err := net.SplitHostPort(v); err != nil {
			return fmt.Errorf("must be host:port: %w", err)
		}
		c.Addr = v
		return nil
	}},
	{key: "PODIUM_DATABASE_URL", alias: "DATABASE_URL", def: DatabaseURLDefault, secret: true, set: func(c *Config, v string) error {
		if !strings.Contains(v, "://") && !strings.Contains(v, "=") {
			return errors.New("must be a postgres:// URL or a key=value connection string")
		}
		c.DatabaseURL = v
		return nil
	}},
	{key: "PODIUM_DATA_DIR", def: DataDirDefault, set: func(c *Config, v string) error { c.DataDir = v; return nil }},
	{key: "PODIUM_LOG_FORMAT", def: LogFormatDefault, set: func(c *Config, v string) error {
		if v != "text" && v != "json" {
			return errors.New("must be text or json")
		}
		c.LogFormat = v
		return nil
	}},
	{key: "PODIUM_LOG_LEVEL", def: LogLevelDefault, set: func(c *Config, v string) error {
		return c.LogLevel.UnmarshalText([]byte(v))
	}},
	{key: "PODIUM_DB_MAX_CONNS", def: strconv.Itoa(DBMaxConnsDefault), set: func(c *Config, v string) error {
		n, err := strconv.Atoi(v)
		if err != nil || n < 2 || n > 1000 {
			return errors.New("must be an integer from 2 to 1000")
		}
		c.DBMaxConns = n
		return nil
	}},
	{key: "PODIUM_DB_ACQUIRE_TIMEOUT", def: DBAcquireTimeoutDefault.String(), set: func(c *Config, v string) error {
		d, err := time.ParseDuration(v)
		if err != nil || d < time.Millisecond || d > 10*time.Minute {
			return errors.New("must be a duration from 1ms to 10m such as 5s")
		}
		c.DBAcquireTimeout = d
		return nil
	}},
	{key: "PODIUM_EXECUTE_MAX_WAIT", def: ExecuteMaxWaitDefault.String(), set: func(c *Config, v string) error {
		d, err := time.ParseDuration(v)
		if err != nil || d < time.Second || d > time.Hour || d%time.Second != 0 {
			return errors.New("must be a whole number of seconds from 1s to 1h such as 300s")
		}
		c.ExecuteMaxWait = d
		return nil
	}},
	{key: "PODIUM_MAX_BODY_BYTES", def: strconv.Itoa(MaxBodyBytesDefault), set: func(c *Config, v string) error {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 1024 {
			return errors.New("must be an integer of at least 1024")
		}
		c.MaxBodyBytes = n
		return nil
	}},
	{key: "PODIUM_PAYLOAD_MAX_BYTES", def: strconv.Itoa(PayloadMaxBytesDefault), set: func(c *Config, v string) error {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < payloadMinBytes {
			return fmt.Errorf("must be an integer of at least %d", payloadMinBytes)
		}
		c.PayloadMaxBytes = n
		return nil
	}},
	{key: "PODIUM_PAYLOAD_HARD_MAX_BYTES", def: strconv.Itoa(PayloadHardMaxBytesDefault), set: func(c *Config, v string) error {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < payloadMinBytes || n > PayloadHardMaxBytesCeiling {
			return fmt.Errorf("must be an integer from %d to %d", payloadMinBytes, PayloadHardMaxBytesCeiling)
		}
		c.PayloadHardMaxBytes = n
		return nil
	}},
	{key: "PODIUM_EXECUTION_RETENTION", def: conductor.KeepForever,
		set: setRetention("30d", func(c *Config) *time.Duration { return &c.ExecutionRetention })},
	{key: "PODIUM_RETENTION_INTERVAL", def: RetentionIntervalDefault.String(), set: func(c *Config, v string) error {
		d, err := time.ParseDuration(v)
		if err != nil || d < time.Second || d > 24*time.Hour {
			return errors.New("must be a duration from 1s to 24h such as 1m")
		}
		c.RetentionInterval = d
		return nil
	}},
	{key: "PODIUM_RETENTION_ARCHIVE", def: "false", set: func(c *Config, v string) error {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return errors.New("must be true or false")
		}
		c.RetentionArchive = b
		return nil
	}},
	{key: "PODIUM_ARCHIVE_RETENTION", def: conductor.KeepForever,
		set: setRetention("365d", func(c *Config) *time.Duration { return &c.ArchiveRetention })},
	{key: "PODIUM_SHUTDOWN_TIMEOUT", def: ShutdownTimeoutDefault.String(), set: func(c *Config, v string) error {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			return errors.New("must be a positive duration such as 30s")
		}
		c.ShutdownTimeout = d
		return nil
	}},
	{key: "PODIUM_DEBUG_ADDR", def: "", set: func(c *Config, v string) error {
		if v != "" {
			if _, _, err := net.SplitHostPort(v); err != nil {
				return fmt.Errorf("must be host:port: %w", err)
			}
		}
		c.DebugAddr = v
		return nil
	}},
	{key: "PODIUM_SECRET_KEYS", def: "", secret: true, set: func(c *Config, v string) error {
		c.SecretKeys = v
		return nil
	}},
	{key: "PODIUM_SYSTEM_WORKERS", def: strconv.Itoa(SystemWorkersDefault), set: func(c *Config, v string) error {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 10000 {
			return errors.New("must be an integer from 1 to 10000")
		}
		c.SystemWorkers = n
		return nil
	}},
	{key: "PODIUM_SWEEP_WORKERS", def: "", set: func(c *Config, v string) error {
		if v == "" {
			return nil // derived from PODIUM_DB_MAX_CONNS by validate
		}
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1000 {
			return errors.New("must be an integer from 1 to 1000")
		}
		c.SweepWorkers = n
		return nil
	}},
	{key: "PODIUM_HTTP_TASK_PER_HOST", def: strconv.Itoa(HTTPTaskPerHostDefault), set: func(c *Config, v string) error {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 10000 {
			return errors.New("must be an integer from 1 to 10000")
		}
		c.HTTPTaskPerHost = n
		return nil
	}},
	{key: "PODIUM_HTTP_TASK_ALLOW", def: "", set: func(c *Config, v string) (err error) {
		c.HTTPTaskAllow, err = parseNetworks(v)
		return err
	}},
	{key: "PODIUM_HTTP_TASK_DENY", def: "", set: func(c *Config, v string) (err error) {
		c.HTTPTaskDeny, err = parseNetworks(v)
		return err
	}},
	{key: "PODIUM_HTTP_TASK_MAX_REDIRECTS", def: strconv.Itoa(HTTPTaskMaxRedirectsDefault), set: func(c *Config, v string) error {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 || n > 50 {
			return errors.New("must be an integer from 0 to 50")
		}
		c.HTTPTaskMaxRedirects = n
		return nil
	}},
	{key: "PODIUM_AUTH", def: "on", set: func(c *Config, v string) error {
		switch v {
		case "on":
		case "off":
			c.AuthOff = true
		default:
			return errors.New("must be on or off")
		}
		return nil
	}},
	{key: "PODIUM_ADMIN_KEY_ID", def: "", set: func(c *Config, v string) error {
		if strings.ContainsAny(v, " \t\r\n") {
			return errors.New("must not contain white space")
		}
		c.AdminKeyID = v
		return nil
	}},
	{key: "PODIUM_TOKEN_TTL", def: TokenTTLDefault.String(), set: func(c *Config, v string) error {
		d, err := time.ParseDuration(v)
		if err != nil || d < time.Second {
			return errors.New("must be a duration of at least 1s such as 60m")
		}
		c.TokenTTL = d
		return nil
	}},
	{key: "PODIUM_DEF_MAX_DEPTH", def: strconv.Itoa(DefMaxDepthDefault), set: func(c *Config, v string) error {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1000 {
			return errors.New("must be an integer from 1 to 1000")
		}
		c.DefMaxDepth = n
		return nil
	}},
	{key: "PODIUM_DEF_MAX_TASKS", def: strconv.Itoa(DefMaxTasksDefault), set: func(c *Config, v string) error {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1_000_000 {
			return errors.New("must be an integer from 1 to 1000000")
		}
		c.DefMaxTasks = n
		return nil
	}},
	{key: "PODIUM_DEF_MAX_BYTES", def: strconv.Itoa(DefMaxBytesDefault), set: func(c *Config, v string) error {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1024 || n > 1<<30 {
			return errors.New("must be an integer from 1024 to 1073741824")
		}
		c.DefMaxBytes = n
		return nil
	}},
	{key: "PODIUM_TOKEN_MAX_TTL", def: TokenMaxTTLDefault.String(), set: func(c *Config, v string) error {
		d, err := time.ParseDuration(v)
		if err != nil || d < time.Second {
			return errors.New("must be a duration of at least 1s such as 24h")
		}
		c.TokenMaxTTL = d
		return nil
	}},
	{key: "PODIUM_LOGIN_CONCURRENCY", def: strconv.Itoa(LoginConcurrencyDefault), set: func(c *Config, v string) error {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 64 {
			return errors.New("must be an integer from 1 to 64")
		}
		c.LoginConcurrency = n
		return nil
	}},
	{key: "PODIUM_TRUSTED_PROXIES", def: "", set: func(c *Config, v string) error {
		c.TrustedProxies = nil
		for _, item := range strings.Split(v, ",") {
			if item = strings.TrimSpace(item); item == "" {
				continue
			}
			p, err := netip.ParsePrefix(item)
			if err != nil {
				a, aerr := netip.ParseAddr(item)
				if aerr != nil {
					return fmt.Errorf("%q is neither an IP address nor a CIDR prefix", item)
				}
				p = netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen())
			}
			c.TrustedProxies = append(c.TrustedProxies, p.Masked())
		}
		return nil
	}},
	{key: "PODIUM_ADMIN_KEY_SECRET", def: "", secret: true, set: func(c *Config, v string) error {
		if v != "" && len(v) < MinAdminSecretLen {
			return fmt.Errorf("must be at least %d characters", MinAdminSecretLen)
		}
		c.AdminKeySecret = v
		return nil
	}},
}

// validate checks rules that involve several keys.
func (c *Config) validate() error {
	var errs []error
	if (c.AdminKeyID == "") != (c.AdminKeySecret == "") {
		errs = append(errs, errors.New("PODIUM_ADMIN_KEY_ID and PODIUM_ADMIN_KEY_SECRET must be set together"))
	}
	if c.PayloadMaxBytes > c.PayloadHardMaxBytes {
		errs = append(errs, fmt.Errorf("PODIUM_PAYLOAD_MAX_BYTES=%d is greater than PODIUM_PAYLOAD_HARD_MAX_BYTES=%d",
			c.PayloadMaxBytes, c.PayloadHardMaxBytes))
	}
	if c.TokenTTL > c.TokenMaxTTL {
		errs = append(errs, fmt.Errorf("PODIUM_TOKEN_TTL (%s) must not exceed PODIUM_TOKEN_MAX_TTL (%s)", c.TokenTTL, c.TokenMaxTTL))
	}
	if c.SweepWorkers == 0 {
		c.SweepWorkers = max(1, c.DBMaxConns/4) // the engine's default for the pool (engine.SweepWorkersFor)
	} else if c.SweepWorkers >= c.DBMaxConns {
		errs = append(errs, fmt.Errorf("PODIUM_SWEEP_WORKERS=%d must be less than PODIUM_DB_MAX_CONNS=%d: each holds a connection while it decides",
			c.SweepWorkers, c.DBMaxConns))
	}
	if c.AuthOff && !IsLoopback(c.Addr) {
		errs = append(errs, fmt.Errorf("PODIUM_AUTH=off is only allowed when PODIUM_ADDR is a loopback address, not %q", c.Addr))
	}
	return errors.Join(errs...)
}

// parseNetworks reads a comma-separated list of CIDR networks or single IP addresses.
func parseNetworks(list string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, item := range strings.Split(list, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		if strings.Contains(item, "/") {
			p, err := netip.ParsePrefix(item)
			if err != nil {
				return nil, fmt.Errorf("%q is not a CIDR network such as 10.0.0.0/8", item)
			}
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(item)
		if err != nil {
			return nil, fmt.Errorf("%q is not an IP address or a CIDR network", item)
		}
		a = a.Unmap()
		out = append(out, netip.PrefixFrom(a, a.BitLen()))
	}
	return out, nil
}

// IsLoopback reports whether addr (host:port) listens on a loopback interface only.
func IsLoopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Load builds the configuration from getenv (os.Getenv in main). It reports every bad key at once.
func Load(getenv func(string) string) (Config, error) {
	var c Config
	var errs []error
	for _, o := range options {
		raw, err := lookup(getenv, o)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if err := o.set(&c, raw); err != nil {
			shown := raw
			if o.secret {
				shown = "<redacted>"
			}
			errs = append(errs, fmt.Errorf("%s=%q: %w", o.key, shown, err))
		}
	}
	if len(errs) == 0 {
		errs = append(errs, c.validate())
	}
	return c, errors.Join(errs...)
}

// lookup returns the value of o from KEY, KEY_FILE, the alias or the default, in that order.
func lookup(getenv func(string) string, o option) (string, error) {
	v, file := getenv(o.key), getenv(o.key+"_FILE")
	switch {
	case v != "" && file != "":
		return "", fmt.Errorf("%s and %s_FILE are both set; set one", o.key, o.key)
	case v != "":
		return v, nil
	case file != "":
		data, err := os.ReadFile(file)
		if err != nil {
			return "", fmt.Errorf("%s_FILE: %w", o.key, err)
		}
		return strings.TrimRight(string(data), "\r\n"), nil
	case o.alias != "" && getenv(o.alias) != "":
		return getenv(o.alias), nil
	}
	return o.def, nil
}

// LogValue renders the configuration for logs with secrets redacted.
func (c Config) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("addr", c.Addr),
		slog.String("database_url", RedactURL(c.DatabaseURL)),
		slog.String("data_dir", c.DataDir),
		slog.String("log_format", c.LogFormat),
		slog.String("log_level", c.LogLevel.String()),
		slog.Int("db_max_conns", c.DBMaxConns),
		slog.Duration("db_acquire_timeout", c.DBAcquireTimeout),
		slog.Duration("execute_max_wait", c.ExecuteMaxWait),
		slog.Int64("max_body_bytes", c.MaxBodyBytes),
		slog.Int64("payload_max_bytes", c.PayloadMaxBytes),
		slog.Int64("payload_hard_max_bytes", c.PayloadHardMaxBytes),
		slog.Duration("shutdown_timeout", c.ShutdownTimeout),
		slog.String("execution_retention", conductor.FormatRetention(c.ExecutionRetention)),
		slog.Duration("retention_interval", c.RetentionInterval),
		slog.Bool("retention_archive", c.RetentionArchive),
		slog.String("debug_addr", c.DebugAddr),
		slog.Int("system_workers", c.SystemWorkers),
		slog.Int("sweep_workers", c.SweepWorkers),
		slog.Int("http_task_per_host", c.HTTPTaskPerHost),
		slog.Any("http_task_allow", c.HTTPTaskAllow),
		slog.Any("http_task_deny", c.HTTPTaskDeny),
		slog.Int("http_task_max_redirects", c.HTTPTaskMaxRedirects),
		slog.Bool("secret_keys_configured", c.SecretKeys != ""),
		slog.Bool("auth", !c.AuthOff),
		slog.String("admin_key_id", c.AdminKeyID),
		slog.Bool("admin_key_secret_configured", c.AdminKeySecret != ""),
		slog.Duration("token_ttl", c.TokenTTL),
		slog.Int("def_max_depth", c.DefMaxDepth),
		slog.Int("def_max_tasks", c.DefMaxTasks),
		slog.Int("def_max_bytes", c.DefMaxBytes),
		slog.Duration("token_max_ttl", c.TokenMaxTTL),
		slog.Int("login_concurrency", c.LoginConcurrency),
		slog.Any("trusted_proxies", c.TrustedProxies),
	)
}

// RedactURL hides the password of a connection URL, and the whole value when it is not a URL.
func RedactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme == "" {
		return "<redacted>"
	}
	if q := u.Query(); q.Has("password") {
		q.Set("password", "xxxxx")
		u.RawQuery = q.Encode()
	}
	return u.Redacted()
}

// Redacted is the configuration as a map of the LogValue names to their values, secrets
// redacted the same way (the database password hidden, keys reported only as configured or
// not), for the admin API. Durations are written as Go durations ("5s").
func (c Config) Redacted() map[string]any {
	attrs := c.LogValue().Group()
	out := make(map[string]any, len(attrs))
	for _, a := range attrs {
		v := a.Value.Resolve()
		switch v.Kind() {
		case slog.KindDuration:
			out[a.Key] = v.Duration().String()
		default:
			out[a.Key] = v.Any()
		}
	}
	return out
}

// setRetention is the set function of a retention setting ("30d", "90s", "forever"; 0 is
// forever): it stores the parsed value where field says, the error naming example.
func setRetention(example string, field func(*Config) *time.Duration) func(*Config, string) error {
	return func(c *Config, v string) error {
		d, err := conductor.ParseRetention(v)
		if err != nil {
			return fmt.Errorf("must be a duration such as %s, 12h or 90s, or forever", example)
		}
		*field(c) = d
		return nil
	}
}
