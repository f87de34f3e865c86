package api_test

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/podiumhq/podium/api"
	"github.com/podiumhq/podium/internal/secrets"
)

const (
	secretsPath   = "/api/secrets"
	secretsV2Path = "/api/secrets-v2"
	// secretNameRule is the tail of every bad-name message.
	secretNameRule = ": use 1 to 255 letters, digits, '_' or '-'"
)

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

// secretPath is the path of a secret (escaped) plus an optional suffix such as "/tags".
func secretPath(name, suffix string) string {
	return secretsPath + "/" + url.PathEscape(name) + suffix
}

// doWithHeader sends method path with a raw body (nil ⇒ none) and the given headers.
func (b *testBundle) doWithHeader(method, path string, body []byte, header http.Header) response {
	b.t.Helper()
	resp, err := rawRequest(b.server.Client(), method, b.server.URL+path, body, header)
	require.NoError(b.t, err)
	return resp
}

// putSecret stores body (sent as is) under name and requires 200 with an empty body.
func (b *testBundle) putSecret(name, body string) {
	b.t.Helper()
	requireEmptyOK(b.t, b.do(http.MethodPut, secretPath(name, ""), body))
}

// secretValue reads a secret the default way (JSON string) and returns the decoded value.
func (b *testBundle) secretValue(name string) string {
	b.t.Helper()
	resp := b.do(http.MethodGet, secretPath(name, ""), nil)
	requireStatus(b.t, resp, http.StatusOK)
	require.Equal(b.t, "application/json", resp.Header.Get("Content-Type"))
	var v string
	resp.JSON(b.t, &v)
	return v
}

// secretText reads a secret with Accept: text/plain and returns the raw body.
func (b *testBundle) secretText(name string) string {
	b.t.Helper()
	resp := b.doWithHeader(http.MethodGet, secretPath(name, ""), nil, http.Header{"Accept": {"text/plain"}})
	requireStatus(b.t, resp, http.StatusOK)
	require.Equal(b.t, "text/plain; charset=utf-8", resp.Header.Get("Content-Type"))
	return string(resp.Body)
}

// secretExists answers GET /exists, requiring a JSON boolean.
func (b *testBundle) secretExists(name string) bool {
	b.t.Helper()
	resp := b.do(http.MethodGet, secretPath(name, "/exists"), nil)
	requireStatus(b.t, resp, http.StatusOK)
	require.Equal(b.t, "application/json", resp.Header.Get("Content-Type"))
	require.Contains(b.t, []string{"true", "false"}, string(resp.Body))
	return string(resp.Body) == "true"
}

// secretNames answers GET /api/secrets, requiring a JSON array of strings.
func (b *testBundle) secretNames() []string {
	b.t.Helper()
	resp := b.do(http.MethodGet, secretsPath, nil)
	requireStatus(b.t, resp, http.StatusOK)
	require.Equal(b.t, "application/json", resp.Header.Get("Content-Type"))
	var names []string
	resp.JSON(b.t, &names)
	require.NotNil(b.t, names, "an empty list is [], never null: %s", resp.Body)
	return names
}

// secretTags answers GET /tags as generic JSON, so extra members (a "type") would show.
func (b *testBundle) secretTags(name string) arr {
	b.t.Helper()
	resp := b.do(http.MethodGet, secretPath(name, "/tags"), nil)
	requireStatus(b.t, resp, http.StatusOK)
	require.Equal(b.t, "application/json", resp.Header.Get("Content-Type"))
	return decodeArr(b.t, resp.Body)
}

// tagJSON is a tag as the server answers it.
func tagJSON(key, value string) obj { return obj{"key": key, "value": value} }

// requireBadSecretName asserts the 400 answered for an invalid name: it names the name (quoted
// Go-style, so control characters stay visible) and states the rule.
func requireBadSecretName(t *testing.T, resp response, name string) {
	t.Helper()
	requireError(t, resp, http.StatusBadRequest, "Invalid secret name "+strconv.Quote(name)+secretNameRule)
}

// requireNoSuchSecret asserts the 404 of an unknown secret.
func requireNoSuchSecret(t *testing.T, resp response, name string) {
	t.Helper()
	requireError(t, resp, http.StatusNotFound, "No such secret found by key: "+name)
}

// ---------------------------------------------------------------------------------------------
// PUT and GET /api/secrets/{key}
// ---------------------------------------------------------------------------------------------

