package apiregistration

import (
	"cmp"
	"slices"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// SortedByGroupAndVersion groups servers by group, the groups ordered by
// GroupPriorityMinimum (highest first, then by name) and the servers of
// a group by VersionPriority (highest first, then by name).
func SortedByGroupAndVersion(servers []*APIService) [][]*APIService {
	byGroup := slices.Clone(servers)
	slices.SortStableFunc(byGroup, func(a, b *APIService) int {
		if c := cmp.Compare(b.Spec.GroupPriorityMinimum, a.Spec.GroupPriorityMinimum); c != 0 {
			return c
		}
		return cmp.Compare(a.Name, b.Name)
	})
	var ret [][]*APIService
	for _, curr := range byGroup {
		i := slices.IndexFunc(ret, func(g []*APIService) bool { return g[0].Spec.Group == curr.Spec.Group })
		if i < 0 {
			ret = append(ret, []*APIService{curr})
			continue
		}
		ret[i] = append(ret[i], curr)
		slices.SortStableFunc(ret[i], func(a, b *APIService) int {
			if c := cmp.Compare(b.Spec.VersionPriority, a.Spec.VersionPriority); c != 0 {
				return c
			}
			return cmp.Compare(a.Name, b.Name)
		})
	}
	return ret
}

// APIServiceNameToGroupVersion returns the group version a valid
// APIService name stands for.
func APIServiceNameToGroupVersion(apiServiceName string) schema.GroupVersion {
	version, group, _ := strings.Cut(apiServiceName, ".")
	return schema.GroupVersion{Group: group, Version: version}
}

// NewLocalAvailableAPIServiceCondition returns the condition of a local
// APIService: available, always.
func NewLocalAvailableAPIServiceCondition() APIServiceCondition {
	return APIServiceCondition{
		Type:               Available,
		Status:             ConditionTrue,
		LastTransitionTime: metav1.Now(),
		Reason:             "Local",
		Message:            "Local APIServices are always available",
	}
}

// SetAPIServiceCondition sets newCondition on apiService, replacing the
// condition of its type; the transition time changes only when the
// status does.
func SetAPIServiceCondition(apiService *APIService, newCondition APIServiceCondition) {
	i := slices.IndexFunc(apiService.Status.Conditions, func(c APIServiceCondition) bool { return c.Type == newCondition.Type })
	if i < 0 {
		apiService.Status.Conditions = append(apiService.Status.Conditions, newCondition)
		return
	}
	existing := &apiService.Status.Conditions[i]
	if existing.Status != newCondition.Status {
		existing.Status = newCondition.Status
		existing.LastTransitionTime = newCondition.LastTransitionTime
	}
	existing.Reason = newCondition.Reason
	existing.Message = newCondition.Message
}

// IsAPIServiceConditionTrue reports whether apiService has the condition
// conditionType, and it is True.
func IsAPIServiceConditionTrue(apiService *APIService, conditionType APIServiceConditionType) bool {
	return slices.ContainsFunc(apiService.Status.Conditions, func(c APIServiceCondition) bool {
		return c.Type == conditionType && c.Status == ConditionTrue
	})
}

// FromUnstructured returns the APIService u holds.
func FromUnstructured(u *unstructured.Unstructured) (*APIService, error) {
	apiService := &APIService{}
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(u.Object, apiService); err != nil {
		return nil, err
	}
	return apiService, nil
}

// ToUnstructured returns apiService as an unstructured object, with its
// apiVersion and kind.
func ToUnstructured(apiService *APIService) (*unstructured.Unstructured, error) {
	obj, err := runtime.DefaultUnstructuredConverter.ToUnstructured(apiService)
	if err != nil {
		return nil, err
	}
	u := &unstructured.Unstructured{Object: obj}
	u.SetAPIVersion(SchemeGroupVersion.String())
	u.SetKind("APIService")
	return u, nil
}
