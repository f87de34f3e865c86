package schedule_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/podiumhq/podium/internal/schedule"
)

func mustLoad(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	require.NoError(t, err)
	return loc
}

func TestNextTimes(t *testing.T) {
	t.Parallel()
	utc := time.UTC
	ny := mustLoad(t, "America/New_York")
	base := time.Date(2026, 11, 25, 10, 17, 42, 0, utc) // a Wednesday
	for _, tc := range []struct {
		expr string
		loc  *time.Location
		from time.Time
		want []string // RFC 3339 in loc
	}{
		{"0 0 * ? * *", utc, base, []string{"2026-11-25T11:00:00Z", "2026-11-25T12:00:00Z"}},
		{"0 */15 * ? * *", utc, base, []string{"2026-11-25T10:30:00Z", "2026-11-25T10:45:00Z", "2026-11-25T11:00:00Z"}},
		{"0 0 0/3 * * ?", utc, base, []string{"2026-11-25T12:00:00Z", "2026-11-25T15:00:00Z"}},
		{"0 30 1/3 * * ?", utc, base, []string{"2026-11-25T10:30:00Z", "2026-11-25T13:30:00Z"}},
		{"0 0 12 31 JAN ?", utc, base, []string{"2027-01-31T12:00:00Z", "2028-01-31T12:00:00Z"}},
		{"0/5 * * ? * *", utc, base, []string{"2026-11-25T10:17:45Z", "2026-11-25T10:17:50Z"}},
		{"0 */2 * ? * *", utc, base, []string{"2026-11-25T10:18:00Z", "2026-11-25T10:20:00Z"}},
		{"0/1 * * ? * *", utc, base, []string{"2026-11-25T10:17:43Z", "2026-11-25T10:17:44Z"}},
		{"*/30 * * * *", utc, base, []string{"2026-11-25T10:30:00Z", "2026-11-25T11:00:00Z"}}, // 5 fields
		{"@hourly", utc, base, []string{"2026-11-25T11:00:00Z"}},
		{"@daily", utc, base, []string{"2026-11-26T00:00:00Z"}},
		{"@weekly", utc, base, []string{"2026-11-29T00:00:00Z"}}, // Sunday
		{"@monthly", utc, base, []string{"2026-12-01T00:00:00Z"}},
		{"@yearly", utc, base, []string{"2027-01-01T00:00:00Z"}},
		{"0 0 9 * * 7", utc, base, []string{"2026-11-29T09:00:00Z"}}, // 7 = Sunday
		{"0 0 9 * * 0", utc, base, []string{"2026-11-29T09:00:00Z"}}, // 0 = Sunday
		{"0 0 9 * * mon-fri", utc, base, []string{"2026-11-26T09:00:00Z", "2026-11-27T09:00:00Z", "2026-11-30T09:00:00Z"}},
		{"0 0 9 13 * FRI", utc, base, []string{"2027-08-13T09:00:00Z"}}, // both restricted: AND (Friday the 13th)
		{"0 0 0 29 2 ?", utc, base, []string{"2028-02-29T00:00:00Z"}},
		{"0 0 9 * * *", ny, base, []string{"2026-11-25T09:00:00-05:00"}}, // 05:17 in New York
		// DST starts 2027-03-14 in New York: 02:30 does not exist that day and is skipped.
		{"0 30 2 * * *", ny, time.Date(2027, 3, 13, 12, 0, 0, 0, ny), []string{"2027-03-15T02:30:00-04:00"}},
		// DST ends 2026-11-01: a daily 09:00 stays at 09:00 local across the change.
		{"0 0 9 * * *", ny, time.Date(2026, 10, 31, 12, 0, 0, 0, ny), []string{"2026-11-01T09:00:00-05:00", "2026-11-02T09:00:00-05:00"}},
	} {
		t.Run(tc.expr, func(t *testing.T) {
			t.Parallel()
			c, err := schedule.Parse(tc.expr)
			require.NoError(t, err)
			got := c.NextN(tc.from, tc.loc, len(tc.want))
			require.Len(t, got, len(tc.want))
			for i, g := range got {
				require.Equal(t, tc.want[i], g.Format(time.RFC3339), "next #%d", i+1)
			}
		})
	}
}

func TestNextNeverMatching(t *testing.T) {
	t.Parallel()
	c, err := schedule.Parse("0 0 0 30 2 *")
	require.NoError(t, err)
	_, ok := c.Next(time.Now(), time.UTC)
	require.False(t, ok)
}

func TestParseRejects(t *testing.T) {
	t.Parallel()
	for _, expr := range []string{
		"", "* * *", "0 0 0 0 0 0 0", "60 * * * * *", "* 60 * * * *", "* * 24 * * *", "* * * 0 * *", "* * * 32 * *",
		"* * * * 13 *", "* * * * * 8", "0 0 L * * ?", "0 0 0 LW * ?", "0 0 0 15W * ?", "0 0 0 ? * 5L",
		"0 0 0 ? * MON#2", "@every 5s", "@sometimes", "? * * * * *", "5-1 * * * * *", "*/0 * * * * *",
		"a * * * * *", "1,,2 * * * * *", "0 0 0 * FOO *",
	} {
		t.Run(expr, func(t *testing.T) {
			t.Parallel()
			_, err := schedule.Parse(expr)
			require.Error(t, err)
			require.True(t, errors.Is(err, schedule.ErrCron))
			require.Contains(t, strings.ToLower(err.Error()), "cron")
		})
	}
}

func TestNamesWithLettersOfExtensionsAreNotRejected(t *testing.T) {
	t.Parallel()
	for _, expr := range []string{"0 0 0 * JUL WED", "0 0 0 * APR-JUL SAT", "0 0 0 ? * WED,SAT"} {
		_, err := schedule.Parse(expr)
		require.NoError(t, err, expr)
	}
}

// BenchmarkNext measures a next-time computation late in the day, the worst case for a
// search that walks the day's wall-clock times.
func BenchmarkNext(b *testing.B) {
	c, err := schedule.Parse("0/1 * * ? * *")
	if err != nil {
		b.Fatal(err)
	}
	after := time.Date(2026, 11, 25, 23, 59, 58, 0, time.UTC)
	for b.Loop() {
		if _, ok := c.Next(after, time.UTC); !ok {
			b.Fatal("no next time")
		}
	}
}
