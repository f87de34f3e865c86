package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http/httptest"
	"testing"
	"unicode/utf8"

	"github.com/podiumhq/podium/internal/conductor"
	"github.com/podiumhq/podium/internal/metadata"
)

// FuzzDecodeBody feeds the request decoder arbitrary bodies as a StartWorkflowRequest and as a
// WorkflowDef: it never panics, and it answers either a value that encodes back to valid UTF-8
// JSON from a body PostgreSQL can store, or an ErrInvalid error.
func FuzzDecodeBody(f *testing.F) {
	for _, seed := range []string{
		`{"name":"w","version":1,"input":{"a":[1,2.5e3,"x"]},"correlationId":"c","taskToDomain":{"t":"d"}}`,
		`{"name":"w","input":null}`, `{"name":"w","extra":"\ud800"}`, `{"name":"w","extra":"\ud83d\ude00"}`,
		`{"name":"d","schemaVersion":2,"tasks":[{"name":"a","taskReferenceName":"a","type":"FORK_JOIN","forkTasks":[[{"name":"b","taskReferenceName":"b"}]]}]}`,
		`{"name":"d","tasks":[{"name":"a","taskReferenceName":"a","subWorkflowParam":{"name":"s","x":1}}],"Name":"folded"}`,
		`{"a":"\u0000"}`, "{\"a\":\"\xff\"}", `[]`, `null`, `{"name":1}`, `{"name":"w"} {}`, `{"name":"\\ud800"}`, `{`,
	} {
		f.Add([]byte(seed))
	}
	s := &server{metadata: metadata.New(metadata.Config{})} // decoding needs only the definition limits
	f.Fuzz(func(t *testing.T, body []byte) {
		r := httptest.NewRequest("POST", "/api/workflow", bytes.NewReader(body))
		req, err := s.decodeStartRequest(r)
		check(t, body, req, err)

		r = httptest.NewRequest("POST", "/api/metadata/workflow", bytes.NewReader(body))
		def := new(conductor.WorkflowDef)
		err = decodeJSON(r, def)
		check(t, body, def, err)
	})
}

func check(t *testing.T, body []byte, v any, err error) {
	t.Helper()
	if err != nil {
		if !errors.Is(err, conductor.ErrInvalid) {
			t.Fatalf("body %q: error of no client kind: %v", body, err)
		}
		return
	}
	if !json.Valid(body) || checkJSONText(body) != nil {
		t.Fatalf("body %q accepted though it is not storable JSON", body)
	}
	out, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("body %q: decoded value does not encode: %v", body, err)
	}
	if !utf8.Valid(out) || !json.Valid(out) {
		t.Fatalf("body %q: decoded value encodes to invalid JSON %q", body, out)
	}
}
