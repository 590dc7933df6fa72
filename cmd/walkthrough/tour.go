package main

import (
	"cmp"
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/kubewalk/kubewalk/chapters/options"
	"github.com/kubewalk/kubewalk/server"
	"github.com/kubewalk/kubewalk/trace"
	"github.com/kubewalk/kubewalk/trace/lang"
)

// tour is the walkthrough's default mode: a few requests that show which
// server of the chain answers which path, then a stand-in for Ctrl-C.
type tour struct {
	stopped atomic.Bool // the tour, not a person, sent the signal
	failed  atomic.Bool // the servers never answered the tour
}

// stoppedIt reports whether the tour sent the signal that stopped the run.
func (t *tour) stoppedIt() bool { return t.stopped.Load() }

// failedIt reports whether the tour stopped the run because the servers
// did not become healthy.
func (t *tour) failedIt() bool { return t.failed.Load() }

// readyWait bounds how long the tour waits for both ports to answer.
const readyWait = 10 * time.Second

// A request the tour sends, and what it shows with the aggregator and
// without it (KUBE_API_VERSIONS set), in English (lang.N).
type tourRequest struct {
	secure                 bool
	path                   string
	note, noAggregatorNote string
}

var tourRequests = []tourRequest{
	{false, "/apis/apiregistration.k8s.io/v1beta1",
		lang.N("the aggregator, first in the chain, serves its own group"),
		lang.N("no aggregator: nothing serves apiregistration.k8s.io, so the end of the chain answers 404")},
	{false, "/apis/apiextensions.k8s.io/v1beta1",
		lang.N("delegated twice: aggregator → kube-apiserver → apiextensions-apiserver"),
		lang.N("delegated once: kube-apiserver → apiextensions-apiserver")},
	{false, "/api/v1/namespaces",
		lang.N("delegated once, to kube-apiserver"),
		lang.N("kube-apiserver, first in the chain, serves the core group")},
	{false, "/no/such/path",
		lang.N("no server matched: the end of the chain, EmptyDelegate, answers 404"),
		lang.N("no server matched: the end of the chain, EmptyDelegate, answers 404")},
	{true, "/api/v1/namespaces",
		lang.N("the secure port: the same chain behind authentication and authorization (under the default AlwaysAllow, anonymous requests are off: 401)"),
		lang.N("the secure port: the same chain behind authentication and authorization (under the default AlwaysAllow, anonymous requests are off: 401)")},
}

