// Package retention removes what Podium has kept long enough: ended executions older than
// their retention (PODIUM_EXECUTION_RETENTION, or the override of their workflow name) with
// their sub-workflows, tasks, logs and sealed data, and the schedule slot and event records of
// the same age. Running and paused executions are never touched.
//
// Executions live in time partitions (store.EnsurePartitions); the cleaner keeps partitions
// created ahead of need, drops a partition whole once everything in it has expired, and
// removes the expired executions of partitions that still hold something to keep one by one,
// through indexes, so a pass costs what it removes and never a scan of what stays.
package retention

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/podiumhq/podium/internal/conductor"
	"github.com/podiumhq/podium/store"
)

// batchSize is how many executions (or records) one transaction removes.
const batchSize = 500

// partitionsAhead is how many partition spans after the current one exist at any time.
const partitionsAhead = 2

// Config sets up a Cleaner.
type Config struct {
	Store *store.Store
	// Retention is how long ended executions are kept; 0 keeps them forever.
	Retention time.Duration
	// Interval is the time between passes; 0 takes a minute.
	Interval time.Duration
	// Archive moves expired executions to the archive (readable by id and search, out of the
	// live tables) instead of deleting them.
	Archive bool
	// ArchiveRetention is how long archived executions are kept after they were archived
	// (by this cleaner or by a remove with archiveWorkflow=true); 0 keeps them forever.
	ArchiveRetention time.Duration
	// Now is the clock; nil takes time.Now.
	Now    func() time.Time
	Logger *slog.Logger
}

// Cleaner runs retention passes.
type Cleaner struct {
	store     *store.Store
	retention time.Duration
	interval  time.Duration
	archive   bool
	// archiveRetention is Config.ArchiveRetention.
	archiveRetention time.Duration
	now              func() time.Time
	logger           *slog.Logger
}

// New returns a Cleaner for cfg.
func New(cfg Config) *Cleaner {
	c := &Cleaner{store: cfg.Store, retention: cfg.Retention, interval: cfg.Interval, archive: cfg.Archive,
		archiveRetention: cfg.ArchiveRetention, now: cfg.Now, logger: cfg.Logger}
	if c.interval <= 0 {
		c.interval = time.Minute
	}
	if c.now == nil {
		c.now = time.Now
	}
	if c.logger == nil {
		c.logger = slog.New(slog.DiscardHandler)
	}
	return c
}

// Retention is the server's default retention; 0 is forever.
func (c *Cleaner) Retention() time.Duration { return c.retention }

// Interval is the time between passes.
func (c *Cleaner) Interval() time.Duration { return c.interval }

// Span is the time one partition covers: short enough that a partition expires soon after
// its newest execution, long enough that the partitions stay few (at most a few hundred).
func (c *Cleaner) Span() time.Duration { return SpanFor(c.retention) }

// SpanFor is the partition span under retention: a week when executions are kept forever or
// for months, a day when for days, an hour below two days.
func SpanFor(retention time.Duration) time.Duration {
	switch {
	case retention == 0 || retention >= 60*24*time.Hour:
		return 7 * 24 * time.Hour
	case retention >= 2*24*time.Hour:
		return 24 * time.Hour
	default:
		return time.Hour
	}
}

// Prepare creates the partitions the coming executions need; the server calls it before it
// serves, so that executions land in time partitions from the first.
func (c *Cleaner) Prepare(ctx context.Context) error {
	_, err := c.store.EnsurePartitions(ctx, c.now(), c.Span(), partitionsAhead)
	return err
}

