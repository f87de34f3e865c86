package systask

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/big"
	"strings"
	"sync"
	"time"

	"github.com/dop251/goja"
	"github.com/dop251/goja/parser"
	"github.com/podiumhq/podium/internal/conductor"
	"github.com/podiumhq/podium/internal/defaults"
)

// Script limit defaults, applied to the zero fields of ScriptLimits.
const (
	// ScriptTimeoutDefault is Conductor's CONDUCTOR_SCRIPT_MAX_EXECUTION_SECONDS default.
	ScriptTimeoutDefault = 4 * time.Second
	// ScriptMaxCallStackSizeDefault bounds the depth of nested function calls.
	ScriptMaxCallStackSizeDefault = 1024
	// ScriptMaxStringLengthDefault caps the strings String.prototype.repeat, padStart, padEnd and
	// Array.prototype.join may build in one call, in UTF-16 code units.
	ScriptMaxStringLengthDefault = 32 << 20
	// ScriptMaxArrayLengthDefault caps the arrays Array.prototype.fill and Array.from may fill in
	// one call.
	ScriptMaxArrayLengthDefault = 1 << 24
	// ScriptMaxHeapGrowthDefault is how much the Go heap may grow while a long script runs,
	// at most: the default is 128 times MaxResultBytes, from ScriptMinHeapGrowthDefault up to it.
	ScriptMaxHeapGrowthDefault = 256 << 20
	// ScriptMinHeapGrowthDefault is the smallest default heap growth.
	ScriptMinHeapGrowthDefault = 128 << 20
	// ScriptMaxResultBytesDefault bounds a script's result: the engine's default payload limit.
	ScriptMaxResultBytesDefault = 1 << 20
)

// Internal script knobs.
const (
	// heapWatchDelay is how long a script runs before its heap growth is watched; nearly every
	// script ends sooner, so they never pay for the watch. It is short because a script that
	// doubles a string doubles what one step allocates: the watch must see the first steps.
	heapWatchDelay = time.Millisecond
	// heapWatchInterval is the heap sampling period once watching.
	heapWatchInterval = time.Millisecond
	// abandonGrace is how long past its time limit EvalScript waits for a script stuck inside
	// one native call (which an interrupt cannot stop) before giving up on it.
	abandonGrace = time.Second
	// maxInputDepth bounds the nesting of the input converted to JavaScript values.
	maxInputDepth = 10_000
	// maxScriptErrorLength bounds the text of a ScriptError.
	maxScriptErrorLength = 1000
	// minRedactedLength is the shortest input string scrubbed from error messages.
	minRedactedLength = 8
	// programCacheSize bounds the compiled-script cache; it is emptied when full.
	programCacheSize = 1024
	// programCacheMaxExpression is the longest expression cached, in bytes.
	programCacheMaxExpression = 16 << 10
)

// ScriptLimits bounds one script evaluation. Zero fields take the XxxDefault values; a negative
// MaxHeapGrowth turns the heap watch off.
//
// Memory is bounded on a best-effort basis only, since goja has no allocation accounting:
//   - String.prototype.repeat, padStart, padEnd and Array.prototype.join refuse results longer
//     than MaxStringLength, and Array.prototype.fill and Array.from refuse ranges longer than
//     MaxArrayLength, with a RangeError, before they allocate;
//   - typed arrays and ArrayBuffer, which allocate their whole length at once, are not available;
//   - once a script has run for 1 ms, the process heap is sampled every 1 ms and the script is
//     interrupted when it has grown by more than MaxHeapGrowth since the script started. The heap is the whole process's,
//     so a busy server may stop a long script early, and one native call (a join over many
//     references to one huge string, say) can still allocate a lot before the next sample.
//
// An interrupt takes effect between JavaScript instructions, not inside a native built-in: a
// script stuck in one (a catastrophic backtracking regular expression, say) is abandoned a second
// after its time limit, so the caller gets its error, but the goroutine runs on until the call
// returns.
type ScriptLimits struct {
	// Timeout bounds the run time (ScriptTimeoutDefault).
	Timeout time.Duration
	// MaxCallStackSize bounds the call depth (ScriptMaxCallStackSizeDefault).
	MaxCallStackSize int
	// MaxStringLength caps strings built by one native call (ScriptMaxStringLengthDefault).
	MaxStringLength int
	// MaxArrayLength caps arrays filled by one native call (ScriptMaxArrayLengthDefault).
	MaxArrayLength int
	// MaxHeapGrowth is the heap growth, in bytes, that interrupts a long script (128 times
	// MaxResultBytes, from ScriptMinHeapGrowthDefault to ScriptMaxHeapGrowthDefault).
	MaxHeapGrowth int64
	// MaxResultBytes bounds the result's JSON text (ScriptMaxResultBytesDefault). It is checked
	// while the result is exported, before its text is built: a string result by its length,
	// an object's members as JSON.stringify visits them. Lengths count UTF-16 code units, never
	// more than the bytes of the text, so a result within the limit is never refused.
	MaxResultBytes int64
}

