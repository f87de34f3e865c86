package api

import (
	"errors"
	"io"
	"net/http"
	"time"
	"unicode/utf8"

	"github.com/podiumhq/podium/engine"
	"github.com/podiumhq/podium/internal/auth"
	"github.com/podiumhq/podium/internal/conductor"
)

// pollRequest reads the common parameters of the poll endpoints.
func pollRequest(r *http.Request, count int, timeout time.Duration) engine.PollRequest {
	return engine.PollRequest{
		TaskType: pathParam(r, "taskType"),
		WorkerID: r.URL.Query().Get("workerid"),
		Domain:   r.URL.Query().Get("domain"),
		Count:    count,
		Timeout:  timeout,
	}
}

// pollTask answers GET /api/tasks/poll/{taskType}: one task, or 204 when none is available.
func (s *server) pollTask(w http.ResponseWriter, r *http.Request) {
	tasks, err := s.engine.Poll(r.Context(), pollRequest(r, 1, 100*time.Millisecond))
	s.writeFirstTask(w, r, tasks, err)
}

// writeFirstTask answers the first of tasks, 204 when there is none, or the error.
func (s *server) writeFirstTask(w http.ResponseWriter, r *http.Request, tasks []*conductor.Task, err error) {
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if len(tasks) == 0 {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	writeJSON(w, http.StatusOK, tasks[0])
}

// batchPoll answers GET /api/tasks/poll/batch/{taskType}: up to count tasks, waiting up to
// timeout ms (at most 5000) for work; [] when none.
func (s *server) batchPoll(w http.ResponseWriter, r *http.Request) {
	count, err := queryInt(r, "count", 1)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	timeout, err := queryInt(r, "timeout", 100)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if timeout > int(engine.MaxLongPoll/time.Millisecond) {
		s.writeError(w, r, conductor.Invalidf("Long Poll Timeout value cannot be more than 5 seconds"))
		return
	}
	if count < 1 || timeout < 0 {
		s.writeError(w, r, conductor.Invalidf("count must be >= 1 and timeout >= 0"))
		return
	}
	tasks, err := s.engine.Poll(r.Context(), pollRequest(r, min(count, 1000), time.Duration(timeout)*time.Millisecond))
	s.writeList(w, r, tasks, err)
}

// updateTask answers POST /api/tasks with the task id as text.
func (s *server) updateTask(w http.ResponseWriter, r *http.Request) {
	res, err := s.applyResult(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeText(w, res.TaskID)
}

// applyResult decodes a TaskResult body and applies it.
func (s *server) applyResult(r *http.Request) (*conductor.TaskResult, error) {
	res := new(conductor.TaskResult)
	if err := decodeJSON(r, res); err != nil {
		return nil, err
	}
	if err := s.mayWorkOnTask(r, res.TaskID); err != nil {
		return nil, err
	}
	return res, s.engine.UpdateTask(r.Context(), res)
}

// mayWorkOnTask checks that the caller may execute the type of task taskID (a WORKER only the
// task types granted to it); refusals name the type, never the task's data.
func (s *server) mayWorkOnTask(r *http.Request, taskID string) error {
	p := principalOf(r.Context())
	if p == nil || p.Holds(auth.RoleUnrestrictedWorker) {
		return nil
	}
	t, err := s.engine.Task(r.Context(), taskID)
	if err != nil {
		if errors.Is(err, conductor.ErrInvalid) {
			return nil // a malformed id: the update itself answers why
		}
		return err
	}
	if !p.CanExecuteTask(t.TaskType) {
		return engine.ForbiddenTaskType(p, t.TaskType)
	}
	return nil
}

// updateTaskV2 answers POST /api/tasks/update-v2: it applies the result and hands the worker
// its next task of the same type, or 204.
func (s *server) updateTaskV2(w http.ResponseWriter, r *http.Request) {
	res, err := s.applyResult(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	done, err := s.engine.Task(r.Context(), res.TaskID)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	tasks, err := s.engine.Poll(r.Context(), engine.PollRequest{
		TaskType: done.TaskType, WorkerID: res.WorkerID, Domain: done.Domain, Count: 1,
	})
	s.writeFirstTask(w, r, tasks, err)
}

// updateTaskByRef answers POST /api/tasks/{workflowId}/{taskRefName}/{status}: the body is
// merged into the pending task's output; the answer is its id as text, empty when none pends.
func (s *server) updateTaskByRef(w http.ResponseWriter, r *http.Request) {
	id, _, err := s.taskByRef(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeText(w, id)
}

// updateTaskByRefSync is updateTaskByRef answering the updated workflow.
func (s *server) updateTaskByRefSync(w http.ResponseWriter, r *http.Request) {
	id, wf, err := s.taskByRef(r)
	if err == nil && id == "" {
		err = conductor.NotFoundf("No pending task found with reference name %s", pathParam(r, "taskRefName"))
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, wf)
}

func (s *server) taskByRef(r *http.Request) (string, *conductor.Workflow, error) {
	var output map[string]any
	if err := decodeJSON(r, &output); err != nil {
		return "", nil, err
	}
	return s.engine.UpdateTaskByRef(r.Context(), principalOf(r.Context()), pathParam(r, "workflowId"), pathParam(r, "taskRefName"),
		conductor.TaskStatus(pathParam(r, "status")), output, r.URL.Query().Get("workerid"))
}

func (s *server) getTask(w http.ResponseWriter, r *http.Request) {
	t, err := s.engine.Task(r.Context(), pathParam(r, "taskId"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, t)
}

// addTaskLog answers POST /api/tasks/{taskId}/log; the raw body is the log line.
func (s *server) addTaskLog(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if !utf8.Valid(body) {
		s.writeError(w, r, conductor.Invalidf("Log line must be UTF-8 text"))
		return
	}
	line := string(body)
	var quoted string
	if err := decodeBytes(body, &quoted); err == nil {
		line = quoted // SDKs send the line as a JSON string
	}
	if err := s.mayWorkOnTask(r, pathParam(r, "taskId")); err != nil {
		s.writeError(w, r, err)
		return
	}
	s.writeEmpty(w, r, s.engine.AddTaskLog(r.Context(), pathParam(r, "taskId"), line))
}

func (s *server) getTaskLogs(w http.ResponseWriter, r *http.Request) {
	logs, err := s.engine.TaskLogs(r.Context(), pathParam(r, "taskId"))
	s.writeList(w, r, logs, err)
}

func (s *server) queueSize(w http.ResponseWriter, r *http.Request) {
	taskType := r.URL.Query().Get("taskType")
	if taskType == "" {
		s.writeError(w, r, conductor.Invalidf("Missing required query parameter: taskType"))
		return
	}
	n, err := s.engine.QueueSize(r.Context(), taskType, r.URL.Query().Get("domain"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, n)
}

func (s *server) queueSizes(w http.ResponseWriter, r *http.Request) {
	all, err := s.engine.QueueSizes(r.Context())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	types := r.URL.Query()["taskType"]
	if len(types) == 0 {
		writeJSON(w, http.StatusOK, all)
		return
	}
	sizes := map[string]int{}
	for _, t := range types {
		sizes[t] = all[t]
	}
	writeJSON(w, http.StatusOK, sizes)
}

func (s *server) pollData(w http.ResponseWriter, r *http.Request) {
	taskType := r.URL.Query().Get("taskType")
	if taskType == "" {
		s.writeError(w, r, conductor.Invalidf("Missing required query parameter: taskType"))
		return
	}
	data, err := s.engine.PollData(r.Context(), taskType)
	s.writeList(w, r, data, err)
}

func (s *server) allPollData(w http.ResponseWriter, r *http.Request) {
	data, err := s.engine.PollData(r.Context(), "")
	s.writeList(w, r, data, err)
}

// signalWorkflow answers POST /api/tasks/{workflowId}/{status}/signal: the body becomes the
// output of the workflow's first waiting WAIT task, which takes status.
func (s *server) signalWorkflow(w http.ResponseWriter, r *http.Request) {
	_, err := s.signal(r)
	s.writeEmpty(w, r, err)
}

// signalWorkflowSync is signalWorkflow answering the updated workflow.
func (s *server) signalWorkflowSync(w http.ResponseWriter, r *http.Request) {
	wf, err := s.signal(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, newSignalResponse(wf))
}

func (s *server) signal(r *http.Request) (*conductor.Workflow, error) {
	var output map[string]any
	if err := decodeJSON(r, &output); err != nil {
		return nil, err
	}
	return s.engine.Signal(r.Context(), pathParam(r, "workflowId"), conductor.TaskStatus(pathParam(r, "status")), output)
}
