// Traceview renders a walkthrough trace file for a person.
//
// Usage:
//
//	go run ./cmd/traceview [flags] [file]
//	go run ./cmd/traceview diff [flags] A.json B.json
//
// file defaults to walkthrough-trace.json, the walkthrough's default.
// The default text format is a timeline: the run's era (walkthrough.era,
// when the trace records one), then one lane per goroutine, the steps
// nested in each, channel and listener events, requests, all at times
// relative to the first span, then what was still open at the end.
// Requests of the same method, path and status are one line with their
// count, and the goroutines started for requests (one per request, by
// WithTimeout) are counted in the lane of the goroutine that served them,
// so a long --serve stays readable; --all lists each.
//
//	--format text|mermaid|html  mermaid: a sequence diagram for the book;
//	                            html: one self-contained page to open offline
//	-o, --output FILE           write to FILE instead of standard output
//	--chapter SLUG              only the steps of one chapter and their goroutines
//	--logs                      show log lines too
//	--requests                  show request spans (default true for text and html)
//	--all                       list every request and every goroutine started
//	                            for one, instead of counting them (text)
//	--lang en|zh                the language of the labels (default: the locale's);
//	                            what the run recorded is shown as it was recorded
//
// The html page draws the same lanes as swimlanes on a zoomable time axis,
// with arrows from each chan.close to the goroutines it woke; clicking a
// bar or marker shows its attributes, events and upstream file. It loads
// nothing from the network. The goroutines started for requests are
// grouped, and hidden, under the goroutine that served them; lanes can be
// filtered by name or by the step that started them, and nested steps
// folded. Its address can name a place to start: trace.html#span=ID (a
// span ID; every span's details link to it), #span=server.RunServer (the
// first span of that name), #chapter=runserver or #t=19.2-20.7
// (milliseconds).
//
// # Comparing two runs
//
//	go run ./cmd/traceview diff [flags] A.json B.json
//
// compares two runs, such as the same tour in two eras (--era=v1.7 and
// --era=modern) or with and without --break=slow-request. The text names
// each run (its era, how it ended), lists the steps, goroutines and
// channels only in A, only in B and in both, and then puts the two
// shutdowns side by side, from the close of stopCh: channel closes,
// listener closes, "Stopped listening on …", each request's end and
// app.Run's return, a row for what both runs did and a row of one run
// for what only it did. With --format html it writes one page with both
// runs' lanes on one time axis, each lane of A above its like in B.
// The same file twice, a copy of the same run, a trace that kubewalk did
// not write or that another version of it wrote, get one line on stderr
// and exit status 1.
//
// A file that is missing, empty, cut off or not a trace gets one line on
// stderr, "traceview: FILE: what is wrong", and exit status 1, and no
// output file is written; a command line that does not parse gets exit
// status 2.
package main
