package main_test

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/antihax/optional"
	"github.com/conductor-sdk/conductor-go/sdk/authentication"
	"github.com/conductor-sdk/conductor-go/sdk/client"
	"github.com/conductor-sdk/conductor-go/sdk/model"
	"github.com/conductor-sdk/conductor-go/sdk/settings"
	"github.com/conductor-sdk/conductor-go/sdk/worker"
	"github.com/conductor-sdk/conductor-go/sdk/workflow/executor"
	"github.com/sirupsen/logrus"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// goSDKWait bounds every wait for a workflow to reach a state.
const goSDKWait = 15 * time.Second

// goSDK holds the Go SDK's clients, all made from one APIClient, and the names of one run.
type goSDK struct {
	api       *client.APIClient
	http      *settings.HttpSettings
	creds     *settings.AuthenticationSettings
	metadata  *client.MetadataResourceApiService
	workflows *client.WorkflowResourceApiService
	tasks     *client.TaskResourceApiService
	secrets   *client.SecretResourceApiService
	scheduler *client.SchedulerResourceApiService
	events    *client.EventResourceApiService
	tags      *client.TagsApiService
	bulk      *client.WorkflowBulkResourceApiService
	executor  *executor.WorkflowExecutor

	run                                  string // suffix of every name of this run
	echoTask, manualTask                 string // task types: served by the SDK worker, completed by hand
	echoWF, manualWF, failureWF, eventWF string // workflow names
	secretName, secretValue              string // the secret the echo workflow passes to the worker
}

// TestOfficialGoSDK drives a real Podium with the official Conductor Go SDK
// (github.com/conductor-sdk/conductor-go v1.5.4, unchanged from the module proxy): its
// generated clients, the WorkflowExecutor and a TaskRunner worker. The subtests run in order and
// build on each other: definitions and tags, secrets, a worker completing workflows, lookups and
// searches, the operations on one workflow (pause, terminate with the failure workflow, retry,
// restart, rerun, archive), bulk operations, queues, the secret-rotation example, schedules,
// event handlers and their delivery, and the routes the SDK has no method for.
func TestOfficialGoSDK(t *testing.T) {
	t.Parallel()
	// The Go SDK caches its token for 30 minutes and never retries after a 401, so the server
	// keeps its default token life here (the JavaScript SDK test covers the refresh).
	p, key := startForSDK(t)
	logrus.SetLevel(logrus.WarnLevel) // the SDK logs every poll at info level otherwise

	base := "http://" + p.addr
	s := &goSDK{
		http:  settings.NewHttpSettings(base + "/api"),
		creds: settings.NewAuthenticationSettings(key.ID, key.Secret),
		run:   strings.ToLower(rand.Text()[:8]),
	}
	s.api = client.NewAPIClient(s.creds, s.http)
	s.metadata = &client.MetadataResourceApiService{APIClient: s.api}
	s.workflows = &client.WorkflowResourceApiService{APIClient: s.api}
	s.tasks = &client.TaskResourceApiService{APIClient: s.api}
	s.secrets = &client.SecretResourceApiService{APIClient: s.api}
	s.scheduler = &client.SchedulerResourceApiService{APIClient: s.api}
	s.events = &client.EventResourceApiService{APIClient: s.api}
	s.tags = &client.TagsApiService{APIClient: s.api}
	s.bulk = &client.WorkflowBulkResourceApiService{APIClient: s.api}
	s.executor = executor.NewWorkflowExecutor(s.api)
	s.echoTask, s.manualTask = "gosdk_echo_"+s.run, "gosdk_manual_"+s.run
	s.echoWF, s.manualWF = "gosdk_echo_wf_"+s.run, "gosdk_manual_wf_"+s.run
	s.failureWF, s.eventWF = "gosdk_failure_wf_"+s.run, "gosdk_event_wf_"+s.run
	s.secretName, s.secretValue = "gosdk_x_"+s.run, "x-value-"+rand.Text()

	began := time.Now()
	defer func() {
		if t.Failed() {
			t.Logf("--- server log ---\n%s", p.Logs())
		}
	}()
	// Definitions and secrets come first: everything else runs them.
	if !t.Run("metadata", s.testMetadata) || !t.Run("secrets", s.testSecrets) {
		t.FailNow()
	}
	t.Run("worker", s.testWorker)
	t.Run("lookups and search", s.testLookups)
	t.Run("operations", s.testOperations)
	t.Run("bulk", s.testBulk)
	t.Run("queues", s.testQueues)
	t.Run("secret rotation", s.testRotation)
	t.Run("schedules", s.testSchedules)
	t.Run("event handlers", s.testEvents)
	t.Run("routes the SDK lacks", func(t *testing.T) { s.testRawRoutes(t, base) })
	t.Logf("the Go SDK test took %s", time.Since(began).Round(time.Millisecond))
}

