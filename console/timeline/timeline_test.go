package timeline

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/podiumhq/podium/internal/conductor"
)

// execution is a small run: a retried task, a fork, loop copies, a running and a waiting
// attempt, given out of seq order.
func execution() []*conductor.Task {
	retry := task(2, "fetch", conductor.TaskCompleted, 1000, 1500, 3000)
	retry.RetryCount = 1
	loop2 := task(6, "body__2", conductor.TaskCompleted, 5000, 5000, 5000)
	loop2.Iteration = 2
	nested := task(7, "inner__2__3", conductor.TaskFailed, 5100, 5200, 5300)
	nested.Iteration = 3
	return []*conductor.Task{
		task(3, "b1", conductor.TaskInProgress, 3000, 3100, -1),
		task(0, "first", conductor.TaskCompleted, 0, 10, 900),
		task(1, "fetch", conductor.TaskFailed, 900, 950, 1000),
		retry,
		nil,
		task(4, "b2", conductor.TaskScheduled, 3000, -1, -1),
		task(5, "body__1", conductor.TaskCompleted, 4000, 4100, 4900),
		loop2, nested,
		task(8, "never", conductor.TaskSkipped, -1, -1, -1),
	}
}

func TestRenderRows(t *testing.T) {
	t.Parallel()
	now := time.UnixMilli(base + 8000)
	rows := attempts(parse(t, string(Render(execution(), Options{Now: now}))))
	want := []struct {
		ref, label, class string
		bar, wait, marker bool
	}{
		{"first", "first", "status-COMPLETED", true, true, false},
		{"fetch", "fetch", "status-FAILED", true, true, false},
		{"fetch", "fetch #1", "status-COMPLETED", true, true, false},
		{"b1", "b1", "status-IN_PROGRESS", true, true, false},
		{"b2", "b2", "status-SCHEDULED", false, false, true},
		{"body__1", "body (iter 1)", "status-COMPLETED", true, true, false},
		{"body__2", "body (iter 2)", "status-COMPLETED", true, false, false},
		{"inner__2__3", "inner (iter 2.3)", "status-FAILED", true, true, false},
		{"never", "never", "status-SKIPPED", false, false, true},
	}
	if len(rows) != len(want) {
		t.Fatalf("%d rows, want %d", len(rows), len(want))
	}
	for i, w := range want {
		r := rows[i]
		if r.g.attrs["data-ref"] != w.ref || r.label != w.label || !hasClass(r.g, w.class) {
			t.Errorf("row %d = %s %q %q, want %s %q %s", i, r.g.attrs["data-ref"], r.label, r.g.attrs["class"], w.ref, w.label, w.class)
		}
		if (r.run != nil) != w.bar || (r.wait != nil) != w.wait || (r.marker != nil) != w.marker {
			t.Errorf("row %d (%s): run %v wait %v marker %v, want %v %v %v", i, w.label, r.run != nil, r.wait != nil, r.marker != nil, w.bar, w.wait, w.marker)
		}
		if r.g.attrs["data-seq"] != strconv.Itoa(i) {
			t.Errorf("row %d has data-seq %s", i, r.g.attrs["data-seq"])
		}
	}
	if !hasClass(rows[3].g, "running") || !strings.Contains(rows[3].title, "running, 4.9s so far") {
		t.Errorf("running row: class %q title %q", rows[3].g.attrs["class"], rows[3].title)
	}
	if !strings.Contains(rows[2].title, "retry 1") || !strings.Contains(rows[2].title, "ran 1.5s, queue wait 500ms") {
		t.Errorf("retry title = %q", rows[2].title)
	}
	if !strings.Contains(rows[4].title, "not started") || !strings.Contains(rows[0].title, "started 2026-01-01 00:00:00.010 UTC") {
		t.Errorf("titles %q / %q", rows[4].title, rows[0].title)
	}
	if w, _ := strconv.Atoi(rows[6].run.attrs["width"]); w < 2 {
		t.Errorf("zero-length bar is %d wide, want at least 2", w)
	}
	runX := func(i int) int { x, _ := strconv.Atoi(rows[i].run.attrs["x"]); return x }
	if runX(0) >= runX(1) || runX(1) >= runX(3) {
		t.Errorf("bars not placed in time order: %d %d %d", runX(0), runX(1), runX(3))
	}
	runEnd := func(i int) int { w, _ := strconv.Atoi(rows[i].run.attrs["width"]); return runX(i) + w }
	if runEnd(3) != DefaultWidth-padRight {
		t.Errorf("running bar ends at %d, want the right edge %d (now)", runEnd(3), DefaultWidth-padRight)
	}
}

