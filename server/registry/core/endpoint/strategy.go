package endpoint

//lint:file-ignore SA1019 v1.7 has core v1 Endpoints (EndpointSlices came in v1.16)

import (
	"context"
	"net"

	"github.com/kubewalk/kubewalk/server/registry/rest"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/validation"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/sets"
	utilvalidation "k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// Strategy is the create and update strategy of endpoints.
type Strategy struct {
	runtime.ObjectTyper
	rest.NameGenerator
}

// NewStrategy returns the endpoints strategy; typer must know
// *corev1.Endpoints.
func NewStrategy(typer runtime.ObjectTyper) Strategy {
	return Strategy{typer, rest.SimpleNameGenerator}
}

// NamespaceScoped is true: endpoints live in a namespace.
func (Strategy) NamespaceScoped() bool { return true }

// PrepareForCreate applies v1's defaults (see setDefaults).
func (Strategy) PrepareForCreate(_ context.Context, obj runtime.Object) {
	setDefaults(obj.(*corev1.Endpoints))
}

// PrepareForUpdate applies v1's defaults (see setDefaults).
func (Strategy) PrepareForUpdate(_ context.Context, obj, _ runtime.Object) {
	setDefaults(obj.(*corev1.Endpoints))
}

// setDefaults is v1.7's SetDefaults_Endpoints: a port without a protocol
// is TCP. (Upstream applies it when it decodes a v1 object.)
func setDefaults(endpoints *corev1.Endpoints) {
	for i := range endpoints.Subsets {
		for j := range endpoints.Subsets[i].Ports {
			if endpoints.Subsets[i].Ports[j].Protocol == "" {
				endpoints.Subsets[i].Ports[j].Protocol = corev1.ProtocolTCP
			}
		}
	}
}

// Validate is upstream's ValidateEndpoints.
func (Strategy) Validate(_ context.Context, obj runtime.Object) field.ErrorList {
	endpoints := obj.(*corev1.Endpoints)
	allErrs := validation.ValidateObjectMeta(&endpoints.ObjectMeta, true, validation.NameIsDNSSubdomain, field.NewPath("metadata"))
	return append(allErrs, validateEndpointSubsets(endpoints.Subsets, field.NewPath("subsets"))...)
}

// ValidateUpdate is upstream's ValidateEndpointsUpdate less the metadata
// checks, which rest.BeforeUpdate runs.
func (Strategy) ValidateUpdate(_ context.Context, obj, _ runtime.Object) field.ErrorList {
	return validateEndpointSubsets(obj.(*corev1.Endpoints).Subsets, field.NewPath("subsets"))
}

// Canonicalize repacks the subsets (RepackSubsets).
func (Strategy) Canonicalize(obj runtime.Object) {
	endpoints := obj.(*corev1.Endpoints)
	endpoints.Subsets = RepackSubsets(endpoints.Subsets)
}

// AllowCreateOnUpdate is true, as upstream's.
func (Strategy) AllowCreateOnUpdate() bool { return true }

// AllowUnconditionalUpdate is true: an update without a resourceVersion
// replaces whatever is stored.
func (Strategy) AllowUnconditionalUpdate() bool { return true }

// supportedPortProtocols are the protocols v1.7 allows on a port.
var supportedPortProtocols = sets.New(string(corev1.ProtocolTCP), string(corev1.ProtocolUDP))

// validateEndpointSubsets checks that every subset has addresses (ready
// or not) and ports, and that each address and port is valid.
func validateEndpointSubsets(subsets []corev1.EndpointSubset, fldPath *field.Path) field.ErrorList {
	allErrs := field.ErrorList{}
	for i := range subsets {
		ss := &subsets[i]
		idxPath := fldPath.Index(i)
		if len(ss.Addresses) == 0 && len(ss.NotReadyAddresses) == 0 {
			allErrs = append(allErrs, field.Required(idxPath, "must specify `addresses` or `notReadyAddresses`"))
		}
		if len(ss.Ports) == 0 {
			allErrs = append(allErrs, field.Required(idxPath.Child("ports"), ""))
		}
		for addr := range ss.Addresses {
			allErrs = append(allErrs, validateEndpointAddress(&ss.Addresses[addr], idxPath.Child("addresses").Index(addr))...)
		}
		for addr := range ss.NotReadyAddresses {
			allErrs = append(allErrs, validateEndpointAddress(&ss.NotReadyAddresses[addr], idxPath.Child("notReadyAddresses").Index(addr))...)
		}
		for port := range ss.Ports {
			allErrs = append(allErrs, validateEndpointPort(&ss.Ports[port], len(ss.Ports) > 1, idxPath.Child("ports").Index(port))...)
		}
	}
	return allErrs
}

// validateEndpointAddress checks the IP, the hostname and the node name;
// a valid IP must not be a special one (validateNonSpecialIP).
func validateEndpointAddress(address *corev1.EndpointAddress, fldPath *field.Path) field.ErrorList {
	allErrs := utilvalidation.IsValidIP(fldPath.Child("ip"), address.IP)
	if len(address.Hostname) > 0 {
		for _, msg := range utilvalidation.IsDNS1123Label(address.Hostname) {
			allErrs = append(allErrs, field.Invalid(fldPath.Child("hostname"), address.Hostname, msg))
		}
	}
	if address.NodeName != nil {
		for _, msg := range validation.NameIsDNSSubdomain(*address.NodeName, false) {
			allErrs = append(allErrs, field.Invalid(fldPath.Child("nodeName"), *address.NodeName, msg))
		}
	}
	if len(allErrs) > 0 {
		return allErrs
	}
	return validateNonSpecialIP(address.IP, fldPath.Child("ip"))
}

// validateNonSpecialIP refuses the addresses an endpoint cannot have: the
// unspecified address, loopback (a process cannot be reached there from
// another host) and link-local ones.
func validateNonSpecialIP(ipAddress string, fldPath *field.Path) field.ErrorList {
	allErrs := field.ErrorList{}
	ip := net.ParseIP(ipAddress)
	if ip == nil {
		return append(allErrs, field.Invalid(fldPath, ipAddress, "must be a valid IP address"))
	}
	// --8<-- [start:special]
	if ip.IsUnspecified() {
		allErrs = append(allErrs, field.Invalid(fldPath, ipAddress, "may not be unspecified (0.0.0.0)"))
	}
	if ip.IsLoopback() {
		allErrs = append(allErrs, field.Invalid(fldPath, ipAddress, "may not be in the loopback range (127.0.0.0/8)"))
	}
	// --8<-- [end:special]
	if ip.IsLinkLocalUnicast() {
		allErrs = append(allErrs, field.Invalid(fldPath, ipAddress, "may not be in the link-local range (169.254.0.0/16)"))
	}
	if ip.IsLinkLocalMulticast() {
		allErrs = append(allErrs, field.Invalid(fldPath, ipAddress, "may not be in the link-local multicast range (224.0.0.0/24)"))
	}
	return allErrs
}

// validateEndpointPort checks the name (required when there are several
// ports), the number and the protocol.
func validateEndpointPort(port *corev1.EndpointPort, requireName bool, fldPath *field.Path) field.ErrorList {
	allErrs := field.ErrorList{}
	if requireName && len(port.Name) == 0 {
		allErrs = append(allErrs, field.Required(fldPath.Child("name"), ""))
	} else if len(port.Name) != 0 {
		for _, msg := range utilvalidation.IsDNS1123Label(port.Name) {
			allErrs = append(allErrs, field.Invalid(fldPath.Child("name"), port.Name, msg))
		}
	}
	for _, msg := range utilvalidation.IsValidPortNum(int(port.Port)) {
		allErrs = append(allErrs, field.Invalid(fldPath.Child("port"), port.Port, msg))
	}
	if len(port.Protocol) == 0 {
		allErrs = append(allErrs, field.Required(fldPath.Child("protocol"), ""))
	} else if !supportedPortProtocols.Has(string(port.Protocol)) {
		allErrs = append(allErrs, field.NotSupported(fldPath.Child("protocol"), port.Protocol, sets.List(supportedPortProtocols)))
	}
	return allErrs
}
