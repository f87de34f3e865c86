package conductor

import (
	"runtime"
	"strings"
	"sync"
	"weak"
)

// DefIndex locates every task of one workflow definition, nested tasks included, by its
// reference name, with its place in the tree. Build it with IndexOf.
type DefIndex struct {
	nodes map[string]*TaskNode
}

// TaskNode is one task of a definition and its place: the list holding it, its position in
// that list and the task whose child list that is (nil at the top level).
type TaskNode struct {
	Task     *WorkflowTask
	List     []WorkflowTask
	Position int
	Parent   *TaskNode
}

// Node returns the node whose reference name is exactly ref, or nil.
func (ix *DefIndex) Node(ref string) *TaskNode { return ix.nodes[ref] }

// Task finds the task whose reference name is ref (or, for a DO_WHILE iteration copy
// "ref__N", ref); nil when absent.
func (ix *DefIndex) Task(ref string) *WorkflowTask {
	if base, _, ok := strings.Cut(ref, "__"); ok {
		ref = base
	}
	if n := ix.nodes[ref]; n != nil {
		return n.Task
	}
	return nil
}

// Len is the number of tasks indexed.
func (ix *DefIndex) Len() int { return len(ix.nodes) }

// NewDefIndex builds the index of def. The first task of a reference name wins, in
// definition order (nested tasks right after the task that holds them).
func NewDefIndex(def *WorkflowDef) *DefIndex {
	ix := &DefIndex{nodes: map[string]*TaskNode{}}
	var walk func(list []WorkflowTask, parent *TaskNode)
	walk = func(list []WorkflowTask, parent *TaskNode) {
		for i := range list {
			n := &TaskNode{Task: &list[i], List: list, Position: i, Parent: parent}
			if _, dup := ix.nodes[list[i].TaskReferenceName]; !dup {
				ix.nodes[list[i].TaskReferenceName] = n
			}
			for _, child := range list[i].Children() {
				walk(child, n)
			}
		}
	}
	if def != nil {
		walk(def.Tasks, nil)
	}
	return ix
}

// indexes caches the index of each definition IndexOf was asked for, for as long as the
// definition itself is alive: an entry is dropped when its definition is collected.
var indexes sync.Map // weak.Pointer[WorkflowDef] → *DefIndex

// IndexOf returns the index of def, built once per definition and kept with it. def must not
// change once indexed: callers index shared, read-only definition snapshots.
func IndexOf(def *WorkflowDef) *DefIndex {
	key := weak.Make(def)
	if ix, ok := indexes.Load(key); ok {
		return ix.(*DefIndex)
	}
	ix, loaded := indexes.LoadOrStore(key, NewDefIndex(def))
	if !loaded {
		runtime.AddCleanup(def, func(k weak.Pointer[WorkflowDef]) { indexes.Delete(k) }, key)
	}
	return ix.(*DefIndex)
}
