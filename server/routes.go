package server

import (
	"encoding/json"
	"net/http"
	"net/http/pprof"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/version"
)

// indexHandler answers with status and the paths listed by paths, as a
// metav1.RootPaths document: upstream's routes.Index (status 200, at /)
// and routes.IndexLister (status 404, at the end of the chain).
func indexHandler(status int, paths func() []string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, status, metav1.RootPaths{Paths: paths()})
	})
}

// versionHandler serves /version: info as JSON (upstream's routes.Version).
func versionHandler(info version.Info) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, info)
	})
}

// writeJSON answers status with v, indented as upstream's
// responsewriters do for these small documents.
func writeJSON(w http.ResponseWriter, status int, v any) {
	body, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(body)
}

// installProfiling serves Go's profiler below /debug/pprof/ (upstream's
// routes.Profiling). The index handler serves every named profile.
func installProfiling(mux interface {
	UnlistedHandleFunc(string, func(http.ResponseWriter, *http.Request))
	UnlistedHandlePrefix(string, http.Handler)
}) {
	mux.UnlistedHandlePrefix("/debug/pprof/", http.HandlerFunc(pprof.Index))
	mux.UnlistedHandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.UnlistedHandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.UnlistedHandleFunc("/debug/pprof/trace", pprof.Trace)
}
