package schedule

import "context"

// Internals the firing tests (package schedule_test, which runs a real engine) reach.
const (
	ClaimGrace    = claimGrace
	StartAttempts = startAttempts
)

// ClaimDueSlots claims the due slots without starting them (a claimer that dies next).
func (s *Service) ClaimDueSlots(ctx context.Context) ([]string, bool, error) {
	return s.claimDueSlots(ctx)
}

// SetBeforeStart sets the hook run inside a slot's start transaction, after the slot is
// locked and before the workflow is started.
func (s *Service) SetBeforeStart(fn func(executionID string)) { s.beforeStart = fn }
