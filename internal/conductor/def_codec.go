package conductor

import "encoding/json"

// The definition codecs: the one way a WorkflowDef or a TaskDef becomes a JSON document and back,
// whether the document is an API body, a stored definition or a definition snapshot. Encoding is
// MarshalJSON (empty collections as [] and {}, unknown members kept) as encoding/json writes it,
// so equal definitions give equal bytes, which snapshot keys rely on. Decoding is UnmarshalJSON
// (Conductor's defaults under the document, unknown members kept). Errors are encoding/json's:
// callers say what they were doing.

// EncodeWorkflowDef renders def as its JSON document.
func EncodeWorkflowDef(def *WorkflowDef) ([]byte, error) { return json.Marshal(def) }

// DecodeWorkflowDef reads a workflow definition document over Conductor's defaults.
func DecodeWorkflowDef(doc []byte) (*WorkflowDef, error) {
	def := new(WorkflowDef)
	if err := json.Unmarshal(doc, def); err != nil {
		return nil, err
	}
	return def, nil
}

// EncodeTaskDef renders def as its JSON document.
func EncodeTaskDef(def *TaskDef) ([]byte, error) { return json.Marshal(def) }

// DecodeTaskDef reads a task definition document over Conductor's defaults.
func DecodeTaskDef(doc []byte) (*TaskDef, error) {
	def := new(TaskDef)
	if err := json.Unmarshal(doc, def); err != nil {
		return nil, err
	}
	return def, nil
}
