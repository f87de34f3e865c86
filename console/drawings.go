package console

import (
	"html/template"
	"net/http"
	"net/url"

	"github.com/podiumhq/podium/console/diagram"
	"github.com/podiumhq/podium/console/timeline"
	"github.com/podiumhq/podium/internal/conductor"
)

// drawingsCSS is the stylesheet of the diagrams and timelines, served as
// /static/drawings.css: the page's CSP allows no inline <style>.
const drawingsCSS = diagram.Stylesheet + "\n" + timeline.Stylesheet

// serveDrawingsCSS answers GET /static/drawings.css.
func serveDrawingsCSS(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/css; charset=utf-8")
	w.Header().Set("Cache-Control", "public, max-age=3600")
	_, _ = w.Write([]byte(drawingsCSS))
}

// executionDrawings draws an execution's definition, each task coloured by the status of its
// newest attempt (a SUB_WORKFLOW linking to its child, any other task to its row), and the
// timeline of its attempts. A definition too large or deep to draw shows no diagram.
func (c *Console) executionDrawings(wf *conductor.Workflow, nowMillis int64) (diagramSVG, timelineSVG template.HTML) {
	status := make(map[string]conductor.TaskStatus, len(wf.Tasks))
	newest := make(map[string]*conductor.Task, len(wf.Tasks))
	for _, t := range wf.Tasks {
		status[t.ReferenceTaskName] = t.Status
		newest[t.ReferenceTaskName] = t
	}
	if wf.WorkflowDefinition != nil {
		svg, err := diagram.Render(wf.WorkflowDefinition, diagram.NormalizeStatus(status), diagram.Options{NoStyle: true,
			LinkFunc: func(ref string, _ *conductor.WorkflowTask) string {
				t := newest[ref]
				switch {
				case t == nil:
					return ""
				case t.SubWorkflowID != "":
					return "/executions/" + url.PathEscape(t.SubWorkflowID)
				default:
					return "#task-" + url.PathEscape(t.TaskID)
				}
			}})
		if err != nil {
			c.cfg.Logger.Info("console: the definition is not drawn", "workflow_id", wf.WorkflowID, "error", err)
		} else {
			diagramSVG = svg
		}
	}
	if len(wf.Tasks) > 0 {
		timelineSVG = timeline.Render(wf.Tasks, timeline.Options{NoStyle: true, Now: millisTime(nowMillis),
			Title: "Task attempts of " + wf.WorkflowName})
	}
	return diagramSVG, timelineSVG
}
