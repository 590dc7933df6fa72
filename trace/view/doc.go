// Package view reads a walkthrough trace file and renders it for a person:
// as text, one lane per goroutine ([Text]), as a Mermaid sequence diagram
// ([Mermaid]), or as a self-contained HTML timeline page ([HTML]).
//
// A trace file is what the kit's stdouttrace exporter writes: a stream of
// JSON objects, one per span, in the order the spans ended, pretty-printed
// or one per line. [Read] accepts both, and refuses anything else with an
// error that says what is wrong and where.
//
// A lane is a goroutine: the spans of kind goroutine (see package trace)
// each open one, and every step, event and request belongs to the lane of
// its nearest goroutine ancestor, or to the main lane when it has none.
package view
