package decide

import (
	"slices"
	"strconv"
	"strings"

	"github.com/podiumhq/podium/internal/conductor"
)

// container is a fork or a loop holding the task a rerun starts from: its node, its attempt's
// reference name, and, for a fork, the branch holding the task.
type container struct {
	node   *conductor.TaskNode
	ref    string
	branch int
	// iteration is, for a loop, the iteration holding the task.
	iteration int
}

// RerunFrom prepares an ended workflow to run again from attempt from (which the caller then
// resets): every later attempt is deleted, except those of the other branches of the forks
// holding it, which keep their progress (their unsuccessful tasks are attempted again); the
// JOINs of those forks and the loops holding it are reopened in place, a loop in the iteration
// of from. The workflow is RUNNING again, with input as its new input when given.
func (d *Decision) RerunFrom(from *Attempt, input map[string]any) {
	d.loadDormant()
	d.loadHistory()
	d.load(d.Tasks...)
	holders := d.containersOf(from.Task.ReferenceTaskName)
	var drop, reattempt, reopen []*Attempt
	for _, a := range d.Tasks {
		switch {
		case a == from:
		case d.isJoinOf(a, holders):
			reopen = append(reopen, a)
		case d.inOtherBranch(a, holders):
			switch t := a.Task; {
			case Reopens(t.TaskType) && t.Status.IsTerminal() && !t.Status.IsSuccessful():
				reopen = append(reopen, a) // a JOIN or loop of that branch, ended with the workflow
			case needsAnotherAttempt(a):
				reattempt = append(reattempt, a)
			}
		case a.Task.Seq > from.Task.Seq:
			drop = append(drop, a)
		}
	}
	d.Remove(drop...)
	for _, h := range holders {
		if h.node.Task.Type != conductor.TaskTypeDoWhile {
			continue
		}
		if loop := d.loaded(h.ref); loop != nil {
			out := compactLoopOutput(d.RealTaskOutput(loop))
			out["iteration"] = h.iteration
			loop.Task.Iteration = h.iteration
			d.SetTaskOutput(loop, out)
			reopen = append(reopen, loop)
		}
	}
	for _, a := range reopen {
		d.ReopenInPlace(a)
	}
	for _, a := range reattempt {
		d.Reattempt(a)
	}
	d.reopenWorkflow(input)
}

// needsAnotherAttempt reports whether a kept attempt of another branch ended without success
// and was not attempted again: the rerun gives it a new attempt.
func needsAnotherAttempt(a *Attempt) bool {
	t := a.Task
	return !t.Retried && t.Status.IsTerminal() && !t.Status.IsSuccessful() && !Reopens(t.TaskType) && t.TaskType != conductor.TaskTypeFork
}

// containersOf lists the forks and loops holding ref, innermost first, with the reference
// names their attempts have.
func (d *Decision) containersOf(ref string) []container {
	base, _, _ := CutLoopSuffix(ref)
	suffix := ctxOf(ref).suffix
	var out []container
	child := d.index.Node(base)
	for child != nil && child.Parent != nil {
		p := child.Parent
		switch p.Task.Type {
		case conductor.TaskTypeForkJoin:
			branch := -1
			for i, list := range p.Task.ForkTasks {
				if len(list) > 0 && len(child.List) > 0 && &list[0] == &child.List[0] {
					branch = i
				}
			}
			out = append(out, container{node: p, ref: p.Task.TaskReferenceName + suffix, branch: branch})
		case conductor.TaskTypeDoWhile:
			// The loop's attempt lives in the context its innermost iteration is cut from.
			last := strings.LastIndex(suffix, "__")
			n := 0
			if last >= 0 {
				n, _ = strconv.Atoi(suffix[last+2:])
				suffix = suffix[:last]
			}
			out = append(out, container{node: p, ref: p.Task.TaskReferenceName + suffix, iteration: n})
		}
		child = p
	}
	return out
}

// inOtherBranch reports whether a belongs to a fork holding the rerun task, on another branch
// than the task's (and in the same loop iteration).
func (d *Decision) inOtherBranch(a *Attempt, holders []container) bool {
	base, _, _ := CutLoopSuffix(a.Task.ReferenceTaskName)
	n := d.index.Node(base)
	for _, h := range holders {
		if h.node.Task.Type != conductor.TaskTypeForkJoin {
			continue
		}
		forkSuffix := ctxOf(h.ref).suffix
		if !strings.HasPrefix(ctxOf(a.Task.ReferenceTaskName).suffix, forkSuffix) {
			continue
		}
		for child := n; child != nil && child.Parent != nil; child = child.Parent {
			if child.Parent == h.node {
				return slices.IndexFunc(h.node.Task.ForkTasks, func(list []conductor.WorkflowTask) bool {
					return len(list) > 0 && len(child.List) > 0 && &list[0] == &child.List[0]
				}) != h.branch
			}
		}
	}
	return false
}

// isJoinOf reports whether a is the JOIN of a fork holding the rerun task.
func (d *Decision) isJoinOf(a *Attempt, holders []container) bool {
	if a.Task.TaskType != conductor.TaskTypeJoin {
		return false
	}
	for _, h := range holders {
		if h.node.Task.Type == conductor.TaskTypeForkJoin {
			if join := d.joinAfter(h.node.Task); join != nil && join.TaskReferenceName+ctxOf(h.ref).suffix == a.Task.ReferenceTaskName {
				return true
			}
		}
	}
	return false
}
