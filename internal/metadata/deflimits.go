package metadata

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/podiumhq/podium/internal/conductor"
	"github.com/podiumhq/podium/internal/defaults"
)

// Defaults of DefinitionLimits: generous for real definitions, small enough that registering,
// listing and starting one stays cheap.
const (
	DefMaxDepthDefault = 32
	DefMaxTasksDefault = 2000
	DefMaxBytesDefault = 1 << 20
)

// jsonDepthPerLevel is how many JSON levels one level of task nesting takes at most (a task
// object, its decisionCases object and a case list; fork branches likewise), and
// jsonDepthSlack what a definition may add around them (the definition, a bulk list, nested
// inputParameters).
const (
	jsonDepthPerLevel = 3
	jsonDepthSlack    = 64
)

// DefinitionLimits bound the workflow definitions Podium accepts, registered or inline in a
// start request. Zero fields take the defaults.
type DefinitionLimits struct {
	// MaxDepth is how deep tasks may nest (top-level tasks are at depth 1, the tasks of their
	// switch cases, fork branches and loop bodies at depth 2, …).
	MaxDepth int
	// MaxTasks is how many tasks a definition may hold, nested ones included.
	MaxTasks int
	// MaxBytes is the largest definition, as JSON.
	MaxBytes int
}

func (l DefinitionLimits) withDefaults() DefinitionLimits {
	l.MaxDepth = defaults.Positive(l.MaxDepth, DefMaxDepthDefault)
	l.MaxTasks = defaults.Positive(l.MaxTasks, DefMaxTasksDefault)
	l.MaxBytes = defaults.Positive(l.MaxBytes, DefMaxBytesDefault)
	return l
}

// DefinitionLimits returns the limits in force.
func (s *Service) DefinitionLimits() DefinitionLimits { return s.limits }

func depthError(limit int) conductor.ValidationErrors {
	return conductor.ValidationErrors{{Path: "tasks", Message: fmt.Sprintf(
		"workflow definition nests tasks deeper than the limit of %d levels (PODIUM_DEF_MAX_DEPTH)", limit)}}
}

// CheckDefinitionJSON refuses, before it is decoded, a request body holding definitions whose
// JSON nests far deeper than any definition within the depth limit can: decoding such a
// document costs time proportional to its size times its depth.
func (s *Service) CheckDefinitionJSON(body []byte) error {
	limit := s.limits.MaxDepth*jsonDepthPerLevel + jsonDepthSlack
	depth, inString := 0, false
	for i := 0; i < len(body); i++ {
		switch c := body[i]; {
		case inString:
			switch c {
			case '\\':
				i++
			case '"':
				inString = false
			}
		case c == '"':
			inString = true
		case c == '{' || c == '[':
			if depth++; depth > limit {
				return depthError(s.limits.MaxDepth)
			}
		case c == '}' || c == ']':
			depth--
		}
	}
	return nil
}

// checkDefinitionLimits reports the first limit def exceeds, walking at most MaxTasks tasks
// and MaxDepth levels, and encoding def only once both hold.
func (s *Service) checkDefinitionLimits(ctx context.Context, def *conductor.WorkflowDef) error {
	l := s.limits
	count, deepest := 0, 0
	var walk func(tasks []conductor.WorkflowTask, depth int) bool
	walk = func(tasks []conductor.WorkflowTask, depth int) bool {
		if len(tasks) > 0 && depth > l.MaxDepth {
			deepest = depth
			return false
		}
		for i := range tasks {
			if count++; count > l.MaxTasks {
				return false
			}
			if count%256 == 0 && ctx.Err() != nil {
				return false
			}
			for _, list := range tasks[i].Children() {
				if !walk(list, depth+1) {
					return false
				}
			}
		}
		return true
	}
	walk(def.Tasks, 1)
	switch {
	case ctx.Err() != nil:
		return ctx.Err()
	case deepest > l.MaxDepth:
		return depthError(l.MaxDepth)
	case count > l.MaxTasks:
		return conductor.ValidationErrors{{Path: "tasks", Message: fmt.Sprintf(
			"workflow definition has more than the limit of %d tasks (PODIUM_DEF_MAX_TASKS)", l.MaxTasks)}}
	}
	data, err := json.Marshal(def)
	if err != nil {
		return fmt.Errorf("error encoding workflow definition: %w", err)
	}
	if len(data) > l.MaxBytes {
		return conductor.ValidationErrors{{Path: "workflowDef", Message: fmt.Sprintf(
			"workflow definition is %d bytes as JSON, more than the limit of %d bytes (PODIUM_DEF_MAX_BYTES)", len(data), l.MaxBytes)}}
	}
	return nil
}
