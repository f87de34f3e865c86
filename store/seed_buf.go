package store

import (
	"encoding/binary"
	"encoding/json"
	"math"
	"slices"
	"strconv"
	"unicode/utf8"
)

// seedBuf is a byte buffer the seeder writes two things into, without reflection: JSON
// documents (as encoding/json writes them: map keys sorted, HTML characters escaped) and the
// rows of a binary COPY stream holding them.
type seedBuf struct {
	b []byte
	// open has, per open JSON container, whether a member was written (the next needs a
	// comma); afterKey is set between a key and its value.
	open     []bool
	afterKey bool
}

func (w *seedBuf) reset() { w.b, w.open, w.afterKey = w.b[:0], w.open[:0], false }

// JSON.

// before writes what comes before a value or a key: a comma after the first member.
func (w *seedBuf) before() {
	if w.afterKey {
		w.afterKey = false
		return
	}
	if n := len(w.open); n > 0 {
		if w.open[n-1] {
			w.b = append(w.b, ',')
		}
		w.open[n-1] = true
	}
}

func (w *seedBuf) obj()    { w.before(); w.b = append(w.b, '{'); w.open = append(w.open, false) }
func (w *seedBuf) endObj() { w.b = append(w.b, '}'); w.open = w.open[:len(w.open)-1] }
func (w *seedBuf) arr()    { w.before(); w.b = append(w.b, '['); w.open = append(w.open, false) }
func (w *seedBuf) endArr() { w.b = append(w.b, ']'); w.open = w.open[:len(w.open)-1] }

// key writes an object member's name; its value follows.
func (w *seedBuf) key(k string) {
	w.before()
	w.b = appendJSONString(w.b, k)
	w.b = append(w.b, ':')
	w.afterKey = true
}

func (w *seedBuf) str(s string) { w.before(); w.b = appendJSONString(w.b, s) }
func (w *seedBuf) int(n int64)  { w.before(); w.b = strconv.AppendInt(w.b, n, 10) }
func (w *seedBuf) bool(v bool)  { w.before(); w.b = strconv.AppendBool(w.b, v) }
func (w *seedBuf) null()        { w.before(); w.b = append(w.b, "null"...) }
func (w *seedBuf) raw(v []byte) { w.before(); w.b = append(w.b, v...) }
func (w *seedBuf) float(f float64) {
	w.before()
	w.b = appendJSONFloat(w.b, f)
}

// The documents' fixed fields are written as literal text between plain values, outside
// the container bookkeeping above; member writes one made-up value there.
func (w *seedBuf) lit(s string)    { w.b = append(w.b, s...) }
func (w *seedBuf) num(n int64)     { w.b = strconv.AppendInt(w.b, n, 10) }
func (w *seedBuf) boolean(v bool)  { w.b = strconv.AppendBool(w.b, v) }
func (w *seedBuf) quoted(s string) { w.b = appendJSONString(w.b, s) }
func (w *seedBuf) member(v any) {
	w.afterKey = true
	w.value(v)
}

// value writes a made-up value: the types the seeder's maps hold.
func (w *seedBuf) value(v any) {
	switch v := v.(type) {
	case nil:
		w.null()
	case string:
		w.str(v)
	case int:
		w.int(int64(v))
	case int64:
		w.int(v)
	case float64:
		w.float(v)
	case bool:
		w.bool(v)
	case map[string]any:
		w.object(v)
	case []any:
		w.arr()
		for _, e := range v {
			w.value(e)
		}
		w.endArr()
	case []string:
		w.arr()
		for _, e := range v {
			w.str(e)
		}
		w.endArr()
	default:
		encoded, err := json.Marshal(v)
		if err != nil {
			encoded = []byte("null")
		}
		w.raw(encoded)
	}
}

// object writes m with its keys sorted.
func (w *seedBuf) object(m map[string]any) {
	if m == nil {
		w.null()
		return
	}
	var small [16]string
	keys := small[:0]
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	w.obj()
	for _, k := range keys {
		w.key(k)
		w.value(m[k])
	}
	w.endObj()
}

// appendJSONFloat appends f as encoding/json does.
func appendJSONFloat(b []byte, f float64) []byte {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return append(b, "null"...)
	}
	format := byte('f')
	if abs := math.Abs(f); abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	b = strconv.AppendFloat(b, f, format, -1, 64)
	if format == 'e' {
		// e-09 becomes e-9, as encoding/json writes it.
		if n := len(b); n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return b
}

// appendJSONString appends s quoted as encoding/json does (HTML characters, U+2028 and
// U+2029 escaped, invalid UTF-8 replaced).
func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hex[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// Binary COPY (the format of COPY … FROM STDIN (FORMAT binary)).

// pgEpochMillis is 2000-01-01T00:00:00Z, where PostgreSQL's timestamps count from, in Unix ms.
const pgEpochMillis = 946_684_800_000

func (w *seedBuf) copyHeader() {
	w.b = append(w.b, "PGCOPY\n\xff\r\n\x00"...)
	w.b = binary.BigEndian.AppendUint32(w.b, 0) // flags
	w.b = binary.BigEndian.AppendUint32(w.b, 0) // header extension length
}

func (w *seedBuf) copyTrailer() { w.b = binary.BigEndian.AppendUint16(w.b, 0xffff) }

// tuple starts a row of n fields.
func (w *seedBuf) tuple(n int) { w.b = binary.BigEndian.AppendUint16(w.b, uint16(n)) }

func (w *seedBuf) fNull() { w.b = binary.BigEndian.AppendUint32(w.b, 0xffffffff) }

func (w *seedBuf) fBytes(v []byte) {
	w.b = binary.BigEndian.AppendUint32(w.b, uint32(len(v)))
	w.b = append(w.b, v...)
}

func (w *seedBuf) fText(v string) {
	w.b = binary.BigEndian.AppendUint32(w.b, uint32(len(v)))
	w.b = append(w.b, v...)
}

// fTextOrNull writes v, or NULL when it is empty.
func (w *seedBuf) fTextOrNull(v string) {
	if v == "" {
		w.fNull()
		return
	}
	w.fText(v)
}

func (w *seedBuf) fInt4(v int) {
	w.b = binary.BigEndian.AppendUint32(w.b, 4)
	w.b = binary.BigEndian.AppendUint32(w.b, uint32(int32(v)))
}

func (w *seedBuf) fInt8(v int64) {
	w.b = binary.BigEndian.AppendUint32(w.b, 8)
	w.b = binary.BigEndian.AppendUint64(w.b, uint64(v))
}

func (w *seedBuf) fBool(v bool) {
	w.b = binary.BigEndian.AppendUint32(w.b, 1)
	if v {
		w.b = append(w.b, 1)
	} else {
		w.b = append(w.b, 0)
	}
}

// fTime writes a timestamptz of Unix ms.
func (w *seedBuf) fTime(ms int64) { w.fInt8((ms - pgEpochMillis) * 1000) }

// fTimeOrNull writes a timestamptz of Unix ms, or NULL when ms is 0.
func (w *seedBuf) fTimeOrNull(ms int64) {
	if ms == 0 {
		w.fNull()
		return
	}
	w.fTime(ms)
}

// fOpen starts a field whose bytes follow (a document); fClose ends it.
func (w *seedBuf) fOpen() int {
	at := len(w.b)
	w.b = append(w.b, 0, 0, 0, 0)
	return at
}

func (w *seedBuf) fClose(at int) {
	binary.BigEndian.PutUint32(w.b[at:], uint32(len(w.b)-at-4))
}
