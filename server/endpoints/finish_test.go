package endpoints_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/kubewalk/kubewalk/server/endpoints"
	"github.com/kubewalk/kubewalk/server/mux"
	"github.com/kubewalk/kubewalk/server/registry"
	"github.com/kubewalk/kubewalk/server/storage"
	"github.com/kubewalk/kubewalk/server/storage/memory"
	"github.com/kubewalk/kubewalk/server/storage/storagebackend"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// stuckGetter stores objects in memory, but its creates wait until their
// context is done, as a call to an etcd that is gone does.
type stuckGetter struct{ b *memory.Backend }

func (g stuckGetter) GetRESTOptions(ctx context.Context, gr schema.GroupResource) (registry.RESTOptions, error) {
	return registry.RESTOptions{
		StorageConfig: &storagebackend.Config{Prefix: registry.DefaultPrefix, Memory: g.b},
		Decorator: func(ctx context.Context, config *storagebackend.Config, capacity *int, objectType runtime.Object,
			resourcePrefix string, keyFunc func(runtime.Object) (string, error), newListFunc func() runtime.Object,
			getAttrsFunc storage.AttrFunc) (storage.Interface, registry.DestroyFunc, error) {
			return stuckCreates{memory.New(g.b, config.Codec, config.Prefix)}, func() {}, nil
		},
		ResourcePrefix: gr.Resource,
	}, nil
}

type stuckCreates struct{ storage.Interface }

func (stuckCreates) Create(ctx context.Context, _ string, _, _ runtime.Object) error {
	<-ctx.Done()
	return ctx.Err()
}

// TestWriteTimeout checks upstream's finishRequest: a write that takes
// longer than ?timeout= is answered 504 Timeout "request did not
// complete within allowed duration"; and that the write's goroutine ends
// with the request (goleak, in TestMain).
func TestWriteTimeout(t *testing.T) {
	info := coreGroup()
	info.RESTOptionsGetter = stuckGetter{memory.NewBackend(0)}
	m := mux.NewPathRecorderMux("test")
	if err := endpoints.InstallLegacyAPI(context.Background(), m, "/api", info); err != nil {
		t.Fatal(err)
	}
	s := httptest.NewServer(m)
	defer s.Close()
	resp, body := do(t, s, call{method: http.MethodPost, path: "/api/v1/namespaces?timeout=50ms",
		body: `{"metadata":{"name":"demo"}}`, contentType: "application/json"})
	var status metav1.Status
	if err := json.Unmarshal(body, &status); err != nil {
		t.Fatalf("body %s: %v", body, err)
	}
	if resp.StatusCode != http.StatusGatewayTimeout || status.Reason != metav1.StatusReasonTimeout ||
		status.Message != "Timeout: request did not complete within allowed duration" {
		t.Errorf("a create that never ends: %d %+v; want 504 Timeout, upstream's message", resp.StatusCode, status)
	}
}
