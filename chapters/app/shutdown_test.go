package app_test

import (
	"bufio"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/kubewalk/kubewalk/chapters/app"
	"github.com/kubewalk/kubewalk/chapters/options"
	"github.com/kubewalk/kubewalk/trace"
	"github.com/kubewalk/kubewalk/trace/kittest"
	corev1 "k8s.io/api/core/v1"
)

// loadToken authenticates the test's requests on the secure port, where
// anonymous requests may be refused.
const loadToken = "load-token"

// TestShutdownUnderLoad closes stopCh while clients keep both ports busy
// and one request on each port is in flight, its headers half sent.
//
// Closing stopCh closes only the listeners (RunServer, as upstream), so:
// the requests in flight and the connections already accepted are
// answered whole; a request may fail only because its connection never
// reached the server (a refused dial, or a connection reset while it was
// still queued on the closed listener), and only once stopCh is closed;
// and a fresh dial after the listeners closed is refused.
func TestShutdownUnderLoad(t *testing.T) {
	ctx, rec := kittest.New(t)
	s := options.NewServerRunOptions(ctx)
	s.InsecureServing.Listener, s.SecureServing.Listener = listen(t), listen(t)
	s.Authentication.TokenFile = writeTokenFile(t)
	addrs := []string{s.InsecureServing.Listener.Addr().String(), s.SecureServing.Listener.Addr().String()}
	urls := []string{"http://" + addrs[0] + "/api/v1/namespaces", "https://" + addrs[1] + "/api/v1/namespaces"}
	stopCh := make(chan struct{})
	runErr := make(chan error, 1)
	ran := trace.Go(ctx, "test: app.Run", func(ctx context.Context) { runErr <- app.Run(ctx, s, stopCh) })

	l := &load{client: &http.Client{Timeout: kittest.Deadline, Transport: &http.Transport{
		TLSClientConfig: &tls.Config{InsecureSkipVerify: true}, // self-signed
	}}}
	defer l.client.CloseIdleConnections()
	halves := []*halfSent{sendHalf(t, addrs[0], false), sendHalf(t, addrs[1], true)}
	loaded := l.start(t, urls, 8, 200)
	waitUntil(t, "the load to build up", func() bool { return l.whole.Load() >= 400 })

	l.stopping.Store(true)
	close(stopCh)
	kittest.Await(t, ran, "app.Run to return")
	if err := <-runErr; err != nil {
		t.Errorf("Run = %v; want nil", err)
	}
	for _, addr := range addrs {
		waitUntil(t, "the listener on "+addr+" to close", func() bool {
			return strings.Contains(rec.Logs(), "Stopped listening on "+addr)
		})
		if c, err := net.Dial("tcp", addr); !errors.Is(err, syscall.ECONNREFUSED) {
			if err == nil {
				c.Close()
			}
			t.Errorf("dial %s after the listener closed = %v; want connection refused", addr, err)
		}
	}
	for _, h := range halves {
		h.finish(t)
	}

	kittest.Await(t, loaded, "the clients to finish")
	l.client.CloseIdleConnections()
	stopNeverStopped(t, rec)
	t.Log(l.report())
	st := rec.Kit.Stats()
	if st.ListenersClosed != 2 || slices.ContainsFunc(st.Open, func(o trace.Open) bool { return o.NeverStopped == "" }) {
		t.Errorf("Stats() = %+v; want both listeners closed and nothing open but what v1.7 never stops", st)
	}
	rec.Kit.StopNeverStopped() // the watch caches
	rec.Wait(t)
}

// load sends GETs from several clients and sorts what came back by when
// each request started: before or after the test began closing stopCh.
type load struct {
	client   *http.Client
	stopping atomic.Bool // set just before stopCh is closed
	whole    atomic.Int64

	mu       sync.Mutex
	outcomes [2]map[string]int // [started after stopping] outcome → count
}

