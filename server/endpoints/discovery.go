package endpoints

import (
	"net/http"
	"slices"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

// verbs are the REST verbs every resource supports, as discovery names
// them (sorted, as upstream lists them). restHandler implements exactly
// these; clients such as kubectl read them to decide what they may ask.
func verbs() metav1.Verbs {
	return metav1.Verbs{"create", "delete", "get", "list", "patch", "update", "watch"}
}

// GroupsHandler serves /apis: the APIGroupList of the groups that groups
// returns, called anew for every request so that groups installed later
// (or those of delegates, which the aggregator merges this way) show up.
// It answers GET only; other methods get a 405 Status.
func GroupsHandler(groups func() []metav1.APIGroup) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		list := &metav1.APIGroupList{Groups: groups()}
		if list.Groups == nil {
			list.Groups = []metav1.APIGroup{} // "groups": [], not null
		}
		serveDiscovery(w, r, list)
	})
}

// discoveryHandler serves doc, one of the discovery documents, which is
// fixed when the group is installed (upstream: discovery.APIGroupHandler,
// APIVersionHandler and the legacy root handler).
func discoveryHandler(doc runtime.Object) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Encoding sets apiVersion and kind on the object it encodes, so
		// concurrent requests each encode their own copy.
		serveDiscovery(w, r, doc.DeepCopyObject())
	})
}

// serveDiscovery answers a GET with doc, in the media type the request
// asks for: JSON, YAML or protobuf.
func serveDiscovery(w http.ResponseWriter, r *http.Request, doc runtime.Object) {
	if r.Method != http.MethodGet {
		w.Header().Set("Allow", http.MethodGet)
		WriteStatus(w, r, newStatusError(http.StatusMethodNotAllowed,
			metav1.StatusReasonMethodNotAllowed,
			"the server does not allow this method on the requested resource"))
		return
	}
	info, err := negotiateOutput(r, metaCodecs)
	if err != nil {
		WriteStatus(w, r, err)
		return
	}
	body, err := encode(metaCodecs.EncoderForVersion(info.Serializer, metav1.Unversioned), doc)
	if err != nil {
		WriteStatus(w, r, err)
		return
	}
	write(w, http.StatusOK, info.MediaType, body)
}

// apiResourceList returns the discovery document of info's group version:
// one APIResource per resource, in info's order.
func apiResourceList(info *APIGroupInfo) *metav1.APIResourceList {
	list := &metav1.APIResourceList{
		GroupVersion: info.GroupVersion.String(),
		APIResources: []metav1.APIResource{},
	}
	for _, res := range info.Resources {
		list.APIResources = append(list.APIResources, metav1.APIResource{
			Name:         res.Name,
			SingularName: strings.ToLower(res.Kind),
			Namespaced:   res.Namespaced,
			Kind:         res.Kind,
			Verbs:        verbs(),
			ShortNames:   slices.Clone(res.ShortNames), // not the caller's slice
		})
		if res.StatusStrategy != nil {
			list.APIResources = append(list.APIResources, metav1.APIResource{
				Name:       res.Name + "/status",
				Namespaced: res.Namespaced,
				Kind:       res.Kind,
				Verbs:      metav1.Verbs{"get", "patch", "update"},
			})
		}
	}
	return list
}
