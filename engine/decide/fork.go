package decide

import (
	"strings"

	"github.com/podiumhq/podium/internal/conductor"
)

// scheduleFork schedules a FORK_JOIN in one go, as Conductor's fork mapper does: the FORK
// attempt (COMPLETED at once), the first task of every branch and the JOIN that follows the
// fork in the definition, in that order.
func (d *Decision) scheduleFork(wt *conductor.WorkflowTask, fork *Attempt) {
	join := d.forkAttempt(wt, fork, forkWithoutJoin)
	if join == nil {
		return
	}
	t := fork.Task
	t.Status, t.StartTime, t.EndTime = conductor.TaskCompleted, d.Now.UnixMilli(), d.Now.UnixMilli()
	// Its successors are scheduled here, not when the decider walks past it.
	t.Executed = true
	d.Add(fork)
	c := ctxOf(t.ReferenceTaskName)
	for i := range wt.ForkTasks {
		if branch := wt.ForkTasks[i]; len(branch) > 0 {
			d.scheduleIn(&branch[0], c)
		}
	}
	d.scheduleIn(join, c)
}

// forkAttempt makes fork the FORK attempt of the fork wt and returns the JOIN that follows wt.
// When its input could not be evaluated, or no JOIN follows (the reason noJoin), it adds the
// failed attempt, with which the decider fails the workflow, and returns nil.
func (d *Decision) forkAttempt(wt *conductor.WorkflowTask, fork *Attempt, noJoin string) *conductor.WorkflowTask {
	t := fork.Task
	t.TaskType, t.TaskDefName = conductor.TaskTypeFork, conductor.TaskTypeFork
	join := d.joinAfter(wt)
	if t.Status.IsTerminal() || join == nil {
		if !t.Status.IsTerminal() {
			d.Finish(fork, conductor.TaskFailedWithTerminalError, noJoin)
		}
		d.Add(fork)
		return nil
	}
	return join
}

// forkWithoutJoin is the reason of a fork whose definition has no JOIN right after it (which
// registration refuses).
const forkWithoutJoin = "Fork task definition is not followed by a join task.  Check the blueprint"

// joinAfter is the JOIN that follows the fork wt in its task list, or nil.
func (d *Decision) joinAfter(wt *conductor.WorkflowTask) *conductor.WorkflowTask {
	n := d.index.Node(wt.TaskReferenceName)
	if n == nil || n.Position+1 >= len(n.List) || n.List[n.Position+1].Type != conductor.TaskTypeJoin {
		return nil
	}
	return &n.List[n.Position+1]
}

// evaluateJoins decides the JOIN tasks waiting on their branches. It reports whether any
// finished.
func (d *Decision) evaluateJoins() bool {
	done := false
	for _, rec := range d.liveTasks() {
		t := rec.Task
		if t.Status != conductor.TaskInProgress {
			continue
		}
		switch {
		case t.TaskType == conductor.TaskTypeJoin && d.evaluateJoin(rec),
			t.TaskType == conductor.TaskTypeExclusiveJoin && d.evaluateExclusiveJoin(rec):
			done = true
		}
	}
	return done
}

// evaluateJoin applies Conductor's JOIN rules once: it completes when every task it joins on
// is terminal, its output the joined tasks' outputs by reference name; it fails as soon as one
// of them failed for good (permissive ones once all are terminal); optional failures make it
// COMPLETED_WITH_ERRORS. It reports whether the JOIN finished.
func (d *Decision) evaluateJoin(rec *Attempt) bool {
	refs := d.joinRefs(rec)
	// Cheap first: a joined task still pending in the decision means waiting, without reading
	// the history.
	pending := make(map[string]bool, len(refs))
	for _, ref := range refs {
		pending[ref] = false
	}
	for _, a := range d.live {
		if _, joined := pending[a.Task.ReferenceTaskName]; joined && !a.Task.Status.IsTerminal() && !a.Task.Retried {
			return false
		}
	}
	if d.pendingAmong(refs, nil) {
		return false // a joined task waits in a queue or runs on a worker
	}
	joined := d.latestOf(refs)
	allTerminal := true
	for _, ref := range refs {
		if a := joined[ref]; a == nil || !a.Task.Status.IsTerminal() {
			allTerminal = false
		}
	}
	var failed []*Attempt
	for _, ref := range refs {
		a := joined[ref]
		if a == nil || a.Task.Status.IsSuccessful() || !a.Task.Status.IsTerminal() {
			continue
		}
		wt := a.Task.WorkflowTask
		if wt != nil && wt.Optional {
			continue
		}
		if wt == nil || !wt.Permissive || allTerminal {
			failed = append(failed, a)
		}
	}
	if len(failed) > 0 {
		d.failJoin(rec, refs, joined, failed[0].Task.ReferenceTaskName)
		return true
	}
	if !allTerminal {
		return false
	}
	all := make([]*Attempt, 0, len(refs))
	for _, ref := range refs {
		all = append(all, joined[ref])
	}
	d.load(all...)
	out := map[string]any{}
	var optionalFailures []string
	for _, ref := range refs {
		a := joined[ref]
		if o := d.RealTaskOutput(a); len(o) > 0 {
			out[ref] = o
		}
		if a.Task.Status == conductor.TaskCompletedWithErrors && a.Task.WorkflowTask != nil && a.Task.WorkflowTask.Optional {
			optionalFailures = append(optionalFailures, a.Task.TaskDefName+"/"+a.Task.TaskID)
		}
	}
	if !d.recordOutput(rec, out, conductor.TaskCompleted) {
		return true
	}
	if len(optionalFailures) > 0 {
		d.Finish(rec, conductor.TaskCompletedWithErrors, strings.Join(optionalFailures, " ")+" completed with errors")
	} else {
		d.Finish(rec, conductor.TaskCompleted, "")
	}
	return true
}

