package service

import (
	"context"
	"net"

	"github.com/kubewalk/kubewalk/server/registry/rest"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/validation"
	metav1validation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/sets"
	utilvalidation "k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// Strategy is the create and update strategy of services.
type Strategy struct {
	runtime.ObjectTyper
	rest.NameGenerator
}

// NewStrategy returns the service strategy; typer must know
// *corev1.Service.
func NewStrategy(typer runtime.ObjectTyper) Strategy {
	return Strategy{typer, rest.SimpleNameGenerator}
}

// NamespaceScoped is true: services live in a namespace.
func (Strategy) NamespaceScoped() bool { return true }

// PrepareForCreate applies v1's defaults and clears the status.
func (Strategy) PrepareForCreate(_ context.Context, obj runtime.Object) {
	service := obj.(*corev1.Service)
	setDefaults(service)
	service.Status = corev1.ServiceStatus{}
}

// PrepareForUpdate applies v1's defaults and keeps the stored status.
func (Strategy) PrepareForUpdate(_ context.Context, obj, old runtime.Object) {
	service := obj.(*corev1.Service)
	setDefaults(service)
	service.Status = old.(*corev1.Service).Status
}

// Validate is upstream's ValidateService (see ValidateService).
func (Strategy) Validate(_ context.Context, obj runtime.Object) field.ErrorList {
	return ValidateService(obj.(*corev1.Service))
}

// ValidateUpdate is upstream's ValidateServiceUpdate less the metadata
// checks, which rest.BeforeUpdate runs: a cluster IP, once set, may not
// change.
func (Strategy) ValidateUpdate(_ context.Context, obj, old runtime.Object) field.ErrorList {
	service, oldService := obj.(*corev1.Service), old.(*corev1.Service)
	var allErrs field.ErrorList
	if service.Spec.Type != corev1.ServiceTypeExternalName &&
		oldService.Spec.Type != corev1.ServiceTypeExternalName && oldService.Spec.ClusterIP != "" {
		allErrs = append(allErrs, validation.ValidateImmutableField(service.Spec.ClusterIP, oldService.Spec.ClusterIP,
			field.NewPath("spec", "clusterIP"))...)
	}
	return append(allErrs, validateSpec(service)...)
}

// Canonicalize does nothing to services.
func (Strategy) Canonicalize(runtime.Object) {}

// AllowCreateOnUpdate is true, as upstream's.
func (Strategy) AllowCreateOnUpdate() bool { return true }

// AllowUnconditionalUpdate is true: an update without a resourceVersion
// replaces whatever is stored.
func (Strategy) AllowUnconditionalUpdate() bool { return true }

// setDefaults is v1.7's SetDefaults_Service: no session affinity, type
// ClusterIP, ports over TCP to the same port on the pods.
func setDefaults(service *corev1.Service) {
	if service.Spec.SessionAffinity == "" {
		service.Spec.SessionAffinity = corev1.ServiceAffinityNone
	}
	if service.Spec.Type == "" {
		service.Spec.Type = corev1.ServiceTypeClusterIP
	}
	for i := range service.Spec.Ports {
		sp := &service.Spec.Ports[i]
		if sp.Protocol == "" {
			sp.Protocol = corev1.ProtocolTCP
		}
		if sp.TargetPort == intstr.FromInt32(0) || sp.TargetPort == intstr.FromString("") {
			sp.TargetPort = intstr.FromInt32(sp.Port)
		}
	}
}

var (
	supportedSessionAffinityType = sets.New(string(corev1.ServiceAffinityClientIP), string(corev1.ServiceAffinityNone))
	supportedServiceType         = sets.New(string(corev1.ServiceTypeClusterIP), string(corev1.ServiceTypeNodePort),
		string(corev1.ServiceTypeLoadBalancer), string(corev1.ServiceTypeExternalName))
	supportedPortProtocols = sets.New(string(corev1.ProtocolTCP), string(corev1.ProtocolUDP))
)

// ValidateService checks a service as v1.7 does: the metadata, then the
// spec (validateSpec).
func ValidateService(service *corev1.Service) field.ErrorList {
	allErrs := validation.ValidateObjectMeta(&service.ObjectMeta, true, validation.NameIsDNS1035Label, field.NewPath("metadata"))
	return append(allErrs, validateSpec(service)...)
}

// validateSpec checks the ports, the selector, the session affinity, the
// cluster IP, the external IPs and the type, and what each type allows.
func validateSpec(service *corev1.Service) field.ErrorList {
	allErrs := field.ErrorList{}
	specPath := field.NewPath("spec")
	isHeadlessService := service.Spec.ClusterIP == corev1.ClusterIPNone
	if len(service.Spec.Ports) == 0 && !isHeadlessService && service.Spec.Type != corev1.ServiceTypeExternalName {
		allErrs = append(allErrs, field.Required(specPath.Child("ports"), ""))
	}
	allErrs = append(allErrs, validateType(service, specPath)...)

	allPortNames := sets.New[string]()
	portsPath := specPath.Child("ports")
	for i := range service.Spec.Ports {
		allErrs = append(allErrs, validateServicePort(&service.Spec.Ports[i], len(service.Spec.Ports) > 1, allPortNames, portsPath.Index(i))...)
	}
	if service.Spec.Selector != nil {
		allErrs = append(allErrs, metav1validation.ValidateLabels(service.Spec.Selector, specPath.Child("selector"))...)
	}
	if len(service.Spec.SessionAffinity) == 0 {
		allErrs = append(allErrs, field.Required(specPath.Child("sessionAffinity"), ""))
	} else if !supportedSessionAffinityType.Has(string(service.Spec.SessionAffinity)) {
		allErrs = append(allErrs, field.NotSupported(specPath.Child("sessionAffinity"), service.Spec.SessionAffinity, sets.List(supportedSessionAffinityType)))
	}
	if IsServiceIPSet(service) && net.ParseIP(service.Spec.ClusterIP) == nil {
		allErrs = append(allErrs, field.Invalid(specPath.Child("clusterIP"), service.Spec.ClusterIP, "must be empty, 'None', or a valid IP address"))
	}
	for i, ip := range service.Spec.ExternalIPs {
		idxPath := specPath.Child("externalIPs").Index(i)
		if errs := utilvalidation.IsValidIP(idxPath, ip); len(errs) != 0 {
			allErrs = append(allErrs, errs...)
		} else {
			allErrs = append(allErrs, validateNonSpecialIP(ip, idxPath)...)
		}
	}
	if len(service.Spec.Type) == 0 {
		allErrs = append(allErrs, field.Required(specPath.Child("type"), ""))
	} else if !supportedServiceType.Has(string(service.Spec.Type)) {
		allErrs = append(allErrs, field.NotSupported(specPath.Child("type"), service.Spec.Type, sets.List(supportedServiceType)))
	}
	return append(allErrs, validateNodePorts(service, portsPath)...)
}

// validateType checks what the service's type asks of the rest.
func validateType(service *corev1.Service, specPath *field.Path) field.ErrorList {
	allErrs := field.ErrorList{}
	switch service.Spec.Type {
	case corev1.ServiceTypeLoadBalancer:
		protocols := sets.New[string]()
		for ix, port := range service.Spec.Ports {
			portPath := specPath.Child("ports").Index(ix)
			// Some clouds open too much of their firewalls: keep the kubelet's port in.
			if port.Port == 10250 {
				allErrs = append(allErrs, field.Invalid(portPath, port.Port, "may not expose port 10250 externally since it is used by kubelet"))
			}
			protocols.Insert(string(port.Protocol))
		}
		if protocols.Len() > 1 {
			allErrs = append(allErrs, field.Invalid(specPath.Child("ports"), service.Spec.Ports, "cannot create an external load balancer with mix protocols"))
		}
		if service.Spec.ClusterIP == corev1.ClusterIPNone {
			allErrs = append(allErrs, field.Invalid(specPath.Child("clusterIP"), service.Spec.ClusterIP, "may not be set to 'None' for LoadBalancer services"))
		}
	case corev1.ServiceTypeNodePort:
		if service.Spec.ClusterIP == corev1.ClusterIPNone {
			allErrs = append(allErrs, field.Invalid(specPath.Child("clusterIP"), service.Spec.ClusterIP, "may not be set to 'None' for NodePort services"))
		}
	case corev1.ServiceTypeExternalName:
		if service.Spec.ClusterIP != "" {
			allErrs = append(allErrs, field.Invalid(specPath.Child("clusterIP"), service.Spec.ClusterIP, "must be empty for ExternalName services"))
		}
		if len(service.Spec.ExternalName) == 0 {
			allErrs = append(allErrs, field.Required(specPath.Child("externalName"), ""))
		}
		for _, msg := range utilvalidation.IsDNS1123Subdomain(service.Spec.ExternalName) {
			allErrs = append(allErrs, field.Invalid(specPath.Child("externalName"), service.Spec.ExternalName, msg))
		}
	case corev1.ServiceTypeClusterIP:
		for i, port := range service.Spec.Ports {
			if port.NodePort != 0 {
				allErrs = append(allErrs, field.Invalid(specPath.Child("ports").Index(i).Child("nodePort"), port.NodePort, "may not be used when `type` is 'ClusterIP'"))
			}
		}
	}
	return allErrs
}

// validateServicePort checks a port's name (required when there are
// several, unique), number, protocol and target.
func validateServicePort(sp *corev1.ServicePort, requireName bool, allNames sets.Set[string], fldPath *field.Path) field.ErrorList {
	allErrs := field.ErrorList{}
	if requireName && len(sp.Name) == 0 {
		allErrs = append(allErrs, field.Required(fldPath.Child("name"), ""))
	} else if len(sp.Name) != 0 {
		for _, msg := range utilvalidation.IsDNS1123Label(sp.Name) {
			allErrs = append(allErrs, field.Invalid(fldPath.Child("name"), sp.Name, msg))
		}
		if allNames.Has(sp.Name) {
			allErrs = append(allErrs, field.Duplicate(fldPath.Child("name"), sp.Name))
		}
		allNames.Insert(sp.Name)
	}
	for _, msg := range utilvalidation.IsValidPortNum(int(sp.Port)) {
		allErrs = append(allErrs, field.Invalid(fldPath.Child("port"), sp.Port, msg))
	}
	if len(sp.Protocol) == 0 {
		allErrs = append(allErrs, field.Required(fldPath.Child("protocol"), ""))
	} else if !supportedPortProtocols.Has(string(sp.Protocol)) {
		allErrs = append(allErrs, field.NotSupported(fldPath.Child("protocol"), sp.Protocol, sets.List(supportedPortProtocols)))
	}
	return append(allErrs, validatePortNumOrName(sp.TargetPort, fldPath.Child("targetPort"))...)
}

// validatePortNumOrName checks a target port: a port number, or the name
// of a container port (an IANA service name).
func validatePortNumOrName(port intstr.IntOrString, fldPath *field.Path) field.ErrorList {
	allErrs := field.ErrorList{}
	if port.Type == intstr.Int {
		for _, msg := range utilvalidation.IsValidPortNum(port.IntValue()) {
			allErrs = append(allErrs, field.Invalid(fldPath, port.IntValue(), msg))
		}
		return allErrs
	}
	for _, msg := range utilvalidation.IsValidPortName(port.StrVal) {
		allErrs = append(allErrs, field.Invalid(fldPath, port.StrVal, msg))
	}
	return allErrs
}

// validateNodePorts refuses a node port used twice for one protocol.
func validateNodePorts(service *corev1.Service, portsPath *field.Path) field.ErrorList {
	allErrs := field.ErrorList{}
	type key struct {
		protocol corev1.Protocol
		nodePort int32
	}
	seen := map[key]bool{}
	for i, port := range service.Spec.Ports {
		if port.NodePort == 0 {
			continue
		}
		k := key{port.Protocol, port.NodePort}
		if seen[k] {
			allErrs = append(allErrs, field.Duplicate(portsPath.Index(i).Child("nodePort"), port.NodePort))
		}
		seen[k] = true
	}
	return allErrs
}

// validateNonSpecialIP refuses unspecified, loopback and link-local
// addresses, which make no sense as external IPs.
func validateNonSpecialIP(ipAddress string, fldPath *field.Path) field.ErrorList {
	allErrs := field.ErrorList{}
	ip := net.ParseIP(ipAddress)
	switch {
	case ip.IsUnspecified():
		allErrs = append(allErrs, field.Invalid(fldPath, ipAddress, "may not be unspecified (0.0.0.0)"))
	case ip.IsLoopback():
		allErrs = append(allErrs, field.Invalid(fldPath, ipAddress, "may not be in the loopback range (127.0.0.0/8)"))
	case ip.IsLinkLocalUnicast():
		allErrs = append(allErrs, field.Invalid(fldPath, ipAddress, "may not be in the link-local range (169.254.0.0/16)"))
	case ip.IsLinkLocalMulticast():
		allErrs = append(allErrs, field.Invalid(fldPath, ipAddress, "may not be in the link-local multicast range (224.0.0.0/24)"))
	}
	return allErrs
}

// IsServiceIPSet reports whether service has a cluster IP: neither empty
// nor None.
func IsServiceIPSet(service *corev1.Service) bool {
	return service.Spec.ClusterIP != corev1.ClusterIPNone && service.Spec.ClusterIP != ""
}
