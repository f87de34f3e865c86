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

// knownKeys caches, per struct type, the JSON member names its fields claim.
var knownKeys sync.Map // reflect.Type → map[string]struct{}

func jsonKeys(t reflect.Type) map[string]struct{} {
	if cached, ok := knownKeys.Load(t); ok {
		return cached.(map[string]struct{})
	}
	keys := make(map[string]struct{}, t.NumField())
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
		keys[name] = struct{}{}
	}
	knownKeys.Store(t, keys)
	return keys
}

// decodeObject decodes data into target (a pointer to a struct without custom JSON methods),
// keeping numbers exact, and returns the members no field of target claims.
func decodeObject(data []byte, target any) (Extra, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := dec.Decode(target); err != nil {
		return nil, err
	}
	var members map[string]json.RawMessage
	if err := json.Unmarshal(data, &members); err != nil || members == nil {
		return nil, err
	}
	known := jsonKeys(reflect.TypeOf(target).Elem())
	var extra Extra
	for k, v := range members {
		if _, ok := known[k]; ok {
			continue
		}
		if extra == nil {
			extra = Extra{}
		}
		extra[k] = v
	}
	return extra, nil
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
