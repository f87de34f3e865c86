package systask

import (
	"context"
	"fmt"
	"math"
	"reflect"
	"runtime/metrics"
	"time"

	"github.com/dop251/goja"
)

// hiddenGlobals are removed from every runtime: typed arrays and ArrayBuffer allocate their whole
// length at once (DataView stays: without them it has nothing to view), and GoError is goja's own.
var hiddenGlobals = []string{
	"ArrayBuffer", "Int8Array", "Uint8Array", "Uint8ClampedArray",
	"Int16Array", "Uint16Array", "Int32Array", "Uint32Array", "Float32Array", "Float64Array",
	"BigInt64Array", "BigUint64Array", "GoError",
}

// harden prepares a fresh runtime before the script runs; see ScriptLimits.
func (e *evaluation) harden() error {
	vm := e.vm
	global := vm.GlobalObject()
	for _, name := range hiddenGlobals {
		if err := global.Delete(name); err != nil {
			return fmt.Errorf("hiding %s: %w", name, err)
		}
	}
	maxStr, maxArr := float64(e.limits.MaxStringLength), float64(e.limits.MaxArrayLength)
	strProto := vm.Get("String").ToObject(vm).Get("prototype").ToObject(vm)
	arrCtor := vm.Get("Array").ToObject(vm)
	arrProto := arrCtor.Get("prototype").ToObject(vm)
	guards := []struct {
		obj   *goja.Object
		name  string
		check func(goja.FunctionCall)
	}{
		{strProto, "repeat", func(c goja.FunctionCall) {
			e.limit(float64(stringLength(c.This))*toInteger(c.Argument(0)), maxStr, "Invalid string length")
		}},
		{strProto, "padStart", func(c goja.FunctionCall) { e.limit(toInteger(c.Argument(0)), maxStr, "Invalid string length") }},
		{strProto, "padEnd", func(c goja.FunctionCall) { e.limit(toInteger(c.Argument(0)), maxStr, "Invalid string length") }},
		{arrProto, "fill", func(c goja.FunctionCall) {
			n := lengthOf(vm, c.This)
			e.limit(span(n, c.Argument(1), c.Argument(2)), maxArr, "Invalid array length")
		}},
		{arrProto, "join", func(c goja.FunctionCall) {
			n, sep := lengthOf(vm, c.This), 1.0
			if s := c.Argument(0); !goja.IsUndefined(s) {
				sep = float64(stringLength(s))
			}
			e.limit(n, maxArr, "Invalid array length")
			e.limit(n*sep, maxStr, "Invalid string length")
		}},
		{arrCtor, "from", func(c goja.FunctionCall) {
			if src := c.Argument(0); !goja.IsUndefined(src) && !goja.IsNull(src) && src.ExportType() != reflectString {
				e.limit(lengthOf(vm, src), maxArr, "Invalid array length")
			}
		}},
	}
	for _, g := range guards {
		if err := guard(vm, g.obj, g.name, g.check); err != nil {
			return err
		}
	}
	noop := vm.ToValue(func(goja.FunctionCall) goja.Value { return goja.Undefined() })
	console := vm.NewObject()
	for _, name := range []string{"debug", "error", "info", "log", "trace", "warn"} {
		if err := console.Set(name, noop); err != nil {
			return fmt.Errorf("defining console.%s: %w", name, err)
		}
	}
	if err := global.DefineDataProperty("console", console, goja.FLAG_TRUE, goja.FLAG_TRUE, goja.FLAG_FALSE); err != nil {
		return fmt.Errorf("defining console: %w", err)
	}
	return nil
}

var reflectString = reflect.TypeFor[string]()

// guard replaces obj[name] with a function that runs check before the original.
func guard(vm *goja.Runtime, obj *goja.Object, name string, check func(goja.FunctionCall)) error {
	origValue := obj.Get(name)
	orig, ok := goja.AssertFunction(origValue)
	if !ok {
		return fmt.Errorf("guarding %s: not a function", name)
	}
	wrapped := vm.ToValue(func(c goja.FunctionCall) goja.Value {
		check(c)
		v, err := orig(c.This, c.Arguments...)
		if err != nil {
			panic(err) // rethrow: goja turns an *Exception back into the JavaScript exception
		}
		return v
	}).ToObject(vm)
	for _, p := range []struct {
		key string
		val goja.Value
	}{{"name", vm.ToValue(name)}, {"length", origValue.ToObject(vm).Get("length")}} {
		if err := wrapped.DefineDataProperty(p.key, p.val, goja.FLAG_FALSE, goja.FLAG_TRUE, goja.FLAG_FALSE); err != nil {
			return fmt.Errorf("guarding %s: %w", name, err)
		}
	}
	if err := obj.DefineDataProperty(name, wrapped, goja.FLAG_TRUE, goja.FLAG_TRUE, goja.FLAG_FALSE); err != nil {
		return fmt.Errorf("guarding %s: %w", name, err)
	}
	return nil
}

