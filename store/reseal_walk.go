package store

import (
	"cmp"
	"context"
	"fmt"
	"time"
)

// ResealBatchSizeDefault is how many sealed rows a batch of a walk reads when ResealOpts says
// nothing.
const ResealBatchSizeDefault = 500

// resealRetryDelays are the pauses before each new attempt at the values of a batch that a
// concurrent writer changed or held locked; a value still under another key after the last
// one is left (ResealBatch.Left).
var resealRetryDelays = []time.Duration{10 * time.Millisecond, 40 * time.Millisecond, 160 * time.Millisecond, 640 * time.Millisecond}

// ResealFunc returns sealed, the value of column in the row of primary key key, sealed under
// another key, sealed again under the active key. It opens and seals with the name the value
// is bound to, which only its owner knows.
type ResealFunc func(column, key string, sealed []byte) ([]byte, error)

// ResealOpts tunes a walk of ResealWalk.
type ResealOpts struct {
	// BatchSize is how many sealed rows a batch reads; 0 takes ResealBatchSizeDefault.
	BatchSize int
	// Progress, when set, is told of every batch once it is written.
	Progress func(ResealBatch)
}

// ResealBatch is what one batch of a walk did.
type ResealBatch struct {
	Table SealedTable
	// Number counts the batches of the walk from 1.
	Number int
	// After is the cursor the batch read from: the primary key it read past ("" for the
	// first batch).
	After string
	// Keys are the primary keys of the sealed rows it read, ascending; the last one is the
	// cursor of the next batch.
	Keys []string
	// Resealed is how many values it sealed again under the active key; Current how many were
	// already under it; Changed how many a concurrent writer replaced (or removed) meanwhile
	// and that needed nothing more; Left how many are still under another key after retries.
	Resealed, Current, Changed, Left int
}

// ResealTotals sums the batches of a walk of one table.
type ResealTotals struct {
	Table                                           SealedTable
	Batches, Rows, Resealed, Current, Changed, Left int
}

func (t *ResealTotals) add(b *ResealBatch) {
	t.Batches++
	t.Rows += len(b.Keys)
	t.Resealed += b.Resealed
	t.Current += b.Current
	t.Changed += b.Changed
	t.Left += b.Left
}

// ResealWalk re-seals with reseal every value of table sealed under another key than
// activeKeyID, while servers keep writing. It walks the table's sealed rows once in
// primary-key order, a batch at a time from a cursor: each batch is one range read of the
// table's sealed-rows index past the last key of the one before and one statement that
// replaces each value only if it is still the one read (compare and swap), so the whole walk
// costs the number of sealed rows and never reads a row twice. A value a concurrent writer
// changed is read again and, if still under another key, re-sealed again (see
// resealRetryDelays). Rows written behind the cursor during the walk are the writers' to seal
// under their active key, which must already be activeKeyID.
func (q *Queries) ResealWalk(ctx context.Context, table SealedTable, activeKeyID string, reseal ResealFunc, opts ResealOpts) (ResealTotals, error) {
	t, ok := sealedTables[table]
	if !ok {
		return ResealTotals{}, fmt.Errorf("no sealed table %q", table)
	}
	size := cmp.Or(max(opts.BatchSize, 0), ResealBatchSizeDefault)
	totals := ResealTotals{Table: table}
	after := ""
	for number := 1; ; number++ {
		rows, err := q.sealedRowsAfter(ctx, t, activeKeyID, after, size)
		if err != nil || len(rows) == 0 {
			return totals, err
		}
		b := ResealBatch{Table: table, Number: number, After: after, Keys: make([]string, len(rows))}
		for i, r := range rows {
			b.Keys[i] = r.key
			b.Current += r.sealed - r.staleCount()
		}
		if err := q.resealBatch(ctx, t, activeKeyID, rows, reseal, &b); err != nil {
			return totals, fmt.Errorf("error re-sealing %s after %q: %w", table, after, err)
		}
		totals.add(&b)
		if opts.Progress != nil {
			opts.Progress(b)
		}
		if len(rows) < size {
			return totals, nil
		}
		after = rows[len(rows)-1].key
	}
}

// resealBatch re-seals the stale values of rows, retrying those a concurrent writer changed
// or held locked, and counts what happened in b.
func (q *Queries) resealBatch(ctx context.Context, t sealedTable, activeKeyID string, rows []*sealedRow, reseal ResealFunc, b *ResealBatch) error {
	pending := staleRows(rows)
	for attempt := 0; len(pending) > 0; attempt++ {
		if attempt > 0 {
			if attempt <= len(resealRetryDelays) {
				if err := sleep(ctx, resealRetryDelays[attempt-1]); err != nil {
					return err
				}
			}
			var err error
			if pending, err = q.reread(ctx, t, activeKeyID, pending, b); err != nil {
				return err
			}
			if attempt > len(resealRetryDelays) {
				for _, r := range pending {
					b.Left += r.staleCount()
				}
				return nil
			}
		}
		for _, r := range pending {
			for c, old := range r.stale {
				if old == nil {
					continue
				}
				fresh, err := reseal(t.columns[c], r.key, old)
				if err != nil {
					return fmt.Errorf("%s of %s: %w", t.columns[c], r.key, err)
				}
				r.fresh[c] = fresh
			}
		}
		swapped, err := q.swapSealed(ctx, t, activeKeyID, pending)
		if err != nil {
			return err
		}
		missed := pending[:0]
		for _, r := range pending {
			done := swapped[r.key]
			for c := range r.stale {
				if r.stale[c] != nil && done[c] {
					b.Resealed++
					r.stale[c] = nil
				}
			}
			if r.staleCount() > 0 {
				missed = append(missed, r)
			}
		}
		pending = missed
	}
	return nil
}

// reread reads the rows whose values were not swapped again: a value now sealed under the
// active key, or gone, is counted Changed; the rest are answered to be tried again. Only the
// columns that missed are looked at.
func (q *Queries) reread(ctx context.Context, t sealedTable, activeKeyID string, missed []*sealedRow, b *ResealBatch) ([]*sealedRow, error) {
	now, err := q.sealedRowsByKey(ctx, t, activeKeyID, missed)
	if err != nil {
		return nil, err
	}
	byKey := make(map[string]*sealedRow, len(now))
	for _, r := range now {
		byKey[r.key] = r
	}
	var again []*sealedRow
	for _, r := range missed {
		fresh := byKey[r.key]
		for c := range r.stale {
			if r.stale[c] == nil {
				continue
			}
			r.stale[c], r.fresh[c] = nil, nil
			if fresh != nil && fresh.stale[c] != nil {
				r.stale[c] = fresh.stale[c]
			} else {
				b.Changed++
			}
		}
		if r.staleCount() > 0 {
			again = append(again, r)
		}
	}
	return again, nil
}

// staleRows are the rows holding a value sealed under another key.
func staleRows(rows []*sealedRow) []*sealedRow {
	var stale []*sealedRow
	for _, r := range rows {
		if r.staleCount() > 0 {
			stale = append(stale, r)
		}
	}
	return stale
}

func sleep(ctx context.Context, d time.Duration) error {
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-timer.C:
		return nil
	}
}
