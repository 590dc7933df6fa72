package filters

import (
	"net/http"

	"github.com/kubewalk/kubewalk/server/request"
	"k8s.io/apimachinery/pkg/util/sets"
)

// BasicLongRunningRequestCheck returns a check that reports a request as
// long-running when its verb is one of longRunningVerbs, or when it is a
// resource request for one of longRunningSubresources. The generic
// server's default is verbs {watch} and no subresources; kube-apiserver
// adds proxy and subresources such as exec, attach and log.
func BasicLongRunningRequestCheck(longRunningVerbs, longRunningSubresources sets.Set[string]) request.LongRunningRequestCheck {
	return func(r *http.Request, info *request.RequestInfo) bool {
		return longRunningVerbs.Has(info.Verb) ||
			info.IsResourceRequest && longRunningSubresources.Has(info.Subresource)
	}
}
