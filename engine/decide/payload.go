package decide

import (
	"encoding/json"
	"fmt"
	"strconv"
	"unicode/utf8"

	"github.com/podiumhq/podium/internal/conductor"
)

// taskPayloadError is the reason a task fails with when its kind (input or output) payload of
// size bytes is over the limit, or "" when it is within it. It names sizes only, never data.
func (d *Decision) taskPayloadError(rec *Attempt, kind string, payload map[string]any) string {
	limit := d.cfg.PayloadMax
	size := JSONSize(payload)
	if size <= limit {
		return ""
	}
	return fmt.Sprintf("The %s payload size: %d bytes of task: %s in workflow: %s is greater than the permissible limit: %d bytes",
		kind, size, rec.Task.TaskID, d.Workflow.WorkflowID, limit)
}

// failOversizedTask fails an attempt whose payload is over the limit, for good: the payload is
// replaced by an empty one and the reason names its size and the limit (Conductor's rule).
func (d *Decision) failOversizedTask(rec *Attempt, kind, reason string) {
	if kind == payloadInput {
		d.SetTaskInput(rec, map[string]any{})
	} else {
		d.SetTaskOutput(rec, map[string]any{})
	}
	d.warn("engine: task payload over the limit", "workflow_id", d.Workflow.WorkflowID,
		"task_id", rec.Task.TaskID, "payload", kind, "limit_bytes", d.cfg.PayloadMax)
	d.Finish(rec, conductor.TaskFailedWithTerminalError, reason)
}

// boundedWorkflowOutput returns out when it is within the limit, else an empty output and the
// reason naming its size.
func (d *Decision) boundedWorkflowOutput(out map[string]any) (map[string]any, string) {
	limit := d.cfg.PayloadMax
	size := JSONSize(out)
	if size <= limit {
		return out, ""
	}
	d.warn("engine: workflow output over the limit", "workflow_id", d.Workflow.WorkflowID, "limit_bytes", limit)
	return map[string]any{}, fmt.Sprintf("The output payload size: %d bytes of workflow: %s is greater than the permissible limit: %d bytes",
		size, d.Workflow.WorkflowID, limit)
}

// PayloadMaxBytesDefault is the largest task input or output, workflow input or output, in
// bytes of its JSON encoding, that an execution stores when Config.PayloadMaxBytes is 0.
const PayloadMaxBytesDefault = 1 << 20

// Payload kinds, as reasons name them.
const (
	payloadInput  = "input"
	payloadOutput = "output"
)

// JSONSize returns the length in bytes of the JSON encoding of v as encoding/json writes it
// (HTML-escaped), without building it. Decoded JSON (maps, slices, strings, json.Number, bool,
// nil, numbers) is measured in place; any other type is encoded to be measured.
func JSONSize(v any) int64 {
	switch x := v.(type) {
	case nil:
		return 4
	case string:
		return stringJSONSize(x)
	case bool:
		if x {
			return 4
		}
		return 5
	case json.Number:
		if x == "" {
			return 1 // encoding/json writes an empty Number as 0
		}
		return int64(len(x))
	case int64:
		return int64(len(strconv.FormatInt(x, 10)))
	case int:
		return int64(len(strconv.Itoa(x)))
	case map[string]any:
		if x == nil {
			return 4
		}
		n := int64(2)
		if len(x) > 0 {
			n += int64(len(x) - 1) // commas
		}
		for k, e := range x {
			n += stringJSONSize(k) + 1 + JSONSize(e)
		}
		return n
	case []any:
		if x == nil {
			return 4
		}
		n := int64(2)
		if len(x) > 0 {
			n += int64(len(x) - 1)
		}
		for _, e := range x {
			n += JSONSize(e)
		}
		return n
	}
	data, err := json.Marshal(v)
	if err != nil {
		return 0 // not storable anyway: the save reports it
	}
	return int64(len(data))
}

// stringJSONSize is the length of s encoded as a JSON string by encoding/json.
func stringJSONSize(s string) int64 {
	n := int64(2)
	for i := 0; i < len(s); {
		b := s[i]
		if b < utf8.RuneSelf {
			switch {
			case b == '"' || b == '\\' || b == '\b' || b == '\f' || b == '\n' || b == '\r' || b == '\t':
				n += 2
			case b < 0x20 || b == '<' || b == '>' || b == '&':
				n += 6 // \u00XX
			default:
				n++
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			n += 6 // \ufffd
		case r == '\u2028' || r == '\u2029':
			n += 6
		default:
			n += int64(size)
		}
		i += size
	}
	return n
}