func (s *goSDK) testMetadata(t *testing.T) {
	ctx := context.Background()
	defs := []model.TaskDef{
		{Name: s.echoTask, Description: "served by the Go SDK worker", RetryCount: 0, TimeoutSeconds: 60,
			ResponseTimeoutSeconds: 30, TimeoutPolicy: "TIME_OUT_WF", RetryLogic: "FIXED", OwnerEmail: "sdk@example.com"},
		{Name: s.manualTask, Description: "completed through the task API", RetryCount: 0, TimeoutSeconds: 60,
			ResponseTimeoutSeconds: 30, TimeoutPolicy: "TIME_OUT_WF", RetryLogic: "FIXED", OwnerEmail: "sdk@example.com"},
	}
	resp, err := s.metadata.RegisterTaskDef(ctx, defs)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, resp.StatusCode)

	got, _, err := s.metadata.GetTaskDef(ctx, s.echoTask)
	require.NoError(t, err)
	assert.Equal(t, s.echoTask, got.Name)
	assert.Equal(t, int64(30), got.ResponseTimeoutSeconds)
	got.Description = "updated by the Go SDK"
	_, err = s.metadata.UpdateTaskDef(ctx, got)
	require.NoError(t, err)
	got, _, err = s.metadata.GetTaskDef(ctx, s.echoTask)
	require.NoError(t, err)
	assert.Equal(t, "updated by the Go SDK", got.Description)
	all, _, err := s.metadata.GetTaskDefs(ctx)
	require.NoError(t, err)
	assert.True(t, slices.ContainsFunc(all, func(d model.TaskDef) bool { return d.Name == s.manualTask }))

	echo := model.WorkflowDef{
		Name: s.echoWF, Version: 1, SchemaVersion: 2, OwnerEmail: "sdk@example.com", TimeoutSeconds: 60,
		InputParameters: []string{"name"},
		Tasks: []model.WorkflowTask{{
			Name: s.echoTask, TaskReferenceName: "echo_ref", Type_: "SIMPLE",
			InputParameters: map[string]any{"name": "${workflow.input.name}", "secret": "${workflow.secrets." + s.secretName + "}"},
		}},
		OutputParameters: map[string]any{"greeting": "${echo_ref.output.greeting}"},
	}
	failure := model.WorkflowDef{
		Name: s.failureWF, Version: 1, SchemaVersion: 2, OwnerEmail: "sdk@example.com",
		Tasks: []model.WorkflowTask{{
			Name: "note", TaskReferenceName: "note_ref", Type_: "SET_VARIABLE",
			InputParameters: map[string]any{"failedId": "${workflow.input.workflowId}"},
		}},
		OutputParameters: map[string]any{"failedId": "${workflow.variables.failedId}"},
	}
	manual := model.WorkflowDef{
		Name: s.manualWF, Version: 1, SchemaVersion: 2, OwnerEmail: "sdk@example.com", FailureWorkflow: s.failureWF,
		Tasks: []model.WorkflowTask{{
			Name: s.manualTask, TaskReferenceName: "manual_ref", Type_: "SIMPLE",
			InputParameters: map[string]any{"n": "${workflow.input.n}"},
		}},
		OutputParameters: map[string]any{"result": "${manual_ref.output.result}"},
	}
	for _, def := range []model.WorkflowDef{echo, failure, manual} {
		resp, err := s.metadata.RegisterWorkflowDef(ctx, true, def)
		require.NoError(t, err, def.Name)
		require.Equal(t, http.StatusOK, resp.StatusCode)
	}
	// The executor's registration (overwrite) of a second version.
	echo2 := echo
	echo2.Version = 2
	echo2.Description = "version 2"
	require.NoError(t, s.executor.RegisterWorkflow(true, &echo2))

	def, _, err := s.metadata.Get(ctx, s.echoWF, &client.MetadataResourceApiGetOpts{Version: optional.NewInt32(1)})
	require.NoError(t, err)
	assert.Equal(t, int32(1), def.Version)
	require.Len(t, def.Tasks, 1)
	assert.Equal(t, "echo_ref", def.Tasks[0].TaskReferenceName)
	latest, _, err := s.metadata.Get(ctx, s.echoWF, nil)
	require.NoError(t, err)
	assert.Equal(t, int32(2), latest.Version)
	assert.Equal(t, "version 2", latest.Description)
	_, err = s.metadata.UnregisterWorkflowDef(ctx, s.echoWF, 2)
	require.NoError(t, err)
	latest, _, err = s.metadata.Get(ctx, s.echoWF, nil)
	require.NoError(t, err)
	assert.Equal(t, int32(1), latest.Version)
	defsAll, _, err := s.metadata.GetAll(ctx)
	require.NoError(t, err)
	assert.True(t, slices.ContainsFunc(defsAll, func(d model.WorkflowDef) bool { return d.Name == s.manualWF }))

	// An unknown definition is the SDK's 404 error.
	_, resp, err = s.metadata.Get(ctx, "gosdk_missing_"+s.run, nil)
	requireStatus(t, err, resp, http.StatusNotFound)

	// Definition tags, through TagsApiService and the metadata client's ?metadata=true reads.
	_, _, err = s.tags.AddWorkflowTag(ctx, model.TagObject{Key: "team", Value: "sdk", Type_: "METADATA"}, s.echoWF)
	require.NoError(t, err)
	_, _, err = s.tags.AddWorkflowTag(ctx, model.TagObject{Key: "tier", Value: "gold", Type_: "METADATA"}, s.echoWF)
	require.NoError(t, err)
	wfTags, _, err := s.tags.GetWorkflowTags(ctx, s.echoWF)
	require.NoError(t, err)
	assert.ElementsMatch(t, []string{"team=sdk", "tier=gold"}, tagPairs(wfTags))
	_, _, err = s.tags.DeleteWorkflowTag(ctx, model.TagObject{Key: "tier", Value: "gold", Type_: "METADATA"}, s.echoWF)
	require.NoError(t, err)
	metaTags, err := s.metadata.GetTagsForWorkflowDef(ctx, s.echoWF)
	require.NoError(t, err)
	assert.Equal(t, []model.MetadataTag{{Key: "team", Value: "sdk"}}, metaTags)

	_, _, err = s.tags.SetTaskTags(ctx, []model.TagObject{{Key: "kind", Value: "echo", Type_: "METADATA"},
		{Key: "owner", Value: "go", Type_: "METADATA"}}, s.echoTask)
	require.NoError(t, err)
	_, _, err = s.tags.AddTaskTag(ctx, model.TagObject{Key: "extra", Value: "1", Type_: "METADATA"}, s.echoTask)
	require.NoError(t, err)
	_, _, err = s.tags.DeleteTaskTag(ctx, model.TagString{Key: "extra", Value: "1", Type_: "METADATA"}, s.echoTask)
	require.NoError(t, err)
	taskTags, _, err := s.tags.GetTaskTags(ctx, s.echoTask)
	require.NoError(t, err)
	assert.ElementsMatch(t, []string{"kind=echo", "owner=go"}, tagPairs(taskTags))
	metaTaskTags, err := s.metadata.GetTagsForTaskDef(ctx, s.echoTask)
	require.NoError(t, err)
	assert.ElementsMatch(t, []model.MetadataTag{{Key: "kind", Value: "echo"}, {Key: "owner", Value: "go"}}, metaTaskTags)
}

func (s *goSDK) testSecrets(t *testing.T) {
	ctx := context.Background()
	// The Go SDK sends the value as the raw body (text/plain): Podium stores it as is.
	_, _, err := s.secrets.PutSecret(ctx, s.secretValue, s.secretName)
	require.NoError(t, err)
	value, _, err := s.secrets.GetSecret(ctx, s.secretName)
	require.NoError(t, err)
	assert.Equal(t, s.secretValue, value)

	// A value that looks like JSON is stored as sent, quotes and all.
	quoted := "gosdk_quoted_" + s.run
	_, _, err = s.secrets.PutSecret(ctx, `{"a": 1}`, quoted)
	require.NoError(t, err)
	value, _, err = s.secrets.GetSecret(ctx, quoted)
	require.NoError(t, err)
	assert.Equal(t, `{"a": 1}`, value)

	exists, _, err := s.secrets.SecretExists(ctx, s.secretName)
	require.NoError(t, err)
	assert.Equal(t, true, exists)
	exists, _, err = s.secrets.SecretExists(ctx, "gosdk_none_"+s.run)
	require.NoError(t, err)
	assert.Equal(t, false, exists)

	names, _, err := s.secrets.ListAllSecretNames(ctx)
	require.NoError(t, err)
	assert.Subset(t, names, []string{s.secretName, quoted})
	grantable, _, err := s.secrets.ListSecretsThatUserCanGrantAccessTo(ctx)
	require.NoError(t, err)
	assert.Subset(t, grantable, []string{s.secretName, quoted})

	_, err = s.secrets.PutTagForSecret(ctx, []model.Tag{{Key: "env", Value: "test"}, {Key: "sdk", Value: "go"}}, s.secretName)
	require.NoError(t, err)
	_, err = s.secrets.DeleteTagForSecret(ctx, []model.Tag{{Key: "sdk", Value: "go"}}, s.secretName)
	require.NoError(t, err)
	tags, _, err := s.secrets.GetTags(ctx, s.secretName)
	require.NoError(t, err)
	require.Len(t, tags, 1)
	assert.Equal(t, "env", tags[0].Key)
	assert.Equal(t, "test", tags[0].Value)
	withTags, _, err := s.secrets.ListSecretsWithTagsThatUserCanGrantAccessTo(ctx)
	require.NoError(t, err)
	i := slices.IndexFunc(withTags, func(sec model.Secret) bool { return sec.Name == s.secretName })
	require.GreaterOrEqual(t, i, 0, "secrets-v2 lists %s", s.secretName)
	require.Len(t, withTags[i].Tags, 1)
	assert.Equal(t, "env", withTags[i].Tags[0].Key)

	_, _, err = s.secrets.DeleteSecret(ctx, quoted)
	require.NoError(t, err)
	_, resp, err := s.secrets.GetSecret(ctx, quoted)
	requireStatus(t, err, resp, http.StatusNotFound)
}

