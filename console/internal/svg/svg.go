// Package svg holds what the console's drawings share: a writer of SVG markup that escapes
// everything it is given, and text truncation. Pure: standard library only.
package svg

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// Writer accumulates SVG markup. Every string that comes from a definition, an execution or a
// caller goes through Text or Attr, which escape it; Raw is for markup the renderer writes itself.
type Writer struct {
	b strings.Builder
}

// Grow makes room for n more bytes.
func (w *Writer) Grow(n int) { w.b.Grow(n) }

// String is the markup written so far.
func (w *Writer) String() string { return w.b.String() }

// Raw appends trusted markup.
func (w *Writer) Raw(s string) { w.b.WriteString(s) }

// Num appends an integer.
func (w *Writer) Num(n int) { w.b.WriteString(strconv.Itoa(n)) }

// Text appends s escaped for character data or a quoted attribute value.
func (w *Writer) Text(s string) { EscapeTo(&w.b, s) }

// Attr appends ` name="value"` with value escaped.
func (w *Writer) Attr(name, value string) {
	w.b.WriteByte(' ')
	w.b.WriteString(name)
	w.b.WriteString(`="`)
	EscapeTo(&w.b, value)
	w.b.WriteByte('"')
}

// Nums appends ` name="n"` for each name/value pair.
func (w *Writer) Nums(pairs ...any) {
	for i := 0; i+1 < len(pairs); i += 2 {
		w.b.WriteByte(' ')
		w.b.WriteString(pairs[i].(string))
		w.b.WriteString(`="`)
		w.b.WriteString(strconv.Itoa(pairs[i+1].(int)))
		w.b.WriteByte('"')
	}
}

// EscapeTo writes s to b with the five XML specials as entities, newlines and tabs as
// character references (so attribute values keep them), and every rune XML 1.0 forbids
// (other control characters, invalid UTF-8, U+FFFE/U+FFFF) as U+FFFD. Runs of plain text
// are copied whole.
func EscapeTo(b *strings.Builder, s string) {
	last := 0
	for i := 0; i < len(s); {
		c := s[i]
		var rep string
		size := 1
		switch {
		case c == '<':
			rep = "&lt;"
		case c == '>':
			rep = "&gt;"
		case c == '&':
			rep = "&amp;"
		case c == '"':
			rep = "&#34;"
		case c == '\'':
			rep = "&#39;"
		case c == '\n':
			rep = "&#10;"
		case c == '\t':
			rep = "&#9;"
		case c == '\r':
			rep = "&#13;"
		case c < 0x20:
			rep = "\uFFFD"
		case c >= utf8.RuneSelf:
			var r rune
			r, size = utf8.DecodeRuneInString(s[i:])
			if (r == utf8.RuneError && size == 1) || r == 0xFFFE || r == 0xFFFF {
				rep = "\uFFFD"
			}
		}
		if rep != "" {
			b.WriteString(s[last:i])
			b.WriteString(rep)
			last = i + size
		}
		i += size
	}
	b.WriteString(s[last:])
}

// Truncate shortens s to at most n runes (at least 1), ending it with "…" when it was longer, and puts
// every newline or tab on one line.
func Truncate(s string, n int) string {
	s = strings.Map(func(r rune) rune {
		if r == '\n' || r == '\r' || r == '\t' {
			return ' '
		}
		return r
	}, s)
	n = max(n, 1)
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	runes := []rune(s)
	return string(runes[:n-1]) + "…"
}
