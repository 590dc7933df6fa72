package trace

// What the kit itself says to a learner, in the console narration and in
// what [Kit.Stats] reports as open, goes through package lang, in the
// language of Config.Lang. The steps' own messages and notes are theirs;
// the kit's event names (chan.make, listener.open, …) stay as they are in
// the trace.

// noteMark opens a note's line in the console; mainLane names the lane of
// the goroutine that called the first step, as goroutines are named, in
// every language.
const (
	noteMark = "↳"
	mainLane = "main"
)

// The messages of the kit's own log lines, besides the channel and
// listener events, which use the event names. They are the vocabulary of
// the JSON log, like the event names, and are not translated.
const (
	msgStepStarted      = "step started"
	msgGoroutineStarted = "goroutine started"
	msgGoroutineEnded   = "goroutine ended"
)