// testWorker runs the echo workflow, started three ways, with a TaskRunner serving its task.
func (s *goSDK) testWorker(t *testing.T) {
	ctx := context.Background()
	var mu sync.Mutex
	received := map[string]map[string]any{} // the worker's task inputs, by workflow id
	runner := worker.NewTaskRunnerWithApiClient(s.api)
	require.NoError(t, runner.StartWorker(s.echoTask, func(task *model.Task) (any, error) {
		mu.Lock()
		received[task.WorkflowInstanceId] = task.InputData
		mu.Unlock()
		return map[string]any{"greeting": fmt.Sprintf("hello %v", task.InputData["name"]),
			"secretLength": len(fmt.Sprint(task.InputData["secret"]))}, nil
	}, 2, 50*time.Millisecond))
	t.Cleanup(func() { runner.Shutdown(s.echoTask) })

	// 1. StartWorkflowWithRequest, the request form.
	id1, _, err := s.workflows.StartWorkflowWithRequest(ctx, model.StartWorkflowRequest{
		Name: s.echoWF, Version: 1, CorrelationId: "gosdk-corr-" + s.run, Input: map[string]any{"name": "ada"},
	})
	require.NoError(t, err)
	require.Regexp(t, `^[0-9a-f-]{36}$`, id1, "the bare workflow id")
	// 2. StartWorkflow by name, the input as the body and the rest as query parameters.
	id2, _, err := s.workflows.StartWorkflow(ctx, map[string]any{"name": "bob"}, s.echoWF,
		&client.WorkflowResourceApiStartWorkflowOpts{Version: optional.NewInt32(1),
			CorrelationId: optional.NewString("gosdk-corr-" + s.run), Priority: optional.NewInt32(3)})
	require.NoError(t, err)
	require.Regexp(t, `^[0-9a-f-]{36}$`, id2)
	// 3. The executor, whose monitor reports the end through a channel.
	id3, err := s.executor.StartWorkflow(&model.StartWorkflowRequest{Name: s.echoWF, Input: map[string]any{"name": "cy"}})
	require.NoError(t, err)
	channel, err := s.executor.MonitorExecution(id3)
	require.NoError(t, err)
	done, err := executor.WaitForWorkflowCompletionUntilTimeout(channel, goSDKWait)
	require.NoError(t, err)
	assert.Equal(t, model.CompletedWorkflow, done.Status)
	assert.Equal(t, "hello cy", done.Output["greeting"])

	for id, name := range map[string]string{id1: "ada", id2: "bob", id3: "cy"} {
		wf := s.waitFor(t, id, model.CompletedWorkflow)
		assert.Equal(t, map[string]any{"greeting": "hello " + name}, wf.Output)
		require.Len(t, wf.Tasks, 1)
		task := wf.Tasks[0]
		assert.Equal(t, model.CompletedTask, task.Status)
		assert.Equal(t, "echo_ref", task.ReferenceTaskName)
		assert.NotEmpty(t, task.WorkerId, "the worker's id (its host name)")
		assert.Equal(t, "***", task.InputData["secret"], "the execution masks the secret")
		assert.Equal(t, float64(len(s.secretValue)), task.OutputData["secretLength"])
		assert.NotContains(t, mustJSON(t, wf), s.secretValue)
		mu.Lock()
		in := received[id]
		mu.Unlock()
		assert.Equal(t, map[string]any{"name": name, "secret": s.secretValue}, in, "the worker gets the real value")
	}
	wf, _, err := s.workflows.GetExecutionStatus(ctx, id2, &client.WorkflowResourceApiGetExecutionStatusOpts{IncludeTasks: optional.NewBool(false)})
	require.NoError(t, err)
	assert.Empty(t, wf.Tasks, "includeTasks=false")
	assert.Equal(t, int32(3), wf.Priority)
	assert.Equal(t, "gosdk-corr-"+s.run, wf.CorrelationId)
	assert.Equal(t, s.echoWF, wf.WorkflowName)
	assert.Equal(t, int32(1), wf.WorkflowVersion)
	state, err := s.executor.GetWorkflowStatus(id1, true, false)
	require.NoError(t, err)
	assert.Equal(t, "COMPLETED", state.Status)
	assert.Equal(t, "hello ada", state.Output["greeting"])
	got, err := s.executor.GetWorkflow(id1, true)
	require.NoError(t, err)
	task, err := s.executor.GetTask(got.Tasks[0].TaskId)
	require.NoError(t, err)
	assert.Equal(t, id1, task.WorkflowInstanceId)
	assert.Equal(t, "***", task.InputData["secret"])

	// ExecuteWorkflow: start and wait for the end in one call.
	run, err := s.executor.ExecuteWorkflow(&model.StartWorkflowRequest{Name: s.echoWF, Version: 1,
		Input: map[string]any{"name": "dee"}}, "")
	require.NoError(t, err)
	assert.Equal(t, "COMPLETED", run.Status)
	assert.Equal(t, "hello dee", run.Output["greeting"])

	// Task logs, through the task client.
	_, err = s.tasks.Log(ctx, "a line from the Go SDK", got.Tasks[0].TaskId)
	require.NoError(t, err)
	logs, _, err := s.tasks.GetTaskLogs(ctx, got.Tasks[0].TaskId)
	require.NoError(t, err)
	require.NotEmpty(t, logs)
	assert.Equal(t, "a line from the Go SDK", logs[len(logs)-1].Log)
}

