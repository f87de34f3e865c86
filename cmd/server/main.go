// Command podium is the Podium workflow server.
//
//	podium [serve]                 run the server (migrating the database first)
//	podium migrate up              apply pending migrations
//	podium migrate down [N|all]    roll back N migrations (default 1) or all of them
//	podium migrate version         print the applied schema version
//	podium keys rotate             re-seal every secret and all sealed execution data under the active
//	                               key (first of PODIUM_SECRET_KEYS), printing progress and totals
//	podium seed --executions N     fill the database with N made-up executions (see seed.go)
//	podium config                  print the effective configuration, secrets redacted
//	podium version                 print the server version
//
// Configuration comes from the environment; see internal/config and README.md.
package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	_ "time/tzdata" // schedule zones resolve on hosts and images without a zoneinfo database

	"github.com/podiumhq/podium/internal/config"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "podium:", err)
		os.Exit(1)
	}
}

// run executes one subcommand.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cmd := "serve"
	if len(args) > 0 {
		cmd, args = args[0], args[1:]
	}
	if cmd == "version" {
		_, err := fmt.Fprintln(stdout, version)
		return err
	}
	cfg, err := config.Load(getenv)
	if err != nil {
		return fmt.Errorf("invalid configuration:\n%w", err)
	}
	logger := newLogger(cfg, stderr)
	switch cmd {
	case "serve":
		return serve(ctx, cfg, logger)
	case "migrate":
		return migrateCommand(ctx, cfg, args, stdout)
	case "keys":
		return keysCommand(ctx, cfg, args, stdout, logger)
	case "seed":
		return seedCommand(ctx, cfg, args, stdout, logger)
	case "config":
		slog.New(slog.NewTextHandler(stdout, nil)).Info("configuration", "config", cfg)
		return nil
	}
	return fmt.Errorf("unknown command %q (want serve, migrate, keys, seed, config or version)", cmd)
}

func newLogger(cfg config.Config, w io.Writer) *slog.Logger {
	opts := &slog.HandlerOptions{Level: cfg.LogLevel}
	if cfg.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}
