package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/kubewalk/kubewalk/server/storage/etcd3/etcdtest"
	"github.com/kubewalk/kubewalk/trace"
	"github.com/kubewalk/kubewalk/trace/kittest"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// The tests of a walkthrough on a real etcd, as a child process (see
// child): Debian's etcd, started by etcdtest on ports it picks.

// TestEtcdKilledWhileServing kills etcd under a walkthrough serving
// writes and a watch, and checks what v1.7 does, and what it does not
// lose:
//
//   - while etcd is gone, a write is answered 504 Timeout within its
//     ?timeout=; a read from etcd is not answered at all for a while (v1.7
//     answers it 504 after its 60s request timeout, too long to wait for
//     here); a list from the watch cache (resourceVersion=0) is answered
//     200 with what the cache had; /healthz fails, by v1.8's etcd check
//     (v1.7 had none);
//   - the watch stays open, with no ERROR event (v1.7 neither ends it nor
//     says anything: etcd's client resumes its watch);
//   - once etcd is back, on the same data and address, the server
//     recovers without a restart: writes succeed, /healthz is ok;
//   - every create that was answered 2xx is there to read, and the watch
//     delivered it, once, in order;
//   - the walkthrough then ends on SIGTERM with exit code 0, no panic, and
//     a complete trace: nothing left running but what v1.7 never stops.
func TestEtcdKilledWhileServing(t *testing.T) {
	etcd := etcdtest.Start(t)
	tracePath := filepath.Join(t.TempDir(), "trace.json")
	cmd, addr := child(t, "--serve --log-level=warn --etcd-servers="+etcd.ClientURL+" --trace-file="+tracePath)
	var out syncBuffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := false
	defer func() {
		if !exited {
			cmd.Process.Kill()
			cmd.Wait()
		}
	}()
	base := "http://" + addr
	c := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	waitStatus(t, c, base+"/healthz", http.StatusOK)

	w := openWatch(t, base+"/api/v1/namespaces?watch=1&resourceVersion=0")
	defer w.close()
	l := startLoad(c, base, 4)
	l.waitAcked(t, 20)

	etcd.Kill()
	body := waitStatus(t, c, base+"/healthz?verbose", http.StatusInternalServerError)
	if !strings.Contains(body, "[-]etcd failed") {
		t.Errorf("/healthz while etcd is gone:\n%s\nwant [-]etcd failed", body)
	}
	code, status := send(t, c, http.MethodPost, base+"/api/v1/namespaces?timeout=1s", `{"metadata":{"name":"while-gone"}}`)
	if code != http.StatusGatewayTimeout || status.Message != "Timeout: request did not complete within allowed duration" {
		t.Errorf("a create while etcd is gone: %d %+v; want 504 Timeout, finishRequest's message", code, status)
	}
	acked := l.ackedNames()
	impatient := &http.Client{Timeout: 2 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	if resp, err := impatient.Get(base + "/api/v1/namespaces/" + acked[0]); err == nil {
		resp.Body.Close()
		t.Errorf("a get from etcd while it is gone: answered %d within 2s; want no answer yet (etcd's client waits)", resp.StatusCode)
	}
	code, _ = send(t, c, http.MethodGet, base+"/api/v1/namespaces?resourceVersion=0", "")
	if code != http.StatusOK {
		t.Errorf("a list from the watch cache while etcd is gone: %d; want 200, the cache's objects", code)
	}

	etcd.Restart()
	waitStatus(t, c, base+"/healthz", http.StatusOK)
	l.waitAckedAfterRestart(t)
	l.stop()

	acked = l.ackedNames()
	for _, name := range acked {
		if code, _ := send(t, c, http.MethodGet, base+"/api/v1/namespaces/"+name, ""); code != http.StatusOK {
			t.Errorf("namespace %s, created 2xx, read: %d; want 200", name, code)
		}
	}
	w.waitFor(t, acked)
	w.close() // in v1.7 stopCh would not end it: the client hangs up first

	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	err := cmd.Wait()
	exited = true
	if err != nil || strings.Contains(out.String(), "panic") {
		t.Fatalf("the walkthrough ended with %v:\n%s", err, out.String())
	}
	checkComplete(t, kittest.ReadFile(t, tracePath), trace.EndSignal)
	t.Logf("%d creates acknowledged, %d of them after etcd came back; %d events watched",
		len(acked), l.afterRestart(), w.count())
}

// waitStatus polls url until it answers code, for at most
// kittest.Deadline, and returns the body.
func waitStatus(t *testing.T, c *http.Client, url string, code int) string {
	t.Helper()
	var last string
	for deadline := time.Now().Add(kittest.Deadline); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		resp, err := c.Get(url)
		if err != nil {
			last = err.Error()
			continue
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode == code {
			return string(body)
		}
		last = fmt.Sprintf("%d %s", resp.StatusCode, body)
	}
	t.Fatalf("%s did not answer %d within %v; last: %s", url, code, kittest.Deadline, last)
	return ""
}

// send sends one request and returns its code and, when it answered
// with one, its Status.
func send(t *testing.T, c *http.Client, method, url, body string) (int, metav1.Status) {
	t.Helper()
	req, _ := http.NewRequest(method, url, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	var status metav1.Status
	b, _ := io.ReadAll(resp.Body)
	json.Unmarshal(b, &status)
	return resp.StatusCode, status
}

// load creates namespaces from a few goroutines, one after another, and
// records those the server acknowledged (2xx), until stop.
type load struct {
	mu        sync.Mutex
	acked     []string
	restartAt int // len(acked) when waitAckedAfterRestart began
	done      chan struct{}
	wg        sync.WaitGroup
}

func startLoad(c *http.Client, base string, workers int) *load {
	l := &load{done: make(chan struct{})}
	for w := range workers {
		l.wg.Add(1)
		go func() { // ends on stop, which waits for it
			defer l.wg.Done()
			for i := 0; ; i++ {
				select {
				case <-l.done:
					return
				default:
				}
				name := "load-" + strconv.Itoa(w) + "-" + strconv.Itoa(i)
				req, _ := http.NewRequest(http.MethodPost, base+"/api/v1/namespaces?timeout=1s",
					strings.NewReader(`{"metadata":{"name":"`+name+`"}}`))
				req.Header.Set("Content-Type", "application/json")
				resp, err := c.Do(req)
				if err != nil {
					continue
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode/100 == 2 {
					l.mu.Lock()
					l.acked = append(l.acked, name)
					l.mu.Unlock()
				}
			}
		}()
	}
	return l
}

func (l *load) ackedNames() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.acked...)
}

// waitAcked waits until n creates were acknowledged.
func (l *load) waitAcked(t *testing.T, n int) {
	t.Helper()
	for deadline := time.Now().Add(kittest.Deadline); len(l.ackedNames()) < n; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%d creates acknowledged after %v; want %d", len(l.ackedNames()), kittest.Deadline, n)
		}
	}
}

