package api_test

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/go-chi/chi/v5"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"

	"github.com/podiumhq/podium/api"
)

// openAPIPath is the spec at the repository root, relative to this package.
var openAPIPath = filepath.Join("..", "openapi.yaml")

// openAPIMethods are the path-item keys that are operations.
var openAPIMethods = []string{"get", "put", "post", "delete", "patch", "head", "options", "trace"}

// openAPIOperation is the part of an operation the tests check.
type openAPIOperation struct {
	OperationID string               `yaml:"operationId"`
	Tags        []string             `yaml:"tags"`
	Parameters  []openAPIParameter   `yaml:"parameters"`
	Responses   map[string]yaml.Node `yaml:"responses"`
}

// openAPIParameter is a parameter or a $ref to one.
type openAPIParameter struct {
	Ref  string `yaml:"$ref"`
	Name string `yaml:"name"`
	In   string `yaml:"in"`
}

// openAPISpec is openapi.yaml parsed twice: as a generic tree (for $ref resolution) and as
// its operations keyed by "METHOD path".
type openAPISpec struct {
	root map[string]any
	ops  map[string]openAPIOperation
}

func loadOpenAPI(t *testing.T) openAPISpec {
	t.Helper()
	data, err := os.ReadFile(openAPIPath)
	require.NoError(t, err)

	var root map[string]any
	require.NoError(t, yaml.Unmarshal(data, &root), "openapi.yaml is not valid YAML")
	require.Equal(t, "3.0.3", root["openapi"], "openapi version")

	var doc struct {
		Paths map[string]map[string]yaml.Node `yaml:"paths"`
	}
	require.NoError(t, yaml.Unmarshal(data, &doc))
	require.NotEmpty(t, doc.Paths, "openapi.yaml has no paths")

	ops := map[string]openAPIOperation{}
	for path, item := range doc.Paths {
		for key, node := range item {
			if !slices.Contains(openAPIMethods, key) {
				continue
			}
			var op openAPIOperation
			require.NoError(t, node.Decode(&op), "%s %s", key, path)
			ops[strings.ToUpper(key)+" "+path] = op
		}
	}
	return openAPISpec{root: root, ops: ops}
}

// routedEndpoints walks the router and returns every "METHOD path" it serves.
func routedEndpoints(t *testing.T) map[string]bool {
	t.Helper()
	routes, ok := api.NewRouter(api.Config{}).(chi.Routes)
	require.True(t, ok, "api.NewRouter must return a chi.Routes")
	got := map[string]bool{}
	err := chi.Walk(routes, func(method, route string, _ http.Handler, _ ...func(http.Handler) http.Handler) error {
		got[method+" "+normaliseRoute(route)] = true
		return nil
	})
	require.NoError(t, err)
	require.NotEmpty(t, got)
	return got
}

// normaliseRoute removes chi sub-router artefacts ("/*" joints), trailing slashes and the
// regular expressions of path parameters ("{workflowId:…}" → "{workflowId}").
func normaliseRoute(route string) string {
	route = api.RouteTemplate(route)
	for strings.Contains(route, "/*/") {
		route = strings.ReplaceAll(route, "/*/", "/")
	}
	route = strings.TrimSuffix(route, "/*")
	if len(route) > 1 {
		route = strings.TrimRight(route, "/")
	}
	return route
}

// pathParamPattern matches one {param} of a path template.
var pathParamPattern = regexp.MustCompile(`\{[^}/]+\}`)

// templateKey blanks the parameter names of an endpoint ("POST /a/{name}" → "POST /a/{}").
// OpenAPI forbids two path templates that differ only in parameter names, so routes chi
// registers as /api/workflow/{name} (POST) and /api/workflow/{workflowId} (GET, DELETE) are
// documented under a single path template; routes and operations are matched on this key.
func templateKey(endpoint string) string {
	return pathParamPattern.ReplaceAllString(endpoint, "{}")
}

