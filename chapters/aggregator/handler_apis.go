package aggregator

import (
	"github.com/kubewalk/kubewalk/server/apis/apiregistration"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
)

// discoveryGroup is the aggregator's own group, listed first at /apis.
var discoveryGroup = metav1.APIGroup{
	Name: apiregistration.GroupName,
	Versions: []metav1.GroupVersionForDiscovery{{
		GroupVersion: apiregistration.SchemeGroupVersion.String(),
		Version:      apiregistration.SchemeGroupVersion.Version,
	}},
	PreferredVersion: metav1.GroupVersionForDiscovery{
		GroupVersion: apiregistration.SchemeGroupVersion.String(),
		Version:      apiregistration.SchemeGroupVersion.Version,
	},
}

// discoveryGroups is what /apis lists: the aggregator's group, then every
// named group with an Available APIService, by GroupPriorityMinimum, each
// with its Available versions by VersionPriority, the first preferred.
// The legacy core group (v1.) is not a named group and is left out.
func (s *APIAggregator) discoveryGroups() []metav1.APIGroup {
	groups := []metav1.APIGroup{discoveryGroup}
	apiServices, err := s.lister.List(labels.Everything())
	if err != nil {
		return groups
	}
	// --8<-- [start:apis]
	for _, apiGroupServers := range apiregistration.SortedByGroupAndVersion(apiServices) {
		if len(apiGroupServers[0].Spec.Group) == 0 {
			continue
		}
		if group := convertToDiscoveryAPIGroup(apiGroupServers); group != nil {
			groups = append(groups, *group)
		}
	}
	// --8<-- [end:apis]
	return groups
}

// discoveryGroup is /apis/<groupName>, or nil when none of the group's
// APIServices is Available.
func (s *APIAggregator) discoveryGroup(groupName string) *metav1.APIGroup {
	apiServices, err := s.lister.List(labels.Everything())
	if err != nil {
		return nil
	}
	var ofGroup []*apiregistration.APIService
	for _, apiService := range apiServices {
		if apiService.Spec.Group == groupName {
			ofGroup = append(ofGroup, apiService)
		}
	}
	if len(ofGroup) == 0 {
		return nil
	}
	return convertToDiscoveryAPIGroup(ofGroup)
}

// convertToDiscoveryAPIGroup returns the discovery document of one
// group's APIServices, or nil when none is Available.
func convertToDiscoveryAPIGroup(apiServices []*apiregistration.APIService) *metav1.APIGroup {
	var group *metav1.APIGroup
	for _, apiService := range apiregistration.SortedByGroupAndVersion(apiServices)[0] {
		if !apiregistration.IsAPIServiceConditionTrue(apiService, apiregistration.Available) {
			continue
		}
		version := metav1.GroupVersionForDiscovery{
			GroupVersion: apiService.Spec.Group + "/" + apiService.Spec.Version,
			Version:      apiService.Spec.Version,
		}
		if group == nil {
			group = &metav1.APIGroup{Name: apiService.Spec.Group, PreferredVersion: version}
		}
		group.Versions = append(group.Versions, version)
	}
	return group
}
