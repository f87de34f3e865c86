package engine

import (
	"context"
	"fmt"

	"github.com/podiumhq/podium/store"
)

// ResealExecutionData re-seals, under the keyring's active key, every sealed piece of
// execution data sealed with another key: the workflows' secret state, then the tasks' real
// inputs and outputs. Each table is walked once by primary key (store.ResealWalk), so the cost
// is the number of sealed rows; each value is replaced only if nobody changed it meanwhile.
// The secrets service calls it when it rotates keys (secrets.Resealer): the seal names of
// execution data are the engine's. It answers the totals of each table, also on error (what
// was done until then).
func (e *Engine) ResealExecutionData(ctx context.Context, opts store.ResealOpts) ([]store.ResealTotals, error) {
	walks := []struct {
		table store.SealedTable
		name  func(column, key string) string
	}{
		{store.SealedWorkflows, func(_, id string) string { return workflowSeal(id) }},
		{store.SealedTasks, func(column, id string) string {
			if column == "sealed_output" {
				return taskOutputSeal(id)
			}
			return taskInputSeal(id)
		}},
	}
	var all []store.ResealTotals
	for _, w := range walks {
		reseal := func(column, key string, sealed []byte) ([]byte, error) {
			name := w.name(column, key)
			value, err := e.keys.Open(name, sealed)
			if err != nil {
				return nil, fmt.Errorf("error opening: %w", err)
			}
			return e.keys.Seal(name, value)
		}
		totals, err := e.store.ResealWalk(ctx, w.table, e.keys.ActiveKeyID(), reseal, opts)
		all = append(all, totals)
		if err != nil {
			return all, err
		}
	}
	return all, nil
}
