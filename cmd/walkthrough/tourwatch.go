package main

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/kubewalk/kubewalk/trace"
	"github.com/kubewalk/kubewalk/trace/lang"
)

// tourWatch is the tour's watch on namespaces: a client like kubectl get
// ns -w, whose stream the tour reads event by event.
type tourWatch struct {
	body   io.ReadCloser
	dec    *json.Decoder
	hangUp context.CancelFunc // ends the request
}

// watchNamespaces opens a watch on base's namespaces (the insecure port,
// or modern's secure port with the tour's token), then creates and
// deletes a namespace and reads each event the watch delivers. The watch
// stays open: hangUp ends it. It returns nil if the port is off or the
// watch could not be opened.
func watchNamespaces(ctx context.Context, base, token string) *tourWatch {
	if base == "" {
		trace.Log(ctx).Info().Msg(lang.Say(ctx, "tour: the watch is skipped: the insecure port is turned off"))
		return nil
	}
	url := base + "/api/v1/namespaces"
	// A transport of its own, so that no connection outlives the tour.
	var transport http.RoundTripper = &http.Transport{DisableKeepAlives: true,
		TLSClientConfig: &tls.Config{InsecureSkipVerify: true}} // the secure port's self-signed certificate, as curl -k
	if token != "" {
		transport = bearer{token, transport}
	}
	c := &http.Client{Transport: transport}
	// As kubectl get ns -w does: list, then watch from the list's
	// resourceVersion, so that the watch sends only what changes next
	// (from no resourceVersion it would first send every namespace the
	// bootstrap controller made).
	rv, err := listResourceVersion(ctx, c, url)
	if err != nil {
		trace.Log(ctx).Error().Err(err).Msg("tour: GET " + url)
		return nil
	}
	// The request ends when the tour hangs up, not when the run's context
	// is done, so that the log says which came first.
	reqCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	// timeoutSeconds as an informer sends it (client-go picks 5 to 10
	// minutes); without it the server picks one at random.
	watchURL := url + "?watch=1&timeoutSeconds=600&resourceVersion=" + rv
	req, _ := http.NewRequestWithContext(reqCtx, http.MethodGet, watchURL, nil)
	resp, err := transport.RoundTrip(req)
	if err != nil {
		cancel()
		trace.Log(ctx).Error().Err(err).Msg("tour: GET " + watchURL)
		return nil
	}
	trace.Log(ctx).Info().Int("status", resp.StatusCode).
		Str(trace.LogNoteKey, lang.Say(ctx, "a watch: long-running, so no request timeout and no in-flight limit; it stays open")).
		Msgf("GET %s → %d", watchURL, resp.StatusCode)
	w := &tourWatch{body: resp.Body, dec: json.NewDecoder(resp.Body), hangUp: cancel}
	tourSend(ctx, c, http.MethodPost, url, `{"metadata":{"name":"walkthrough"}}`)
	w.next(ctx)
	tourSend(ctx, c, http.MethodDelete, url+"/walkthrough", "")
	w.next(ctx)
	return w
}

// listResourceVersion lists url and returns the list's resourceVersion.
func listResourceVersion(ctx context.Context, c *http.Client, url string) (string, error) {
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	resp, err := c.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	var list struct {
		Metadata struct{ ResourceVersion string }
	}
	if err := json.NewDecoder(resp.Body).Decode(&list); err != nil {
		return "", err
	}
	return list.Metadata.ResourceVersion, nil
}

// next reads the watch's next event and logs it.
func (w *tourWatch) next(ctx context.Context) {
	var event struct {
		Type   string
		Object struct {
			Metadata struct{ Name, ResourceVersion string }
		}
	}
	if err := w.dec.Decode(&event); err != nil {
		trace.Log(ctx).Error().Err(err).Msg(lang.Say(ctx, "tour: reading the watch"))
		return
	}
	m := event.Object.Metadata
	trace.Log(ctx).Info().Str("resourceVersion", m.ResourceVersion).
		Msg(lang.Sayf(ctx, "watch event %s %s", event.Type, m.Name))
}

// close, once the process exit stand-in has come (standInForExit), hangs
// up if the watch is still open: that is what ends a watch still open at
// shutdown in v1.7 and v1.9. In modern, the shutdown ended it already
// (--shutdown-watch-termination-grace-period), and close says so.
func (w *tourWatch) close(ctx context.Context) {
	if w == nil {
		return
	}
	if !watchesOpen(ctx) {
		trace.Log(ctx).Info().Str(trace.LogNoteKey, lang.Say(ctx, "modern: NotAcceptingNewRequest ended it, and the shutdown waited for it "+
			"(--shutdown-watch-termination-grace-period)")).
			Msg(lang.Say(ctx, "tour: the server ended the watch at shutdown"))
		w.hangUp()
		w.body.Close()
		return
	}
	trace.Log(ctx).Info().Str(trace.LogNoteKey, lang.Say(ctx, "stopCh and the listeners' close did not end it: in v1.7 the process exit does, "+
		"here the tour's client hangs up in its place (modern kube-apiserver drains watches at shutdown)")).
		Msg(lang.Say(ctx, "tour: Run has returned and the watch is still open: hanging up"))
	w.hangUp()
	w.body.Close()
	// The server notices, and its watch goroutine ends: wait for it, so
	// that the tour ends after the watch it started.
	for deadline := time.Now().Add(exitWait / 2); watchesOpen(ctx) && time.Now().Before(deadline); {
		time.Sleep(time.Millisecond)
	}
}

// watchesOpen reports whether the kit in ctx knows a client's watch
// goroutine that has not ended.
func watchesOpen(ctx context.Context) bool {
	st, _ := trace.StatsFrom(ctx)
	return slices.ContainsFunc(st.Open, isClientWatch)
}

// isClientWatch reports whether o is the goroutine of a client's watch:
// the watch cache's cacheWatcher.process, or, without the watch cache,
// the storage's watchChan.run. The watch cache's own watch of the
// storage, which upstream never stops, is not.
func isClientWatch(o trace.Open) bool {
	return o.Kind == "goroutine" && o.NeverStopped == "" &&
		(strings.HasPrefix(o.Name, "cacheWatcher.process") || strings.HasPrefix(o.Name, "watchChan.run"))
}

// tourSend sends one write and logs its answer.
func tourSend(ctx context.Context, c *http.Client, method, url, body string) {
	req, _ := http.NewRequestWithContext(ctx, method, url, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.Do(req)
	if err != nil {
		trace.Log(ctx).Error().Err(err).Msg(method + " " + url)
		return
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	trace.Log(ctx).Info().Int("status", resp.StatusCode).Msgf("%s %s → %d", method, url, resp.StatusCode)
}

// othersRunning reports whether a listener is still open, or a goroutine
// other than the tour's, the watches' and those upstream never stops.
func othersRunning(ctx context.Context) bool {
	st, ok := trace.StatsFrom(ctx)
	if !ok {
		return false
	}
	for _, o := range st.Open {
		if o.Kind == "listener" || o.Kind == "goroutine" && o.NeverStopped == "" &&
			!isClientWatch(o) && !strings.HasPrefix(o.Name, "tour:") &&
			!shutdownWaiter(o.Name) && !strings.Contains(o.Name, "/debug/walkthrough/slow") {
			return true
		}
	}
	return false
}