// testLookups finds the worker subtest's workflows by correlation id and by searching.
func (s *goSDK) testLookups(t *testing.T) {
	ctx := context.Background()
	corr := "gosdk-corr-" + s.run
	byCorr, _, err := s.workflows.GetWorkflows1(ctx, s.echoWF, corr, &client.WorkflowResourceApiGetWorkflowsOpts{
		IncludeClosed: optional.NewBool(true), IncludeTasks: optional.NewBool(false)})
	require.NoError(t, err)
	assert.Len(t, byCorr, 2)
	batch, err := s.executor.GetByCorrelationIds(s.echoWF, true, false, corr, "gosdk-none")
	require.NoError(t, err)
	assert.Len(t, batch[corr], 2)
	assert.Contains(t, batch, "gosdk-none")
	assert.Empty(t, batch["gosdk-none"])
	batch, err = s.executor.GetByCorrelationIdsAndNames(true, true, []string{corr}, []string{s.echoWF, s.manualWF})
	require.NoError(t, err)
	require.Len(t, batch[corr], 2)
	assert.Len(t, batch[corr][0].Tasks, 1, "includeTasks")
	open, err := s.executor.GetByCorrelationIds(s.echoWF, false, false, corr)
	require.NoError(t, err)
	assert.Empty(t, open[corr], "includeClosed=false leaves out the completed ones")

	query := fmt.Sprintf("workflowType = %s AND status = COMPLETED", s.echoWF)
	summaries, err := s.executor.Search(0, 10, query, "*")
	require.NoError(t, err)
	assert.Len(t, summaries, 4)
	for _, sum := range summaries {
		assert.Equal(t, s.echoWF, sum.WorkflowType)
		assert.Equal(t, "COMPLETED", sum.Status)
		assert.NotEmpty(t, sum.StartTime)
	}
	page, _, err := s.workflows.Search(ctx, &client.WorkflowResourceApiSearchOpts{Start: optional.NewInt32(1),
		Size: optional.NewInt32(2), Sort: optional.NewString("startTime:ASC"), Query: optional.NewString(query)})
	require.NoError(t, err)
	assert.Equal(t, int64(4), page.TotalHits)
	assert.Len(t, page.Results, 2)
	full, _, err := s.workflows.SearchV2(ctx, &client.WorkflowResourceApiSearchV2Opts{Query: optional.NewString(
		fmt.Sprintf("workflowType = %s AND correlationId = %s", s.echoWF, corr))})
	require.NoError(t, err)
	assert.Equal(t, int64(2), full.TotalHits)
	require.Len(t, full.Results, 2)
	assert.Equal(t, "hello", strings.Fields(fmt.Sprint(full.Results[0].Output["greeting"]))[0])

	byTasks, _, err := s.workflows.SearchWorkflowsByTasks(ctx, &client.WorkflowResourceApiSearchWorkflowsByTasksOpts{
		Query: optional.NewString(fmt.Sprintf("taskType = %s AND status = COMPLETED", s.echoTask))})
	require.NoError(t, err)
	assert.Equal(t, int64(4), byTasks.TotalHits)
	byTasksV2, _, err := s.workflows.SearchWorkflowsByTasksV2(ctx, &client.WorkflowResourceApiSearchWorkflowsByTasksV2Opts{
		Query: optional.NewString(fmt.Sprintf("taskType = %s", s.echoTask)), Size: optional.NewInt32(1)})
	require.NoError(t, err)
	assert.Equal(t, int64(4), byTasksV2.TotalHits)
	require.Len(t, byTasksV2.Results, 1)
	assert.Equal(t, s.echoWF, byTasksV2.Results[0].WorkflowName)

	taskPage, _, err := s.tasks.Search(ctx, &client.TaskResourceApiSearch1Opts{
		Query: optional.NewString(fmt.Sprintf("taskType = %s", s.echoTask)), Size: optional.NewInt32(10)})
	require.NoError(t, err)
	assert.Equal(t, int64(4), taskPage.TotalHits)
	for _, sum := range taskPage.Results {
		assert.Equal(t, s.echoWF, sum.WorkflowType)
		assert.Equal(t, "COMPLETED", sum.Status)
		assert.NotEmpty(t, sum.TaskId)
	}
	tasksV2, _, err := s.tasks.SearchV2(ctx, &client.TaskResourceApiSearchV21Opts{
		Query: optional.NewString(fmt.Sprintf("taskType = %s", s.echoTask)), Size: optional.NewInt32(2)})
	require.NoError(t, err)
	assert.Equal(t, int64(4), tasksV2.TotalHits)
	require.Len(t, tasksV2.Results, 2)
	assert.Equal(t, "echo_ref", tasksV2.Results[0].ReferenceTaskName)
	assert.Equal(t, "***", tasksV2.Results[0].InputData["secret"], "task search masks the secret")
}

// testOperations walks one manual workflow through the per-workflow operations.
func (s *goSDK) testOperations(t *testing.T) {
	ctx := context.Background()
	start := func(n int) string {
		id, err := s.executor.StartWorkflow(&model.StartWorkflowRequest{Name: s.manualWF, Version: 1, Input: map[string]any{"n": n}})
		require.NoError(t, err)
		return id
	}
	id := start(1)
	wf := s.waitForTask(t, id, "manual_ref")
	running, _, err := s.workflows.GetRunningWorkflow(ctx, s.manualWF, &client.WorkflowResourceApiGetRunningWorkflowOpts{Version: optional.NewInt32(1)})
	require.NoError(t, err)
	assert.Contains(t, running, id)

	// Pause and resume.
	require.NoError(t, s.executor.Pause(id))
	s.waitFor(t, id, model.PausedWorkflow)
	require.NoError(t, s.executor.Resume(id))
	s.waitFor(t, id, model.RunningWorkflow)

	// Fail the task through the task API: the workflow fails, then retry schedules it again.
	taskID := wf.Tasks[0].TaskId
	require.NoError(t, s.executor.UpdateTask(taskID, id, model.FailedTask, map[string]any{"why": "first try"}))
	failed := s.waitFor(t, id, model.FailedWorkflow)
	assert.Equal(t, []string{"manual_ref"}, failed.FailedReferenceTaskNames)
	require.NoError(t, s.executor.Retry(id, false))
	wf = s.waitForTask(t, id, "manual_ref")
	require.Len(t, wf.Tasks, 2, "retry adds a new attempt")
	assert.True(t, wf.Tasks[0].Retried)
	// Complete it by reference name (the executor's UpdateTaskByRefName).
	require.NoError(t, s.executor.UpdateTaskByRefName("manual_ref", id, model.CompletedTask, map[string]any{"result": 42}))
	wf = s.waitFor(t, id, model.CompletedWorkflow)
	assert.Equal(t, float64(42), wf.Output["result"])

	// Restart: the completed workflow runs again from the start, same id.
	require.NoError(t, s.executor.Restart(id, false))
	wf = s.waitForTask(t, id, "manual_ref")
	assert.Len(t, wf.Tasks, 1)
	assert.Equal(t, float64(1), wf.Input["n"])
	// Terminate with the failure workflow: it starts with the terminated workflow's id.
	require.NoError(t, s.executor.TerminateWithFailure(id, "stopped by the Go SDK", true))
	terminated := s.waitFor(t, id, model.TerminatedWorkflow)
	assert.Equal(t, "stopped by the Go SDK", terminated.ReasonForIncompletion)
	failureID, _ := terminated.Output["conductor.failure_workflow"].(string)
	require.Regexp(t, `^[0-9a-f-]{36}$`, failureID, "output: %v", terminated.Output)
	failureRun := s.waitFor(t, failureID, model.CompletedWorkflow)
	assert.Equal(t, s.failureWF, failureRun.WorkflowName)
	assert.Equal(t, id, failureRun.Output["failedId"])
	// A plain terminate starts nothing.
	other := start(2)
	s.waitForTask(t, other, "manual_ref")
	require.NoError(t, s.executor.Terminate(other, "plain"))
	plain := s.waitFor(t, other, model.TerminatedWorkflow)
	assert.NotContains(t, plain.Output, "conductor.failure_workflow")

	// Rerun the terminated workflow with new input.
	rerun, err := s.executor.ReRun(id, model.RerunWorkflowRequest{WorkflowInput: map[string]any{"n": 7}})
	require.NoError(t, err)
	assert.Equal(t, id, rerun)
	wf = s.waitForTask(t, id, "manual_ref")
	assert.Equal(t, float64(7), wf.Input["n"])
	assert.Equal(t, float64(7), wf.Tasks[len(wf.Tasks)-1].InputData["n"])
	require.NoError(t, s.executor.UpdateTaskByRefName("manual_ref", id, model.CompletedTask, map[string]any{"result": "rerun"}))
	s.waitFor(t, id, model.CompletedWorkflow)

	// Skip: only a task not scheduled yet can be skipped (as in Conductor); this one is.
	skip := start(3)
	s.waitForTask(t, skip, "manual_ref")
	err = s.executor.SkipTasksFromWorkflow(skip, "manual_ref", model.SkipTaskRequest{})
	requireStatus(t, err, nil, http.StatusConflict)
	require.NoError(t, s.executor.Terminate(skip, "not skippable"))
	s.waitFor(t, skip, model.TerminatedWorkflow)

	// Remove, archiving (the default): still readable as it was, but no longer operable.
	_, err = s.workflows.Delete(ctx, other, &client.WorkflowResourceApiDeleteOpts{ArchiveWorkflow: optional.NewBool(true)})
	require.NoError(t, err)
	archived := s.waitFor(t, other, model.TerminatedWorkflow)
	assert.Equal(t, "plain", archived.ReasonForIncompletion)
	_, err = s.workflows.Restart(ctx, other, nil)
	requireStatus(t, err, nil, http.StatusNotFound)
	// The executor's RemoveWorkflow deletes (archiveWorkflow=false): gone.
	require.NoError(t, s.executor.RemoveWorkflow(skip))
	_, resp, err := s.workflows.GetExecutionStatus(ctx, skip, nil)
	requireStatus(t, err, resp, http.StatusNotFound)
	_, err = s.executor.GetWorkflow(skip, false)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "no such workflow")
}

