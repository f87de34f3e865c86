package secrets

import (
	"context"
	"fmt"
)

// RotateKeys re-seals, under the active key and while servers run, every secret and then,
// through execution, every sealed piece of execution data (real task inputs and outputs,
// workflow secret state) sealed with another key; each value is replaced only if nobody
// changed it meanwhile. It returns how many secrets it re-sealed. Afterwards the other keys
// can be removed.
func (s *Service) RotateKeys(ctx context.Context, execution Resealer) (int, error) {
	n, err := s.rotateSecrets(ctx)
	if err != nil {
		return n, err
	}
	return n, execution.ResealExecutionData(ctx)
}

func (s *Service) rotateSecrets(ctx context.Context) (int, error) {
	done, stalled := 0, 0
	for {
		recs, err := s.store.SecretsSealedWithOtherKeys(ctx, s.keys.ActiveKeyID(), 100)
		if err != nil || len(recs) == 0 {
			return done, err
		}
		if stalled >= 3 {
			return done, fmt.Errorf("%d secrets keep changing under another key; is another process sealing with a different active key?", len(recs))
		}
		progressed := false
		for _, rec := range recs {
			value, err := s.keys.Open(rec.Name, rec.Sealed)
			if err != nil {
				return done, fmt.Errorf("error opening secret %s: %w", rec.Name, err)
			}
			sealed, err := s.keys.Seal(rec.Name, value)
			if err != nil {
				return done, err
			}
			ok, err := s.store.SecretReseal(ctx, rec.Name, rec.Sealed, sealed, s.keys.ActiveKeyID())
			if err != nil {
				return done, err
			}
			if ok {
				done++
				progressed = true
			}
		}
		if progressed {
			stalled = 0
		} else {
			stalled++ // every candidate changed under us; writers seal with their active key
		}
	}
}
