package conductor_test

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/podiumhq/podium/internal/conductor"
)

func TestJavaString(t *testing.T) {
	t.Parallel()
	require.Equal(t, "{a=1, b=[x, null, {c=true}], d=2.5}",
		conductor.JavaString(map[string]any{"b": []any{"x", nil, map[string]any{"c": true}}, "a": json.Number("1"), "d": 2.5}))
	require.Equal(t, "{}", conductor.JavaString(map[string]any{}))
	require.Equal(t, "null", conductor.JavaString(nil))
}

func TestSummarize(t *testing.T) {
	t.Parallel()
	wf := &conductor.Workflow{WorkflowID: "id", WorkflowName: "w", WorkflowVersion: 2, Status: conductor.WorkflowFailed,
		CreateTime: 1_700_000_000_000, UpdateTime: 1_700_000_001_000, EndTime: 1_700_000_002_500,
		Input: map[string]any{"k": "v"}, FailedReferenceTaskNames: []string{"a", "b"}}
	s := conductor.Summarize(wf)
	require.Equal(t, "2023-11-14T22:13:20.000Z", s.StartTime)
	require.Equal(t, "2023-11-14T22:13:21.000Z", s.UpdateTime)
	require.Equal(t, "2023-11-14T22:13:22.500Z", s.EndTime)
	require.EqualValues(t, 2500, s.ExecutionTime)
	require.Equal(t, "{k=v}", s.Input)
	require.EqualValues(t, len("{k=v}"), s.InputSize)
	require.Equal(t, "a,b", s.FailedReferenceTaskNames)
	require.Equal(t, []string{}, s.FailedTaskNames, "an empty list, never null")

	running := conductor.Summarize(&conductor.Workflow{WorkflowID: "r", Status: conductor.WorkflowRunning, CreateTime: 1})
	require.Empty(t, running.EndTime)
	require.Zero(t, running.ExecutionTime)
}

func TestSummarizeTask(t *testing.T) {
	t.Parallel()
	task := &conductor.Task{TaskID: "t", WorkflowInstanceID: "w", WorkflowType: "wf", TaskType: "HTTP", TaskDefName: "call",
		Status: conductor.TaskCompleted, ScheduledTime: 1_700_000_000_000, StartTime: 1_700_000_000_250,
		EndTime: 1_700_000_001_000, UpdateTime: 1_700_000_001_000, InputData: map[string]any{"k": "v"}, WorkflowPriority: 3}
	task.Normalize()
	s := conductor.SummarizeTask(task)
	require.Equal(t, "2023-11-14T22:13:20.000Z", s.ScheduledTime)
	require.Equal(t, "2023-11-14T22:13:20.250Z", s.StartTime)
	require.Equal(t, "2023-11-14T22:13:21.000Z", s.EndTime)
	require.EqualValues(t, 750, s.ExecutionTime)
	require.EqualValues(t, 250, s.QueueWaitTime)
	require.Equal(t, "{k=v}", s.Input)
	require.Equal(t, "{}", s.Output)
	require.Equal(t, 3, s.WorkflowPriority)

	raw, err := json.Marshal(conductor.SummarizeTask(&conductor.Task{TaskID: "s", Status: conductor.TaskScheduled}))
	require.NoError(t, err)
	var fields map[string]any
	require.NoError(t, json.Unmarshal(raw, &fields))
	require.Equal(t, "1970-01-01T00:00:00.000Z", fields["startTime"], "an unset time renders as epoch 0, as in Conductor")
	require.Equal(t, "1970-01-01T00:00:00.000Z", fields["endTime"])
	require.EqualValues(t, 0, fields["executionTime"])
	for _, k := range []string{"workflowId", "workflowType", "scheduledTime", "updateTime", "status", "queueWaitTime",
		"taskDefName", "taskType", "input", "output", "taskId", "workflowPriority"} {
		require.Contains(t, fields, k)
	}
}
