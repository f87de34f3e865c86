package conductor

import (
	"encoding/json"
)

// Tag labels a secret or a schedule.
type Tag struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// Overlap policies of a schedule (a Podium extension): what a slot does while the schedule's
// previous run is still running.
const (
	OverlapAllow = "ALLOW"
	OverlapSkip  = "SKIP"
)

// CronSchedule is one cron entry of a schedule with several (an OSS extension).
type CronSchedule struct {
	CronExpression string `json:"cronExpression"`
	ZoneID         string `json:"zoneId,omitempty"`
}

// WorkflowSchedule is a schedule as saved (Orkes SaveScheduleRequest) and as shown
// (WorkflowScheduleModel): a cron expression in a zone that starts a workflow.
type WorkflowSchedule struct {
	Name                        string                `json:"name"`
	CronExpression              string                `json:"cronExpression,omitempty"`
	ZoneID                      string                `json:"zoneId,omitempty"`
	CronSchedules               []CronSchedule        `json:"cronSchedules,omitempty"`
	StartWorkflowRequest        *StartWorkflowRequest `json:"startWorkflowRequest"`
	Paused                      bool                  `json:"paused"`
	PausedReason                string                `json:"pausedReason,omitempty"`
	RunCatchupScheduleInstances bool                  `json:"runCatchupScheduleInstances"`
	ScheduleStartTime           int64                 `json:"scheduleStartTime,omitempty"`
	ScheduleEndTime             int64                 `json:"scheduleEndTime,omitempty"`
	Description                 string                `json:"description,omitempty"`
	OverlapPolicy               string                `json:"overlapPolicy,omitempty"`
	CreateTime                  int64                 `json:"createTime,omitempty"`
	UpdatedTime                 int64                 `json:"updatedTime,omitempty"`
	CreatedBy                   string                `json:"createdBy,omitempty"`
	UpdatedBy                   string                `json:"updatedBy,omitempty"`
	NextRunTime                 int64                 `json:"nextRunTime,omitempty"`
	Tags                        []Tag                 `json:"tags"`
	Extra                       Extra                 `json:"-"`
}

type plainSchedule WorkflowSchedule

// UnmarshalJSON decodes a schedule, keeping unknown members. The documentation's examples send
// "" for the start request's version and priority, meaning unset; they are tolerated.
func (s *WorkflowSchedule) UnmarshalJSON(data []byte) error {
	var sch WorkflowSchedule
	members, ok := objectMembers(data)
	if ok {
		if raw, found := members["startWorkflowRequest"]; found {
			req, err := decodeScheduledStart(raw)
			if err != nil {
				return err
			}
			delete(members, "startWorkflowRequest")
			if data, err = json.Marshal(members); err != nil {
				return err
			}
			sch.StartWorkflowRequest = req
		}
	}
	extra, err := decodeObject(data, (*plainSchedule)(&sch))
	if err != nil {
		return err
	}
	sch.Extra = extra
	*s = sch
	return nil
}

// decodeScheduledStart decodes a schedule's start request, reading "" as an unset version or
// priority and noting an explicit null input.
func decodeScheduledStart(raw json.RawMessage) (*StartWorkflowRequest, error) {
	if string(raw) == "null" {
		return nil, nil
	}
	members, ok := objectMembers(raw)
	if ok {
		for _, k := range []string{"version", "priority"} {
			if string(members[k]) == `""` {
				delete(members, k)
			}
		}
		var err error
		if raw, err = json.Marshal(members); err != nil {
			return nil, err
		}
	}
	req := new(StartWorkflowRequest)
	if err := decodeTyped(raw, req); err != nil {
		return nil, err
	}
	req.InputIsNull = string(members["input"]) == "null"
	return req, nil
}

// MarshalJSON encodes the schedule with its unknown members; tags are always a list.
func (s WorkflowSchedule) MarshalJSON() ([]byte, error) {
	s.Tags = NonNil(s.Tags)
	return encodeObject(plainSchedule(s), s.Extra)
}

// States of a schedule execution record.
const (
	// ScheduleExecutionPolled: the slot is claimed; the workflow start is not confirmed yet.
	ScheduleExecutionPolled = "POLLED"
	// ScheduleExecutionExecuted: the workflow started (WorkflowID is set).
	ScheduleExecutionExecuted = "EXECUTED"
	// ScheduleExecutionFailed: the start failed (Reason says why).
	ScheduleExecutionFailed = "FAILED"
	// ScheduleExecutionSkipped: overlapPolicy SKIP left out the slot (a Podium extension).
	ScheduleExecutionSkipped = "SKIPPED"
)

// ScheduleExecution is the record of one slot of a schedule (WorkflowScheduleExecutionModel).
type ScheduleExecution struct {
	ExecutionID          string                `json:"executionId"`
	ScheduleName         string                `json:"scheduleName"`
	ScheduledTime        int64                 `json:"scheduledTime"`
	ExecutionTime        int64                 `json:"executionTime,omitempty"`
	WorkflowName         string                `json:"workflowName"`
	WorkflowID           string                `json:"workflowId,omitempty"`
	Reason               string                `json:"reason,omitempty"`
	StackTrace           string                `json:"stackTrace,omitempty"`
	StartWorkflowRequest *StartWorkflowRequest `json:"startWorkflowRequest"`
	State                string                `json:"state"`
	ZoneID               string                `json:"zoneId"`
}
