package search

import (
	"context"
	"time"

	"github.com/podiumhq/podium/internal/conductor"
)

// ActivityHours is how many hours Activity looks back.
const ActivityHours = 24

// Activity is what happened over the last day: executions started by status in the last hour
// and day, and executions started per hour.
type Activity struct {
	// LastHour and LastDay count executions started, by status.
	LastHour, LastDay map[conductor.WorkflowStatus]int64
	// Hourly counts executions started per hour, oldest first; the last is the past hour.
	Hourly [ActivityHours]int64
}

// Activity counts the executions started in the day before now.
func (s *Service) Activity(ctx context.Context, now time.Time) (*Activity, error) {
	since := now.Add(-ActivityHours * time.Hour)
	buckets, err := s.store.WorkflowStartsByHour(ctx, since)
	if err != nil {
		return nil, err
	}
	a := &Activity{LastHour: map[conductor.WorkflowStatus]int64{}, LastDay: map[conductor.WorkflowStatus]int64{}}
	for _, b := range buckets {
		if b.Hour < 0 || b.Hour >= ActivityHours {
			continue // started after now (clock skew between replicas)
		}
		a.LastDay[b.Status] += b.Count
		a.Hourly[b.Hour] += b.Count
		if b.Hour == ActivityHours-1 {
			a.LastHour[b.Status] += b.Count
		}
	}
	return a, nil
}