func (l ScriptLimits) withDefaults() ScriptLimits {
	l.Timeout = defaults.Positive(l.Timeout, ScriptTimeoutDefault)
	l.MaxCallStackSize = defaults.Positive(l.MaxCallStackSize, ScriptMaxCallStackSizeDefault)
	l.MaxStringLength = defaults.Positive(l.MaxStringLength, ScriptMaxStringLengthDefault)
	l.MaxArrayLength = defaults.Positive(l.MaxArrayLength, ScriptMaxArrayLengthDefault)
	l.MaxResultBytes = defaults.Positive(l.MaxResultBytes, ScriptMaxResultBytesDefault)
	if l.MaxHeapGrowth == 0 {
		l.MaxHeapGrowth = min(max(128*l.MaxResultBytes, ScriptMinHeapGrowthDefault), ScriptMaxHeapGrowthDefault)
	}
	return l
}

// ScriptError is a failure of the script itself: a syntax error, an uncaught exception, a broken
// limit or a result that is not JSON. Its message never quotes the input: input strings of 8 or
// more characters that a message happens to contain are replaced by ***.
type ScriptError struct {
	Message string
}

func (e *ScriptError) Error() string { return e.Message }

// ErrScriptInterrupted is wrapped, together with the context's error, by the error EvalScript
// returns when its context ends first. It is the caller's interruption, not the script's failure.
var ErrScriptInterrupted = errors.New("script evaluation interrupted")

// interruptCause is what the watchdog passes to goja's Interrupt.
type interruptCause int

const (
	causeTimeout interruptCause = iota + 1
	causeContext
	causeMemory
)

// EvalScript evaluates expression as JavaScript (ECMAScript 2015+ in sloppy mode) with $ bound to
// a deep copy of input, and returns the script's completion value as a plain JSON value: nil,
// bool, string, int64 (whole numbers that fit), float64, []any or map[string]any. Objects are
// converted as JSON.stringify does (functions and undefined members dropped, Dates as ISO
// strings); NaN and ±Infinity become nil.
//
// Inputs may hold json.Number: JavaScript numbers are float64, so integers beyond ±2^53 lose
// precision on the way in.
//
// The script sees the ECMAScript built-ins and a console whose methods do nothing; nothing of the
// host. Every call gets a fresh runtime, so nothing a script defines survives it. A failure of
// the script is a *ScriptError; when ctx ends first the error wraps ErrScriptInterrupted and
// ctx's error.
func EvalScript(ctx context.Context, expression string, input map[string]any, limits ScriptLimits) (any, error) {
	if err := ctx.Err(); err != nil {
		return nil, interrupted(ctx)
	}
	limits = limits.withDefaults()
	prg, err := compileScript(expression)
	if err != nil {
		return nil, newScriptError(err.Error(), input)
	}

	type outcome struct {
		value any
		err   error
	}
	done := make(chan outcome, 1)
	ev := &evaluation{limits: limits, input: input}
	go func() {
		defer func() {
			if p := recover(); p != nil {
				done <- outcome{err: newScriptError(fmt.Sprintf("script engine failure: %v", p), input)}
			}
		}()
		v, err := ev.run(ctx, prg)
		done <- outcome{v, err}
	}()

	abandon := time.NewTimer(limits.Timeout + abandonGrace)
	defer abandon.Stop()
	select {
	case o := <-done:
		return o.value, o.err
	case <-abandon.C:
		return nil, &ScriptError{Message: fmt.Sprintf("script timed out after %s (stuck in a built-in call)", limits.Timeout)}
	case <-ctx.Done():
		// Give the interrupt a moment to land, so a quick script still reports normally.
		select {
		case o := <-done:
			return o.value, o.err
		case <-time.After(abandonGrace):
			return nil, interrupted(ctx)
		}
	}
}

