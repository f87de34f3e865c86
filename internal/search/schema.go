package search

import (
	"strings"

	"github.com/podiumhq/podium/store"
)

// Kind is the kind of value a searchable field holds; Parse checks and normalises values by it.
type Kind int

const (
	// Text is any string, compared as it is.
	Text Kind = iota
	// ID is an execution, task or slot id (a UUID); a value that is not one matches nothing.
	ID
	// Int32 is a 32-bit integer (version, priority).
	Int32
	// Time is a point in time, given as epoch milliseconds or RFC 3339; Parse hands it on as
	// epoch milliseconds.
	Time
	// Status is a status name; Parse hands it on in upper case, as statuses are stored.
	Status
)

// Field is one searchable field of a schema.
type Field struct {
	// Name is the field's canonical name: what the store maps to a column.
	Name string
	// Kind says which values the field takes.
	Kind Kind
}

// Schema is the set of fields a kind of search accepts, matched without regard to case, with
// their aliases.
type Schema struct {
	// Noun names the records in messages ("workflows").
	Noun   string
	fields map[string]Field
	// fallback, when set, makes the query lenient as Conductor's scheduler search is: a clause
	// that does not parse is a value of this field (a schedule name), not an error.
	fallback string
	// defaultSort is the order when a request names none; sortFallback, when set, is the field
	// an unknown sort field falls back to instead of being refused.
	defaultSort  []store.SortField
	sortFallback string
}

// field returns the field a query or sort names, by its name or an alias, in any case.
func (s *Schema) field(name string) (Field, bool) {
	f, ok := s.fields[strings.ToLower(name)]
	return f, ok
}

// Fields returns the canonical names of the schema's fields, each once.
func (s *Schema) Fields() []string {
	seen := map[string]bool{}
	var out []string
	for _, f := range s.fields {
		if !seen[f.Name] {
			seen[f.Name] = true
			out = append(out, f.Name)
		}
	}
	return out
}

// newSchema indexes fields by their lower-cased names and the aliases given (alias → name).
func newSchema(noun string, fields []Field, aliases map[string]string) *Schema {
	s := &Schema{Noun: noun, fields: map[string]Field{}}
	byName := map[string]Field{}
	for _, f := range fields {
		s.fields[strings.ToLower(f.Name)] = f
		byName[f.Name] = f
	}
	for alias, name := range aliases {
		s.fields[strings.ToLower(alias)] = byName[name]
	}
	return s
}

// Workflows is the schema of workflow searches (GET /api/workflow/search and -v2).
var Workflows = newSchema("workflows", []Field{
	{"workflowType", Text}, {"workflowId", ID}, {"status", Status}, {"correlationId", Text},
	{"startTime", Time}, {"endTime", Time}, {"updateTime", Time}, {"version", Int32},
	{"parentWorkflowId", ID}, {"idempotencyKey", Text}, {"priority", Int32},
}, map[string]string{"createTime": "startTime", "workflowName": "workflowType"})

// Tasks is the schema of task searches (GET /api/tasks/search and -v2).
var Tasks = newSchema("tasks", []Field{
	{"taskId", ID}, {"taskType", Text}, {"taskDefName", Text}, {"referenceTaskName", Text},
	{"status", Status}, {"workflowId", ID}, {"workflowType", Text}, {"correlationId", Text},
	{"domain", Text}, {"workerId", Text}, {"scheduledTime", Time}, {"startTime", Time},
	{"updateTime", Time}, {"endTime", Time},
}, map[string]string{"taskRefName": "referenceTaskName", "workflowName": "workflowType"})

// ScheduleExecutions is the schema of the scheduler's execution-record search
// (GET /api/scheduler/search/executions). It takes every field of the workflow search
// (Workflows) too, status meaning the record's state (POLLED, EXECUTED, FAILED) and startTime
// when the workflow was started. As in Conductor, a clause that does not start with one of its
// fields names a schedule, and an unknown sort field sorts by scheduledTime; the default is
// newest first.
var ScheduleExecutions = func() *Schema {
	s := newSchema("schedule executions", []Field{
		{"scheduleName", Text}, {"state", Status}, {"scheduledTime", Time}, {"executionTime", Time},
		{"workflowName", Text}, {"workflowId", Text}, {"executionId", ID},
		// The rest of the workflow search's fields, so that a workflow query runs here too:
		// what the record's start request asked for, and the launched workflow's times.
		{"correlationId", Text}, {"idempotencyKey", Text}, {"priority", Int32}, {"version", Int32},
		{"endTime", Time}, {"updateTime", Time}, {"parentWorkflowId", ID},
	}, map[string]string{"status": "state", "workflowType": "workflowName", "startTime": "executionTime",
		"createTime": "executionTime"})
	s.fallback = "scheduleName"
	s.defaultSort = []store.SortField{{Field: "scheduledTime", Desc: true}}
	s.sortFallback = "scheduledTime"
	return s
}()

// Schedules is the schema of schedule searches (GET /api/scheduler/schedules/search), which
// filter by parameters, not a query: its fields are the sort fields, an unknown one sorting by
// name as in Conductor.
var Schedules = func() *Schema {
	s := newSchema("schedules", []Field{
		{"name", Text}, {"workflowName", Text}, {"createTime", Time}, {"updatedTime", Time},
	}, map[string]string{"updateTime": "updatedTime"})
	s.defaultSort = []store.SortField{{Field: "name"}}
	s.sortFallback = "name"
	return s
}()