// startTour starts the tour's goroutine unless serve is set. The goroutine
// waits until both ports answer /healthz (modern: /readyz, on the secure
// port, its only one), sends the tour's requests, then sends os.Interrupt
// on signals, and waits for the stand-in for the process exit. It ends
// early when ctx is done. With bounded, it gives up waiting after
// readyWait; without (the learner may be paused at a step for as long as
// they like) it waits on. When struck is not nil, the goroutine first
// waits for it to close: a fault must strike before the tour can stop
// the run. token, when not empty, is the tour's credential for the
// secure port (tourCredential). outage, when not nil, runs after the
// tour's watch is open, before the tour stops the run. With pauses
// (--until, --step), it waits for the --until pause to be over before its
// requests, and sends SIGINT instead of them if q was pressed. Once the
// ports answer and the post-start hooks are done, it shows
// /healthz?verbose and what the hooks made.
func startTour(ctx context.Context, s *options.ServerRunOptions, serve, bounded bool, signals chan<- os.Signal, struck <-chan struct{}, token string,
	outage tourOutage, pauses *stepper) *tour {
	t := &tour{}
	insecure, secure := bases(s)
	if serve {
		trace.Log(ctx).Info().Str("insecure", insecure).Str("secure", secure).
			Str(trace.LogNoteKey, lang.Say(ctx, "Ctrl-C closes stopCh; a second Ctrl-C exits at once")).
			Msg(lang.Say(ctx, "serving until SIGINT or SIGTERM"))
		return t
	}
	noAggregator := os.Getenv("KUBE_API_VERSIONS") != "" && s.Era != server.EraModern
	modernEra := s.Era == server.EraModern
	trace.Go(ctx, "tour: requests, then Ctrl-C", func(ctx context.Context) {
		transport := &http.Transport{
			// The secure port's certificate is self-signed: trust it
			// unchecked, as curl -k would.
			TLSClientConfig: &tls.Config{InsecureSkipVerify: true},
		}
		c := &http.Client{Timeout: 5 * time.Second, Transport: transport}
		authed := c // with the tour's token, when it has one
		if token != "" {
			authed = &http.Client{Timeout: c.Timeout, Transport: bearer{token, transport}}
		}
		defer c.CloseIdleConnections()
		if struck != nil {
			<-struck // a plain receive: the fault's join, not a channel of the story
		}
		var wait time.Duration // no deadline
		if bounded {
			wait = readyWait
		} else if !listening(ctx, insecure, secure) {
			return // Run failed while the learner was stepping through
		}
		ready := waitReady(ctx, c, wait, insecure, secure)
		if modernEra {
			ready = waitReadyz(ctx, authed, wait, secure)
		}
		if !ready || !waitHooks(ctx, wait) {
			if ctx.Err() == nil { // not Run failing: the servers never answered
				t.failed.Store(true)
				signals <- os.Interrupt
			}
			return
		}
		if pauses != nil && pauses.untilHook {
			// A pause in a hook's goroutine holds nothing else up: wait for it.
			select { // a plain select: the tour's own wait, not a channel of the story
			case <-pauses.untilPassed():
			case <-ctx.Done():
				return
			}
		}
		if pauses != nil && pauses.quitting() {
			trace.Log(ctx).Info().Str(trace.LogNoteKey, lang.Say(ctx, "q was pressed: the servers are up, so the shutdown finds the hooks done")).
				Msg(lang.Say(ctx, "sending SIGINT"))
			signals <- os.Interrupt
			return
		}
		if insecure != "" {
			showHealthz(ctx, c, insecure)
			showCluster(ctx, insecure, noAggregator)
		}
		for _, r := range tourRequests {
			base, client := insecure, c
			if r.secure {
				base = secure
			} else if modernEra { // no insecure port: the secure one, with the token
				base, client = secure, authed
			}
			note := r.note
			if noAggregator {
				note = r.noAggregatorNote
			} else if modernEra && r.path == "/no/such/path" {
				note = lang.N("no server matched: the end of the chain, the not-found handler modern gives NewEmptyDelegateWithCustomHandler, answers 404")
			}
			if base == "" {
				trace.Log(ctx).Info().Str("path", r.path).Msg(lang.Say(ctx, "skipped: that port is turned off"))
				continue
			}
			tourGet(ctx, client, base+r.path, lang.Say(ctx, note))
		}
		c.CloseIdleConnections()
		watchBase, watchToken := insecure, ""
		if modernEra {
			watchBase, watchToken = secure, token
		}
		w := watchNamespaces(ctx, watchBase, watchToken)
		if outage != nil {
			outage(ctx, c, insecure, w)
		}
		var slow *tourSlow
		if s.Break == options.BreakSlowRequest {
			slow = startSlowRequest(ctx, s.Era, c, authed, insecure, secure)
		}
		trace.Log(ctx).Info().
			Str(trace.LogNoteKey, lang.Say(ctx, "as Ctrl-C would: the signal handler closes stopCh and the cascade begins")).
			Msg(lang.Say(ctx, "tour done: sending SIGINT"))
		t.stopped.Store(true)
		signals <- os.Interrupt
		if modernEra && s.GenericServerRunOptions.ShutdownDelayDuration > 0 {
			probeDuringDelay(ctx, authed, secure)
		}
		standInForExit(ctx)
		slow.hangUp(ctx)
		w.close(ctx)
	})
	return t
}

// tourSlow is the --break=slow-request request.
type tourSlow struct {
	done   <-chan struct{} // closed when the request has ended
	cancel func()          // hangs up
	// answered: Run waited for the handler (v1.9 and later), so the
	// answer is on its way to the client even if not read yet.
	answered bool
}

