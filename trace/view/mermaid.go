package view

import (
	"bufio"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strings"

	"github.com/kubewalk/kubewalk/trace"
)

// Mermaid writes t as a Mermaid sequence diagram (syntax that Mermaid
// 8.13 renders): a participant per lane, a note per step and channel or
// listener event, an arrow from a goroutine's starter to it, and an arrow
// from each chan.close to every chan.recv it woke. Times and port numbers
// are left out, and a goroutine's participant is numbered by its name's
// rank among the diagram's goroutines, not by when it started (the
// post-start hooks start in a map's order), so diagrams of two runs of
// the same code have the same lines, though concurrent goroutines may
// order them differently.
func Mermaid(w io.Writer, t *Trace, o Options) error {
	bw := bufio.NewWriter(w)
	lanes := t.entries(o)
	var shown []*Lane // in start order
	for _, l := range t.Lanes {
		if _, ok := lanes[l]; ok {
			shown = append(shown, l)
		}
	}
	ids := map[*Lane]string{}
	byName := slices.Clone(shown)
	slices.SortStableFunc(byName, func(a, b *Lane) int { return strings.Compare(a.Name, b.Name) })
	goroutines := 0
	for _, l := range byName {
		if l.Span == nil {
			ids[l] = "main"
			continue
		}
		goroutines++
		ids[l] = fmt.Sprintf("g%d", goroutines)
	}
	fmt.Fprintln(bw, "sequenceDiagram")
	for _, l := range shown {
		if l.Span == nil {
			fmt.Fprintln(bw, "    participant main")
		} else {
			fmt.Fprintf(bw, "    participant %s as %s\n", ids[l], clean(l.Name))
		}
	}
	closedIn := map[string]string{} // chan.seq → the lane that closed it
	for _, e := range t.merged(lanes) {
		if line := mermaidLine(e, ids, closedIn); line != "" {
			fmt.Fprintln(bw, "    "+line)
		}
	}
	return bw.Flush()
}

// merged returns the entries of every lane, and an entry for each go
// statement, in time order.
func (t *Trace) merged(lanes map[*Lane][]entry) []entry {
	var all []entry
	for l, es := range lanes {
		if g := l.Span; g != nil {
			// The go statement ran inside the step that started g, though
			// g may first run after that step returned.
			at := g.Start
			if g.Parent != nil && g.Parent.End.Before(at) {
				at = g.Parent.End
			}
			all = append(all, entry{time: at, span: g})
		}
		all = append(all, es...)
	}
	sortEntries(all)
	return all
}

func mermaidLine(e entry, ids map[*Lane]string, closedIn map[string]string) string {
	s, here := e.span, ids[e.span.Lane]
	if e.event == nil {
		switch s.Kind() {
		case trace.KindGoroutine:
			from := "main"
			if s.Parent != nil && ids[s.Parent.Lane] != "" {
				from = ids[s.Parent.Lane]
			}
			return fmt.Sprintf("%s->>%s: go", from, here)
		}
		return fmt.Sprintf("Note over %s: %s", here, clean(s.Name))
	}
	a := e.event.Attrs
	name := clean(a[trace.ChanNameKey])
	switch e.event.Name {
	case trace.EventChanMake:
		return fmt.Sprintf("Note over %s: make %s", here, name)
	case trace.EventChanClose:
		closedIn[a[trace.ChanIDKey]] = here
		return fmt.Sprintf("Note over %s: close %s", here, name)
	case trace.EventChanWait:
		return fmt.Sprintf("Note over %s: wait on %s", here, name)
	case trace.EventChanRecv:
		if from, ok := closedIn[a[trace.ChanIDKey]]; ok {
			return fmt.Sprintf("%s-->>%s: %s closed", from, here, name)
		}
		return fmt.Sprintf("Note over %s: %s closed", here, name)
	case trace.EventListenerOpen:
		return fmt.Sprintf("Note over %s: listener open", here)
	case trace.EventListenerClose:
		return fmt.Sprintf("Note over %s: listener closed", here)
	case "exception":
		return fmt.Sprintf("Note over %s: PANIC %s", here, clean(a["exception.message"]))
	}
	return fmt.Sprintf("Note over %s: %s", here, clean(e.event.Name))
}

var (
	port   = regexp.MustCompile(`:\d+\b`)
	unsafe = strings.NewReplacer(";", ",", "#", "", ":", " -", "<", "‹", ">", "›", "\n", " ", "\r", " ")
)

// clean makes text safe in a Mermaid 8.13 message or label: no ';' or '#'
// (statement separator, entity), no ':' (message separator), no '<' or
// '>' (HTML), no line breaks, no ports.
func clean(s string) string {
	if strings.IndexByte(s, ':') >= 0 {
		s = port.ReplaceAllString(s, "")
	}
	return unsafe.Replace(s)
}