func TestSecretPutGetRoundTrip(t *testing.T) {
	t.Parallel()

	for _, tc := range []struct {
		name string
		body string // sent as is
		want string // the stored value
	}{
		// The JS SDK sends JSON.stringify(value): stored decoded.
		{"JSONString", `"p@ss \"q\" \\ é"`, `p@ss "q" \ é`},
		{"JSONStringWithEscapes", `"tab\there\nline \u00e9 \ud83d\ude00 \/"`, "tab\there\nline é 😀 /"},
		{"WhitespaceAroundJSONString", " \r\n\t\"padded\" \n", "padded"},
		{"QuotedJSONStringIsUnwrappedOnce", `"\"inner\""`, `"inner"`},
		// The Go and Python SDKs send the raw value: stored as is.
		{"RawValue", "raw-value", "raw-value"},
		{"RawValueKeepsWhitespace", "  raw with spaces \n", "  raw with spaces \n"},
		{"RawUnicode", "ünïcødé ✓", "ünïcødé ✓"},
		// JSON that is not a string literal is the value's text.
		{"JSONObject", `{"a":1}`, `{"a":1}`},
		{"JSONObjectWithWhitespace", "{ \"user\": \"u\", \"password\": \"p\" }\n", "{ \"user\": \"u\", \"password\": \"p\" }\n"},
		{"JSONArray", `["x","y"]`, `["x","y"]`},
		{"JSONNumber", `42`, `42`},
		{"JSONTrue", `true`, `true`},
		{"JSONNull", `null`, `null`},
		// Starts with a quote but is not one JSON string: stored raw.
		{"UnterminatedQuote", `"unterminated`, `"unterminated`},
		{"TwoJSONStrings", `"a" "b"`, `"a" "b"`},
		{"QuoteThenText", `"a"b`, `"a"b`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t)
			b.putSecret("s1", tc.body)

			resp := b.do(http.MethodGet, secretPath("s1", ""), nil)
			requireStatus(t, resp, http.StatusOK)
			require.Equal(t, "application/json", resp.Header.Get("Content-Type"))
			require.Equal(t, "no-store", resp.Header.Get("Cache-Control"))
			var got string
			resp.JSON(t, &got)
			require.Equal(t, tc.want, got, "GET answers the stored value as a JSON string")

			require.Equal(t, tc.want, b.secretText("s1"), "Accept: text/plain answers the raw value")
		})
	}
}

func TestSecretGetJSONStringIsExact(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.putSecret("js", `"p@ss \"q\" \\ é"`)

	resp := b.do(http.MethodGet, secretPath("js", ""), nil)
	requireStatus(t, resp, http.StatusOK)
	require.Equal(t, "application/json", resp.Header.Get("Content-Type"))
	require.Equal(t, `"p@ss \"q\" \\ é"`, string(resp.Body), "the JS SDK gets back the bytes it sent")
}

func TestSecretGetContentNegotiation(t *testing.T) {
	t.Parallel()

	const value = `v "1"`
	const asJSON = `"v \"1\""`
	for _, tc := range []struct {
		name, accept string
		text         bool
	}{
		{"NoAccept", "", false},
		{"Any", "*/*", false},
		{"JSON", "application/json", false},
		{"ApplicationAny", "application/*", false},
		{"TextPlain", "text/plain", true},
		{"TextPlainWithCharset", "text/plain; charset=utf-8", true},
		{"TextPlainFirst", "text/plain, application/json", true},
		{"JSONFirst", "application/json, text/plain", false},
		{"TextPlainThenAny", "text/plain, */*", true},
		{"AnyThenTextPlain", "*/*, text/plain", false},
		{"UnknownTypeThenTextPlain", "text/html, text/plain", true},
		{"UnknownTypeOnly", "text/html", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t)
			b.putSecret("neg", asJSON)
			header := http.Header{}
			if tc.accept != "" {
				header.Set("Accept", tc.accept)
			}
			resp := b.doWithHeader(http.MethodGet, secretPath("neg", ""), nil, header)
			requireStatus(t, resp, http.StatusOK)
			if tc.text {
				require.Equal(t, "text/plain; charset=utf-8", resp.Header.Get("Content-Type"))
				require.Equal(t, value, string(resp.Body))
			} else {
				require.Equal(t, "application/json", resp.Header.Get("Content-Type"))
				require.Equal(t, asJSON, string(resp.Body))
			}
		})
	}
}

// TestSecretGetHonoursAcceptQuality: spec/orkes.md §1 answers raw text when the Accept header
// *prefers* text/plain; quality values decide preference (RFC 9110 §12.5.1), q=0 excludes.
func TestSecretGetHonoursAcceptQuality(t *testing.T) {
	t.Parallel()

	for _, tc := range []struct {
		name, accept string
		text         bool
	}{
		{"TextPlainExcluded", "text/plain;q=0, application/json", false},
		{"TextPlainExcludedOnly", "text/plain;q=0", false},
		{"TextPlainPreferredByQuality", "application/json;q=0.5, text/plain", true},
		{"JSONPreferredByQuality", "text/plain;q=0.2, application/json;q=0.9", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t)
			b.putSecret("q", "value")
			resp := b.doWithHeader(http.MethodGet, secretPath("q", ""), nil, http.Header{"Accept": {tc.accept}})
			requireStatus(t, resp, http.StatusOK)
			if tc.text {
				require.Equal(t, "text/plain; charset=utf-8", resp.Header.Get("Content-Type"), "Accept: %s", tc.accept)
				require.Equal(t, "value", string(resp.Body))
			} else {
				require.Equal(t, "application/json", resp.Header.Get("Content-Type"), "Accept: %s", tc.accept)
				require.Equal(t, `"value"`, string(resp.Body))
			}
		})
	}
}

