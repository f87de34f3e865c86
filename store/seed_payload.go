package store

import (
	"math/rand/v2"
	"strconv"
	"strings"
)

// Made-up business data for seeded documents: ids, people, line items and free text, of
// sizes that vary the way real payloads do (mostly small, some lists, a few large blobs).

var (
	seedWords = strings.Fields(`order payment customer shipment parcel invoice refund review account region
		report metric latency window summary export batch retry queue worker callback status pending ready
		approved declined express standard priority premium basic north south east west central`)
	seedCities     = []string{"Lisbon", "Osaka", "Denver", "Lagos", "Oslo", "Lima", "Pune", "Perth", "Quebec", "Turin"}
	seedCurrencies = []string{"EUR", "USD", "GBP", "JPY", "BRL"}
	seedTiers      = []string{"basic", "basic", "basic", "premium", "premium", "enterprise"}
)

// seedData makes up values with one random source.
type seedData struct {
	r *rand.Rand
}

// chance reports true with probability p.
func (d seedData) chance(p float64) bool { return d.r.Float64() < p }

// pick returns one of list.
func (d seedData) pick(list []string) string { return list[d.r.IntN(len(list))] }

// between returns an integer in [lo, hi].
func (d seedData) between(lo, hi int) int { return lo + d.r.IntN(hi-lo+1) }

// token returns prefix followed by n random base-36 characters.
func (d seedData) token(prefix string, n int) string {
	const digits = "0123456789abcdefghijklmnopqrstuvwxyz"
	b := make([]byte, len(prefix), len(prefix)+n)
	copy(b, prefix)
	for range n {
		b = append(b, digits[d.r.IntN(len(digits))])
	}
	return string(b)
}

// amount returns a price in [lo, hi) with two decimals.
func (d seedData) amount(lo, hi float64) float64 {
	return float64(int((lo+d.r.Float64()*(hi-lo))*100)) / 100
}

// count returns a list length: mostly 1 to 3, sometimes up to 12, rarely up to max.
func (d seedData) count(maxLen int) int {
	switch p := d.r.Float64(); {
	case p < 0.70:
		return d.between(1, 3)
	case p < 0.95:
		return d.between(4, min(12, maxLen))
	default:
		return d.between(min(13, maxLen), maxLen)
	}
}

// text returns about n bytes of words.
func (d seedData) text(n int) string {
	var b strings.Builder
	b.Grow(n + 16)
	for b.Len() < n {
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(d.pick(seedWords))
	}
	return b.String()
}

// blob returns, rarely, a large free-text field of 2 to 16 KB (notes, rendered bodies); ""
// otherwise.
func (d seedData) blob(p float64) string {
	if !d.chance(p) {
		return ""
	}
	return d.text(d.between(2<<10, 16<<10))
}

// customer returns a customer record.
func (d seedData) customer() map[string]any {
	id := d.token("cus_", 10)
	return map[string]any{"id": id, "email": id[4:] + "@example.com", "tier": d.pick(seedTiers),
		"city": d.pick(seedCities)}
}

// items returns order lines.
func (d seedData) items() []any {
	list := make([]any, d.count(40))
	for i := range list {
		list[i] = map[string]any{"sku": d.token("sku-", 6), "quantity": d.between(1, 5), "price": d.amount(2, 400)}
	}
	return list
}

// series returns n metric points.
func (d seedData) series(n int, start int64) []any {
	list := make([]any, n)
	for i := range list {
		list[i] = map[string]any{"t": start + int64(i)*60_000, "value": d.amount(0, 1000)}
	}
	return list
}

// response returns the output of an HTTP task that got body back.
func (d seedData) response(status int, body any) map[string]any {
	reason := "OK"
	switch status {
	case 201:
		reason = "Created"
	case 202:
		reason = "Accepted"
	case 500:
		reason = "Internal Server Error"
	case 503:
		reason = "Service Unavailable"
	}
	return map[string]any{"response": map[string]any{"statusCode": status, "reasonPhrase": reason, "body": body,
		"headers": map[string]any{"Content-Type": []any{"application/json"},
			"X-Request-Id": []any{d.token("req_", 16)}}}}
}

// withBlob sets m[key] to a rare large text (see blob) and returns m.
func (d seedData) withBlob(m map[string]any, key string, p float64) map[string]any {
	if b := d.blob(p); b != "" {
		m[key] = b
	}
	return m
}

// worker returns the id of one of a small fleet of workers.
func (d seedData) worker() string { return "worker-" + strconv.Itoa(d.between(1, 12)) }
