package delegation_test

import (
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"

	"github.com/kubewalk/kubewalk/chapters/config"
	"github.com/kubewalk/kubewalk/chapters/delegation"
	"github.com/kubewalk/kubewalk/chapters/options"
	"github.com/kubewalk/kubewalk/server"
	"github.com/kubewalk/kubewalk/server/mux"
	"github.com/kubewalk/kubewalk/trace/kittest"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// chain builds the three servers as app.Run does and serves the
// aggregator's Director, unfiltered.
func chain(t *testing.T) *httptest.Server {
	t.Helper()
	ctx, rec := kittest.New(t)
	// The watch caches the servers start run until the test stops them.
	t.Cleanup(func() {
		rec.Kit.StopNeverStopped()
		rec.Wait(t)
	})
	s := options.NewServerRunOptions(ctx)
	s.SecureServing.BindPort = 0
	c, sharedInformers, versionedInformers, _, err := config.CreateKubeAPIServerConfig(ctx, s, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	extConfig, err := delegation.CreateAPIExtensionsConfig(ctx, *c.GenericConfig, s)
	if err != nil {
		t.Fatal(err)
	}
	ext, err := delegation.CreateAPIExtensionsServer(ctx, extConfig, server.EmptyDelegate)
	if err != nil {
		t.Fatal(err)
	}
	kube, err := delegation.CreateKubeAPIServer(ctx, c, ext.GenericAPIServer, sharedInformers)
	if err != nil {
		t.Fatal(err)
	}
	aggConfig, err := delegation.CreateAggregatorConfig(ctx, *c.GenericConfig, s, versionedInformers)
	if err != nil {
		t.Fatal(err)
	}
	agg, err := delegation.CreateAggregatorServer(ctx, aggConfig, kube.GenericAPIServer, sharedInformers, ext.Informers)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"app.createAPIExtensionsConfig", "app.createAPIExtensionsServer",
		"app.CreateKubeAPIServer", "app.createAggregatorConfig", "app.createAggregatorServer"} {
		rec.Span(t, name)
	}
	ts := httptest.NewServer(agg.GenericAPIServer.UnprotectedHandler())
	t.Cleanup(ts.Close)
	return ts
}

func TestEachPathIsServedWhereItLives(t *testing.T) {
	ts := chain(t)
	tests := []struct {
		path, servedBy string
		status         int
	}{
		{"/apis", "kube-aggregator", http.StatusOK},
		{"/apis/apiregistration.k8s.io/v1beta1/apiservices", "kube-aggregator", http.StatusOK},
		{"/api/v1/namespaces", "kube-apiserver", http.StatusOK},
		{"/version", "kube-aggregator", http.StatusOK},
		{"/apis/apiextensions.k8s.io/v1beta1/customresourcedefinitions", "apiextensions-apiserver", http.StatusOK},
		{"/apis/example.com/v1", "", http.StatusNotFound},
	}
	for _, tt := range tests {
		resp, err := http.Get(ts.URL + tt.path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tt.status || resp.Header.Get(mux.ServedByHeader) != tt.servedBy {
			t.Errorf("GET %s = %d by %q; want %d by %q", tt.path, resp.StatusCode,
				resp.Header.Get(mux.ServedByHeader), tt.status, tt.servedBy)
		}
	}
}

// TestBeforeItsHooksTheAggregatorListsOnlyItsOwnGroup: /apis lists the
// groups of the Available APIServices, which the hooks register; built
// but not run, the aggregator lists its own group alone. (The app tests
// see the whole list once the hooks ran.)
func TestBeforeItsHooksTheAggregatorListsOnlyItsOwnGroup(t *testing.T) {
	ts := chain(t)
	resp, err := http.Get(ts.URL + "/apis")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var list metav1.APIGroupList
	if err := json.NewDecoder(resp.Body).Decode(&list); err != nil {
		t.Fatal(err)
	}
	var groups []string
	for _, g := range list.Groups {
		groups = append(groups, g.PreferredVersion.GroupVersion)
	}
	if want := []string{"apiregistration.k8s.io/v1beta1"}; !slices.Equal(groups, want) {
		t.Errorf("/apis lists %q; want %q", groups, want)
	}
}

// TestTheBootstrapControllersPreShutdownHookPerEra checks the pre-shutdown
// hook CreateKubeAPIServer adds for the bootstrap controller in each era:
// none in v1.7, bootstrap-controller in v1.9 (kubernetes PR #53821), and
// stop-kubernetes-service-controller in modern.
func TestTheBootstrapControllersPreShutdownHookPerEra(t *testing.T) {
	for _, tt := range []struct {
		era  server.Era
		want []string
	}{
		{server.EraV17, nil},
		{server.EraV19, []string{"bootstrap-controller"}},
		{server.EraModern, []string{"stop-kubernetes-service-controller"}},
	} {
		t.Run(tt.era.String(), func(t *testing.T) {
			ctx, rec := kittest.New(t)
			t.Cleanup(func() { // the watch caches, which no era's test run stops
				rec.Kit.StopNeverStopped()
				rec.Wait(t)
			})
			s := options.NewServerRunOptions(ctx)
			s.SetEra(tt.era)
			ln, err := net.Listen("tcp", "127.0.0.1:0") // modern's only port: the loopback client's
			if err != nil {
				t.Fatal(err)
			}
			defer ln.Close()
			s.SecureServing.Listener = ln
			c, sharedInformers, _, _, err := config.CreateKubeAPIServerConfig(ctx, s, nil, nil)
			if err != nil {
				t.Fatal(err)
			}
			kube, err := delegation.CreateKubeAPIServer(ctx, c, server.EmptyDelegate, sharedInformers)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for name := range kube.GenericAPIServer.PreShutdownHooks() {
				got = append(got, name)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("pre-shutdown hooks %q; want %q", got, tt.want)
			}
		})
	}
}