func sortedSet(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

func TestOpenAPIDocumentsEveryRoute(t *testing.T) {
	t.Parallel()
	routed := routedEndpoints(t)
	spec := loadOpenAPI(t)

	routedKeys := map[string]bool{}
	for endpoint := range routed {
		routedKeys[templateKey(endpoint)] = true
	}
	documentedKeys := map[string]bool{}
	for endpoint := range spec.ops {
		documentedKeys[templateKey(endpoint)] = true
	}

	var undocumented, unrouted []string
	for endpoint := range routed {
		if !documentedKeys[templateKey(endpoint)] {
			undocumented = append(undocumented, endpoint)
		}
	}
	for endpoint := range spec.ops {
		if !routedKeys[templateKey(endpoint)] {
			unrouted = append(unrouted, endpoint)
		}
	}
	slices.Sort(undocumented)
	slices.Sort(unrouted)

	var msg strings.Builder
	if len(undocumented) > 0 {
		fmt.Fprintf(&msg, "routed in api/router.go but missing from openapi.yaml:\n  %s\n", strings.Join(undocumented, "\n  "))
	}
	if len(unrouted) > 0 {
		fmt.Fprintf(&msg, "documented in openapi.yaml but not routed by api/router.go:\n  %s\n", strings.Join(unrouted, "\n  "))
	}
	if msg.Len() > 0 {
		fmt.Fprintf(&msg, "routes walked:\n  %s", strings.Join(sortedSet(routed), "\n  "))
	}
	require.Empty(t, msg.String())
}

func TestOpenAPIOperations(t *testing.T) {
	t.Parallel()
	spec := loadOpenAPI(t)
	pathParam := regexp.MustCompile(`\{([^}/]+)\}`)

	// Path templates that differ only in parameter names are the same path to OpenAPI.
	templates := map[string]string{}
	for endpoint := range spec.ops {
		_, path, _ := strings.Cut(endpoint, " ")
		if other, dup := templates[templateKey(path)]; dup && other != path {
			require.Failf(t, "equivalent paths", "%s and %s differ only in parameter names", path, other)
		}
		templates[templateKey(path)] = path
	}

	seen := map[string]string{}
	for endpoint, op := range spec.ops {
		require.NotEmpty(t, op.OperationID, "%s has no operationId", endpoint)
		if other, dup := seen[op.OperationID]; dup {
			require.Failf(t, "duplicate operationId", "%q is used by both %s and %s", op.OperationID, other, endpoint)
		}
		seen[op.OperationID] = endpoint
		require.NotEmpty(t, op.Tags, "%s has no tags", endpoint)

		has2xx := false
		for status := range op.Responses {
			if len(status) == 3 && status[0] == '2' {
				has2xx = true
			}
		}
		require.True(t, has2xx, "%s documents no 2xx response", endpoint)

		// Every {param} of the path is declared as a path parameter, and nothing more.
		declared := map[string]bool{}
		for _, p := range op.Parameters {
			if p.Ref != "" {
				resolved, ok := resolveRef(spec.root, p.Ref).(map[string]any)
				require.True(t, ok, "%s: parameter $ref %s does not resolve", endpoint, p.Ref)
				p.Name, _ = resolved["name"].(string)
				p.In, _ = resolved["in"].(string)
			}
			if p.In == "path" {
				declared[p.Name] = true
			}
		}
		_, path, _ := strings.Cut(endpoint, " ")
		inPath := map[string]bool{}
		for _, m := range pathParam.FindAllStringSubmatch(path, -1) {
			inPath[m[1]] = true
		}
		require.Equal(t, sortedSet(inPath), sortedSet(declared), "%s: path parameters", endpoint)
	}
}

func TestOpenAPIRefsResolve(t *testing.T) {
	t.Parallel()
	spec := loadOpenAPI(t)
	schemas, ok := resolveRef(spec.root, "#/components/schemas").(map[string]any)
	require.True(t, ok, "openapi.yaml has no components/schemas")
	for _, name := range []string{
		"ErrorResponse", "ValidationError", "WorkflowDef", "WorkflowTask", "SubWorkflowParams",
		"TaskDef", "WorkflowDefSummary", "BulkResponse", "HealthResponse",
	} {
		require.Contains(t, schemas, name, "components/schemas")
	}

	var refs []string
	collectRefs(spec.root, &refs)
	require.NotEmpty(t, refs)
	var broken []string
	for _, ref := range refs {
		if !strings.HasPrefix(ref, "#/components/") || resolveRef(spec.root, ref) == nil {
			broken = append(broken, ref)
		}
	}
	slices.Sort(broken)
	require.Empty(t, slices.Compact(broken), "$ref targets missing from components")
}

// collectRefs appends the value of every "$ref" member in the tree v.
func collectRefs(v any, refs *[]string) {
	switch v := v.(type) {
	case map[string]any:
		for k, child := range v {
			if s, ok := child.(string); ok && k == "$ref" {
				*refs = append(*refs, s)
				continue
			}
			collectRefs(child, refs)
		}
	case []any:
		for _, child := range v {
			collectRefs(child, refs)
		}
	}
}

// resolveRef follows a local JSON pointer ("#/a/b") through root; nil when it leads nowhere.
func resolveRef(root map[string]any, ref string) any {
	pointer, ok := strings.CutPrefix(ref, "#/")
	if !ok {
		return nil
	}
	var cur any = root
	for _, token := range strings.Split(pointer, "/") {
		token = strings.NewReplacer("~1", "/", "~0", "~").Replace(token)
		m, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		if cur, ok = m[token]; !ok {
			return nil
		}
	}
	return cur
}
