package expr_test

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/podiumhq/podium/internal/expr"
)

// benchDoc builds a workflow document of about 4 KB: a workflow with its input and two
// completed tasks, one of them an HTTP call whose body lists order items.
func benchDoc(tb testing.TB) []byte {
	tb.Helper()
	items := make([]any, 30)
	for i := range items {
		items[i] = map[string]any{"sku": fmt.Sprintf("SKU-%04d", i), "qty": i + 1, "price": 19.99 + float64(i),
			"tags": []any{"blue", "large"}}
	}
	doc := map[string]any{
		"workflow": map[string]any{
			"workflowId": "7f3c1a9e-2b4d-4c8e-9f10-1a2b3c4d5e6f", "workflowType": "order_fulfilment", "version": 3,
			"correlationId": "order-9921", "status": "RUNNING", "schemaVersion": 2,
			"input": map[string]any{
				"userId": "u-12345", "orderId": 9921, "priority": "high",
				"address": map[string]any{"street": "1 Main St", "city": "Springfield", "zip": "12345", "country": "US"},
				"notes":   "leave at the door",
			},
			"variables": map[string]any{"attempt": 1, "region": "eu-west-1"},
		},
		"fetch_order": map[string]any{
			"taskType": "HTTP", "status": "COMPLETED", "referenceTaskName": "fetch_order", "retryCount": 0,
			"taskId": "0c5e7a1b-3d2f-4e6a-8b9c-0d1e2f3a4b5c", "startTime": 1767225600000, "endTime": 1767225600420,
			"input": map[string]any{"http_request": map[string]any{"uri": "https://orders.example.com/orders/9921", "method": "GET"}},
			"output": map[string]any{"response": map[string]any{
				"statusCode": 200, "reasonPhrase": "OK",
				"headers": map[string]any{"Content-Type": []any{"application/json"}, "X-Request-Id": []any{"abc-123"}},
				"body":    map[string]any{"id": 9921, "currency": "EUR", "total": 1234.56, "items": items},
			}},
		},
		"reserve_stock": map[string]any{
			"taskType": "reserve_stock", "status": "COMPLETED", "referenceTaskName": "reserve_stock",
			"taskId": "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d", "startTime": 1767225600500, "endTime": 1767225600900,
			"input":  map[string]any{"orderId": 9921, "warehouse": "DUB-2", "lines": 30},
			"output": map[string]any{"reservationId": "r-778", "warehouse": "DUB-2", "ok": true, "expiresAt": "2026-01-01T01:00:00Z"},
		},
		"notify_customer": map[string]any{
			"taskType": "notify_customer", "status": "COMPLETED", "referenceTaskName": "notify_customer",
			"taskId": "1b2c3d4e-5f60-4718-92a3-b4c5d6e7f809", "startTime": 1767225601000, "endTime": 1767225601350,
			"input": map[string]any{"template": "order_confirmed", "locale": "en-GB", "channel": "email"},
			"output": map[string]any{"messageId": "msg-55ab", "provider": "mailer", "accepted": true,
				"preview": "Hello! Your order 9921 is confirmed and will ship from our Dublin warehouse within two working days. " +
					"You can follow its progress from your account page at any time. Thank you for shopping with us."},
		},
	}
	b, err := json.Marshal(doc)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// benchInput is a typical task's inputParameters: six parameters mixing whole-string
// expressions, text with expressions, a wildcard, a secret and literals.
func benchInput() map[string]any {
	return map[string]any{
		"userId":  "${workflow.input.userId}",
		"address": "${workflow.input.address}",
		"uri":     "https://shipping.example.com/users/${workflow.input.userId}/orders/${fetch_order.output.response.body.id}",
		"skus":    "${fetch_order.output.response.body.items[*].sku}",
		"headers": map[string]any{"Authorization": "Bearer ${workflow.secrets.shipping_token}", "X-Task-Id": "${CPEWF_TASK_ID}"},
		"method":  "POST",
	}
}

func BenchmarkEvaluate(b *testing.B) {
	if testing.Short() {
		b.Skip("benchmark")
	}
	doc := benchDoc(b)
	b.Logf("document: %d bytes", len(doc))
	env := &expr.Env{
		Doc:    doc,
		TaskID: "5d6e7f80-1a2b-4c3d-9e8f-a0b1c2d3e4f5",
		Lookup: func(p expr.Path) (any, bool) {
			if p.String() == "workflow.secrets.shipping_token" {
				return "tok-123", true
			}
			return nil, false
		},
	}
	in := benchInput()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := expr.EvaluateMap(in, env); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkEvaluateQueries evaluates a deep scan and filters over the 30 order items of the
// document of BenchmarkEvaluate.
func BenchmarkEvaluateQueries(b *testing.B) {
	if testing.Short() {
		b.Skip("benchmark")
	}
	env := &expr.Env{Doc: benchDoc(b)}
	in := map[string]any{
		"skus":   "${fetch_order.output.response.body..sku}",
		"big":    "${fetch_order.output.response.body.items[?(@.qty > 25 && @.tags[0] == 'blue')].sku}",
		"text":   "cheap: ${fetch_order.output.response.body.items[?(@.price < 22)].sku}",
		"ok":     "${reserve_stock[?(@.status == 'COMPLETED')].output.reservationId}",
		"sku007": "${fetch_order.output.response.body.items[?(@.sku =~ /sku-0007/i)].qty}",
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := expr.EvaluateMap(in, env); err != nil {
			b.Fatal(err)
		}
	}
}
