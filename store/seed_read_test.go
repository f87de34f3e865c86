package store_test

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/podiumhq/podium/internal/conductor"
	"github.com/podiumhq/podium/store"
	"github.com/podiumhq/podium/store/storetest"
)

// seedReadBack reads a sample of the seeded executions with the store's own readers: the
// tasks come back in order, each found in the definition snapshot, with their documents.
func seedReadBack(t *testing.T, s *seeded) {
	rows, err := s.conn.Query(s.ctx, `SELECT workflow_id::text, (SELECT count(*) FROM tasks t WHERE t.workflow_id = w.workflow_id)
		FROM workflows w ORDER BY workflow_id`)
	require.NoError(t, err)
	counts := map[string]int{}
	var ids []string
	for i := 0; rows.Next(); i++ {
		var id string
		var n int
		require.NoError(t, rows.Scan(&id, &n))
		if i%50 == 0 {
			ids, counts[id] = append(ids, id), n
		}
	}
	require.NoError(t, rows.Err())
	for _, id := range ids {
		wf, err := s.st.WorkflowGet(s.ctx, id, true)
		require.NoError(t, err)
		require.Equal(t, id, wf.WorkflowID)
		require.Equal(t, wf.WorkflowName, wf.WorkflowDefinition.Name)
		require.Len(t, wf.Tasks, counts[id])
		for i, task := range wf.Tasks {
			require.Equal(t, i+1, task.Seq)
			require.NotNil(t, task.WorkflowTask, "task %s is a node of the definition", task.ReferenceTaskName)
			wantType := task.WorkflowTask.Type
			if wantType == conductor.TaskTypeSimple {
				wantType = task.WorkflowTask.Name
			}
			require.Equal(t, wantType, task.TaskType)
			if wf.Status == conductor.WorkflowCompleted {
				for k, v := range task.InputData {
					require.NotNil(t, v, "input %s of %s resolved", k, task.ReferenceTaskName)
				}
			}
		}
		if wf.Status == conductor.WorkflowCompleted {
			for k, v := range wf.Output {
				require.NotNil(t, v, "output %s of %s resolved", k, wf.WorkflowName)
			}
		}
		last := wf.Tasks[len(wf.Tasks)-1]
		got, err := s.st.TaskGet(s.ctx, last.TaskID)
		require.NoError(t, err)
		require.Equal(t, last.OutputData, got.Task.OutputData)
	}

	// The largest document reads back whole.
	var id, taskID, doc string
	require.NoError(t, s.conn.QueryRow(s.ctx, `SELECT workflow_id::text, task_id::text, doc::text FROM tasks
		ORDER BY length(doc::text) DESC LIMIT 1`).Scan(&id, &taskID, &doc))
	wf, err := s.st.WorkflowGet(s.ctx, id, true)
	require.NoError(t, err)
	var stored conductor.Task
	require.NoError(t, json.Unmarshal([]byte(doc), &stored))
	for _, task := range wf.Tasks {
		if task.TaskID == taskID {
			require.Equal(t, jsonOf(t, stored.InputData), jsonOf(t, task.InputData))
			require.Equal(t, jsonOf(t, stored.OutputData), jsonOf(t, task.OutputData))
			require.Greater(t, len(jsonOf(t, task.InputData))+len(jsonOf(t, task.OutputData)), 2_000)
		}
	}
}

func jsonOf(t *testing.T, v any) string {
	t.Helper()
	data, err := json.Marshal(v)
	require.NoError(t, err)
	return string(data)
}

