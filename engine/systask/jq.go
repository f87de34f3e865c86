package systask

import (
	"container/list"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/itchyny/gojq"

	"github.com/podiumhq/podium/internal/conductor"
	"github.com/podiumhq/podium/internal/defaults"
)

// JSON_JQ_TRANSFORM limit defaults, applied to the zero fields of JQConfig.
const (
	// JQTimeoutDefault bounds the run time of one query.
	JQTimeoutDefault = time.Second
	// JQMaxResultsDefault caps the number of values one query may emit.
	JQMaxResultsDefault = 10_000
	// JQCacheSizeDefault is how many compiled queries are kept, the least recently used
	// evicted first.
	JQCacheSizeDefault = 1000
)

// Internal JSON_JQ_TRANSFORM knobs.
const (
	// jqCacheMaxExpression is the longest query cached, in bytes.
	jqCacheMaxExpression = 16 << 10
	// jqMaxErrorLength bounds the text of a failure reason.
	jqMaxErrorLength = 1000
)

// Messages of the JSON_JQ_TRANSFORM failures Podium reports itself (gojq's own errors are
// reported as gojq words them).
const (
	jqMissingQuery = "Missing 'queryExpression' in input parameters"
)

var (
	errJQTimeout = errors.New("jq query timed out")
	errJQMemory  = errors.New("jq query exceeded the memory limit")
)

// JQConfig configures the JSON_JQ_TRANSFORM task; zero fields take the JQXxxDefault values.
type JQConfig struct {
	// Timeout bounds the run time of one query (JQTimeoutDefault).
	Timeout time.Duration
	// MaxResults caps the values one query may emit (JQMaxResultsDefault).
	MaxResults int
	// CacheSize is how many compiled queries are kept (JQCacheSizeDefault).
	CacheSize int
	// MaxHeapGrowth is the growth of the process heap, in bytes, that stops a running query,
	// defaulted as ScriptLimits.MaxHeapGrowth is (from the task's MaxOutputBytes); negative
	// turns the heap watch off.
	MaxHeapGrowth int64
}

// JQ runs the JSON_JQ_TRANSFORM task: the query in input.queryExpression runs with the whole
// evaluated input (queryExpression included) as its input document. Output result is the first
// value it emits (null when none) and resultList every value, in order.
//
// The query language is jq's, as gojq implements it. Nothing of the host is reachable: env and
// $ENV are empty objects, input/inputs, modules (import, include), debug, stderr and
// input_filename do not compile. halt ends the query with the values emitted so far;
// halt_error fails it.
//
// A query that does not compile or fails while running fails the task with FAILED (retriable,
// as in Conductor), with gojq's message as the reason and output.error. Breaking a limit — the
// run time, the number of values, the heap growth, the task's output size — fails it with
// FAILED_WITH_TERMINAL_ERROR: it would break it again on every retry. The caller's context
// ending first fails it with FAILED.
//
// Compiled queries are kept in a bounded cache, so a query is compiled once while it is in use.
// A query is stopped between two steps of its evaluation: one step of a built-in runs to its end
// (sorting a very large array, say), and what one step allocates at once (setpath([1e8]; 1)
// builds an array of 10^8 elements, "x" * 1e9 a string of 1 GB) is only seen by the heap watch
// once it is allocated.
type JQ struct {
	timeout       time.Duration
	maxResults    int
	maxHeapGrowth int64
	cache         *jqCache
	compiles      atomic.Int64 // compilations, for tests
}

// NewJQ returns the JSON_JQ_TRANSFORM handler.
func NewJQ(cfg JQConfig) *JQ {
	return &JQ{
		timeout:       defaults.Positive(cfg.Timeout, JQTimeoutDefault),
		maxResults:    defaults.Positive(cfg.MaxResults, JQMaxResultsDefault),
		maxHeapGrowth: cfg.MaxHeapGrowth,
		cache:         newJQCache(defaults.Positive(cfg.CacheSize, JQCacheSizeDefault)),
	}
}

// Type returns JSON_JQ_TRANSFORM.
func (*JQ) Type() string { return conductor.TaskTypeJSONJQTransform }

// Mode returns Sync: a query is bounded in time and does no I/O.
func (*JQ) Mode() Mode { return Sync }

