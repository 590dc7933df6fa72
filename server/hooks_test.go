package server_test

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kubewalk/kubewalk/server"
	"github.com/kubewalk/kubewalk/server/authentication/request/union"
	"github.com/kubewalk/kubewalk/server/authorization/authorizerfactory"
	"github.com/kubewalk/kubewalk/server/cert"
	"github.com/kubewalk/kubewalk/trace"
	"github.com/kubewalk/kubewalk/trace/kittest"
	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/apimachinery/pkg/util/uuid"
	"k8s.io/client-go/rest"
)

func noop(context.Context, server.PostStartHookContext) error { return nil }

func TestAddPostStartHookRefusesAsUpstream(t *testing.T) {
	ctx, _ := kittest.New(t)
	s := newServer(t, "s", server.EmptyDelegate, func(c *server.Config) {
		c.DisabledPostStartHooks = sets.New("disabled")
	})
	if err := s.AddPostStartHook(ctx, "hook", noop); err != nil {
		t.Fatalf("AddPostStartHook(hook) = %v", err)
	}
	tests := []struct {
		name    string
		hook    server.PostStartHookFunc
		wantErr string
	}{
		{"", noop, "missing name"},
		{"hook", noop, `unable to add "hook" because it is already registered`},
		{"nil-hook", nil, ""},
		{"disabled", noop, ""},
	}
	for _, tt := range tests {
		err := s.AddPostStartHook(ctx, tt.name, tt.hook)
		if got := errString(err); got != tt.wantErr {
			t.Errorf("AddPostStartHook(%q) = %q; want %q", tt.name, got, tt.wantErr)
		}
	}
	// Neither the nil hook nor the disabled one got a health check.
	var checks []string
	for _, c := range s.HealthzChecks() {
		checks = append(checks, c.Name())
	}
	if want := []string{"ping", "poststarthook/hook"}; !slices.Equal(checks, want) {
		t.Errorf("health checks = %q; want %q", checks, want)
	}

	stopCh := make(chan struct{})
	defer close(stopCh)
	s.RunPostStartHooks(ctx, stopCh)
	if err := s.AddPostStartHook(ctx, "late", noop); errString(err) != `unable to add "late" because PostStartHooks have already been called` {
		t.Errorf("AddPostStartHook after RunPostStartHooks = %v; want upstream's refusal", err)
	}
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// TestAHeldHookKeepsHealthzFailing holds a hook until the test lets it
// go: /healthz answers 500 with its check failing until then, and 200
// after.
func TestAHeldHookKeepsHealthzFailing(t *testing.T) {
	ctx, rec := kittest.New(t)
	release := make(chan struct{})
	s := newServer(t, "s", server.EmptyDelegate, nil)
	if err := s.AddPostStartHook(ctx, "held", func(context.Context, server.PostStartHookContext) error {
		<-release
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	url := serve(t, ctx, s)
	stopCh := make(chan struct{})
	if err := s.PrepareRun(ctx).NonBlockingRun(ctx, stopCh); err != nil {
		t.Fatal(err)
	}

	if code, body := getBody(t, url+"/healthz"); code != http.StatusInternalServerError ||
		body != "[+]ping ok\n[-]poststarthook/held failed: reason withheld\nhealthz check failed\n" {
		t.Errorf("GET /healthz while the hook runs = %d %q; want 500 with its check failing", code, body)
	}
	if code, body := getBody(t, url+"/healthz/poststarthook/held"); code != http.StatusInternalServerError ||
		body != "internal server error: not finished\n" {
		t.Errorf("GET /healthz/poststarthook/held = %d %q; want 500 not finished", code, body)
	}
	if got := hookStates(t, url); got != "held=running" {
		t.Errorf("/debug/walkthrough hooks = %s; want held=running", got)
	}

	close(release)
	waitUntil(t, func() bool { code, _ := getBody(t, url+"/healthz"); return code == http.StatusOK })
	if code, body := getBody(t, url+"/healthz?verbose"); body != "[+]ping ok\n[+]poststarthook/held ok\nhealthz check passed\n" {
		t.Errorf("GET /healthz?verbose after the hook returned = %d %q", code, body)
	}
	close(stopCh)
	rec.Wait(t)
}

// TestHooksTravelTheDelegationChain builds three servers, each on the one
// before, and runs the outermost: it runs every hook registered before it
// was built, once each, with its own loopback config and stopCh; a hook
// added to a delegate afterwards never runs.
func TestHooksTravelTheDelegationChain(t *testing.T) {
	ctx, rec := kittest.New(t)
	ctx, end := trace.Step(ctx, trace.Upstream{Function: "test"}) // records chan.make
	var mu sync.Mutex
	ran := map[string]server.PostStartHookContext{}
	hook := func(name string) server.PostStartHookFunc {
		return func(_ context.Context, hc server.PostStartHookContext) error {
			mu.Lock()
			defer mu.Unlock()
			ran[name] = hc
			return nil
		}
	}
	add := func(s *server.GenericAPIServer, name string) {
		t.Helper()
		if err := s.AddPostStartHook(ctx, name, hook(name)); err != nil {
			t.Fatal(err)
		}
	}
	first := newServer(t, "first", server.EmptyDelegate, nil)
	add(first, "first-hook")
	second := newServer(t, "second", first, nil)
	add(second, "second-hook")
	add(first, "too-late") // second has already taken first's hooks
	loopback := &rest.Config{Host: "https://127.0.0.1:1"}
	third := newServer(t, "third", second, func(c *server.Config) { c.LoopbackClientConfig = loopback })

	if got := hookStates(t, serve(t, ctx, third)); got != "first-hook=registered second-hook=registered" {
		t.Errorf("third's hooks before Run = %s", got)
	}
	stopCh := make(chan struct{})
	if err := third.PrepareRun(ctx).NonBlockingRun(ctx, stopCh); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, func() bool { mu.Lock(); defer mu.Unlock(); return len(ran) == 2 })

	mu.Lock()
	for name, hc := range ran {
		if hc.LoopbackClientConfig != loopback || hc.StopCh != (<-chan struct{})(stopCh) {
			t.Errorf("hook %s got %+v; want third's loopback config and the stopCh given to Run", name, hc)
		}
	}
	_, lateRan := ran["too-late"]
	mu.Unlock()
	if lateRan {
		t.Error("too-late ran; want only the hooks third took over")
	}
	// first never ran its hooks, yet its first-hook is done: third ran it,
	// and closed the done channel they share.
	waitUntil(t, func() bool {
		return hookStates(t, serve(t, ctx, first)) == "first-hook=done too-late=registered"
	})
	code, body := getBody(t, serve(t, ctx, third)+"/healthz?verbose")
	want := "[+]ping ok\n[+]poststarthook/first-hook ok\n[+]poststarthook/second-hook ok\nhealthz check passed\n"
	if code != http.StatusOK || body != want {
		t.Errorf("third's /healthz?verbose = %d %q; want %q", code, body, want)
	}
	close(stopCh)
	rec.Wait(t)
	end(nil)

	// The trace: a goroutine per hook, each closing the done channel
	// AddPostStartHook made.
	for _, name := range []string{"first-hook", "second-hook"} {
		lane := rec.Lane("runPostStartHook: " + name)
		if lane != "chan.close done\n" {
			t.Errorf("lane of %s = %q; want its done channel closed", name, lane)
		}
	}
	var made int
	for _, e := range rec.Events() {
		if e.Name == trace.EventChanMake && e.Attrs[trace.ChanNameKey] == "done" {
			made++
		}
	}
	if made != 3 {
		t.Errorf("done channels made = %d; want one per AddPostStartHook (3)", made)
	}
}

// serve serves s's handler, with ctx as every request's base context (so
// /debug/walkthrough finds the kit), until the test ends, and returns its
// URL.
func serve(t *testing.T, ctx context.Context, s *server.GenericAPIServer) string {
	t.Helper()
	ts := httptest.NewUnstartedServer(s.Handler)
	ts.Config.BaseContext = func(net.Listener) context.Context { return ctx }
	ts.Start()
	t.Cleanup(ts.Close)
	return ts.URL
}

// hookStates returns the hooks /debug/walkthrough lists, as name=state
// pairs.
func hookStates(t *testing.T, url string) string {
	t.Helper()
	_, body := getBody(t, url+"/debug/walkthrough")
	var state struct {
		Hooks []server.PostStartHookState `json:"postStartHooks"`
	}
	if err := json.Unmarshal([]byte(body), &state); err != nil {
		t.Fatalf("/debug/walkthrough: %v: %s", err, body)
	}
	var pairs []string
	for _, h := range state.Hooks {
		pairs = append(pairs, h.Name+"="+h.State)
	}
	return strings.Join(pairs, " ")
}

func getBody(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// waitUntil polls cond, at most a thousand times a millisecond apart.
func waitUntil(t *testing.T, cond func() bool) {
	t.Helper()
	for range 1000 {
		if cond() {
			return
		}
		time.Sleep(time.Millisecond)
	}
	t.Fatal("condition never held")
}

// TestTheLoopbackTokenIsSystemMastersOnThisServerOnly serves a secure port
// that refuses everyone (no authenticator accepts, every authorizer
// denies), with a loopback client as upstream builds it: the hook's
// client gets through, over the loopback certificate; the token is gone
// from the request the handler sees; a wrong token, or another server's,
// gets 401.
func TestTheLoopbackTokenIsSystemMastersOnThisServerOnly(t *testing.T) {
	ctx, rec := kittest.New(t)
	s, token := newLoopbackServer(t, ctx)
	var seen []string
	s.Handler.NonGoRestfulMux.HandleFunc("/whoami", func(w http.ResponseWriter, r *http.Request) {
		seen = append(seen, r.Header.Get("Authorization"))
		io.WriteString(w, "let in")
	})
	got := make(chan string, 1)
	if err := s.AddPostStartHook(ctx, "loopback", func(_ context.Context, hc server.PostStartHookContext) error {
		got <- getWithConfig(t, hc.LoopbackClientConfig, "/whoami")
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	stopCh := make(chan struct{})
	if err := s.PrepareRun(ctx).NonBlockingRun(ctx, stopCh); err != nil {
		t.Fatal(err)
	}
	if answer := kittest.Await(t, got, "the hook's request"); answer != "200 let in" {
		t.Errorf("the hook's loopback GET /whoami = %q; want 200 let in", answer)
	}

	_, otherToken := newLoopbackServer(t, ctx)
	if otherToken == token {
		t.Fatal("two servers got the same loopback token")
	}
	for _, tt := range []struct {
		name, token, want string
	}{
		{"no token", "", "401"},
		{"a wrong token", string(uuid.NewUUID()), "401"},
		{"another server's token", otherToken, "401"},
	} {
		cfg := rest.CopyConfig(s.LoopbackClientConfig)
		cfg.BearerToken = tt.token
		if answer := getWithConfig(t, cfg, "/whoami"); !strings.HasPrefix(answer, tt.want) {
			t.Errorf("GET /whoami with %s = %q; want %s", tt.name, answer, tt.want)
		}
	}
	if !slices.Equal(seen, []string{""}) {
		t.Errorf("Authorization headers the handler saw = %q; want one request, without the token", seen)
	}
	close(stopCh)
	rec.Wait(t)
	rec.Kit.CloseIdleConnections()
}

// newLoopbackServer returns a server on a free loopback port that lets no
// one in but its loopback client, built as SecureServingOptions.ApplyTo
// and Complete build it, and that client's token.
func newLoopbackServer(t *testing.T, ctx context.Context) (*server.GenericAPIServer, string) {
	t.Helper()
	serving, _ := selfSigned(t)
	certPEM, keyPEM, err := cert.GenerateSelfSignedCertKey(server.LoopbackClientServerNameOverride, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	loopbackCert, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		t.Fatal(err)
	}
	ln := listen(t)
	info := &server.SecureServingInfo{
		BindAddress: ln.Addr().String(), Listener: ln, Cert: &serving,
		SNICerts: map[string]*tls.Certificate{server.LoopbackClientServerNameOverride: &loopbackCert},
	}
	token := string(uuid.NewUUID())
	loopback, err := info.NewLoopbackClientConfig(token, certPEM)
	if err != nil {
		t.Fatal(err)
	}
	loopback.Wrap(trace.Transport(ctx)) // so the kit can close its connections
	s := newServer(t, "secure", server.EmptyDelegate, func(c *server.Config) {
		c.SecureServingInfo = info
		c.LoopbackClientConfig = loopback
		c.Authenticator = union.New() // accepts no one
		c.Authorizer = authorizerfactory.NewAlwaysDenyAuthorizer()
	})
	return s, token
}

// getWithConfig sends GET path with a client made from cfg, as client-go
// would, and returns the status code and body, "<code> <body>".
func getWithConfig(t *testing.T, cfg *rest.Config, path string) string {
	t.Helper()
	c, err := rest.HTTPClientFor(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer c.CloseIdleConnections()
	resp, err := c.Get(cfg.Host + path)
	if err != nil {
		return err.Error()
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return strings.TrimSpace(strings.Fields(resp.Status)[0] + " " + string(b))
}

// TestAFailingHookEndsTheProcess runs a server whose hook fails, in a
// child process: it must exit 255 with upstream's fatal message, after
// writing a complete trace.
func TestAFailingHookEndsTheProcess(t *testing.T) {
	if path := os.Getenv("KUBEWALK_FAILING_HOOK"); path != "" {
		k, err := trace.Setup(trace.Config{TraceFile: path, Log: os.Stderr, NoColor: true})
		if err != nil {
			t.Fatal(err)
		}
		ctx := k.Context(context.Background())
		s := newServer(t, "s", server.EmptyDelegate, nil)
		s.AddPostStartHook(ctx, "doomed", func(context.Context, server.PostStartHookContext) error {
			return io.ErrUnexpectedEOF
		})
		s.PrepareRun(ctx).NonBlockingRun(ctx, make(chan struct{}))
		time.Sleep(10 * time.Second)
		t.Fatal("the failing hook did not end the process")
	}
	path := filepath.Join(t.TempDir(), "trace.json")
	cmd := exec.Command(os.Args[0], "-test.run=^TestAFailingHookEndsTheProcess$")
	cmd.Env = append(os.Environ(), "KUBEWALK_FAILING_HOOK="+path)
	out, _ := cmd.CombinedOutput()
	if code := cmd.ProcessState.ExitCode(); code != 255 {
		t.Errorf("exit code %d; want 255 (glog.Fatalf). Output:\n%s", code, out)
	}
	if want := `PostStartHook "doomed" failed: unexpected EOF`; !strings.Contains(string(out), want) {
		t.Errorf("output lacks %q:\n%s", want, out)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"Name":"runPostStartHook: doomed"`, `"Value":"fatal"`} {
		if !strings.Contains(string(b), want) {
			t.Errorf("trace file lacks %s", want)
		}
	}
}

// TestAPanickingHookCrashesTheProcess runs a server whose hook panics, in
// a child process: HandleCrash logs the panic and panics again, so the
// process crashes, after writing a complete trace.
func TestAPanickingHookCrashesTheProcess(t *testing.T) {
	if path := os.Getenv("KUBEWALK_PANICKING_HOOK"); path != "" {
		k, err := trace.Setup(trace.Config{TraceFile: path})
		if err != nil {
			t.Fatal(err)
		}
		ctx := k.Context(context.Background())
		s := newServer(t, "s", server.EmptyDelegate, nil)
		s.AddPostStartHook(ctx, "doomed", func(context.Context, server.PostStartHookContext) error {
			panic("the hook broke")
		})
		s.PrepareRun(ctx).NonBlockingRun(ctx, make(chan struct{}))
		time.Sleep(10 * time.Second)
		t.Fatal("the panicking hook did not crash the process")
	}
	path := filepath.Join(t.TempDir(), "trace.json")
	cmd := exec.Command(os.Args[0], "-test.run=^TestAPanickingHookCrashesTheProcess$")
	cmd.Env = append(os.Environ(), "KUBEWALK_PANICKING_HOOK="+path)
	out, _ := cmd.CombinedOutput()
	if code := cmd.ProcessState.ExitCode(); code != 2 {
		t.Errorf("exit code %d; want 2 (a Go panic). Output:\n%s", code, out)
	}
	for _, want := range []string{"Observed a panic", "panic: the hook broke"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"Name":"runPostStartHook: doomed"`, `"exception"`, `"Value":"panic"`} {
		if !strings.Contains(string(b), want) {
			t.Errorf("trace file lacks %s", want)
		}
	}
}
