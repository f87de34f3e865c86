package secret

import (
	"encoding/base64"
	"slices"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
	"unsafe"
)

// Limits of the search for encoded forms (see Redactor).
const (
	maxPasses    = 4  // masking rounds of one string
	maxDepth     = 3  // decoders applied one over another
	maxViews     = 16 // decoded views of one string
	minBase64Len = 8  // the shortest value masked in its base64 form
)

// span is a byte range [from, to) of the string being masked.
type span struct{ from, to int }

// view is a string being masked, or a decoded form of it. start[i] and end[i] are the range
// of the original string that byte i of text was decoded from; both are nil for the original.
type view struct {
	text       string
	start, end []int32
	depth      int
}

// orig maps the range [from, to) of the view's text to the original string.
func (v *view) orig(from, to int) span {
	if v.start == nil {
		return span{from, to}
	}
	return span{int(v.start[from]), int(v.end[to-1])}
}

// decoder decodes one level of an encoding of s into b: b.out[i] comes from
// s[b.start[i]:b.end[i]]. It returns false when s holds nothing to decode.
type decoder func(b *viewBuf, s string) bool

// viewBuf holds a decoded view; the Redactor keeps a few for reuse, as decoding runs for every
// string holding a backslash or a percent sign.
type viewBuf struct {
	out        []byte
	start, end []int32
}

func (b *viewBuf) reset(n int) {
	if cap(b.out) < n {
		b.out, b.start, b.end = make([]byte, 0, n), make([]int32, 0, n), make([]int32, 0, n)
	}
	b.out, b.start, b.end = b.out[:0], b.start[:0], b.end[:0]
}

func (b *viewBuf) emit(c byte, from, to int) {
	b.out, b.start, b.end = append(b.out, c), append(b.start, int32(from)), append(b.end, int32(to))
}

// maxKeptBuf is the largest view buffer kept for reuse, in bytes of text.
const maxKeptBuf = 64 << 10

// prepare sorts the values and derives their encoded forms, once per change of the set.
func (r *Redactor) prepare() {
	if r.sorted {
		return
	}
	r.sorted = true
	byLength := func(a, b string) int { return len(b) - len(a) }
	slices.SortFunc(r.long, byLength)
	r.escaped, r.b64, r.spaced = r.escaped[:0], r.b64[:0], false
	seen := map[string]bool{}
	add := func(list *[]string, f string) {
		if !seen[f] && !r.all[f] {
			seen[f] = true
			*list = append(*list, f)
		}
	}
	for _, v := range r.long {
		if strings.IndexByte(v, ' ') >= 0 {
			r.spaced = true
		}
		if once := jsonEscape(v); once != v {
			add(&r.escaped, once)
			add(&r.escaped, jsonEscape(once))
		}
		if len(v) >= minBase64Len {
			add(&r.b64, base64.RawStdEncoding.EncodeToString([]byte(v)))
			add(&r.b64, base64.RawURLEncoding.EncodeToString([]byte(v)))
		}
	}
	slices.SortFunc(r.escaped, byLength)
}

// find returns the sorted, disjoint ranges of s to mask; nil when there are none. A string
// holding no value and no trigger of a decoder (\, %, a Basic token) costs one substring search
// per value and form, and allocates nothing.
func (r *Redactor) find(s string) []span {
	var spans []span
	root := view{text: s}
	spans = r.findIn(&root, spans)
	if strings.IndexByte(s, '\\') >= 0 {
		for _, f := range r.escaped {
			spans = appendAll(spans, &root, f)
		}
	}
	if r.hasTrigger(s) && len(s) <= maxInt32 {
		spans = r.findInViews(root, spans)
	}
	if len(spans) == 0 {
		return nil
	}
	return mergeSpans(spans)
}

const maxInt32 = 1<<31 - 1

// findInViews appends the ranges of the original string shown by root's decoded views.
func (r *Redactor) findInViews(root view, spans []span) []span {
	views := append(make([]view, 0, maxViews), root)
	used := 0
	for i := 0; i < len(views) && len(views) < maxViews; i++ {
		v := views[i]
		if v.depth == maxDepth {
			continue
		}
		for _, dec := range r.decoders(v.text) {
			if used == len(r.bufs) {
				r.bufs = append(r.bufs, &viewBuf{})
			}
			child, ok := decode(&v, dec, r.bufs[used])
			if !ok {
				continue
			}
			used++
			spans = r.findIn(&child, spans)
			views = append(views, child)
			if len(views) == maxViews {
				break
			}
		}
	}
	for i, b := range r.bufs {
		if cap(b.out) > maxKeptBuf {
			r.bufs[i] = &viewBuf{}
		}
	}
	return spans
}

