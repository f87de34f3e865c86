package diagram

import (
	"strconv"

	"github.com/podiumhq/podium/internal/conductor"
)

// Geometry, in pixels. Every block is laid out around a vertical centre line; a sequence
// stacks its blocks on that line with an arrow in each gap.
const (
	charWidth  = 7  // estimated advance of one character of node text
	lineHeight = 15 // one line of node text
	typeHeight = 14 // the small task type label above a node's text
	nodePad    = 8  // vertical padding inside a node
	nodeMinW   = 120
	nodeMaxW   = 240
	maxRunes   = (nodeMaxW - 24) / charWidth // longest text line a node shows
	vGap       = 32                          // between the blocks of a sequence
	colGap     = 24                          // between the columns of a switch or fork
	colMinW    = 60                          // width of an empty column
	branchGap  = 16                          // from a head to its branch bar, from columns to the rejoin
	labelGap   = 26                          // room for a case label above a column
	loopPad    = 12                          // inside a DO_WHILE frame
	loopLane   = 18                          // room for the loop-back arrow, both sides (symmetry)
	termW      = 72                          // start and end nodes
	termH      = 28
	margin     = 16
)

// kind is what a block draws.
type kind int

const (
	kindNode     kind = iota // a task box (or the start/end terminal)
	kindTerminal             // start or end
	kindSeq                  // blocks one below the other
	kindSwitch               // a diamond, one column per case and default, rejoining
	kindFork                 // a fork node, a bar, one column per branch, a merge bar
	kindLoop                 // a DO_WHILE frame around its body
	kindDynamic              // the placeholder column of a FORK_JOIN_DYNAMIC
)

// block is one laid-out piece of the drawing with its size; children are positioned
// relative to it when drawn.
type block struct {
	kind   kind
	task   *conductor.WorkflowTask // nil for terminals, sequences and placeholders
	lines  []string                // text lines of a node or a loop header, already truncated
	label  string                  // terminal text, or the task type label
	w, h   int
	head   *block   // the node atop a switch or fork
	cols   []*block // sequences: switch cases and default, fork branches, loop body
	labels []string // case labels of a switch's columns
	items  []*block // blocks of a sequence
	headH  int      // height of a loop frame's header
}

// builder turns a task tree into blocks, enforcing the depth and size bounds.
type builder struct {
	maxDepth, maxNodes, nodes int
}

// root lays out the whole definition: start, the tasks, end.
func (b *builder) root(tasks []conductor.WorkflowTask) (*block, error) {
	seq, err := b.seq(tasks, 0)
	if err != nil {
		return nil, err
	}
	items := append([]*block{terminal("start")}, seq.items...)
	return sequence(append(items, terminal("end"))), nil
}

// seq lays out a task list.
func (b *builder) seq(tasks []conductor.WorkflowTask, depth int) (*block, error) {
	if depth > b.maxDepth {
		return nil, ErrTooDeep
	}
	items := make([]*block, 0, len(tasks))
	for i := range tasks {
		b.nodes++
		if b.nodes > b.maxNodes {
			return nil, ErrTooLarge
		}
		blk, err := b.task(&tasks[i], depth)
		if err != nil {
			return nil, err
		}
		items = append(items, blk)
	}
	return sequence(items), nil
}

// task lays out one task, recursing into the lists a container holds.
func (b *builder) task(t *conductor.WorkflowTask, depth int) (*block, error) {
	switch t.Type {
	case conductor.TaskTypeSwitch, conductor.TaskTypeDecision:
		keys := sortedCaseKeys(t.DecisionCases)
		lists := make([][]conductor.WorkflowTask, 0, len(keys)+1)
		labels := make([]string, 0, len(keys)+1)
		for _, k := range keys {
			lists = append(lists, t.DecisionCases[k])
			labels = append(labels, caseLabel(k))
		}
		lists = append(lists, t.DefaultCase)
		labels = append(labels, "default")
		return b.branches(kindSwitch, t, lists, labels, depth)
	case conductor.TaskTypeForkJoin, conductor.TaskTypeFork:
		return b.branches(kindFork, t, t.ForkTasks, nil, depth)
	case conductor.TaskTypeForkJoinDynamic:
		col := sequence([]*block{{kind: kindDynamic, lines: []string{"dynamic tasks"}, w: nodeMinW, h: termH + 8}})
		return branchBlock(kindFork, node(t, "dynamic branches"), []*block{col}, []string{"dynamic"}), nil
	case conductor.TaskTypeDoWhile:
		body, err := b.seq(t.LoopOver, depth+1)
		if err != nil {
			return nil, err
		}
		return loop(t, body), nil
	case conductor.TaskTypeSubWorkflow:
		return node(t, subWorkflowLine(t)), nil
	}
	return node(t, ""), nil
}

