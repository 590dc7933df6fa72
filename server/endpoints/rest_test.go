package endpoints_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// TestNamespaces runs a namespace through create, get, list, update and
// delete, with bodies and answers in JSON and then in protobuf, and
// checks what the server filled in on the way.
func TestNamespaces(t *testing.T) {
	for _, mediaType := range []string{jsonType, protobufType} {
		t.Run(mediaType, func(t *testing.T) {
			s := newServer(t)
			send := func(method, path string, obj *corev1.Namespace) (*http.Response, []byte) {
				c := call{method: method, path: path, accept: mediaType}
				if obj != nil {
					c.body, c.contentType = encode(t, mediaType, obj), mediaType
				}
				resp, body := do(t, s, c)
				if got := resp.Header.Get("Content-Type"); got != mediaType {
					t.Errorf("%s %s: Content-Type %s; want %s", method, path, got, mediaType)
				}
				return resp, body
			}

			// create
			resp, body := send("POST", "/api/v1/namespaces", &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "walk"}})
			var created corev1.Namespace
			if resp.StatusCode != http.StatusCreated || decode(t, body, &created) != "Namespace" {
				t.Fatalf("POST = %d %s; want 201 and a Namespace", resp.StatusCode, body)
			}
			wantFinalizers := []corev1.FinalizerName{corev1.FinalizerKubernetes}
			if created.Name != "walk" || created.UID == "" || created.CreationTimestamp.IsZero() ||
				created.ResourceVersion != "2" || created.Status.Phase != corev1.NamespaceActive ||
				!slices.Equal(created.Spec.Finalizers, wantFinalizers) {
				t.Errorf("created %+v; want walk with a uid, a creationTimestamp, resourceVersion 2 "+
					"(the first write: an empty store is at 1, as etcd is), phase Active and finalizer kubernetes", created)
			}
			resp, body = send("POST", "/api/v1/namespaces", &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "walk"}})
			wantStatus(t, "second POST", resp, body, http.StatusConflict, metav1.StatusReasonAlreadyExists,
				`namespaces "walk" already exists`)

			// get and list
			resp, body = send("GET", "/api/v1/namespaces/walk", nil)
			var got corev1.Namespace
			if resp.StatusCode != http.StatusOK || decode(t, body, &got) != "Namespace" || got.UID != created.UID {
				t.Errorf("GET = %d %s; want 200 and the namespace created", resp.StatusCode, body)
			}
			resp, body = send("GET", "/api/v1/namespaces", nil)
			var list corev1.NamespaceList
			if resp.StatusCode != http.StatusOK || decode(t, body, &list) != "NamespaceList" ||
				len(list.Items) != 1 || list.Items[0].Name != "walk" || list.ResourceVersion != "2" {
				t.Errorf("GET list = %d %+v; want 200 and a list of walk at resourceVersion 2", resp.StatusCode, list)
			}

			// update: what a read returned goes back with changes, of
			// which the namespace strategy keeps only the label
			got.Labels = map[string]string{"chapter": "endpoints"}
			got.Spec.Finalizers, got.Status.Phase = nil, corev1.NamespaceTerminating
			resp, body = send("PUT", "/api/v1/namespaces/walk", &got)
			var updated corev1.Namespace
			if resp.StatusCode != http.StatusOK || decode(t, body, &updated) != "Namespace" ||
				updated.Labels["chapter"] != "endpoints" || updated.ResourceVersion != "3" || updated.UID != created.UID {
				t.Errorf("PUT = %d %s; want 200, the label, resourceVersion 3 and the same uid", resp.StatusCode, body)
			}
			if updated.Status.Phase != corev1.NamespaceActive || !slices.Equal(updated.Spec.Finalizers, wantFinalizers) {
				t.Errorf("PUT: phase %s, finalizers %q; want them kept: Active, %q",
					updated.Status.Phase, updated.Spec.Finalizers, wantFinalizers)
			}
			resp, body = send("PUT", "/api/v1/namespaces/walk", &got) // got is at resourceVersion 2
			wantStatus(t, "PUT of an old resourceVersion", resp, body, http.StatusConflict, metav1.StatusReasonConflict,
				"the object has been modified")

			// delete
			resp, body = send("DELETE", "/api/v1/namespaces/walk", nil)
			var deleted corev1.Namespace
			if resp.StatusCode != http.StatusOK || decode(t, body, &deleted) != "Namespace" || deleted.Name != "walk" {
				t.Errorf("DELETE = %d %s; want 200 and the namespace", resp.StatusCode, body)
			}
			for _, method := range []string{"GET", "DELETE"} {
				resp, body = send(method, "/api/v1/namespaces/walk", nil)
				wantStatus(t, method+" after DELETE", resp, body, http.StatusNotFound, metav1.StatusReasonNotFound,
					`namespaces "walk" not found`)
			}
		})
	}
}

