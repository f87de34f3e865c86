package secret

import (
	"encoding/json"
	"slices"
)

// Mask is what execution data shows in place of secret material.
const Mask = "***"

// minSubstringLen is the shortest value masked inside longer strings; shorter values are
// masked only where a whole string equals them, so short secrets do not shred data.
const minSubstringLen = 4

// maskedKeys are the map keys whose whole value is shown as Mask.
var maskedKeys = map[string]bool{"_secrets": true, "_masked": true}

// Redactor masks secret material in JSON-like values: the values under _secrets and _masked
// keys, and every occurrence of a known secret value inside any string. It is not safe for
// concurrent use.
//
// A value is also masked in the forms it takes when it travels through JSON, URLs and
// headers, because an HTTP target or a worker may echo a request back as text: a JSON body
// inside a string field, a header dump, a URL. A string is searched as it is and in its
// decoded views, each mapped back to the bytes it came from, which are replaced by Mask:
//
//   - JSON string escapes, with or without HTML escaping: \" \\ \/ \n \t … and \uXXXX in either
//     case, surrogate pairs included — what Go (\u003c for <), Jackson, Gson (\u003d for =),
//     Python's ensure_ascii (\u00f6) and PHP (\/) write;
//   - percent-encoding (%XX in either case), and + as a space where a value holds a space;
//   - the credentials of a Basic authorization (Basic base64(user:password)): the token is
//     masked whole when what it decodes to holds a value;
//   - views compose up to three levels deep, so a JSON string inside a JSON string (\\\"), a
//     JSON document in a query parameter or a header dump inside a JSON body are masked too.
//
// The minimally JSON-escaped form of a value, once and twice escaped, is also searched as
// plain text, so it is masked whatever precedes it (a stray backslash shifts a decoder). A
// value of 8 bytes or more is masked in its base64 form (standard or URL alphabet, padded or
// not) together with the base64 run around it, as in a Kubernetes secret's data.
//
// Not masked: base64 of a value that starts elsewhere than at the start of a base64 text (its
// encoding then depends on its offset and neighbours, and matching fragments would mask
// ordinary words), Basic credentials excepted; hashes, HTML entities, other encodings (hex,
// quoted-printable) and escapes more than three levels deep. Values shorter than 4 bytes are
// masked only where a whole string equals them, in no encoded form: their encoded forms would
// match too much. Decoded views are built only for strings holding \ or % (or +, when a value
// holds a space); otherwise a string costs one substring search per value and derived form,
// and one for a Basic token.
type Redactor struct {
	long    []string // longest first once prepared, so a value containing another is masked whole
	escaped []string // the JSON-escaped forms of long values (once and twice) that differ from them
	b64     []string // base64 forms of values of minBase64Len bytes or more
	spaced  bool     // a long value holds a space: decode + in percent-encoded text as a space
	bufs    []*viewBuf
	sorted  bool
	short   map[string]bool
	all     map[string]bool
}

// Add makes v a value to mask.
func (r *Redactor) Add(v string) {
	if v == "" || r.all[v] {
		return
	}
	if r.all == nil {
		r.all, r.short = map[string]bool{}, map[string]bool{}
	}
	r.all[v] = true
	if len(v) < minSubstringLen {
		r.short[v] = true
		return
	}
	r.long = append(r.long, v)
	r.sorted = false
}

// AddAll adds every string inside v (a JSON-like value); non-string scalars are added in their
// JSON form, so a numeric token is masked too.
func (r *Redactor) AddAll(v any) {
	switch v := v.(type) {
	case nil:
	case string:
		r.Add(v)
	case map[string]any:
		for _, e := range v {
			r.AddAll(e)
		}
	case []any:
		for _, e := range v {
			r.AddAll(e)
		}
	default:
		if data, err := json.Marshal(v); err == nil {
			r.Add(string(data))
		}
	}
}

// Values returns the values to mask, for sealing and loading the set.
func (r *Redactor) Values() []string {
	out := make([]string, 0, len(r.all))
	for v := range r.all {
		out = append(out, v)
	}
	slices.Sort(out)
	return out
}

// Len is the number of values to mask.
func (r *Redactor) Len() int { return len(r.all) }

// String masks known values inside s, in their plain and encoded forms.
func (r *Redactor) String(s string) string {
	if r.short[s] {
		return Mask
	}
	r.prepare()
	// Masking can leave a new occurrence behind (a decoder realigned by the mask, a value holding
	// the mask's characters): mask again until nothing is found, a few times at most.
	for range maxPasses {
		spans := r.find(s)
		if len(spans) == 0 {
			break
		}
		s = replaceSpans(s, spans)
	}
	return s
}

// Value returns a masked deep copy of v: values under _secrets and _masked keys become Mask,
// and known values inside strings are masked.
func (r *Redactor) Value(v any) any {
	switch v := v.(type) {
	case string:
		return r.String(v)
	case map[string]any:
		return r.Map(v)
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = r.Value(e)
		}
		return out
	default:
		if v == nil || len(r.short) == 0 {
			return v
		}
		if data, err := json.Marshal(v); err == nil && r.short[string(data)] {
			return Mask
		}
		return v
	}
}

// Map is Value for a map; nil stays nil.
func (r *Redactor) Map(m map[string]any) map[string]any {
	if m == nil {
		return nil
	}
	out := make(map[string]any, len(m))
	for k, e := range m {
		if maskedKeys[k] {
			out[k] = Mask
			continue
		}
		out[k] = r.Value(e)
	}
	return out
}

// SecretsUnder adds to r every value found under _secrets keys anywhere in v: values a task
// produced or received as secrets join the masked set.
func (r *Redactor) SecretsUnder(v any) {
	switch v := v.(type) {
	case map[string]any:
		for k, e := range v {
			if k == "_secrets" {
				r.AddAll(e)
				continue
			}
			r.SecretsUnder(e)
		}
	case []any:
		for _, e := range v {
			r.SecretsUnder(e)
		}
	}
}

// MaskFields returns m with the named top-level fields shown as Mask (a WorkflowDef's
// maskedFields); m itself is not changed.
func MaskFields(m map[string]any, fields []string) map[string]any {
	if len(fields) == 0 || m == nil {
		return m
	}
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = v
	}
	for _, f := range fields {
		if _, ok := out[f]; ok {
			out[f] = Mask
		}
	}
	return out
}

// HasMaskedKeys reports whether v holds a _secrets or _masked key anywhere.
func HasMaskedKeys(v any) bool {
	switch v := v.(type) {
	case map[string]any:
		for k, e := range v {
			if maskedKeys[k] || HasMaskedKeys(e) {
				return true
			}
		}
	case []any:
		for _, e := range v {
			if HasMaskedKeys(e) {
				return true
			}
		}
	}
	return false
}
