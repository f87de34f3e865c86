// Package storetest gives tests a real, isolated PostgreSQL database: the migrations are
// applied once into a template database (named by a hash of the migration files), and every
// test gets a fresh clone that is dropped when the test ends, pass or fail. Clones left behind
// by killed test processes are dropped by the next run.
//
// The server is taken from PODIUM_TEST_DATABASE_URL (default
// postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable); its role must be allowed to
// create databases.
package storetest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/podiumhq/podium/migrations"
	"github.com/podiumhq/podium/store"
)

// AdminURLDefault is the server tests use when PODIUM_TEST_DATABASE_URL is unset.
const AdminURLDefault = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"

const (
	instancePrefix = "podium_test_"
	templatePrefix = "podium_tpl_"
)

var (
	setupOnce sync.Once
	setupErr  error
	template  string
	counter   atomic.Int64
)

// AdminURL returns the URL of the maintenance database tests create databases through.
func AdminURL() string {
	if u := os.Getenv("PODIUM_TEST_DATABASE_URL"); u != "" {
		return u
	}
	return AdminURLDefault
}

// Epoch is the instant database tests write as "now" where the time itself does not matter:
// fixed, so that rows and assertions can name it (1,700,000,000,000 ms after the Unix epoch,
// in November 2023).
var Epoch = time.UnixMilli(1_700_000_000_000)

// Setup is how a database test begins: a background context and a store on a fresh migrated
// database (NewStore).
func Setup(t testing.TB) (context.Context, *store.Store) {
	t.Helper()
	return context.Background(), NewStore(t)
}

// NewStore returns a store on a fresh migrated database, closed and dropped when t ends.
func NewStore(t testing.TB) *store.Store {
	t.Helper()
	url := NewDatabaseURL(t)
	s, err := store.Open(context.Background(), store.Config{URL: url, MaxConns: 4})
	if err != nil {
		t.Fatalf("storetest: opening store: %v", err)
	}
	t.Cleanup(s.Close) // registered after the drop, so it runs before it
	return s
}

// NewDatabaseURL creates a fresh clone of the migrated template and returns its URL. The
// database is dropped when t ends.
func NewDatabaseURL(t testing.TB) string {
	t.Helper()
	setupOnce.Do(func() { setupErr = setup() })
	if setupErr != nil {
		t.Fatalf("storetest: %v", setupErr)
	}
	name := NewDatabaseName()
	admin(t, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()+" TEMPLATE "+pgx.Identifier{template}.Sanitize())
	t.Cleanup(func() { Drop(t, name) })
	return URLFor(t, name)
}

// NewDatabaseName returns a unique database name that is not created yet; pass it to Drop
// (directly or via t.Cleanup) if something creates it.
func NewDatabaseName() string {
	return fmt.Sprintf("%s%d_%d_%d", instancePrefix, os.Getpid(), time.Now().UnixNano()%1e9, counter.Add(1))
}

// URLFor returns the URL of database name on the test server.
func URLFor(t testing.TB, name string) string {
	t.Helper()
	url, err := urlOf(name)
	if err != nil {
		t.Fatalf("storetest: %v", err)
	}
	return url
}

func urlOf(name string) (string, error) {
	cfg, err := pgx.ParseConfig(AdminURL())
	if err != nil {
		return "", fmt.Errorf("parsing admin URL: %w", err)
	}
	host := cfg.Host
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	return fmt.Sprintf("postgres://%s@%s:%d/%s?sslmode=disable", cfg.User, host, cfg.Port, name), nil
}

// Drop removes database name, disconnecting its sessions first.
func Drop(t testing.TB, name string) {
	t.Helper()
	admin(t, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)")
}

