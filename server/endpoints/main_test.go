package endpoints_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/kubewalk/kubewalk/server/endpoints"
	"github.com/kubewalk/kubewalk/server/mux"
	"github.com/kubewalk/kubewalk/server/registry/core/namespace"
	"go.uber.org/goleak"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
)

// The tests serve over loopback sockets, and client-go keeps connections
// of its own: every one must be closed when a test ends.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

const (
	jsonType     = "application/json"
	protobufType = "application/vnd.kubernetes.protobuf"
)

var (
	apiextensions   = schema.GroupVersion{Group: "apiextensions.k8s.io", Version: "v1beta1"}
	apiregistration = schema.GroupVersion{Group: "apiregistration.k8s.io", Version: "v1beta1"}
)

func coreScheme() *runtime.Scheme {
	scheme := runtime.NewScheme()
	utilruntime.Must(corev1.AddToScheme(scheme))
	return scheme
}

// coreGroup is the legacy group: cluster-scoped namespaces and namespaced
// configmaps, both typed.
func coreGroup() *endpoints.APIGroupInfo {
	scheme := coreScheme()
	return &endpoints.APIGroupInfo{
		GroupVersion: corev1.SchemeGroupVersion,
		Scheme:       scheme,
		Resources: []endpoints.Resource{{
			Name:       "namespaces",
			Kind:       "Namespace",
			ShortNames: []string{"ns"},
			New:        func() runtime.Object { return &corev1.Namespace{} },
			NewList:    func() runtime.Object { return &corev1.NamespaceList{} },
			Strategy:   namespace.NewStrategy(scheme),
		}, {
			Name:       "configmaps",
			Kind:       "ConfigMap",
			Namespaced: true,
			ShortNames: []string{"cm"},
			New:        func() runtime.Object { return &corev1.ConfigMap{} },
			NewList:    func() runtime.Object { return &corev1.ConfigMapList{} },
		}},
	}
}

// namedGroups are two groups whose resources have no Go types here.
func namedGroups() []*endpoints.APIGroupInfo {
	return []*endpoints.APIGroupInfo{{
		GroupVersion: apiextensions,
		Resources: []endpoints.Resource{{
			Name: "customresourcedefinitions", Kind: "CustomResourceDefinition", ShortNames: []string{"crd", "crds"},
		}},
	}, {
		GroupVersion: apiregistration,
		Resources:    []endpoints.Resource{{Name: "apiservices", Kind: "APIService"}},
	}}
}

// newMux installs the core group at /api, the named groups below /apis
// and /apis itself, as a generic server does, with endpoints.NotFound for
// every other path.
func newMux(t testing.TB) *mux.PathRecorderMux {
	t.Helper()
	m := mux.NewPathRecorderMux("test")
	if err := endpoints.InstallLegacyAPI(context.Background(), m, "/api", coreGroup()); err != nil {
		t.Fatalf("InstallLegacyAPI: %v", err)
	}
	var groups []metav1.APIGroup
	for _, info := range namedGroups() {
		if err := endpoints.InstallAPIGroup(context.Background(), m, info); err != nil {
			t.Fatalf("InstallAPIGroup(%s): %v", info.GroupVersion, err)
		}
		groups = append(groups, info.APIGroup())
	}
	m.Handle("/apis", endpoints.GroupsHandler(func() []metav1.APIGroup { return groups }))
	m.NotFoundHandler(endpoints.NotFound())
	return m
}

// newServer serves newMux on a loopback port until the test ends.
func newServer(t testing.TB) *httptest.Server {
	t.Helper()
	s := httptest.NewServer(newMux(t))
	t.Cleanup(s.Close)
	return s
}

// call is one request of a test.
type call struct {
	method, path        string
	body                string
	contentType, accept string // left out of the request when empty
}

// do sends c to s and returns the response, whose body it has read.
func do(t *testing.T, s *httptest.Server, c call) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(c.method, s.URL+c.path, strings.NewReader(c.body))
	if err != nil {
		t.Fatal(err)
	}
	if c.contentType != "" {
		req.Header.Set("Content-Type", c.contentType)
	}
	if c.accept != "" {
		req.Header.Set("Accept", c.accept)
	}
	resp, err := s.Client().Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", c.method, c.path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: reading the body: %v", c.method, c.path, err)
	}
	return resp, body
}

// encode returns obj in mediaType, as a client built on the core scheme
// sends it.
func encode(t *testing.T, mediaType string, obj runtime.Object) string {
	t.Helper()
	codecs := serializer.NewCodecFactory(coreScheme())
	info, ok := runtime.SerializerInfoForMediaType(codecs.SupportedMediaTypes(), mediaType)
	if !ok {
		t.Fatalf("no serializer for %s", mediaType)
	}
	var buf bytes.Buffer
	if err := codecs.EncoderForVersion(info.Serializer, corev1.SchemeGroupVersion).Encode(obj, &buf); err != nil {
		t.Fatalf("encoding %T as %s: %v", obj, mediaType, err)
	}
	return buf.String()
}

// decode decodes body, in any media type the core scheme knows, into
// into and returns the kind the body named.
func decode(t *testing.T, body []byte, into runtime.Object) string {
	t.Helper()
	codecs := serializer.NewCodecFactory(coreScheme())
	_, gvk, err := codecs.UniversalDeserializer().Decode(body, nil, into)
	if err != nil {
		t.Fatalf("decoding %q into %T: %v", body, into, err)
	}
	return gvk.Kind
}

// wantStatus checks that a response is the Status of a failure with code
// and reason, and that its message contains message.
func wantStatus(t *testing.T, what string, resp *http.Response, body []byte,
	code int, reason metav1.StatusReason, message string) {
	t.Helper()
	if resp.StatusCode != code {
		t.Errorf("%s: status %d; want %d (body %s)", what, resp.StatusCode, code, body)
		return
	}
	var status metav1.Status
	if kind := decode(t, body, &status); kind != "Status" {
		t.Errorf("%s: body is a %q; want a Status", what, kind)
	}
	if status.Status != metav1.StatusFailure || status.Code != int32(code) || status.Reason != reason ||
		!strings.Contains(status.Message, message) {
		t.Errorf("%s: Status %s, %d, %s, %q; want Failure, %d, %s, containing %q",
			what, status.Status, status.Code, status.Reason, status.Message, code, reason, message)
	}
}

// newMuxWith installs only the named groups infos.
func newMuxWith(t *testing.T, infos ...*endpoints.APIGroupInfo) *mux.PathRecorderMux {
	t.Helper()
	m := mux.NewPathRecorderMux("test")
	for _, info := range infos {
		if err := endpoints.InstallAPIGroup(context.Background(), m, info); err != nil {
			t.Fatalf("InstallAPIGroup(%s): %v", info.GroupVersion, err)
		}
	}
	return m
}