// failJoin fails a JOIN whose branch failed for good: its reason joins the failed tasks'
// reasons; it is CANCELED instead when every failure is a cancellation. As Conductor's JOIN,
// which stops at the first joined task that fails it, its output holds the outputs of the
// joined tasks of joinOn up to that one (first), by reference name.
func (d *Decision) failJoin(rec *Attempt, refs []string, joined map[string]*Attempt, first string) {
	var unsuccessful, upTo []*Attempt
	for _, ref := range refs {
		if a := joined[ref]; a != nil && a.Task.Status.IsTerminal() && !a.Task.Status.IsSuccessful() {
			unsuccessful = append(unsuccessful, a)
		}
	}
	for _, ref := range refs {
		if a := joined[ref]; a != nil {
			upTo = append(upTo, a)
		}
		if ref == first {
			break
		}
	}
	d.load(append(unsuccessful, upTo...)...) // for their reasons and outputs
	out := map[string]any{}
	for _, ref := range refs {
		if a := joined[ref]; a != nil {
			if o := d.RealTaskOutput(a); len(o) > 0 {
				out[ref] = o
			}
		}
		if ref == first {
			break
		}
	}
	var reasons []string
	status := conductor.TaskCanceled
	for _, a := range unsuccessful {
		if a.Task.ReasonForIncompletion != "" {
			reasons = append(reasons, a.Task.ReasonForIncompletion)
		}
		if a.Task.Status != conductor.TaskCanceled && (a.Task.WorkflowTask == nil || !a.Task.WorkflowTask.Optional) {
			status = conductor.TaskFailed
		}
	}
	if !d.recordOutput(rec, out, status) {
		return
	}
	d.Finish(rec, status, strings.Join(reasons, " "))
}

// evaluateExclusiveJoin applies Conductor's EXCLUSIVE_JOIN rules: the first task of joinOn
// that ran (skipped ones do not count), or else the first of defaultExclusiveJoinTask, is
// the one joined; once it is terminal the join takes its output, or fails with its reason.
func (d *Decision) evaluateExclusiveJoin(rec *Attempt) bool {
	for _, key := range []string{"joinOn", "defaultExclusiveJoinTask"} {
		refs := d.refsIn(rec, key)
		joined := d.latestOf(refs)
		for _, ref := range refs {
			a := joined[ref]
			if a == nil || a.Task.Status == conductor.TaskSkipped {
				continue
			}
			if !a.Task.Status.IsTerminal() {
				return false
			}
			d.load(a)
			if !a.Task.Status.IsSuccessful() {
				d.Finish(rec, conductor.TaskFailed, a.Task.ReasonForIncompletion)
				return true
			}
			if d.recordOutput(rec, d.RealTaskOutput(a), conductor.TaskCompleted) {
				d.Finish(rec, conductor.TaskCompleted, "")
			}
			return true
		}
	}
	return false
}

// joinRefs are the reference names a JOIN waits for: its joinOn, with the suffix of the JOIN's
// loop iteration inside a DO_WHILE.
func (d *Decision) joinRefs(rec *Attempt) []string { return d.refsIn(rec, "joinOn") }

// refsIn reads a list of reference names from a join's input key, suffixed with the join's
// loop iteration inside a DO_WHILE.
func (d *Decision) refsIn(rec *Attempt, key string) []string {
	var refs []string
	switch on := rec.Task.InputData[key].(type) {
	case []any:
		for _, v := range on {
			if s, ok := v.(string); ok {
				refs = append(refs, s)
			}
		}
	case []string:
		refs = append(refs, on...)
	}
	if suffix := ctxOf(rec.Task.ReferenceTaskName).suffix; suffix != "" {
		for i, ref := range refs {
			refs[i] = ref + suffix
		}
	}
	return refs
}

// latestOf returns the newest attempt of each of refs (absent when there is none), reading
// the ones the decision does not hold yet in one call.
func (d *Decision) latestOf(refs []string) map[string]*Attempt {
	if d.dormant > 0 {
		var ask []string
		for _, ref := range refs {
			if !d.dormantAsked[ref] {
				ask = append(ask, ref)
			}
		}
		if len(ask) > 0 {
			if d.dormantAsked == nil {
				d.dormantAsked = map[string]bool{}
			}
			for _, ref := range ask {
				d.dormantAsked[ref] = true
			}
			d.fetchDormant(Filter{Refs: ask})
		}
	}
	if d.partial && !d.history {
		var ask []string
		for _, ref := range refs {
			if a := d.loaded(ref); (a == nil || a.Task.Executed) && !d.fetchedRefs[ref] {
				ask = append(ask, ref)
			}
		}
		if len(ask) > 0 {
			if d.fetchedRefs == nil {
				d.fetchedRefs = map[string]bool{}
			}
			for _, ref := range ask {
				d.fetchedRefs[ref] = true
			}
			d.fetchSettled(Filter{Refs: ask, Newest: true})
		}
	}
	out := make(map[string]*Attempt, len(refs))
	for _, ref := range refs {
		if a := d.loaded(ref); a != nil {
			out[ref] = a
		}
	}
	return out
}
