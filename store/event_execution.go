package store

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/podiumhq/podium/internal/conductor"
)

// EventExecutionKey names one delivery: a message to one action of one handler.
type EventExecutionKey struct {
	MessageID string
	Handler   string
	Action    int
}

// EventExecutionRecord is what a delivery did.
type EventExecutionRecord struct {
	Key    EventExecutionKey
	Event  string
	Action string
	Status string
	Output map[string]any
}

// EventExecutionInsert records a delivery unless one with its key exists, and reports whether
// it wrote it. Inside the transaction that carries out the action's effect, a concurrent
// delivery of the same key waits for that transaction and then writes nothing: the effect
// happens once.
func (q *Queries) EventExecutionInsert(ctx context.Context, rec *EventExecutionRecord, now time.Time) (bool, error) {
	out, err := json.Marshal(nonNilMap(rec.Output))
	if err != nil {
		return false, fmt.Errorf("error encoding event execution: %w", err)
	}
	tag, err := q.db.Exec(ctx, `
		INSERT INTO event_executions (message_id, handler_name, action_index, event, action, status, output, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING`,
		rec.Key.MessageID, rec.Key.Handler, rec.Key.Action, rec.Event, nullString(rec.Action), rec.Status, out, now)
	if err != nil {
		return false, interpretError(err, "recording event execution")
	}
	return tag.RowsAffected() == 1, nil
}

// EventExecutionFinish sets the status and output of a recorded delivery.
func (q *Queries) EventExecutionFinish(ctx context.Context, key EventExecutionKey, status string, output map[string]any) error {
	out, err := json.Marshal(nonNilMap(output))
	if err != nil {
		return fmt.Errorf("error encoding event execution: %w", err)
	}
	_, err = q.db.Exec(ctx, `
		UPDATE event_executions SET status = $4, output = $5
		WHERE message_id = $1 AND handler_name = $2 AND action_index = $3`,
		key.MessageID, key.Handler, key.Action, status, out)
	return interpretError(err, "recording event execution")
}

// EventExecutionFilter selects recorded deliveries, newest first.
type EventExecutionFilter struct {
	Event, Handler string
	Start, Size    int
}

// EventExecutionList returns the deliveries f selects and how many there are in all.
func (q *Queries) EventExecutionList(ctx context.Context, f EventExecutionFilter) (int, []*conductor.EventExecution, error) {
	var conds []string
	var args []any
	if f.Event != "" {
		args = append(args, f.Event)
		conds = append(conds, fmt.Sprintf("event = $%d", len(args)))
	}
	if f.Handler != "" {
		args = append(args, f.Handler)
		conds = append(conds, fmt.Sprintf("handler_name = $%d", len(args)))
	}
	where := ""
	if len(conds) > 0 {
		where = "WHERE " + strings.Join(conds, " AND ")
	}
	var total int
	if err := q.db.QueryRow(ctx, `SELECT count(*) FROM event_executions `+where, args...).Scan(&total); err != nil {
		return 0, nil, interpretError(err, "counting event executions")
	}
	args = append(args, f.Size, f.Start)
	list, err := queryList(ctx, q.db, "listing event executions", scanEventExecution, fmt.Sprintf(`
		SELECT message_id::text, handler_name, action_index, event, coalesce(action, ''), status, output, created_at
		FROM event_executions %s
		ORDER BY created_at DESC, message_id, handler_name, action_index LIMIT $%d OFFSET $%d`,
		where, len(args)-1, len(args)), args...)
	return total, list, err
}

func scanEventExecution(row pgx.Row) (*conductor.EventExecution, error) {
	e := new(conductor.EventExecution)
	var index int
	var out []byte
	var created time.Time
	if err := row.Scan(&e.MessageID, &e.Name, &index, &e.Event, &e.Action, &e.Status, &out, &created); err != nil {
		return nil, err
	}
	// Conductor's execution id: the message id and the action's index.
	e.ID = fmt.Sprintf("%s_%d", e.MessageID, index)
	e.Created = created.UnixMilli()
	if err := decodeDoc(out, &e.Output); err != nil {
		return nil, fmt.Errorf("error decoding event execution: %w", err)
	}
	return e, nil
}

func nonNilMap(m map[string]any) map[string]any {
	if m == nil {
		return map[string]any{}
	}
	return m
}
