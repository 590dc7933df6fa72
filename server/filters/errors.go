package filters

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/kubewalk/kubewalk/trace"
)

// sanitizer keeps text taken from a request from reading as HTML, as
// upstream's responsewriters do; quotes are fine.
var sanitizer = strings.NewReplacer(`&`, "&amp;", `<`, "&lt;", `>`, "&gt;")

// internalError answers 500 in plain text for a request the chain cannot
// handle because it was built wrong (a filter missing before another), in
// upstream's responsewriters.InternalError form, and logs err.
func internalError(w http.ResponseWriter, r *http.Request, err error) {
	w.Header().Set("Content-Type", "text/plain")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(http.StatusInternalServerError)
	fmt.Fprintf(w, "Internal Server Error: %q: %v", sanitizer.Replace(r.RequestURI), err)
	trace.Log(r.Context()).Error().Err(err).Msg("Internal Server Error")
}
