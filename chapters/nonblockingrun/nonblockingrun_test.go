package nonblockingrun_test

import (
	"context"
	"io"
	"net"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kubewalk/kubewalk/chapters/nonblockingrun"
	"github.com/kubewalk/kubewalk/server"
	"github.com/kubewalk/kubewalk/server/request"
	"github.com/kubewalk/kubewalk/trace"
	"github.com/kubewalk/kubewalk/trace/kittest"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// whoami answers with the user the filters put in the request.
var whoami = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	u, _ := request.UserFrom(r.Context())
	io.WriteString(w, u.GetName()+" "+strings.Join(u.GetGroups(), ","))
})

func insecureChain(ctx context.Context) http.Handler {
	return nonblockingrun.BuildInsecureHandlerChain(ctx, whoami, server.NewConfig().Complete().Config)
}

func TestNonBlockingRunServesAsTheInsecureSuperuserUntilStopCh(t *testing.T) {
	ctx, rec := kittest.New(t)
	ctx, end := trace.Step(ctx, trace.Upstream{Function: "test"})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	info := &nonblockingrun.InsecureServingInfo{BindAddress: ln.Addr().String(), Listener: ln}
	stopCh := trace.Make(ctx, make(chan struct{}), "stopCh", "the test")

	if err := nonblockingrun.NonBlockingRun(ctx, info, insecureChain(ctx), stopCh); err != nil {
		t.Fatalf("NonBlockingRun: %v", err)
	}
	c := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	resp, err := c.Get("http://" + info.BindAddress + "/")
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	if want := "system:unsecured system:masters,system:authenticated"; string(body) != want {
		t.Errorf("GET / answered %q; want %q", body, want)
	}

	trace.Close(ctx, stopCh)
	rec.Wait(t)
	end(nil)

	var cascade []string
	for _, e := range rec.Events() {
		switch {
		case e.Name == trace.EventChanClose:
			cascade = append(cascade, "close "+e.Attrs[trace.ChanNameKey])
		case e.Name == trace.EventListenerClose:
			cascade = append(cascade, "close listener")
		case e.Name == "Stopped listening on "+info.BindAddress:
			cascade = append(cascade, "stopped")
		}
	}
	if want := []string{"close stopCh", "close internalStopCh", "close listener", "stopped"}; !slices.Equal(cascade, want) {
		t.Errorf("cascade = %q; want %q", cascade, want)
	}
	// NonBlockingRun's, RunServer's two, and the timeout filter's for the request.
	if st := rec.Kit.Stats(); st.GoroutinesStarted != 4 || st.GoroutinesEnded != 4 || len(st.Open) != 0 {
		t.Errorf("Stats() = %+v; want four goroutines, all ended", st)
	}
	if !strings.Contains(rec.Logs(), "Serving insecurely on "+info.BindAddress) {
		t.Errorf("log lacks upstream's Serving insecurely line:\n%s", rec.Logs())
	}
	for _, name := range []string{"kubeserver.BuildInsecureHandlerChain", "kubeserver.NonBlockingRun", "kubeserver.serveInsecurely", "server.RunServer"} {
		rec.Span(t, name)
	}
}

func TestNonBlockingRunClosesInternalStopChWhenThePortIsInUse(t *testing.T) {
	ctx, rec := kittest.New(t)
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	info := &nonblockingrun.InsecureServingInfo{BindAddress: busy.Addr().String()}

	err = nonblockingrun.NonBlockingRun(ctx, info, insecureChain(ctx), make(chan struct{}))
	if err == nil || !strings.Contains(err.Error(), "failed to listen on "+info.BindAddress) {
		t.Fatalf("NonBlockingRun = %v; want failed to listen on %s", err, info.BindAddress)
	}
	if st := rec.Kit.Stats(); st.GoroutinesStarted != 0 || st.ChansMade != 1 || st.ChansClosed != 1 || len(st.Open) != 0 {
		t.Errorf("Stats() = %+v; want internalStopCh made and closed, no goroutine", st)
	}
}
