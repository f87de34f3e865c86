package engine

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"github.com/podiumhq/podium/engine/systask"
	"github.com/podiumhq/podium/internal/conductor"
	"github.com/podiumhq/podium/internal/notify"
	"github.com/podiumhq/podium/store"
)

// The event processor's knobs.
const (
	// eventBatch is how many messages one claim takes.
	eventBatch = 32
	// eventLease hides a claimed message from other processors; a processor that crashed
	// mid-delivery leaves its messages to another one after it.
	eventLease = 30 * time.Second
	// eventMaxAttempts is how many claims a message gets before an action that keeps failing
	// for an internal reason (the database) is recorded FAILED instead of retried.
	eventMaxAttempts = 10
)

// errDelivered means another delivery of the same (message, handler, action) committed first:
// nothing more is done.
var errDelivered = errors.New("event already delivered")

// eventLoop delivers published event messages until ctx ends, woken by notify.Events and
// polling every pollRecheck.
func (e *Engine) eventLoop(ctx context.Context) {
	wake, unsubscribe := e.notes.Subscribe(notify.Events)
	defer unsubscribe()
	for ctx.Err() == nil {
		n, err := e.ProcessEvents(ctx)
		if err != nil && ctx.Err() == nil {
			e.logger.Warn("engine: processing event messages failed", "error", err)
		}
		if n == eventBatch {
			continue
		}
		timer := time.NewTimer(e.pollRecheck)
		select {
		case <-ctx.Done():
		case <-wake:
		case <-timer.C:
		}
		timer.Stop()
	}
}

// ProcessEvents claims the pending event messages (up to one batch) and delivers each to every
// active handler of its queue; it returns how many it claimed. Any number of processes may run
// it at once: a message is claimed by one at a time (SKIP LOCKED), and each (message, handler,
// action) is recorded in the transaction of the action's effect, so it takes effect once even
// when a message is delivered again after a crash.
func (e *Engine) ProcessEvents(ctx context.Context) (int, error) {
	msgs, err := e.store.EventMessageClaim(ctx, eventBatch, e.now(), eventLease)
	if err != nil {
		return 0, err
	}
	for _, m := range msgs {
		if ctx.Err() != nil {
			break
		}
		e.deliverMessage(ctx, m)
	}
	return len(msgs), nil
}

// deliverMessage delivers m to the active handlers of its queue, and marks it processed when
// every one of them had it (otherwise it is claimed again once its lease passes).
func (e *Engine) deliverMessage(ctx context.Context, m *store.EventMessage) {
	handlers, err := e.store.EventHandlersFor(ctx, m.Queue, true)
	if err != nil {
		e.logger.Warn("engine: reading event handlers failed", "queue", m.Queue, "message_id", m.ID, "error", err)
		return
	}
	done := true
	for _, h := range handlers {
		if !e.deliverTo(ctx, m, h) {
			done = false
		}
	}
	if done {
		if err := e.store.EventMessageProcessed(ctx, m.ID, e.now()); err != nil {
			e.logger.Warn("engine: marking an event message processed failed", "message_id", m.ID, "error", err)
		}
	}
}

// delivery is one message on its way to one action of one handler.
type delivery struct {
	key     store.EventExecutionKey
	event   string
	action  string
	runAs   string
	payload map[string]any
	doc     []byte // payload as JSON, the document action templates read
}

// claim records the delivery in q, the transaction of its effect, and returns errDelivered
// when it was recorded before.
func (d *delivery) claim(ctx context.Context, q *store.Queries, now time.Time) error {
	ok, err := q.EventExecutionInsert(ctx, &store.EventExecutionRecord{Key: d.key, Event: d.event, Action: d.action,
		Status: conductor.EventExecutionCompleted}, now)
	if err == nil && !ok {
		return errDelivered
	}
	return err
}

