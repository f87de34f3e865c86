package conductor

import (
	"maps"
	"slices"
)

// NonNil returns s, or an empty slice of its type for nil, so that JSON encodes it as [] rather
// than null (as Conductor does for every list it returns).
func NonNil[S ~[]E, E any](s S) S {
	if s == nil {
		return S{}
	}
	return s
}

// nonNilMap is NonNil for maps: nil becomes an empty map, encoded as {} rather than null.
func nonNilMap[K comparable, V any](m map[K]V) map[K]V {
	if m == nil {
		return map[K]V{}
	}
	return m
}

func sortedKeys[V any](m map[string]V) []string {
	return slices.Sorted(maps.Keys(m))
}