func (s *goSDK) testBulk(t *testing.T) {
	ctx := context.Background()
	var ids []string
	for n := range 3 {
		id, err := s.executor.StartWorkflow(&model.StartWorkflowRequest{Name: s.manualWF, Version: 1, Input: map[string]any{"n": n}})
		require.NoError(t, err)
		ids = append(ids, id)
	}
	for _, id := range ids {
		s.waitForTask(t, id, "manual_ref")
	}
	missing := "00000000-0000-4000-8000-000000000000"
	check := func(what string, res model.BulkResponse, err error) {
		t.Helper()
		require.NoError(t, err, what)
		assert.ElementsMatch(t, ids, res.BulkSuccessfulResults, what)
		assert.Contains(t, res.BulkErrorResults, missing, what)
	}
	res, _, err := s.bulk.PauseWorkflow1(ctx, append(slices.Clone(ids), missing))
	check("pause", res, err)
	for _, id := range ids {
		s.waitFor(t, id, model.PausedWorkflow)
	}
	res, _, err = s.bulk.ResumeWorkflow1(ctx, append(slices.Clone(ids), missing))
	check("resume", res, err)
	for _, id := range ids {
		s.waitFor(t, id, model.RunningWorkflow)
	}
	res, _, err = s.bulk.Terminate(ctx, append(slices.Clone(ids), missing), &client.WorkflowBulkResourceApiTerminateOpts{
		Reason: optional.NewString("bulk stop"), TriggerFailureWorkflow: optional.NewBool(false)})
	check("terminate", res, err)
	for _, id := range ids {
		wf := s.waitFor(t, id, model.TerminatedWorkflow)
		assert.Equal(t, "bulk stop", wf.ReasonForIncompletion)
	}
	res, _, err = s.bulk.Retry1(ctx, append(slices.Clone(ids), missing))
	check("retry", res, err)
	for _, id := range ids {
		wf := s.waitForTask(t, id, "manual_ref")
		assert.Len(t, wf.Tasks, 2, "retry adds an attempt")
	}
	res, _, err = s.bulk.Restart1(ctx, append(slices.Clone(ids), missing), &client.WorkflowBulkResourceApiRestart1Opts{
		UseLatestDefinitions: optional.NewBool(true)})
	// Restart needs a closed workflow: the three are running again, so all four fail.
	require.NoError(t, err)
	assert.Empty(t, res.BulkSuccessfulResults)
	assert.Len(t, res.BulkErrorResults, 4)
	res, _, err = s.bulk.Terminate(ctx, ids, nil)
	require.NoError(t, err)
	assert.ElementsMatch(t, ids, res.BulkSuccessfulResults)
	res, _, err = s.bulk.Restart1(ctx, ids, nil)
	require.NoError(t, err)
	assert.ElementsMatch(t, ids, res.BulkSuccessfulResults)
	for _, id := range ids {
		wf := s.waitForTask(t, id, "manual_ref")
		assert.Len(t, wf.Tasks, 1, "restart starts over")
	}
	res, _, err = s.bulk.Terminate(ctx, ids, nil)
	require.NoError(t, err)
	assert.ElementsMatch(t, ids, res.BulkSuccessfulResults)
}