// startSlowRequest starts the --break=slow-request request, which the
// server holds until the walkthrough releases it (injectFault), in a
// goroutine whose end done announces; it returns once the server is
// handling it, so the stop the tour sends next finds it in flight, or
// after readyWait. In v1.7 it goes to the insecure port; from v1.9 to the
// secure port, with the tour's token (authed), where WithWaitGroup counts
// it. Only the tour's hanging up, or the release, ends it.
func startSlowRequest(ctx context.Context, era server.Era, c, authed *http.Client, insecure, secure string) *tourSlow {
	base, client := cmp.Or(insecure, secure), c
	if era.Since(server.EraV19) {
		base, client = secure, authed
	}
	url := base + "/debug/walkthrough/slow"
	// Not cancelled when Run returns: only the tour's hanging up ends it.
	hangUp, cancel := context.WithCancel(context.Background())
	note := lang.Say(ctx, "answered after the listener closed: the server waited for it before exiting")
	if !era.Since(server.EraV19) {
		note = lang.Say(ctx, "answered after the listener closed: closing a listener does not end the requests in flight")
	}
	done := trace.Go(ctx, "tour: slow request", func(ctx context.Context) {
		tourGet(withValuesOf{hangUp, ctx}, client, url, note)
	})
	for deadline := time.Now().Add(readyWait); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
		st, _ := trace.StatsFrom(ctx)
		if slices.ContainsFunc(st.Open, func(o trace.Open) bool { return strings.Contains(o.Name, "/debug/walkthrough/slow") }) {
			break // the server's handler goroutine for it runs
		}
	}
	return &tourSlow{done: done, cancel: cancel, answered: era.Since(server.EraV19)}
}

// hangUp, at the stand-in for the process exit, hangs up the slow request
// if it is still in flight, as the exit would cut it (v1.7), and waits
// for its goroutine to end. From v1.9, Run has waited for the handler,
// which answered: the client is only still reading that answer, so the
// tour waits for it instead of cutting it (it did, now and then, under
// load: TestSlowRequestPerEra/v1.9 saw "no response: cut off").
func (s *tourSlow) hangUp(ctx context.Context) {
	if s == nil {
		return
	}
	if s.answered {
		<-s.done
	}
	select { // a plain select: the tour's own join, not a channel of the story
	case <-s.done:
	default:
		trace.Log(ctx).Info().Str(trace.LogNoteKey, lang.Say(ctx, "in v1.7 nothing waits for a request in flight: upstream's process exits "+
			"and cuts it off; here the tour's client hangs up in its place")).
			Msg(lang.Say(ctx, "tour: Run has returned and the slow request is still in flight: hanging up"))
		s.cancel()
		<-s.done
	}
	s.cancel()
}

// bases returns the base URLs of the insecure and the secure port, ""
// for a port that is turned off.
func bases(s *options.ServerRunOptions) (insecure, secure string) {
	base := func(scheme string, ip net.IP, port int, ln net.Listener) string {
		switch {
		case ln != nil:
			return scheme + "://" + ln.Addr().String()
		case port <= 0:
			return ""
		case ip.IsUnspecified():
			ip = net.IPv4(127, 0, 0, 1)
		}
		return scheme + "://" + net.JoinHostPort(ip.String(), strconv.Itoa(port))
	}
	return base("http", s.InsecureServing.BindAddress, s.InsecureServing.BindPort, s.InsecureServing.Listener),
		base("https", s.SecureServing.BindAddress, s.SecureServing.BindPort, s.SecureServing.Listener)
}

// listening waits, without a deadline, until every port that is on has
// opened its listener, so that the tour's requests do not show up in the
// middle of a paused startup. It reports false if ctx is done first.
func listening(ctx context.Context, bases ...string) bool {
	want := 0
	for _, b := range bases {
		if b != "" {
			want++
		}
	}
	for {
		if st, _ := trace.StatsFrom(ctx); st.ListenersOpened >= want {
			return true
		}
		select {
		case <-ctx.Done():
			return false
		case <-time.After(5 * time.Millisecond):
		}
	}
}

// waitReady polls /healthz on each port that is on until it answers 200,
// ctx is done or wait has passed (0: no deadline); it reports whether all
// answered. The first answer that says a check is failing (a post-start
// hook not yet finished, or the aggregator's APIServices not yet
// available) is logged, whole: /healthz is verbose when it fails.
func waitReady(ctx context.Context, c *http.Client, wait time.Duration, bases ...string) bool {
	deadline := time.Now().Add(wait)
	shown := false
	for _, base := range bases {
		if base == "" {
			continue
		}
		for {
			code, body, err := get(ctx, c, base+"/healthz")
			if err == nil && healthyCode(code) {
				break
			}
			if err == nil && code == http.StatusInternalServerError && !shown {
				shown = true
				trace.Log(ctx).Info().Int("status", code).Strs("failing", failingChecks(body)).Str(trace.LogNoteKey,
					lang.Say(ctx, "each post-start hook's check fails until the hook returns, autoregister-completion until every APIService it registers is Available")).
					Msg(lang.Sayf(ctx, "while the hooks run, GET %s/healthz answers %d", base, code))
			}
			if ctx.Err() != nil {
				return false
			}
			if wait > 0 && time.Now().After(deadline) {
				trace.Log(ctx).Error().Str("url", base+"/healthz").
					Msg(lang.Sayf(ctx, "tour: the server did not become healthy in %s; stopping it", wait))
				return false
			}
			time.Sleep(2 * time.Millisecond)
		}
	}
	return true
}

