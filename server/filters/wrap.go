package filters

import (
	"fmt"
	"net/http"
	"runtime/debug"

	"github.com/kubewalk/kubewalk/trace"
)

// WithPanicRecovery recovers a panic of handler, logs it with upstream's
// message and the stack, and answers 500 with upstream's plain text. If
// handler had already written the status line, the 500 cannot replace it
// and the client gets a truncated response.
func WithPanicRecovery(handler http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		defer func() {
			err := recover()
			if err == nil {
				return
			}
			http.Error(w, "This request caused apisever to panic. Look in log for details.", http.StatusInternalServerError)
			trace.Log(req.Context()).Error().Str("stack", string(debug.Stack())).
				Str(trace.LogNoteKey, "the panic is contained: the request gets a 500, the server goes on").
				Msg(fmt.Sprintf("APIServer panic'd on %v %v: %v", req.Method, req.RequestURI, err))
		}()
		handler.ServeHTTP(w, req)
	})
}
