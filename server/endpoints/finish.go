package endpoints

import (
	"context"
	"net/http"
	"time"

	"github.com/kubewalk/kubewalk/trace"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime"
)

// defaultWriteTimeout is how long a write may take when its request gives
// no ?timeout=.
const defaultWriteTimeout = 30 * time.Second

// finishRequest runs a write in a goroutine of its own and returns what it
// returns, or, if that takes longer than the request's ?timeout= (30s by
// default), a 504 Timeout "request did not complete within allowed
// duration": upstream's finishRequest (handlers/rest.go). A client told
// 504 cannot know whether the write happened: it may still be applied.
//
// In v1.7 the goroutine runs on until the storage answers, however long
// that takes; ours ends sooner: the write's context is the request's,
// which Go cancels once the handler has answered.
func finishRequest(r *http.Request, fn func() (runtime.Object, error)) (runtime.Object, error) {
	type result struct {
		obj      runtime.Object
		err      error
		panicked any
	}
	// Buffered, so that the goroutine can send and end however late.
	ch := make(chan result, 1)
	trace.Go(r.Context(), "finishRequest: "+r.Method+" "+r.URL.Path, func(context.Context) {
		// A panic goes on in the handler's goroutine, where the handler
		// chain recovers it, as upstream hands it over.
		defer func() {
			if p := recover(); p != nil {
				ch <- result{panicked: p}
			}
		}()
		obj, err := fn()
		ch <- result{obj, err, nil}
	})
	timer := time.NewTimer(parseTimeout(r.URL.Query().Get("timeout")))
	defer timer.Stop()
	// A plain select, on every write's path: the request's span says
	// which case won.
	select {
	case res := <-ch:
		if res.panicked != nil {
			panic(res.panicked)
		}
		return res.obj, res.err
	case <-timer.C:
		return nil, apierrors.NewTimeoutError("request did not complete within allowed duration", 0)
	}
}

// parseTimeout reads ?timeout= as a Go duration ("2s"); empty or
// unreadable gives 30s, as upstream's does (which logs the latter).
func parseTimeout(str string) time.Duration {
	if str != "" {
		if timeout, err := time.ParseDuration(str); err == nil {
			return timeout
		}
	}
	return defaultWriteTimeout
}