// seedSearched finds seeded executions with the workflow search: by name and status, and by
// correlation id.
func seedSearched(t *testing.T, s *seeded) {
	for _, name := range store.SeedWorkflowNames {
		for _, status := range []string{"FAILED", "RUNNING"} {
			q := store.Query{{{Field: "workflowType", Op: "=", Values: []string{name}}, {Field: "status", Op: "=", Values: []string{status}}}}
			found, total, _, err := s.st.WorkflowSearch(s.ctx, store.WorkflowSearchParams{Query: q, Size: 5})
			require.NoError(t, err)
			require.Equal(t, s.count(t, `SELECT count(*) FROM workflows WHERE workflow_name = $1 AND status = $2`, name, status), total)
			require.Positive(t, total, "%s executions of %s", status, name)
			require.Len(t, found, min(5, int(total)))
			for _, wf := range found {
				require.Equal(t, name, wf.WorkflowName)
				require.Equal(t, conductor.WorkflowStatus(status), wf.Status)
			}
		}
	}
	var id, name, correlation string
	require.NoError(t, s.conn.QueryRow(s.ctx, `SELECT workflow_id::text, workflow_name, correlation_id FROM workflows
		WHERE correlation_id IS NOT NULL ORDER BY workflow_id DESC LIMIT 1`).Scan(&id, &name, &correlation))
	require.True(t, strings.HasPrefix(correlation, name[:12]+"-"), correlation)
	q := store.Query{{{Field: "correlationId", Op: "=", Values: []string{correlation}}}}
	for _, p := range []store.WorkflowSearchParams{{Query: q, Size: 10}, {FreeText: correlation, Size: 10}} {
		found, total, _, err := s.st.WorkflowSearch(s.ctx, p)
		require.NoError(t, err)
		require.EqualValues(t, 1, total)
		require.Equal(t, id, found[0].WorkflowID)
	}
	ids, err := s.st.WorkflowIDsByCorrelation(s.ctx, name, correlation, true)
	require.NoError(t, err)
	require.Equal(t, []string{id}, ids)
}

// seedSearchPlans checks, with EXPLAIN on the seeded database, that the common searches of
// the console and the SDKs are served by indexes in every partition, newest first: by name and
// status, by name, by correlation id, by id, the start of one or part of a correlation id as
// free text, and a cursor's next page. With sequential scans disabled, a Seq Scan left in a
// plan means no index can serve the predicate or the order (a cast on an indexed column, say);
// a Sort node means the order is not an index's, so every match would be read before the first
// page.
func seedSearchPlans(t *testing.T, s *seeded) {
	var id, name, correlation string
	var created time.Time
	require.NoError(t, s.conn.QueryRow(s.ctx, `SELECT workflow_id::text, workflow_name, correlation_id, create_time FROM workflows
		WHERE correlation_id IS NOT NULL ORDER BY workflow_id LIMIT 1`).Scan(&id, &name, &correlation, &created))
	_, err := s.conn.Exec(s.ctx, `ANALYZE workflows`)
	require.NoError(t, err)
	eq := func(field, value string) store.Condition {
		return store.Condition{Field: field, Op: "=", Values: []string{value}}
	}
	after := &store.SearchKey{CreateTime: created, WorkflowID: id}
	for _, tc := range []struct {
		name   string
		p      store.WorkflowSearchParams
		sorted bool     // the page is so small that sorting it is what the plan should do
		uses   string   // an index the plan must use
		setup  []string // statements run before EXPLAIN, in its transaction, rolled back
	}{
		{name: "name and status", p: store.WorkflowSearchParams{Query: store.Query{{eq("workflowType", name), eq("status", "FAILED")}}, Size: 20}},
		{name: "name and status, next page", p: store.WorkflowSearchParams{Query: store.Query{{eq("workflowType", name), eq("status", "FAILED")}}, Size: 20, After: after}},
		{name: "everything, newest first", p: store.WorkflowSearchParams{Size: 20}},
		{name: "everything, next page", p: store.WorkflowSearchParams{Size: 20, After: after}},
		{name: "correlation id", p: store.WorkflowSearchParams{Query: store.Query{{eq("correlationId", correlation)}}, Size: 20}, sorted: true},
		{name: "id as free text", p: store.WorkflowSearchParams{FreeText: id, Size: 20}, sorted: true},
		{name: "start of an id as free text", p: store.WorkflowSearchParams{FreeText: id[:13], Size: 20}, sorted: true,
			uses: "workflows_pkey_"},
		// On a table this small, reading the whole partial index of correlation ids and
		// filtering costs less than the trigram index, and the planner does so (at 300,000
		// executions it takes the trigram index); without that index, the plan shows the
		// trigram index serves the pattern.
		{name: "part of a correlation id as free text", p: store.WorkflowSearchParams{FreeText: correlation[len(correlation)-7:], Size: 20},
			sorted: true, uses: "workflows_correlation_trgm_", setup: []string{`DROP INDEX workflows_correlation, archived_workflows_correlation`}},
		{name: "id", p: store.WorkflowSearchParams{Query: store.Query{{eq("workflowId", id)}}, Size: 20}, sorted: true},
	} {
		plan, err := store.ExplainWorkflowSearchForTest(s.ctx, s.st, tc.p, tc.setup...)
		require.NoError(t, err, tc.name)
		require.NotContains(t, plan, "Seq Scan", "%s:\n%s", tc.name, plan)
		require.Contains(t, plan, tc.uses, "%s:\n%s", tc.name, plan)
		if !tc.sorted {
			require.NotRegexp(t, sortNode, plan, "%s: the order must be an index's:\n%s", tc.name, plan)
		}
	}
}

