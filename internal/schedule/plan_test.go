package schedule_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/podiumhq/podium/internal/conductor"
	"github.com/podiumhq/podium/internal/schedule"
)

// TestUpcoming: the next slots merge every cron entry in its zone and stop at the window's end.
func TestUpcoming(t *testing.T) {
	t.Parallel()
	now := time.Date(2030, 6, 1, 10, 0, 30, 0, time.UTC)
	sch := &conductor.WorkflowSchedule{Name: "s", CronSchedules: []conductor.CronSchedule{
		{CronExpression: "0 0 * * * *"},                           // every hour, UTC
		{CronExpression: "0 30 12 * * *", ZoneID: "Europe/Paris"}, // 10:30 UTC in June
	}, ScheduleEndTime: time.Date(2030, 6, 1, 12, 0, 0, 0, time.UTC).UnixMilli()}
	got, err := schedule.Upcoming(sch, now, 5)
	require.NoError(t, err)
	require.Equal(t, []time.Time{
		time.Date(2030, 6, 1, 10, 30, 0, 0, time.UTC),
		time.Date(2030, 6, 1, 11, 0, 0, 0, time.UTC),
		time.Date(2030, 6, 1, 12, 0, 0, 0, time.UTC),
	}, utc(got))

	got, err = schedule.Upcoming(&conductor.WorkflowSchedule{CronExpression: "0 0 0 1 1 *"}, now, 100)
	require.NoError(t, err)
	require.Len(t, got, schedule.MaxUpcoming)

	_, err = schedule.Upcoming(&conductor.WorkflowSchedule{CronExpression: "nope"}, now, 3)
	require.ErrorIs(t, err, conductor.ErrInvalid)
}

func utc(ts []time.Time) []time.Time {
	out := make([]time.Time, len(ts))
	for i, t := range ts {
		out[i] = t.UTC()
	}
	return out
}
