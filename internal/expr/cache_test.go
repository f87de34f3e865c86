package expr

import (
	"strconv"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestCache(t *testing.T) {
	t.Parallel()
	t.Run("computes once and reuses", func(t *testing.T) {
		t.Parallel()
		c := newCache[*int](1 << 20)
		calls := 0
		compute := func(s string) *int {
			calls++
			n := len(s)
			return &n
		}
		first := c.get("abc", compute)
		require.Same(t, first, c.get("abc", compute))
		require.Equal(t, 1, calls)
	})
	t.Run("stays bounded and keeps entries in use", func(t *testing.T) {
		t.Parallel()
		limit := int64(10 * cacheEntryOverhead)
		c := newCache[string](limit)
		id := func(s string) string { return s }
		c.get("hot", id)
		for i := range 1000 {
			c.get(strconv.Itoa(i), id)
			c.get("hot", func(string) string { panic("hot entry was evicted") })
		}
		g := c.gens.Load()
		require.LessOrEqual(t, g.size.Load(), limit)
		entries := 0
		for _, m := range []*sync.Map{g.cur, g.prev} {
			m.Range(func(any, any) bool {
				entries++
				return true
			})
		}
		require.LessOrEqual(t, entries, 2*10+2)
	})
}
