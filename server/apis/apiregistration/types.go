package apiregistration

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// GroupName is the group the aggregator serves.
const GroupName = "apiregistration.k8s.io"

// SchemeGroupVersion is the group version APIServices are served in.
var SchemeGroupVersion = schema.GroupVersion{Group: GroupName, Version: "v1beta1"}

// Resource is the APIServices' resource, for clients.
var Resource = SchemeGroupVersion.WithResource("apiservices")

// APIService names a server for one group version. Its name must be
// "<version>.<group>": "v1." for the legacy core group.
type APIService struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec   APIServiceSpec   `json:"spec,omitempty"`
	Status APIServiceStatus `json:"status,omitempty"`
}

// APIServiceList is a list of APIServices.
type APIServiceList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []APIService `json:"items"`
}

// ServiceReference names the Service of a server outside this process.
type ServiceReference struct {
	Namespace string `json:"namespace,omitempty"`
	Name      string `json:"name,omitempty"`
}

// APIServiceSpec says where the group version is served and how it ranks.
type APIServiceSpec struct {
	// Service is the server's Service; nil means this process serves
	// the group version itself (a local APIService). v1.7 writes null.
	Service *ServiceReference `json:"service"`
	Group   string            `json:"group,omitempty"`
	Version string            `json:"version,omitempty"`
	// InsecureSkipTLSVerify turns off the check of the server's certificate.
	InsecureSkipTLSVerify bool `json:"insecureSkipTLSVerify,omitempty"`
	// CABundle is the PEM bundle the server's certificate must chain to;
	// v1.7 writes null when it is empty.
	CABundle []byte `json:"caBundle"`
	// GroupPriorityMinimum ranks the group: higher first.
	GroupPriorityMinimum int32 `json:"groupPriorityMinimum"`
	// VersionPriority ranks the version within its group: higher first.
	VersionPriority int32 `json:"versionPriority"`
}

// ConditionStatus is True, False or Unknown.
type ConditionStatus string

// The condition statuses.
const (
	ConditionTrue    ConditionStatus = "True"
	ConditionFalse   ConditionStatus = "False"
	ConditionUnknown ConditionStatus = "Unknown"
)

// APIServiceConditionType is the kind of a condition; v1.7 has one.
type APIServiceConditionType string

// Available says whether the server answers.
const Available APIServiceConditionType = "Available"

// APIServiceCondition is one observation of an APIService.
type APIServiceCondition struct {
	Type               APIServiceConditionType `json:"type"`
	Status             ConditionStatus         `json:"status"`
	LastTransitionTime metav1.Time             `json:"lastTransitionTime,omitempty"`
	Reason             string                  `json:"reason,omitempty"`
	Message            string                  `json:"message,omitempty"`
}

// APIServiceStatus is what the aggregator observed of the APIService.
type APIServiceStatus struct {
	Conditions []APIServiceCondition `json:"conditions,omitempty" patchStrategy:"merge" patchMergeKey:"type"`
}
