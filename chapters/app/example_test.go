package app_test

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"strings"

	"github.com/kubewalk/kubewalk/chapters/app"
	"github.com/kubewalk/kubewalk/chapters/options"
	"github.com/kubewalk/kubewalk/server/mux"
	"github.com/kubewalk/kubewalk/trace"
	"github.com/kubewalk/kubewalk/trace/kittest"
)

// Example runs the whole walk, app.Run, on two loopback ports, asks the
// insecure port which server of the chain serves two paths, closes stopCh,
// and prints the steps in the order they started (the header lines of the
// narration) and what the shutdown closed: stopCh and both ports'
// internalStopCh, both listeners, and every goroutine ended but the watch
// caches', which v1.7 never stops.
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
	never := map[string]int{} // what v1.7 never stops or closes: the watch caches'
	for _, o := range st.Open {
		if o.NeverStopped != "" {
			never[o.Kind]++
		}
	}
	fmt.Printf("channels closed: %d of %d, %d never closed in v1.7; listeners closed: %d of %d\n",
		st.ChansClosed, st.ChansMade, never["chan"], st.ListenersClosed, st.ListenersOpened)
	fmt.Printf("goroutines running: %d, %d never stopped in v1.7\n", st.GoroutinesStarted-st.GoroutinesEnded, never["goroutine"])
	rec.Kit.StopNeverStopped() // as the process's exit would
	if err := rec.Kit.Wait(ctx); err != nil {
		fmt.Println(err)
	}
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
	// channels closed: 3 of 9, 6 never closed in v1.7; listeners closed: 2 of 2
	// goroutines running: 9, 9 never stopped in v1.7
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