// waitAckedAfterRestart waits until creates are acknowledged again.
func (l *load) waitAckedAfterRestart(t *testing.T) {
	t.Helper()
	l.mu.Lock()
	l.restartAt = len(l.acked)
	l.mu.Unlock()
	l.waitAcked(t, l.restartAt+10)
}

func (l *load) afterRestart() int { return len(l.ackedNames()) - l.restartAt }

func (l *load) stop() {
	close(l.done)
	l.wg.Wait()
}

// watch reads a watch stream's events in a goroutine of its own.
type watchStream struct {
	cancel context.CancelFunc
	ended  chan struct{}
	mu     sync.Mutex
	added  map[string]int // ADDED events per name
	errs   []string       // ERROR events
	order  []string       // out-of-order resourceVersions
	events int
}

func openWatch(t *testing.T, url string) *watchStream {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	resp, err := (&http.Transport{DisableKeepAlives: true}).RoundTrip(req)
	if err != nil || resp.StatusCode != http.StatusOK {
		cancel()
		t.Fatalf("watch %s: %v, %v", url, resp, err)
	}
	w := &watchStream{cancel: cancel, ended: make(chan struct{}), added: map[string]int{}}
	go func() { // ends when the stream does: close cancels it
		defer close(w.ended)
		defer resp.Body.Close()
		var last int64
		sc := bufio.NewScanner(resp.Body)
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			var e struct {
				Type   string
				Object json.RawMessage
			}
			if json.Unmarshal(sc.Bytes(), &e) != nil {
				continue
			}
			var m struct{ Metadata metav1.ObjectMeta }
			json.Unmarshal(e.Object, &m)
			rv, _ := strconv.ParseInt(m.Metadata.ResourceVersion, 10, 64)
			w.mu.Lock()
			w.events++
			switch e.Type {
			case "ERROR":
				w.errs = append(w.errs, string(e.Object))
			case "ADDED":
				w.added[m.Metadata.Name]++
			}
			if strings.HasPrefix(m.Metadata.Name, "load-") { // created after the watch began: in order
				if rv <= last {
					w.order = append(w.order, fmt.Sprintf("%s at %d after %d", m.Metadata.Name, rv, last))
				}
				last = rv
			}
			w.mu.Unlock()
		}
	}()
	return w
}