// sortNode matches a Sort or Incremental Sort node of a plan (a Merge Append's Sort Key merges
// ordered inputs: it is no sort).
var sortNode = regexp.MustCompile(`(?m)(^|->  )(Incremental )?Sort  \(`)

// seedAgain seeds more executions into the seeded database: no conflict, the definitions are
// those already registered.
func seedAgain(t *testing.T, s *seeded) {
	rep, err := s.st.SeedExecutions(s.ctx, store.SeedOptions{Executions: 1_000, Connections: 2})
	require.NoError(t, err)
	require.EqualValues(t, 1_000, rep.Executions)
	require.EqualValues(t, 6_000, s.count(t, `SELECT count(*) FROM workflows`))
	require.Equal(t, s.report.Tasks+rep.Tasks, s.count(t, `SELECT count(*) FROM tasks`))
	require.EqualValues(t, len(store.SeedWorkflowNames), s.count(t, `SELECT count(*) FROM workflow_defs`))
	require.EqualValues(t, len(store.SeedWorkflowNames), s.count(t, `SELECT count(*) FROM workflow_snapshots`))
}

// TestSeedNames seeds names given explicitly, refuses a name defined by someone else, and
// registers a changed seed definition as a new version.
func TestSeedNames(t *testing.T) {
	t.Parallel()
	ctx, st := storetest.Setup(t)
	rep, err := st.SeedExecutions(ctx, store.SeedOptions{Executions: 300, Workflows: []string{"mine", "yours"}})
	require.NoError(t, err)
	require.EqualValues(t, 300, rep.Executions)
	defs, err := st.WorkflowDefSummaries(ctx)
	require.NoError(t, err)
	require.Len(t, defs, 2)
	require.Equal(t, []string{"mine", "yours"}, []string{defs[0].Name, defs[1].Name})
	found, total, _, err := st.WorkflowSearch(ctx, store.WorkflowSearchParams{FreeText: "yours", Size: 1})
	require.NoError(t, err)
	require.Positive(t, total)
	require.Equal(t, "yours", found[0].WorkflowName)

	own := conductor.NewWorkflowDef()
	own.Name, own.Description = "taken", "a real workflow"
	own.Tasks = []conductor.WorkflowTask{{Name: "w", TaskReferenceName: "w", Type: conductor.TaskTypeSimple}}
	require.NoError(t, st.WorkflowDefInsert(ctx, &own, storetest.Epoch))
	_, err = st.SeedExecutions(ctx, store.SeedOptions{Executions: 10, Workflows: []string{"taken"}})
	require.ErrorContains(t, err, "workflow taken is defined already, not by podium seed")

	require.NoError(t, store.ExecForTest(ctx, st.Queries, `UPDATE workflow_defs
		SET definition = jsonb_set(definition, '{timeoutSeconds}', '60') WHERE name = 'mine'`))
	_, err = st.SeedExecutions(ctx, store.SeedOptions{Executions: 10, Workflows: []string{"mine"}})
	require.NoError(t, err)
	latest, err := st.WorkflowDefGet(ctx, "mine", nil)
	require.NoError(t, err)
	require.Equal(t, 2, latest.Version, "a changed seed definition gets a new version")
	_, total, _, err = st.WorkflowSearch(ctx, store.WorkflowSearchParams{Query: store.Query{{
		{Field: "workflowType", Op: "=", Values: []string{"mine"}}, {Field: "version", Op: "=", Values: []string{"2"}}}}, Size: 1})
	require.NoError(t, err)
	require.EqualValues(t, 10, total, "the new executions run the new version")
}
