package secrets

import (
	"context"
	"fmt"

	"github.com/podiumhq/podium/store"
)

// RotateKeys re-seals, under the active key and while servers run, every secret and then,
// through execution, every sealed piece of execution data (real task inputs and outputs,
// workflow secret state) sealed with another key. Each table is walked once by primary key,
// a batch at a time (store.ResealWalk): the cost is the number of sealed rows. A value is
// replaced only if nobody changed it meanwhile; one a writer keeps changing under another key
// is left, and the rotation then fails once it has walked everything, so that it can be run
// again. Every batch is logged with its counts and told to opts.Progress. It answers the
// totals per table (secrets first), also on error. Afterwards the other keys can be removed.
func (s *Service) RotateKeys(ctx context.Context, execution Resealer, opts store.ResealOpts) ([]store.ResealTotals, error) {
	progress := opts.Progress
	opts.Progress = func(b store.ResealBatch) {
		s.logger.InfoContext(ctx, "secrets: key rotation batch", "table", b.Table, "batch", b.Number,
			"rows", len(b.Keys), "resealed", b.Resealed, "current", b.Current, "changed", b.Changed, "left", b.Left)
		if progress != nil {
			progress(b)
		}
	}
	active := s.keys.ActiveKeyID()
	secretTotals, err := s.store.ResealWalk(ctx, store.SealedSecrets, active, func(_, name string, sealed []byte) ([]byte, error) {
		value, err := s.keys.Open(name, sealed)
		if err != nil {
			return nil, fmt.Errorf("error opening secret %s: %w", name, err)
		}
		return s.keys.Seal(name, value)
	}, opts)
	s.logTotals(ctx, secretTotals, active)
	all := []store.ResealTotals{secretTotals}
	if err == nil {
		var execTotals []store.ResealTotals
		execTotals, err = execution.ResealExecutionData(ctx, opts)
		for _, t := range execTotals {
			s.logTotals(ctx, t, active)
		}
		all = append(all, execTotals...)
	}
	left := 0
	for _, t := range all {
		left += t.Left
	}
	if err != nil {
		return all, fmt.Errorf("error rotating keys: %w", err)
	}
	if left > 0 {
		return all, fmt.Errorf("%d sealed values kept changing under another key during the rotation; is another process sealing with a different active key? Run the rotation again once every server seals with key %q", left, active)
	}
	return all, nil
}

func (s *Service) logTotals(ctx context.Context, t store.ResealTotals, active string) {
	s.logger.InfoContext(ctx, "secrets: key rotation table done", "table", t.Table, "key_id", active,
		"batches", t.Batches, "rows", t.Rows, "resealed", t.Resealed, "current", t.Current,
		"changed", t.Changed, "left", t.Left)
}
