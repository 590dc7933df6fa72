package endpoints

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"time"

	"github.com/kubewalk/kubewalk/server/request"
	"github.com/kubewalk/kubewalk/trace"
	"github.com/kubewalk/kubewalk/trace/lang"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	oteltrace "go.opentelemetry.io/otel/trace"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/serializer/streaming"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/apimachinery/pkg/watch"
)

// The ways a watch ends, as the handler logs them ("reason"), in the
// learner's language: traceview diff shows what comes before the colon.
var (
	endClientGone = lang.N("client gone: the request's context is done (the client hung up, or its connection was cut)")
	endTimeout    = lang.N("timeout: the watch's time is up")
	endResultDone = lang.N("result channel closed: the storage ended the watch (after an ERROR event, such as 410 Gone)")
	endShutdown   = lang.N("server shutting down: NotAcceptingNewRequest (modern, with --shutdown-watch-termination-grace-period)")
)

// watchResource serves a watch, after upstream's ListResource with
// watch=true (or forceWatch, for the legacy /watch/ paths) and
// serveWatch: it starts the storage's watch and streams its events as
// metav1.WatchEvents, framed for the negotiated media type, until the
// client goes away, the timeout passes or the storage closes the result
// channel. Nothing else ends it: not stopCh, not the listener closing (in
// v1.7 as here; modern kube-apiserver drains watches at shutdown).
func (s *requestScope) watchResource(w http.ResponseWriter, r *http.Request, ri requestInfo) {
	opts, err := s.listOptions(r)
	if err != nil {
		WriteStatus(w, r, err)
		return
	}
	// v1.7 knows nothing of streaming lists; refuse them as a server
	// without the WatchList feature does, so that client-go falls back to
	// a list and a watch instead of waiting for a bookmark that never comes.
	if opts.SendInitialEvents != nil {
		WriteStatus(w, r, apierrors.NewInvalid(metav1.SchemeGroupVersion.WithKind("ListOptions").GroupKind(), "",
			field.ErrorList{field.Forbidden(field.NewPath("sendInitialEvents"),
				"sendInitialEvents is forbidden for watch unless the WatchList feature gate is enabled")}))
		return
	}
	// A watch of one object (/watch/<resource>/<name>) selects its name.
	if ri.name != "" {
		if opts.FieldSelector != nil && !opts.FieldSelector.Empty() {
			WriteStatus(w, r, apierrors.NewBadRequest("both a name and a field selector provided; please provide one or the other."))
			return
		}
		opts.FieldSelector = fields.OneTermEqualSelector("metadata.name", ri.name)
	}
	info, err := negotiateOutput(r, streamSerializers{s.serializer})
	if err != nil {
		WriteStatus(w, r, err)
		return
	}
	// --8<-- [start:timeout]
	timeout := time.Duration(0)
	if opts.TimeoutSeconds != nil {
		timeout = time.Duration(*opts.TimeoutSeconds) * time.Second
	}
	if timeout == 0 && s.minRequestTimeout > 0 {
		timeout = time.Duration(float64(s.minRequestTimeout) * (rand.Float64() + 1.0))
	}
	// --8<-- [end:timeout]
	trace.Log(r.Context()).Info().Msgf("Starting watch for %s, rv=%s labels=%v fields=%v timeout=%s",
		r.URL.Path, opts.ResourceVersion, opts.LabelSelector, opts.FieldSelector, timeout)
	watcher, err := s.store.Watch(outsideRequestSpan(r.Context()), opts)
	if err != nil {
		WriteStatus(w, r, err)
		return
	}
	s.serveWatch(w, r, watcher, info, timeout)
}

