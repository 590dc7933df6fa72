// Traceview renders a walkthrough trace file for a person.
//
// Usage:
//
//	go run ./cmd/traceview [flags] [file]
//
// file defaults to walkthrough-trace.json, the walkthrough's default.
// The default text format is a timeline: one lane per goroutine, the steps
// nested in each, channel and listener events, requests, all at times
// relative to the first span, then what was still open at the end.
//
//	--format text|mermaid  mermaid: a sequence diagram for the book
//	--chapter SLUG         only the steps of one chapter and their goroutines
//	--logs                 show log lines too
//	--requests             show request spans (default true for text)
//
// A file that is missing, empty, cut off or not a trace gets one line on
// stderr, "traceview: FILE: what is wrong", and exit status 1; a command
// line that does not parse gets exit status 2.
package main
