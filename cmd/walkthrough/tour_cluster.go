package main

//lint:file-ignore SA1019 v1.7 has core v1 Endpoints (EndpointSlices came in v1.16)

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"github.com/kubewalk/kubewalk/server/apis/apiregistration"
	"github.com/kubewalk/kubewalk/trace"
	"github.com/kubewalk/kubewalk/trace/lang"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
)

// showHealthz logs base's /healthz?verbose: every check, now all passing.
func showHealthz(ctx context.Context, c *http.Client, base string) {
	code, body, err := get(ctx, c, base+"/healthz?verbose")
	if err != nil {
		trace.Log(ctx).Error().Err(err).Msg("GET " + base + "/healthz?verbose")
		return
	}
	var passing []string
	for _, line := range strings.Split(body, "\n") {
		if name, ok := strings.CutPrefix(line, "[+]"); ok {
			name, _, _ = strings.Cut(name, " ")
			passing = append(passing, name)
		}
	}
	trace.Log(ctx).Info().Int("status", code).Strs("passing", passing).
		Str(trace.LogNoteKey, lang.Say(ctx, "every post-start hook has returned and every APIService the aggregator registered is Available")).
		Msg(fmt.Sprintf("GET %s/healthz?verbose → %d: %s", base, code, verdict(body)))
}

// verdict returns the last line of a /healthz body.
func verdict(body string) string {
	body = strings.TrimSpace(body)
	return body[strings.LastIndex(body, "\n")+1:]
}

// showCluster lists, through client-go on base (the insecure port), what
// the hooks made: the namespaces, the kubernetes service and its
// endpoints, and, unless there is no aggregator, the APIServices. The
// tour calls it once the bootstrap controller's loops have made their
// first run (waitHooks).
func showCluster(ctx context.Context, base string, noAggregator bool) {
	transport := &http.Transport{}
	defer transport.CloseIdleConnections()
	cfg := &rest.Config{Host: base, Transport: transport}
	client, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		trace.Log(ctx).Error().Err(err).Msg(lang.Say(ctx, "tour: a client-go client"))
		return
	}
	list, err := client.CoreV1().Namespaces().List(ctx, metav1.ListOptions{})
	if err != nil {
		trace.Log(ctx).Error().Err(err).Msg(lang.Say(ctx, "client-go: list the namespaces"))
		return
	}
	var names []string
	for _, ns := range list.Items {
		names = append(names, ns.Name)
	}
	trace.Log(ctx).Info().Str(trace.LogNoteKey, lang.Say(ctx, "default comes from the bootstrap hook itself; kube-system and kube-public from its runner's first loop")).
		Msg(lang.Sayf(ctx, "client-go: the namespaces: %s", strings.Join(names, ", ")))

	if svc, err := client.CoreV1().Services(metav1.NamespaceDefault).Get(ctx, "kubernetes", metav1.GetOptions{}); err != nil {
		trace.Log(ctx).Error().Err(err).Msg(lang.Say(ctx, "client-go: get the service kubernetes"))
	} else {
		trace.Log(ctx).Info().Str(trace.LogNoteKey, lang.Say(ctx, "the first IP of --service-cluster-ip-range, port 443 to the secure port")).
			Msg(lang.Sayf(ctx, "client-go: the service kubernetes: %s", describeService(svc)))
	}
	if ep, err := client.CoreV1().Endpoints(metav1.NamespaceDefault).Get(ctx, "kubernetes", metav1.GetOptions{}); err != nil {
		trace.Log(ctx).Error().Err(err).Msg(lang.Say(ctx, "client-go: get the endpoints kubernetes"))
	} else {
		trace.Log(ctx).Info().Str(trace.LogNoteKey, lang.Say(ctx, "the advertise address and the secure port")).
			Msg(lang.Sayf(ctx, "client-go: the endpoints kubernetes: %s", describeEndpoints(ep)))
	}
	if !noAggregator {
		showAPIServices(ctx, cfg)
	}
}

func describeService(svc *corev1.Service) string {
	var ports []string
	for _, p := range svc.Spec.Ports {
		ports = append(ports, fmt.Sprintf("%s %d→%s/%s", p.Name, p.Port, p.TargetPort.String(), p.Protocol))
	}
	return fmt.Sprintf("%s %s, %s", svc.Spec.Type, svc.Spec.ClusterIP, strings.Join(ports, ", "))
}

func describeEndpoints(ep *corev1.Endpoints) string {
	var addrs []string
	for _, ss := range ep.Subsets {
		for _, a := range ss.Addresses {
			for _, p := range ss.Ports {
				addrs = append(addrs, fmt.Sprintf("%s:%d", a.IP, p.Port))
			}
		}
	}
	return strings.Join(addrs, ", ")
}

// showAPIServices lists the APIServices and whether each is Available.
func showAPIServices(ctx context.Context, cfg *rest.Config) {
	client, err := dynamic.NewForConfig(cfg)
	if err != nil {
		trace.Log(ctx).Error().Err(err).Msg(lang.Say(ctx, "tour: a client-go client"))
		return
	}
	list, err := client.Resource(apiregistration.Resource).List(ctx, metav1.ListOptions{})
	if err != nil {
		trace.Log(ctx).Error().Err(err).Msg(lang.Say(ctx, "client-go: list the APIServices"))
		return
	}
	var lines []string
	for i := range list.Items {
		lines = append(lines, describeAPIService(&list.Items[i]))
	}
	trace.Log(ctx).Info().Str(trace.LogNoteKey, lang.Say(ctx, "one per group version the delegates serve, registered by the autoregister controller, made Available by the available controller")).
		Msg(lang.Sayf(ctx, "client-go: the APIServices: %s", strings.Join(lines, "; ")))
}

func describeAPIService(u *unstructured.Unstructured) string {
	apiService, err := apiregistration.FromUnstructured(u)
	if err != nil {
		return u.GetName() + " (" + err.Error() + ")"
	}
	available := "not Available"
	if apiregistration.IsAPIServiceConditionTrue(apiService, apiregistration.Available) {
		available = "Available"
	}
	return fmt.Sprintf("%s (%s, local: %v)", apiService.Name, available, apiService.Spec.Service == nil)
}
