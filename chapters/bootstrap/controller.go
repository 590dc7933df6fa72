package bootstrap

import (
	"context"
	"net"
	"time"

	"github.com/kubewalk/kubewalk/chapters/config"
	"github.com/kubewalk/kubewalk/server"
	"github.com/kubewalk/kubewalk/server/registry/core/service/allocator"
	"github.com/kubewalk/kubewalk/server/registry/core/service/ipallocator"
	"github.com/kubewalk/kubewalk/server/registry/core/service/portallocator"
	"github.com/kubewalk/kubewalk/server/wait"
	"github.com/kubewalk/kubewalk/trace"
	"github.com/kubewalk/kubewalk/trace/lang"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	utilnet "k8s.io/apimachinery/pkg/util/net"
	corev1client "k8s.io/client-go/kubernetes/typed/core/v1"
)

var (
	controllerGo = trace.UpstreamFile{Path: "pkg/master/controller.go", Ref: "v1.7.3", Chapter: "hooks"}

	upstreamPostStartHook           = controllerGo.Func("master.Controller.PostStartHook")
	upstreamStart                   = controllerGo.Func("master.Controller.Start")
	upstreamRunKubernetesNamespaces = controllerGo.Func("master.Controller.RunKubernetesNamespaces")
	upstreamRunKubernetesService    = controllerGo.Func("master.Controller.RunKubernetesService")

	upstreamRepairClusterIPs = trace.UpstreamFile{
		Path: "pkg/registry/core/service/ipallocator/controller/repair.go", Ref: "v1.7.3", Chapter: "hooks",
	}.Func("controller.Repair.RunUntil")
	upstreamRepairNodePorts = trace.UpstreamFile{
		Path: "pkg/registry/core/service/portallocator/controller/repair.go", Ref: "v1.7.3", Chapter: "hooks",
	}.Func("controller.Repair.RunUntil")
)

// kubernetesServiceName is the service that points at the API servers.
const kubernetesServiceName = "kubernetes"

// neverStopped says why the runner's loops outlive everything else.
var neverStopped = lang.N("v1.7 never calls Runner.Stop (v1.9 does: kubernetes PR #53821)")

// Controller is the bootstrap controller: the loops that keep the
// "default", "kube-system" and "kube-public" namespaces, the "kubernetes"
// service in "default" and its endpoints, and repair the service IP and
// node port allocations. The post-start hook bootstrap-controller starts
// it.
type Controller struct {
	ServiceClient   corev1client.ServicesGetter
	NamespaceClient corev1client.NamespacesGetter

	ServiceClusterIPRegistry allocator.RangeRegistry
	ServiceClusterIPInterval time.Duration
	ServiceClusterIPRange    net.IPNet

	ServiceNodePortRegistry allocator.RangeRegistry
	ServiceNodePortInterval time.Duration
	ServiceNodePortRange    utilnet.PortRange

	EndpointReconciler EndpointReconciler
	EndpointInterval   time.Duration

	SystemNamespaces         []string
	SystemNamespacesInterval time.Duration

	// PublicIP is the address the endpoints publish: --advertise-address.
	PublicIP net.IP

	// ServiceIP is where the kubernetes service lives, on ServicePort; it
	// sends traffic to PublicServicePort, the secure port.
	ServiceIP                 net.IP
	ServicePort               int
	PublicServicePort         int
	KubernetesServiceNodePort int

	// RunnerNeverStopped says why nothing stops the runner's loops:
	// NewBootstrapController sets v1.7's reason. Empty when a
	// pre-shutdown hook stops them (PreShutdownHook, v1.9 on).
	RunnerNeverStopped string

	runner *Runner
}