// start runs clients goroutines of n requests each, spread over urls,
// and returns a channel closed when all have ended. A request whose
// outcome is not allowed fails the test and ends its client.
func (l *load) start(t *testing.T, urls []string, clients, n int) <-chan struct{} {
	l.outcomes = [2]map[string]int{{}, {}}
	var wg sync.WaitGroup
	for i := range clients {
		url := urls[i%len(urls)]
		wg.Go(func() {
			for range n {
				after := l.stopping.Load()
				outcome, err := l.get(url)
				if err != nil {
					t.Errorf("GET %s (started %s stopCh closed): %v", url, map[bool]string{false: "before", true: "after"}[after], err)
					return
				}
				l.mu.Lock()
				l.outcomes[b2i(after)][outcome]++
				l.mu.Unlock()
			}
		})
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	return done
}

// get sends one GET and returns its outcome: "whole" (200 and a namespace
// list read to its end), "refused" (the dial was refused) or "reset"
// (the connection was reset before the server read any of it). Any other
// end, or a refusal or reset before stopCh closed, is an error.
func (l *load) get(url string) (string, error) {
	var connected, reused, answered atomic.Bool
	req, err := http.NewRequestWithContext(httptrace.WithClientTrace(context.Background(), &httptrace.ClientTrace{
		GotConn:              func(i httptrace.GotConnInfo) { connected.Store(true); reused.Store(i.Reused) },
		GotFirstResponseByte: func() { answered.Store(true) },
	}), http.MethodGet, url, nil)
	if err != nil {
		return "", err
	}
	req.Header.Set("Authorization", "Bearer "+loadToken)
	resp, err := l.client.Do(req)
	if err == nil {
		defer resp.Body.Close()
		var list corev1.NamespaceList
		if err := json.NewDecoder(resp.Body).Decode(&list); err != nil || resp.StatusCode != http.StatusOK {
			return "", fmt.Errorf("status %d, body %v: want 200 and a whole namespace list", resp.StatusCode, err)
		}
		l.whole.Add(1)
		return "whole", nil
	}
	// The listener's backlog is reset when it closes: a connection still
	// queued there was never accepted, so the server read none of it.
	queuedReset := errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) || errors.Is(err, io.EOF)
	var outcome string
	switch {
	case !connected.Load() && errors.Is(err, syscall.ECONNREFUSED):
		outcome = "refused"
	case !connected.Load() && queuedReset: // in the TLS handshake
		outcome = "reset"
	case connected.Load() && !reused.Load() && !answered.Load() && queuedReset:
		outcome = "reset"
	default:
		return "", fmt.Errorf("%w (connected %t, reused %t, answered %t): want a whole response, a refused dial, "+
			"or a reset of a connection the server never accepted", err, connected.Load(), reused.Load(), answered.Load())
	}
	if !l.stopping.Load() {
		return "", fmt.Errorf("%s before stopCh was closed: %w", outcome, err)
	}
	return outcome, nil
}

// report says what the load saw, by when each request started.
func (l *load) report() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return fmt.Sprintf("started before stopCh closed: %v; started after: %v", l.outcomes[0], l.outcomes[1])
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// halfSent is a connection the server has accepted (it answered a first
// request on it) on which a second request's headers are half written:
// a request in flight.
type halfSent struct {
	addr string
	conn net.Conn
	r    *bufio.Reader
}

const requestLine = "GET /api/v1/namespaces HTTP/1.1\r\nHost: kubewalk\r\n"

func sendHalf(t *testing.T, addr string, secure bool) *halfSent {
	t.Helper()
	conn, err := net.DialTimeout("tcp", addr, kittest.Deadline)
	if err != nil {
		t.Fatal(err)
	}
	if secure {
		conn = tls.Client(conn, &tls.Config{InsecureSkipVerify: true})
	}
	t.Cleanup(func() { conn.Close() })
	conn.SetDeadline(time.Now().Add(kittest.Deadline))
	h := &halfSent{addr: addr, conn: conn, r: bufio.NewReader(conn)}
	h.write(t, requestLine+"Authorization: Bearer "+loadToken+"\r\n\r\n")
	h.readWhole(t)
	h.write(t, requestLine)
	return h
}

// finish writes the rest of the request and wants a whole answer.
func (h *halfSent) finish(t *testing.T) {
	t.Helper()
	h.write(t, "Authorization: Bearer "+loadToken+"\r\n\r\n")
	h.readWhole(t)
}

func (h *halfSent) write(t *testing.T, s string) {
	t.Helper()
	if _, err := io.WriteString(h.conn, s); err != nil {
		t.Fatalf("%s: writing a request: %v", h.addr, err)
	}
}

func (h *halfSent) readWhole(t *testing.T) {
	t.Helper()
	resp, err := http.ReadResponse(h.r, nil)
	if err != nil {
		t.Fatalf("%s: the request in flight got no response: %v", h.addr, err)
	}
	defer resp.Body.Close()
	var list corev1.NamespaceList
	if err := json.NewDecoder(resp.Body).Decode(&list); err != nil || resp.StatusCode != http.StatusOK {
		t.Errorf("%s: the request in flight got status %d, body %v; want 200 and a whole namespace list", h.addr, resp.StatusCode, err)
	}
}

// writeTokenFile writes a token file that authenticates loadToken.
func writeTokenFile(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "tokens.csv")
	if err := os.WriteFile(path, []byte(loadToken+",loader,1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// waitUntil polls cond until it holds, failing the test after
// kittest.Deadline.
func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(kittest.Deadline)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("waited %v for %s", kittest.Deadline, what)
		}
		time.Sleep(time.Millisecond)
	}
}
