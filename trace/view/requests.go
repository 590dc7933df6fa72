package view

import (
	"fmt"
	"strconv"

	"github.com/kubewalk/kubewalk/trace"
	"github.com/kubewalk/kubewalk/trace/lang"
)

// counted is what the summary span says of the requests served without a
// span (the walkthrough's --trace-requests-max): a line that says how
// many, and one line per method, path and status with the count and the
// latency quantiles. Both are empty when every request had a span.
func (t *Trace) counted(l lang.Lang) (head string, groups []string) {
	if t.Summary == nil {
		return "", nil
	}
	a := t.Summary.Attrs
	n := a[trace.RequestsUnrecordedKey]
	if n == "" || n == "0" {
		return "", nil
	}
	why := l.Say("request spans were off")
	if limit := a[trace.RequestSpansLimitKey]; limit != "" && limit != "0" && a[trace.RequestsRecordedKey] == limit {
		why = l.Sayf("all past the first %s (the walkthrough's --trace-requests-max)", limit)
	}
	head = l.Sayf("requests without a span: %s, %s; counted by method, path and status, and the %s goroutines started for them have no span either",
		n, why, a[trace.GoroutinesUnrecordedKey])
	for _, e := range t.Summary.Events {
		if e.Name != trace.EventRequestsCounted {
			continue
		}
		ea := e.Attrs
		what := ea["http.request.method"] + " " + ea["url.path"] + " → " + ea["http.response.status_code"]
		if ea["http.request.method"] == "" {
			what = ea["url.path"]
		}
		groups = append(groups, fmt.Sprintf("%s  ×%s  p50 %s  p90 %s  p99 %s  max %s", what, ea[trace.RequestsCountKey],
			millis(ea[trace.LatencyP50Key]), millis(ea[trace.LatencyP90Key]), millis(ea[trace.LatencyP99Key]), millis(ea[trace.LatencyMaxKey])))
	}
	return head, groups
}

// millis writes a number of milliseconds as traceview writes durations.
func millis(v string) string {
	f, err := strconv.ParseFloat(v, 64)
	if err != nil {
		return v
	}
	return fmt.Sprintf("%.3fms", f)
}
