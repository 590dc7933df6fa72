package filters

import (
	"net/http"

	"github.com/kubewalk/kubewalk/trace"
)

// WithTracing opens a request span (trace.Request) around handler for
// every request, and records the response status on it, or that the
// request was cut off: its connection went away before the handler
// returned (its client hung up, or a watch's stream was cut). When the trace
// kit does not record requests it calls handler directly and costs
// nothing. It is ours: upstream v1.7 had no tracing (v1.22 added a
// WithTracing filter for OpenTelemetry).
func WithTracing(handler http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		traced, end := trace.Request(r)
		if traced == r { // nothing records: trace.Request promises r unchanged
			handler.ServeHTTP(w, r)
			return
		}
		sw := &statusWriter{ResponseWriter: w}
		defer func() {
			status := sw.status()
			// net/http cancels the context once the handler has returned; done
			// before, it says the connection went away under the request.
			if traced.Context().Err() != nil {
				status = 0 // cut off
			}
			end(status)
		}()
		handler.ServeHTTP(sw, traced)
	})
}

// statusWriter remembers the status code a handler answered with.
type statusWriter struct {
	http.ResponseWriter
	code int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.code == 0 {
		w.code = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(p []byte) (int, error) {
	if w.code == 0 {
		w.code = http.StatusOK
	}
	return w.ResponseWriter.Write(p)
}

// Flush passes a flush on, so streaming handlers still stream.
func (w *statusWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		if w.code == 0 {
			w.code = http.StatusOK
		}
		f.Flush()
	}
}

// Unwrap lets http.ResponseController reach the server's writer.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// status is the code answered, or 200 if the handler wrote nothing.
func (w *statusWriter) status() int {
	if w.code == 0 {
		return http.StatusOK
	}
	return w.code
}