// ScriptBool coerces a loop condition's result as Conductor does: a bool as is, a number > 0 is
// true, anything else false.
func ScriptBool(v any) bool {
	switch x := v.(type) {
	case bool:
		return x
	case int64:
		return x > 0
	case int:
		return x > 0
	case float64:
		return x > 0
	case json.Number:
		f, err := x.Float64()
		return err == nil && f > 0
	}
	return false
}

func interrupted(ctx context.Context) error {
	return fmt.Errorf("%w: %w", ErrScriptInterrupted, context.Cause(ctx))
}

// programCache maps expressions to compiled programs, which goja lets runtimes share.
var programCache = struct {
	sync.Mutex
	programs map[string]*goja.Program
}{programs: map[string]*goja.Program{}}

func compileScript(expression string) (*goja.Program, error) {
	programCache.Lock()
	prg, ok := programCache.programs[expression]
	programCache.Unlock()
	if ok {
		return prg, nil
	}
	// Source maps off: otherwise a sourceMappingURL comment makes the parser read a local file.
	ast, err := goja.Parse("script", expression, parser.WithDisableSourceMaps)
	if err == nil {
		prg, err = goja.CompileAST(ast, false)
	}
	if err != nil {
		return nil, syntaxError(err)
	}
	if len(expression) > programCacheMaxExpression {
		return prg, nil
	}
	programCache.Lock()
	if len(programCache.programs) >= programCacheSize {
		clear(programCache.programs)
	}
	programCache.programs[expression] = prg
	programCache.Unlock()
	return prg, nil
}

// syntaxError turns a goja compile error into "script syntax error: Line 1:5 Unexpected …".
func syntaxError(err error) error {
	msg := err.Error()
	var se *goja.CompilerSyntaxError
	if errors.As(err, &se) {
		msg = se.Message
	}
	msg = strings.TrimPrefix(msg, "SyntaxError: ")
	msg = strings.TrimPrefix(msg, "script: ")
	return errors.New("script syntax error: " + msg)
}

// evaluation is one script run on its own runtime.
type evaluation struct {
	limits ScriptLimits
	input  map[string]any

	vm *goja.Runtime
}

func (e *evaluation) run(ctx context.Context, prg *goja.Program) (any, error) {
	e.vm = goja.New()
	e.vm.SetParserOptions(parser.WithDisableSourceMaps) // for eval and Function
	e.vm.SetMaxCallStackSize(e.limits.MaxCallStackSize)
	if err := e.harden(); err != nil {
		return nil, err
	}
	dollar, err := toJS(e.vm, e.input, 0)
	if err != nil {
		return nil, err
	}
	if err := e.vm.Set("$", dollar); err != nil {
		return nil, fmt.Errorf("binding $: %w", err)
	}

	w := startWatchdog(ctx, e.vm, e.limits)
	defer w.stop()
	v, err := e.vm.RunProgram(prg)
	if err != nil {
		return nil, e.fail(ctx, err, "script error")
	}
	return e.export(ctx, v)
}

// fail turns an error out of the runtime into the error EvalScript returns; what names the
// failing step in exception messages.
func (e *evaluation) fail(ctx context.Context, err error, what string) error {
	var ie *goja.InterruptedError
	if errors.As(err, &ie) {
		switch ie.Value() {
		case causeContext:
			return interrupted(ctx)
		case causeTimeout:
			return &ScriptError{Message: fmt.Sprintf("script timed out after %s", e.limits.Timeout)}
		case causeMemory:
			return &ScriptError{Message: fmt.Sprintf("script exceeded the memory limit (heap grew by more than %d MiB)",
				e.limits.MaxHeapGrowth>>20)}
		}
	}
	var so *goja.StackOverflowError
	if errors.As(err, &so) {
		return &ScriptError{Message: fmt.Sprintf("script exceeded the maximum call stack size of %d frames", e.limits.MaxCallStackSize)}
	}
	var ex *goja.Exception
	if errors.As(err, &ex) {
		msg := e.describe(ex.Value())
		for _, frame := range ex.Stack() {
			if frame.SrcName() == "script" {
				pos := frame.Position()
				msg += fmt.Sprintf(" (line %d, column %d)", pos.Line, pos.Column)
				break
			}
		}
		return newScriptError(what+": "+msg, e.input)
	}
	return newScriptError(what+": "+err.Error(), e.input)
}

