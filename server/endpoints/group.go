package endpoints

import (
	"net/http"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// GroupHandler serves /apis/<group>: the APIGroup group returns, looked
// up anew for every request, or, when it returns nil, whatever delegate
// answers (the aggregator's group discovery, which hands a group none of
// its APIServices serve yet to its delegate). It answers GET only.
func GroupHandler(group func() *metav1.APIGroup, delegate http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		g := group()
		if g == nil {
			delegate.ServeHTTP(w, r)
			return
		}
		serveDiscovery(w, r, g)
	})
}
