package secret_test

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"
	"unicode/utf16"

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

// encodedForms are the forms a value takes when a JSON encoder, a URL encoder or a Basic
// authorization header carries it, each in a realistic context.
func encodedForms(t testing.TB, v string) map[string]string {
	t.Helper()
	goJSON := func(s string, html bool) string {
		var b strings.Builder
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(html)
		require.NoError(t, enc.Encode(s))
		return strings.TrimSuffix(b.String(), "\n")
	}
	quoted := goJSON(v, false)
	return map[string]string{
		"plain":             v,
		"json":              quoted,
		"json html":         goJSON(v, true),
		"ensure_ascii":      asciiJSON(v, "%04x"),
		"jackson non-ascii": asciiJSON(v, "%04X"),
		"gson":              strings.NewReplacer("=", `\u003d`, "'", `\u0027`).Replace(goJSON(v, true)),
		"php slashes":       strings.ReplaceAll(quoted, "/", `\/`),
		"double":            goJSON(`{"password":`+quoted+`}`, false),
		"double html":       goJSON(`{"password":`+goJSON(v, true)+`}`, true),
		"double ascii":      asciiJSON(`{"password":`+asciiJSON(v, "%04x")+`}`, "%04x"),
		"query":             "https://example.com/cb?secret=" + url.QueryEscape(v) + "&x=1",
		"path":              "https://example.com/u/" + url.PathEscape(v) + "/x",
		"form in json":      goJSON("grant_type=client_credentials&client_secret="+url.QueryEscape(v), true),
		"json in query":     "?q=" + url.QueryEscape(`{"pw":`+quoted+`}`),
		"basic":             "Authorization: Basic " + base64.StdEncoding.EncodeToString([]byte("someone:"+v)),
		"basic in json":     goJSON(`{"Authorization":["Basic `+base64.StdEncoding.EncodeToString([]byte("someone:"+v))+`"]}`, false),
		"base64":            `{"data":{"password":"` + base64.StdEncoding.EncodeToString([]byte(v)) + `"}}`,
		"base64url":         "x=" + base64.RawURLEncoding.EncodeToString([]byte(v)),
	}
}

// asciiJSON encodes s as a JSON string with every non-ASCII character as \uXXXX (UTF-16, in
// format's case), as Python's json.dumps(ensure_ascii=True) and Jackson's ESCAPE_NON_ASCII do.
func asciiJSON(s, format string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r == '\n':
			b.WriteString(`\n`)
		case r < 0x20 || r > 0x7e:
			for _, u := range utf16.Encode([]rune{r}) {
				fmt.Fprintf(&b, `\u`+format, u)
			}
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// leakedForms returns the forms of v (their encoded parts, without the context) that text
// still holds.
func leakedForms(v, text string) []string {
	var leaks []string
	for name, f := range bareForms(v) {
		if f != "" && strings.Contains(text, f) {
			leaks = append(leaks, name+": "+f)
		}
	}
	slices.Sort(leaks)
	return leaks
}

// bareForms are the encoded forms of v alone.
func bareForms(v string) map[string]string {
	once, _ := json.Marshal(v)
	q := unquote(string(once))
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
	minimal := unquote(strings.TrimSpace(b.String()))
	twice, _ := json.Marshal(minimal)
	forms := map[string]string{
		"plain": v, "json": minimal, "json html": q, "double": unquote(string(twice)),
		"ensure_ascii": unquote(asciiJSON(v, "%04x")), "jackson": unquote(asciiJSON(v, "%04X")),
		"query": url.QueryEscape(v), "path": url.PathEscape(v),
	}
	if len(v) >= 8 {
		forms["base64"] = base64.RawStdEncoding.EncodeToString([]byte(v))
		forms["base64url"] = base64.RawURLEncoding.EncodeToString([]byte(v))
	}
	return forms
}

// unquote drops the quotes around a JSON string.
func unquote(s string) string { return strings.TrimSuffix(strings.TrimPrefix(s, `"`), `"`) }

func TestRedactorMasksEncodedForms(t *testing.T) {
	t.Parallel()
	for _, v := range []string{`p@"ss\wörd✓`, `LK"quo\te<&>=/x`, "pass phrase+🔑 with spaces", "line1\nline2\tend", "tok-abcdef0123"} {
		var r secret.Redactor
		r.Add(v)
		for name, text := range encodedForms(t, v) {
			masked := r.String(text)
			require.Contains(t, masked, secret.Mask, "%q %s: %s", v, name, text)
			require.Empty(t, leakedForms(v, masked), "%q %s: %s → %s", v, name, text, masked)
		}
	}
}

func TestRedactorEncodedFormsKeepTheRest(t *testing.T) {
	t.Parallel()
	var r secret.Redactor
	r.Add(`p@"ss\wörd✓`)
	r.Add("user-name")
	for in, want := range map[string]string{
		`{"password":"p@\"ss\\w\u00f6rd\u2713","n":1}`:              `{"password":"***","n":1}`,
		`body: "{\"password\":\"p@\\\"ss\\\\wörd✓\"}" done`:         `body: "{\"password\":\"***\"}" done`,
		"GET /login?pw=p%40%22ss%5Cw%C3%B6rd%E2%9C%93&lang=en":      "GET /login?pw=***&lang=en",
		"Authorization: Basic dXNlci1uYW1lOmh1bnRlcjI=, next":       "Authorization: Basic ***, next",
		"Basic dW5rbm93bjpvdGhlcg== stays":                          "Basic dW5rbm93bjpvdGhlcg== stays",
		`a C:\path\to\file, 100% plain, caf\u00e9`:                  `a C:\path\to\file, 100% plain, caf\u00e9`,
		`{"data":"dXNlci1uYW1l","more":"dXNlci1uYW1lLXN1ZmZpeA=="}`: `{"data":"***","more":"***"}`,
	} {
		require.Equal(t, want, r.String(in), in)
	}
}

func TestRedactorShortValuesHaveNoEncodedForms(t *testing.T) {
	t.Parallel()
	var r secret.Redactor
	r.Add(`a"b`)
	require.Equal(t, "***", r.String(`a"b`))
	require.Equal(t, `x a\"b y`, r.String(`x a\"b y`), "a short value is masked only as a whole string")
}
