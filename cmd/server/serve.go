package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	_ "net/http/pprof" // served only on PODIUM_DEBUG_ADDR
	"path/filepath"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/podiumhq/podium/api"
	"github.com/podiumhq/podium/console"
	"github.com/podiumhq/podium/engine"
	"github.com/podiumhq/podium/engine/systask"
	"github.com/podiumhq/podium/internal/access"
	"github.com/podiumhq/podium/internal/config"
	"github.com/podiumhq/podium/internal/events"
	"github.com/podiumhq/podium/internal/metadata"
	"github.com/podiumhq/podium/internal/notify"
	"github.com/podiumhq/podium/internal/retention"
	"github.com/podiumhq/podium/internal/schedule"
	"github.com/podiumhq/podium/internal/search"
	"github.com/podiumhq/podium/internal/secret"
	"github.com/podiumhq/podium/internal/secrets"
	"github.com/podiumhq/podium/internal/startstop"
	"github.com/podiumhq/podium/store"
)

// maxHeaderBytes caps request headers (net/http's default is 1 MiB).
const maxHeaderBytes = 64 << 10

// serve wires config → store → migrations → notifications → access → secrets → metadata →
// engine → scheduler → api, serves until ctx ends, then tears down in reverse order within
// cfg.ShutdownTimeout.
func serve(ctx context.Context, cfg config.Config, logger *slog.Logger) error {
	logger.Info("podium: starting", "version", version, "config", cfg)
	var teardown shutdownSteps
	defer func() { teardown.run(logger, cfg.ShutdownTimeout) }()

	st, err := store.Open(ctx, store.Config{URL: cfg.DatabaseURL, MaxConns: int32(cfg.DBMaxConns),
		AcquireTimeout: cfg.DBAcquireTimeout})
	if err != nil {
		return err
	}
	teardown.add("database pool", func(context.Context) error { st.Close(); return nil })
	if err := migrate(st, logger); err != nil {
		return err
	}

	keys, err := loadKeys(cfg, logger)
	if err != nil {
		return err
	}
	var admin access.AdminKey
	if cfg.AuthOff {
		logger.Warn("podium: authentication is off (PODIUM_AUTH=off): every caller on this machine may do anything")
	} else if admin, err = loadAdminKey(cfg, logger); err != nil {
		return err
	}
	maxRedirects := cfg.HTTPTaskMaxRedirects
	if maxRedirects == 0 {
		maxRedirects = -1 // systask's zero means its default
	}
	systasks := systask.DefaultWith(systask.HTTPConfig{
		Egress:       systask.EgressPolicy{Allow: cfg.HTTPTaskAllow, Deny: cfg.HTTPTaskDeny},
		MaxRedirects: maxRedirects,
	})
	hub := notify.New(st, logger) // one LISTEN connection for the whole process, shared by the services
	teardown.add("notifications", runInBackground(hub.Run))
	accessSvc := access.New(access.Config{Store: st, Keys: keys, Notify: hub, Logger: logger, Admin: admin,
		TokenTTL: cfg.TokenTTL, TokenMaxTTL: cfg.TokenMaxTTL, LoginConcurrency: cfg.LoginConcurrency})
	teardown.add("access", runInBackground(accessSvc.Run)) // stops after the engine, which uses it
	secretsSvc := secrets.New(secrets.Config{Store: st, Keys: keys, Logger: logger, Owners: accessSvc})
	metadataSvc := metadata.New(metadata.Config{Store: st, Logger: logger, SystemTasks: systasks,
		Limits: metadata.DefinitionLimits{MaxDepth: cfg.DefMaxDepth, MaxTasks: cfg.DefMaxTasks, MaxBytes: cfg.DefMaxBytes}})
	eng := engine.New(engine.Config{Store: st, Logger: logger, SystemWorkers: cfg.SystemWorkers, Keys: keys,
		Notify: hub, Access: accessSvc, Secrets: secretsSvc, Metadata: metadataSvc, SystemTasks: systasks,
		SystemPerDestination: cfg.HTTPTaskPerHost, PayloadMaxBytes: cfg.PayloadMaxBytes, SweepWorkers: cfg.SweepWorkers})
	cleaner := retention.New(retention.Config{Store: st, Retention: cfg.ExecutionRetention, Interval: cfg.RetentionInterval,
		Archive: cfg.RetentionArchive, ArchiveRetention: cfg.ArchiveRetention, Logger: logger})
	if err := cleaner.Prepare(ctx); err != nil {
		// Executions land in the default partitions meanwhile; the cleaner tries again.
		logger.Warn("podium: creating history partitions failed", "error", err)
	}
	if err := eng.Start(ctx); err != nil {
		return err
	}
	teardown.add("engine", eng.Stop)
	schedules := schedule.New(schedule.Config{Store: st, Logger: logger, Notify: hub, Starter: eng})
	if err := schedules.Start(ctx); err != nil {
		return err
	}
	teardown.add("scheduler", schedules.Stop) // stops before the engine it starts workflows with
	teardown.add("retention", runInBackground(cleaner.Run))
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	searches := search.New(st, eng)
	router := api.NewRouter(api.Config{
		Engine: eng, Search: searches, Schedules: schedules, Access: accessSvc, Secrets: secretsSvc, Metadata: metadataSvc,
		Events: events.New(events.Config{Store: st, Logger: logger}), Retention: cleaner, Logger: logger, Registry: reg,
		Version: version, MaxBodyBytes: cfg.MaxBodyBytes,
		AuthOff: cfg.AuthOff, ExecuteMaxWait: cfg.ExecuteMaxWait, TrustedProxies: cfg.TrustedProxies,
		AdminConfig: cfg.Redacted(),
	})
	// The web console answers its own paths (/, /executions, …); every other path is the API's.
	web := console.New(console.Config{Executions: eng, Search: searches, Sessions: accessSvc, Definitions: metadataSvc,
		Schedules: schedules, Secrets: secretsSvc, Queues: eng, AuthOff: cfg.AuthOff, Logger: logger})
	handler := console.Front(web, router)

	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("error listening on %s: %w", cfg.Addr, err)
	}
	srv := &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		WriteTimeout:      writeTimeout(cfg.ExecuteMaxWait),
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    maxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.Serve(ln) }()
	teardown.add("http server", srv.Shutdown)
	logger.Info("podium: listening", "addr", ln.Addr().String())
	if cfg.DebugAddr != "" {
		debug := &http.Server{Addr: cfg.DebugAddr, Handler: http.DefaultServeMux, ReadHeaderTimeout: 10 * time.Second,
			IdleTimeout: 120 * time.Second, MaxHeaderBytes: maxHeaderBytes} // no write timeout: profiles stream for their duration
		go func() { _ = debug.ListenAndServe() }()
		teardown.add("debug server", debug.Shutdown)
		logger.Info("podium: serving pprof", "addr", cfg.DebugAddr)
	}

	select {
	case <-ctx.Done():
		logger.Info("podium: shutting down")
		return nil
	case err := <-serveErr:
		return fmt.Errorf("http server stopped: %w", err)
	}
}