func TestSecretPutReplacesValueAndKeepsTags(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.putSecret("db-password", `"first"`)
	requireEmptyOK(t, b.do(http.MethodPut, secretPath("db-password", "/tags"), arr{obj{"key": "team", "value": "a"}}))

	b.putSecret("db-password", "second")
	require.Equal(t, "second", b.secretValue("db-password"))
	require.Equal(t, arr{tagJSON("team", "a")}, b.secretTags("db-password"), "a new value keeps the tags")
	require.Equal(t, []string{"db-password"}, b.secretNames(), "replacing never duplicates")

	b.putSecret("db-password", `{"user":"u"}`)
	require.Equal(t, `{"user":"u"}`, b.secretValue("db-password"))
}

func TestSecretPutRejectsBadValues(t *testing.T) {
	t.Parallel()

	for _, tc := range []struct {
		name   string
		body   []byte
		prefix string
	}{
		{"EmptyBody", nil, "Secret value is required"},
		{"EmptyBodyWithContentLength", []byte{}, "Secret value is required"},
		{"InvalidUTF8", []byte("bad \xff\xfe value"), "Secret value must be UTF-8 text"},
		{"TruncatedUTF8", []byte("caf\xc3"), "Secret value must be UTF-8 text"},
		{"OverlongUTF8", []byte("\xc0\xaf"), "Secret value must be UTF-8 text"},
		// Not valid JSON (JSON text is UTF-8), so not a JSON string: the raw body is invalid.
		{"InvalidUTF8InsideQuotes", []byte("\"bad \xff value\""), "Secret value must be UTF-8 text"},
		{"TooLargeRaw", []byte(strings.Repeat("r", secrets.MaxSecretBytes+1)),
			fmt.Sprintf("Secret value of %d bytes is larger than the limit of %d bytes", secrets.MaxSecretBytes+1, secrets.MaxSecretBytes)},
		{"TooLargeJSONString", []byte(`"` + strings.Repeat("j", secrets.MaxSecretBytes+1) + `"`),
			fmt.Sprintf("Secret value of %d bytes is larger than the limit of %d bytes", secrets.MaxSecretBytes+1, secrets.MaxSecretBytes)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t)

			var resp response
			if tc.body == nil {
				resp = b.doWithHeader(http.MethodPut, secretPath("new-one", ""), nil, nil)
			} else {
				resp = b.do(http.MethodPut, secretPath("new-one", ""), tc.body)
			}
			requireErrorPrefix(t, resp, http.StatusBadRequest, tc.prefix)
			require.False(t, b.secretExists("new-one"), "a rejected PUT stores nothing")
			requireNoSuchSecret(t, b.do(http.MethodGet, secretPath("new-one", ""), nil), "new-one")

			// Nor does it touch an existing value.
			b.putSecret("kept", "original")
			if tc.body == nil {
				resp = b.doWithHeader(http.MethodPut, secretPath("kept", ""), nil, nil)
			} else {
				resp = b.do(http.MethodPut, secretPath("kept", ""), tc.body)
			}
			requireErrorPrefix(t, resp, http.StatusBadRequest, tc.prefix)
			require.Equal(t, "original", b.secretValue("kept"))
			require.Equal(t, []string{"kept"}, b.secretNames())
		})
	}
}

func TestSecretValueSizeLimitIsInclusive(t *testing.T) {
	t.Parallel()

	t.Run("Raw", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		value := strings.Repeat("r", secrets.MaxSecretBytes)
		b.putSecret("big", value)
		require.Equal(t, value, b.secretValue("big"))
		require.Equal(t, value, b.secretText("big"))
	})

	t.Run("JSONString", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		// The limit applies to the decoded value, not to the quoted body.
		value := strings.Repeat("j", secrets.MaxSecretBytes)
		b.putSecret("big", `"`+value+`"`)
		require.Equal(t, value, b.secretValue("big"))
	})

	t.Run("MultiByteCountsBytes", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		value := strings.Repeat("é", secrets.MaxSecretBytes/2) // 2 bytes each: exactly the limit
		b.putSecret("big", value)
		require.Equal(t, value, b.secretValue("big"))
		requireErrorPrefix(t, b.do(http.MethodPut, secretPath("big", ""), value+"x"), http.StatusBadRequest,
			fmt.Sprintf("Secret value of %d bytes is larger", secrets.MaxSecretBytes+1))
	})
}

