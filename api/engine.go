package api

import (
	"context"
	"time"

	"github.com/podiumhq/podium/engine"
	"github.com/podiumhq/podium/internal/auth"
	"github.com/podiumhq/podium/internal/conductor"
	"github.com/podiumhq/podium/internal/search"
)

// executionService is what the handlers need of the engine (package engine's Engine): start,
// read and operate executions, poll and complete tasks.
type executionService interface {
	Ping(ctx context.Context) error

	StartWorkflow(ctx context.Context, req *conductor.StartWorkflowRequest) (string, error)
	Execute(ctx context.Context, req *engine.ExecuteRequest) (*conductor.Workflow, error)
	TestWorkflow(ctx context.Context, req *conductor.WorkflowTestRequest) (*conductor.Workflow, error)
	Workflow(ctx context.Context, workflowID string, includeTasks bool) (*conductor.Workflow, error)
	StreamWorkflow(ctx context.Context, workflowID string, head func(*conductor.Workflow) error, each func(*conductor.Task) error) error
	RunningWorkflows(ctx context.Context, name string, version int, start, end time.Time) ([]string, error)
	CorrelatedWorkflows(ctx context.Context, name, correlationID string, includeClosed, includeTasks bool) ([]*conductor.Workflow, error)

	Decide(ctx context.Context, workflowID string) error
	Pause(ctx context.Context, workflowID string) error
	Resume(ctx context.Context, workflowID string) error
	Terminate(ctx context.Context, workflowID, reason string) error
	TerminateTriggeringFailure(ctx context.Context, workflowID, reason string) error
	Restart(ctx context.Context, workflowID string, useLatestDefinitions bool) error
	Retry(ctx context.Context, workflowID string, resumeSubworkflowTasks bool) error
	Rerun(ctx context.Context, workflowID string, req *conductor.RerunRequest) error
	SkipTask(ctx context.Context, workflowID, ref string, req *conductor.SkipTaskRequest) error
	ResetCallbacks(ctx context.Context, workflowID string) error
	RemoveWorkflow(ctx context.Context, workflowID string, archive bool) error
	VerifyAndRepair(ctx context.Context, workflowID string) (bool, error)
	Bulk(ctx context.Context, ids []string, op func(ctx context.Context, id string) error) (*conductor.BulkResponse, error)

	Poll(ctx context.Context, req engine.PollRequest) ([]*conductor.Task, error)
	Task(ctx context.Context, taskID string) (*conductor.Task, error)
	UpdateTask(ctx context.Context, res *conductor.TaskResult) error
	UpdateTaskByRef(ctx context.Context, p *auth.Principal, workflowID, ref string, status conductor.TaskStatus, output map[string]any, workerID string) (string, *conductor.Workflow, error)
	Signal(ctx context.Context, workflowID string, status conductor.TaskStatus, output map[string]any) (*conductor.Workflow, error)
	AddTaskLog(ctx context.Context, taskID, line string) error
	TaskLogs(ctx context.Context, taskID string) ([]conductor.TaskExecLog, error)
	QueueSize(ctx context.Context, taskType, domain string) (int, error)
	QueueSizes(ctx context.Context) (map[string]int, error)
	PollData(ctx context.Context, taskType string) ([]conductor.PollData, error)
	QueueCounts(ctx context.Context) (map[string]engine.QueueCounts, error)
	RequeuePendingTasks(ctx context.Context, taskType string) (int, error)
	PendingTasks(ctx context.Context, taskType string, start, count int) ([]*conductor.Task, error)
}

// searchService runs workflow and task searches (internal/search's service).
type searchService interface {
	Workflows(ctx context.Context, req search.Request) (*conductor.SearchResult[*conductor.Workflow], error)
	WorkflowSummaries(ctx context.Context, req search.Request) (*conductor.SearchResult[*conductor.WorkflowSummary], error)
	WorkflowsByTasks(ctx context.Context, req search.Request) (*conductor.SearchResult[*conductor.Workflow], error)
	WorkflowSummariesByTasks(ctx context.Context, req search.Request) (*conductor.SearchResult[*conductor.WorkflowSummary], error)
	Tasks(ctx context.Context, req search.Request) (*conductor.SearchResult[*conductor.Task], error)
	TaskSummaries(ctx context.Context, req search.Request) (*conductor.SearchResult[*conductor.TaskSummary], error)
}