// describe renders a thrown value as "Name: message" for errors, else as its string form.
func (e *evaluation) describe(thrown goja.Value) string {
	msg := "uncaught exception"
	_ = e.protect(func() {
		if obj, ok := thrown.(*goja.Object); ok && obj.ClassName() == "Error" {
			msg = obj.Get("name").String() + ": " + obj.Get("message").String()
		} else {
			msg = thrown.String()
		}
	})
	return msg
}

// protect runs f, which may run JavaScript (getters, toString, toJSON), outside the script and
// returns what it threw, including an interrupt.
func (e *evaluation) protect(f func()) (err error) {
	defer func() {
		if p := recover(); p != nil {
			if perr, ok := p.(error); ok {
				err = perr
				return
			}
			panic(p)
		}
	}()
	if ex := e.vm.Try(f); ex != nil {
		return ex
	}
	return nil
}

// export converts the completion value to a plain JSON value.
func (e *evaluation) export(ctx context.Context, v goja.Value) (any, error) {
	if v == nil || goja.IsUndefined(v) || goja.IsNull(v) {
		return nil, nil
	}
	if _, isSymbol := v.(*goja.Symbol); isSymbol {
		return nil, nil
	}
	obj, isObject := v.(*goja.Object)
	if !isObject {
		if str, isString := v.(goja.String); isString && int64(str.Length()) > e.limits.MaxResultBytes {
			return nil, e.resultTooLarge(int64(str.Length()))
		}
		switch x := v.Export().(type) {
		case bool, string, int64:
			return x, nil
		case float64:
			return normalizeFloat(x), nil
		case *big.Int:
			if x.IsInt64() {
				return x.Int64(), nil
			}
			return x.String(), nil
		}
		return nil, nil
	}
	if _, isFunc := goja.AssertFunction(obj); isFunc {
		return nil, nil
	}
	// JSON.stringify is looked up only now: a script that replaced it chose its own result, and
	// anything it runs is still under the watchdog.
	// The replacer counts what the text will hold and stops JSON.stringify once it is over the
	// limit, so a result that is too large is never built.
	budget := &resultBudget{limit: e.limits.MaxResultBytes}
	replacer := e.vm.ToValue(func(c goja.FunctionCall) goja.Value { return budget.visit(e.vm, c) })
	var s goja.Value
	err := e.protect(func() {
		stringify, ok := goja.AssertFunction(e.vm.Get("JSON").ToObject(e.vm).Get("stringify"))
		if !ok {
			panic(e.vm.NewTypeError("JSON.stringify is not a function"))
		}
		var err error
		if s, err = stringify(goja.Undefined(), obj, replacer); err != nil {
			panic(err)
		}
	})
	if budget.exceeded {
		return nil, e.resultTooLarge(budget.used)
	}
	if err != nil {
		return nil, e.fail(ctx, err, "script result is not JSON")
	}
	if goja.IsUndefined(s) {
		return nil, nil
	}
	if str, isString := s.(goja.String); isString && int64(str.Length()) > e.limits.MaxResultBytes {
		return nil, e.resultTooLarge(int64(str.Length())) // a JSON.stringify of the script's own
	}
	dec := json.NewDecoder(strings.NewReader(s.String()))
	dec.UseNumber()
	var out any
	if err := dec.Decode(&out); err != nil {
		return nil, &ScriptError{Message: "script result is not JSON: " + err.Error()}
	}
	return normalizeNumbers(out), nil
}

// resultTooLarge is the error of a result of at least size bytes, over the limit.
func (e *evaluation) resultTooLarge(size int64) error {
	return &ScriptError{Message: fmt.Sprintf("script result of at least %d bytes is greater than the permissible limit: %d bytes",
		size, e.limits.MaxResultBytes)}
}

// resultBudget is a JSON.stringify replacer's count of the text built so far: a lower bound of
// its length, from the lengths of strings and keys.
type resultBudget struct {
	limit, used int64
	exceeded    bool
}