func TestSecretBodyTooLarge(t *testing.T) {
	t.Parallel()
	b := setup(t, func(c *api.Config) { c.MaxBodyBytes = 1024 })
	const message = "Request body is larger than the limit of 1024 bytes"

	requireError(t, b.do(http.MethodPut, secretPath("huge", ""), strings.Repeat("x", 2000)),
		http.StatusRequestEntityTooLarge, message)
	require.False(t, b.secretExists("huge"))

	b.putSecret("small", "v")
	many := arr{}
	for i := range 50 {
		many = append(many, obj{"key": fmt.Sprintf("key-%d", i), "value": strings.Repeat("v", 20)})
	}
	requireError(t, b.do(http.MethodPut, secretPath("small", "/tags"), many), http.StatusRequestEntityTooLarge, message)
	requireError(t, b.do(http.MethodDelete, secretPath("small", "/tags"), many), http.StatusRequestEntityTooLarge, message)
	require.Empty(t, b.secretTags("small"))
	require.Equal(t, "v", b.secretValue("small"))
}

// ---------------------------------------------------------------------------------------------
// Names
// ---------------------------------------------------------------------------------------------

func TestSecretBadNames(t *testing.T) {
	t.Parallel()

	for _, tc := range []struct{ label, name string }{
		{"Dot", "a.b"},
		{"ClosingBrace", "a}b"},
		{"OpeningBrace", "a{b"},
		{"TooLong", strings.Repeat("n", 256)},
		{"Space", "a b"},
		{"LeadingSpace", " ab"},
		{"TrailingSpace", "ab "},
		{"OnlySpace", " "},
		{"Slash", "a/b"},
		{"Dollar", "a$b"},
		{"Percent", "a%b"},
		// Sent as %2541bc: the server must not percent-decode it a second time into "Abc".
		{"PercentEscapeLookalike", "%41bc"},
		{"EscapedDotLookalike", "a%2Eb"},
		{"Colon", "a:b"},
		{"NonASCII", "café"},
		{"Tab", "a\tb"},
	} {
		t.Run(tc.label, func(t *testing.T) {
			t.Parallel()
			b := setup(t)
			const value = "value-of-a-badly-named-secret"

			requireBadSecretName(t, b.do(http.MethodPut, secretPath(tc.name, ""), value), tc.name)
			requireBadSecretName(t, b.do(http.MethodPut, secretPath(tc.name, ""), `"`+value+`"`), tc.name)
			requireBadSecretName(t, b.do(http.MethodGet, secretPath(tc.name, ""), nil), tc.name)
			requireBadSecretName(t, b.do(http.MethodDelete, secretPath(tc.name, ""), nil), tc.name)
			requireBadSecretName(t, b.do(http.MethodGet, secretPath(tc.name, "/exists"), nil), tc.name)
			requireBadSecretName(t, b.do(http.MethodGet, secretPath(tc.name, "/tags"), nil), tc.name)
			requireBadSecretName(t, b.do(http.MethodPut, secretPath(tc.name, "/tags"), arr{tagJSON("k", "v")}), tc.name)
			requireBadSecretName(t, b.do(http.MethodDelete, secretPath(tc.name, "/tags"), arr{tagJSON("k", "v")}), tc.name)

			require.Empty(t, b.secretNames(), "nothing is stored under a bad name, nor under a decoded variant")
			require.NotContains(t, b.logs.String(), value)
		})
	}
}

func TestSecretGoodNames(t *testing.T) {
	t.Parallel()
	b := setup(t)

	longest := strings.Repeat("n", 255)
	names := []string{longest, "a", "Z", "0", "_", "-", "sampletask-api-token", "db_credentials", "appKeyId", "A-z_0-9"}
	for i, name := range names {
		b.putSecret(name, fmt.Sprintf("v%d", i))
	}
	for i, name := range names {
		require.Equal(t, fmt.Sprintf("v%d", i), b.secretValue(name), name)
		require.True(t, b.secretExists(name), name)
	}
	require.Equal(t, slices.Sorted(slices.Values(names)), b.secretNames())
}

func TestSecretNameIsPercentDecoded(t *testing.T) {
	t.Parallel()
	b := setup(t)
	// A client that escapes every byte still addresses the same secret.
	b.putSecret("api-key", "v")
	requireStatus(t, b.do(http.MethodGet, "/api/secrets/%61%70%69-key", nil), http.StatusOK)
	require.Equal(t, "v", b.secretValue("api-key"))
	requireBadSecretName(t, b.do(http.MethodPut, "/api/secrets/a%2Eb", "v"), "a.b")
	requireBadSecretName(t, b.do(http.MethodPut, "/api/secrets/a%7Db", "v"), "a}b")
	require.Equal(t, []string{"api-key"}, b.secretNames())
}

// ---------------------------------------------------------------------------------------------
// DELETE, exists, listings
// ---------------------------------------------------------------------------------------------

