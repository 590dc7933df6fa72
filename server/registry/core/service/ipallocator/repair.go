package ipallocator

import (
	"context"
	"fmt"
	"net"
	"time"

	"github.com/kubewalk/kubewalk/server/registry/core/service/allocator"
	"github.com/kubewalk/kubewalk/server/wait"
	"github.com/kubewalk/kubewalk/trace"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	corev1client "k8s.io/client-go/kubernetes/typed/core/v1"
	"k8s.io/client-go/util/retry"
)

// Repair is a loop that looks at every service's cluster IP from time to
// time, says what is wrong (an IP not marked taken, taken twice, outside
// the range, or marked taken by no service), and writes the taken IPs
// back as they should be. An IP no service has is freed only after it
// was found so numRepairsBeforeLeakCleanup times in a row, so that an IP
// taken by a service being created is not freed under it.
type Repair struct {
	interval      time.Duration
	serviceClient corev1client.ServicesGetter
	network       *net.IPNet
	alloc         allocator.RangeRegistry
	leaks         map[string]int // how many more times a leaked IP is kept
}

// numRepairsBeforeLeakCleanup is how many repairs must find an IP taken
// by no service before one frees it.
const numRepairsBeforeLeakCleanup = 3

// NewRepair returns the repair of the IPs of network kept in alloc, run
// every interval by RunUntil.
func NewRepair(interval time.Duration, serviceClient corev1client.ServicesGetter, network *net.IPNet, alloc allocator.RangeRegistry) *Repair {
	return &Repair{interval: interval, serviceClient: serviceClient, network: network, alloc: alloc, leaks: map[string]int{}}
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
		return fmt.Errorf("unable to refresh the service IP block: %v", err)
	}
	if snapshot.Range == "" { // not yet initialized
		snapshot.Range = c.network.String()
	}
	stored, err := NewFromSnapshot(snapshot)
	if err != nil {
		return fmt.Errorf("unable to rebuild allocator from snapshot: %v", err)
	}
	list, err := c.serviceClient.Services(metav1.NamespaceAll).List(ctx, metav1.ListOptions{})
	if err != nil {
		return fmt.Errorf("unable to refresh the service IP block: %v", err)
	}

	rebuilt := NewCIDRRange(c.network)
	for _, svc := range list.Items {
		if err := c.check(ctx, &svc, stored, rebuilt); err != nil {
			return err
		}
	}
	c.keepLeaks(ctx, stored, rebuilt)

	if err := rebuilt.Snapshot(snapshot); err != nil {
		return fmt.Errorf("unable to snapshot the updated service IP allocations: %v", err)
	}
	if err := c.alloc.CreateOrUpdate(snapshot); err != nil {
		if apierrors.IsConflict(err) {
			return err
		}
		return fmt.Errorf("unable to persist the updated service IP allocations: %v", err)
	}
	return nil
}

// check marks svc's cluster IP taken in rebuilt, and unmarks it in stored
// so that what stays there is what no service has.
func (c *Repair) check(ctx context.Context, svc *corev1.Service, stored, rebuilt *Range) error {
	if !isServiceIPSet(svc) {
		return nil
	}
	ip := net.ParseIP(svc.Spec.ClusterIP)
	if ip == nil {
		trace.Log(ctx).Error().Msgf("the cluster IP %s for service %s/%s is not a valid IP; please recreate", svc.Spec.ClusterIP, svc.Name, svc.Namespace)
		return nil
	}
	switch err := rebuilt.Allocate(ip); err {
	case nil:
		if stored.Has(ip) {
			stored.Release(ip)
		} else {
			trace.Log(ctx).Error().Msgf("the cluster IP %s for service %s/%s is not allocated; repairing", svc.Spec.ClusterIP, svc.Name, svc.Namespace)
		}
		delete(c.leaks, ip.String()) // in use, so not leaked
	case ErrAllocated:
		trace.Log(ctx).Error().Msgf("the cluster IP %s for service %s/%s was assigned to multiple services; please recreate", ip, svc.Name, svc.Namespace)
	case ErrNotInRange:
		trace.Log(ctx).Error().Msgf("the cluster IP %s for service %s/%s is not within the service CIDR %s; please recreate", ip, svc.Name, svc.Namespace, c.network)
	case ErrFull:
		return fmt.Errorf("the service CIDR %v is full; you must widen the CIDR in order to create new services", c.network)
	default:
		return fmt.Errorf("unable to allocate cluster IP %s for service %s/%s due to an unknown error, exiting: %v", ip, svc.Name, svc.Namespace, err)
	}
	return nil
}

// keepLeaks keeps the IPs left in stored, which no service has, taken in
// rebuilt until they have been seen numRepairsBeforeLeakCleanup times.
func (c *Repair) keepLeaks(ctx context.Context, stored, rebuilt *Range) {
	stored.ForEach(func(ip net.IP) {
		count, found := c.leaks[ip.String()]
		switch {
		case !found:
			trace.Log(ctx).Error().Msgf("the cluster IP %s may have leaked: flagging for later clean up", ip)
			count = numRepairsBeforeLeakCleanup - 1
			fallthrough
		case count > 0:
			c.leaks[ip.String()] = count - 1
			if err := rebuilt.Allocate(ip); err != nil {
				trace.Log(ctx).Error().Msgf("the cluster IP %s may have leaked, but can not be allocated: %v", ip, err)
			}
		default:
			trace.Log(ctx).Error().Msgf("the cluster IP %s appears to have leaked: cleaning up", ip)
		}
	})
}

// isServiceIPSet reports whether svc has a cluster IP (not None, not
// empty): upstream's helper.IsServiceIPSet.
func isServiceIPSet(svc *corev1.Service) bool {
	return svc.Spec.ClusterIP != corev1.ClusterIPNone && svc.Spec.ClusterIP != ""
}
