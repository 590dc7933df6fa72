package serverstorage_test

import (
	"bytes"
	"context"
	"slices"
	"testing"

	"github.com/kubewalk/kubewalk/server/serverstorage"
	"github.com/kubewalk/kubewalk/server/storage/storagebackend"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/runtime/serializer"
)

func factory(t *testing.T, mediaType string) *serverstorage.DefaultStorageFactory {
	t.Helper()
	scheme := runtime.NewScheme()
	if err := corev1.AddToScheme(scheme); err != nil {
		t.Fatal(err)
	}
	encoding := serverstorage.NewDefaultResourceEncodingConfig()
	encoding.SetVersionEncoding("", corev1.SchemeGroupVersion)
	return serverstorage.NewDefaultStorageFactory(storagebackend.Config{Prefix: "/registry", ServerList: []string{"http://127.0.0.1:2379"}},
		mediaType, serializer.NewCodecFactory(scheme), encoding)
}

// TestResourcePrefix checks v1.7's keys: the resource's name, but for a
// few that history named otherwise; never the group.
func TestResourcePrefix(t *testing.T) {
	f := factory(t, "")
	for gr, want := range map[schema.GroupResource]string{
		{Resource: "namespaces"}: "namespaces",
		{Resource: "services"}:   "services/specs",
		{Resource: "endpoints"}:  "services/endpoints",
		{Resource: "nodes"}:      "minions",
		{Group: "rbac.authorization.k8s.io", Resource: "clusterroles"}: "clusterroles",
	} {
		if got := f.ResourcePrefix(gr); got != want {
			t.Errorf("ResourcePrefix(%v) = %q; want %q", gr, got, want)
		}
	}
}

// TestNewConfig checks a resource's codec: it writes protobuf (k8s and a
// zero byte first) when told to, and reads JSON as well; and an override
// moves a resource to other etcd servers.
func TestNewConfig(t *testing.T) {
	ctx := context.Background()
	f := factory(t, "application/vnd.kubernetes.protobuf")
	f.SetEtcdLocation(schema.GroupResource{Resource: "events"}, []string{"http://127.0.0.1:2380"})
	config, err := f.NewConfig(ctx, schema.GroupResource{Resource: "namespaces"})
	if err != nil {
		t.Fatal(err)
	}
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "demo"}}
	data, err := runtime.Encode(config.Codec, ns)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(data, []byte("k8s\x00")) {
		t.Errorf("stored value %q; want protobuf, k8s\\x00 first", data)
	}
	out := &corev1.Namespace{}
	if _, _, err := config.Codec.Decode([]byte(`{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"json"}}`), nil, out); err != nil || out.Name != "json" {
		t.Errorf("decoding JSON = %v, %q; want a namespace called json", err, out.Name)
	}
	if !slices.Equal(config.ServerList, []string{"http://127.0.0.1:2379"}) {
		t.Errorf("namespaces stored on %v; want the default servers", config.ServerList)
	}
	events, err := f.NewConfig(ctx, schema.GroupResource{Resource: "events"})
	if err != nil || !slices.Equal(events.ServerList, []string{"http://127.0.0.1:2380"}) {
		t.Errorf("events stored on %v, %v; want the override's servers", events.ServerList, err)
	}
	if _, err := factory(t, "text/nothing").NewConfig(ctx, schema.GroupResource{Resource: "namespaces"}); err == nil ||
		err.Error() != `unable to find serializer for "text/nothing"` {
		t.Errorf("NewConfig with an unknown media type = %v; want upstream's error", err)
	}
}
