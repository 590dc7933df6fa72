package filters

import (
	"fmt"
	"net/http"

	"github.com/kubewalk/kubewalk/trace"
)

// internalError answers 500 in plain text for a request the chain cannot
// handle because it was built wrong (a filter missing before another), in
// upstream's responsewriters.InternalError form, and logs err.
func internalError(w http.ResponseWriter, r *http.Request, err error) {
	w.Header().Set("Content-Type", "text/plain")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(http.StatusInternalServerError)
	fmt.Fprintf(w, "Internal Server Error: %q: %v", r.RequestURI, err)
	trace.Log(r.Context()).Error().Err(err).Msg("Internal Server Error")
}
