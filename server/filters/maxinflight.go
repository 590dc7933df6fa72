package filters

import (
	"errors"
	"net/http"

	"github.com/kubewalk/kubewalk/server/request"
	"k8s.io/apimachinery/pkg/util/sets"
)

// retryAfter is the Retry-After, in seconds, of a 429; upstream's is fixed too.
const retryAfter = "1"

var nonMutatingRequestVerbs = sets.New("get", "list", "watch")

// WithMaxInFlightLimit bounds how many requests the server handles at
// once: at most nonMutatingLimit reads (get, list, watch) and at most
// mutatingLimit other requests. A request over its limit is not queued: it
// is answered at once with 429, Retry-After: 1 and upstream's plain text
// "Too many requests, please try again later.". A limit of 0 means no
// limit; long-running requests (longRunningRequestCheck) are never counted.
// It needs WithRequestInfo outside it, and answers 500 without it.
func WithMaxInFlightLimit(handler http.Handler, nonMutatingLimit, mutatingLimit int,
	longRunningRequestCheck request.LongRunningRequestCheck) http.Handler {
	if nonMutatingLimit == 0 && mutatingLimit == 0 {
		return handler
	}
	// Each channel is a semaphore: a request holds a slot while it runs.
	var nonMutatingChan, mutatingChan chan struct{}
	if nonMutatingLimit != 0 {
		nonMutatingChan = make(chan struct{}, nonMutatingLimit)
	}
	if mutatingLimit != 0 {
		mutatingChan = make(chan struct{}, mutatingLimit)
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		info, ok := request.RequestInfoFrom(r.Context())
		if !ok {
			internalError(w, r, errors.New("no RequestInfo found in context, handler chain must be wrong"))
			return
		}
		if longRunningRequestCheck != nil && longRunningRequestCheck(r, info) {
			handler.ServeHTTP(w, r)
			return
		}
		c := mutatingChan
		if nonMutatingRequestVerbs.Has(info.Verb) {
			c = nonMutatingChan
		}
		if c == nil {
			handler.ServeHTTP(w, r)
			return
		}
		// A plain select: c is a semaphore of upstream's, a count of the
		// requests in flight, not a channel that signals anything.
		select {
		case c <- struct{}{}:
			defer func() { <-c }()
			handler.ServeHTTP(w, r)
		default:
			tooManyRequests(w)
		}
	})
}

func tooManyRequests(w http.ResponseWriter) {
	w.Header().Set("Retry-After", retryAfter)
	http.Error(w, "Too many requests, please try again later.", http.StatusTooManyRequests)
}
