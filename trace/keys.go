package trace

// The vocabulary of a walkthrough trace. Spans and events use these names and
// attribute keys; cmd/traceview and the tests read them back. Where
// OpenTelemetry's semantic conventions have a key (code.*, network.*,
// exception.*), the kit uses that one instead of inventing its own.
const (
	// KindKey says what a span stands for: one of the Kind* values.
	KindKey = "walkthrough.kind"

	KindStep      = "step"      // a call of a function that mirrors an upstream one
	KindGoroutine = "goroutine" // a goroutine started through [Go]
	KindRequest   = "request"   // an HTTP request served by the miniature server
	KindSummary   = "summary"   // the last span of a run: counts and what was left open

	// EraKey is a resource attribute, on every span of a run: the
	// Kubernetes version the run mirrors, v1.7, v1.9 or modern.
	EraKey = "walkthrough.era"

	// Step spans.
	UpstreamFunctionKey = "walkthrough.upstream.function" // e.g. server.RunServer
	UpstreamFileKey     = "walkthrough.upstream.file"     // path in kubernetes/kubernetes
	UpstreamRefKey      = "walkthrough.upstream.ref"      // the tag the step mirrors, e.g. v1.7.0
	ChapterKey          = "walkthrough.chapter"           // the chapter slug, e.g. runserver

	// Goroutine spans; one that called [Mirroring] also carries the step
	// span's walkthrough.upstream.* and walkthrough.chapter.
	GoroutineNameKey = "goroutine.name"
	GoroutineIDKey   = "goroutine.seq"             // 1, 2, … in start order within one kit
	NeverStoppedKey  = "walkthrough.never_stopped" // why upstream never stops it ([NeverStopped])
	StillRunningKey  = "walkthrough.still_running" // true: the span was ended at Shutdown, the goroutine still running

	// Channel events and their attributes.
	EventChanMake  = "chan.make"
	EventChanClose = "chan.close" // recorded just before close(ch)
	EventChanWait  = "chan.wait"  // recorded just before a blocking <-ch
	EventChanRecv  = "chan.recv"  // recorded just after <-ch returned
	ChanNameKey    = "chan.name"  // the upstream variable name: stopCh, internalStopCh, …
	ChanOwnerKey   = "chan.owner" // the goroutine or step that will close it
	ChanIDKey      = "chan.seq"   // tells two channels with the same name apart

	// Listener events; their attributes are network.transport,
	// network.local.address and network.local.port.
	EventListenerOpen  = "listener.open"
	EventListenerClose = "listener.close"

	// EventRequestCut is on a request span whose request ended without a
	// response because its connection was gone (the client hung up, or
	// stood in for a process exit that cuts it off).
	EventRequestCut = "request.cut"

	// EventSeqKey is on every event the kit records (channel and listener
	// events, log lines, exceptions, still.open): 1, 2, … in the order the
	// operations happened, across all the spans of one kit.
	EventSeqKey = "walkthrough.event.seq"

	// Log lines recorded on a span carry these besides the line's own fields.
	LogLevelKey = "log.level"

	// Annotated log fields (zerolog), also recorded on the span.
	LogStepKey     = "step"     // the upstream function of the enclosing step
	LogUpstreamKey = "upstream" // upstream file@ref of the enclosing step
	LogNoteKey     = "note"     // a one-sentence teaching annotation
	LogGoroutine   = "goroutine"
	LogChapterKey  = "chapter" // on the line that starts a step: its chapter

	// The summary span.
	SummarySpanName      = "walkthrough.summary"
	EndingKey            = "walkthrough.ending" // one of the Ending values
	StepsKey             = "walkthrough.steps"
	GoroutinesStartedKey = "walkthrough.goroutines.started"
	GoroutinesEndedKey   = "walkthrough.goroutines.ended"
	ChansMadeKey         = "walkthrough.chans.made"
	ChansClosedKey       = "walkthrough.chans.closed"
	ListenersOpenedKey   = "walkthrough.listeners.opened"
	ListenersClosedKey   = "walkthrough.listeners.closed"
	CountKeyPrefix       = "walkthrough.count." // then a counter's name ([Count])
	EventStillOpen       = "still.open"         // one per goroutine, channel or listener left open
	StillOpenKindKey     = "open.kind"          // goroutine, chan or listener
	StillOpenNameKey     = "open.name"
	StillOpenDetailKey   = "open.detail"
	StillOpenSpanIDKey   = "open.span_id"       // on a step still running: its span, absent from the trace; on a never-stopped goroutine: its span, ended at Shutdown
	StillOpenNeverKey    = "open.never_stopped" // on what upstream never stops or closes: why
	StillOpenOwnerKey    = "open.owner"         // on a channel: the goroutine or step that closes it

	// Requests served without a span (Config.MaxRequestSpans): on the
	// summary span, how many had one and how many did not, and an event
	// per method, path and status counted, with http.request.method,
	// url.path, http.response.status_code and these.
	RequestsRecordedKey     = "walkthrough.requests.recorded"
	RequestsUnrecordedKey   = "walkthrough.requests.unrecorded"
	RequestSpansLimitKey    = "walkthrough.requests.limit"        // 0: no limit
	GoroutinesUnrecordedKey = "walkthrough.goroutines.unrecorded" // started for those requests, without a span
	EventRequestsCounted    = "requests.counted"
	RequestsCountKey        = "requests.count"
	LatencyP50Key           = "requests.latency.p50_ms"
	LatencyP90Key           = "requests.latency.p90_ms"
	LatencyP99Key           = "requests.latency.p99_ms"
	LatencyMaxKey           = "requests.latency.max_ms"
)

// Ending says how a run ended; it is recorded on the summary span.
type Ending string

// The ways a run can end.
const (
	EndNormal       Ending = "normal"        // the tour stopped the server itself and Run returned nil
	EndSignal       Ending = "signal"        // a SIGINT or SIGTERM stopped the server and Run returned nil
	EndSecondSignal Ending = "second signal" // a second signal cut the shutdown short: exit 1
	EndError        Ending = "error"         // a step returned an error (a port in use, bad input, …)
	EndPanic        Ending = "panic"         // a goroutine panicked; the process dies after the summary is written
	EndFatal        Ending = "fatal"         // a fatal log line (upstream's glog.Fatalf) ended the process: exit 255
)
