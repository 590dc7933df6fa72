package delegation_test

import (
	"encoding/json"
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