func TestSecretDelete(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.putSecret("doomed", "v1")
	b.putSecret("survivor", "v2")
	requireEmptyOK(t, b.do(http.MethodPut, secretPath("doomed", "/tags"), arr{tagJSON("team", "a")}))

	requireEmptyOK(t, b.do(http.MethodDelete, secretPath("doomed", ""), nil))
	requireNoSuchSecret(t, b.do(http.MethodGet, secretPath("doomed", ""), nil), "doomed")
	requireNoSuchSecret(t, b.doWithHeader(http.MethodGet, secretPath("doomed", ""), nil,
		http.Header{"Accept": {"text/plain"}}), "doomed")
	require.False(t, b.secretExists("doomed"))
	require.Equal(t, []string{"survivor"}, b.secretNames())
	require.Equal(t, "v2", b.secretValue("survivor"))

	// Deleting again, or deleting what never existed, is a 404.
	requireNoSuchSecret(t, b.do(http.MethodDelete, secretPath("doomed", ""), nil), "doomed")
	requireNoSuchSecret(t, b.do(http.MethodDelete, secretPath("never-was", ""), nil), "never-was")

	// A new secret under the old name starts without the old tags.
	b.putSecret("doomed", "v3")
	require.Equal(t, "v3", b.secretValue("doomed"))
	require.Empty(t, b.secretTags("doomed"))
}

func TestSecretGetUnknown(t *testing.T) {
	t.Parallel()
	b := setup(t)
	requireNoSuchSecret(t, b.do(http.MethodGet, secretPath("missing", ""), nil), "missing")
}

func TestSecretExists(t *testing.T) {
	t.Parallel()
	b := setup(t)

	resp := b.do(http.MethodGet, secretPath("maybe", "/exists"), nil)
	requireStatus(t, resp, http.StatusOK)
	require.Equal(t, "application/json", resp.Header.Get("Content-Type"))
	require.Equal(t, "false", string(resp.Body))

	b.putSecret("maybe", "v")
	resp = b.do(http.MethodGet, secretPath("maybe", "/exists"), nil)
	requireStatus(t, resp, http.StatusOK)
	require.Equal(t, "application/json", resp.Header.Get("Content-Type"))
	require.Equal(t, "true", string(resp.Body))

	require.False(t, b.secretExists("Maybe"), "names are case-sensitive")
}

func TestSecretNameListing(t *testing.T) {
	t.Parallel()

	for _, method := range []string{http.MethodGet, http.MethodPost} {
		t.Run(method, func(t *testing.T) {
			t.Parallel()
			b := setup(t)

			list := func() response {
				t.Helper()
				resp := b.doWithHeader(method, secretsPath, nil, nil) // the SDK sends no body
				requireStatus(t, resp, http.StatusOK)
				require.Equal(t, "application/json", resp.Header.Get("Content-Type"))
				return resp
			}
			require.Equal(t, "[]", string(list().Body), "an empty database lists []")

			values := map[string]string{
				"zeta": "value-zeta-1", "Alpha": "value-alpha-2", "alpha": `"value-alpha-3"`,
				"b-2": `{"k":"value-b-4"}`, "b_2": "value-b-5", "9lives": "value-9-6",
			}
			for name, value := range values {
				b.putSecret(name, value)
			}
			resp := list()
			var names []string
			resp.JSON(t, &names)
			want := make([]string, 0, len(values))
			for name := range values {
				want = append(want, name)
			}
			slices.Sort(want)
			require.Equal(t, want, names, "every name, sorted")
			for _, value := range values {
				require.NotContains(t, string(resp.Body), strings.Trim(value, `"{}`), "never a value")
			}
		})
	}
}

func TestSecretListingIgnoresAccessFilter(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.putSecret("one", "v")
	// Orkes v5.4.2+ filters by ?access=…; Podium has no per-secret permissions yet.
	resp := b.do(http.MethodGet, secretsPath+"?access=READ&access=UPDATE", nil)
	requireStatus(t, resp, http.StatusOK)
	require.JSONEq(t, `["one"]`, string(resp.Body))
}

func TestSecretsV2(t *testing.T) {
	t.Parallel()
	b := setup(t)

	resp := b.do(http.MethodGet, secretsV2Path, nil)
	requireStatus(t, resp, http.StatusOK)
	require.Equal(t, "application/json", resp.Header.Get("Content-Type"))
	require.Equal(t, "[]", string(resp.Body))

	b.putSecret("b-untagged", "value-of-b")
	b.putSecret("a-tagged", `"value-of-a"`)
	requireEmptyOK(t, b.do(http.MethodPut, secretPath("a-tagged", "/tags"),
		`[{"key":"team","value":"a"},{"key":"env","value":"prod","type":"METADATA"}]`))

	resp = b.do(http.MethodGet, secretsV2Path, nil)
	requireStatus(t, resp, http.StatusOK)
	require.Equal(t, "application/json", resp.Header.Get("Content-Type"))
	require.Equal(t, arr{
		obj{"name": "a-tagged", "tags": arr{tagJSON("team", "a"), tagJSON("env", "prod")}},
		obj{"name": "b-untagged", "tags": arr{}},
	}, decodeArr(t, resp.Body))
	require.NotContains(t, string(resp.Body), "value-of")
}

