package store

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestIDPrefixRange(t *testing.T) {
	for _, tc := range []struct {
		in           string
		lower, upper string
		ok           bool
	}{
		{"01a1a86d", "01a1a86d-0000-0000-0000-000000000000", "01a1a86e-0000-0000-0000-000000000000", true},
		{"01A1A86D-3C7", "01a1a86d-3c70-0000-0000-000000000000", "01a1a86d-3c80-0000-0000-000000000000", true},
		{"01a1a86d3c79", "01a1a86d-3c79-0000-0000-000000000000", "01a1a86d-3c7a-0000-0000-000000000000", true},
		{"0000000f-ffff", "0000000f-ffff-0000-0000-000000000000", "00000010-0000-0000-0000-000000000000", true},
		{"ffffffff", "ffffffff-0000-0000-0000-000000000000", "", true},
		{"01a1a86", "", "", false},                               // too short to be taken as an id
		{"01a1a86g", "", "", false},                              // not hex
		{"01a1-a86d", "", "", false},                             // a dash where a UUID has none
		{"01a1a86d3c70704dac3a2b004397a4d6", "", "", false},      // a whole id: uuid.Parse's
		{"01a1a86d3c70704dac3a2b004397a4d6aa", "", "", false},    // longer than any id
		{"01a1a86d-3c70-704d-ac3a-2b004397a4d6-", "", "", false}, // longer than any id
		{"order-01a1a86d", "", "", false},
	} {
		lower, upper, ok := idPrefixRange(tc.in)
		require.Equal(t, tc.ok, ok, tc.in)
		require.Equal(t, tc.lower, lower, tc.in)
		require.Equal(t, tc.upper, upper, tc.in)
	}
}

func TestLikePattern(t *testing.T) {
	for _, tc := range []struct {
		in, pattern string
		ok          bool
	}{
		{"ord", "%ord%", true},
		{"order-1042", "%order-1042%", true},
		{"order-*", "order-%", true},
		{"*-1042", "%-1042", true},
		{"ord?r-1", "ord_r-1", true},
		{"50%_off", `%50\%\_off%`, true},
		{`a\bcd`, `%a\\bcd%`, true},
		{"Ünï", "%Ünï%", true},
		{"ab", "", false},      // shorter than a trigram: exact matches only
		{"a-b-c-d", "", false}, // no three letters or digits in a row
		{"ab*cd", "", false},
	} {
		pattern, ok := likePattern(tc.in)
		require.Equal(t, tc.ok, ok, tc.in)
		require.Equal(t, tc.pattern, pattern, tc.in)
	}
}
