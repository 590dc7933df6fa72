package endpoints

import (
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/kubewalk/kubewalk/server/registry/rest"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metainternalversion "k8s.io/apimachinery/pkg/apis/meta/internalversion"
	metainternalversionscheme "k8s.io/apimachinery/pkg/apis/meta/internalversion/scheme"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	"k8s.io/apimachinery/pkg/runtime/serializer/json"
)

// The verbs' handlers, after upstream's handlers.ListResource, GetResource,
// CreateResource, UpdateResource and DeleteResource with the generic
// registry's Store behind them. Each returns the object to answer with,
// or an error that WriteStatus turns into a Status.

// maxRequestBodyBytes bounds the size of a request body. It is ours: v1.7
// read a body whole, however large; upstream added a limit in v1.14
// (MaxRequestBodyBytes, 100 MiB by default). 3 MiB is ample for the
// miniature's objects.
const maxRequestBodyBytes = 3 * 1024 * 1024

// unstructuredSerializer reads and writes objects as JSON without Go types.
var unstructuredSerializer = serializer.NegotiatedSerializerWrapper(runtime.SerializerInfo{
	MediaType:        runtime.ContentTypeJSON,
	MediaTypeType:    "application",
	MediaTypeSubType: "json",
	EncodesAsText:    true,
	Serializer:       unstructured.UnstructuredJSONScheme,
	StreamSerializer: &runtime.StreamSerializerInfo{
		EncodesAsText: true,
		Serializer:    unstructured.UnstructuredJSONScheme,
		Framer:        json.Framer,
	},
})

func (s *requestScope) list(r *http.Request, namespace string) (runtime.Object, error) {
	opts, err := s.listOptions(r)
	if err != nil {
		return nil, err
	}
	list, err := s.storage.List(r.Context(), opts)
	if err != nil {
		return nil, err
	}
	// An empty list has items [], not null, as upstream answers.
	if meta.LenList(list) == 0 {
		if err := meta.SetList(list, []runtime.Object{}); err != nil {
			return nil, err
		}
	}
	return list, nil
}

// listOptions returns the list options of r's query, with its selectors
// parsed, or a 400 BadRequest. A field selector may name only the fields
// the resource can be selected by, as upstream's ConvertFieldLabel checks.
func (s *requestScope) listOptions(r *http.Request) (*metainternalversion.ListOptions, error) {
	opts := &metainternalversion.ListOptions{}
	query := r.URL.Query()
	if err := metainternalversionscheme.ParameterCodec.DecodeParameters(query, metav1.SchemeGroupVersion, opts); err != nil {
		return nil, apierrors.NewBadRequest(err.Error())
	}
	if opts.FieldSelector == nil {
		return opts, nil
	}
	_, selectable, err := s.store.PredicateFunc(nil, nil).GetAttrs(s.newObject())
	if err != nil {
		return nil, err
	}
	for _, req := range opts.FieldSelector.Requirements() {
		if _, ok := selectable[req.Field]; !ok {
			return nil, apierrors.NewBadRequest(fmt.Sprintf("field label not supported: %s", req.Field))
		}
	}
	return opts, nil
}

func (s *requestScope) get(r *http.Request, name string) (runtime.Object, error) {
	return s.storage.Get(r.Context(), name, &metav1.GetOptions{})
}

func (s *requestScope) create(r *http.Request) (runtime.Object, error) {
	obj, err := s.decodeForWrite(r)
	if err != nil {
		return nil, err
	}
	return s.storage.Create(r.Context(), obj)
}

// update replaces the object called name and returns it as stored, and
// whether it was created (when the strategy creates on update).
func (s *requestScope) update(r *http.Request, name string) (runtime.Object, bool, error) {
	obj, err := s.decodeForWrite(r)
	if err != nil {
		return nil, false, err
	}
	if err := checkName(obj, name); err != nil {
		return nil, false, err
	}
	return s.storage.Update(r.Context(), name, rest.DefaultUpdatedObjectInfo(obj))
}

// checkName refuses an object whose name is not the one on the URL.
func checkName(obj runtime.Object, name string) error {
	m, err := meta.Accessor(obj)
	if err != nil {
		return err
	}
	if m.GetName() != name {
		return apierrors.NewBadRequest(fmt.Sprintf(
			"the name of the object (%s) does not match the name on the URL (%s)", m.GetName(), name))
	}
	return nil
}

// delete removes the object at once and returns it as it was. The body,
// which may carry DeleteOptions, is not read.
func (s *requestScope) delete(r *http.Request, name string) (runtime.Object, error) {
	out, _, err := s.storage.Delete(r.Context(), name, nil)
	return out, err
}

// decodeForWrite refuses dry runs, which would otherwise quietly be real,
// and returns the request's body decoded as an object of s.kind.
func (s *requestScope) decodeForWrite(r *http.Request) (runtime.Object, error) {
	var opts metav1.CreateOptions // UpdateOptions has the same dryRun
	query := r.URL.Query()
	if err := metav1.Convert_url_Values_To_v1_CreateOptions(&query, &opts, nil); err != nil {
		return nil, apierrors.NewBadRequest(err.Error())
	}
	if len(opts.DryRun) > 0 {
		return nil, apierrors.NewBadRequest("dry run is not supported")
	}
	return s.decode(r)
}

// decode reads r's body in the media type of its Content-Type and returns
// it as an object of s.kind. A typed JSON or YAML body without apiVersion
// or kind gets those of the URL (protobuf always carries both); an
// unstructured body must carry both, as upstream's custom resources must.
// A body naming another group version or kind, or none where it must, is
// a 400 BadRequest.
func (s *requestScope) decode(r *http.Request) (runtime.Object, error) {
	in, err := negotiateInput(r, s.serializer)
	if err != nil {
		return nil, err
	}
	body, err := readBody(r)
	if err != nil {
		return nil, err
	}
	decoder := s.serializer.DecoderToVersion(in.Serializer, s.kind.GroupVersion())
	defaults := s.kind
	obj, gvk, err := decoder.Decode(body, &defaults, s.newObject())
	switch {
	case err != nil:
		return nil, apierrors.NewBadRequest(err.Error())
	case gvk.GroupVersion() != s.kind.GroupVersion():
		return nil, apierrors.NewBadRequest(fmt.Sprintf(
			"the API version in the data (%s) does not match the expected API version (%s)",
			gvk.GroupVersion(), s.kind.GroupVersion()))
	case gvk.Kind != s.Kind:
		return nil, apierrors.NewBadRequest(fmt.Sprintf(
			"the kind in the data (%s) does not match the expected kind (%s)", gvk.Kind, s.Kind))
	}
	return obj, nil
}

// readBody returns r's body, or a 413 error if it is larger than
// maxRequestBodyBytes.
func readBody(r *http.Request) ([]byte, error) {
	body, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, maxRequestBodyBytes))
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		return nil, apierrors.NewRequestEntityTooLargeError(
			fmt.Sprintf("limit is %d bytes", maxRequestBodyBytes))
	}
	return body, err
}

func (s *requestScope) newObject() runtime.Object {
	if s.New != nil {
		return s.New()
	}
	return &unstructured.Unstructured{}
}

func (s *requestScope) newList() runtime.Object {
	if s.NewList != nil {
		return s.NewList()
	}
	list := &unstructured.UnstructuredList{}
	list.SetGroupVersionKind(s.kind.GroupVersion().WithKind(s.Kind + "List"))
	return list
}
