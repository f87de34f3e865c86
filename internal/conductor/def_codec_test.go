package conductor_test

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/podiumhq/podium/internal/conductor"
)

func TestWorkflowDefCodecRoundTrip(t *testing.T) {
	t.Parallel()
	in := `{"name":"wf","version":2,"inputSchema":{"type":"object"},
		"tasks":[{"name":"a","taskReferenceName":"a","cacheConfig":{"ttl":5}}],
		"outputParameters":{"big":9007199254740993}}`
	def, err := conductor.DecodeWorkflowDef([]byte(in))
	require.NoError(t, err)
	require.Equal(t, 2, def.Version)
	require.True(t, def.Restartable, "an absent member takes Conductor's default")
	require.Equal(t, conductor.TaskTypeSimple, def.Tasks[0].Type)

	doc, err := conductor.EncodeWorkflowDef(def)
	require.NoError(t, err)
	want, err := json.Marshal(def)
	require.NoError(t, err)
	require.Equal(t, string(want), string(doc), "the document is byte for byte what encoding/json writes")
	require.Contains(t, string(doc), `"inputSchema":{"type":"object"}`, "unknown members survive")
	require.Contains(t, string(doc), `"big":9007199254740993`, "numbers keep full precision")

	again, err := conductor.DecodeWorkflowDef(doc)
	require.NoError(t, err)
	redoc, err := conductor.EncodeWorkflowDef(again)
	require.NoError(t, err)
	require.Equal(t, string(doc), string(redoc), "decoding and encoding again gives the same bytes")
}

func TestTaskDefCodecRoundTrip(t *testing.T) {
	t.Parallel()
	def, err := conductor.DecodeTaskDef([]byte(`{"name":"t","retryCount":0,"runtimeMetadata":["x"]}`))
	require.NoError(t, err)
	require.Equal(t, 0, def.RetryCount, "an explicit 0 is kept")
	require.Equal(t, conductor.TaskDefRetryDelaySecondsDefault, def.RetryDelaySeconds)

	doc, err := conductor.EncodeTaskDef(def)
	require.NoError(t, err)
	want, err := json.Marshal(def)
	require.NoError(t, err)
	require.Equal(t, string(want), string(doc))
	require.Contains(t, string(doc), `"runtimeMetadata":["x"]`)
	require.Contains(t, string(doc), `"inputKeys":[]`)

	again, err := conductor.DecodeTaskDef(doc)
	require.NoError(t, err)
	require.Equal(t, def.Extra, again.Extra)
	redoc, err := conductor.EncodeTaskDef(again)
	require.NoError(t, err)
	require.Equal(t, string(doc), string(redoc), "decoding and encoding again gives the same bytes")
}

func TestDefinitionDecodeErrors(t *testing.T) {
	t.Parallel()
	var typeErr *json.UnmarshalTypeError
	_, err := conductor.DecodeWorkflowDef([]byte(`{"name":"wf","version":"abc"}`))
	require.ErrorAs(t, err, &typeErr, "the error is encoding/json's, for the caller to wrap")
	require.Equal(t, "version", typeErr.Field)

	var syntax *json.SyntaxError
	_, err = conductor.DecodeTaskDef([]byte(`{"name":"t"} trailing`))
	require.ErrorAs(t, err, &syntax, "data after the document is refused")
	_, err = conductor.DecodeTaskDef([]byte(`[]`))
	require.Error(t, err)
}
