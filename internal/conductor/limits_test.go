package conductor_test

import (
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/require"

	"github.com/podiumhq/podium/internal/conductor"
)

func TestTruncate(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, in string
		n        int
		want     string
	}{
		{"fits", "hello", 5, "hello"},
		{"empty", "", 0, ""},
		{"cut", "hello world", 5, "hello…"},
		{"cut to nothing", "hello", 0, "…"},
		// "é" is two bytes: a cut inside it backs off to the rune before.
		{"inside a rune", "caféine", 4, "caf…"},
		{"after a rune", "caféine", 5, "café…"},
		// "€" is three bytes.
		{"inside a wide rune", "€€", 4, "€…"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := conductor.Truncate(tc.in, tc.n)
			require.Equal(t, tc.want, got)
			require.True(t, utf8.ValidString(got), "a cut never splits a rune")
		})
	}
}