// TestCreateSystemFields shows what a create keeps of the metadata a
// client sends, and what it replaces.
func TestCreateSystemFields(t *testing.T) {
	s := newServer(t)
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{
		GenerateName:    "walk-",
		UID:             "mine",
		ResourceVersion: "42",
		SelfLink:        "/somewhere", //lint:ignore SA1019 the test checks that selfLink is dropped
		Labels:          map[string]string{"kept": "yes"},
	}, Spec: corev1.NamespaceSpec{Finalizers: []corev1.FinalizerName{"example.com/mine"}}}
	resp, body := do(t, s, call{method: "POST", path: "/api/v1/namespaces", body: encode(t, jsonType, ns)})
	var got corev1.Namespace
	if resp.StatusCode != http.StatusCreated || decode(t, body, &got) != "Namespace" {
		t.Fatalf("POST = %d %s; want 201", resp.StatusCode, body)
	}
	if !strings.HasPrefix(got.Name, "walk-") || len(got.Name) != len("walk-")+5 {
		t.Errorf("name = %q; want walk- and five random characters", got.Name)
	}
	selfLink := got.SelfLink //lint:ignore SA1019 the test checks that selfLink is dropped
	if got.UID == "mine" || got.ResourceVersion != "2" || selfLink != "" || got.Labels["kept"] != "yes" {
		t.Errorf("uid, resourceVersion, selfLink, labels = %q, %q, %q, %v; want new, 2 (the first write), empty, kept",
			got.UID, got.ResourceVersion, selfLink, got.Labels)
	}
	want := []corev1.FinalizerName{"example.com/mine", corev1.FinalizerKubernetes}
	if !slices.Equal(got.Spec.Finalizers, want) {
		t.Errorf("finalizers = %q; want %q", got.Spec.Finalizers, want)
	}
}

// TestNamespacedResource serves configmaps below their namespaces: the
// namespace of the URL is the object's, a list without one lists all.
func TestNamespacedResource(t *testing.T) {
	s := newServer(t)
	for _, ns := range []string{"b", "a"} {
		cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "settings"}, Data: map[string]string{"ns": ns}}
		resp, body := do(t, s, call{method: "POST", path: "/api/v1/namespaces/" + ns + "/configmaps",
			body: encode(t, jsonType, cm)})
		var got corev1.ConfigMap
		if resp.StatusCode != http.StatusCreated || decode(t, body, &got) != "ConfigMap" || got.Namespace != ns {
			t.Errorf("POST in %s = %d %s; want 201 and a configmap in %[1]s", ns, resp.StatusCode, body)
		}
	}

	resp, body := do(t, s, call{method: "GET", path: "/api/v1/namespaces/a/configmaps/settings"})
	var got corev1.ConfigMap
	if resp.StatusCode != http.StatusOK || decode(t, body, &got) != "ConfigMap" || got.Data["ns"] != "a" {
		t.Errorf("GET in a = %d %s; want the configmap of a", resp.StatusCode, body)
	}
	resp, body = do(t, s, call{method: "GET", path: "/api/v1/configmaps"})
	var all corev1.ConfigMapList
	decode(t, body, &all)
	var where []string
	for _, cm := range all.Items {
		where = append(where, cm.Namespace+"/"+cm.Name)
	}
	if want := []string{"a/settings", "b/settings"}; resp.StatusCode != http.StatusOK || !slices.Equal(where, want) {
		t.Errorf("GET /api/v1/configmaps = %d %q; want 200 %q", resp.StatusCode, where, want)
	}

	other := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "x", Namespace: "b"}}
	resp, body = do(t, s, call{method: "POST", path: "/api/v1/namespaces/a/configmaps", body: encode(t, jsonType, other)})
	wantStatus(t, "POST of an object of b in a", resp, body, http.StatusBadRequest, metav1.StatusReasonBadRequest,
		"the namespace of the provided object does not match the namespace sent on the request")
	for _, c := range []call{
		{method: "GET", path: "/api/v1/configmaps/settings"},
		{method: "GET", path: "/api/v1/namespaces/a/configmaps/settings/data"},
	} {
		resp, body = do(t, s, c)
		wantStatus(t, c.method+" "+c.path, resp, body, http.StatusNotFound, metav1.StatusReasonNotFound,
			"the server could not find the requested resource")
	}
}

// TestConcurrentCreates creates namespaces from many goroutines at once:
// under -race it checks the store's locking, and every create must get a
// revision of its own.
func TestConcurrentCreates(t *testing.T) {
	const n = 16
	m := newMux(t)
	bodies := make([]string, n)
	for i := range bodies {
		bodies[i] = encode(t, jsonType, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("ns-%02d", i)}})
	}
	responses := make([]*httptest.ResponseRecorder, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			responses[i] = httptest.NewRecorder()
			m.ServeHTTP(responses[i], httptest.NewRequest("POST", "/api/v1/namespaces", strings.NewReader(bodies[i])))
		})
	}
	wg.Wait()
	versions := make([]string, n)
	for i, w := range responses {
		var got corev1.Namespace
		decode(t, w.Body.Bytes(), &got)
		versions[i] = got.ResourceVersion
	}
	slices.Sort(versions)
	if got := slices.Compact(versions); len(got) != n || slices.Contains(got, "") {
		t.Errorf("resourceVersions of %d creates = %q; want %d different ones", n, versions, n)
	}
}
