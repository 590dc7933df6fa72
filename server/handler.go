package server

import (
	"net/http"

	"github.com/kubewalk/kubewalk/server/mux"
)

// APIServerHandler holds the handlers of one server:
//
//	FullHandlerChain → Director = NonGoRestfulMux → (not found) the delegate's Director
//
// Upstream's Director chose between a go-restful container (the API
// groups, /version, /apis) and the NonGoRestfulMux; without go-restful
// everything is installed on the mux, and the Director is the mux itself.
type APIServerHandler struct {
	// FullHandlerChain is the Director wrapped in the filters; the server
	// serves it.
	FullHandlerChain http.Handler
	// NonGoRestfulMux is where every path of this server is installed.
	// Its not-found handler is the delegate's Director, or the end of
	// the chain.
	NonGoRestfulMux *mux.PathRecorderMux
	// Director routes a request that has passed the filters. A server
	// that delegates to this one calls it directly, so a request meets
	// the filters once, in the outermost server.
	Director http.Handler
}

// HandlerChainBuilderFn wraps the Director in filters.
type HandlerChainBuilderFn func(apiHandler http.Handler) http.Handler

// NewAPIServerHandler returns the handlers of a server named name. Paths
// no one installed go to notFoundHandler, or get http.NotFound when it is
// nil.
func NewAPIServerHandler(name string, handlerChainBuilder HandlerChainBuilderFn, notFoundHandler http.Handler) *APIServerHandler {
	nonGoRestfulMux := mux.NewPathRecorderMux(name)
	if notFoundHandler != nil {
		nonGoRestfulMux.NotFoundHandler(notFoundHandler)
	}
	return &APIServerHandler{
		FullHandlerChain: handlerChainBuilder(nonGoRestfulMux),
		NonGoRestfulMux:  nonGoRestfulMux,
		Director:         nonGoRestfulMux,
	}
}

// ListedPaths returns the paths installed on this server and listed, sorted.
func (a *APIServerHandler) ListedPaths() []string {
	return a.NonGoRestfulMux.ListedPaths()
}

// ServeHTTP serves r through the FullHandlerChain.
func (a *APIServerHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	a.FullHandlerChain.ServeHTTP(w, r)
}