// waitFor waits until the watch has seen every name ADDED, then checks
// it saw each once, in order, and no ERROR event.
func (w *watchStream) waitFor(t *testing.T, names []string) {
	t.Helper()
	for deadline := time.Now().Add(kittest.Deadline); len(w.missing(names)) > 0 && time.Now().Before(deadline); {
		time.Sleep(20 * time.Millisecond)
	}
	if m := w.missing(names); len(m) > 0 {
		t.Errorf("the watch never delivered %d acknowledged creates: %v", len(m), m)
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, n := range names {
		if w.added[n] > 1 {
			t.Errorf("the watch delivered %s ADDED %d times; want once", n, w.added[n])
		}
	}
	if len(w.errs) > 0 {
		t.Errorf("the watch had ERROR events %v; want none (v1.7 keeps it open and resumes)", w.errs)
	}
	if len(w.order) > 0 {
		t.Errorf("the watch's resourceVersions went back: %v", w.order)
	}
}

// missing returns the names the watch has not seen ADDED.
func (w *watchStream) missing(names []string) []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	var m []string
	for _, n := range names {
		if w.added[n] == 0 {
			m = append(m, n)
		}
	}
	return m
}

func (w *watchStream) count() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.events
}

func (w *watchStream) close() {
	w.cancel()
	<-w.ended
}

// TestEtcdUnreachableAtStart runs the walkthrough on an etcd nobody
// serves: as v1.7, it polls etcd before it builds anything, then fails
// with upstream's one line, having started nothing (a short wait here;
// upstream's is a minute).
func TestEtcdUnreachableAtStart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "trace.json")
	var stdout, stderr syncBuffer
	start := time.Now()
	// Port 0 takes no connection: nothing is there.
	code := run(context.Background(), []string{"--etcd-servers=http://127.0.0.1:0", "--trace-file", path, "--log-level", "error"},
		runEnv{stopNeverStopped: true, stdout: &stdout, stderr: &stderr, signals: make(chan os.Signal, 2), insecure: listen(t), secure: listen(t),
			etcdPreflight: 300 * time.Millisecond})
	if code != 1 {
		t.Fatalf("exit code %d; want 1. Output:\n%s", code, stderr.String())
	}
	const want = "error waiting for etcd connection: timed out waiting for the condition\n"
	if got := stderr.String(); got != want {
		t.Errorf("stderr = %q; want only %q", got, want)
	}
	if took := time.Since(start); took < 300*time.Millisecond {
		t.Errorf("gave up after %v; want it to wait for etcd first", took)
	}
	tr := kittest.ReadFile(t, path)
	checkComplete(t, tr, trace.EndError)
	for _, o := range tr.Named("app.CreateKubeAPIServer") {
		t.Errorf("a server was built (%s): want the run to stop before", o.Name)
	}
}

// TestBreakEtcd runs the tour with --break=etcd: the walkthrough runs an
// etcd of its own and the tour kills it after its requests: /healthz
// fails, a write is answered 504, then etcd is back on the same data and
// the tour's watch, open all along, delivers the next write.
func TestBreakEtcd(t *testing.T) {
	etcdtest.Require(t)
	path := filepath.Join(t.TempDir(), "trace.json")
	var stdout, stderr syncBuffer
	code := run(context.Background(), []string{"--break=etcd", "--trace-file", path, "--log-format", "console", "--lang=en"},
		runEnv{stopNeverStopped: true, stdout: &stdout, stderr: &stderr, signals: make(chan os.Signal, 2),
			insecure: listen(t), secure: listen(t)})
	if code != 0 {
		t.Fatalf("exit code %d; want 0:\n%s", code, stderr.String())
	}
	log := stderr.String()
	last := -1
	for _, want := range []string{
		"--break=etcd: etcd started", "watch event ADDED walkthrough ", "--break=etcd: killing etcd",
		"/healthz?verbose → 500", "[-]etcd failed", "/api/v1/namespaces?timeout=1s → 504",
		"--break=etcd: etcd is back", "/healthz?verbose → 200", "watch event ADDED walkthrough-back",
		"Received signal, shutting down",
	} {
		i := strings.Index(log[last+1:], want) // after what came before: the tour shows /healthz?verbose first too
		if i < 0 {
			t.Errorf("the log lacks %q after what came before it", want)
			continue
		}
		last += 1 + i
	}
	if t.Failed() {
		t.Logf("log:\n%s", log)
	}
	checkComplete(t, kittest.ReadFile(t, path), trace.EndNormal)
}

