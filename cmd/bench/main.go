// Command bench drives a running Podium server over HTTP and reports throughput and latency
// percentiles for three scenarios:
//
//	http    workflows of one HTTP task calling a local stub endpoint, start to completion
//	simple  workflows of three SIMPLE tasks run by workers polling over HTTP, start to completion
//	starts  workflow starts per second (the workflow waits on a task nobody polls)
//
// and, when asked for by name (not part of all), about one long workflow:
//
//	sequential  -steps SIMPLE tasks in sequence: task update latency, first against last steps
//	fanout      a dynamic fork of -branches SIMPLE tasks and a JOIN: start until all pollable,
//	            branch update latency, first against last branches, time to completion
//	loop        a DO_WHILE of -steps iterations of one SIMPLE task (-keep sets keepLastN):
//	            update latency, first against last iterations, time to completion
//
// Usage: bench [-addr http://127.0.0.1:8080] [-scenario all] [-duration 10s] [-concurrency 32] [-workers 8]
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"time"
)

func main() {
	cfg := config{}
	flag.StringVar(&cfg.addr, "addr", "http://127.0.0.1:8080", "Podium base URL (loopback only)")
	flag.StringVar(&cfg.scenario, "scenario", "all", "http, simple, starts, sequential, fanout, loop or all (http, simple and starts)")
	flag.DurationVar(&cfg.duration, "duration", 10*time.Second, "how long each scenario runs")
	flag.IntVar(&cfg.concurrency, "concurrency", 32, "concurrent clients starting workflows")
	flag.IntVar(&cfg.workers, "workers", 2, "polling workers per task type (simple scenario)")
	flag.IntVar(&cfg.batch, "batch", 16, "tasks per batch poll (simple scenario)")
	flag.IntVar(&cfg.steps, "steps", 1000, "tasks of the workflow (sequential) or iterations of the loop (loop)")
	flag.IntVar(&cfg.branches, "branches", 1000, "branches of the dynamic fork (fanout scenario)")
	flag.IntVar(&cfg.keep, "keep", 0, "keepLastN of the loop, 0 for none (loop scenario)")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	err := run(ctx, cfg)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

type config struct {
	addr        string
	scenario    string
	duration    time.Duration
	concurrency int
	workers     int
	batch       int
	steps       int
	branches    int
	keep        int
}

func run(ctx context.Context, cfg config) error {
	if err := checkLoopback(cfg.addr); err != nil {
		return err
	}
	c := newClient(cfg.addr)
	scenarios := map[string]func(context.Context, *client, config) (*report, error){
		"http": benchHTTP, "simple": benchSimple, "starts": benchStarts, "sequential": benchSequential,
		"fanout": benchFanout, "loop": benchLoop,
	}
	order := []string{"http", "simple", "starts"}
	if cfg.scenario != "all" {
		if _, ok := scenarios[cfg.scenario]; !ok {
			return fmt.Errorf("unknown scenario %q", cfg.scenario)
		}
		order = []string{cfg.scenario}
	}
	for _, name := range order {
		rep, err := scenarios[name](ctx, c, cfg)
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		rep.print(os.Stdout)
	}
	return nil
}
