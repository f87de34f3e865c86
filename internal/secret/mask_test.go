package secret_test

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/podiumhq/podium/internal/secret"
)

func TestRedactor(t *testing.T) {
	t.Parallel()
	var r secret.Redactor
	r.Add("tok-abcdef")
	r.Add("tok-abcdef-longer")
	r.Add("xyz")
	in := map[string]any{
		"auth":     "Bearer tok-abcdef",
		"both":     "tok-abcdef-longer and tok-abcdef",
		"short":    "xyz",
		"inText":   "the xyz stays",
		"list":     []any{"tok-abcdef", 5, nil},
		"_secrets": map[string]any{"k": "v"},
		"nested":   map[string]any{"_masked": []any{"a"}, "ok": "plain"},
	}
	out := r.Map(in)
	require.Equal(t, map[string]any{
		"auth":     "Bearer ***",
		"both":     "*** and ***",
		"short":    "***",
		"inText":   "the xyz stays",
		"list":     []any{"***", 5, nil},
		"_secrets": "***",
		"nested":   map[string]any{"_masked": "***", "ok": "plain"},
	}, out)
	require.Equal(t, "Bearer tok-abcdef", in["auth"], "the input is not changed")
	require.Equal(t, 3, r.Len())
}

func TestRedactorCollectsSecretsUnderKeys(t *testing.T) {
	t.Parallel()
	var r secret.Redactor
	r.SecretsUnder(map[string]any{"a": map[string]any{"_secrets": map[string]any{"token": "jwt-123456", "n": json.Number("987654")}}})
	require.Equal(t, "x *** y", r.String("x jwt-123456 y"))
	require.Equal(t, "***", r.String("987654"))
	require.ElementsMatch(t, []string{"jwt-123456", "987654"}, r.Values())
}

func TestMaskFields(t *testing.T) {
	t.Parallel()
	in := map[string]any{"password": "p", "user": "u"}
	require.Equal(t, map[string]any{"password": "***", "user": "u"}, secret.MaskFields(in, []string{"password", "absent"}))
	require.Equal(t, "p", in["password"])
}