// deliverTo evaluates h's condition on m and runs its actions; it reports false when something
// is to be tried again later.
func (e *Engine) deliverTo(ctx context.Context, m *store.EventMessage, rec *store.EventHandlerRecord) bool {
	h := rec.Handler
	record := func(status string, output map[string]any) bool {
		_, err := e.store.EventExecutionInsert(ctx, &store.EventExecutionRecord{
			Key: store.EventExecutionKey{MessageID: m.ID, Handler: h.Name}, Event: h.Event, Status: status, Output: output,
		}, e.now())
		if err != nil {
			e.logger.Warn("engine: recording an event execution failed", "handler", h.Name, "message_id", m.ID, "error", err)
		}
		return err == nil
	}
	holds, err := e.conditionHolds(h, m.Payload)
	if err != nil {
		return record(conductor.EventExecutionFailed, map[string]any{"condition": h.Condition,
			"exception": "Error evaluating the condition: " + err.Error()})
	}
	if !holds {
		return record(conductor.EventExecutionSkipped, map[string]any{"condition": h.Condition})
	}
	done := true
	for i := range h.Actions {
		a := &h.Actions[i]
		payload := m.Payload
		if a.ExpandInlineJSON {
			payload, _ = expandJSON(payload).(map[string]any)
		}
		doc, err := json.Marshal(payload)
		if err != nil {
			doc = []byte("{}")
		}
		d := &delivery{key: store.EventExecutionKey{MessageID: m.ID, Handler: h.Name, Action: i},
			event: h.Event, action: a.Action, runAs: rec.RunAs, payload: payload, doc: doc}
		if !e.settle(ctx, d, m.Attempts, e.runAction(ctx, d, a)) {
			done = false
		}
	}
	return done
}

// settle records the outcome of a delivery that did not take effect: a refusal (bad
// parameters, a missing workflow or task, a lack of rights) is FAILED for good; an internal
// failure is tried again with the message's next claim, up to eventMaxAttempts. It reports
// whether the delivery is settled.
func (e *Engine) settle(ctx context.Context, d *delivery, attempts int, err error) bool {
	if err == nil || errors.Is(err, errDelivered) {
		return true
	}
	if !userError(err) && attempts < eventMaxAttempts {
		e.logger.Warn("engine: an event action failed; it is tried again later", "handler", d.key.Handler,
			"message_id", d.key.MessageID, "action", d.action, "error", err)
		return false
	}
	_, rerr := e.store.EventExecutionInsert(ctx, &store.EventExecutionRecord{Key: d.key, Event: d.event, Action: d.action,
		Status: conductor.EventExecutionFailed, Output: map[string]any{"exception": err.Error()}}, e.now())
	if rerr != nil {
		e.logger.Warn("engine: recording an event execution failed", "handler", d.key.Handler, "message_id", d.key.MessageID, "error", rerr)
	}
	return rerr == nil
}

// userError reports whether err is a refusal that trying again does not mend.
func userError(err error) bool {
	return errors.Is(err, conductor.ErrInvalid) || errors.Is(err, conductor.ErrNotFound) ||
		errors.Is(err, conductor.ErrConflict) || errors.Is(err, conductor.ErrForbidden)
}

// conditionHolds evaluates h's condition on payload (inline JSON expanded, as Conductor
// does): true when there is none; JavaScript (javascript, graaljs) in the project's script
// sandbox, or, for value-param, the truth of the payload member the condition names.
func (e *Engine) conditionHolds(h *conductor.EventHandler, payload map[string]any) (bool, error) {
	if h.Condition == "" {
		return true, nil
	}
	expanded, _ := expandJSON(payload).(map[string]any)
	if h.EvaluatorType == conductor.EvaluatorValueParam {
		return systask.ScriptBool(expanded[h.Condition]), nil
	}
	v, err := e.evalScript(h.Condition, expanded)
	if err != nil {
		return false, err
	}
	return systask.ScriptBool(v), nil
}

// expandJSON returns v with the strings that hold a JSON object or list replaced by their
// value, recursively (Conductor's JsonUtils.expand).
func expandJSON(v any) any {
	switch v := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, e := range v {
			out[k] = expandJSON(e)
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = expandJSON(e)
		}
		return out
	case string:
		if s := strings.TrimSpace(v); strings.HasPrefix(s, "{") || strings.HasPrefix(s, "[") {
			dec := json.NewDecoder(strings.NewReader(s))
			dec.UseNumber()
			var parsed any
			if dec.Decode(&parsed) == nil && !dec.More() {
				return expandJSON(parsed)
			}
		}
	}
	return v
}
