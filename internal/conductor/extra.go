package conductor

import (
	"bytes"
	"encoding/json"
	"maps"
	"reflect"
	"slices"
	"strings"
	"sync"
)

// Extra holds the JSON members of an object that its Go type does not model, so that fields
// a newer client or another Conductor flavour sends survive a store-and-fetch round trip.
type Extra map[string]json.RawMessage

// knownFields caches, per struct type, the JSON member names its fields claim and their indexes.
var knownFields sync.Map // reflect.Type → map[string]int

func jsonFields(t reflect.Type) map[string]int {
	if cached, ok := knownFields.Load(t); ok {
		return cached.(map[string]int)
	}
	fields := make(map[string]int, t.NumField())
	for i := range t.NumField() {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if tag == "-" || !f.IsExported() {
			continue
		}
		name, _, _ := strings.Cut(tag, ",")
		if name == "" {
			name = f.Name
		}
		fields[name] = i
	}
	knownFields.Store(t, fields)
	return fields
}

// decodeObject decodes data into target (a pointer to a struct without custom JSON methods,
// pre-filled with defaults) the way Jackson does, and returns the members no field claims:
//   - member names match exactly ("Name" is an unknown member, not name);
//   - null for a field sets its zero value (0, false, "", nil), not the default;
//   - numbers in untyped values stay exact (json.Number).
func decodeObject(data []byte, target any) (Extra, error) {
	members, ok := objectMembers(data)
	if !ok {
		// Not a well-formed object: the typed decoder reports the problem precisely.
		if err := decodeTyped(data, target); err != nil {
			return nil, err
		}
		var check map[string]json.RawMessage
		return nil, json.Unmarshal(data, &check)
	}
	rv := reflect.ValueOf(target).Elem()
	fields := jsonFields(rv.Type())
	var extra Extra
	var nulls []int
	inexact := false
	for k, v := range members {
		i, ok := fields[k]
		if ok {
			if string(v) == "null" {
				nulls = append(nulls, i)
			}
			continue
		}
		if extra == nil {
			extra = Extra{}
		}
		extra[k] = v
		inexact = inexact || foldsToField(k, fields)
	}
	if inexact {
		exact := make(map[string]json.RawMessage, len(members))
		for k, v := range members {
			if _, ok := fields[k]; ok {
				exact[k] = v
			}
		}
		var err error
		if data, err = json.Marshal(exact); err != nil {
			return nil, err
		}
	}
	if err := decodeTyped(data, target); err != nil {
		return nil, err
	}
	for _, i := range nulls {
		rv.Field(i).SetZero()
	}
	return extra, nil
}

func decodeTyped(data []byte, target any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	return dec.Decode(target)
}

// foldsToField reports whether encoding/json's case-insensitive matching would put member
// name into one of fields.
func foldsToField(name string, fields map[string]int) bool {
	for f := range fields {
		if strings.EqualFold(f, name) {
			return true
		}
	}
	return false
}

// encodeObject encodes v (a struct without custom JSON methods) and appends the extra members
// in name order.
func encodeObject(v any, extra Extra) ([]byte, error) {
	data, err := json.Marshal(v)
	if err != nil || len(extra) == 0 {
		return data, err
	}
	buf := bytes.NewBuffer(data[:len(data)-1])
	first := len(data) == 2 // "{}"
	for _, k := range slices.Sorted(maps.Keys(extra)) {
		if !first {
			buf.WriteByte(',')
		}
		first = false
		name, _ := json.Marshal(k)
		buf.Write(name)
		buf.WriteByte(':')
		raw := extra[k]
		if len(raw) == 0 {
			raw = json.RawMessage("null")
		}
		buf.Write(raw)
	}
	buf.WriteByte('}')
	return buf.Bytes(), nil
}

// objectMembers splits a JSON object into its members without decoding their values. It
// reports false when data is not a well-formed object. Member names are unescaped only when
// they contain escapes (rare), keeping the common path allocation-light.
func objectMembers(data []byte) (map[string]json.RawMessage, bool) {
	i := skipSpace(data, 0)
	if i >= len(data) || data[i] != '{' {
		return nil, false
	}
	members := map[string]json.RawMessage{}
	i = skipSpace(data, i+1)
	if i < len(data) && data[i] == '}' {
		return members, skipSpace(data, i+1) == len(data)
	}
	for {
		if i >= len(data) || data[i] != '"' {
			return nil, false
		}
		end, escaped := scanString(data, i)
		if end < 0 {
			return nil, false
		}
		var key string
		if escaped {
			if err := json.Unmarshal(data[i:end], &key); err != nil {
				return nil, false
			}
		} else {
			key = string(data[i+1 : end-1])
		}
		i = skipSpace(data, end)
		if i >= len(data) || data[i] != ':' {
			return nil, false
		}
		start := skipSpace(data, i+1)
		valueEnd := scanValue(data, start)
		if valueEnd < 0 {
			return nil, false
		}
		members[key] = json.RawMessage(data[start:valueEnd])
		i = skipSpace(data, valueEnd)
		if i >= len(data) {
			return nil, false
		}
		switch data[i] {
		case ',':
			i = skipSpace(data, i+1)
		case '}':
			return members, skipSpace(data, i+1) == len(data)
		default:
			return nil, false
		}
	}
}

func skipSpace(data []byte, i int) int {
	for i < len(data) && (data[i] == ' ' || data[i] == '\t' || data[i] == '\n' || data[i] == '\r') {
		i++
	}
	return i
}

// scanString returns the index after the string starting at data[i] == '"', and whether it
// holds escapes; -1 when unterminated.
func scanString(data []byte, i int) (int, bool) {
	escaped := false
	for j := i + 1; j < len(data); j++ {
		switch data[j] {
		case '\\':
			escaped = true
			j++
		case '"':
			return j + 1, escaped
		}
	}
	return -1, false
}

// scanValue returns the index after the JSON value starting at data[i], or -1. It matches
// brackets and skips strings; full validity is checked once for the whole object.
func scanValue(data []byte, i int) int {
	if i >= len(data) {
		return -1
	}
	switch data[i] {
	case '"':
		end, _ := scanString(data, i)
		return end
	case '{', '[':
		depth := 0
		for j := i; j < len(data); j++ {
			switch data[j] {
			case '"':
				end, _ := scanString(data, j)
				if end < 0 {
					return -1
				}
				j = end - 1
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return j + 1
				}
			}
		}
		return -1
	default:
		j := i
		for j < len(data) && data[j] != ',' && data[j] != '}' && data[j] != ']' && data[j] != ' ' &&
			data[j] != '\t' && data[j] != '\n' && data[j] != '\r' {
			j++
		}
		if j == i {
			return -1
		}
		return j
	}
}
