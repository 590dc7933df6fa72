package view

import (
	"io"

	"github.com/kubewalk/kubewalk/trace/lang"
)

// DiffHTML writes d as one self-contained page, drawn as [HTML] draws a
// trace: the lanes of both runs on one time axis (each run's times from
// its own start), each lane of A above the lane of B with the same name,
// labelled A and B, and marked when the other run has none like it.
// Above them: each run's summary, the steps, goroutines and channels only
// in A, only in B and in both, and the two shutdowns side by side, as
// [DiffText] writes them. The options choose what is drawn as for [HTML].
func DiffHTML(w io.Writer, d *Diff, o Options) error {
	data, l := pageDataOf(o, d.A, d.B), o.Lang
	p := page{
		Lang:   l.Tag(),
		Title:  l.Sayf("kubewalk trace diff: %s and %s", eraOr(d.A, l), eraOr(d.B, l)),
		Lanes:  len(data.Lanes),
		Marks:  legendMarks,
		Style:  pageStyle,
		Script: pageScript,
		Words:  map[string]string{},
		Data:   data,
		Diff:   d.page(l),
	}
	return p.execute(w, l)
}

// diffPage is what the page of a diff shows above the timeline.
type diffPage struct {
	Runs     []diffRun
	Parts    []diffPart
	Shutdown []diffRow
	// NoShutdown says of each run whose stopCh never closed how it ended.
	NoShutdown []string
}

type diffRun struct {
	Side, Name string
	Summary    summary
}

// diffPart is one of steps, goroutines and channels: the names only in
// A, only in B and in both.
type diffPart struct {
	Title              string
	OnlyA, OnlyB, Both []string
}

type diffRow struct{ A, B diffCell }

// diffCell is a moment of a shutdown; Text is empty when the row has
// none for that run.
type diffCell struct {
	At, Text string
	Cut      bool
}

func (d *Diff) page(l lang.Lang) *diffPage {
	p := &diffPage{Runs: []diffRun{
		{"A", nameOr(d.NameA, "A"), d.A.summary(l)},
		{"B", nameOr(d.NameB, "B"), d.B.summary(l)},
	}}
	for _, part := range []struct {
		title string
		names []Compared
	}{
		{l.Say("steps"), d.Steps},
		{l.Say("goroutines (without the one per request WithTimeout starts)"), d.Goroutines},
		{l.Say("channels"), d.Channels},
	} {
		p.Parts = append(p.Parts, diffPart{part.title,
			counts(Only(part.names, "A")), counts(Only(part.names, "B")), counts(Only(part.names, ""))})
	}
	for _, r := range d.Shutdown {
		p.Shutdown = append(p.Shutdown, diffRow{r.A.cell(), r.B.cell()})
	}
	for _, m := range []struct {
		side string
		ms   []Moment
		t    *Trace
	}{{"A", d.ShutdownA, d.A}, {"B", d.ShutdownB, d.B}} {
		if m.ms == nil {
			p.NoShutdown = append(p.NoShutdown, l.Sayf("%s: stopCh never closed (the run ended %s)", m.side, ending(m.t, l)))
		}
	}
	return p
}

func counts(cs []Compared) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.count()
	}
	return out
}

func (m *Moment) cell() diffCell {
	if m == nil {
		return diffCell{}
	}
	return diffCell{At: "+" + ms(m.At), Text: m.Text, Cut: m.Cut}
}

func nameOr(name, side string) string {
	if name == "" {
		return side
	}
	return name
}

// eraOr is t's era, or says in l that it recorded none.
func eraOr(t *Trace, l lang.Lang) string {
	if era := t.Era(); era != "" {
		return era
	}
	return l.Say("not recorded")
}
