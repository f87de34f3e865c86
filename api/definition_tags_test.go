package api_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// definitionTags reads the tags at path, requiring 200.
func (b *testBundle) definitionTags(path string) arr {
	b.t.Helper()
	resp := b.do(http.MethodGet, path, nil)
	requireStatus(b.t, resp, http.StatusOK)
	return decodeArr(b.t, resp.Body)
}

// tag is a tag as the API answers it.
func tag(key, value string) obj { return obj{"key": key, "value": value} }

func TestTagsDefinitionCRUD(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.registerIntegrationTasks(1)
	b.createWorkflow(oneTaskDef("tags_wf"))

	for _, c := range []struct{ name, path, missing, notFound string }{
		{"workflow", workflowPath + "/tags_wf/tags", workflowPath + "/no_such_wf/tags",
			"No such workflow found by name: no_such_wf, version: null"},
		{"task", "/api/metadata/task/" + itName(0) + "/tags", "/api/metadata/task/no_such_task/tags",
			"No such taskType found by name: no_such_task"},
	} {
		t.Run(c.name, func(t *testing.T) {
			require.Equal(t, arr{}, b.definitionTags(c.path), "a definition starts untagged")

			// POST adds one TagObject (the deprecated type is ignored); a known key takes the new value.
			requireEmptyOK(t, b.do(http.MethodPost, c.path, obj{"key": "team", "value": "payments", "type": "METADATA"}))
			requireEmptyOK(t, b.do(http.MethodPost, c.path, obj{"key": "env", "value": "dev"}))
			requireEmptyOK(t, b.do(http.MethodPost, c.path, obj{"key": "env", "value": "prod"}))
			want := arr{tag("team", "payments"), tag("env", "prod")}
			require.Equal(t, want, b.definitionTags(c.path))

			// Refused requests change nothing.
			tooMany := make(arr, 101)
			for i := range tooMany {
				tooMany[i] = tag(fmt.Sprintf("k%d", i), "v")
			}
			for _, bad := range []struct {
				method string
				body   any
			}{
				{http.MethodPost, obj{"value": "no key"}},
				{http.MethodPost, obj{"key": strings.Repeat("k", 256), "value": "v"}},
				{http.MethodPost, `{"key": "broken"`},
				{http.MethodPost, nil},
				{http.MethodPut, arr{tag("owner", "alice"), obj{"value": "no key"}}},
				{http.MethodPut, obj{"key": "owner", "value": "alice"}}, // PUT takes a list
				{http.MethodPut, tooMany},
				{http.MethodDelete, `[{"key": 1}]`},
			} {
				requireStatus(t, b.do(bad.method, c.path, bad.body), http.StatusBadRequest)
			}
			require.Equal(t, want, b.definitionTags(c.path), "a refused request leaves the tags as they were")

			// PUT replaces them all.
			requireEmptyOK(t, b.do(http.MethodPut, c.path, arr{tag("owner", "alice"), tag("env", "qa")}))
			require.Equal(t, arr{tag("owner", "alice"), tag("env", "qa")}, b.definitionTags(c.path))

			// DELETE removes the tag matching key and value; a value that does not match removes nothing.
			requireEmptyOK(t, b.do(http.MethodDelete, c.path, obj{"key": "env", "value": "prod"}))
			require.Equal(t, arr{tag("owner", "alice"), tag("env", "qa")}, b.definitionTags(c.path))
			requireEmptyOK(t, b.do(http.MethodDelete, c.path, obj{"key": "env", "value": "qa", "type": "METADATA"}))
			require.Equal(t, arr{tag("owner", "alice")}, b.definitionTags(c.path))

			// An unknown name is 404 for every verb, and nothing is stored for it.
			requireError(t, b.do(http.MethodGet, c.missing, nil), http.StatusNotFound, c.notFound)
			requireError(t, b.do(http.MethodPost, c.missing, tag("a", "b")), http.StatusNotFound, c.notFound)
			requireError(t, b.do(http.MethodPut, c.missing, arr{tag("a", "b")}), http.StatusNotFound, c.notFound)
			requireError(t, b.do(http.MethodDelete, c.missing, tag("a", "b")), http.StatusNotFound, c.notFound)
		})
	}

	// Workflow and task definition names are separate namespaces.
	b.registerTaskDefs(integrationTaskDef(0, "name", "tags_wf"))
	require.Equal(t, arr{}, b.definitionTags("/api/metadata/task/tags_wf/tags"))
	require.Equal(t, arr{tag("owner", "alice")}, b.definitionTags(workflowPath+"/tags_wf/tags"))

	// The tags belong to the name, all versions: deleting one version keeps them, deleting the
	// last one drops them, and a new registration of the name starts untagged.
	v2 := oneTaskDef("tags_wf")
	v2["version"] = 2
	b.createWorkflow(v2)
	requireEmptyOK(t, b.do(http.MethodDelete, workflowPath+"/tags_wf/1", nil))
	require.Equal(t, arr{tag("owner", "alice")}, b.definitionTags(workflowPath+"/tags_wf/tags"))
	requireEmptyOK(t, b.do(http.MethodDelete, workflowPath+"/tags_wf/2", nil))
	requireStatus(t, b.do(http.MethodGet, workflowPath+"/tags_wf/tags", nil), http.StatusNotFound)
	b.createWorkflow(oneTaskDef("tags_wf"))
	require.Equal(t, arr{}, b.definitionTags(workflowPath+"/tags_wf/tags"))

	taskPath := "/api/metadata/task/" + itName(0) + "/tags"
	requireEmptyOK(t, b.do(http.MethodDelete, workflowPath+"/tags_wf/1", nil))
	requireEmptyOK(t, b.do(http.MethodDelete, taskDefsPath+"/"+itName(0), nil))
	requireStatus(t, b.do(http.MethodGet, taskPath, nil), http.StatusNotFound)
	b.registerIntegrationTasks(1)
	require.Equal(t, arr{}, b.definitionTags(taskPath))

	// A list is accepted by POST and DELETE too.
	requireEmptyOK(t, b.do(http.MethodPost, taskPath, arr{tag("a", "1"), tag("b", "2")}))
	requireEmptyOK(t, b.do(http.MethodDelete, taskPath, arr{tag("a", "1")}))
	require.Equal(t, arr{tag("b", "2")}, b.definitionTags(taskPath))
}