func TestRenderBoundsRows(t *testing.T) {
	t.Parallel()
	var tasks []*conductor.Task
	for i := range 50 {
		tasks = append(tasks, task(49-i, "t"+strconv.Itoa(49-i), conductor.TaskCompleted, int64(i), int64(i), int64(i+1)))
	}
	elems := parse(t, string(Render(tasks, Options{MaxRows: 20})))
	rows := attempts(elems)
	if len(rows) != 20 || rows[0].g.attrs["data-ref"] != "t0" || rows[19].g.attrs["data-ref"] != "t19" {
		t.Fatalf("%d rows from %s, want the first 20 by seq", len(rows), rows[0].g.attrs["data-ref"])
	}
	var note string
	for _, e := range elems {
		if hasClass(e, "more") {
			note = e.text
		}
	}
	if note != "30 more attempts not shown" {
		t.Errorf("note = %q", note)
	}
}

func TestRenderEdgeCases(t *testing.T) {
	t.Parallel()
	evil := `<script>alert("x")</script>'&` + "\x00\xff"
	endless := task(1, "ended", conductor.TaskCompleted, -1, 100, -1)
	endless.UpdateTime = base + 400
	skew := task(2, "skew", conductor.TaskCompleted, 900, 500, 300)
	tests := []struct {
		name  string
		tasks []*conductor.Task
		check func(t *testing.T, out string, rows []*attempt)
	}{
		{"empty", nil, func(t *testing.T, out string, rows []*attempt) {
			if len(rows) != 0 || !strings.Contains(out, "0 attempts") {
				t.Errorf("rows %d, out %s", len(rows), out)
			}
		}},
		{"no times at all", []*conductor.Task{task(0, "a", conductor.TaskScheduled, -1, -1, -1)}, func(t *testing.T, out string, rows []*attempt) {
			if rows[0].marker == nil || strings.Contains(out, `class="tick"`) {
				t.Errorf("want a marker and no axis: %s", out)
			}
		}},
		{"ended without end time", []*conductor.Task{endless}, func(t *testing.T, _ string, rows []*attempt) {
			if !strings.Contains(rows[0].title, "ran 300ms") {
				t.Errorf("title %q, want the update time as the end", rows[0].title)
			}
		}},
		{"clock skew", []*conductor.Task{skew}, func(t *testing.T, _ string, rows []*attempt) {
			if rows[0].wait != nil || !strings.Contains(rows[0].title, "ran 0") {
				t.Errorf("skewed times not clamped: %q", rows[0].title)
			}
		}},
		{"escaping", []*conductor.Task{{Seq: 1, ReferenceTaskName: evil, TaskType: evil, Status: `"><x`, StartTime: base, EndTime: base + 1}},
			func(t *testing.T, out string, rows []*attempt) {
				if strings.Contains(out, "<script") || strings.Contains(out, "\x00") {
					t.Fatalf("unescaped text: %s", out)
				}
				if rows[0].g.attrs["data-ref"] != strings.ToValidUTF8(strings.ReplaceAll(evil, "\x00", "\uFFFD"), "\uFFFD") || !hasClass(rows[0].g, "status-UNKNOWN") {
					t.Errorf("data-ref %q class %q", rows[0].g.attrs["data-ref"], rows[0].g.attrs["class"])
				}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			out := string(Render(tt.tasks, Options{Title: "Run <1>"}))
			elems := parse(t, out)
			if elems[0].attrs["role"] != "img" || elems[0].attrs["aria-label"] != "Run <1>" || elems[1].text != "Run <1>" {
				t.Errorf("root not labelled: %v", elems[0].attrs)
			}
			tt.check(t, out, attempts(elems))
		})
	}
}

func TestRenderDeterministic(t *testing.T) {
	t.Parallel()
	first := string(Render(execution(), Options{}))
	for range 20 {
		if string(Render(execution(), Options{})) != first {
			t.Fatal("two renders of the same input differ")
		}
	}
	if strings.Contains(string(Render(execution(), Options{NoStyle: true})), "<style>") {
		t.Error("NoStyle render has a <style>")
	}
}
