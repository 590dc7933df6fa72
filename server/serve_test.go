package server_test

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kubewalk/kubewalk/server"
	"github.com/kubewalk/kubewalk/trace"
	"github.com/kubewalk/kubewalk/trace/kittest"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

var hello = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "hello") })

func TestRunServerServesUntilStopChCloses(t *testing.T) {
	ctx, rec := kittest.New(t)
	ctx, end := trace.Step(ctx, trace.Upstream{Function: "test"})
	stopCh := trace.Make(ctx, make(chan struct{}), "stopCh", "the test")

	srv := &http.Server{Handler: hello}
	port, err := server.RunServer(ctx, srv, listen(t), "", stopCh)
	if err != nil {
		t.Fatalf("RunServer: %v", err)
	}
	// A client sending its headers slowly cannot hold the connection
	// forever (kube-apiserver's timeout since v1.23; v1.7 had none).
	if srv.ReadHeaderTimeout != 32*time.Second {
		t.Errorf("ReadHeaderTimeout = %v; want 32s", srv.ReadHeaderTimeout)
	}
	if got := get(t, fmt.Sprintf("http://127.0.0.1:%d/", port)); got != "hello" {
		t.Errorf("GET / = %q; want hello", got)
	}

	trace.Close(ctx, stopCh)
	rec.Wait(t)
	end(nil)

	want := fmt.Sprintf("Stopped listening on 127.0.0.1:%d", port)
	if !strings.Contains(rec.Logs(), want) {
		t.Errorf("log lacks %q:\n%s", want, rec.Logs())
	}
	st := rec.Kit.Stats()
	if st.GoroutinesStarted != 2 || st.GoroutinesEnded != 2 || st.ListenersClosed != 1 || len(st.Open) != 0 {
		t.Errorf("Stats() = %+v; want both goroutines ended and the listener closed", st)
	}
	// The cascade, in the order the chapter tells it.
	var got []string
	for _, e := range rec.Events() {
		if e.Name == trace.EventChanClose || e.Name == trace.EventListenerClose || e.Name == want {
			got = append(got, e.Name)
		}
	}
	if w := []string{trace.EventChanClose, trace.EventListenerClose, want}; !slices.Equal(got, w) {
		t.Errorf("cascade = %q; want %q", got, w)
	}
}

// listen returns a listener on a free loopback port.
func listen(t *testing.T) net.Listener {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return ln
}

func get(t *testing.T, url string) string {
	t.Helper()
	return getWith(t, &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}, url)
}

func TestRunServerErrors(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()

	tests := []struct {
		name, addr, want string
	}{
		{"empty address", "", "address cannot be empty"},
		{"address in use", busy.Addr().String(),
			"failed to listen on " + busy.Addr().String() + ": listen tcp " + busy.Addr().String() + ": bind: address already in use"},
		{"not an address", "127.0.0.1", "failed to listen on 127.0.0.1: listen tcp: address 127.0.0.1: missing port in address"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx, rec := kittest.New(t)
			_, err := server.RunServer(ctx, &http.Server{Addr: tc.addr}, nil, "tcp", make(chan struct{}))
			if err == nil || err.Error() != tc.want {
				t.Fatalf("RunServer(Addr %q) error = %v; want %q", tc.addr, err, tc.want)
			}
			if st := rec.Kit.Stats(); st.GoroutinesStarted != 0 || st.ListenersOpened != 0 {
				t.Errorf("Stats() = %+v; want nothing started", st)
			}
			s := rec.Span(t, "server.RunServer")
			if s.Status.Description != tc.want {
				t.Errorf("span status = %q; want the error", s.Status.Description)
			}
		})
	}
}

