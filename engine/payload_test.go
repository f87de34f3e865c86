package engine

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestJSONSizeIsTheLengthOfTheEncoding(t *testing.T) {
	t.Parallel()
	for _, v := range []any{
		nil, true, false, "", "plain", `"quoted" \ back`, "<a href='x'>&</a>", "\x00\x01\b\f\n\r\t\x1f",
		"é ü 日本 😀", "bad \xff utf-8 \xc3", "line\u2028sep\u2029", json.Number("12.5e3"), json.Number(""),
		int64(-42), 7, 1.5, map[string]any{}, []any{}, map[string]any(nil), []any(nil),
		map[string]any{"a<": []any{int64(1), "x", nil, map[string]any{"k": json.Number("3")}}, "b": false},
		map[string]string{"typed": "falls back to encoding"},
	} {
		data, err := json.Marshal(v)
		require.NoError(t, err)
		require.Equal(t, int64(len(data)), jsonSize(v), "%#v encodes as %s", v, data)
	}
}
