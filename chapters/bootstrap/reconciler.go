package bootstrap

//lint:file-ignore SA1019 v1.7 has core v1 Endpoints (EndpointSlices came in v1.16)

import (
	"context"
	"net"

	"github.com/kubewalk/kubewalk/server/registry/core/endpoint"
	"github.com/kubewalk/kubewalk/trace"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	corev1client "k8s.io/client-go/kubernetes/typed/core/v1"
)

// EndpointReconciler keeps the endpoints of the API servers' service.
type EndpointReconciler interface {
	// ReconcileEndpoints makes the endpoints serviceName in default list
	// ip on endpointPorts; with reconcilePorts it also resets the ports.
	// Every API server calls it periodically, with the same ports.
	ReconcileEndpoints(ctx context.Context, serviceName string, ip net.IP, endpointPorts []corev1.EndpointPort, reconcilePorts bool) error
}

// masterCountEndpointReconciler keeps masterCount addresses in the
// endpoints: its own, and those that come before it.
type masterCountEndpointReconciler struct {
	masterCount    int
	endpointClient corev1client.EndpointsGetter
}

// NewMasterCountEndpointReconciler returns the reconciler of
// --apiserver-count API servers, which must all agree on the count.
func NewMasterCountEndpointReconciler(masterCount int, endpointClient corev1client.EndpointsGetter) EndpointReconciler {
	return &masterCountEndpointReconciler{masterCount: masterCount, endpointClient: endpointClient}
}

// ReconcileEndpoints creates the endpoints with ip alone when there are
// none; resets them to ip alone when they are not one subset; else adds
// ip, removing the addresses just after it until masterCount are left,
// and, with reconcilePorts, resets the ports.
func (r *masterCountEndpointReconciler) ReconcileEndpoints(ctx context.Context, serviceName string, ip net.IP, endpointPorts []corev1.EndpointPort, reconcilePorts bool) error {
	endpoints := r.endpointClient.Endpoints(metav1.NamespaceDefault)
	e, err := endpoints.Get(ctx, serviceName, metav1.GetOptions{})
	if err != nil {
		e = &corev1.Endpoints{ObjectMeta: metav1.ObjectMeta{Name: serviceName, Namespace: metav1.NamespaceDefault}}
	}
	// --8<-- [start:reconcile]
	if apierrors.IsNotFound(err) {
		e.Subsets = []corev1.EndpointSubset{{
			Addresses: []corev1.EndpointAddress{{IP: ip.String()}},
			Ports:     endpointPorts,
		}}
		_, err = endpoints.Create(ctx, e, metav1.CreateOptions{})
		return err
	}
	// --8<-- [end:reconcile]

	formatCorrect, ipCorrect, portsCorrect := checkEndpointSubsetFormat(e, ip.String(), endpointPorts, r.masterCount, reconcilePorts)
	if !formatCorrect {
		e.Subsets = []corev1.EndpointSubset{{
			Addresses: []corev1.EndpointAddress{{IP: ip.String()}},
			Ports:     endpointPorts,
		}}
		trace.Log(ctx).Warn().Msgf("Resetting endpoints for master service %q to %#v", serviceName, e)
		_, err = endpoints.Update(ctx, e, metav1.UpdateOptions{})
		return err
	}
	if ipCorrect && portsCorrect {
		return nil
	}
	if !ipCorrect {
		// Always add our own address; repacking keeps them sorted.
		e.Subsets[0].Addresses = append(e.Subsets[0].Addresses, corev1.EndpointAddress{IP: ip.String()})
		e.Subsets = endpoint.RepackSubsets(e.Subsets)
		// Too many: remove those just after ours, wrapping around. As every
		// server does the same, the list converges.
		if addrs := &e.Subsets[0].Addresses; len(*addrs) > r.masterCount {
			for i, addr := range *addrs {
				if addr.IP == ip.String() {
					for len(*addrs) > r.masterCount {
						remove := (i + 1) % len(*addrs)
						*addrs = append((*addrs)[:remove], (*addrs)[remove+1:]...)
					}
					break
				}
			}
		}
	}
	if !portsCorrect {
		e.Subsets[0].Ports = endpointPorts
	}
	trace.Log(ctx).Warn().Msgf("Resetting endpoints for master service %q to %v", serviceName, e)
	_, err = endpoints.Update(ctx, e, metav1.UpdateOptions{})
	return err
}

// checkEndpointSubsetFormat reports whether e is one subset
// (formatCorrect), whether it lists ip among at most count addresses
// (ipCorrect), and, when reconcilePorts, whether its ports are exactly
// ports (portsCorrect; always true otherwise).
func checkEndpointSubsetFormat(e *corev1.Endpoints, ip string, ports []corev1.EndpointPort, count int, reconcilePorts bool) (formatCorrect, ipCorrect, portsCorrect bool) {
	if len(e.Subsets) != 1 {
		return false, false, false
	}
	sub := &e.Subsets[0]
	portsCorrect = true
	if reconcilePorts {
		if len(sub.Ports) != len(ports) {
			portsCorrect = false
		}
		for i, port := range ports {
			if len(sub.Ports) <= i || port != sub.Ports[i] {
				portsCorrect = false
				break
			}
		}
	}
	for _, addr := range sub.Addresses {
		if addr.IP == ip {
			ipCorrect = len(sub.Addresses) <= count
			break
		}
	}
	return true, ipCorrect, portsCorrect
}
