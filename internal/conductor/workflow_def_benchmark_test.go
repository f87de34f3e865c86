package conductor_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/podiumhq/podium/internal/conductor"
)

// benchDef builds a definition of n worker tasks, each with templated inputs and an unknown member.
func benchDef(n int) []byte {
	tasks := make([]string, n)
	for i := range tasks {
		tasks[i] = fmt.Sprintf(`{"name":"task_%d","taskReferenceName":"ref_%d","type":"SIMPLE",
			"inputParameters":{"a":"${workflow.input.a}","b":"x ${ref_0.output.y} z","n":%d},"futureField":{"k":[1,2,3]}}`, i, i, i)
	}
	return []byte(`{"name":"bench","version":1,"schemaVersion":2,"tasks":[` + strings.Join(tasks, ",") + `]}`)
}

func BenchmarkWorkflowDefDecodeEncode(b *testing.B) {
	for _, n := range []int{1, 10, 100} {
		data := benchDef(n)
		b.Run(fmt.Sprintf("tasks=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				var def conductor.WorkflowDef
				if err := json.Unmarshal(data, &def); err != nil {
					b.Fatal(err)
				}
				if _, err := json.Marshal(def); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
