package app_test

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/kubewalk/kubewalk/chapters/app"
	"github.com/kubewalk/kubewalk/chapters/options"
	"github.com/kubewalk/kubewalk/server/mux"
	"github.com/kubewalk/kubewalk/trace"
	"github.com/kubewalk/kubewalk/trace/kittest"
)

// Example runs the whole walk, app.Run, on two loopback ports, waits until
// /healthz answers ok (every post-start hook has returned), asks the
// insecure port which server of the chain serves two paths, closes stopCh,
// and prints the steps in the order they started (the header lines of the
// narration; the last runs in the bootstrap controller's hook), what is
// still running — the goroutines upstream never stops: the bootstrap
// controller's loops and the watch caches' — and, once the
// example has stopped those too, what the run closed.
func Example() {
	ctx, rec, err := kittest.Start()
	if err != nil {
		fmt.Println(err)
		return
	}
	defer rec.End()
	s := options.NewServerRunOptions(ctx)
	insecure, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Println(err)
		return
	}
	secure, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Println(err)
		return
	}
	s.InsecureServing.Listener, s.SecureServing.Listener = insecure, secure

	stopCh := trace.Make(ctx, make(chan struct{}), "stopCh", "the example")
	runErr := make(chan error, 1)
	ran := trace.Go(ctx, "example: app.Run", func(ctx context.Context) { runErr <- app.Run(ctx, s, stopCh) })
	if err := healthy("http://" + insecure.Addr().String() + "/healthz"); err != nil {
		fmt.Println(err)
	}
	for _, path := range []string{"/api/v1/namespaces", "/apis/apiextensions.k8s.io/v1beta1"} {
		fmt.Println(servedBy("http://" + insecure.Addr().String() + path))
	}
	trace.Close(ctx, stopCh)
	<-ran // a plain receive: the example's own join, not a channel of the story
	fmt.Println("Run returned", <-runErr)
	if err := rec.Kit.Wait(ctx); err != nil {
		fmt.Println(err)
	}

	for _, line := range strings.Split(rec.Logs(), "\n") {
		if strings.HasPrefix(line, "▸ ") {
			fmt.Println(strings.Fields(line)[1])
		}
	}
	st := rec.Kit.Stats()
	fmt.Printf("still running after Run: %d goroutines upstream never stops\n", st.GoroutinesStarted-st.GoroutinesEnded)
	// What the process's exit would end: the example's own.
	rec.Kit.StopNeverStopped()
	if err := rec.Kit.Wait(ctx); err != nil {
		fmt.Println(err)
	}
	rec.Kit.CloseIdleConnections()
	st = rec.Kit.Stats()
	fmt.Printf("channels closed: %d of %d; listeners closed: %d of %d; goroutines running: %d\n",
		st.ChansClosed, st.ChansMade, st.ListenersClosed, st.ListenersOpened, st.GoroutinesStarted-st.GoroutinesEnded)
	// Output:
	// GET /api/v1/namespaces: 200, served by kube-apiserver
	// GET /apis/apiextensions.k8s.io/v1beta1: 200, served by apiextensions-apiserver
	// Run returned <nil>
	// options.NewServerRunOptions
	// app.Run
	// app.CreateNodeDialer
	// app.CreateKubeAPIServerConfig
	// app.BuildStorageFactory
	// app.BuildStorageFactory
	// app.createAPIExtensionsConfig
	// app.createAPIExtensionsServer
	// storage.NewCacherFromConfig
	// app.CreateKubeAPIServer
	// master.Master.InstallLegacyAPI
	// storage.NewCacherFromConfig
	// storage.NewCacherFromConfig
	// storage.NewCacherFromConfig
	// server.GenericAPIServer.PrepareRun
	// app.createAggregatorConfig
	// app.createAggregatorServer
	// storage.NewCacherFromConfig
	// kubeserver.BuildInsecureHandlerChain
	// kubeserver.NonBlockingRun
	// kubeserver.serveInsecurely
	// server.RunServer
	// server.GenericAPIServer.PrepareRun
	// server.preparedGenericAPIServer.Run
	// server.preparedGenericAPIServer.NonBlockingRun
	// server.GenericAPIServer.serveSecurely
	// server.RunServer
	// master.Controller.Start
	// still running after Run: 19 goroutines upstream never stops
	// channels closed: 25 of 25; listeners closed: 2 of 2; goroutines running: 0
}

// healthy asks url until it answers 200, at most a thousand times a
// millisecond apart.
func healthy(url string) error {
	c := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	for range 1000 {
		if resp, err := c.Get(url); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		time.Sleep(time.Millisecond)
	}
	return fmt.Errorf("%s never answered 200", url)
}

// servedBy sends one GET without keeping the connection, and says which
// server of the chain answered it.
func servedBy(url string) string {
	c := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	resp, err := c.Get(url)
	if err != nil {
		return err.Error()
	}
	resp.Body.Close()
	path := url[strings.Index(url[len("http://"):], "/")+len("http://"):]
	return fmt.Sprintf("GET %s: %d, served by %s", path, resp.StatusCode, resp.Header.Get(mux.ServedByHeader))
}
