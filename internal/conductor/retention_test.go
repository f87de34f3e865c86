package conductor

import (
	"testing"
	"time"
)

func TestParseRetention(t *testing.T) {
	for in, want := range map[string]time.Duration{
		"30d": 30 * 24 * time.Hour, "90s": 90 * time.Second, "1d12h": 36 * time.Hour, "2w": 14 * 24 * time.Hour,
		"forever": 0, "": 0, " 45M ": 45 * time.Minute,
	} {
		got, err := ParseRetention(in)
		if err != nil || got != want {
			t.Errorf("ParseRetention(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"30", "d", "1.5d", "-1d", "0s", "10y", "1d foo", "99999999999w"} {
		if got, err := ParseRetention(in); err == nil {
			t.Errorf("ParseRetention(%q) = %v; want an error", in, got)
		}
	}
}

func TestFormatRetentionRoundTrips(t *testing.T) {
	for _, d := range []time.Duration{0, time.Second, 90 * time.Second, 36 * time.Hour, 30 * 24 * time.Hour, 25*time.Hour + 61*time.Second} {
		got, err := ParseRetention(FormatRetention(d))
		if err != nil || got != d {
			t.Errorf("%v formatted %q reads back as %v, %v", d, FormatRetention(d), got, err)
		}
	}
	if s := FormatRetention(36 * time.Hour); s != "1d12h" {
		t.Errorf("FormatRetention(36h) = %q", s)
	}
}
