package diagram

import (
	"errors"
	"fmt"
	"html/template"
	"strconv"
	"strings"

	"github.com/podiumhq/podium/internal/conductor"
)

// Default bounds of a drawing; see Options.
const (
	DefaultMaxDepth = 64
	DefaultMaxNodes = 10000
)

// Errors Render returns for definitions it refuses to draw.
var (
	// ErrNilDefinition is returned for a nil definition.
	ErrNilDefinition = errors.New("diagram: nil workflow definition")
	// ErrTooDeep is returned when container tasks nest deeper than Options.MaxDepth.
	ErrTooDeep = errors.New("diagram: definition nests too deep to draw")
	// ErrTooLarge is returned when a definition holds more tasks than Options.MaxNodes.
	ErrTooLarge = errors.New("diagram: definition has too many tasks to draw")
)

// Options tunes a drawing. The zero value draws with the default style and limits.
type Options struct {
	// LinkFunc, when set, is called once per task node with its reference name and task; a
	// non-empty result wraps the node in an SVG <a href>. Only relative, http and https URLs
	// are used; anything else (javascript:, data:, …) is dropped. Typical use: link a
	// SUB_WORKFLOW to the child execution, any task to its detail page.
	LinkFunc func(ref string, task *conductor.WorkflowTask) string
	// MaxDepth bounds how deep container tasks (SWITCH, FORK_JOIN, DO_WHILE) may nest;
	// 0 means DefaultMaxDepth.
	MaxDepth int
	// MaxNodes bounds the number of tasks drawn; 0 means DefaultMaxNodes.
	MaxNodes int
	// NoStyle leaves out the default <style> element, for pages that link Stylesheet (or
	// their own rules for the classes documented in the package comment) once.
	NoStyle bool
}

// Render draws def as an SVG element ready to be embedded in an HTML page. status, which
// may be nil, colours each node by the status of its task (see NormalizeStatus for how
// DO_WHILE iteration keys "ref__N" are folded). The output depends only on its inputs.
func Render(def *conductor.WorkflowDef, status map[string]conductor.TaskStatus, opts Options) (template.HTML, error) {
	if def == nil {
		return "", ErrNilDefinition
	}
	b := &builder{
		maxDepth: cmpOr(opts.MaxDepth, DefaultMaxDepth),
		maxNodes: cmpOr(opts.MaxNodes, DefaultMaxNodes),
	}
	root, err := b.root(def.Tasks)
	if err != nil {
		return "", err
	}
	d := &drawer{nodes: b.nodes, status: NormalizeStatus(status), link: opts.LinkFunc}
	d.svg(def, root, !opts.NoStyle)
	// Safe as HTML: svgWriter escapes every string that does not come from this package.
	return template.HTML(d.w.String()), nil
}

// NormalizeStatus folds a status map keyed by reference name into one keyed by base
// reference name: a DO_WHILE iteration key "ref__N" (or "ref__N__M" in nested loops) counts
// for "ref", and the last iteration wins — iterations compare numerically, outer loop
// first, and any iteration key beats the plain key "ref". Keys without a suffix are kept.
func NormalizeStatus(status map[string]conductor.TaskStatus) map[string]conductor.TaskStatus {
	out := make(map[string]conductor.TaskStatus, len(status))
	best := make(map[string]string, len(status))
	for key, s := range status {
		base, _, loop := strings.Cut(key, "__")
		if !loop {
			if _, seen := best[base]; !seen {
				out[base] = s
			}
			continue
		}
		if prev, seen := best[base]; seen && !laterIteration(key, prev) {
			continue
		}
		best[base] = key
		out[base] = s
	}
	return out
}

// laterIteration reports whether loop key a ("ref__2__3") is a later iteration than loop key
// b, comparing iteration numbers outer first; equal numbers fall back to the key text so the
// result never depends on map order.
func laterIteration(a, b string) bool {
	as, bs := strings.Split(a, "__")[1:], strings.Split(b, "__")[1:]
	for i := 0; i < len(as) && i < len(bs); i++ {
		an, _ := strconv.Atoi(as[i])
		bn, _ := strconv.Atoi(bs[i])
		if an != bn {
			return an > bn
		}
	}
	if len(as) != len(bs) {
		return len(as) > len(bs)
	}
	return a > b
}

// cmpOr returns v, or def when v is not positive.
func cmpOr(v, def int) int {
	if v > 0 {
		return v
	}
	return def
}

// title is the accessible name of a definition's drawing.
func title(def *conductor.WorkflowDef) string {
	return fmt.Sprintf("Workflow %s version %d", def.Name, def.Version)
}
