package store

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/podiumhq/podium/internal/conductor"
)

// EventHandlerRecord is a stored event handler and the principal its actions run as.
type EventHandlerRecord struct {
	Handler *conductor.EventHandler
	// RunAs is the principal id who registered or last updated the handler ("" with
	// authentication off).
	RunAs string
}

const eventHandlerColumns = `doc, coalesce(run_as, '')`

func scanEventHandler(row pgx.Row) (*EventHandlerRecord, error) {
	var doc []byte
	rec := &EventHandlerRecord{Handler: new(conductor.EventHandler)}
	if err := row.Scan(&doc, &rec.RunAs); err != nil {
		return nil, err
	}
	if err := json.Unmarshal(doc, rec.Handler); err != nil {
		return nil, fmt.Errorf("error decoding event handler: %w", err)
	}
	return rec, nil
}

// EventHandlerCreate stores a new handler; an existing name gives conductor.ErrConflict.
func (q *Queries) EventHandlerCreate(ctx context.Context, rec *EventHandlerRecord, now time.Time) error {
	doc, err := json.Marshal(rec.Handler)
	if err != nil {
		return fmt.Errorf("error encoding event handler: %w", err)
	}
	h := rec.Handler
	_, err = q.db.Exec(ctx, `
		INSERT INTO event_handlers (name, event, active, doc, run_as, create_time, update_time)
		VALUES ($1, $2, $3, $4, $5, $6, $6)`, h.Name, h.Event, h.Active, doc, nullString(rec.RunAs), now)
	return interpretError(err, "creating event handler")
}

// EventHandlerUpdate replaces a handler; an unknown name gives conductor.ErrNotFound.
func (q *Queries) EventHandlerUpdate(ctx context.Context, rec *EventHandlerRecord, now time.Time) error {
	doc, err := json.Marshal(rec.Handler)
	if err != nil {
		return fmt.Errorf("error encoding event handler: %w", err)
	}
	h := rec.Handler
	return execOne(ctx, q.db, "updating event handler", `
		UPDATE event_handlers SET event = $2, active = $3, doc = $4, run_as = $5, update_time = $6
		WHERE name = $1`, h.Name, h.Event, h.Active, doc, nullString(rec.RunAs), now)
}

// EventHandlerDelete removes a handler; an unknown name gives conductor.ErrNotFound.
func (q *Queries) EventHandlerDelete(ctx context.Context, name string) error {
	return execOne(ctx, q.db, "deleting event handler", `DELETE FROM event_handlers WHERE name = $1`, name)
}

// EventHandlerList returns every handler by name.
func (q *Queries) EventHandlerList(ctx context.Context) ([]*EventHandlerRecord, error) {
	return queryList(ctx, q.db, "listing event handlers", scanEventHandler,
		`SELECT `+eventHandlerColumns+` FROM event_handlers ORDER BY name`)
}

// EventHandlersFor returns, by name, the handlers of event (the active ones only when
// activeOnly).
func (q *Queries) EventHandlersFor(ctx context.Context, event string, activeOnly bool) ([]*EventHandlerRecord, error) {
	return queryList(ctx, q.db, "listing event handlers", scanEventHandler,
		`SELECT `+eventHandlerColumns+` FROM event_handlers WHERE event = $1 AND (active OR NOT $2) ORDER BY name`,
		event, activeOnly)
}

// EventMessage is one message of the conductor event queue.
type EventMessage struct {
	ID    string
	Queue string
	// Payload is the message body: the publishing task's output as stored (masked).
	Payload    map[string]any
	WorkflowID string
	TaskID     string
	// Attempts counts the claims of the message so far, this one included.
	Attempts int
}

// queueEventMessages adds the inserts of msgs, created at now, to batch.
func queueEventMessages(batch *pgx.Batch, msgs []*EventMessage, now time.Time) error {
	for _, m := range msgs {
		payload, err := json.Marshal(m.Payload)
		if err != nil {
			return fmt.Errorf("error encoding event message: %w", err)
		}
		batch.Queue(`
			INSERT INTO event_messages (message_id, queue, payload, workflow_id, task_id, created_at, visible_at)
			VALUES ($1, $2, $3, $4, $5, $6, $6)`,
			m.ID, m.Queue, payload, nullString(m.WorkflowID), nullString(m.TaskID), now)
	}
	return nil
}

// EventMessageClaim claims up to n pending messages visible at now, oldest first, hiding them
// from other claims until now+lease (SKIP LOCKED: replicas never claim the same message).
func (q *Queries) EventMessageClaim(ctx context.Context, n int, now time.Time, lease time.Duration) ([]*EventMessage, error) {
	return queryList(ctx, q.db, "claiming event messages", func(row pgx.Row) (*EventMessage, error) {
		m := new(EventMessage)
		var payload []byte
		var wf, task *string
		if err := row.Scan(&m.ID, &m.Queue, &payload, &wf, &task, &m.Attempts); err != nil {
			return nil, err
		}
		m.WorkflowID, m.TaskID = deref(wf), deref(task)
		if err := decodeDoc(payload, &m.Payload); err != nil {
			return nil, fmt.Errorf("error decoding event message: %w", err)
		}
		return m, nil
	}, `
		WITH c AS (
			SELECT message_id FROM event_messages
			WHERE processed_at IS NULL AND visible_at <= $2
			ORDER BY visible_at, message_id LIMIT $1 FOR UPDATE SKIP LOCKED)
		UPDATE event_messages m SET visible_at = $2 + $3::interval, attempts = m.attempts + 1
		FROM c WHERE m.message_id = c.message_id
		RETURNING m.message_id::text, m.queue, m.payload, m.workflow_id::text, m.task_id::text, m.attempts`,
		n, now, lease)
}

// EventMessageProcessed marks a message delivered to every handler it had.
func (q *Queries) EventMessageProcessed(ctx context.Context, id string, now time.Time) error {
	_, err := q.db.Exec(ctx, `UPDATE event_messages SET processed_at = $2 WHERE message_id = $1`, id, now)
	return interpretError(err, "marking event message processed")
}

// EventMessagesPending counts the messages not processed yet.
func (q *Queries) EventMessagesPending(ctx context.Context) (int, error) {
	var n int
	err := q.db.QueryRow(ctx, `SELECT count(*) FROM event_messages WHERE processed_at IS NULL`).Scan(&n)
	return n, interpretError(err, "counting event messages")
}
