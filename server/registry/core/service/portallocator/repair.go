package portallocator

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/kubewalk/kubewalk/server/registry/core/service/allocator"
	"github.com/kubewalk/kubewalk/server/wait"
	"github.com/kubewalk/kubewalk/trace"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	utilnet "k8s.io/apimachinery/pkg/util/net"
	corev1client "k8s.io/client-go/kubernetes/typed/core/v1"
	"k8s.io/client-go/util/retry"
)

// Repair is the node ports' counterpart of ipallocator.Repair: a loop
// that checks every service's node ports from time to time, says what is
// wrong, and writes the taken ports back as they should be.
type Repair struct {
	interval      time.Duration
	serviceClient corev1client.ServicesGetter
	portRange     utilnet.PortRange
	alloc         allocator.RangeRegistry
	leaks         map[int]int // how many more times a leaked port is kept
}

// numRepairsBeforeLeakCleanup is how many repairs must find a port taken
// by no service before one frees it.
const numRepairsBeforeLeakCleanup = 3

// NewRepair returns the repair of the ports of portRange kept in alloc,
// run every interval by RunUntil.
func NewRepair(interval time.Duration, serviceClient corev1client.ServicesGetter, portRange utilnet.PortRange, alloc allocator.RangeRegistry) *Repair {
	return &Repair{interval: interval, serviceClient: serviceClient, portRange: portRange, alloc: alloc, leaks: map[int]int{}}
}

// RunUntil repairs every interval until ch is closed, logging the errors.
func (c *Repair) RunUntil(ctx context.Context, ch chan struct{}) {
	wait.Until(ctx, func() {
		if err := c.RunOnce(ctx); err != nil {
			trace.Log(ctx).Error().Msg(err.Error())
		}
	}, c.interval, ch)
}

// RunOnce repairs once, reading again on a conflict; it returns an error
// only for what it cannot repair.
func (c *Repair) RunOnce(ctx context.Context) error {
	return retry.RetryOnConflict(retry.DefaultBackoff, func() error { return c.runOnce(ctx) })
}

func (c *Repair) runOnce(ctx context.Context) error {
	snapshot, err := c.alloc.Get()
	if err != nil {
		return fmt.Errorf("unable to refresh the port allocations: %v", err)
	}
	if snapshot.Range == "" { // not yet initialized
		snapshot.Range = c.portRange.String()
	}
	stored, err := NewFromSnapshot(snapshot)
	if err != nil {
		return fmt.Errorf("unable to rebuild allocator from snapshot: %v", err)
	}
	list, err := c.serviceClient.Services(metav1.NamespaceAll).List(ctx, metav1.ListOptions{})
	if err != nil {
		return fmt.Errorf("unable to refresh the port block: %v", err)
	}

	rebuilt := NewPortAllocator(c.portRange)
	for i := range list.Items {
		if err := c.check(ctx, &list.Items[i], stored, rebuilt); err != nil {
			return err
		}
	}
	c.keepLeaks(ctx, stored, rebuilt)

	if err := rebuilt.Snapshot(snapshot); err != nil {
		return fmt.Errorf("unable to snapshot the updated port allocations: %v", err)
	}
	if err := c.alloc.CreateOrUpdate(snapshot); err != nil {
		if apierrors.IsConflict(err) {
			return err
		}
		return fmt.Errorf("unable to persist the updated port allocations: %v", err)
	}
	return nil
}

// check marks svc's node ports taken in rebuilt, and unmarks them in
// stored so that what stays there is what no service has.
func (c *Repair) check(ctx context.Context, svc *corev1.Service, stored, rebuilt *PortAllocator) error {
	for _, port := range CollectServiceNodePorts(svc) {
		err := rebuilt.Allocate(port)
		var notInRange *ErrNotInRange
		switch {
		case err == nil:
			if stored.Has(port) {
				stored.Release(port)
			} else {
				trace.Log(ctx).Error().Msgf("the node port %d for service %s/%s is not allocated; repairing", port, svc.Name, svc.Namespace)
			}
			delete(c.leaks, port) // in use, so not leaked
		case err == ErrAllocated:
			trace.Log(ctx).Error().Msgf("the node port %d for service %s/%s was assigned to multiple services; please recreate", port, svc.Name, svc.Namespace)
		case errors.As(err, &notInRange):
			trace.Log(ctx).Error().Msgf("the port %d for service %s/%s is not within the port range %v; please recreate", port, svc.Name, svc.Namespace, c.portRange)
		case err == ErrFull:
			return fmt.Errorf("the port range %v is full; you must widen the port range in order to create new services", c.portRange)
		default:
			return fmt.Errorf("unable to allocate port %d for service %s/%s due to an unknown error, exiting: %v", port, svc.Name, svc.Namespace, err)
		}
	}
	return nil
}

// keepLeaks keeps the ports left in stored, which no service has, taken
// in rebuilt until they have been seen numRepairsBeforeLeakCleanup times.
func (c *Repair) keepLeaks(ctx context.Context, stored, rebuilt *PortAllocator) {
	stored.ForEach(func(port int) {
		count, found := c.leaks[port]
		switch {
		case !found:
			trace.Log(ctx).Error().Msgf("the node port %d may have leaked: flagging for later clean up", port)
			count = numRepairsBeforeLeakCleanup - 1
			fallthrough
		case count > 0:
			c.leaks[port] = count - 1
			if err := rebuilt.Allocate(port); err != nil {
				trace.Log(ctx).Error().Msgf("the node port %d may have leaked, but can not be allocated: %v", port, err)
			}
		default:
			trace.Log(ctx).Error().Msgf("the node port %d appears to have leaked: cleaning up", port)
		}
	})
}

// CollectServiceNodePorts returns the node ports svc's ports use.
func CollectServiceNodePorts(svc *corev1.Service) []int {
	var ports []int
	for _, p := range svc.Spec.Ports {
		if p.NodePort != 0 {
			ports = append(ports, int(p.NodePort))
		}
	}
	return ports
}
