package console

import (
	"fmt"
	"html/template"
	"strings"
	"time"
)

// Chart geometry, in SVG user units.
const (
	chartWidth  = 720
	chartHeight = 140
	chartBottom = 20 // room for the hour labels
)

// hourlyChart draws counts (one per hour, oldest first, the last ending at now) as a bar
// chart: an accessible SVG with a title per bar. Only numbers and times go into it.
func hourlyChart(counts []int64, now time.Time) template.HTML {
	if len(counts) == 0 {
		return ""
	}
	peak := int64(1)
	var total int64
	for _, n := range counts {
		peak = max(peak, n)
		total += n
	}
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" viewBox="0 0 %d %d" width="%d" height="%d">`,
		chartWidth, chartHeight, chartWidth, chartHeight)
	fmt.Fprintf(&b, `<title>Executions started per hour over the last %d hours: %d in all</title>`, len(counts), total)
	slot := float64(chartWidth) / float64(len(counts))
	plot := float64(chartHeight - chartBottom)
	for i, n := range counts {
		start := now.Add(time.Duration(i-len(counts)) * time.Hour).UTC()
		h := plot * float64(n) / float64(peak)
		x := float64(i)*slot + 2
		fmt.Fprintf(&b, `<rect class="bar" x="%.1f" y="%.1f" width="%.1f" height="%.1f"><title>%d started %s–%s UTC</title></rect>`,
			x, plot-h, slot-4, h, n, start.Format("15:04"), start.Add(time.Hour).Format("15:04"))
		if i%6 == 0 {
			fmt.Fprintf(&b, `<text class="axis" x="%.1f" y="%d">%s</text>`, x, chartHeight-5, start.Format("15:04"))
		}
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String()) //nolint:gosec // built above from numbers and times only
}
