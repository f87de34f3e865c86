package secret_test

import (
	"encoding/base64"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/podiumhq/podium/internal/secret"
)

// FuzzRedactor checks that a masked string never holds a value or its encoded forms. The
// forms the Redactor searches as plain text (the value, its minimal JSON escape once and
// twice, its base64) are embedded right against arbitrary text; the forms found through a
// decoder (HTML-escaped JSON, \uXXXX, percent-encoding, Basic credentials) are set apart by a
// space, since text that ends in a backslash or a percent sign re-reads what follows it.
func FuzzRedactor(f *testing.F) {
	for _, seed := range [][3]string{
		{"", `p@"ss\wörd✓`, ""},
		{`{"a":"`, `LK"quo\te`, `"}`},
		{`\`, `"quoted"`, `\\`},
		{"%", "100% sure+ok", "%2"},
		{"Basic ", "hunter2-hunter2", "=="},
		{"line\n", "multi\nline\tsecret", "\u2028"},
		{"dXNl", "🔑 emoji key", "cjpw"},
		{"<&>", "a<b>&c='d'/e", "\\u00"},
	} {
		f.Add(seed[0], seed[1], seed[2])
	}
	f.Fuzz(func(t *testing.T, prefix, value, suffix string) {
		if len(value) < 4 || !utf8.ValidString(value) || strings.Contains(value, "*") ||
			strings.ContainsAny(value, "\u2028\u2029") {
			return // short values have no encoded forms; a value holding the mask's characters is not one the mask can hide
		}
		var r secret.Redactor
		r.Add(value)
		r.Add("other-value") // a second value must not get in the way
		plain := map[string]string{"plain": value}
		if escaped := jsonEscapeOnce(t, value); escaped != value {
			plain["json"] = escaped
			plain["double"] = jsonEscapeOnce(t, escaped)
		}
		if len(value) >= 8 {
			plain["base64"] = base64.StdEncoding.EncodeToString([]byte(value))
			plain["base64url"] = base64.RawURLEncoding.EncodeToString([]byte(value))
		}
		for name, form := range plain {
			in := prefix + form + suffix
			out := r.String(in)
			for other, f := range plain {
				if other == "base64" {
					f = strings.TrimRight(f, "=")
				}
				if strings.Contains(out, f) {
					t.Fatalf("%s form embedded: %q masked to %q still holds the %s form %q", name, in, out, other, f)
				}
			}
		}
		for name, form := range bareForms(value) {
			in := prefix + " " + form + " " + suffix
			out := r.String(in)
			for other, f := range bareForms(value) {
				if strings.Contains(out, f) && !strings.Contains(r.String(prefix+" "+suffix), f) {
					t.Fatalf("%s form set apart: %q masked to %q still holds the %s form %q", name, in, out, other, f)
				}
			}
		}
		basic := "Basic " + base64.StdEncoding.EncodeToString([]byte("user:"+value))
		if out := r.String(prefix + " " + basic + " " + suffix); strings.Contains(out, basic[len("Basic "):]) {
			t.Fatalf("Basic credentials: %q still holds the token", out)
		}
	})
}

// jsonEscapeOnce is the inside of the JSON string of s, as Go writes it without HTML escaping.
func jsonEscapeOnce(t *testing.T, s string) string {
	t.Helper()
	var b strings.Builder
	for _, c := range []byte(s) {
		switch {
		case c == '"' || c == '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c == '\n':
			b.WriteString(`\n`)
		case c == '\r':
			b.WriteString(`\r`)
		case c == '\t':
			b.WriteString(`\t`)
		case c == '\b':
			b.WriteString(`\b`)
		case c == '\f':
			b.WriteString(`\f`)
		case c < 0x20:
			b.WriteString(`\u00`)
			b.WriteByte("0123456789abcdef"[c>>4])
			b.WriteByte("0123456789abcdef"[c&0xf])
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}
