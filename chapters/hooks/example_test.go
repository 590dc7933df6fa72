package hooks_test

//lint:file-ignore SA1019 v1.7 has core v1 Endpoints (EndpointSlices came in v1.16)

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/kubewalk/kubewalk/chapters/app"
	"github.com/kubewalk/kubewalk/chapters/options"
	"github.com/kubewalk/kubewalk/server/apis/apiregistration"
	"github.com/kubewalk/kubewalk/trace"
	"github.com/kubewalk/kubewalk/trace/kittest"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
)

// Example runs app.Run until /healthz answers ok, which it does once every
// post-start hook has returned and every APIService the aggregator
// registers is Available; then it reads /healthz?verbose, and, through
// client-go on the insecure port, what the hooks made. It prints each
// hook's goroutine with the upstream function it runs, and, after stopCh
// closed and Run returned, what is still running: the bootstrap
// controller's loops, which v1.7 never stops, and (counted) the watch
// caches', which it never stops either.
func Example() {
	ctx, rec, err := kittest.Start()
	if err != nil {
		fmt.Println(err)
		return
	}
	defer rec.End()
	s := options.NewServerRunOptions(ctx)
	insecure, secure := listen(), listen()
	s.InsecureServing.Listener, s.SecureServing.Listener = insecure, secure
	securePort := secure.Addr().(*net.TCPAddr).Port
	base := "http://" + insecure.Addr().String()

	stopCh := trace.Make(ctx, make(chan struct{}), "stopCh", "the example")
	runErr := make(chan error, 1)
	ran := trace.Go(ctx, "example: app.Run", func(ctx context.Context) { runErr <- app.Run(ctx, s, stopCh) })
	fmt.Print(healthz(base + "/healthz?verbose"))

	transport := &http.Transport{}
	config := &rest.Config{Host: base, Transport: transport}
	cs := kubernetes.NewForConfigOrDie(config)
	// The namespaces the bootstrap controller's first loop makes may come
	// a moment after the hook returned.
	var names []string
	for range 1000 {
		list, err := cs.CoreV1().Namespaces().List(ctx, metav1.ListOptions{})
		if err != nil {
			fmt.Println(err)
			break
		}
		names = names[:0]
		for _, ns := range list.Items {
			names = append(names, ns.Name)
		}
		if len(names) == 3 {
			break
		}
		time.Sleep(time.Millisecond)
	}
	fmt.Println("namespaces:", strings.Join(names, " "))
	if svc, err := cs.CoreV1().Services("default").Get(ctx, "kubernetes", metav1.GetOptions{}); err != nil {
		fmt.Println(err)
	} else {
		p := svc.Spec.Ports[0]
		fmt.Printf("service kubernetes: %s %s, %s %d → the secure port: %v\n",
			svc.Spec.Type, svc.Spec.ClusterIP, p.Name, p.Port, p.TargetPort.IntValue() == securePort)
	}
	if ep, err := cs.CoreV1().Endpoints("default").Get(ctx, "kubernetes", metav1.GetOptions{}); err != nil {
		fmt.Println(err)
	} else {
		fmt.Printf("endpoints kubernetes: %d address, on the secure port: %v\n",
			len(ep.Subsets[0].Addresses), ep.Subsets[0].Ports[0].Port == int32(securePort))
	}
	list, err := dynamic.NewForConfigOrDie(config).Resource(apiregistration.Resource).List(ctx, metav1.ListOptions{})
	if err != nil {
		fmt.Println(err)
	}
	for i := range list.Items {
		a, _ := apiregistration.FromUnstructured(&list.Items[i])
		fmt.Printf("apiservice %s: Available %v\n", a.Name, apiregistration.IsAPIServiceConditionTrue(a, apiregistration.Available))
	}
	transport.CloseIdleConnections()

	trace.Close(ctx, stopCh)
	<-ran // a plain receive: the example's own join, not a channel of the story
	fmt.Println("Run returned", <-runErr)
	if err := rec.Kit.Wait(ctx); err != nil {
		fmt.Println(err)
	}
	var hooks []string
	for _, s := range rec.Trace().Spans {
		if name, ok := strings.CutPrefix(s.Name, "runPostStartHook: "); ok {
			hooks = append(hooks, name+" → "+s.Attr(trace.UpstreamFunctionKey))
		}
	}
	slices.Sort(hooks)
	fmt.Println("hook goroutines, ended:\n  " + strings.Join(hooks, "\n  "))
	// The bootstrap controller's loops; the watch caches' goroutines and
	// channels, which v1.7 never stops either, are only counted.
	bootstrapLoop := func(o trace.Open) bool { return strings.HasPrefix(o.Name, "bootstrap: ") || o.Owner == "Runner.Stop" }
	for range 1000 { // until the loops' first runs are over, and each waits for its next
		if !slices.ContainsFunc(rec.Kit.Stats().Open, func(o trace.Open) bool {
			return bootstrapLoop(o) && o.Kind == "goroutine" && o.WaitingOn == ""
		}) {
			break
		}
		time.Sleep(time.Millisecond)
	}
	var running []string
	caches := map[string]int{}
	for _, o := range rec.Kit.Stats().Open {
		switch {
		case !bootstrapLoop(o):
			caches[o.Kind]++
		case o.Kind == "chan":
			running = append(running, "chan "+o.Name+", closed by "+o.Owner)
		default:
			running = append(running, o.Kind+" "+o.Name+", waiting on "+o.WaitingOn)
		}
	}
	slices.Sort(running)
	fmt.Println("still running after Run:\n  " + strings.Join(running, "\n  "))
	fmt.Printf("  and the watch caches': %d goroutines, %d channels\n", caches["goroutine"], caches["chan"])

	// What the process's exit would end: the example's own.
	rec.Kit.StopNeverStopped()
	if err := rec.Kit.Wait(ctx); err != nil {
		fmt.Println(err)
	}
	rec.Kit.CloseIdleConnections()
	st := rec.Kit.Stats()
	fmt.Println("goroutines running: " + strconv.Itoa(st.GoroutinesStarted-st.GoroutinesEnded))
	// Output:
	// [+]ping ok
	// [+]poststarthook/generic-apiserver-start-informers ok
	// [+]poststarthook/start-apiextensions-informers ok
	// [+]poststarthook/bootstrap-controller ok
	// [+]poststarthook/start-kube-apiserver-informers ok
	// [+]poststarthook/start-kube-aggregator-informers ok
	// [+]poststarthook/apiservice-registration-controller ok
	// [+]poststarthook/apiservice-status-available-controller ok
	// [+]poststarthook/kube-apiserver-autoregistration ok
	// [+]autoregister-completion ok
	// healthz check passed
	// namespaces: default kube-public kube-system
	// service kubernetes: ClusterIP 10.0.0.1, https 443 → the secure port: true
	// endpoints kubernetes: 1 address, on the secure port: true
	// apiservice v1.: Available true
	// apiservice v1beta1.apiextensions.k8s.io: Available true
	// Run returned <nil>
	// hook goroutines, ended:
	//   apiservice-registration-controller → apiserver.completedConfig.NewWithDelegate.func2
	//   apiservice-status-available-controller → apiserver.completedConfig.NewWithDelegate.func3
	//   bootstrap-controller → master.Controller.PostStartHook
	//   generic-apiserver-start-informers → server.completedConfig.New.func2
	//   kube-apiserver-autoregistration → app.createAggregatorServer.func1
	//   start-apiextensions-informers → apiserver.completedConfig.New.func1
	//   start-kube-aggregator-informers → apiserver.completedConfig.NewWithDelegate.func1
	//   start-kube-apiserver-informers → app.CreateKubeAPIServer.func1
	// still running after Run:
	//   chan stop, closed by Runner.Stop
	//   goroutine bootstrap: RunKubernetesNamespaces, waiting on stop
	//   goroutine bootstrap: RunKubernetesService, waiting on stop
	//   goroutine bootstrap: repair cluster IPs, waiting on stop
	//   goroutine bootstrap: repair node ports, waiting on stop
	//   and the watch caches': 15 goroutines, 10 channels
	// goroutines running: 0
}

func listen() net.Listener {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	return ln
}

// healthz asks url until it answers 200, at most a thousand times a
// millisecond apart, and returns the last answer's body.
func healthz(url string) string {
	c := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	body := ""
	for range 1000 {
		if resp, err := c.Get(url); err == nil {
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			body = string(b)
			if resp.StatusCode == http.StatusOK {
				return body
			}
		}
		time.Sleep(time.Millisecond)
	}
	return body
}
