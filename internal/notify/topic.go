// Package notify carries change hints between and within Podium processes: one LISTEN
// connection per process, one PostgreSQL channel, and typed topics (a task queue received work,
// a workflow ended, access or schedules changed). A hint only wakes a waiter early: the database
// stays the truth and every waiter re-checks it on a timer too.
package notify

import "strings"

// Kind says what a topic is about.
type Kind uint8

// Topic kinds.
const (
	// KindQueue: a task queue received pollable work; the topic's Name is the queue.
	KindQueue Kind = iota + 1
	// KindWorkflowDone: a workflow reached a terminal status; Name is its id.
	KindWorkflowDone
	// KindAccess: applications, keys, roles or grants changed.
	KindAccess
	// KindSchedules: schedules changed.
	KindSchedules
	// KindEvents: event messages were published (EVENT tasks) for the event processors.
	KindEvents
)

// Topic is one thing waiters wait on.
type Topic struct {
	Kind Kind
	Name string
}

// Queue is the topic of task queue name.
func Queue(name string) Topic { return Topic{Kind: KindQueue, Name: name} }

// WorkflowDone is the topic of workflow id ending.
func WorkflowDone(id string) Topic { return Topic{Kind: KindWorkflowDone, Name: id} }

// Topics of changes that carry no name.
var (
	Access    = Topic{Kind: KindAccess}
	Schedules = Topic{Kind: KindSchedules}
	Events    = Topic{Kind: KindEvents}
)

// kindCodes are the one-byte codes of the kinds on the wire.
var kindCodes = map[Kind]byte{KindQueue: 'q', KindWorkflowDone: 'w', KindAccess: 'a', KindSchedules: 's', KindEvents: 'e'}

// encode renders t as one line of a notification payload.
func (t Topic) encode() string { return string(kindCodes[t.Kind]) + t.Name }

// decodeTopic parses one payload line; ok is false for a line of an unknown kind (sent by a newer
// or older process), which is ignored.
func decodeTopic(line string) (Topic, bool) {
	if line == "" {
		return Topic{}, false
	}
	for kind, code := range kindCodes {
		if line[0] == code {
			return Topic{Kind: kind, Name: line[1:]}, true
		}
	}
	return Topic{}, false
}

// decodePayload parses a notification payload into its topics.
func decodePayload(payload string) []Topic {
	var topics []Topic
	for _, line := range strings.Split(payload, "\n") {
		if t, ok := decodeTopic(line); ok {
			topics = append(topics, t)
		}
	}
	return topics
}
