package filters

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/kubewalk/kubewalk/server/authorization/authorizer"
	"github.com/kubewalk/kubewalk/server/endpoints"
	"github.com/kubewalk/kubewalk/server/request"
	"github.com/kubewalk/kubewalk/trace"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// WithAuthorization asks a whether the user may do what each request
// asks (GetAuthorizerAttributes), and passes on the requests it allows.
// A request it does not allow gets a 403 Forbidden Status whose message
// names the user, the verb and the resource or path, followed by a's
// reason if it gave one; an authorizer error gets a 500. A nil a turns
// authorization off: WithAuthorization returns handler itself (upstream
// also logs "Authorization is disabled" then). It needs WithRequestInfo
// outside it, and answers 500 without it.
func WithAuthorization(handler http.Handler, a authorizer.Authorizer) http.Handler {
	if a == nil {
		return handler
	}
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		attributes, err := GetAuthorizerAttributes(req)
		if err != nil {
			internalError(w, req, err)
			return
		}
		authorized, reason, err := a.Authorize(attributes)
		if authorized {
			handler.ServeHTTP(w, req)
			return
		}
		if err != nil {
			internalError(w, req, err)
			return
		}
		trace.Log(req.Context()).Debug().Msgf("Forbidden: %#v, Reason: %q", req.RequestURI, reason)
		endpoints.WriteStatus(w, req, forbidden(attributes, reason))
	})
}

// GetAuthorizerAttributes returns the attributes of req for an
// authorizer: the user (nil if none was authenticated) and the
// RequestInfo. It fails if req carries no RequestInfo.
func GetAuthorizerAttributes(req *http.Request) (authorizer.Attributes, error) {
	info, ok := request.RequestInfoFrom(req.Context())
	if !ok {
		return nil, errors.New("no RequestInfo found in the context")
	}
	attribs := authorizer.AttributesRecord{
		ResourceRequest: info.IsResourceRequest,
		Path:            info.Path,
		Verb:            info.Verb,
		APIGroup:        info.APIGroup,
		APIVersion:      info.APIVersion,
		Resource:        info.Resource,
		Subresource:     info.Subresource,
		Namespace:       info.Namespace,
		Name:            info.Name,
	}
	if u, ok := request.UserFrom(req.Context()); ok {
		attribs.User = u
	}
	return attribs, nil
}

// forbidden returns the error of a forbidden request, as upstream's
// responsewriters.Forbidden builds it (v1.8).
func forbidden(attributes authorizer.Attributes, reason string) error {
	msg := sanitizer.Replace(forbiddenMessage(attributes))
	if reason != "" {
		msg = msg + ": " + reason
	}
	gr := schema.GroupResource{Group: attributes.GetAPIGroup(), Resource: attributes.GetResource()}
	return apierrors.NewForbidden(gr, attributes.GetName(), errors.New(msg))
}

// forbiddenMessage says who may not do what, e.g.
// User "alice" cannot list pods in the namespace "default".
func forbiddenMessage(attributes authorizer.Attributes) string {
	username := ""
	if u := attributes.GetUser(); u != nil {
		username = u.GetName()
	}
	if !attributes.IsResourceRequest() {
		return fmt.Sprintf("User %q cannot %s path %q", username, attributes.GetVerb(), attributes.GetPath())
	}
	resource := attributes.GetResource()
	if group := attributes.GetAPIGroup(); group != "" {
		resource = resource + "." + group
	}
	if subresource := attributes.GetSubresource(); subresource != "" {
		resource = resource + "/" + subresource
	}
	if ns := attributes.GetNamespace(); ns != "" {
		return fmt.Sprintf("User %q cannot %s %s in the namespace %q", username, attributes.GetVerb(), resource, ns)
	}
	return fmt.Sprintf("User %q cannot %s %s at the cluster scope", username, attributes.GetVerb(), resource)
}