func (s *goSDK) testQueues(t *testing.T) {
	ctx := context.Background()
	// Two pending tasks of the manual type nobody polls.
	var ids []string
	for n := range 2 {
		id, err := s.executor.StartWorkflow(&model.StartWorkflowRequest{Name: s.manualWF, Version: 1, Input: map[string]any{"n": n}})
		require.NoError(t, err)
		ids = append(ids, id)
		s.waitForTask(t, id, "manual_ref")
	}
	sizes, _, err := s.tasks.Size(ctx, &client.TaskResourceApiSizeOpts{TaskType: optional.NewInterface(s.manualTask)})
	require.NoError(t, err)
	assert.Equal(t, map[string]int32{s.manualTask: 2}, sizes)
	all, _, err := s.tasks.All(ctx)
	require.NoError(t, err)
	assert.Equal(t, int64(2), all[s.manualTask])
	verbose, _, err := s.tasks.AllVerbose(ctx)
	require.NoError(t, err)
	assert.Contains(t, verbose, s.manualTask)
	var total int64
	for _, shard := range verbose[s.manualTask] { // {shard: {size, uacked}}
		total += shard["size"]
	}
	assert.Equal(t, int64(2), total, "verbose: %v", verbose[s.manualTask])
	requeued, _, err := s.tasks.RequeuePendingTask(ctx, s.manualTask)
	require.NoError(t, err)
	assert.Equal(t, "2", requeued)

	// A poll by the task client, then the poll data it left.
	task, _, err := s.tasks.Poll(ctx, s.manualTask, &client.TaskResourceApiPollOpts{Workerid: optional.NewString("gosdk-poller")})
	require.NoError(t, err)
	require.Contains(t, ids, task.WorkflowInstanceId)
	assert.Equal(t, "gosdk-poller", task.WorkerId)
	polled, _, err := s.tasks.BatchPoll(ctx, s.manualTask, &client.TaskResourceApiBatchPollOpts{Count: optional.NewInt32(5),
		Timeout: optional.NewInt32(100), Workerid: optional.NewString("gosdk-poller")})
	require.NoError(t, err)
	require.Len(t, polled, 1)
	// An empty queue: 204, which the SDK reads as no task.
	_, resp, err := s.tasks.Poll(ctx, s.manualTask, nil)
	require.NoError(t, err)
	assert.Equal(t, http.StatusNoContent, resp.StatusCode)
	pollData, _, err := s.tasks.GetPollData(ctx, s.manualTask)
	require.NoError(t, err)
	require.NotEmpty(t, pollData)
	assert.Equal(t, "gosdk-poller", pollData[0].WorkerId)
	assert.Equal(t, s.manualTask, pollData[0].QueueName)
	allPoll, _, err := s.tasks.GetAllPollData(ctx)
	require.NoError(t, err)
	assert.True(t, slices.ContainsFunc(allPoll, func(d model.PollData) bool { return d.QueueName == s.echoTask }))
	sizes, _, err = s.tasks.Size(ctx, &client.TaskResourceApiSizeOpts{TaskType: optional.NewInterface(s.manualTask)})
	require.NoError(t, err)
	assert.Equal(t, map[string]int32{s.manualTask: 0}, sizes)

	// The worker's update through the task client: the result string is the task id.
	out, _, err := s.tasks.UpdateTask(ctx, &model.TaskResult{TaskId: task.TaskId, WorkflowInstanceId: task.WorkflowInstanceId,
		Status: model.CompletedTask, OutputData: map[string]any{"result": "polled"}})
	require.NoError(t, err)
	assert.Equal(t, task.TaskId, out)
	wf := s.waitFor(t, task.WorkflowInstanceId, model.CompletedWorkflow)
	assert.Equal(t, "polled", wf.Output["result"])
	byRef, _, err := s.tasks.UpdateTaskByRefName(ctx, map[string]any{"result": "by ref"}, polled[0].WorkflowInstanceId,
		"manual_ref", string(model.CompletedTask))
	require.NoError(t, err)
	assert.Equal(t, polled[0].TaskId, byRef)
	s.waitFor(t, polled[0].WorkflowInstanceId, model.CompletedWorkflow)
}

// testRotation runs api/testdata/rotate_secret_workflow.json against a local token endpoint.
func (s *goSDK) testRotation(t *testing.T) {
	ctx := context.Background()
	appKeyID, appKeySecret := "kid-"+rand.Text(), "ksec-"+rand.Text()
	var mu sync.Mutex
	var tokens []string
	stub := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var creds struct{ KeyID, KeySecret string }
		body, _ := io.ReadAll(r.Body)
		_ = json.Unmarshal(body, &creds)
		if r.Method != http.MethodPost || r.URL.Path != "/oauth/token" || creds.KeyID != appKeyID || creds.KeySecret != appKeySecret {
			http.Error(w, `{"error":"bad credentials"}`, http.StatusUnauthorized)
			return
		}
		mu.Lock()
		token := "tok-" + fmt.Sprint(len(tokens)) + "-" + appKeySecret[5:]
		tokens = append(tokens, token)
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"token": token, "expiresIn": 3600})
	}))
	t.Cleanup(stub.Close)

	for name, value := range map[string]string{"appKeyId": appKeyID, "appKeySecret": appKeySecret,
		"my_secret_holding_a_token": "old-token"} {
		_, _, err := s.secrets.PutSecret(ctx, value, name)
		require.NoError(t, err)
	}
	data, err := os.ReadFile(filepath.Join("..", "..", "api", "testdata", "rotate_secret_workflow.json"))
	require.NoError(t, err)
	const fixtureURL = "http://127.0.0.1:18081/oauth/token"
	require.Contains(t, string(data), fixtureURL)
	var def model.WorkflowDef
	require.NoError(t, json.Unmarshal([]byte(strings.Replace(string(data), fixtureURL, stub.URL+"/oauth/token", 1)), &def))
	require.NoError(t, s.executor.RegisterWorkflow(true, &def))

	id, err := s.executor.StartWorkflow(&model.StartWorkflowRequest{Name: def.Name, Version: 1, Input: map[string]any{}})
	require.NoError(t, err)
	wf := s.waitFor(t, id, model.CompletedWorkflow)
	mu.Lock()
	require.Len(t, tokens, 1, "the workflow called the token endpoint once")
	token := tokens[0]
	mu.Unlock()
	rotated, _, err := s.secrets.GetSecret(ctx, "my_secret_holding_a_token")
	require.NoError(t, err)
	assert.Equal(t, token, rotated)

	require.Len(t, wf.Tasks, 2)
	retrieve, update := wf.Tasks[0], wf.Tasks[1]
	assert.Equal(t, "retrieve_token", retrieve.ReferenceTaskName)
	assert.Equal(t, "update_secret_task_ref", update.ReferenceTaskName)
	assert.Equal(t, model.CompletedTask, update.Status)
	body, _ := retrieve.InputData["body"].(map[string]any)
	assert.Equal(t, map[string]any{"keyId": "***", "keySecret": "***"}, body)
	assert.Equal(t, "***", retrieve.OutputData["_secrets"])
	assert.Equal(t, "***", update.InputData["_secrets"])
	// No secret value in any response about the execution.
	summaries, err := s.executor.Search(0, 5, "workflowType = "+def.Name, "*")
	require.NoError(t, err)
	byTasks, _, err := s.workflows.SearchV2(ctx, &client.WorkflowResourceApiSearchV2Opts{Query: optional.NewString("workflowType = " + def.Name)})
	require.NoError(t, err)
	tasks, _, err := s.tasks.SearchV2(ctx, &client.TaskResourceApiSearchV21Opts{Query: optional.NewString("workflowType = " + def.Name)})
	require.NoError(t, err)
	state, err := s.executor.GetWorkflowStatus(id, true, true)
	require.NoError(t, err)
	task, err := s.executor.GetTask(retrieve.TaskId)
	require.NoError(t, err)
	for what, v := range map[string]any{"workflow": wf, "search": summaries, "search-v2": byTasks, "task search": tasks,
		"status": state, "task": task} {
		text := mustJSON(t, v)
		for _, secret := range []string{token, appKeyID, appKeySecret} {
			assert.NotContains(t, text, secret, "%s shows a secret value", what)
		}
	}
	assert.Equal(t, int64(1), byTasks.TotalHits)
	assert.Equal(t, int64(2), tasks.TotalHits)
}

