package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/podiumhq/podium/engine"
	"github.com/podiumhq/podium/internal/config"
	"github.com/podiumhq/podium/internal/secrets"
	"github.com/podiumhq/podium/store"
)

// keysCommand runs "keys rotate": every secret and every piece of sealed execution data not
// sealed with the active key is re-sealed with it, online (running servers keep working; a
// value changed meanwhile is left to its writer), each table walked once a batch at a time.
// It prints its progress and the totals per table. Afterwards the old key can be removed from
// PODIUM_SECRET_KEYS.
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
	out := &rotationOutput{w: stdout, every: time.Second}
	totals, err := secrets.New(secrets.Config{Store: st, Keys: keys, Logger: logger}).
		RotateKeys(ctx, execution, store.ResealOpts{Progress: out.batch})
	return errors.Join(err, out.totals(totals, keys.ActiveKeyID()))
}

// rotationOutput prints the progress of a rotation: a line per table at most every so often
// while it walks, then the totals of each table and of all.
type rotationOutput struct {
	w     io.Writer
	every time.Duration
	last  time.Time
	// sums holds, per table, the batches seen so far.
	sums map[store.SealedTable]*store.ResealTotals
	err  error
}

func (o *rotationOutput) batch(b store.ResealBatch) {
	if o.sums == nil {
		o.sums = map[store.SealedTable]*store.ResealTotals{}
	}
	sum := o.sums[b.Table]
	if sum == nil {
		sum = &store.ResealTotals{Table: b.Table}
		o.sums[b.Table] = sum
	}
	sum.Rows += len(b.Keys)
	sum.Resealed += b.Resealed
	if time.Since(o.last) < o.every || o.err != nil {
		return
	}
	o.last = time.Now()
	_, o.err = fmt.Fprintf(o.w, "%s: %d sealed rows walked, %d values re-sealed (batch %d)\n", b.Table, sum.Rows, sum.Resealed, b.Number)
}

func (o *rotationOutput) totals(all []store.ResealTotals, keyID string) error {
	resealed := map[store.SealedTable]int{}
	for _, t := range all {
		resealed[t.Table] = t.Resealed
		if o.err == nil {
			_, o.err = fmt.Fprintf(o.w, "%s: %d sealed rows in %d batches: %d values re-sealed, %d already under the key, %d changed meanwhile, %d left\n",
				t.Table, t.Rows, t.Batches, t.Resealed, t.Current, t.Changed, t.Left)
		}
	}
	if o.err == nil {
		_, o.err = fmt.Fprintf(o.w, "re-sealed %d secrets and %d values of execution data under key %q\n",
			resealed[store.SealedSecrets], resealed[store.SealedWorkflows]+resealed[store.SealedTasks], keyID)
	}
	return o.err
}