// TestTagsDefinitionMetadataQuery: GET of a definition with ?metadata=true answers the name's
// tags in "tags" as Orkes TagObjects, which the Go SDK's GetTagsForWorkflowDef and
// GetTagsForTaskDef read (they used to find none); without it the definition is as registered.
func TestTagsDefinitionMetadataQuery(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.registerIntegrationTasks(1)
	def := oneTaskDef("meta_tags_wf")
	def["tags"] = arr{obj{"key": "as", "value": "sent"}} // a document's own member, not the name's tags
	b.createWorkflow(def)

	for _, c := range []struct{ def, tags string }{
		{workflowPath + "/meta_tags_wf", workflowPath + "/meta_tags_wf/tags"},
		{"/api/metadata/taskdefs/" + itName(0), "/api/metadata/task/" + itName(0) + "/tags"},
	} {
		resp := b.do(http.MethodGet, c.def+"?metadata=true", nil)
		requireStatus(t, resp, http.StatusOK)
		require.Equal(t, []any{}, decodeObj(t, resp.Body)["tags"], "%s: untagged", c.def)

		requireEmptyOK(t, b.do(http.MethodPut, c.tags, arr{tag("team", "sdk"), tag("tier", "gold")}))
		resp = b.do(http.MethodGet, c.def+"?metadata=true", nil)
		requireStatus(t, resp, http.StatusOK)
		got := decodeObj(t, resp.Body)
		require.Equal(t, []any{
			map[string]any{"key": "team", "type": "METADATA", "value": "sdk"},
			map[string]any{"key": "tier", "type": "METADATA", "value": "gold"},
		}, got["tags"], c.def)
		require.NotEmpty(t, got["name"])

		// Without the query, and when reading again, the definition is unchanged.
		resp = b.do(http.MethodGet, c.def, nil)
		requireStatus(t, resp, http.StatusOK)
		plain := decodeObj(t, resp.Body)
		if c.def == workflowPath+"/meta_tags_wf" {
			require.Equal(t, []any{map[string]any{"key": "as", "value": "sent"}}, plain["tags"])
		} else {
			require.NotContains(t, plain, "tags")
		}
	}
	resp := b.do(http.MethodGet, workflowPath+"/no_such_wf?metadata=true", nil)
	requireStatus(t, resp, http.StatusNotFound)
}