// Execute runs the query.
func (h *JQ) Execute(ctx context.Context, t *Task) (res Result) {
	defer func() {
		if p := recover(); p != nil {
			res = jqFailure(conductor.TaskFailedWithTerminalError, fmt.Sprintf("jq engine failure: %v", p))
		}
	}()
	query, ok := t.Input["queryExpression"].(string)
	if !ok {
		return jqFailure(conductor.TaskFailed, jqMissingQuery)
	}
	code, err := h.compile(query)
	if err != nil {
		return jqFailure(conductor.TaskFailed, conductor.Truncate(err.Error(), jqMaxErrorLength))
	}
	doc, err := jqInput(t.Input, 0)
	if err != nil {
		return jqFailure(conductor.TaskFailedWithTerminalError, err.Error())
	}
	if err := ctx.Err(); err != nil {
		return jqFailure(conductor.TaskFailed, "jq query interrupted: "+context.Cause(ctx).Error())
	}

	runCtx, cancelTimeout := context.WithTimeoutCause(ctx, h.timeout, errJQTimeout)
	defer cancelTimeout()
	runCtx, cancelRun := context.WithCancelCause(runCtx)
	defer cancelRun(nil)
	heapLimit := ScriptLimits{MaxResultBytes: t.MaxOutputBytes, MaxHeapGrowth: h.maxHeapGrowth}.withDefaults().MaxHeapGrowth
	if heapLimit > 0 {
		watch := startHeapWatch(heapLimit, func() { cancelRun(errJQMemory) })
		defer watch.stop()
	}

	out := &jqOutput{limit: t.MaxOutputBytes, used: int64(len(`{"result":,"resultList":[]}`))}
	var first any // as gojq emitted it
	values := []any{}
	iter := code.RunWithContext(runCtx, doc)
	for {
		v, ok := iter.Next()
		if !ok {
			break
		}
		if err, isErr := v.(error); isErr {
			var halt *gojq.HaltError
			if errors.As(err, &halt) && halt.Value() == nil {
				break // halt: the values so far are the result
			}
			if runCtx.Err() != nil {
				return h.stopped(ctx, runCtx, heapLimit)
			}
			return jqFailure(conductor.TaskFailed, conductor.Truncate(err.Error(), jqMaxErrorLength))
		}
		if len(values) == h.maxResults {
			return jqFailure(conductor.TaskFailedWithTerminalError,
				fmt.Sprintf("jq query emitted more than %d values", h.maxResults))
		}
		if len(values) == 0 {
			first = v
		}
		pv, err := out.plain(v, 0)
		if err != nil {
			return jqFailure(conductor.TaskFailedWithTerminalError, err.Error())
		}
		values = append(values, pv)
	}
	var result any
	if len(values) > 0 {
		// A second copy: result and resultList[0] share nothing.
		var err error
		if result, err = out.plain(first, 0); err != nil {
			return jqFailure(conductor.TaskFailedWithTerminalError, err.Error())
		}
	}
	return Result{Status: conductor.TaskCompleted, Output: map[string]any{"result": result, "resultList": values}}
}

// stopped is the failure of a query whose run context ended, by our limits or the caller's.
func (h *JQ) stopped(ctx, runCtx context.Context, heapLimit int64) Result {
	switch context.Cause(runCtx) {
	case errJQTimeout:
		return jqFailure(conductor.TaskFailedWithTerminalError, fmt.Sprintf("jq query timed out after %s", h.timeout))
	case errJQMemory:
		return jqFailure(conductor.TaskFailedWithTerminalError,
			fmt.Sprintf("jq query exceeded the memory limit (heap grew by more than %d MiB)", heapLimit>>20))
	}
	// The caller gave up (shutdown): not the query's fault, so retriable.
	return jqFailure(conductor.TaskFailed, "jq query interrupted: "+context.Cause(ctx).Error())
}

func jqFailure(status conductor.TaskStatus, msg string) Result {
	return Result{Status: status, Output: map[string]any{"error": msg}, ReasonForIncompletion: msg}
}

// compile returns the compiled query, from the cache when it is there. A query that does not
// compile is cached too, with its error.
func (h *JQ) compile(query string) (*gojq.Code, error) {
	if e, ok := h.cache.get(query); ok {
		return e.code, e.err
	}
	h.compiles.Add(1)
	code, err := compileJQ(query)
	if len(query) <= jqCacheMaxExpression {
		h.cache.put(&jqCacheEntry{query: query, code: code, err: err})
	}
	return code, err
}

// compileJQ parses and compiles a query with nothing of the host reachable: no environment
// variables, no modules, no input iterator.
func compileJQ(query string) (*gojq.Code, error) {
	parsed, err := gojq.Parse(query)
	if err != nil {
		return nil, err
	}
	return gojq.Compile(parsed, gojq.WithEnvironLoader(func() []string { return nil }))
}

// jqCache is a bounded cache of compiled queries, the least recently used evicted first.
type jqCache struct {
	mu    sync.Mutex
	size  int
	order *list.List // of *jqCacheEntry, the most recently used first
	items map[string]*list.Element
}

type jqCacheEntry struct {
	query string
	code  *gojq.Code
	err   error
}

func newJQCache(size int) *jqCache {
	return &jqCache{size: size, order: list.New(), items: map[string]*list.Element{}}
}

func (c *jqCache) get(query string) (*jqCacheEntry, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.items[query]
	if !ok {
		return nil, false
	}
	c.order.MoveToFront(el)
	return el.Value.(*jqCacheEntry), true
}

func (c *jqCache) put(e *jqCacheEntry) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.items[e.query]; ok {
		el.Value = e
		c.order.MoveToFront(el)
		return
	}
	c.items[e.query] = c.order.PushFront(e)
	for c.order.Len() > c.size {
		oldest := c.order.Back()
		c.order.Remove(oldest)
		delete(c.items, oldest.Value.(*jqCacheEntry).query)
	}
}

