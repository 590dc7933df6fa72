package endpoints

import (
	"bytes"
	"errors"
	"net/http"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/serializer"
)

// metaCodecs encodes the metav1 objects any endpoint may answer with:
// Status and the discovery documents. They are "unversioned": they belong
// to no group and are always apiVersion v1, whichever group serves them.
// It is built once when the package is loaded and only read afterwards.
var metaCodecs = newMetaCodecs()

func newMetaCodecs() runtime.NegotiatedSerializer {
	scheme := runtime.NewScheme()
	// upstream: metav1.AddToGroupVersion registers the same five types this
	// way into every API group's scheme.
	scheme.AddUnversionedTypes(metav1.Unversioned,
		&metav1.Status{},
		&metav1.APIVersions{},
		&metav1.APIGroupList{},
		&metav1.APIGroup{},
		&metav1.APIResourceList{},
	)
	// No conversion: these types exist in one version only.
	return serializer.NewCodecFactory(scheme).WithoutConversion()
}

// WriteStatus writes err to w as a metav1.Status. If err is (or wraps) an
// apierrors.APIStatus, such as the errors of k8s.io/apimachinery/pkg/api/errors,
// its Status is written with its code; any other error becomes a 500
// InternalError Status. The Status is encoded in the media type r's Accept
// header asks for (JSON, YAML or protobuf), and in JSON if it asks for none
// of them. WriteStatus writes the response whole; the caller must not have
// written to w before and must not write to it after.
func WriteStatus(w http.ResponseWriter, r *http.Request, err error) {
	status := errorToStatus(err)
	info, nerr := negotiateOutput(r, metaCodecs)
	if nerr != nil {
		info = metaCodecs.SupportedMediaTypes()[0] // JSON
	}
	body, eerr := encode(metaCodecs.EncoderForVersion(info.Serializer, metav1.Unversioned), status)
	if eerr != nil {
		// A Status that cannot be encoded is a bug; say so in plain text.
		http.Error(w, eerr.Error(), http.StatusInternalServerError)
		return
	}
	write(w, int(status.Code), info.MediaType, body)
}

// NotFound returns the handler at the end of the delegation chain (upstream
// serves the same through EmptyDelegate and go-restful's not-found
// handler): every request gets a 404 NotFound Status, "the server could not
// find the requested resource", whatever its method and path.
func NotFound() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		WriteStatus(w, r, newStatusError(http.StatusNotFound, metav1.StatusReasonNotFound,
			"the server could not find the requested resource"))
	})
}

// errorToStatus is upstream's responsewriters.ErrorToAPIStatus: the Status
// of an APIStatus error, completed with Failure and code 500 where they
// are missing, or a 500 InternalError Status for any other error.
func errorToStatus(err error) *metav1.Status {
	var apiStatus apierrors.APIStatus
	if !errors.As(err, &apiStatus) {
		apiStatus = apierrors.NewInternalError(err)
	}
	status := apiStatus.Status()
	if status.Status == "" {
		status.Status = metav1.StatusFailure
	}
	if status.Code == 0 {
		status.Code = http.StatusInternalServerError
	}
	return &status
}

// newStatusError returns the error for a failure that apimachinery has a
// reason but no constructor for (upstream builds these in its negotiation
// and not-found handlers).
func newStatusError(code int, reason metav1.StatusReason, message string) *apierrors.StatusError {
	return &apierrors.StatusError{ErrStatus: metav1.Status{
		Status:  metav1.StatusFailure,
		Code:    int32(code),
		Reason:  reason,
		Message: message,
	}}
}

// encode returns obj encoded with enc. Encoding completely before writing
// lets a failure still become an error response.
func encode(enc runtime.Encoder, obj runtime.Object) ([]byte, error) {
	var buf bytes.Buffer
	if err := enc.Encode(obj, &buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// write sends an encoded response. nosniff keeps browsers from guessing
// a different type than mediaType, as upstream's writers do.
func write(w http.ResponseWriter, code int, mediaType string, body []byte) {
	w.Header().Set("Content-Type", mediaType)
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(code)
	w.Write(body)
}
