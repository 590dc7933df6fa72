package mux_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"

	"github.com/kubewalk/kubewalk/server/mux"
)

func text(s string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, s) })
}

func serve(h http.Handler, path string) *httptest.ResponseRecorder {
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest("GET", path, nil))
	return w
}

func TestRouting(t *testing.T) {
	m := mux.NewPathRecorderMux("test")
	m.Handle("/exact", text("exact"))
	m.UnlistedHandle("/secret", text("secret"))
	m.HandlePrefix("/public/", text("public prefix"))
	m.HandlePrefix("/public/but-more-precise/", text("precise prefix"))
	m.Handle("/public/exactmatch", text("exact under prefix"))
	m.Handle("/slash/", text("exact slash"))
	m.UnlistedHandlePrefix("/hidden/", text("hidden prefix"))
	m.NotFoundHandler(text("not found"))

	tests := []struct {
		path, want, servedBy string
	}{
		{"/exact", "exact", "test"},
		{"/exact/", "not found", ""},
		{"/secret", "secret", "test"},
		{"/public/", "public prefix", "test"},
		{"/public/x/y", "public prefix", "test"},
		{"/public/but-more-precise/z", "precise prefix", "test"},
		{"/public/exactmatch", "exact under prefix", "test"},
		{"/public/exactmatch/more", "public prefix", "test"},
		{"/slash/", "exact slash", "test"},
		{"/slash/below", "not found", ""},
		{"/hidden/x", "hidden prefix", "test"},
		{"/public", "not found", ""},
	}
	for _, tc := range tests {
		w := serve(m, tc.path)
		if got := w.Body.String(); got != tc.want {
			t.Errorf("GET %s = %q; want %q", tc.path, got, tc.want)
		}
		if got := w.Header().Get(mux.ServedByHeader); got != tc.servedBy {
			t.Errorf("GET %s: %s = %q; want %q", tc.path, mux.ServedByHeader, got, tc.servedBy)
		}
	}

	want := []string{"/exact", "/public/", "/public/but-more-precise/", "/public/exactmatch", "/slash/"}
	if got := m.ListedPaths(); !slices.Equal(got, want) {
		t.Errorf("ListedPaths() = %q; want %q", got, want)
	}
}

func TestDefaultNotFound(t *testing.T) {
	m := mux.NewPathRecorderMux("test")
	if got := serve(m, "/nothing").Code; got != http.StatusNotFound {
		t.Errorf("GET /nothing = %d; want 404", got)
	}
	m.NotFoundHandler(text("mine"))
	m.NotFoundHandler(nil)
	if got := serve(m, "/nothing").Code; got != http.StatusNotFound {
		t.Errorf("GET /nothing after NotFoundHandler(nil) = %d; want 404", got)
	}
}

func TestRegistrationPanics(t *testing.T) {
	tests := []struct {
		name string
		do   func(m *mux.PathRecorderMux)
		want string
	}{
		{"prefix without slash", func(m *mux.PathRecorderMux) { m.HandlePrefix("/x", text("")) },
			`"/x" must end in a trailing slash`},
		{"unlisted prefix without slash", func(m *mux.PathRecorderMux) { m.UnlistedHandlePrefix("/x", text("")) },
			`"/x" must end in a trailing slash`},
		{"duplicate path", func(m *mux.PathRecorderMux) { m.Handle("/dup", text("")); m.UnlistedHandle("/dup", text("")) },
			`mux test: duplicate path registration of "/dup"`},
		{"duplicate prefix", func(m *mux.PathRecorderMux) { m.HandlePrefix("/p/", text("")); m.HandlePrefix("/p/", text("")) },
			`mux test: duplicate path registration of "/p/"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			defer func() {
				if got := recover(); got != tc.want {
					t.Errorf("panic = %v; want %q", got, tc.want)
				}
			}()
			tc.do(mux.NewPathRecorderMux("test"))
		})
	}
}

// TestConcurrentUse registers paths while requests are served; run with
// -race it shows that neither side needs a lock from the other.
func TestConcurrentUse(t *testing.T) {
	m := mux.NewPathRecorderMux("test")
	var wg sync.WaitGroup
	for i := range 4 {
		wg.Add(2)
		go func() {
			defer wg.Done()
			m.Handle("/p"+string(rune('a'+i)), text("x"))
			m.ListedPaths()
		}()
		go func() {
			defer wg.Done()
			serve(m, "/pa")
		}()
	}
	wg.Wait()
	if got := len(m.ListedPaths()); got != 4 {
		t.Errorf("len(ListedPaths()) = %d; want 4", got)
	}
}

func TestUnregisterRemovesAPathAndItsListing(t *testing.T) {
	m := mux.NewPathRecorderMux("m")
	m.Handle("/apis/g/v", http.NotFoundHandler())
	m.UnlistedHandlePrefix("/apis/g/v/", http.NotFoundHandler())
	m.Unregister("/apis/g/v")
	m.Unregister("/apis/g/v/")
	m.Unregister("/never/registered")
	if paths := m.ListedPaths(); len(paths) != 0 {
		t.Errorf("ListedPaths() = %q after Unregister; want none", paths)
	}
	m.Handle("/apis/g/v", http.NotFoundHandler()) // registering again does not panic
}
