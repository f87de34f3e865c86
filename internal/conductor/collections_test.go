package conductor_test

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/podiumhq/podium/internal/conductor"
)

func TestNonNilEncodesNilAsEmptyList(t *testing.T) {
	t.Parallel()
	var tags []conductor.Tag
	got := conductor.NonNil(tags)
	require.NotNil(t, got)
	require.Empty(t, got)
	data, err := json.Marshal(got)
	require.NoError(t, err)
	require.JSONEq(t, `[]`, string(data))
}

func TestNonNilKeepsAGivenSlice(t *testing.T) {
	t.Parallel()
	roles := []string{"ADMIN", "USER"}
	got := conductor.NonNil(roles)
	require.Equal(t, roles, got)
	require.Same(t, &roles[0], &got[0], "a non-nil slice is returned as it is, not copied")

	empty := make([]string, 0, 4)
	require.Equal(t, 4, cap(conductor.NonNil(empty)), "an empty non-nil slice is returned as it is")
}

type names []string

func TestNonNilKeepsTheNamedSliceType(t *testing.T) {
	t.Parallel()
	var n names
	got := conductor.NonNil(n)
	require.IsType(t, names{}, got)
	require.NotNil(t, got)
}