// NewBootstrapController returns the controller of c, with upstream's
// intervals: the namespaces every minute, the service and its endpoints
// every c.EndpointReconcilerConfig.Interval (10s by default), the repairs
// every three minutes. The clients are the loopback client's; the
// registries are where the service REST keeps the taken IPs and ports.
func NewBootstrapController(c *config.MasterConfig, serviceClusterIPRegistry, serviceNodePortRegistry allocator.RangeRegistry,
	serviceClient corev1client.ServicesGetter, nsClient corev1client.NamespacesGetter, endpointClient corev1client.EndpointsGetter) *Controller {
	// --8<-- [start:new]
	return &Controller{
		ServiceClient:   serviceClient,
		NamespaceClient: nsClient,

		EndpointReconciler: NewMasterCountEndpointReconciler(c.MasterCount, endpointClient),
		EndpointInterval:   c.EndpointReconcilerConfig.Interval,

		SystemNamespaces:         []string{metav1.NamespaceSystem, metav1.NamespacePublic},
		SystemNamespacesInterval: 1 * time.Minute,

		ServiceClusterIPRegistry: serviceClusterIPRegistry,
		ServiceClusterIPRange:    c.ServiceIPRange,
		ServiceClusterIPInterval: 3 * time.Minute,

		ServiceNodePortRegistry: serviceNodePortRegistry,
		ServiceNodePortRange:    c.ServiceNodePortRange,
		ServiceNodePortInterval: 3 * time.Minute,

		PublicIP: c.GenericConfig.PublicAddress,

		ServiceIP:                 c.APIServerServiceIP,
		ServicePort:               c.APIServerServicePort,
		PublicServicePort:         c.GenericConfig.ReadWritePort,
		KubernetesServiceNodePort: c.KubernetesServiceNodePort,

		RunnerNeverStopped: neverStopped,
	}
	// --8<-- [end:new]
}

// PostStartHook is the bootstrap-controller hook: it starts the
// controller and returns nil. It does not use hookContext.StopCh: nothing
// stops the controller's loops.
func (c *Controller) PostStartHook(ctx context.Context, hookContext server.PostStartHookContext) error {
	trace.Mirroring(ctx, upstreamPostStartHook)
	c.Start(ctx)
	return nil
}

// Start runs, before it returns, both repairs and the first update of the
// kubernetes service and endpoints; then it starts the runner's four
// loops, which upstream never stops. A repair that fails ends the process
// (upstream's glog.Fatalf); a failed update is logged. A second Start
// does nothing.
func (c *Controller) Start(ctx context.Context) {
	ctx, end := trace.Step(ctx, upstreamStart)
	defer end(nil)
	if c.runner != nil {
		return
	}

	// --8<-- [start:start]
	repairClusterIPs := ipallocator.NewRepair(c.ServiceClusterIPInterval, c.ServiceClient, &c.ServiceClusterIPRange, c.ServiceClusterIPRegistry)
	repairNodePorts := portallocator.NewRepair(c.ServiceNodePortInterval, c.ServiceClient, c.ServiceNodePortRange, c.ServiceNodePortRegistry)

	// Run every loop once before returning: the hook is not done until then.
	if err := repairClusterIPs.RunOnce(ctx); err != nil {
		trace.Fatalf(ctx, "Unable to perform initial IP allocation check: %v", err)
	}
	if err := repairNodePorts.RunOnce(ctx); err != nil {
		trace.Fatalf(ctx, "Unable to perform initial service nodePort check: %v", err)
	}
	// The service's ports and type are corrected on this first run only.
	if err := c.UpdateKubernetesService(ctx, true); err != nil {
		trace.Log(ctx).Error().Msgf("Unable to perform initial Kubernetes service initialization: %v", err)
	}

	c.runner = NewRunner(
		Loop{"bootstrap: RunKubernetesNamespaces", c.RunKubernetesNamespaces},
		Loop{"bootstrap: RunKubernetesService", c.RunKubernetesService},
		Loop{"bootstrap: repair cluster IPs", mirroring(upstreamRepairClusterIPs, repairClusterIPs.RunUntil)},
		Loop{"bootstrap: repair node ports", mirroring(upstreamRepairNodePorts, repairNodePorts.RunUntil)},
	)
	c.runner.Start(ctx, c.RunnerNeverStopped)
	// --8<-- [end:start]
}

