package endpoints

import (
	"context"
	"fmt"
	"mime"
	"net/http"

	"github.com/kubewalk/kubewalk/server/registry/rest"
	jsonpatch "gopkg.in/evanphx/json-patch.v4"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/mergepatch"
	"k8s.io/apimachinery/pkg/util/strategicpatch"
)

// patch applies the request's patch to the stored object called name and
// stores the result through the same update as a PUT (strategy,
// validation, resourceVersion checks), after upstream's PatchResource.
// The patch type is the Content-Type: JSON patch, JSON merge patch, or
// strategic merge patch for typed resources.
func (s *requestScope) patch(r *http.Request, name string) (runtime.Object, error) {
	patchType, err := s.patchType(r)
	if err != nil {
		return nil, err
	}
	patchJS, err := readBody(r)
	if err != nil {
		return nil, err
	}
	applyPatch := func(ctx context.Context, _, current runtime.Object) (runtime.Object, error) {
		return s.applyPatch(patchType, patchJS, current, name)
	}
	out, _, err := s.storage.Update(r.Context(), name, rest.DefaultUpdatedObjectInfo(nil, applyPatch))
	return out, err
}

// patchType returns the patch type of r's Content-Type, or a 415 naming
// the types this resource accepts.
func (s *requestScope) patchType(r *http.Request) (types.PatchType, error) {
	accepted := []types.PatchType{types.JSONPatchType, types.MergePatchType}
	if s.New != nil { // strategic merge needs the Go type's patch strategy
		accepted = append(accepted, types.StrategicMergePatchType)
	}
	mediaType, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	for _, t := range accepted {
		if mediaType == string(t) {
			return t, nil
		}
	}
	msg := "the body of the request was in an unknown format - accepted media types include: "
	for i, t := range accepted {
		if i > 0 {
			msg += ", "
		}
		msg += string(t)
	}
	return "", newStatusError(http.StatusUnsupportedMediaType, metav1.StatusReasonUnsupportedMediaType, msg)
}

// applyPatch returns current with the patch applied, as a new object of
// the resource. Current is what the store holds now: when the update is
// retried after a concurrent write, the patch is applied again to the
// newer object.
func (s *requestScope) applyPatch(patchType types.PatchType, patchJS []byte, current runtime.Object, name string) (runtime.Object, error) {
	if m, err := meta.Accessor(current); err != nil || m.GetUID() == "" {
		return nil, apierrors.NewNotFound(s.resource(), name)
	}
	codec := s.jsonCodec()
	originalJS, err := runtime.Encode(codec, current)
	if err != nil {
		return nil, err
	}
	var patchedJS []byte
	switch patchType {
	case types.JSONPatchType:
		patchObj, err := jsonpatch.DecodePatch(patchJS)
		if err != nil {
			return nil, apierrors.NewBadRequest(err.Error())
		}
		if patchedJS, err = patchObj.Apply(originalJS); err != nil {
			return nil, apierrors.NewGenericServerResponse(http.StatusUnprocessableEntity, "", schema.GroupResource{}, "", err.Error(), 0, false)
		}
	case types.MergePatchType:
		if patchedJS, err = jsonpatch.MergePatch(originalJS, patchJS); err != nil {
			return nil, apierrors.NewBadRequest(err.Error())
		}
	case types.StrategicMergePatchType:
		if patchedJS, err = strategicpatch.StrategicMergePatch(originalJS, patchJS, s.newObject()); err != nil {
			return nil, interpretStrategicMergePatchError(err)
		}
	}
	obj := s.newObject()
	if _, _, err := codec.Decode(patchedJS, nil, obj); err != nil {
		return nil, apierrors.NewBadRequest(err.Error())
	}
	if err := checkName(obj, name); err != nil {
		return nil, err
	}
	return obj, nil
}

// jsonCodec reads and writes the resource's objects as JSON.
func (s *requestScope) jsonCodec() runtime.Codec {
	info, _ := runtime.SerializerInfoForMediaType(s.serializer.SupportedMediaTypes(), runtime.ContentTypeJSON)
	gv := s.kind.GroupVersion()
	return runtime.NewCodec(s.serializer.EncoderForVersion(info.Serializer, gv), s.serializer.DecoderToVersion(info.Serializer, gv))
}

// interpretStrategicMergePatchError is upstream's (since v1.9): a patch
// that is malformed is a 400, one that cannot apply to this object a 422.
func interpretStrategicMergePatchError(err error) error {
	switch err {
	case mergepatch.ErrBadJSONDoc, mergepatch.ErrBadPatchFormatForPrimitiveList, mergepatch.ErrBadPatchFormatForRetainKeys,
		mergepatch.ErrBadPatchFormatForSetElementOrderList, mergepatch.ErrUnsupportedStrategicMergePatchFormat:
		return apierrors.NewBadRequest(err.Error())
	case mergepatch.ErrNoListOfLists, mergepatch.ErrPatchContentNotMatchRetainKeys:
		return apierrors.NewGenericServerResponse(http.StatusUnprocessableEntity, "", schema.GroupResource{}, "", err.Error(), 0, false)
	}
	return apierrors.NewBadRequest(fmt.Sprintf("unable to apply the strategic merge patch: %v", err))
}