// serveWatch streams watcher's events to w until the watch ends, then
// stops watcher and logs why it ended. It is upstream's WatchServer.ServeHTTP.
func (s *requestScope) serveWatch(w http.ResponseWriter, r *http.Request, watcher watch.Interface,
	info runtime.SerializerInfo, timeout time.Duration) {
	defer stopAndDrain(watcher)
	flusher, ok := w.(http.Flusher)
	if !ok {
		WriteStatus(w, r, apierrors.NewInternalError(fmt.Errorf("unable to start watch - can't get http.Flusher: %T", w)))
		return
	}
	gv := s.kind.GroupVersion()
	framer := info.StreamSerializer.Framer.NewFrameWriter(w)
	e := streaming.NewEncoder(framer, s.serializer.EncoderForVersion(info.StreamSerializer.Serializer, gv))
	embeddedEncoder := s.serializer.EncoderForVersion(info.Serializer, gv)
	mediaType := info.MediaType
	if mediaType != runtime.ContentTypeJSON {
		mediaType += ";stream=watch"
	}
	timeoutCh := make(<-chan time.Time) // never: no timeout
	if timeout > 0 {
		t := time.NewTimer(timeout)
		defer t.Stop()
		timeoutCh = t.C
	}

	w.Header().Set("Content-Type", mediaType)
	w.Header().Set("Transfer-Encoding", "chunked")
	w.WriteHeader(http.StatusOK)
	flusher.Flush()

	ctx := r.Context()
	// --8<-- [start:loop]
	buf := &bytes.Buffer{}
	ch := watcher.ResultChan()
	// Modern only (from v1.27): nil, so never ready, unless the request
	// passed WithWatchTerminationDuringShutdown.
	serverShuttingDownCh := request.ServerShutdownSignalFrom(ctx)
	for {
		select {
		case <-serverShuttingDownCh:
			logWatchEnd(ctx, r, endShutdown)
			return
		case <-ctx.Done(): // upstream: CloseNotify
			logWatchEnd(ctx, r, endClientGone)
			return
		case <-timeoutCh:
			logWatchEnd(ctx, r, endTimeout)
			return
		case event, ok := <-ch:
			if !ok {
				logWatchEnd(ctx, r, endResultDone)
				return
			}
			if err := encodeEvent(e, embeddedEncoder, buf, event); err != nil {
				logWatchEnd(ctx, r, lang.Sayf(ctx, "client gone: %v", err))
				return
			}
			if len(ch) == 0 {
				flusher.Flush()
			}
		}
	}
	// --8<-- [end:loop]
}

// encodeEvent writes event as a metav1.WatchEvent whose object is encoded
// with embedded, as upstream does.
func encodeEvent(e streaming.Encoder, embedded runtime.Encoder, buf *bytes.Buffer, event watch.Event) error {
	buf.Reset()
	if err := embedded.Encode(event.Object, buf); err != nil {
		return fmt.Errorf("unable to encode watch object: %w", err)
	}
	out := &metav1.WatchEvent{Type: string(event.Type), Object: runtime.RawExtension{Raw: buf.Bytes()}}
	if err := e.Encode(out); err != nil {
		return fmt.Errorf("unable to encode watch object: %w", err)
	}
	return nil
}

// outsideRequestSpan returns ctx with the request's span, if it has one,
// replaced by its parent: the goroutine that serves the connection. A
// watch's goroutine started from it is that goroutine's child, as the
// request is, rather than the request's: a request's span ends only when
// its handler has returned, which may be after the watch's goroutine (or
// the whole run) ended, and a span must not outlive its parent's trace.
func outsideRequestSpan(ctx context.Context) context.Context {
	span, ok := oteltrace.SpanFromContext(ctx).(sdktrace.ReadOnlySpan)
	if !ok {
		return ctx
	}
	for _, kv := range span.Attributes() {
		if kv.Key == trace.KindKey && kv.Value.AsString() == trace.KindRequest {
			return oteltrace.ContextWithSpanContext(ctx, span.Parent())
		}
	}
	return ctx
}

// stopAndDrain stops watcher and waits until the storage has closed its
// result channel, so that the watch's goroutine has ended when the
// request does (upstream only stops it).
func stopAndDrain(watcher watch.Interface) {
	watcher.Stop()
	for range watcher.ResultChan() {
	}
}

func logWatchEnd(ctx context.Context, r *http.Request, reason string) {
	trace.Log(ctx).Info().Str("reason", lang.Say(ctx, reason)).Str("path", r.URL.Path).Msg(lang.Say(ctx, "watch ended"))
}

// streamSerializers offers only the media types a watch can be streamed
// in, as upstream's NegotiateOutputStreamSerializer does: JSON and
// protobuf, not YAML.
type streamSerializers struct {
	runtime.NegotiatedSerializer
}

func (s streamSerializers) SupportedMediaTypes() []runtime.SerializerInfo {
	var infos []runtime.SerializerInfo
	for _, info := range s.NegotiatedSerializer.SupportedMediaTypes() {
		if info.StreamSerializer != nil {
			infos = append(infos, info)
		}
	}
	return infos
}