// PreShutdownHook is the pre-shutdown hook bootstrap-controller of v1.9
// (kubernetes PR #53821; stop-kubernetes-service-controller in modern): it
// stops the runner's loops before the server shuts down. v1.7 has no such
// hook.
func (c *Controller) PreShutdownHook(ctx context.Context) error {
	c.Stop(ctx)
	return nil
}

// Stop stops the runner's loops, if they run. (v1.9's also tells the
// endpoint reconciler to stop; ours has nothing to stop.)
func (c *Controller) Stop(ctx context.Context) {
	if c.runner != nil {
		c.runner.Stop(ctx)
	}
}

// mirroring returns loop, first saying that its goroutine runs up.
func mirroring(up trace.Upstream, loop func(context.Context, chan struct{})) func(context.Context, chan struct{}) {
	return func(ctx context.Context, ch chan struct{}) {
		trace.Mirroring(ctx, up)
		loop(ctx, ch)
	}
}

// RunKubernetesNamespaces makes sure, every SystemNamespacesInterval until
// ch is closed, that the system namespaces exist.
func (c *Controller) RunKubernetesNamespaces(ctx context.Context, ch chan struct{}) {
	trace.Mirroring(ctx, upstreamRunKubernetesNamespaces)
	wait.Until(ctx, func() {
		for _, ns := range c.SystemNamespaces {
			if err := c.CreateNamespaceIfNeeded(ctx, ns); err != nil {
				trace.Log(ctx).Error().Msgf("unable to create required kubernetes system namespace %s: %v", ns, err)
			}
		}
	}, c.SystemNamespacesInterval, ch)
}

// RunKubernetesService updates the kubernetes service and its endpoints
// every EndpointInterval until ch is closed.
func (c *Controller) RunKubernetesService(ctx context.Context, ch chan struct{}) {
	trace.Mirroring(ctx, upstreamRunKubernetesService)
	wait.Until(ctx, func() {
		// Ports and type are not corrected after the first run.
		if err := c.UpdateKubernetesService(ctx, false); err != nil {
			trace.Log(ctx).Error().Msgf("unable to sync kubernetes service: %v", err)
		}
	}, c.EndpointInterval, ch)
}

// UpdateKubernetesService makes sure that the default namespace, the
// kubernetes service and its endpoints exist; with reconcile it also
// corrects the service's ports and type and the endpoints' ports.
func (c *Controller) UpdateKubernetesService(ctx context.Context, reconcile bool) error {
	// --8<-- [start:update]
	if err := c.CreateNamespaceIfNeeded(ctx, metav1.NamespaceDefault); err != nil {
		return err
	}
	servicePorts, serviceType := createPortAndServiceSpec(c.ServicePort, c.PublicServicePort, c.KubernetesServiceNodePort, "https")
	if err := c.CreateOrUpdateMasterServiceIfNeeded(ctx, kubernetesServiceName, c.ServiceIP, servicePorts, serviceType, reconcile); err != nil {
		return err
	}
	endpointPorts := createEndpointPortSpec(c.PublicServicePort, "https")
	return c.EndpointReconciler.ReconcileEndpoints(ctx, kubernetesServiceName, c.PublicIP, endpointPorts, reconcile)
	// --8<-- [end:update]
}

// CreateNamespaceIfNeeded creates the namespace ns unless getting it
// works; one that exists by the time of the create is fine too.
func (c *Controller) CreateNamespaceIfNeeded(ctx context.Context, ns string) error {
	if _, err := c.NamespaceClient.Namespaces().Get(ctx, ns, metav1.GetOptions{}); err == nil {
		return nil
	}
	newNs := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}
	_, err := c.NamespaceClient.Namespaces().Create(ctx, newNs, metav1.CreateOptions{})
	if err != nil && apierrors.IsAlreadyExists(err) {
		err = nil
	}
	return err
}