// waitHooks waits, for at most wait (0: no limit), until every post-start
// hook has returned, as the kit counts them, and every loop a hook started
// that upstream never stops (the bootstrap controller's) has made its
// first run and waits for the next. Without the insecure port the tour
// cannot read /healthz (the secure port refuses anonymous requests); and
// a SIGINT while a loop's first run is under way would cut its requests
// off, at random, in the middle.
func waitHooks(ctx context.Context, wait time.Duration) bool {
	deadline := time.Now().Add(wait)
	for {
		st, ok := trace.StatsFrom(ctx)
		started := st.Counts[server.CountHooksStarted]
		if !ok || started > 0 && st.Counts[server.CountHooksDone] == started && !slices.ContainsFunc(st.Open, running) {
			return true
		}
		if ctx.Err() != nil {
			return false
		}
		if wait > 0 && time.Now().After(deadline) {
			trace.Log(ctx).Error().
				Msg(lang.Sayf(ctx, "tour: the post-start hooks were not done in %s; stopping the server", wait))
			return false
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// running reports whether o is a loop of the bootstrap controller, which
// v1.7 never stops, that is not waiting on a channel: its first run is
// not over. (The watch caches' goroutines, never stopped either, wait in
// plain selects and reflectors: they are not the hooks' to wait for.)
func running(o trace.Open) bool {
	return o.Kind == "goroutine" && strings.HasPrefix(o.Name, "bootstrap: ") && o.WaitingOn == ""
}

// failingChecks returns the checks a failing /healthz body names: its
// "[-]<name> failed: reason withheld" lines.
func failingChecks(body string) []string {
	var failing []string
	for _, line := range strings.Split(body, "\n") {
		if name, ok := strings.CutPrefix(line, "[-]"); ok {
			name, _, _ = strings.Cut(name, " ")
			failing = append(failing, name)
		}
	}
	return failing
}

// healthyCode reports whether a /healthz status says the port is up. The
// secure port refuses an anonymous /healthz when anonymous requests are
// off (under AlwaysAllow, always): it is up all the same.
func healthyCode(code int) bool {
	return code == http.StatusOK || code == http.StatusUnauthorized || code == http.StatusForbidden
}

// get sends GET url and returns the status and the body.
func get(ctx context.Context, c *http.Client, url string) (int, string, error) {
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	resp, err := c.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body), err
}

// tourGet sends one request and logs who answered it, with note.
func tourGet(ctx context.Context, c *http.Client, url, note string) {
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	resp, err := c.Do(req)
	if err != nil && ctx.Err() != nil {
		trace.Log(ctx).Info().Msg(lang.Sayf(ctx, "GET %s → no response: cut off", url))
		return
	}
	if err != nil {
		trace.Log(ctx).Error().Err(err).Msg("GET " + url)
		return
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	trace.Log(ctx).Info().Int("status", resp.StatusCode).
		Str("servedBy", resp.Header.Get("X-Kubewalk-Served-By")).Str(trace.LogNoteKey, note).
		Msg(fmt.Sprintf("GET %s → %d", url, resp.StatusCode))
}

// withValuesOf is a context with the cancellation of its Context and the
// values of v: the tour's hang-up, with the trace kit and the goroutine's
// span.
type withValuesOf struct {
	context.Context
	v context.Context
}

func (c withValuesOf) Value(key any) any { return c.v.Value(key) }

// waitReadyz polls the modern secure port's /readyz, with the tour's
// token, until it answers 200 (its first success signals HasBeenReady), ctx
// is done or wait has passed (0: no deadline); it reports whether it did.
func waitReadyz(ctx context.Context, c *http.Client, wait time.Duration, base string) bool {
	deadline := time.Now().Add(wait)
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, base+"/readyz", nil)
		if resp, err := c.Do(req); err == nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return true
			}
		}
		if ctx.Err() != nil {
			return false
		}
		if wait > 0 && time.Now().After(deadline) {
			trace.Log(ctx).Error().Str("url", base+"/readyz").
				Msg(lang.Sayf(ctx, "tour: the server did not become healthy in %s; stopping it", wait))
			return false
		}
		time.Sleep(2 * time.Millisecond)
	}
}