// branches lays out a switch or a fork whose columns are lists of tasks.
func (b *builder) branches(k kind, t *conductor.WorkflowTask, lists [][]conductor.WorkflowTask, labels []string, depth int) (*block, error) {
	cols := make([]*block, 0, len(lists))
	for _, list := range lists {
		col, err := b.seq(list, depth+1)
		if err != nil {
			return nil, err
		}
		cols = append(cols, col)
	}
	if len(cols) == 0 {
		cols = append(cols, sequence(nil))
	}
	head := node(t, "")
	if k == kindSwitch {
		head.h += 2 * nodePad
		head.w += 40
	}
	return branchBlock(k, head, cols, labels), nil
}

// branchBlock sizes a switch or fork: the head, the branch bar, the labelled columns side by
// side and the rejoin below them.
func branchBlock(k kind, head *block, cols []*block, labels []string) *block {
	blk := &block{kind: k, task: head.task, head: head, cols: cols, labels: labels}
	total, tallest := 0, 0
	for i, c := range cols {
		total += colWidth(c, labels, i)
		tallest = max(tallest, c.h)
	}
	total += colGap * (len(cols) - 1)
	blk.w = max(head.w, total)
	blk.h = head.h + branchGap + labelGap + tallest + branchGap
	if k == kindFork {
		blk.h += 4 // the merge bar
	}
	return blk
}

// colWidth is the width column i takes: its blocks, or its case label if wider.
func colWidth(c *block, labels []string, i int) int {
	w := c.w
	if i < len(labels) {
		w = max(w, textWidth(labels[i])+12)
	}
	return w
}

// loop sizes a DO_WHILE frame: a header naming the task and its condition, then the body.
func loop(t *conductor.WorkflowTask, body *block) *block {
	blk := node(t, "")
	cond := "while (no condition)"
	if t.LoopCondition != nil {
		cond = truncate("while "+*t.LoopCondition, maxRunes)
	}
	blk.kind = kindLoop
	blk.lines = append(blk.lines, cond)
	blk.headH = typeHeight + len(blk.lines)*lineHeight + nodePad
	blk.cols = []*block{body}
	blk.w = max(textWidth(cond)+24, body.w+2*(loopPad+loopLane), blk.w)
	blk.h = blk.headH + vGap + body.h + loopPad + loopPad
	return blk
}

// node sizes a task box: its reference name, its name when different, and extra when set.
func node(t *conductor.WorkflowTask, extra string) *block {
	lines := []string{truncate(t.TaskReferenceName, maxRunes)}
	if t.Name != "" && t.Name != t.TaskReferenceName {
		lines = append(lines, truncate(t.Name, maxRunes))
	}
	if extra != "" {
		lines = append(lines, truncate(extra, maxRunes))
	}
	w := textWidth(t.Type)
	for _, l := range lines {
		w = max(w, textWidth(l))
	}
	return &block{
		kind: kindNode, task: t, lines: lines, label: truncate(t.Type, maxRunes),
		w: min(max(w+24, nodeMinW), nodeMaxW),
		h: typeHeight + len(lines)*lineHeight + nodePad + nodePad/2,
	}
}

// terminal is the start or end node.
func terminal(text string) *block {
	return &block{kind: kindTerminal, label: text, w: termW, h: termH}
}

// sequence sizes blocks stacked with a gap for an arrow between each two.
func sequence(items []*block) *block {
	blk := &block{kind: kindSeq, items: items, w: colMinW}
	for i, it := range items {
		blk.w = max(blk.w, it.w)
		blk.h += it.h
		if i > 0 {
			blk.h += vGap
		}
	}
	return blk
}

// subWorkflowLine names the child a SUB_WORKFLOW starts.
func subWorkflowLine(t *conductor.WorkflowTask) string {
	p := t.SubWorkflowParam
	switch {
	case p == nil || (p.Name == "" && len(p.WorkflowDefinition) > 0):
		if p != nil {
			return "→ inline definition"
		}
		return "→ (no sub-workflow)"
	case p.Version != nil:
		return "→ " + p.Name + " v" + strconv.Itoa(*p.Version)
	}
	return "→ " + p.Name + " (latest)"
}
