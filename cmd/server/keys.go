package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"

	"github.com/podiumhq/podium/engine"
	"github.com/podiumhq/podium/internal/config"
	"github.com/podiumhq/podium/internal/secrets"
)

// keysCommand runs "keys rotate": every secret not sealed with the active key is re-sealed
// with it, online (running servers keep working; a value changed meanwhile is left to its
// writer). Afterwards the old key can be removed from PODIUM_SECRET_KEYS.
func keysCommand(ctx context.Context, cfg config.Config, args []string, stdout io.Writer, logger *slog.Logger) error {
	if len(args) != 1 || args[0] != "rotate" {
		return errors.New("usage: podium keys rotate")
	}
	keys, err := loadKeys(cfg, logger)
	if err != nil {
		return err
	}
	st, mg, err := openMigrator(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	err = mg.CheckCurrent(false)
	if cerr := mg.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	// The secrets first, then the execution data the engine seals (its seal names are its own).
	execution := engine.New(engine.Config{Store: st, Logger: logger, Keys: keys})
	n, err := secrets.New(secrets.Config{Store: st, Keys: keys, Logger: logger}).RotateKeys(ctx, execution)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(stdout, "re-sealed %d secrets under key %q\n", n, keys.ActiveKeyID())
	return err
}