func (s *goSDK) testSchedules(t *testing.T) {
	ctx := context.Background()
	next, _, err := s.scheduler.GetNextFewSchedules(ctx, "0 0 12 * * ?", &client.SchedulerResourceApiGetNextFewSchedulesOpts{
		ScheduleStartTime: optional.NewInt64(time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC).UnixMilli()),
		Limit:             optional.NewInt32(3)})
	require.NoError(t, err)
	require.Len(t, next, 3)
	assert.Equal(t, time.Date(2030, 1, 1, 12, 0, 0, 0, time.UTC).UnixMilli(), next[0])
	assert.Equal(t, int64(24*time.Hour/time.Millisecond), next[1]-next[0])

	name := "gosdk_every_second_" + s.run
	_, _, err = s.scheduler.SaveSchedule(ctx, model.SaveScheduleRequest{Name: name, CronExpression: "* * * ? * *",
		StartWorkflowRequest: &model.StartWorkflowRequest{Name: s.echoWF, Version: 1, Input: map[string]any{"name": "cron"},
			CorrelationId: "gosdk-cron-" + s.run}})
	require.NoError(t, err)
	got, _, err := s.scheduler.GetSchedule(ctx, name)
	require.NoError(t, err)
	assert.Equal(t, "* * * ? * *", got.CronExpression)
	require.NotNil(t, got.StartWorkflowRequest)
	assert.Equal(t, s.echoWF, got.StartWorkflowRequest.Name)
	assert.False(t, got.Paused)
	list, _, err := s.scheduler.GetAllSchedules(ctx, &client.SchedulerResourceApiGetAllSchedulesOpts{WorkflowName: optional.NewString(s.echoWF)})
	require.NoError(t, err)
	require.Len(t, list, 1)
	assert.Equal(t, name, list[0].Name)

	// It fires: a workflow of the schedule's request runs (the worker is gone: it stays RUNNING).
	var started []model.WorkflowSummary
	require.Eventually(t, func() bool {
		started, err = s.executor.Search(0, 10, "correlationId = gosdk-cron-"+s.run, "*")
		return err == nil && len(started) > 0
	}, goSDKWait, 200*time.Millisecond, "the schedule started no workflow")
	assert.Equal(t, s.echoWF, started[0].WorkflowType)
	var execs model.SearchResultWorkflowSchedule
	require.Eventually(t, func() bool {
		execs, _, err = s.scheduler.SearchV2(ctx, &client.SchedulerSearchOpts{Query: optional.NewString("scheduleName = " + name),
			Size: optional.NewInt32(5)})
		return err == nil && execs.TotalHits > 0
	}, goSDKWait, 200*time.Millisecond, "no schedule execution: %v", err)
	assert.Equal(t, name, execs.Results[0].ScheduleName)
	assert.Equal(t, s.echoWF, execs.Results[0].WorkflowName)
	assert.NotEmpty(t, execs.Results[0].WorkflowId)

	_, _, err = s.scheduler.PauseSchedule(ctx, name)
	require.NoError(t, err)
	got, _, err = s.scheduler.GetSchedule(ctx, name)
	require.NoError(t, err)
	assert.True(t, got.Paused)
	time.Sleep(1200 * time.Millisecond) // a firing already under way may still land
	before, err := s.executor.Search(0, 100, "correlationId = gosdk-cron-"+s.run, "*")
	require.NoError(t, err)
	time.Sleep(2 * time.Second)
	after, err := s.executor.Search(0, 100, "correlationId = gosdk-cron-"+s.run, "*")
	require.NoError(t, err)
	assert.Len(t, after, len(before), "a paused schedule fires nothing")
	_, _, err = s.scheduler.ResumeSchedule(ctx, name)
	require.NoError(t, err)
	got, _, err = s.scheduler.GetSchedule(ctx, name)
	require.NoError(t, err)
	assert.False(t, got.Paused)

	_, err = s.scheduler.PutTagForSchedule(ctx, []model.Tag{{Key: "owner", Value: "go"}}, name)
	require.NoError(t, err)
	tags, _, err := s.scheduler.GetTagsForSchedule(ctx, name)
	require.NoError(t, err)
	require.Len(t, tags, 1)
	assert.Equal(t, "owner", tags[0].Key)

	_, _, err = s.scheduler.DeleteSchedule(ctx, name)
	require.NoError(t, err)
	_, resp, err := s.scheduler.GetSchedule(ctx, name)
	requireStatus(t, err, resp, http.StatusNotFound)

	// Stop what the schedule started (nobody serves their task any more).
	all, err := s.executor.Search(0, 100, "correlationId = gosdk-cron-"+s.run, "*")
	require.NoError(t, err)
	var ids []string
	for _, w := range all {
		ids = append(ids, w.WorkflowId)
	}
	_, _, err = s.bulk.Terminate(ctx, ids, nil)
	require.NoError(t, err)
}

// testEvents registers an event handler, updates it, lets an EVENT task trigger it and removes it.
func (s *goSDK) testEvents(t *testing.T) {
	ctx := context.Background()
	eventDef := model.WorkflowDef{Name: s.eventWF, Version: 1, SchemaVersion: 2, OwnerEmail: "sdk@example.com",
		Tasks: []model.WorkflowTask{{Name: "publish", TaskReferenceName: "publish_ref", Type_: "EVENT", Sink: "conductor",
			InputParameters: map[string]any{"n": "${workflow.input.n}"}}}}
	require.NoError(t, s.executor.RegisterWorkflow(true, &eventDef))

	event := "conductor:" + s.eventWF + ":publish_ref"
	handler := model.EventHandler{Name: "gosdk_handler_" + s.run, Event: event, Active: true,
		Actions: []model.Action{{Action: "start_workflow", StartWorkflow: &model.StartWorkflow{Name: s.manualWF, Version: 1,
			CorrelationId: "gosdk-event-" + s.run, Input: map[string]any{"n": "${n}"}}}}}
	_, err := s.events.AddEventHandler(ctx, handler)
	require.NoError(t, err)
	resp, err := s.events.AddEventHandler(ctx, handler)
	requireStatus(t, err, resp, http.StatusConflict)

	handlers, _, err := s.events.GetEventHandlers(ctx)
	require.NoError(t, err)
	i := slices.IndexFunc(handlers, func(h model.EventHandler) bool { return h.Name == handler.Name })
	require.GreaterOrEqual(t, i, 0)
	assert.Equal(t, event, handlers[i].Event)
	assert.True(t, handlers[i].Active)

	// Update: only messages whose n is 2 start a workflow.
	handler.Condition = "$.n == 2"
	handler.EvaluatorType = "javascript"
	_, err = s.events.UpdateEventHandler(ctx, handler)
	require.NoError(t, err)
	forEvent, _, err := s.events.GetEventHandlersForEvent(ctx, event, &client.EventResourceApiGetEventHandlersForEventOpts{
		ActiveOnly: optional.NewBool(true)})
	require.NoError(t, err)
	require.Len(t, forEvent, 1)
	assert.Equal(t, "$.n == 2", forEvent[0].Condition)

	var published []string
	for _, n := range []int{1, 2} {
		id, err := s.executor.StartWorkflow(&model.StartWorkflowRequest{Name: s.eventWF, Version: 1, Input: map[string]any{"n": n}})
		require.NoError(t, err)
		published = append(published, id)
	}
	for _, id := range published {
		wf := s.waitFor(t, id, model.CompletedWorkflow)
		assert.Equal(t, event, wf.Tasks[0].OutputData["event_produced"])
	}
	var started []model.WorkflowSummary
	require.Eventually(t, func() bool {
		started, err = s.executor.Search(0, 10, "correlationId = gosdk-event-"+s.run, "*")
		return err == nil && len(started) > 0
	}, goSDKWait, 200*time.Millisecond, "the handler started no workflow")
	time.Sleep(500 * time.Millisecond) // the message with n=1 is no later than the other
	started, err = s.executor.Search(0, 10, "correlationId = gosdk-event-"+s.run, "*")
	require.NoError(t, err)
	require.Len(t, started, 1, "only the message with n = 2 matches")
	wf, err := s.executor.GetWorkflow(started[0].WorkflowId, false)
	require.NoError(t, err)
	assert.Equal(t, s.manualWF, wf.WorkflowName)
	assert.Equal(t, float64(2), wf.Input["n"])
	assert.Equal(t, event, wf.Input["conductor.event.name"])
	require.NoError(t, s.executor.Terminate(wf.WorkflowId, "done"))

	_, err = s.events.RemoveEventHandler(ctx, handler.Name)
	require.NoError(t, err)
	handlers, _, err = s.events.GetEventHandlers(ctx)
	require.NoError(t, err)
	assert.False(t, slices.ContainsFunc(handlers, func(h model.EventHandler) bool { return h.Name == handler.Name }))
	resp, err = s.events.RemoveEventHandler(ctx, handler.Name)
	requireStatus(t, err, resp, http.StatusNotFound)
}

