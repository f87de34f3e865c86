package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"strconv"
	"strings"

	"github.com/golang-migrate/migrate/v4"
	"github.com/golang-migrate/migrate/v4/database/pgx/v5"
	"github.com/golang-migrate/migrate/v4/source/iofs"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/podiumhq/podium/migrations"
)

// ErrSchemaTooNew means the database was migrated by a newer Podium than this binary.
var ErrSchemaTooNew = errors.New("database schema is newer than this server knows")

// ErrSchemaDirty means a migration failed half-way and needs an operator.
var ErrSchemaDirty = errors.New("database schema is dirty (a migration failed part-way)")

// Migrator applies the embedded migrations to one database under golang-migrate's advisory
// lock, so replicas starting together migrate once.
type Migrator struct {
	m *migrate.Migrate
}

// NewMigrator prepares migrations over db; Close releases db.
func NewMigrator(db *sql.DB) (*Migrator, error) {
	src, err := iofs.New(migrations.FS, ".")
	if err != nil {
		return nil, fmt.Errorf("error reading migrations: %w", err)
	}
	drv, err := pgx.WithInstance(db, &pgx.Config{})
	if err != nil {
		return nil, fmt.Errorf("error preparing migration driver: %w", err)
	}
	m, err := migrate.NewWithInstance("iofs", src, "pgx5", drv)
	if err != nil {
		return nil, fmt.Errorf("error preparing migrations: %w", err)
	}
	return &Migrator{m: m}, nil
}

// Migrator returns a migrator on the store's pool.
func (s *Store) Migrator() (*Migrator, error) {
	return NewMigrator(stdlib.OpenDBFromPool(s.pool))
}

// Up applies every pending migration. It refuses a schema newer than LatestVersion or dirty.
func (mg *Migrator) Up() error {
	if err := mg.CheckCurrent(true); err != nil {
		return err
	}
	if err := mg.m.Up(); err != nil && !errors.Is(err, migrate.ErrNoChange) {
		return fmt.Errorf("error migrating up: %w", err)
	}
	return nil
}

// Down rolls back steps migrations; steps < 0 rolls back all of them.
func (mg *Migrator) Down(steps int) error {
	var err error
	if steps < 0 {
		err = mg.m.Down()
	} else {
		err = mg.m.Steps(-steps)
	}
	if err != nil && !errors.Is(err, migrate.ErrNoChange) {
		return fmt.Errorf("error migrating down: %w", err)
	}
	return nil
}

// Version returns the applied schema version (0 when none) and whether it is dirty.
func (mg *Migrator) Version() (uint, bool, error) {
	v, dirty, err := mg.m.Version()
	if errors.Is(err, migrate.ErrNilVersion) {
		return 0, false, nil
	}
	return v, dirty, err
}

// CheckCurrent fails when the schema is dirty, newer than this binary, or (unless allowOlder)
// behind LatestVersion.
func (mg *Migrator) CheckCurrent(allowOlder bool) error {
	v, dirty, err := mg.Version()
	switch {
	case err != nil:
		return fmt.Errorf("error reading schema version: %w", err)
	case dirty:
		return fmt.Errorf("%w: version %d", ErrSchemaDirty, v)
	case v > LatestVersion():
		return fmt.Errorf("%w: database at %d, server knows up to %d", ErrSchemaTooNew, v, LatestVersion())
	case !allowOlder && v < LatestVersion():
		return fmt.Errorf("database schema at %d, server needs %d: run migrations", v, LatestVersion())
	}
	return nil
}

// Close releases the migrator's connection.
func (mg *Migrator) Close() error {
	srcErr, dbErr := mg.m.Close()
	return errors.Join(srcErr, dbErr)
}

// LatestVersion is the highest migration version embedded in this binary.
func LatestVersion() uint {
	entries, _ := fs.ReadDir(migrations.FS, ".")
	var latest uint
	for _, e := range entries {
		num, _, ok := strings.Cut(e.Name(), "_")
		if v, err := strconv.ParseUint(num, 10, 32); ok && err == nil {
			latest = max(latest, uint(v))
		}
	}
	return latest
}

// MigrateUp is a convenience for tools: apply every pending migration over db, then close it.
func MigrateUp(ctx context.Context, db *sql.DB) error {
	if err := db.PingContext(ctx); err != nil {
		return fmt.Errorf("error connecting for migrations: %w", err)
	}
	mg, err := NewMigrator(db)
	if err != nil {
		return err
	}
	return errors.Join(mg.Up(), mg.Close())
}
