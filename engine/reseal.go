package engine

import (
	"context"
	"fmt"
)

// ResealExecutionData re-seals, under the keyring's active key, every sealed piece of
// execution data (real task inputs and outputs, workflow secret state) sealed with another
// key; each is replaced only if nobody changed it meanwhile. The secrets service calls it when
// it rotates keys (secrets.Resealer): the seal names of execution data are the engine's.
func (e *Engine) ResealExecutionData(ctx context.Context) error {
	names := map[string]func(string) string{"task_input": taskInputSeal, "task_output": taskOutputSeal, "workflow": workflowSeal}
	for stalled := 0; stalled < 3; {
		items, err := e.store.SealedItemsWithOtherKeys(ctx, e.keys.ActiveKeyID(), 200)
		if err != nil || len(items) == 0 {
			return err
		}
		progressed := false
		for _, it := range items {
			name := names[it.Kind](it.ID)
			value, err := e.keys.Open(name, it.Sealed)
			if err != nil {
				return fmt.Errorf("error opening sealed %s of %s: %w", it.Kind, it.ID, err)
			}
			sealed, err := e.keys.Seal(name, value)
			if err != nil {
				return err
			}
			ok, err := e.store.ResealItem(ctx, it, sealed)
			if err != nil {
				return err
			}
			progressed = progressed || ok
		}
		if progressed {
			stalled = 0
		} else {
			stalled++
		}
	}
	return fmt.Errorf("sealed execution data keeps changing under another key; is another process sealing with a different active key?")
}