// createPortAndServiceSpec returns the kubernetes service's port, named
// servicePortName, servicePort to targetServicePort over TCP, and its
// type: ClusterIP, or NodePort on nodePort when that is not 0.
func createPortAndServiceSpec(servicePort, targetServicePort, nodePort int, servicePortName string) ([]corev1.ServicePort, corev1.ServiceType) {
	servicePorts := []corev1.ServicePort{{
		Protocol:   corev1.ProtocolTCP,
		Port:       int32(servicePort),
		Name:       servicePortName,
		TargetPort: intstr.FromInt32(int32(targetServicePort)),
	}}
	serviceType := corev1.ServiceTypeClusterIP
	if nodePort > 0 {
		servicePorts[0].NodePort = int32(nodePort)
		serviceType = corev1.ServiceTypeNodePort
	}
	return servicePorts, serviceType
}

// createEndpointPortSpec returns the endpoints' port, named
// endpointPortName, on endpointPort over TCP.
func createEndpointPortSpec(endpointPort int, endpointPortName string) []corev1.EndpointPort {
	return []corev1.EndpointPort{{Protocol: corev1.ProtocolTCP, Port: int32(endpointPort), Name: endpointPortName}}
}

// CreateOrUpdateMasterServiceIfNeeded creates the service serviceName in
// default on serviceIP unless it exists; an existing one is left as it
// is, except that with reconcile its ports and type are reset when they
// differ. Its cluster IP is never changed.
func (c *Controller) CreateOrUpdateMasterServiceIfNeeded(ctx context.Context, serviceName string, serviceIP net.IP, servicePorts []corev1.ServicePort, serviceType corev1.ServiceType, reconcile bool) error {
	services := c.ServiceClient.Services(metav1.NamespaceDefault)
	if s, err := services.Get(ctx, serviceName, metav1.GetOptions{}); err == nil {
		if reconcile {
			if svc, updated := getMasterServiceUpdateIfNeeded(s, servicePorts, serviceType); updated {
				trace.Log(ctx).Warn().Msgf("Resetting master service %q to %#v", serviceName, svc)
				_, err := services.Update(ctx, svc, metav1.UpdateOptions{})
				return err
			}
		}
		return nil
	}
	// --8<-- [start:service]
	svc := &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{
			Name:      serviceName,
			Namespace: metav1.NamespaceDefault,
			Labels:    map[string]string{"provider": "kubernetes", "component": "apiserver"},
		},
		Spec: corev1.ServiceSpec{
			Ports: servicePorts,
			// Kept by this controller, not by a pod selector.
			Selector:        nil,
			ClusterIP:       serviceIP.String(),
			SessionAffinity: corev1.ServiceAffinityClientIP,
			Type:            serviceType,
		},
	}
	// --8<-- [end:service]
	_, err := services.Create(ctx, svc, metav1.CreateOptions{})
	if apierrors.IsAlreadyExists(err) {
		return c.CreateOrUpdateMasterServiceIfNeeded(ctx, serviceName, serviceIP, servicePorts, serviceType, reconcile)
	}
	return err
}

// getMasterServiceUpdateIfNeeded returns svc with servicePorts and
// serviceType, and whether that changed it.
func getMasterServiceUpdateIfNeeded(svc *corev1.Service, servicePorts []corev1.ServicePort, serviceType corev1.ServiceType) (*corev1.Service, bool) {
	if checkServiceFormat(svc, servicePorts, serviceType) {
		return svc, false
	}
	svc.Spec.Ports = servicePorts
	svc.Spec.Type = serviceType
	return svc, true
}

// checkServiceFormat reports whether s has exactly ports and serviceType.
func checkServiceFormat(s *corev1.Service, ports []corev1.ServicePort, serviceType corev1.ServiceType) bool {
	if s.Spec.Type != serviceType || len(ports) != len(s.Spec.Ports) {
		return false
	}
	for i, port := range ports {
		if port != s.Spec.Ports[i] {
			return false
		}
	}
	return true
}
