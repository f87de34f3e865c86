package expr

import (
	"strings"
	"sync"
	"sync/atomic"
)

// cacheEntryOverhead approximates the bytes one cache entry costs besides its key.
const cacheEntryOverhead = 128

// cache is a bounded, concurrency-safe map from strings to values that are costly to compute.
//
// It keeps two generations. A lookup tries the current one, then the previous one, promoting what
// it finds there. Once the current generation has taken in limit bytes (keys plus a fixed cost per
// entry) it becomes the previous one and an empty current one starts, dropping the old previous.
// Memory therefore stays near twice the limit, and entries in use survive each turnover.
type cache[V any] struct {
	gens  atomic.Pointer[cacheGenerations]
	limit int64
}

type cacheGenerations struct {
	cur, prev *sync.Map
	size      atomic.Int64
}

func newCache[V any](limit int64) *cache[V] {
	c := &cache[V]{limit: limit}
	c.gens.Store(&cacheGenerations{cur: new(sync.Map), prev: new(sync.Map)})
	return c
}

// get returns the value cached for key, computing and caching it with compute on a miss.
// Concurrent misses on one key may compute it more than once; one result is kept.
func (c *cache[V]) get(key string, compute func(string) V) V {
	g := c.gens.Load()
	if v, ok := g.cur.Load(key); ok {
		return v.(V)
	}
	if v, ok := g.prev.Load(key); ok {
		c.put(g, key, v)
		return v.(V)
	}
	v := compute(key)
	c.put(g, key, v)
	return v
}

func (c *cache[V]) put(g *cacheGenerations, key string, v any) {
	// The key is cloned so that a cached entry never pins a larger buffer its caller sliced it from.
	if _, loaded := g.cur.LoadOrStore(strings.Clone(key), v); loaded {
		return
	}
	if g.size.Add(int64(len(key))+cacheEntryOverhead) > c.limit {
		c.gens.CompareAndSwap(g, &cacheGenerations{cur: new(sync.Map), prev: g.cur})
	}
}