// TestTwoAPIServersOneEtcd runs two walkthroughs on one etcd, as two
// apiservers of one cluster (--apiserver-count=2), each serving its secure
// port on its own loopback address (127.0.0.1 and 127.0.0.2) and the same
// port, as two machines would: what one writes the other reads, a watch
// on one sees the writes through the other (each has its own watch cache,
// fed by its own watch of etcd), and the kubernetes service's endpoints,
// which each one's master-count reconciler keeps, come to name both.
//
// They advertise 198.51.100.1 and .2 (TEST-NET-2, documentation
// addresses nothing here connects to), not their loopback addresses:
// v1.7's endpoints validation refuses loopback addresses, so a
// reconciler advertising 127.0.0.x could never write the endpoints.
func TestTwoAPIServersOneEtcd(t *testing.T) {
	etcd := etcdtest.Start(t)
	secureA := listen(t)
	_, port, _ := net.SplitHostPort(secureA.Addr().String())
	secureB, err := net.Listen("tcp", net.JoinHostPort("127.0.0.2", port))
	if err != nil {
		t.Skipf("cannot listen on 127.0.0.2:%s for the second apiserver: %v", port, err)
	}
	defer secureB.Close()
	servers := []struct {
		advertise string
		secure    net.Listener
	}{{"198.51.100.1", secureA}, {"198.51.100.2", secureB}}
	var bases []string
	for _, srv := range servers {
		cmd, addr := childOn(t, "--serve --log-level=warn --trace-file= --apiserver-count=2 --advertise-address="+srv.advertise+
			" --etcd-servers="+etcd.ClientURL, srv.secure)
		var out syncBuffer
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		defer func() {
			cmd.Process.Signal(syscall.SIGTERM)
			if err := cmd.Wait(); err != nil {
				t.Errorf("the apiserver advertising %s ended with %v:\n%s", srv.advertise, err, out.String())
			}
		}()
		bases = append(bases, "http://"+addr)
	}
	c := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	for _, base := range bases {
		waitStatus(t, c, base+"/healthz", http.StatusOK)
	}
	w := openWatch(t, bases[1]+"/api/v1/namespaces?watch=1&resourceVersion=0")
	defer w.close()
	if code, status := send(t, c, http.MethodPost, bases[0]+"/api/v1/namespaces", `{"metadata":{"name":"load-from-a"}}`); code != http.StatusCreated {
		t.Fatalf("create through A: %d %+v", code, status)
	}
	if code, _ := send(t, c, http.MethodGet, bases[1]+"/api/v1/namespaces/load-from-a", ""); code != http.StatusOK {
		t.Errorf("read through B of what A created: %d; want 200", code)
	}
	w.waitFor(t, []string{"load-from-a"})

	want := []string{"198.51.100.1", "198.51.100.2"}
	var got [2][]string
	for deadline := time.Now().Add(kittest.Deadline); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		got = [2][]string{endpointAddresses(c, bases[0]), endpointAddresses(c, bases[1])}
		if slices.Equal(got[0], want) && slices.Equal(got[1], want) {
			return
		}
	}
	t.Errorf("the kubernetes endpoints name %v through A and %v through B; want %v through both", got[0], got[1], want)
}

// endpointAddresses returns the addresses of the kubernetes service's
// endpoints, read through base, sorted; nil when they cannot be read.
func endpointAddresses(c *http.Client, base string) []string {
	resp, err := c.Get(base + "/api/v1/namespaces/default/endpoints/kubernetes")
	if err != nil {
		return nil
	}
	defer resp.Body.Close()
	var ep corev1.Endpoints //lint:ignore SA1019 v1.7's kubernetes service has Endpoints, not EndpointSlices
	if json.NewDecoder(resp.Body).Decode(&ep) != nil {
		return nil
	}
	var ips []string
	for _, subset := range ep.Subsets {
		for _, a := range subset.Addresses {
			ips = append(ips, a.IP)
		}
	}
	slices.Sort(ips)
	return ips
}
