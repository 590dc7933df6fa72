package main

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// TestTourFitsIn100Columns measures what the default tour prints, the
// narration and the summary: at least 95% of its lines must fit in 100
// columns, so a learner reads it unwrapped in a 100-column terminal.
func TestTourFitsIn100Columns(t *testing.T) {
	_, out := runTour(t)
	text := normalize(strings.TrimSuffix(out.stderr, "\n") + "\n" + strings.TrimSuffix(out.stdout, "\n"))
	lines := strings.Split(text, "\n")
	wide := 0
	for _, l := range lines {
		if n := utf8.RuneCountInString(l); n > 100 {
			wide++
			t.Logf("%d columns: %s", n, l)
		}
	}
	fit := 100 * float64(len(lines)-wide) / float64(len(lines))
	t.Logf("%d of %d lines (%.1f%%) fit in 100 columns", len(lines)-wide, len(lines), fit)
	if fit < 95 {
		t.Errorf("%.1f%% of the tour's %d lines fit in 100 columns; want at least 95%%", fit, len(lines))
	}
}
