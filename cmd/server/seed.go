package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/podiumhq/podium/internal/config"
	"github.com/podiumhq/podium/internal/retention"
	"github.com/podiumhq/podium/store"
)

// seedUsage is the synopsis of "podium seed".
const seedUsage = "usage: podium seed --executions N [--workflow NAME[,NAME…]] [--days D] [--connections C]"

// seedProgressEvery is how often "podium seed" prints a progress line.
const seedProgressEvery = 2 * time.Second

// seedCommand runs "seed": it migrates the configured database as serve does, then fills it
// with made-up executions (see store.SeedExecutions), printing progress and a final count.
func seedCommand(ctx context.Context, cfg config.Config, args []string, stdout io.Writer, logger *slog.Logger) error {
	flags := flag.NewFlagSet("seed", flag.ContinueOnError)
	flags.SetOutput(io.Discard)
	executions := flags.Int("executions", 0, "how many executions to add")
	workflows := flags.String("workflow", "", "workflow names to seed, comma-separated (default: a family of "+
		fmt.Sprint(len(store.SeedWorkflowNames))+" names)")
	days := flags.Float64("days", store.SeedSpanDefault.Hours()/24, "how many days back from now create times spread over")
	connections := flags.Int("connections", store.SeedConnectionsDefault(), "how many connections copy in parallel")
	if err := flags.Parse(args); err != nil {
		return fmt.Errorf("%w\n%s", err, seedUsage)
	}
	if flags.NArg() > 0 || *executions <= 0 || *days <= 0 || *connections <= 0 {
		return errors.New(seedUsage)
	}
	var names []string
	if *workflows != "" {
		for _, name := range strings.Split(*workflows, ",") {
			names = append(names, strings.TrimSpace(name))
		}
	}

	st, err := store.Open(ctx, store.Config{URL: cfg.DatabaseURL, MaxConns: int32(*connections + 1),
		ApplicationName: "podium-seed"})
	if err != nil {
		return err
	}
	defer st.Close()
	if err := migrate(st, logger); err != nil {
		return err
	}
	var lastLine time.Time
	report, err := st.SeedExecutions(ctx, store.SeedOptions{
		Executions: *executions, Workflows: names, Connections: *connections,
		PartitionSpan: retention.SpanFor(cfg.ExecutionRetention),
		Span:          time.Duration(*days * float64(24*time.Hour)),
		Progress: func(r store.SeedReport) {
			if time.Since(lastLine) < seedProgressEvery || r.Executions == int64(*executions) {
				return
			}
			lastLine = time.Now()
			fmt.Fprintf(stdout, "seeded %d/%d executions, %d tasks, %.0f executions/s\n",
				r.Executions, *executions, r.Tasks, r.PerSecond())
		},
	})
	if report.Executions > 0 || err == nil {
		fmt.Fprintf(stdout, "seeded %d executions and %d tasks in %s: %.0f executions/s\n",
			report.Executions, report.Tasks, report.Elapsed.Round(time.Millisecond), report.PerSecond())
	}
	return err
}
