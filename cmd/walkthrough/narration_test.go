package main

import (
	"strings"
	"testing"
	"unicode"
)

// TestTourFitsIn100Columns measures what the default tour prints, the
// narration and the summary, in each language: at least 95% of its lines
// must fit in 100 columns, so a learner reads it unwrapped in a
// 100-column terminal, where a Han character or a fullwidth punctuation
// mark takes two; and every line of a note, which the console wraps, must.
func TestTourFitsIn100Columns(t *testing.T) {
	for _, lang := range []string{"en", "zh"} {
		_, out := runTour(t, "--lang="+lang)
		text := normalize(strings.TrimSuffix(out.stderr, "\n") + "\n" + strings.TrimSuffix(out.stdout, "\n"))
		lines := strings.Split(text, "\n")
		wide := 0
		for _, l := range lines {
			n := columns(l)
			if n > 100 {
				wide++
				t.Logf("%s: %d columns: %s", lang, n, l)
			}
			if note := strings.HasPrefix(l, "      ↳ ") || strings.HasPrefix(l, "        "); note && n > 100 {
				t.Errorf("%s: a note's line takes %d columns; the console wraps notes at 100: %s", lang, n, l)
			}
		}
		fit := 100 * float64(len(lines)-wide) / float64(len(lines))
		t.Logf("%s: %d of %d lines (%.1f%%) fit in 100 columns", lang, len(lines)-wide, len(lines), fit)
		if fit < 95 {
			t.Errorf("%s: %.1f%% of the tour's %d lines fit in 100 columns; want at least 95%%", lang, fit, len(lines))
		}
	}
}

// columns is how many columns s takes in a terminal: two for a Han
// character or CJK or fullwidth punctuation, one for anything else.
func columns(s string) int {
	n := 0
	for _, r := range s {
		n++
		if unicode.Is(unicode.Han, r) || r >= 0x3000 && r <= 0x303f || r >= 0xff00 && r <= 0xff60 {
			n++
		}
	}
	return n
}
