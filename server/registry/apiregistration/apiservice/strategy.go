// Package apiservice is the REST storage of apiregistration.k8s.io
// v1beta1 APIServices: the strategies of the resource and of its status
// subresource, and v1.7's validation. APIServices are stored as
// unstructured JSON objects; the strategies read them through the Go
// types of package apiregistration.
//
// # Upstream
//
// k8s.io/kube-aggregator pkg/registry/apiservice/strategy.go and
// pkg/apis/apiregistration/validation/validation.go at ce9c2644 (the copy
// in kubernetes v1.7.3): a new APIService has no status, until the
// available controller writes one through the status subresource; a
// status update keeps the spec and the metadata, and an update keeps the
// status.
package apiservice

import (
	"context"
	"fmt"

	"github.com/kubewalk/kubewalk/server/apis/apiregistration"
	"github.com/kubewalk/kubewalk/server/registry/rest"
	"k8s.io/apimachinery/pkg/api/validate/content"
	"k8s.io/apimachinery/pkg/api/validation"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	utilvalidation "k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// Strategy is the create and update strategy of APIServices.
type Strategy struct {
	runtime.ObjectTyper
	rest.NameGenerator
}

// NewStrategy returns the APIService strategy.
func NewStrategy(typer runtime.ObjectTyper) Strategy {
	return Strategy{typer, rest.SimpleNameGenerator}
}

// NamespaceScoped is false: APIServices are cluster-scoped.
func (Strategy) NamespaceScoped() bool { return false }

// PrepareForCreate clears the status: the available controller sets it.
func (Strategy) PrepareForCreate(_ context.Context, obj runtime.Object) {
	delete(obj.(*unstructured.Unstructured).Object, "status")
}

// PrepareForUpdate keeps the stored status.
func (Strategy) PrepareForUpdate(_ context.Context, obj, old runtime.Object) {
	u, oldU := obj.(*unstructured.Unstructured), old.(*unstructured.Unstructured)
	delete(u.Object, "status")
	if status, ok := oldU.Object["status"]; ok {
		u.Object["status"] = runtime.DeepCopyJSONValue(status)
	}
}

// Validate is upstream's ValidateAPIService.
func (Strategy) Validate(_ context.Context, obj runtime.Object) field.ErrorList {
	apiService, errs := decode(obj)
	if errs != nil {
		return errs
	}
	return ValidateAPIService(apiService)
}

// ValidateUpdate is upstream's ValidateAPIServiceUpdate less the metadata
// checks, which rest.BeforeUpdate runs.
func (s Strategy) ValidateUpdate(ctx context.Context, obj, _ runtime.Object) field.ErrorList {
	return s.Validate(ctx, obj)
}

// Canonicalize does nothing to APIServices.
func (Strategy) Canonicalize(runtime.Object) {}

// AllowCreateOnUpdate is false: a PUT of a missing APIService is a 404.
func (Strategy) AllowCreateOnUpdate() bool { return false }

// AllowUnconditionalUpdate is false: an update must carry the
// resourceVersion it read.
func (Strategy) AllowUnconditionalUpdate() bool { return false }

// StatusStrategy is the update strategy of apiservices/status.
type StatusStrategy struct{ Strategy }

// NewStatusStrategy returns the strategy of the status subresource.
func NewStatusStrategy(typer runtime.ObjectTyper) StatusStrategy {
	return StatusStrategy{NewStrategy(typer)}
}

// PrepareForUpdate keeps everything but the status as stored: the spec,
// the labels, the annotations, the finalizers and the owners.
func (StatusStrategy) PrepareForUpdate(_ context.Context, obj, old runtime.Object) {
	u, oldU := obj.(*unstructured.Unstructured), old.(*unstructured.Unstructured)
	u.Object["spec"] = runtime.DeepCopyJSONValue(oldU.Object["spec"])
	u.SetLabels(oldU.GetLabels())
	u.SetAnnotations(oldU.GetAnnotations())
	u.SetFinalizers(oldU.GetFinalizers())
	u.SetOwnerReferences(oldU.GetOwnerReferences())
}

// ValidateUpdate is upstream's ValidateAPIServiceStatusUpdate less the
// metadata checks: each condition's status is True, False or Unknown.
func (StatusStrategy) ValidateUpdate(_ context.Context, obj, _ runtime.Object) field.ErrorList {
	apiService, errs := decode(obj)
	if errs != nil {
		return errs
	}
	allErrs := field.ErrorList{}
	fldPath := field.NewPath("status", "conditions")
	for i, condition := range apiService.Status.Conditions {
		switch condition.Status {
		case apiregistration.ConditionTrue, apiregistration.ConditionFalse, apiregistration.ConditionUnknown:
		default:
			allErrs = append(allErrs, field.NotSupported(fldPath.Index(i).Child("status"), condition.Status, []string{
				string(apiregistration.ConditionTrue), string(apiregistration.ConditionFalse), string(apiregistration.ConditionUnknown)}))
		}
	}
	return allErrs
}

// decode returns obj as an APIService, or why it is not one.
func decode(obj runtime.Object) (*apiregistration.APIService, field.ErrorList) {
	apiService, err := apiregistration.FromUnstructured(obj.(*unstructured.Unstructured))
	if err != nil {
		return nil, field.ErrorList{field.Invalid(field.NewPath(""), "", err.Error())}
	}
	return apiService, nil
}

// ValidateAPIService checks an APIService as v1.7 does: its name is
// <version>.<group>; the group is a DNS subdomain (empty only for v1),
// the version a DNS label; both priorities are in range; a local
// APIService has no CA bundle and does not skip TLS verification; one
// with a service names it.
func ValidateAPIService(apiService *apiregistration.APIService) field.ErrorList {
	requiredName := apiService.Spec.Version + "." + apiService.Spec.Group
	allErrs := validation.ValidateObjectMeta(&apiService.ObjectMeta, false, func(name string, prefix bool) []string {
		if failures := content.IsPathSegmentName(name); len(failures) > 0 {
			return failures
		}
		if name != requiredName {
			return []string{fmt.Sprintf("must be `spec.version+\".\"+spec.group`: %q", requiredName)}
		}
		return nil
	}, field.NewPath("metadata"))

	spec := field.NewPath("spec")
	if len(apiService.Spec.Group) == 0 && apiService.Spec.Version != "v1" {
		allErrs = append(allErrs, field.Required(spec.Child("group"), "only v1 may have an empty group and it better be legacy kube"))
	}
	if len(apiService.Spec.Group) > 0 {
		for _, msg := range utilvalidation.IsDNS1123Subdomain(apiService.Spec.Group) {
			allErrs = append(allErrs, field.Invalid(spec.Child("group"), apiService.Spec.Group, msg))
		}
	}
	for _, msg := range utilvalidation.IsDNS1035Label(apiService.Spec.Version) {
		allErrs = append(allErrs, field.Invalid(spec.Child("version"), apiService.Spec.Version, msg))
	}
	if p := apiService.Spec.GroupPriorityMinimum; p <= 0 || p > 20000 {
		allErrs = append(allErrs, field.Invalid(spec.Child("groupPriorityMinimum"), p, "must be positive and less than 20000"))
	}
	if p := apiService.Spec.VersionPriority; p <= 0 || p > 1000 {
		allErrs = append(allErrs, field.Invalid(spec.Child("versionPriority"), p, "must be positive and less than 1000"))
	}
	if apiService.Spec.Service == nil {
		if len(apiService.Spec.CABundle) != 0 {
			allErrs = append(allErrs, field.Invalid(spec.Child("caBundle"), fmt.Sprintf("%d bytes", len(apiService.Spec.CABundle)), "local APIServices may not have a caBundle"))
		}
		if apiService.Spec.InsecureSkipTLSVerify {
			allErrs = append(allErrs, field.Invalid(spec.Child("insecureSkipTLSVerify"), true, "local APIServices may not have insecureSkipTLSVerify"))
		}
		return allErrs
	}
	if len(apiService.Spec.Service.Namespace) == 0 {
		allErrs = append(allErrs, field.Required(spec.Child("service", "namespace"), ""))
	}
	if len(apiService.Spec.Service.Name) == 0 {
		allErrs = append(allErrs, field.Required(spec.Child("service", "name"), ""))
	}
	if apiService.Spec.InsecureSkipTLSVerify && len(apiService.Spec.CABundle) > 0 {
		allErrs = append(allErrs, field.Invalid(spec.Child("insecureSkipTLSVerify"), true, "may not be true if caBundle is present"))
	}
	return allErrs
}
