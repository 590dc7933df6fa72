package endpoints_test

import (
	"context"
	"net/http"
	"slices"
	"sync"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
)

// clientConfig returns a client-go config for a new server; the
// transport's connections are closed before the server is.
func clientConfig(t *testing.T) *rest.Config {
	t.Helper()
	s := newServer(t)
	transport := &http.Transport{}
	t.Cleanup(transport.CloseIdleConnections) // registered after s.Close, so run before it
	return &rest.Config{Host: s.URL, Transport: transport}
}

// TestClientGoDiscovery reads the groups and resources with client-go's
// discovery client, as kubectl does before anything else. It asks for
// aggregated discovery first and falls back to the documents we serve.
func TestClientGoDiscovery(t *testing.T) {
	dc, err := discovery.NewDiscoveryClientForConfig(clientConfig(t))
	if err != nil {
		t.Fatal(err)
	}
	groups, resources, err := dc.ServerGroupsAndResources()
	if err != nil {
		t.Fatalf("ServerGroupsAndResources: %v", err)
	}
	var names []string
	for _, g := range groups {
		names = append(names, g.Name+" "+g.PreferredVersion.GroupVersion)
	}
	want := []string{" v1", "apiextensions.k8s.io apiextensions.k8s.io/v1beta1",
		"apiregistration.k8s.io apiregistration.k8s.io/v1beta1"}
	if !slices.Equal(names, want) {
		t.Errorf("groups = %q; want %q", names, want)
	}

	type resource struct {
		kind       string
		namespaced bool
	}
	found := map[string]resource{}
	for _, list := range resources {
		for _, r := range list.APIResources {
			found[list.GroupVersion+" "+r.Name] = resource{r.Kind, r.Namespaced}
			if !slices.Equal(r.Verbs, allVerbs) {
				t.Errorf("%s %s verbs = %q; want %q", list.GroupVersion, r.Name, r.Verbs, allVerbs)
			}
		}
	}
	wantFound := map[string]resource{
		"v1 namespaces": {"Namespace", false},
		"v1 configmaps": {"ConfigMap", true},
		"apiextensions.k8s.io/v1beta1 customresourcedefinitions": {"CustomResourceDefinition", false},
		"apiregistration.k8s.io/v1beta1 apiservices":             {"APIService", false},
	}
	if len(found) != len(wantFound) {
		t.Errorf("resources = %v; want %v", found, wantFound)
	}
	for name, w := range wantFound {
		if found[name] != w {
			t.Errorf("%s = %+v; want %+v", name, found[name], w)
		}
	}
}

// TestClientGoNamespacesOverProtobuf drives namespaces with the typed
// clientset, set to protobuf as kube-apiserver's own clients are, and
// checks that every answer was protobuf.
func TestClientGoNamespacesOverProtobuf(t *testing.T) {
	config := clientConfig(t)
	config.ContentType = protobufType
	var mu sync.Mutex
	var answers []string // the Content-Type of every response
	config.WrapTransport = func(rt http.RoundTripper) http.RoundTripper {
		return roundTripperFunc(func(r *http.Request) (*http.Response, error) {
			resp, err := rt.RoundTrip(r)
			if err == nil {
				mu.Lock()
				answers = append(answers, r.Method+" "+resp.Header.Get("Content-Type"))
				mu.Unlock()
			}
			return resp, err
		})
	}
	cs, err := kubernetes.NewForConfig(config)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	namespaces := cs.CoreV1().Namespaces()

	walk := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "walk"}}
	created, err := namespaces.Create(ctx, walk, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("Create: %v", err)
	}
	if created.Status.Phase != corev1.NamespaceActive || created.UID == "" {
		t.Errorf("Create = %+v; want an Active namespace with a uid", created)
	}
	if _, err := namespaces.Create(ctx, walk, metav1.CreateOptions{}); !apierrors.IsAlreadyExists(err) {
		t.Errorf("second Create = %v; want AlreadyExists", err)
	}
	got, err := namespaces.Get(ctx, "walk", metav1.GetOptions{})
	if err != nil || got.UID != created.UID {
		t.Fatalf("Get = %+v, %v; want the namespace created", got, err)
	}
	got.Labels = map[string]string{"chapter": "endpoints"}
	updated, err := namespaces.Update(ctx, got, metav1.UpdateOptions{})
	if err != nil || updated.Labels["chapter"] != "endpoints" {
		t.Fatalf("Update = %+v, %v; want the namespace with its label", updated, err)
	}
	list, err := namespaces.List(ctx, metav1.ListOptions{})
	if err != nil || len(list.Items) != 1 || list.Items[0].Labels["chapter"] != "endpoints" {
		t.Fatalf("List = %+v, %v; want the updated namespace alone", list, err)
	}
	if err := namespaces.Delete(ctx, "walk", metav1.DeleteOptions{}); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	if _, err := namespaces.Get(ctx, "walk", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("Get after Delete = %v; want NotFound", err)
	}

	want := []string{"POST", "POST", "GET", "PUT", "GET", "DELETE", "GET"}
	if len(answers) != len(want) {
		t.Fatalf("answers = %q; want one for each of %q", answers, want)
	}
	for i, a := range answers {
		if a != want[i]+" "+protobufType {
			t.Errorf("answer %d = %q; want %s %s", i, a, want[i], protobufType)
		}
	}
}

type roundTripperFunc func(*http.Request) (*http.Response, error)

func (f roundTripperFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
