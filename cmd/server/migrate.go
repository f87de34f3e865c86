package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"

	"github.com/podiumhq/podium/internal/config"
	"github.com/podiumhq/podium/store"
)

// migrateCommand runs "migrate up|down [N|all]|version".
func migrateCommand(ctx context.Context, cfg config.Config, args []string, stdout io.Writer) (err error) {
	if len(args) == 0 {
		return errors.New("usage: podium migrate up|down [N|all]|version")
	}
	st, mg, err := openMigrator(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	defer func() { err = errors.Join(err, mg.Close()) }()

	switch args[0] {
	case "up":
		err = mg.Up()
	case "down":
		steps := 1
		if len(args) > 1 {
			if args[1] == "all" {
				steps = -1
			} else if steps, err = strconv.Atoi(args[1]); err != nil || steps < 1 {
				return fmt.Errorf("migrate down: %q is not a positive number or all", args[1])
			}
		}
		err = mg.Down(steps)
	case "version":
	default:
		return fmt.Errorf("unknown migrate command %q (want up, down or version)", args[0])
	}
	if err != nil {
		return err
	}
	v, dirty, err := mg.Version()
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(stdout, "schema version %d (latest known %d, dirty %t)\n", v, store.LatestVersion(), dirty)
	return err
}

// openMigrator opens a store of two connections on cfg.DatabaseURL, for the administrative
// commands, and its migrator. The caller closes both, the migrator first.
func openMigrator(ctx context.Context, cfg config.Config) (*store.Store, *store.Migrator, error) {
	st, err := store.Open(ctx, store.Config{URL: cfg.DatabaseURL, MaxConns: 2})
	if err != nil {
		return nil, nil, err
	}
	mg, err := st.Migrator()
	if err != nil {
		st.Close()
		return nil, nil, err
	}
	return st, mg, nil
}