// TestRunServerPanicsWhenTheListenerDiesEarly closes the server while
// stopCh is still open, in a child process: RunServer's serve goroutine
// must crash the process with upstream's message, after the trace file
// recorded the panic.
func TestRunServerPanicsWhenTheListenerDiesEarly(t *testing.T) {
	if path := os.Getenv("KUBEWALK_RUNSERVER_PANIC"); path != "" {
		k, err := trace.Setup(trace.Config{TraceFile: path})
		if err != nil {
			t.Fatal(err)
		}
		srv := &http.Server{Handler: hello}
		if _, err := server.RunServer(k.Context(context.Background()), srv, listen(t), "", make(chan struct{})); err != nil {
			t.Fatal(err)
		}
		srv.Close() // Serve returns while stopCh is open
		time.Sleep(10 * time.Second)
		t.Fatal("the serve goroutine did not crash the process")
	}
	path := filepath.Join(t.TempDir(), "trace.json")
	cmd := exec.Command(os.Args[0], "-test.run=^TestRunServerPanicsWhenTheListenerDiesEarly$")
	cmd.Env = append(os.Environ(), "KUBEWALK_RUNSERVER_PANIC="+path)
	out, err := cmd.CombinedOutput()
	if err == nil {
		t.Fatalf("child exited 0; want a crash. Output:\n%s", out)
	}
	if !strings.Contains(string(out), "due to error: http: Server closed") ||
		!strings.Contains(string(out), "panic: Stopped listening on 127.0.0.1:") {
		t.Errorf("child output lacks upstream's panic message:\n%s", out)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"Name":"RunServer: serve"`, `"exception"`, `due to error: http: Server closed`, `"Value":"panic"`} {
		if !strings.Contains(string(b), want) {
			t.Errorf("trace file lacks %s", want)
		}
	}
}

func TestSetupSignalHandler(t *testing.T) {
	t.Run("first signal closes stopCh", func(t *testing.T) {
		ctx, rec := kittest.New(t)
		ctx, cancel := context.WithCancel(ctx)
		c := make(chan os.Signal, 2)
		stopCh := server.SetupSignalHandler(ctx, c)
		c <- os.Interrupt
		kittest.Await(t, stopCh, "stopCh to close")
		if !strings.Contains(rec.Logs(), "Received signal, shutting down") {
			t.Errorf("log lacks the first signal:\n%s", rec.Logs())
		}
		cancel()
		rec.Wait(t)
	})
	t.Run("ctx done without a signal closes stopCh too", func(t *testing.T) {
		ctx, rec := kittest.New(t)
		ctx, cancel := context.WithCancel(ctx)
		stopCh := server.SetupSignalHandler(ctx, make(chan os.Signal, 2))
		cancel()
		kittest.Await(t, stopCh, "stopCh to close")
		rec.Wait(t)
		if st := rec.Kit.Stats(); st.ChansClosed != 1 || len(st.Open) != 0 {
			t.Errorf("Stats() = %+v; want stopCh closed and nothing open", st)
		}
	})
}

// TestASecondSignalAlreadyQueuedWinsOverTheEnd gives the signal handler
// two queued signals and a context that is already done, as when a
// learner presses Ctrl-C twice just as the run ends: upstream's handler,
// which has no context, would exit 1 on the second signal, and so must
// ours, every time. Each try is a child process, since the handler exits.
func TestASecondSignalAlreadyQueuedWinsOverTheEnd(t *testing.T) {
	if os.Getenv("KUBEWALK_SECOND_SIGNAL_QUEUED") != "" {
		k, err := trace.Setup(trace.Config{Log: os.Stderr, NoColor: true})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(k.Context(context.Background()))
		c := make(chan os.Signal, 2)
		c <- os.Interrupt
		c <- os.Interrupt
		cancel()
		kittest.Await(t, server.SetupSignalHandler(ctx, c), "stopCh to close")
		kittest.WaitKit(t, k) // the handler ended without exiting
		fmt.Fprintln(os.Stderr, "the second signal was lost")
		os.Exit(0)
	}
	for range 8 {
		cmd := exec.Command(os.Args[0], "-test.run=^TestASecondSignalAlreadyQueuedWinsOverTheEnd$")
		cmd.Env = append(os.Environ(), "KUBEWALK_SECOND_SIGNAL_QUEUED=1")
		out, err := cmd.CombinedOutput()
		if cmd.ProcessState == nil {
			t.Fatal(err)
		}
		if code := cmd.ProcessState.ExitCode(); code != 1 || !strings.Contains(string(out), "Received second signal, exiting with code 1") {
			t.Fatalf("exit code %d; want 1 from the second signal. Output:\n%s", code, out)
		}
	}
}