func admin(t testing.TB, sql string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	conn, err := pgx.Connect(ctx, AdminURL())
	if err != nil {
		t.Fatalf("storetest: connecting to %s: %v", AdminURL(), err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, sql); err != nil {
		t.Fatalf("storetest: %s: %v", sql, err)
	}
}

// setup drops leftovers of dead test processes and builds the template for the current
// migrations, once per process, serialized across processes by an advisory lock.
func setup() error {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	hash, err := migrationsHash()
	if err != nil {
		return err
	}
	// The template holds the time partitions of this week and the next two (the spans of a
	// server that keeps executions forever), so clones need not create them: it is rebuilt when
	// the week changes.
	week := time.Now().UTC().Truncate(TemplatePartitionSpan)
	template = templatePrefix + hash + "_" + week.Format("20060102")
	conn, err := pgx.Connect(ctx, AdminURL())
	if err != nil {
		return fmt.Errorf("connecting to %s: %w", AdminURL(), err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, `SELECT pg_advisory_lock(7261001)`); err != nil {
		return err
	}
	defer conn.Exec(context.Background(), `SELECT pg_advisory_unlock(7261001)`) //nolint:errcheck // released on close anyway
	if err := dropLeftovers(ctx, conn); err != nil {
		return err
	}
	var exists bool
	if err := conn.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)`, template).Scan(&exists); err != nil {
		return err
	}
	if exists {
		return touchTemplate(ctx, conn)
	}
	building := template + "_building"
	for _, sql := range []string{
		"DROP DATABASE IF EXISTS " + pgx.Identifier{building}.Sanitize() + " WITH (FORCE)",
		"CREATE DATABASE " + pgx.Identifier{building}.Sanitize(),
	} {
		if _, err := conn.Exec(ctx, sql); err != nil {
			return fmt.Errorf("%s: %w", sql, err)
		}
	}
	if err := migrateDatabase(ctx, building); err != nil {
		return err
	}
	if _, err = conn.Exec(ctx, "ALTER DATABASE "+pgx.Identifier{building}.Sanitize()+" RENAME TO "+pgx.Identifier{template}.Sanitize()); err != nil {
		return err
	}
	return touchTemplate(ctx, conn)
}

// templateUnusedFor is how long a template of another migration set is kept after its last
// use: checkouts with different migrations (branches, worktrees, CI) share one server.
const templateUnusedFor = 6 * time.Hour

// touchTemplate records on the template, as its comment, when a test process last used it.
func touchTemplate(ctx context.Context, conn *pgx.Conn) error {
	_, err := conn.Exec(ctx, "COMMENT ON DATABASE "+pgx.Identifier{template}.Sanitize()+" IS '"+
		strconv.FormatInt(time.Now().Unix(), 10)+"'")
	return err
}

func migrateDatabase(ctx context.Context, name string) error {
	cfg, err := pgx.ParseConfig(AdminURL())
	if err != nil {
		return err
	}
	cfg.Database = name
	db := stdlib.OpenDB(*cfg)
	defer db.Close()
	if err := store.MigrateUp(ctx, db); err != nil {
		return fmt.Errorf("migrating template %s: %w", name, err)
	}
	url, err := urlOf(name)
	if err != nil {
		return err
	}
	st, err := store.Open(ctx, store.Config{URL: url, MaxConns: 2})
	if err != nil {
		return fmt.Errorf("opening template %s: %w", name, err)
	}
	defer st.Close()
	if _, err := st.EnsurePartitions(ctx, time.Now(), TemplatePartitionSpan, 2); err != nil {
		return fmt.Errorf("partitioning template %s: %w", name, err)
	}
	return nil
}

// TemplatePartitionSpan is the span of the template's time partitions: that of a server
// keeping executions forever (retention.SpanFor(0)).
const TemplatePartitionSpan = 7 * 24 * time.Hour

// dropLeftovers drops clones whose creating process is gone and templates of other migration sets.
func dropLeftovers(ctx context.Context, conn *pgx.Conn) error {
	rows, err := conn.Query(ctx, `SELECT datname, coalesce(shobj_description(oid, 'pg_database'), '') FROM pg_database
		WHERE datname LIKE 'podium\_test\_%' OR datname LIKE 'podium\_tpl\_%'`)
	if err != nil {
		return err
	}
	type database struct{ name, comment string }
	dbs, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (database, error) {
		var d database
		return d, row.Scan(&d.name, &d.comment)
	})
	if err != nil {
		return err
	}
	for _, db := range dbs {
		name := db.name
		if !stale(name, db.comment) {
			continue
		}
		if _, err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)"); err != nil {
			return fmt.Errorf("dropping leftover %s: %w", name, err)
		}
	}
	return nil
}

func stale(name, comment string) bool {
	if strings.HasPrefix(name, templatePrefix) {
		if name == template || strings.HasSuffix(name, "_building") {
			return false
		}
		used, err := strconv.ParseInt(comment, 10, 64)
		return err != nil || time.Since(time.Unix(used, 0)) > templateUnusedFor
	}
	pidText, _, _ := strings.Cut(strings.TrimPrefix(name, instancePrefix), "_")
	pid, err := strconv.Atoi(pidText)
	if err != nil {
		return false
	}
	return pid != os.Getpid() && syscall.Kill(pid, 0) == syscall.ESRCH
}

func migrationsHash() (string, error) {
	h := sha256.New()
	err := fs.WalkDir(migrations.FS, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := fs.ReadFile(migrations.FS, path)
		if err != nil {
			return err
		}
		fmt.Fprintf(h, "%s\x00%d\x00", path, len(data))
		h.Write(data)
		return nil
	})
	if err != nil {
		return "", fmt.Errorf("hashing migrations: %w", err)
	}
	return hex.EncodeToString(h.Sum(nil))[:16], nil
}
