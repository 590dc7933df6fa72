package mux

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
)

// ServedByHeader is the response header a PathRecorderMux sets to its name
// when one of its own paths matched the request. It is ours, not upstream's.
const ServedByHeader = "X-Kubewalk-Served-By"

// PathRecorderMux routes requests by path and records the paths registered
// with Handle, HandleFunc and HandlePrefix, which ListedPaths returns (the
// index at / lists them). Unlisted variants register without recording.
//
// A request is served by the handler registered for exactly its path, else
// by the handler of the longest matching prefix, else by the not-found
// handler. A PathRecorderMux is safe for concurrent use: registering builds
// a new routing table and swaps it in, so serving never takes a lock.
type PathRecorderMux struct {
	name string

	lock            sync.Mutex // guards the fields below and serialises rebuilds
	notFoundHandler http.Handler
	pathToHandler   map[string]http.Handler
	prefixToHandler map[string]http.Handler
	exposedPaths    []string

	mux atomic.Pointer[pathHandler] // the current routing table
}

// pathHandler is an immutable routing table.
type pathHandler struct {
	muxName         string
	pathToHandler   map[string]http.Handler
	prefixHandlers  []prefixHandler // most slashes first, then longest
	notFoundHandler http.Handler
}

type prefixHandler struct {
	prefix  string
	handler http.Handler
}

// NewPathRecorderMux returns an empty mux whose not-found handler is
// http.NotFoundHandler. name is the value of [ServedByHeader] on the
// responses it serves itself.
func NewPathRecorderMux(name string) *PathRecorderMux {
	m := &PathRecorderMux{
		name:            name,
		pathToHandler:   map[string]http.Handler{},
		prefixToHandler: map[string]http.Handler{},
	}
	m.refreshMuxLocked()
	return m
}

// ListedPaths returns the listed paths, sorted.
func (m *PathRecorderMux) ListedPaths() []string {
	m.lock.Lock()
	defer m.lock.Unlock()
	paths := slices.Clone(m.exposedPaths)
	slices.Sort(paths)
	return paths
}

// NotFoundHandler sets the handler for requests no path matches. A nil
// handler restores http.NotFoundHandler.
func (m *PathRecorderMux) NotFoundHandler(notFoundHandler http.Handler) {
	m.lock.Lock()
	defer m.lock.Unlock()
	m.notFoundHandler = notFoundHandler
	m.refreshMuxLocked()
}

// Unregister removes path, registered as a path or as a prefix, and its
// listing; a path not registered is left alone.
func (m *PathRecorderMux) Unregister(path string) {
	m.lock.Lock()
	defer m.lock.Unlock()
	delete(m.pathToHandler, path)
	delete(m.prefixToHandler, path)
	m.exposedPaths = slices.DeleteFunc(m.exposedPaths, func(p string) bool { return p == path })
	m.refreshMuxLocked()
}

// Handle registers handler for exactly path and lists path. It panics if
// path is already registered.
func (m *PathRecorderMux) Handle(path string, handler http.Handler) {
	m.register(path, handler, m.pathToHandler, true)
}

// HandleFunc is Handle for a function.
func (m *PathRecorderMux) HandleFunc(path string, handler func(http.ResponseWriter, *http.Request)) {
	m.Handle(path, http.HandlerFunc(handler))
}

// UnlistedHandle is Handle without listing path.
func (m *PathRecorderMux) UnlistedHandle(path string, handler http.Handler) {
	m.register(path, handler, m.pathToHandler, false)
}

// UnlistedHandleFunc is UnlistedHandle for a function.
func (m *PathRecorderMux) UnlistedHandleFunc(path string, handler func(http.ResponseWriter, *http.Request)) {
	m.UnlistedHandle(path, http.HandlerFunc(handler))
}

// HandlePrefix registers handler for every path that starts with prefix,
// and lists prefix. prefix must end in a slash; HandlePrefix panics if it
// does not, or if prefix is already registered.
func (m *PathRecorderMux) HandlePrefix(prefix string, handler http.Handler) {
	mustEndInSlash(prefix)
	m.register(prefix, handler, m.prefixToHandler, true)
}

// UnlistedHandlePrefix is HandlePrefix without listing prefix.
func (m *PathRecorderMux) UnlistedHandlePrefix(prefix string, handler http.Handler) {
	mustEndInSlash(prefix)
	m.register(prefix, handler, m.prefixToHandler, false)
}

func mustEndInSlash(prefix string) {
	if !strings.HasSuffix(prefix, "/") {
		panic(fmt.Sprintf("%q must end in a trailing slash", prefix))
	}
}

func (m *PathRecorderMux) register(path string, handler http.Handler, to map[string]http.Handler, listed bool) {
	m.lock.Lock()
	defer m.lock.Unlock()
	if _, exists := to[path]; exists {
		panic(fmt.Sprintf("mux %s: duplicate path registration of %q", m.name, path))
	}
	to[path] = handler
	if listed {
		m.exposedPaths = append(m.exposedPaths, path)
	}
	m.refreshMuxLocked()
}

// refreshMuxLocked builds a new routing table from the registrations and
// swaps it in. The caller holds m.lock.
func (m *PathRecorderMux) refreshMuxLocked() {
	h := &pathHandler{
		muxName:         m.name,
		pathToHandler:   make(map[string]http.Handler, len(m.pathToHandler)),
		notFoundHandler: m.notFoundHandler,
	}
	if h.notFoundHandler == nil {
		h.notFoundHandler = http.NotFoundHandler()
	}
	for path, handler := range m.pathToHandler {
		h.pathToHandler[path] = handler
	}
	for prefix, handler := range m.prefixToHandler {
		h.prefixHandlers = append(h.prefixHandlers, prefixHandler{prefix, handler})
	}
	slices.SortFunc(h.prefixHandlers, func(a, b prefixHandler) int {
		return byPrefixPriority(a.prefix, b.prefix)
	})
	m.mux.Store(h)
}

// byPrefixPriority orders prefixes the way they must be tried: more
// slashes first, then longer, then alphabetically, so the most specific
// prefix wins.
func byPrefixPriority(a, b string) int {
	if d := strings.Count(b, "/") - strings.Count(a, "/"); d != 0 {
		return d
	}
	if d := len(b) - len(a); d != 0 {
		return d
	}
	return strings.Compare(a, b)
}

// ServeHTTP routes r through the current routing table.
func (m *PathRecorderMux) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	m.mux.Load().ServeHTTP(w, r)
}

func (h *pathHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if exact, ok := h.pathToHandler[r.URL.Path]; ok {
		w.Header().Set(ServedByHeader, h.muxName)
		exact.ServeHTTP(w, r)
		return
	}
	for _, p := range h.prefixHandlers {
		if strings.HasPrefix(r.URL.Path, p.prefix) {
			w.Header().Set(ServedByHeader, h.muxName)
			p.handler.ServeHTTP(w, r)
			return
		}
	}
	h.notFoundHandler.ServeHTTP(w, r)
}