// findIn appends the ranges of the original string where v shows a value: the value itself, its
// base64 form with the base64 run around it, a Basic token that decodes to it.
func (r *Redactor) findIn(v *view, spans []span) []span {
	for _, value := range r.long {
		spans = appendAll(spans, v, value)
	}
	for _, f := range r.b64 {
		for from := 0; ; {
			i := strings.Index(v.text[from:], f)
			if i < 0 {
				break
			}
			a, b := base64Run(v.text, from+i, from+i+len(f))
			spans = append(spans, v.orig(a, b))
			from = b
		}
	}
	return r.basicTokens(v, spans)
}

// appendAll appends the ranges of the original string where v's text holds f.
func appendAll(spans []span, v *view, f string) []span {
	for from := 0; ; {
		i := strings.Index(v.text[from:], f)
		if i < 0 {
			return spans
		}
		spans = append(spans, v.orig(from+i, from+i+len(f)))
		from += i + len(f)
	}
}

// hasTrigger reports whether a decoder can change s.
func (r *Redactor) hasTrigger(s string) bool {
	return strings.IndexByte(s, '\\') >= 0 || strings.IndexByte(s, '%') >= 0 ||
		(r.spaced && strings.IndexByte(s, '+') >= 0)
}

// decoders returns the decoders that can change s.
func (r *Redactor) decoders(s string) []decoder {
	var decs []decoder
	if strings.IndexByte(s, '\\') >= 0 {
		decs = append(decs, jsonUnescape)
	}
	if strings.IndexByte(s, '%') >= 0 {
		decs = append(decs, percentDecode)
	}
	if r.spaced && strings.IndexByte(s, '+') >= 0 {
		decs = append(decs, formDecode)
	}
	return decs
}

// decode applies dec to v into b, giving a view of the same original string. The view's text
// shares b's memory: it is valid until b is decoded into again.
func decode(v *view, dec decoder, b *viewBuf) (view, bool) {
	b.reset(len(v.text))
	if !dec(b, v.text) {
		return view{}, false
	}
	if v.start != nil {
		for i := range b.out {
			b.start[i], b.end[i] = v.start[b.start[i]], v.end[b.end[i]-1]
		}
	}
	return view{text: unsafe.String(unsafe.SliceData(b.out), len(b.out)), start: b.start, end: b.end, depth: v.depth + 1}, true
}

// mergeSpans sorts spans and merges those that overlap.
func mergeSpans(spans []span) []span {
	slices.SortFunc(spans, func(a, b span) int {
		if a.from != b.from {
			return a.from - b.from
		}
		return b.to - a.to
	})
	out := spans[:1]
	for _, sp := range spans[1:] {
		last := &out[len(out)-1]
		if sp.from < last.to {
			last.to = max(last.to, sp.to)
			continue
		}
		out = append(out, sp)
	}
	return out
}

// replaceSpans replaces each of the sorted, disjoint spans of s by Mask.
func replaceSpans(s string, spans []span) string {
	var b strings.Builder
	b.Grow(len(s))
	at := 0
	for _, sp := range spans {
		b.WriteString(s[at:sp.from])
		b.WriteString(Mask)
		at = sp.to
	}
	b.WriteString(s[at:])
	return b.String()
}

