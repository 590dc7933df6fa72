package registry_test

import (
	"context"
	"testing"

	"github.com/kubewalk/kubewalk/server/registry"
	"github.com/kubewalk/kubewalk/server/registry/core/namespace"
	"github.com/kubewalk/kubewalk/server/request"
	"github.com/kubewalk/kubewalk/server/storage/memory"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/runtime/serializer"
)

// TestKeys checks where a Store on the default getter keeps an object:
// at /registry/namespaces/<name>, as v1.7 lays out etcd.
func TestKeys(t *testing.T) {
	scheme := runtime.NewScheme()
	if err := corev1.AddToScheme(scheme); err != nil {
		t.Fatal(err)
	}
	cf := serializer.NewCodecFactory(scheme).WithoutConversion()
	info, _ := runtime.SerializerInfoForMediaType(cf.SupportedMediaTypes(), runtime.ContentTypeJSON)
	codec := runtime.NewCodec(cf.EncoderForVersion(info.Serializer, corev1.SchemeGroupVersion),
		cf.DecoderToVersion(info.Serializer, corev1.SchemeGroupVersion))
	b := memory.NewBackend(0)
	store := &registry.Store{
		NewFunc:           func() runtime.Object { return &corev1.Namespace{} },
		NewListFunc:       func() runtime.Object { return &corev1.NamespaceList{} },
		QualifiedResource: schema.GroupResource{Resource: "namespaces"},
		CreateStrategy:    namespace.NewStrategy(scheme),
		UpdateStrategy:    namespace.NewStrategy(scheme),
	}
	if err := store.CompleteWithOptions(context.Background(), registry.MemoryRESTOptionsGetter{Backend: b}, codec); err != nil {
		t.Fatal(err)
	}
	ctx := request.WithNamespace(context.Background(), "")
	if _, err := store.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "demo"}}); err != nil {
		t.Fatal(err)
	}
	raw := memory.New(b, codec, "/")
	got := &corev1.Namespace{}
	if err := raw.Get(ctx, "/registry/namespaces/demo", "", got, false); err != nil || got.Name != "demo" {
		t.Errorf("Get(/registry/namespaces/demo) = %v, %q; want the namespace demo", err, got.Name)
	}
}
