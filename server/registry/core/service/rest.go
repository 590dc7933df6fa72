package service

import (
	"context"
	"fmt"
	"net"
	"slices"

	"github.com/kubewalk/kubewalk/server/registry"
	"github.com/kubewalk/kubewalk/server/registry/core/service/ipallocator"
	"github.com/kubewalk/kubewalk/server/registry/core/service/portallocator"
	"github.com/kubewalk/kubewalk/server/registry/rest"
	"github.com/kubewalk/kubewalk/trace"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// REST is the storage of services: the generic Store, with cluster IPs
// and node ports handed out around its writes.
type REST struct {
	*registry.Store
	deleteEndpoints  EndpointsDeleter // the service's endpoints go with it
	serviceIPs       ipallocator.Interface
	serviceNodePorts portallocator.Interface
}

// EndpointsDeleter deletes the endpoints called name in ctx's namespace;
// a NotFound error means there were none.
type EndpointsDeleter func(ctx context.Context, name string) error

// NewREST returns the service storage over store; deleteEndpoints deletes
// a service's endpoints, serviceIPs and serviceNodePorts are the
// allocators of the service IP range and of the node port range.
func NewREST(store *registry.Store, deleteEndpoints EndpointsDeleter, serviceIPs ipallocator.Interface, serviceNodePorts portallocator.Interface) *REST {
	return &REST{Store: store, deleteEndpoints: deleteEndpoints, serviceIPs: serviceIPs, serviceNodePorts: serviceNodePorts}
}

var serviceKind = corev1.SchemeGroupVersion.WithKind("Service").GroupKind()

// Create gives the new service its cluster IP — the one it asks for, or
// any free one when it asks for none — and its node ports, stores it,
// and gives them back if that fails. A cluster IP or node port that is
// taken or out of range is a 422 on that field; a full range a 500.
func (rs *REST) Create(ctx context.Context, obj runtime.Object) (runtime.Object, error) {
	service := obj.(*corev1.Service)
	if err := rest.BeforeCreate(rs.CreateStrategy, ctx, obj); err != nil {
		return nil, err
	}
	var taken allocations
	defer func() { taken.release(rs) }() // unless the service is stored

	// --8<-- [start:create]
	if isServiceIPRequested(service) {
		ip, err := rs.serviceIPs.AllocateNext()
		if err != nil {
			return nil, apierrors.NewInternalError(fmt.Errorf("failed to allocate a serviceIP: %v", err))
		}
		service.Spec.ClusterIP = ip.String()
		taken.ip = ip
	} else if IsServiceIPSet(service) {
		ip := net.ParseIP(service.Spec.ClusterIP)
		if err := rs.serviceIPs.Allocate(ip); err != nil {
			el := field.ErrorList{field.Invalid(field.NewPath("spec", "clusterIP"), service.Spec.ClusterIP, err.Error())}
			return nil, apierrors.NewInvalid(serviceKind, service.Name, el)
		}
		taken.ip = ip
	}
	// --8<-- [end:create]
	if err := rs.assignNodePorts(service, &taken); err != nil {
		return nil, err
	}
	out, err := rs.Store.Create(ctx, service)
	if err == nil {
		taken = allocations{} // the service holds them now
	}
	return out, err
}

// assignNodePorts gives each port of service the node port it asks for,
// or, for a NodePort or LoadBalancer service, a free one; two ports with
// the same number share theirs.
func (rs *REST) assignNodePorts(service *corev1.Service, taken *allocations) error {
	assign := service.Spec.Type == corev1.ServiceTypeNodePort || service.Spec.Type == corev1.ServiceTypeLoadBalancer
	byPort := map[int32]int32{}
	for i := range service.Spec.Ports {
		sp := &service.Spec.Ports[i]
		if np, ok := byPort[sp.Port]; ok && (sp.NodePort == 0 || sp.NodePort == np) {
			sp.NodePort = np
			continue
		}
		switch {
		case sp.NodePort != 0:
			if err := rs.serviceNodePorts.Allocate(int(sp.NodePort)); err != nil {
				el := field.ErrorList{field.Invalid(field.NewPath("spec", "ports").Index(i).Child("nodePort"), sp.NodePort, err.Error())}
				return apierrors.NewInvalid(serviceKind, service.Name, el)
			}
		case assign:
			np, err := rs.serviceNodePorts.AllocateNext()
			if err != nil {
				return apierrors.NewInternalError(fmt.Errorf("failed to allocate a nodePort: %v", err))
			}
			sp.NodePort = int32(np)
		default:
			continue
		}
		taken.nodePorts = append(taken.nodePorts, int(sp.NodePort))
		byPort[sp.Port] = sp.NodePort
	}
	return nil
}

// allocations are what a write took and gives back unless it is stored.
type allocations struct {
	ip        net.IP
	nodePorts []int
}

func (a allocations) release(rs *REST) {
	if a.ip != nil {
		rs.serviceIPs.Release(a.ip)
	}
	for _, np := range a.nodePorts {
		rs.serviceNodePorts.Release(np)
	}
}

// Update takes the node ports the updated service asks for and has not,
// or free ones for a NodePort or LoadBalancer service, stores it, and
// then frees the node ports it no longer uses. Its cluster IP cannot
// change (see ValidateUpdate).
func (rs *REST) Update(ctx context.Context, name string, objInfo rest.UpdatedObjectInfo) (runtime.Object, bool, error) {
	current, err := rs.Store.Get(ctx, name, &metav1.GetOptions{})
	if err != nil {
		return nil, false, err
	}
	oldService := current.(*corev1.Service)
	obj, err := objInfo.UpdatedObject(ctx, oldService.DeepCopy())
	if err != nil {
		return nil, false, err
	}
	service := obj.(*corev1.Service)
	oldNodePorts := portallocator.CollectServiceNodePorts(oldService)
	var taken allocations
	defer func() { taken.release(rs) }()
	if service.Spec.Type == corev1.ServiceTypeNodePort || service.Spec.Type == corev1.ServiceTypeLoadBalancer {
		for i := range service.Spec.Ports {
			sp := &service.Spec.Ports[i]
			switch {
			case sp.NodePort == 0:
				np, err := rs.serviceNodePorts.AllocateNext()
				if err != nil {
					return nil, false, apierrors.NewInternalError(fmt.Errorf("failed to allocate a nodePort: %v", err))
				}
				sp.NodePort = int32(np)
				taken.nodePorts = append(taken.nodePorts, np)
			case !slices.Contains(oldNodePorts, int(sp.NodePort)):
				if err := rs.serviceNodePorts.Allocate(int(sp.NodePort)); err != nil {
					el := field.ErrorList{field.Invalid(field.NewPath("spec", "ports").Index(i).Child("nodePort"), sp.NodePort, err.Error())}
					return nil, false, apierrors.NewInvalid(serviceKind, service.Name, el)
				}
				taken.nodePorts = append(taken.nodePorts, int(sp.NodePort))
			}
		}
	}
	out, created, err := rs.Store.Update(ctx, name, rest.DefaultUpdatedObjectInfo(service))
	if err != nil {
		return nil, false, err
	}
	taken = allocations{}
	newNodePorts := portallocator.CollectServiceNodePorts(out.(*corev1.Service))
	for _, np := range oldNodePorts {
		if !slices.Contains(newNodePorts, np) {
			rs.serviceNodePorts.Release(np)
		}
	}
	return out, created, nil
}

// Delete deletes the service and its endpoints, and frees its cluster IP
// and node ports. As upstream, it answers a Status Success, not the
// service.
func (rs *REST) Delete(ctx context.Context, name string, options *metav1.DeleteOptions) (runtime.Object, bool, error) {
	obj, _, err := rs.Store.Delete(ctx, name, options)
	if err != nil {
		return nil, false, err
	}
	service := obj.(*corev1.Service)
	if err := rs.deleteEndpoints(ctx, name); err != nil && !apierrors.IsNotFound(err) {
		return nil, false, err
	}
	if IsServiceIPSet(service) {
		rs.serviceIPs.Release(net.ParseIP(service.Spec.ClusterIP))
	}
	for _, nodePort := range portallocator.CollectServiceNodePorts(service) {
		if err := rs.serviceNodePorts.Release(nodePort); err != nil {
			trace.Log(ctx).Error().Msgf("Error releasing service %s node port %d: %v", service.Name, nodePort, err)
		}
	}
	return &metav1.Status{Status: metav1.StatusSuccess}, true, nil
}

// isServiceIPRequested reports whether service wants a cluster IP picked
// for it: it asks for none and is not an ExternalName service.
func isServiceIPRequested(service *corev1.Service) bool {
	return service.Spec.Type != corev1.ServiceTypeExternalName && service.Spec.ClusterIP == ""
}