// jsonEscape escapes s as the minimal JSON encoders do (Go without HTML escaping, Jackson,
// JavaScript): quote, backslash and control characters; other characters stay as they are.
func jsonEscape(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
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
			b.WriteByte(hexDigits[c>>4])
			b.WriteByte(hexDigits[c&0xf])
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

const hexDigits = "0123456789abcdef"

// jsonUnescape decodes the escapes of a JSON string wherever they appear in s; what is not a
// valid escape (a lone surrogate, \x) stays as it is.
func jsonUnescape(b *viewBuf, s string) bool {
	emit := b.emit
	changed := false
	for i := 0; i < len(s); {
		if s[i] != '\\' || i+1 == len(s) {
			emit(s[i], i, i+1)
			i++
			continue
		}
		n, width := 0, 2
		switch s[i+1] {
		case '"', '\\', '/':
			n = int(s[i+1])
		case 'b':
			n = '\b'
		case 'f':
			n = '\f'
		case 'n':
			n = '\n'
		case 'r':
			n = '\r'
		case 't':
			n = '\t'
		case 'u':
			r, ok := hex4(s, i+2)
			width = 6
			if ok && utf16.IsSurrogate(r) {
				r2, ok2 := rune(0), false
				if i+7 < len(s) && s[i+6] == '\\' && s[i+7] == 'u' {
					r2, ok2 = hex4(s, i+8)
				}
				r = utf16.DecodeRune(r, r2)
				ok, width = ok2 && r != utf8.RuneError, 12
			}
			if !ok {
				n = -1
				break
			}
			var buf [utf8.UTFMax]byte
			for _, c := range buf[:utf8.EncodeRune(buf[:], r)] {
				emit(c, i, i+width)
			}
			changed = true
			i += width
			continue
		default:
			n = -1
		}
		if n < 0 {
			emit('\\', i, i+1)
			i++
			continue
		}
		emit(byte(n), i, i+width)
		changed = true
		i += width
	}
	return changed
}

// hex4 reads four hexadecimal digits at s[i:].
func hex4(s string, i int) (rune, bool) {
	if i+4 > len(s) {
		return 0, false
	}
	var r rune
	for _, c := range []byte(s[i : i+4]) {
		d, ok := unhex(c)
		if !ok {
			return 0, false
		}
		r = r<<4 | rune(d)
	}
	return r, true
}

func unhex(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// percentDecode decodes %XX escapes (either case) wherever they appear in s.
func percentDecode(b *viewBuf, s string) bool { return percent(b, s, false) }

// formDecode is percentDecode that also reads + as a space, as form and query encoders write it.
func formDecode(b *viewBuf, s string) bool { return percent(b, s, true) }

func percent(b *viewBuf, s string, plus bool) bool {
	changed := false
	for i := 0; i < len(s); {
		c, width := s[i], 1
		if c == '%' && i+2 < len(s) {
			hi, ok1 := unhex(s[i+1])
			lo, ok2 := unhex(s[i+2])
			if ok1 && ok2 {
				c, width, changed = hi<<4|lo, 3, true
			}
		} else if c == '+' && plus {
			c, changed = ' ', true
		}
		b.emit(c, i, i+width)
		i += width
	}
	return changed
}

// isBase64 reports whether c belongs to the standard or URL base64 alphabet (padding aside).
func isBase64(c byte) bool {
	return 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' ||
		c == '+' || c == '/' || c == '-' || c == '_'
}

// base64Run widens [from, to) of s to the base64 text around it, its padding included.
func base64Run(s string, from, to int) (int, int) {
	for from > 0 && isBase64(s[from-1]) {
		from--
	}
	for to < len(s) && (isBase64(s[to]) || s[to] == '=') {
		to++
	}
	return from, to
}

// basicTokens appends the ranges of the Basic credentials in v's text that decode to a value:
// user:password, where either part is a value or the whole holds one.
func (r *Redactor) basicTokens(v *view, spans []span) []span {
	text := v.text
	for from := 0; ; {
		i := strings.Index(text[from:], "asic ")
		if i < 0 {
			return spans
		}
		i += from
		from = i + len("asic ")
		if i == 0 || (text[i-1] != 'B' && text[i-1] != 'b') || (i > 1 && isBase64(text[i-2])) {
			continue
		}
		a := from
		for a < len(text) && text[a] == ' ' {
			a++
		}
		b := a
		for b < len(text) && (isBase64(text[b]) || text[b] == '=') {
			b++
		}
		if b-a < 4 || !r.secretCredentials(text[a:b]) {
			continue
		}
		spans = append(spans, v.orig(a, b))
		from = b
	}
}

// secretCredentials reports whether a Basic token decodes to credentials holding a value.
func (r *Redactor) secretCredentials(token string) bool {
	token = strings.TrimRight(token, "=")
	enc := base64.RawStdEncoding
	if strings.ContainsAny(token, "-_") {
		enc = base64.RawURLEncoding
	}
	raw, err := enc.DecodeString(token)
	if err != nil {
		return false
	}
	creds := string(raw)
	user, password, _ := strings.Cut(creds, ":")
	if r.all[user] || r.all[password] {
		return true
	}
	for _, value := range r.long {
		if strings.Contains(creds, value) {
			return true
		}
	}
	return false
}