// limit throws a RangeError with msg when n exceeds limit.
func (e *evaluation) limit(n, limit float64, msg string) {
	if n <= limit {
		return
	}
	// The global RangeError is looked up only now, so most runtimes never build it; a script
	// that replaced it gets what it replaced it with.
	if ctor, ok := goja.AssertConstructor(e.vm.Get("RangeError")); ok {
		obj, err := ctor(nil, e.vm.ToValue(msg))
		if err != nil {
			panic(err) // whatever the replacement threw, an interrupt included: never swallow one
		}
		panic(obj)
	}
	panic(e.vm.NewTypeError(msg))
}

// toInteger is ECMAScript's ToIntegerOrInfinity (NaN is 0).
func toInteger(v goja.Value) float64 {
	f := v.ToFloat()
	if math.IsNaN(f) {
		return 0
	}
	return math.Trunc(f)
}

func stringLength(v goja.Value) int {
	if s, ok := v.ToString().(goja.String); ok {
		return s.Length()
	}
	return len(v.String())
}

// lengthOf is ToLength(ToObject(v).length).
func lengthOf(vm *goja.Runtime, v goja.Value) float64 {
	return max(toInteger(v.ToObject(vm).Get("length")), 0)
}

// span is the number of indexes of a length-n array that fill(…, start, end) writes.
func span(n float64, start, end goja.Value) float64 {
	rel := func(v goja.Value, def float64) float64 {
		if goja.IsUndefined(v) {
			return def
		}
		k := toInteger(v)
		if k < 0 {
			return max(n+k, 0)
		}
		return min(k, n)
	}
	return max(rel(end, n)-rel(start, 0), 0)
}

// watchdog interrupts a running script on timeout, context end or heap growth.
type watchdog struct {
	timer   *time.Timer
	stopCtx func() bool
	heap    *heapWatch
}

func startWatchdog(ctx context.Context, vm *goja.Runtime, limits ScriptLimits) *watchdog {
	w := &watchdog{}
	w.timer = time.AfterFunc(limits.Timeout, func() { vm.Interrupt(causeTimeout) })
	w.stopCtx = context.AfterFunc(ctx, func() { vm.Interrupt(causeContext) })
	if limits.MaxHeapGrowth > 0 {
		w.heap = startHeapWatch(limits.MaxHeapGrowth, func() { vm.Interrupt(causeMemory) })
	}
	return w
}

func (w *watchdog) stop() {
	w.timer.Stop()
	w.stopCtx()
	if w.heap != nil {
		w.heap.stop()
	}
}

// heapWatch samples the process heap while an evaluation runs and calls its exceeded function,
// at most once, when the heap has grown by more than its limit.
type heapWatch struct {
	timer    *time.Timer
	done     chan struct{}
	finished chan struct{}
}

// startHeapWatch watches the heap from now on: its base is taken at once, so what is allocated
// before the sampling starts (heapWatchDelay later) counts.
func startHeapWatch(limit int64, exceeded func()) *heapWatch {
	base := readHeap()
	w := &heapWatch{done: make(chan struct{}), finished: make(chan struct{})}
	w.timer = time.AfterFunc(heapWatchDelay, func() {
		defer close(w.finished)
		w.watch(base, limit, exceeded)
	})
	return w
}

// stop ends the watch; once it returns, exceeded is not called any more.
func (w *heapWatch) stop() {
	close(w.done)
	if !w.timer.Stop() {
		<-w.finished // the watch started: wait for it to see done
	}
}

const heapMetric = "/memory/classes/heap/objects:bytes"

// readHeap returns the bytes of heap objects, live or not yet swept.
func readHeap() int64 {
	sample := []metrics.Sample{{Name: heapMetric}}
	metrics.Read(sample)
	if sample[0].Value.Kind() != metrics.KindUint64 {
		return 0
	}
	return int64(sample[0].Value.Uint64())
}

// watch calls exceeded once the heap has grown by more than limit over base (or over a lower
// level seen since, after a collection).
func (w *heapWatch) watch(base, limit int64, exceeded func()) {
	read := readHeap
	if cur := read(); cur > base+limit {
		exceeded()
		return
	}
	tick := time.NewTicker(heapWatchInterval)
	defer tick.Stop()
	for {
		select {
		case <-w.done:
			return
		case <-tick.C:
			if cur := read(); cur < base {
				base = cur // a collection ran: measure from the new low
			} else if cur-base > limit {
				exceeded()
				return
			}
		}
	}
}
