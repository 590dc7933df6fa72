package trace

// narration holds the words the kit itself says to a learner: in the
// console narration around what the steps log, and in what [Kit.Stats]
// reports as still open. The steps' own messages and notes are theirs;
// the kit's event names (chan.make, listener.open, …) stay as they are in
// the trace.
type narration struct {
	chapter          string // before a step's chapter in its header line
	main             string // the lane of the goroutine that called the first step
	note             string // marks a note's line
	closedBy         string // after a channel's name: who closes it
	goroutineStarted string // before the step whose go statement ran
	goroutineEnded   string
	startedBy        string // a live goroutine: the step that started it
	waitingOn        string // a live goroutine: the channel it blocks on
	or               string // between the channels of a select
	notClosed        string // a listener still open
	neverStopped     string // a live goroutine upstream never stops: before why
	panicked         string // the log line of a goroutine that panicked
}

// words is the narration in English, the one language for now: every
// string the kit writes for a learner is here, so that another language
// is another value of narration.
var words = narration{
	chapter:          "chapter",
	main:             "main",
	note:             "↳",
	closedBy:         "closed by",
	goroutineStarted: "goroutine started in",
	goroutineEnded:   "goroutine ended",
	startedBy:        "started by",
	waitingOn:        "waiting on",
	or:               "or",
	notClosed:        "not closed",
	neverStopped:     "upstream never stops it:",
	panicked:         "goroutine panicked: trace written, the process crashes next",
}

// The messages of the kit's own log lines, besides the channel and
// listener events, which use the event names. They are the vocabulary of
// the JSON log, like the event names, and are not translated.
const (
	msgStepStarted      = "step started"
	msgGoroutineStarted = "goroutine started"
	msgGoroutineEnded   = "goroutine ended"
)
