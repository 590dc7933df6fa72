// Package trace is the walkthrough's instrumentation kit: the few calls
// step code makes so that a run of the miniature kube-apiserver tells what
// it does — as a console narration while it runs, and as an OpenTelemetry
// trace for afterwards — without changing what it does.
//
// The kit of a run is a [Kit], built by [Setup] from a [Config] and carried
// to every step in the context ([Kit.Context]). Step code never holds the
// kit: it passes ctx, and every function here finds the kit there.
//
// # A step
//
// A step is one call of one of our functions that mirrors an upstream
// function. It declares the upstream function once, as an [Upstream] (name,
// file in kubernetes/kubernetes, tag, the chapter of the book), and opens
// the step first thing:
//
//	ctx, end := trace.Step(ctx, upstreamRunServer)
//	defer end(&err)
//
// The step is a span named after the upstream function (walkthrough.kind
// step), a child of the step that called it, ended with the function's
// error. The console opens it with a header line.
//
// # A goroutine
//
// [Go] stands for the go statement. The goroutine gets a span of its own,
// a child of the step that started it, from the moment it runs until fn
// returns; the kit counts it as live meanwhile ([Kit.Stats], [Kit.Wait]),
// and the channel Go returns is closed when it ends. A goroutine that
// panics is recorded, the trace is written, and the panic goes on.
//
// A goroutine that runs an upstream function of its own, as a post-start
// hook's goroutine runs the hook, says so first thing with [Mirroring]:
// its span then carries the upstream function as a step's does. One that
// upstream never stops is started with the option [NeverStopped], saying
// why: [Kit.Wait] does not wait for it, and the summary lists it as still
// running; only tests stop it, with [Kit.StopNeverStopped].
//
// Where upstream calls glog.Fatalf, [Fatalf] logs the line, writes the
// trace and exits 255. An in-process client's round tripper, wrapped with
// [Transport], records each request as a client span of the goroutine
// that sent it, and the server's request span as that span's child.
//
// # A channel event
//
// The channel operations are the operation they record: [Make] returns
// the channel it is given, named as upstream names it, with who will close
// it; [Recv] receives; [Close] closes; [Select] and [Selected] record a
// select statement around it. Each is an event on the span in ctx:
// chan.make, chan.wait and chan.recv around a receive, chan.close before
// the close. [ListenerOpen] and [CloseListener] do the same for a port's
// listener. So step code keeps upstream's shape, one line per operation:
// upstream's go func() { <-stopCh; close(internalStopCh) }() is
//
//	trace.Go(ctx, "NonBlockingRun: close internalStopCh on stopCh", func(ctx context.Context) {
//		trace.Recv(ctx, stopCh)
//		trace.Close(ctx, internalStopCh)
//	})
//
// Every event the kit records — these, log lines, exceptions — carries
// walkthrough.event.seq ([EventSeqKey]): 1, 2, … across all the spans of
// one kit, taken at the operation itself. Sorted by it, the events are in
// the order things happened: a close before the receives it wakes, a
// listener's close before its serve goroutine's "Stopped listening".
//
// # A log line
//
// [Log] returns the zerolog logger of the step or goroutine in ctx. Its
// lines carry the fields step, upstream and goroutine; they go to the log
// ([Config.Log]: the console narration, or JSON) and are events on the
// span, named by the message. Messages that upstream logs keep upstream's
// words, so a reader can grep upstream for them; what the book adds goes
// in the note field ([LogNoteKey]). The notes, our own messages and the
// kit's narration are said in the run's language ([Config.Lang], carried
// in ctx): lang.Say(ctx, "…") around every one of them, never around
// upstream's (package lang).
//
// # What is free when tracing is off
//
// Without a kit in ctx every function is a context lookup and records
// nothing: [Go] still starts its goroutine, the channel and listener
// operations still operate, and [Step] returns ctx as it is. A kit with no
// trace file and no log keeps only its bookkeeping, so that [Kit.Wait]
// and the summary still work: a step allocates the context that carries
// it, [Go] and [Make] add an entry to the kit's registry, and [Log] and
// [Recv] allocate nothing. [Request] returns the request
// unchanged unless the kit records spans and was set up with
// [Config.Requests]. The benchmarks in this package measure each case,
// and a test pins the allocations.
//
// # Adding a step
//
//  1. Read the upstream function at the tag the walkthrough mirrors, and
//     declare it, through the [UpstreamFile] of its file:
//     var upstreamX = someFileGo.Func("pkg.Func").
//  2. Give the function a ctx as first parameter, and open the step first
//     thing: ctx, end := trace.Step(ctx, upstreamX); defer end(&err).
//  3. Write upstream's code with the kit's operations for go statements
//     and channels, and upstream's log messages through trace.Log(ctx),
//     with a note where the learner needs one, said with lang.Say and
//     given its Chinese in trace/lang/zh.go.
//  4. Tell the walkthrough about it: its place in cmd/walkthrough's
//     stepOrder (for --step and --until), the chapter's steps in the book's
//     transcript test, and the chapter itself.
package trace