// len returns the number of cached queries.
func (c *jqCache) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.order.Len()
}

// jqInput deep-copies a JSON-like Go value into the values gojq works on: nil, bool, string,
// int, float64, *big.Int, []any and map[string]any. json.Number becomes an int when it is an
// integer that fits, a *big.Int when it is a larger integer, else a float64; other types
// (typed slices and maps, structs) are taken in their JSON form.
func jqInput(v any, depth int) (any, error) {
	if depth > maxInputDepth {
		return nil, errors.New("jq input is nested too deeply")
	}
	switch x := v.(type) {
	case nil, bool, string, int, float64:
		return x, nil
	case json.Number:
		return jqNumber(x)
	case int8:
		return int(x), nil
	case int16:
		return int(x), nil
	case int32:
		return int(x), nil
	case int64:
		if int64(int(x)) == x {
			return int(x), nil
		}
		return new(big.Int).SetInt64(x), nil
	case uint8:
		return int(x), nil
	case uint16:
		return int(x), nil
	case uint32:
		return jqInput(int64(x), depth)
	case uint:
		return jqInput(uint64(x), depth)
	case uint64:
		if x <= math.MaxInt64 {
			return jqInput(int64(x), depth)
		}
		return new(big.Int).SetUint64(x), nil
	case float32:
		return float64(x), nil
	case map[string]any:
		m := make(map[string]any, len(x))
		for k, e := range x {
			c, err := jqInput(e, depth+1)
			if err != nil {
				return nil, err
			}
			m[k] = c
		}
		return m, nil
	case []any:
		s := make([]any, len(x))
		for i, e := range x {
			c, err := jqInput(e, depth+1)
			if err != nil {
				return nil, err
			}
			s[i] = c
		}
		return s, nil
	}
	data, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("jq input of type %T is not JSON", v)
	}
	dec := json.NewDecoder(strings.NewReader(string(data)))
	dec.UseNumber()
	var generic any
	if err := dec.Decode(&generic); err != nil {
		return nil, fmt.Errorf("jq input of type %T is not JSON", v)
	}
	return jqInput(generic, depth)
}

// jqNumber converts a JSON number for gojq.
func jqNumber(n json.Number) (any, error) {
	if i, err := n.Int64(); err == nil {
		return jqInput(i, 0)
	}
	if !strings.ContainsAny(string(n), ".eE") {
		if b, ok := new(big.Int).SetString(string(n), 10); ok {
			return b, nil
		}
	}
	f, err := n.Float64()
	if err != nil && !errors.Is(err, strconv.ErrRange) {
		return nil, fmt.Errorf("jq input number %q is not a number", string(n))
	}
	return f, nil // beyond ±MaxFloat64: ±Inf, which jq writes as ±MaxFloat64
}

// jqOutput converts emitted values to plain JSON values and counts the output's size.
type jqOutput struct {
	limit int64 // bytes of JSON, 0: unbounded
	used  int64 // a lower bound of the output's JSON length
}

// plain copies a value gojq emitted into a plain JSON value: nil, bool, string, int64 (whole
// numbers that fit), float64, json.Number (larger integers), []any or map[string]any. NaN
// becomes nil and ±Inf ±MaxFloat64, as jq prints them.
func (o *jqOutput) plain(v any, depth int) (any, error) {
	if depth > maxInputDepth {
		return nil, errors.New("jq result is nested too deeply")
	}
	var out any
	switch x := v.(type) {
	case nil:
		o.used += 4
	case bool:
		out = x
		o.used += 4
	case string:
		out = x
		o.used += int64(len(x)) + 2
	case int:
		out = int64(x)
		o.used++
	case float64:
		out = jqFloat(x)
		o.used++
	case *big.Int:
		if x.IsInt64() {
			out = x.Int64()
		} else {
			out = json.Number(x.String())
		}
		o.used++
	case []any:
		o.used += 2 + int64(len(x))
		s := make([]any, len(x))
		for i, e := range x {
			c, err := o.plain(e, depth+1)
			if err != nil {
				return nil, err
			}
			s[i] = c
		}
		out = s
	case map[string]any:
		o.used += 2
		m := make(map[string]any, len(x))
		for k, e := range x {
			o.used += int64(len(k)) + 4 // "k":,
			c, err := o.plain(e, depth+1)
			if err != nil {
				return nil, err
			}
			m[k] = c
		}
		out = m
	default:
		return nil, fmt.Errorf("jq result of type %T is not JSON", v)
	}
	if o.limit > 0 && o.used > o.limit {
		return nil, fmt.Errorf("jq output of at least %d bytes is greater than the permissible limit: %d bytes", o.used, o.limit)
	}
	return out, nil
}

// jqFloat returns f as an int64 when it is whole and fits, as JSON integers come back.
func jqFloat(f float64) any {
	switch {
	case math.IsNaN(f):
		return nil
	case math.IsInf(f, 1):
		return math.MaxFloat64
	case math.IsInf(f, -1):
		return -math.MaxFloat64
	case f == math.Trunc(f) && f >= -(1<<63) && f < 1<<63:
		return int64(f)
	}
	return f
}