// ---------------------------------------------------------------------------------------------
// Tags
// ---------------------------------------------------------------------------------------------

func TestSecretTags(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.putSecret("tagged", "the-value")

	require.Equal(t, arr{}, b.secretTags("tagged"), "no tags is []")

	// The deprecated "type" is accepted and dropped.
	requireEmptyOK(t, b.do(http.MethodPut, secretPath("tagged", "/tags"),
		`[{"key":"team","value":"a"},{"key":"env","value":"prod","type":"METADATA"}]`))
	require.Equal(t, arr{tagJSON("team", "a"), tagJSON("env", "prod")}, b.secretTags("tagged"))

	// An existing key gets its value replaced in place; new keys are added after.
	requireEmptyOK(t, b.do(http.MethodPut, secretPath("tagged", "/tags"),
		arr{obj{"key": "team", "value": "b"}, obj{"key": "owner", "value": ""}}))
	require.Equal(t, arr{tagJSON("team", "b"), tagJSON("env", "prod"), tagJSON("owner", "")}, b.secretTags("tagged"))

	// The same key twice in one request: the last value wins, one tag.
	requireEmptyOK(t, b.do(http.MethodPut, secretPath("tagged", "/tags"),
		arr{obj{"key": "dup", "value": "1"}, obj{"key": "dup", "value": "2"}}))
	require.Equal(t, arr{tagJSON("team", "b"), tagJSON("env", "prod"), tagJSON("owner", ""), tagJSON("dup", "2")},
		b.secretTags("tagged"))

	// An empty list changes nothing.
	requireEmptyOK(t, b.do(http.MethodPut, secretPath("tagged", "/tags"), "[]"))
	require.Len(t, b.secretTags("tagged"), 4)

	// DELETE removes the tags matching key and value; a "type" is ignored.
	requireEmptyOK(t, b.do(http.MethodDelete, secretPath("tagged", "/tags"),
		`[{"key":"team","value":"b"},{"key":"env","value":"prod","type":"METADATA"}]`))
	require.Equal(t, arr{tagJSON("owner", ""), tagJSON("dup", "2")}, b.secretTags("tagged"))

	// A tag whose value does not match, or an unknown key, removes nothing.
	requireEmptyOK(t, b.do(http.MethodDelete, secretPath("tagged", "/tags"),
		arr{tagJSON("dup", "1"), tagJSON("nope", "x")}))
	require.Equal(t, arr{tagJSON("owner", ""), tagJSON("dup", "2")}, b.secretTags("tagged"))

	requireEmptyOK(t, b.do(http.MethodDelete, secretPath("tagged", "/tags"), arr{tagJSON("owner", ""), tagJSON("dup", "2")}))
	require.Equal(t, arr{}, b.secretTags("tagged"))

	// Tags never touch the value.
	require.Equal(t, "the-value", b.secretValue("tagged"))
}

func TestSecretTagsUnknownSecret(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.putSecret("other", "v")

	requireNoSuchSecret(t, b.do(http.MethodGet, secretPath("ghost", "/tags"), nil), "ghost")
	requireNoSuchSecret(t, b.do(http.MethodPut, secretPath("ghost", "/tags"), arr{tagJSON("k", "v")}), "ghost")
	requireNoSuchSecret(t, b.do(http.MethodDelete, secretPath("ghost", "/tags"), arr{tagJSON("k", "v")}), "ghost")
	require.Equal(t, []string{"other"}, b.secretNames(), "tagging never creates a secret")
}

func TestSecretTagsBadBodies(t *testing.T) {
	t.Parallel()

	for _, tc := range []struct {
		name   string
		body   string
		prefix string
	}{
		{"TagWithoutKey", `[{"key":"ok","value":"1"},{"value":"2"}]`, "Tag at index 1 has no key"},
		{"TagWithEmptyKey", `[{"key":"","value":"1"}]`, "Tag at index 0 has no key"},
		{"Object", `{"key":"team","value":"a"}`, "Invalid JSON value"},
		{"String", `"team"`, "Invalid JSON value"},
		{"Number", `1`, "Invalid JSON value"},
		{"ListOfStrings", `["team"]`, "Invalid JSON value"},
		{"KeyNotString", `[{"key":1,"value":"a"}]`, "Invalid JSON value"},
		{"Malformed", `[{"key":"a"`, "Malformed JSON"},
		{"TrailingData", `[] []`, "Malformed JSON"},
		{"Empty", ``, "Request body is required"},
		{"Whitespace", " \n", "Request body is required"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t)
			b.putSecret("tagged", "v")
			requireEmptyOK(t, b.do(http.MethodPut, secretPath("tagged", "/tags"), arr{tagJSON("keep", "me")}))

			for _, method := range []string{http.MethodPut, http.MethodDelete} {
				var resp response
				if tc.body == "" {
					resp = b.doWithHeader(method, secretPath("tagged", "/tags"), nil, nil)
				} else {
					resp = b.do(method, secretPath("tagged", "/tags"), tc.body)
				}
				requireErrorPrefix(t, resp, http.StatusBadRequest, tc.prefix)
			}
			require.Equal(t, arr{tagJSON("keep", "me")}, b.secretTags("tagged"), "a rejected body changes nothing")
		})
	}
}