// Run makes a pass every interval until ctx ends.
func (c *Cleaner) Run(ctx context.Context) {
	ticker := time.NewTicker(c.interval)
	defer ticker.Stop()
	for {
		if _, err := c.Pass(ctx); err != nil && ctx.Err() == nil {
			c.logger.Warn("retention: pass failed", "error", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
		}
	}
}

// Report is what one pass did.
type Report struct {
	PartitionsCreated int   `json:"partitionsCreated"`
	PartitionsDropped int   `json:"partitionsDropped"`
	Executions        int64 `json:"executionsRemoved"`
	Records           int64 `json:"recordsRemoved"`
	// Archived is how many archived executions were removed (ArchiveRetention).
	Archived int64 `json:"archivedRemoved"`
}

// Pass creates the partitions ahead, then removes what has expired: whole partitions first,
// then the expired executions left in partitions that keep something, then the old schedule
// slot and event records; last, the archived executions older than the archive's retention.
func (c *Cleaner) Pass(ctx context.Context) (Report, error) {
	var r Report
	now := c.now()
	created, err := c.store.EnsurePartitions(ctx, now, c.Span(), partitionsAhead)
	if err != nil {
		return r, err
	}
	r.PartitionsCreated = len(created)
	cutoffs, removes, err := c.cutoffs(ctx, now)
	if err != nil {
		return r, err
	}
	if removes {
		if err := c.removeExpired(ctx, cutoffs, &r); err != nil {
			return r, err
		}
	}
	if c.archiveRetention > 0 {
		n, err := drain(func() (int64, error) { return c.store.ArchiveRemove(ctx, now.Add(-c.archiveRetention), batchSize) })
		r.Archived += n
		if err != nil {
			return r, err
		}
	}
	if r.Executions > 0 || r.Records > 0 || r.Archived > 0 {
		c.logger.Info("retention: pass done", "executions", r.Executions, "records", r.Records,
			"partitions_dropped", r.PartitionsDropped, "archived", r.Archived)
	}
	return r, nil
}

// removeExpired removes what cutoffs expire from the live tables, adding it to r.
func (c *Cleaner) removeExpired(ctx context.Context, cutoffs store.RetentionCutoffs, r *Report) error {
	parts, err := c.store.Partitions(ctx)
	if err != nil {
		return err
	}
	for _, p := range parts {
		dropped, n, err := c.store.PartitionDrop(ctx, p, cutoffs)
		if err != nil {
			// A partition busy right now is dropped on a later pass.
			c.logger.Warn("retention: dropping partition failed", "partition", p.Suffix, "error", err)
			continue
		}
		if dropped {
			r.PartitionsDropped++
			r.Executions += n
			c.logger.Info("retention: dropped partition", "partition", p.Suffix, "executions", n)
		}
	}
	names, err := c.store.EndedWorkflowNames(ctx)
	if err != nil {
		return err
	}
	for _, name := range names {
		cutoff := cutoffs.Of(name)
		if !cutoff.After(store.Forever) {
			continue
		}
		for {
			found, removed, err := c.store.ExpiredRemove(ctx, name, cutoffs, batchSize)
			if err != nil {
				return err
			}
			r.Executions += int64(removed)
			if found < batchSize {
				break
			}
		}
	}
	if cutoffs.Default.After(store.Forever) {
		n, err := drain(func() (int64, error) { return c.store.HistoryRemove(ctx, cutoffs.Default, batchSize) })
		r.Records += n
		return err
	}
	return nil
}

// drain calls remove, which removes up to batchSize rows, until a batch comes back short, and
// returns how many rows went in all.
func drain(remove func() (int64, error)) (int64, error) {
	var total int64
	for {
		n, err := remove()
		total += n
		if err != nil || n < batchSize {
			return total, err
		}
	}
}

// cutoffs are the rules at now, and whether any of them removes anything.
func (c *Cleaner) cutoffs(ctx context.Context, now time.Time) (store.RetentionCutoffs, bool, error) {
	overrides, err := c.store.RetentionOverrides(ctx)
	if err != nil {
		return store.RetentionCutoffs{}, false, err
	}
	cut := func(keep time.Duration) time.Time {
		if keep <= 0 {
			return store.Forever
		}
		return now.Add(-keep)
	}
	cutoffs := store.RetentionCutoffs{Default: cut(c.retention), Names: map[string]time.Time{}, Archive: c.archive, Now: now}
	removes := c.retention > 0
	for _, o := range overrides {
		cutoffs.Names[o.WorkflowName] = cut(o.Keep)
		removes = removes || o.Keep > 0
	}
	return cutoffs, removes, nil
}

// Policy is the retention in force: the default and the overrides per workflow name.
type Policy struct {
	Retention string `json:"retention"`
	Archive   bool   `json:"archive"`
	// ArchiveRetention is how long archived executions are kept ("forever" by default).
	ArchiveRetention string     `json:"archiveRetention"`
	Interval         string     `json:"interval"`
	Workflows        []Override `json:"workflows"`
}

// Override is the retention of one workflow name, as the API shows it.
type Override struct {
	WorkflowName string `json:"workflowName"`
	Retention    string `json:"retention"`
	UpdateTime   int64  `json:"updateTime"`
	UpdatedBy    string `json:"updatedBy,omitempty"`
}

// Policy returns the retention in force.
func (c *Cleaner) Policy(ctx context.Context) (*Policy, error) {
	overrides, err := c.store.RetentionOverrides(ctx)
	if err != nil {
		return nil, err
	}
	p := &Policy{Retention: conductor.FormatRetention(c.retention), Archive: c.archive,
		ArchiveRetention: conductor.FormatRetention(c.archiveRetention), Interval: c.interval.String(), Workflows: []Override{}}
	for _, o := range overrides {
		p.Workflows = append(p.Workflows, Override{WorkflowName: o.WorkflowName, Retention: conductor.FormatRetention(o.Keep),
			UpdateTime: o.UpdateTime.UnixMilli(), UpdatedBy: o.UpdatedBy})
	}
	return p, nil
}

// SetOverride keeps the ended executions of name for retention ("30d", "forever"), in place
// of the default; by names who set it.
func (c *Cleaner) SetOverride(ctx context.Context, name, retention, by string) (*Override, error) {
	if name == "" {
		return nil, conductor.Invalidf("workflow name is required")
	}
	keep, err := conductor.ParseRetention(retention)
	if err != nil {
		return nil, conductor.Invalidf("%s", err.Error())
	}
	if retention == "" {
		return nil, conductor.Invalidf("retention is required: a duration such as 30d, or %q", conductor.KeepForever)
	}
	now := c.now()
	if err := c.store.RetentionOverrideSet(ctx, store.RetentionOverride{WorkflowName: name, Keep: keep, UpdateTime: now, UpdatedBy: by}); err != nil {
		return nil, err
	}
	return &Override{WorkflowName: name, Retention: conductor.FormatRetention(keep), UpdateTime: now.UnixMilli(), UpdatedBy: by}, nil
}

// DeleteOverride puts name back under the default retention; no override gives
// conductor.ErrNotFound.
func (c *Cleaner) DeleteOverride(ctx context.Context, name string) error {
	err := c.store.RetentionOverrideDelete(ctx, name)
	if errors.Is(err, conductor.ErrNotFound) {
		return conductor.NotFoundf("No retention override for workflow %s", name)
	}
	return err
}