// runInBackground runs run in a goroutine and returns the teardown step that ends it: it
// cancels run's context and waits for run to return, or for its own ctx.
func runInBackground(run func(context.Context)) func(context.Context) error {
	r := new(startstop.Runner)
	r.Start(context.Background(), run)
	return r.Stop
}

// writeTimeout is the HTTP server's write timeout: longer than the longest synchronous wait
// the API allows (execute's waitForSeconds), so such a request is answered, not cut off.
// Long polls (at most 5 s) and ordinary requests fit well inside.
func writeTimeout(executeMaxWait time.Duration) time.Duration {
	return max(90*time.Second, executeMaxWait+30*time.Second)
}

func migrate(st *store.Store, logger *slog.Logger) error {
	mg, err := st.Migrator()
	if err != nil {
		return err
	}
	before, _, _ := mg.Version()
	err = mg.Up()
	after, _, _ := mg.Version()
	if cerr := mg.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	if before != after {
		logger.Info("podium: migrated database", "from_version", before, "to_version", after)
	}
	return nil
}

// shutdownSteps is an ordered teardown list, run in reverse order of registration under one
// time budget.
type shutdownSteps struct {
	names []string
	fns   []func(context.Context) error
}

func (s *shutdownSteps) add(name string, fn func(context.Context) error) {
	s.names = append(s.names, name)
	s.fns = append(s.fns, fn)
}

func (s *shutdownSteps) run(logger *slog.Logger, budget time.Duration) {
	ctx, cancel := context.WithTimeout(context.Background(), budget)
	defer cancel()
	for i := len(s.fns) - 1; i >= 0; i-- {
		start := time.Now()
		err := s.fns[i](ctx)
		if err != nil && !errors.Is(err, http.ErrServerClosed) {
			logger.Error("podium: shutdown step failed", "step", s.names[i], "error", err)
			continue
		}
		logger.Info("podium: stopped", "step", s.names[i], "took", time.Since(start).Round(time.Millisecond))
	}
}

// loadKeys returns the secret keyring: PODIUM_SECRET_KEYS, else a key generated once into the
// data directory (with a warning: that key must be backed up with the database).
func loadKeys(cfg config.Config, logger *slog.Logger) (*secret.Keyring, error) {
	if cfg.SecretKeys != "" {
		return secret.ParseKeys(cfg.SecretKeys)
	}
	keys, created, err := secret.LoadOrGenerate(cfg.DataDir)
	if err != nil {
		return nil, fmt.Errorf("error loading the generated secret key: %w", err)
	}
	if created {
		logger.Warn("podium: no PODIUM_SECRET_KEYS configured; generated a secret key into the data directory — back it up, secrets cannot be read without it",
			"path", filepath.Join(cfg.DataDir, secret.GeneratedKeyFile))
	}
	return keys, nil
}