// ---------------------------------------------------------------------------------------------
// Cache endpoints, Content-Type
// ---------------------------------------------------------------------------------------------

func TestSecretCacheEndpoints(t *testing.T) {
	t.Parallel()
	b := setup(t)
	for _, path := range []string{secretsPath + "/clearLocalCache", secretsPath + "/clearRedisCache"} {
		resp := b.do(http.MethodGet, path, nil)
		requireStatus(t, resp, http.StatusOK)
		require.Equal(t, "application/json", resp.Header.Get("Content-Type"), path)
		require.Equal(t, "{}", string(resp.Body), path)
	}
}

func TestSecretEveryGetHasContentType(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.putSecret("present", "v")

	for _, tc := range []struct {
		path, accept string
		status       int
	}{
		{secretsPath, "", http.StatusOK},
		{secretsV2Path, "", http.StatusOK},
		{secretsPath + "/clearLocalCache", "", http.StatusOK},
		{secretsPath + "/clearRedisCache", "", http.StatusOK},
		{secretPath("present", ""), "", http.StatusOK},
		{secretPath("present", ""), "*/*", http.StatusOK},
		{secretPath("present", ""), "application/json", http.StatusOK},
		{secretPath("present", ""), "text/plain", http.StatusOK},
		{secretPath("present", ""), "image/png", http.StatusOK},
		{secretPath("present", "/exists"), "", http.StatusOK},
		{secretPath("absent", "/exists"), "", http.StatusOK},
		{secretPath("present", "/tags"), "", http.StatusOK},
		{secretPath("absent", ""), "", http.StatusNotFound},
		{secretPath("absent", ""), "text/plain", http.StatusNotFound},
		{secretPath("absent", "/tags"), "", http.StatusNotFound},
		{secretPath("a.b", ""), "", http.StatusBadRequest},
	} {
		header := http.Header{}
		if tc.accept != "" {
			header.Set("Accept", tc.accept)
		}
		resp := b.doWithHeader(http.MethodGet, tc.path, nil, header)
		require.Equal(t, tc.status, resp.Status, "GET %s (Accept %q): %s", tc.path, tc.accept, resp.Body)
		require.NotEmpty(t, resp.Header.Get("Content-Type"), "GET %s (Accept %q) must set a Content-Type", tc.path, tc.accept)
		if tc.status != http.StatusOK {
			require.Equal(t, "application/json", resp.Header.Get("Content-Type"), "errors are JSON whatever the Accept")
		}
	}
}

// ---------------------------------------------------------------------------------------------
// Secrecy: at rest and in logs
// ---------------------------------------------------------------------------------------------

func TestSecretEncryptedAtRest(t *testing.T) {
	t.Parallel()
	b := setup(t)
	dbURL := b.databaseURL
	const value = "correct horse battery staple 7f3a"
	b.putSecret("at-rest", `"`+value+`"`)
	requireEmptyOK(t, b.do(http.MethodPut, secretPath("at-rest", "/tags"), arr{tagJSON("team", "a")}))

	conn, err := pgx.Connect(t.Context(), dbURL)
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, conn.Close(context.Background())) })

	readRow := func() ([]byte, string, string) {
		t.Helper()
		var sealed []byte
		var keyID, row string
		require.NoError(t, conn.QueryRow(t.Context(),
			`SELECT sealed, key_id, row_to_json(s)::text FROM secrets s WHERE name = $1`, "at-rest").
			Scan(&sealed, &keyID, &row))
		return sealed, keyID, row
	}
	sealed, keyID, row := readRow()
	require.Equal(t, "ephemeral", keyID, "the key id of the engine's default keyring")
	require.NotContains(t, string(sealed), value, "the sealed bytes must not hold the value")
	require.NotContains(t, string(sealed), "horse")
	require.Greater(t, len(sealed), len(value), "AES-GCM adds a header, a nonce and a tag")
	require.NotContains(t, row, value, "no column may hold the value as text")
	require.NotContains(t, row, "horse")
	require.NotContains(t, row, hex.EncodeToString([]byte(value)), "nor as the hex of a bytea")
	require.Contains(t, row, `"name":"at-rest"`)

	// Each write draws a fresh nonce: the same value seals differently.
	b.putSecret("at-rest", value)
	resealed, _, _ := readRow()
	require.NotEqual(t, sealed, resealed)
	require.Equal(t, value, b.secretValue("at-rest"))

	// No other table holds it either.
	var tables []string
	require.NoError(t, conn.QueryRow(t.Context(), `
		SELECT coalesce(array_agg(table_name::text), '{}') FROM information_schema.tables
		WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'`).Scan(&tables))
	require.Contains(t, tables, "secrets")
	for _, table := range tables {
		var rows string
		require.NoError(t, conn.QueryRow(t.Context(),
			`SELECT coalesce(string_agg(row_to_json(x)::text, ' '), '') FROM `+pgx.Identifier{table}.Sanitize()+` x`).
			Scan(&rows))
		require.NotContains(t, rows, value, "table %s holds the value", table)
		require.NotContains(t, rows, hex.EncodeToString([]byte(value)), "table %s holds the value as hex", table)
	}
}

