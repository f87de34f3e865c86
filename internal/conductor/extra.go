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
	var members map[string]json.RawMessage
	if err := json.Unmarshal(data, &members); err != nil {
		if typedErr := decodeTyped(data, target); typedErr != nil {
			return nil, typedErr // the typed decoder names the offending field
		}
		return nil, err
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
