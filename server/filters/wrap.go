package filters

import (
	"net/http"
	"runtime/debug"

	"github.com/kubewalk/kubewalk/trace"
	"github.com/kubewalk/kubewalk/trace/lang"
)

// WithPanicRecovery recovers a panic of handler, logs it with upstream's
// message and the stack, and answers 500 with upstream's plain text. If
// handler had already begun its response, the 500 cannot replace it: the
// response ends where handler left it, and only the log tells.
func WithPanicRecovery(handler http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		sw := &statusWriter{ResponseWriter: w}
		defer func() {
			err := recover()
			if err == nil {
				return
			}
			// Writing the 500 after the handler's status line would append
			// its text to the handler's body.
			if sw.code == 0 {
				http.Error(w, "This request caused apisever to panic. Look in log for details.",
					http.StatusInternalServerError)
			}
			trace.Log(req.Context()).Error().Str("stack", string(debug.Stack())).
				Str(trace.LogNoteKey, lang.Say(req.Context(), "the panic is contained: the request gets a 500, the server goes on")).
				Msgf("APIServer panic'd on %v %v: %v", req.Method, req.RequestURI, err)
		}()
		handler.ServeHTTP(sw, req)
	})
}
