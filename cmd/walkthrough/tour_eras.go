package main

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/kubewalk/kubewalk/chapters/options"
	"github.com/kubewalk/kubewalk/server"
	"github.com/kubewalk/kubewalk/trace"
	"github.com/kubewalk/kubewalk/trace/lang"
	"k8s.io/apimachinery/pkg/util/uuid"
)

// tourUser is the user the tour's token authenticates as.
const tourUser = "walkthrough-tour"

// tourCredential gives the tour a credential for the secure port when its
// era needs one: v1.9 sends its slow request there (where WithWaitGroup
// is), and modern has no insecure port at all. Unless the command line
// gave --token-auth-file, it writes a token file (0600, removed by
// cleanup) with one token, for the user walkthrough-tour in
// system:masters, and gives it to --token-auth-file, as an administrator
// would. It returns the token, "" when it made none.
func tourCredential(ctx context.Context, s *options.ServerRunOptions) (token string, cleanup func(), err error) {
	cleanup = func() {}
	if !s.Era.Since(server.EraV19) || s.Authentication.TokenFile != "" {
		return "", cleanup, nil
	}
	f, err := os.CreateTemp("", "walkthrough-tour-token-*.csv") // 0600
	if err != nil {
		return "", cleanup, err
	}
	token = string(uuid.NewUUID())
	_, err = fmt.Fprintf(f, "%s,%s,%s,\"system:masters\"\n", token, tourUser, tourUser)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(f.Name())
		return "", cleanup, err
	}
	s.Authentication.TokenFile = f.Name()
	trace.Log(ctx).Info().Str("user", tourUser).Str("token-auth-file", f.Name()).
		Str(trace.LogNoteKey, lang.Say(ctx, "ours: the tour's requests to the secure port need a credential, as anyone's do "+
			"(anonymous requests are off under AlwaysAllow); the file is removed at the end")).
		Msg(lang.Say(ctx, "tour: a token for the secure port, through --token-auth-file"))
	return token, func() { os.Remove(f.Name()) }, nil
}

// bearer is a transport that sends a bearer token with every request.
type bearer struct {
	token string
	rt    http.RoundTripper
}

func (b bearer) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", "Bearer "+b.token)
	return b.rt.RoundTrip(r)
}

// tourDefaults sets, for the tour of the modern era, the shutdown flags
// the command line left unset so that the tour stays fast, and says so:
// --shutdown-watch-termination-grace-period=2s, so that the shutdown ends
// the tour's watch and waits for it, instead of keeping Shutdown waiting
// on its connection for --request-timeout (60s), as the default of 0
// does. It sets nothing for --serve.
func tourDefaults(ctx context.Context, s *options.ServerRunOptions, given func(flag string) bool) {
	if s.Era != server.EraModern || given("shutdown-watch-termination-grace-period") {
		return
	}
	g := s.GenericServerRunOptions
	g.ShutdownWatchTerminationGracePeriod = 2 * time.Second
	trace.Log(ctx).Info().Dur("shutdown-watch-termination-grace-period", g.ShutdownWatchTerminationGracePeriod).
		Str(trace.LogNoteKey, lang.Say(ctx, "ours: upstream's default is 0, which leaves the tour's watch open and Shutdown waiting "+
			"on it for --request-timeout (60s); pass --shutdown-watch-termination-grace-period=0 to see that")).
		Msg(lang.Say(ctx, "tour: ending watches at shutdown"))
}

// probeDuringDelay, in the modern era with --shutdown-delay-duration,
// waits for ShutdownInitiated and then asks /readyz, /healthz and /livez:
// during the delay /readyz fails while the other two pass.
func probeDuringDelay(ctx context.Context, c *http.Client, base string) {
	for !closed(ctx, "ShutdownInitiated") {
		time.Sleep(time.Millisecond)
	}
	for _, path := range []string{"/readyz", "/healthz", "/livez"} {
		tourGet(ctx, c, base+path, lang.Say(ctx, "during --shutdown-delay-duration: /readyz fails so that load balancers stop sending traffic; "+
			"/healthz and /livez pass, so nothing restarts the server"))
	}
}

// closed reports whether the kit in ctx made a channel named name and
// none of that name is open any more.
func closed(ctx context.Context, name string) bool {
	st, _ := trace.StatsFrom(ctx)
	return !slices.ContainsFunc(st.Open, func(o trace.Open) bool { return o.Kind == "chan" && o.Name == name })
}

// standInForExit waits until Run has returned (ctx is done) and the rest
// of the run is over: the walkthrough's stand-in for the process exit,
// which, upstream, follows Run's return at once. What is still in flight
// then (the watch, and in v1.7 the slow request) would be cut by the exit;
// the tour hangs up in its place.
func standInForExit(ctx context.Context) {
	<-ctx.Done() // a plain receive: the run's context, not a channel of the story
	for deadline := time.Now().Add(exitWait / 2); othersRunning(ctx) && time.Now().Before(deadline); {
		time.Sleep(time.Millisecond)
	}
}

// shutdownWaiters are goroutines that upstream's exit ends: nothing waits
// for them (v1.9's Shutdown goroutine, which waits for the connections
// still in use, such as a watch's).
func shutdownWaiter(name string) bool {
	return strings.HasPrefix(name, "RunServer: Shutdown on stopCh")
}
