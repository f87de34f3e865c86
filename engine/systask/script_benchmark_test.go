package systask_test

import (
	"context"
	"testing"

	"github.com/podiumhq/podium/engine/systask"
)

func BenchmarkEvalScript(b *testing.B) {
	ctx := context.Background()
	for _, bc := range []struct {
		name, expr string
		input      map[string]any
	}{
		{"Expression", "$.a + 1", map[string]any{"a": 1}},
		{"Condition", "$.status == 'OK' && $.count > 3 ? 'go' : 'stop'", map[string]any{"status": "OK", "count": 5}},
		{"ObjectResult", "(function(){ return {sum: $.l.reduce(function(a, b){ return a + b }, 0), n: $.l.length} })()",
			map[string]any{"l": []any{1, 2, 3, 4, 5, 6, 7, 8}}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := systask.EvalScript(ctx, bc.expr, bc.input, systask.ScriptLimits{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