// testRawRoutes calls, with the SDK's own token helper and models, routes v1.5.4 has no method
// for: POST /api/workflow/test (the Java/Python SDKs' testWorkflow) and /api/admin.
func (s *goSDK) testRawRoutes(t *testing.T, base string) {
	token, _, err := authentication.GetToken(*s.creds, s.http, http.DefaultClient)
	require.NoError(t, err)
	call := func(method, path string, body any) (int, []byte) {
		t.Helper()
		var reader io.Reader
		if body != nil {
			data, err := json.Marshal(body)
			require.NoError(t, err)
			reader = strings.NewReader(string(data))
		}
		req, err := http.NewRequestWithContext(context.Background(), method, base+path, reader)
		require.NoError(t, err)
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-Authorization", token.Token)
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		data, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		return resp.StatusCode, data
	}

	request := map[string]any{"name": s.manualWF, "version": 1, "input": map[string]any{"n": 5},
		"taskRefToMockOutput": map[string]any{"manual_ref": []map[string]any{
			{"status": "COMPLETED", "output": map[string]any{"result": "mocked"}}}}}
	status, data := call(http.MethodPost, "/api/workflow/test", request)
	require.Equal(t, http.StatusOK, status, "%s", data)
	var wf model.Workflow
	require.NoError(t, json.Unmarshal(data, &wf), "the SDK's Workflow model reads the answer")
	assert.Equal(t, model.CompletedWorkflow, wf.Status)
	assert.Equal(t, "mocked", wf.Output["result"])
	_, resp, err := s.workflows.GetExecutionStatus(context.Background(), wf.WorkflowId, nil)
	requireStatus(t, err, resp, http.StatusNotFound) // nothing is stored

	pending, err := s.executor.StartWorkflow(&model.StartWorkflowRequest{Name: s.manualWF, Version: 1})
	require.NoError(t, err)
	s.waitForTask(t, pending, "manual_ref")
	status, data = call(http.MethodGet, "/api/admin/queues?verbose=false", nil)
	require.Equal(t, http.StatusOK, status, "%s", data)
	var queues map[string]int64
	require.NoError(t, json.Unmarshal(data, &queues), "%s", data)
	assert.Equal(t, int64(1), queues[s.manualTask], "%s", data)
	require.NoError(t, s.executor.Terminate(pending, "done"))
	status, data = call(http.MethodGet, "/api/admin/config", nil)
	require.Equal(t, http.StatusOK, status, "%s", data)
	assert.NotContains(t, string(data), s.creds.GetBody()["keySecret"])
}

// waitFor polls the workflow (with its tasks) until it has status, and returns it.
func (s *goSDK) waitFor(t *testing.T, id string, status model.WorkflowStatus) model.Workflow {
	t.Helper()
	var wf model.Workflow
	var err error
	deadline := time.Now().Add(goSDKWait)
	for {
		wf, _, err = s.workflows.GetExecutionStatus(context.Background(), id,
			&client.WorkflowResourceApiGetExecutionStatusOpts{IncludeTasks: optional.NewBool(true)})
		if err == nil && wf.Status == status {
			return wf
		}
		if time.Now().After(deadline) {
			t.Fatalf("workflow %s did not reach %s within %s: status %s (%s), error %v", id, status, goSDKWait,
				wf.Status, wf.ReasonForIncompletion, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// waitForTask polls the workflow until its last task is ref, scheduled or in progress, and
// returns it.
func (s *goSDK) waitForTask(t *testing.T, id, ref string) model.Workflow {
	t.Helper()
	deadline := time.Now().Add(goSDKWait)
	for {
		wf, _, err := s.workflows.GetExecutionStatus(context.Background(), id,
			&client.WorkflowResourceApiGetExecutionStatusOpts{IncludeTasks: optional.NewBool(true)})
		if err == nil && wf.Status == model.RunningWorkflow && len(wf.Tasks) > 0 {
			last := wf.Tasks[len(wf.Tasks)-1]
			if last.ReferenceTaskName == ref && (last.Status == "SCHEDULED" || last.Status == model.InProgressTask) {
				return wf
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("workflow %s (%s): task %s is not pending after %s (error %v): %s", id, wf.Status, ref, goSDKWait, err,
				mustJSON(t, wf.Tasks))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// requireStatus requires err to be the SDK's error for an answer with status code.
func requireStatus(t *testing.T, err error, resp *http.Response, code int) {
	t.Helper()
	require.Error(t, err, "expected %d", code)
	var swagger client.GenericSwaggerError
	if errors.As(err, &swagger) {
		assert.Equal(t, code, swagger.StatusCode(), "%s", swagger.Body())
		return
	}
	require.NotNil(t, resp, "error %v", err)
	assert.Equal(t, code, resp.StatusCode, "%v", err)
}

func tagPairs(tags []model.TagObject) []string {
	var out []string
	for _, tag := range tags {
		out = append(out, tag.Key+"="+fmt.Sprint(tag.Value))
	}
	return out
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	data, err := json.Marshal(v)
	require.NoError(t, err)
	return string(data)
}
