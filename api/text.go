package api

import (
	"net/http"
	"unicode/utf8"

	"github.com/podiumhq/podium/internal/conductor"
)

// checkJSONText refuses a JSON body holding text PostgreSQL would refuse to store, before
// anything is decoded or written:
//   - bytes that are not UTF-8 (Go's decoder would silently turn them into U+FFFD);
//   - a \u escape of a lone UTF-16 surrogate, such as "\ud800" (Go turns it into U+FFFD, but
//     members Podium does not model are kept as raw JSON and jsonb refuses them).
//
// \u0000, which PostgreSQL refuses too, is left to the store (a 400 there as well), so that a
// bulk registration still reports it per definition.
//
// Only the escapes are scanned: a backslash can appear in valid JSON only inside a string, and
// the body's JSON syntax is checked by the decoder that follows.
func checkJSONText(body []byte) error {
	if !utf8.Valid(body) {
		return conductor.Invalidf("Request body is not valid UTF-8")
	}
	for i := 0; i < len(body); i++ {
		if body[i] != '\\' {
			continue
		}
		if i+1 >= len(body) || body[i+1] != 'u' {
			i++ // a two-character escape such as \\ or \"
			continue
		}
		r, ok := hex4(body, i+2)
		if !ok {
			i++ // malformed: the decoder reports it
			continue
		}
		switch {
		case r >= 0xD800 && r <= 0xDBFF:
			low, ok := -1, i+7 < len(body) && body[i+6] == '\\' && body[i+7] == 'u'
			if ok {
				low, ok = hex4(body, i+8)
			}
			if !ok || low < 0xDC00 || low > 0xDFFF {
				return loneSurrogate(r)
			}
			i += 11 // the pair
		case r >= 0xDC00 && r <= 0xDFFF:
			return loneSurrogate(r)
		default:
			i += 5
		}
	}
	return nil
}

func loneSurrogate(r int) error {
	return conductor.Invalidf("Request body holds a lone UTF-16 surrogate (\\u%04x), which is not text", r)
}

// hex4 reads the four hex digits at data[i:i+4].
func hex4(data []byte, i int) (int, bool) {
	if i+4 > len(data) {
		return 0, false
	}
	n := 0
	for _, c := range data[i : i+4] {
		switch {
		case c >= '0' && c <= '9':
			n = n<<4 | int(c-'0')
		case c >= 'a' && c <= 'f':
			n = n<<4 | int(c-'a'+10)
		case c >= 'A' && c <= 'F':
			n = n<<4 | int(c-'A'+10)
		default:
			return 0, false
		}
	}
	return n, true
}

// checkURLText refuses a request whose path or query is not UTF-8 once percent-decoded: such
// names, ids and keys could never be stored or match a stored one.
func checkURLText(r *http.Request) error {
	if !utf8.ValidString(r.URL.Path) || !utf8.ValidString(r.URL.RawQuery) {
		return conductor.Invalidf("Request path and query must be UTF-8")
	}
	for _, vs := range r.URL.Query() {
		for _, v := range vs {
			if !utf8.ValidString(v) {
				return conductor.Invalidf("Request path and query must be UTF-8")
			}
		}
	}
	return nil
}