func TestSecretValuesNeverLogged(t *testing.T) {
	t.Parallel()
	b := setup(t)

	marker := func(i int) string { return fmt.Sprintf("sekrit-marker-%d-q7w", i) }
	b.putSecret("logged", `"`+marker(1)+`"`)
	b.putSecret("logged", marker(2))
	require.Equal(t, marker(2), b.secretValue("logged"))
	require.Equal(t, marker(2), b.secretText("logged"))
	b.do(http.MethodGet, secretsPath, nil)
	b.do(http.MethodPost, secretsPath, nil)
	b.do(http.MethodGet, secretsV2Path, nil)

	// Failing requests that carry a value.
	requireStatus(t, b.do(http.MethodPut, secretPath("bad.name", ""), marker(3)), http.StatusBadRequest)
	requireStatus(t, b.do(http.MethodPut, secretPath("bad name", ""), `"`+marker(4)+`"`), http.StatusBadRequest)
	requireStatus(t, b.do(http.MethodPut, secretPath("invalid-utf8", ""), marker(5)+"\xff"), http.StatusBadRequest)
	requireStatus(t, b.do(http.MethodPut, secretPath("too-big", ""),
		marker(6)+strings.Repeat("x", secrets.MaxSecretBytes)), http.StatusBadRequest)
	requireStatus(t, b.do(http.MethodPut, secretPath("ghost", "/tags"), arr{tagJSON("k", marker(7))}), http.StatusNotFound)
	requireStatus(t, b.do(http.MethodPut, secretPath("logged", "/tags"), `[{"value":"`+marker(8)+`"}]`), http.StatusBadRequest)
	requireStatus(t, b.do(http.MethodPut, secretPath("logged", "/tags"), `[{"key":"`+marker(9)), http.StatusBadRequest)

	logs := b.logs.String()
	require.Contains(t, logs, "api: request", "the server logs each request at debug level")
	for i := 1; i <= 9; i++ {
		require.NotContains(t, logs, marker(i), "a value reached the log")
	}
	require.NotContains(t, logs, "sekrit-marker")
}

// TestSecretErrorBodiesNeverEchoValues: error answers name the secret, never the value sent.
func TestSecretErrorBodiesNeverEchoValues(t *testing.T) {
	t.Parallel()
	b := setup(t)
	const value = "echo-marker-value-8812"

	for _, resp := range []response{
		b.do(http.MethodPut, secretPath("a.b", ""), value),
		b.do(http.MethodPut, secretPath("bad-utf8", ""), value+"\xff"),
		b.do(http.MethodPut, secretPath("too-big", ""), value+strings.Repeat("x", secrets.MaxSecretBytes)),
	} {
		requireStatus(t, resp, http.StatusBadRequest)
		require.NotContains(t, string(resp.Body), value)
	}
}

// mustJSONString encodes s as a JSON string literal.
func mustJSONString(t *testing.T, s string) string {
	t.Helper()
	data, err := json.Marshal(s)
	require.NoError(t, err)
	return string(data)
}

func TestSecretJSONStringRoundTripsAnyValue(t *testing.T) {
	t.Parallel()
	b := setup(t)
	// What the JS SDK sends for values a naïve unquote would mangle.
	for i, value := range []string{
		`"`, `""`, `\`, `\"`, "line1\nline2", "<script>&amp;</script>", "tab\tand\u2028sep", `{"json":"inside"}`, " ",
	} {
		name := fmt.Sprintf("value%d", i) // not "v2": a reserved word
		b.putSecret(name, mustJSONString(t, value))
		require.Equal(t, value, b.secretValue(name), "value %q", value)
		require.Equal(t, value, b.secretText(name), "value %q", value)
	}
}