// visit is the replacer: it returns the value unchanged (a String object as its string, which
// JSON.stringify writes the same) after counting it, and throws once the count is over the limit.
func (b *resultBudget) visit(vm *goja.Runtime, c goja.FunctionCall) goja.Value {
	key, value := c.Argument(0), c.Argument(1)
	if holder, ok := c.This.(*goja.Object); ok && holder.ClassName() == "Array" {
		b.used++ // the comma
	} else {
		b.used += int64(stringLength(key)) + 3 // "key":
	}
	if obj, ok := value.(*goja.Object); ok && obj.ClassName() == "String" {
		value = obj.ToString()
	}
	switch v := value.(type) {
	case goja.String:
		b.used += int64(v.Length()) + 2
	case *goja.Object:
		b.used += 2
	default:
		b.used++
	}
	if b.used > b.limit {
		b.exceeded = true
		panic(vm.NewTypeError("script result is too large"))
	}
	return value
}

// normalizeFloat returns f as an int64 when it is whole and fits, as Conductor returns an int.
func normalizeFloat(f float64) any {
	switch {
	case math.IsNaN(f) || math.IsInf(f, 0):
		return nil
	case f == math.Trunc(f) && f >= -(1<<63) && f < 1<<63:
		return int64(f)
	}
	return f
}

func normalizeNumbers(v any) any {
	switch x := v.(type) {
	case json.Number:
		if i, err := x.Int64(); err == nil {
			return i
		}
		f, _ := x.Float64()
		return normalizeFloat(f)
	case map[string]any:
		for k, e := range x {
			x[k] = normalizeNumbers(e)
		}
	case []any:
		for i, e := range x {
			x[i] = normalizeNumbers(e)
		}
	}
	return v
}

// toJS deep-copies a JSON-like Go value into native JavaScript values, so the script never holds
// a Go object.
func toJS(vm *goja.Runtime, v any, depth int) (goja.Value, error) {
	if depth > maxInputDepth {
		return nil, &ScriptError{Message: "script input is nested too deeply"}
	}
	switch x := v.(type) {
	case nil:
		return goja.Null(), nil
	case string:
		return vm.ToValue(x), nil
	case bool:
		return vm.ToValue(x), nil
	case json.Number:
		// JavaScript numbers are float64: integers beyond ±2^53 lose precision here.
		if i, err := x.Int64(); err == nil {
			return vm.ToValue(i), nil
		}
		if f, err := x.Float64(); err == nil {
			return vm.ToValue(f), nil
		}
		return vm.ToValue(x.String()), nil
	case int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64, float32, float64:
		return vm.ToValue(x), nil
	case map[string]any:
		obj := vm.NewObject()
		for k, e := range x {
			jv, err := toJS(vm, e, depth+1)
			if err != nil {
				return nil, err
			}
			// Define, not Set: a "__proto__" key must become an own property, as JSON.parse does.
			if err := obj.DefineDataProperty(k, jv, goja.FLAG_TRUE, goja.FLAG_TRUE, goja.FLAG_TRUE); err != nil {
				return nil, fmt.Errorf("copying script input: %w", err)
			}
		}
		return obj, nil
	case []any:
		items := make([]any, len(x))
		for i, e := range x {
			jv, err := toJS(vm, e, depth+1)
			if err != nil {
				return nil, err
			}
			items[i] = jv
		}
		return vm.NewArray(items...), nil
	}
	// Any other type (typed slices and maps, structs): take its JSON form.
	data, err := json.Marshal(v)
	if err != nil {
		return nil, &ScriptError{Message: fmt.Sprintf("script input of type %T is not JSON", v)}
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var generic any
	if err := dec.Decode(&generic); err != nil {
		return nil, &ScriptError{Message: fmt.Sprintf("script input of type %T is not JSON", v)}
	}
	return toJS(vm, generic, depth)
}

// newScriptError builds a ScriptError whose message is truncated and scrubbed of input strings.
func newScriptError(msg string, input map[string]any) *ScriptError {
	msg = redact(msg, input)
	return &ScriptError{Message: conductor.Truncate(msg, maxScriptErrorLength)}
}

// redact replaces every input string of minRedactedLength or more characters found in msg.
func redact(msg string, input any) string {
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case string:
			if len(x) >= minRedactedLength && strings.Contains(msg, x) {
				msg = strings.ReplaceAll(msg, x, "***")
			}
		case map[string]any:
			for _, e := range x {
				walk(e)
			}
		case []any:
			for _, e := range x {
				walk(e)
			}
		}
	}
	walk(input)
	return msg
}
