package engine

import (
	"unicode/utf8"

	"github.com/podiumhq/podium/internal/conductor"
)

// checkStartNames bounds the names and keys of a start request.
func checkStartNames(req *conductor.StartWorkflowRequest) error {
	if err := conductor.CheckNames("name", req.Name, "correlationId", req.CorrelationID,
		"idempotencyKey", req.IdempotencyKey, "createdBy", req.CreatedBy); err != nil {
		return err
	}
	for task, domain := range req.TaskToDomain {
		if err := conductor.CheckNames("taskToDomain key", task, "taskToDomain["+shortened(task)+"]", domain); err != nil {
			return err
		}
	}
	return nil
}

// shortened shortens s for an error message.
func shortened(s string) string {
	if utf8.RuneCountInString(s) <= 40 {
		return s
	}
	return string([]rune(s)[:40]) + "…"
}
