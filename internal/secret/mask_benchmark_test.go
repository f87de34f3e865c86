package secret_test

import (
	"strings"
	"testing"

	"github.com/podiumhq/podium/internal/secret"
)

// benchRedactor knows a handful of secret values, as an execution that resolved a few
// secrets and produced a token does.
func benchRedactor() *secret.Redactor {
	var r secret.Redactor
	for _, v := range []string{"tok-3f9a1c77e2b04d5e8a6f", "ksec-0b1c2d3e4f5a6b7c8d9e", "kid-aa11bb22cc33dd44",
		`p@"ss\wörd✓`, "alice-admin", "pw-123456", "xyz"} {
		r.Add(v)
	}
	return &r
}

// benchDoc is a task output of ordinary size: an HTTP response with headers and a JSON body,
// holding no secret material (the common case).
func benchDoc() map[string]any {
	items := make([]any, 20)
	for i := range items {
		items[i] = map[string]any{"id": "item-000" + string(rune('a'+i)), "name": "An ordinary product name",
			"description": strings.Repeat("plain words of a description, ", 4), "price": 12.5}
	}
	return map[string]any{
		"statusCode": 200, "reasonPhrase": "OK",
		"headers": map[string]any{"Content-Type": []any{"application/json"}, "Date": []any{"Mon, 01 Jan 2024 00:00:00 GMT"}},
		"body":    map[string]any{"items": items, "next": "https://api.example.com/items?page=2&size=20"},
	}
}

func BenchmarkRedactorPlainDoc(b *testing.B) {
	r, doc := benchRedactor(), benchDoc()
	b.ReportAllocs()
	for b.Loop() {
		r.Map(doc)
	}
}

func BenchmarkRedactorString(b *testing.B) {
	r := benchRedactor()
	for _, c := range []struct{ name, s string }{
		{"plain", strings.Repeat("an ordinary line of a log, nothing secret in it; ", 8)},
		{"raw", "Bearer tok-3f9a1c77e2b04d5e8a6f and more text around it"},
		{"jsonText", `{"headers":{"Authorization":["Bearer tok-3f9a1c77e2b04d5e8a6f"]},"body":"{\"password\":\"p@\\\"ss\\\\wörd✓\"}"}`},
		{"escapedPlain", `{"message":"a \"quoted\" word, a C:\\path\\to\\file, a line\nbreak and caf\u00e9"}`},
	} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				r.String(c.s)
			}
		})
	}
}
