package view

import (
	"bufio"
	"fmt"
	"io"
	"strings"
	"unicode"

	"github.com/kubewalk/kubewalk/trace"
	"github.com/kubewalk/kubewalk/trace/lang"
)

// DiffText writes d for a terminal: a line about each run, then the
// steps, goroutines and channels only in A, only in B and in both (with
// their counts where they differ), then the two shutdowns side by side,
// at times after each run closed stopCh.
func DiffText(w io.Writer, d *Diff, o Options) error {
	bw, l := bufio.NewWriter(w), o.Lang
	fmt.Fprintf(bw, "A: %s\n", printable(d.runLine("A", d.NameA, d.A, l)))
	fmt.Fprintf(bw, "B: %s\n", printable(d.runLine("B", d.NameB, d.B, l)))
	for _, part := range []struct {
		title string
		names []Compared
	}{
		{l.Say("steps"), d.Steps},
		{l.Say("goroutines (without the one per request WithTimeout starts)"), d.Goroutines},
		{l.Say("channels"), d.Channels},
	} {
		fmt.Fprintf(bw, "\n%s\n", part.title)
		for _, side := range []struct{ side, title string }{
			{"A", l.Say("only in A")}, {"B", l.Say("only in B")}, {"", l.Say("in both")},
		} {
			names := Only(part.names, side.side)
			fmt.Fprintf(bw, "  %s (%d)\n", side.title, len(names))
			for _, c := range names {
				fmt.Fprintf(bw, "    %s\n", printable(c.count()))
			}
		}
	}
	d.shutdownText(bw, l)
	return bw.Flush()
}

// runLine is one run as the diff's header shows it.
func (d *Diff) runLine(side, name string, t *Trace, l lang.Lang) string {
	if name == "" {
		name = side
	}
	steps, goroutines := t.kinds()
	return l.Sayf("%s · era %s · ended %s · %s · steps %d, goroutines %d", name, eraOr(t, l), ending(t, l), ms(t.End.Sub(t.Start)), steps, goroutines)
}

// count is a name with how many times each run has it, when that is
// more than once in either.
func (c Compared) count() string {
	switch {
	case c.A <= 1 && c.B <= 1:
		return c.Name
	case c.B == 0:
		return fmt.Sprintf("%s ×%d", c.Name, c.A)
	case c.A == 0:
		return fmt.Sprintf("%s ×%d", c.Name, c.B)
	}
	return fmt.Sprintf("%s  A ×%d, B ×%d", c.Name, c.A, c.B)
}

// shutdownColumn is the width of A's column of the shutdowns.
const shutdownColumn = 50

func (d *Diff) shutdownText(w io.Writer, l lang.Lang) {
	fmt.Fprintf(w, "\n%s\n", l.Say("shutdown, from the close of stopCh (times after it; a row pairs what both runs did)"))
	for _, m := range []struct {
		side string
		ms   []Moment
		t    *Trace
	}{{"A", d.ShutdownA, d.A}, {"B", d.ShutdownB, d.B}} {
		if m.ms == nil {
			fmt.Fprintf(w, "  %s\n", l.Sayf("%s: stopCh never closed (the run ended %s)", m.side, ending(m.t, l)))
		}
	}
	if d.ShutdownA == nil && d.ShutdownB == nil {
		return
	}
	fmt.Fprintf(w, "  %s%s\n", pad("A "+eraOr(d.A, l), shutdownColumn), "B "+eraOr(d.B, l))
	for _, r := range d.Shutdown {
		fmt.Fprintf(w, "  %s%s\n", pad(printable(r.A.line(l)), shutdownColumn), printable(r.B.line(l)))
	}
}

// line is how a shutdown column shows m; empty for no moment.
func (m *Moment) line(l lang.Lang) string {
	if m == nil {
		return ""
	}
	text := m.Text
	if m.Cut {
		text += " ✂"
	}
	return fmt.Sprintf("%9s  %s", "+"+ms(m.At), text)
}

func ending(t *Trace, l lang.Lang) string {
	if t.Summary == nil {
		return l.Say("without a summary")
	}
	return t.Summary.Attrs[trace.EndingKey]
}

// pad pads s with spaces to width columns (a Han character takes two),
// and one more space when s is wider.
func pad(s string, width int) string {
	w := 0
	for _, r := range s {
		w++
		if unicode.Is(unicode.Han, r) {
			w++
		}
	}
	if w >= width {
		return s + " "
	}
	return s + strings.Repeat(" ", width-w)
}
