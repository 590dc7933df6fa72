package aggregator_test

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/kubewalk/kubewalk/chapters/aggregator"
	"github.com/kubewalk/kubewalk/server/apis/apiregistration"
	"github.com/kubewalk/kubewalk/trace"
	"github.com/kubewalk/kubewalk/trace/kittest"
	"go.uber.org/goleak"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"
	dynamicfake "k8s.io/client-go/dynamic/fake"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes/fake"
	"k8s.io/client-go/tools/cache"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// fixture is a fake apiregistration API with an APIService informer on
// it, run until the test ends.
type fixture struct {
	ctx      context.Context
	dynamic  dynamic.Interface
	client   *apiregistration.APIServiceClient
	informer cache.SharedIndexInformer
	stopCh   chan struct{}
	stop     func() // closes stopCh, once
}

func newFixture(t *testing.T, apiServices ...*apiregistration.APIService) *fixture {
	t.Helper()
	ctx, rec := kittest.New(t)
	var objects []runtime.Object
	for _, a := range apiServices {
		u, err := apiregistration.ToUnstructured(a)
		if err != nil {
			t.Fatal(err)
		}
		objects = append(objects, u)
	}
	client := dynamicfake.NewSimpleDynamicClientWithCustomListKinds(runtime.NewScheme(),
		map[schema.GroupVersionResource]string{apiregistration.Resource: "APIServiceList"}, objects...)
	stopCh := make(chan struct{})
	f := &fixture{
		ctx:      ctx,
		dynamic:  client,
		client:   apiregistration.NewAPIServiceClient(client),
		informer: apiregistration.NewAPIServiceInformer(client, 0),
		stopCh:   stopCh,
		stop:     sync.OnceFunc(func() { close(stopCh) }),
	}
	trace.Go(ctx, "test: APIService informer", func(context.Context) { f.informer.Run(stopCh) })
	t.Cleanup(func() {
		f.stop()
		rec.Wait(t)
	})
	return f
}

// get returns the APIService name as the fake API has it, or nil.
func (f *fixture) get(t *testing.T, name string) *apiregistration.APIService {
	t.Helper()
	u, err := f.dynamic.Resource(apiregistration.Resource).Get(f.ctx, name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	got, err := apiregistration.FromUnstructured(u)
	if err != nil {
		t.Fatal(err)
	}
	return got
}

// eventually fails t unless cond holds within kittest.Deadline.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(kittest.Deadline); !cond(); time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %v", what, kittest.Deadline)
		}
	}
}

func local(name string, group int32) *apiregistration.APIService {
	gv := apiregistration.APIServiceNameToGroupVersion(name)
	return &apiregistration.APIService{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: apiregistration.APIServiceSpec{Group: gv.Group, Version: gv.Version,
			GroupPriorityMinimum: group, VersionPriority: 1},
	}
}

// TestAutoRegisterKeepsWhatIsAsked: an APIService asked for is created,
// labelled as managed; once no longer asked for, it is deleted; an
// APIService it does not manage is left alone.
func TestAutoRegisterKeepsWhatIsAsked(t *testing.T) {
	f := newFixture(t, local("v1beta1.example.com", 100)) // someone else's
	c := aggregator.NewAutoRegisterController(f.informer, f.client)
	c.AddAPIServiceToSync(local("v1.", 18000))
	done := trace.Go(f.ctx, "test: autoregister", func(ctx context.Context) { c.Run(ctx, 1, f.stopCh) })

	eventually(t, "v1. created", func() bool { return f.get(t, "v1.") != nil })
	if got := f.get(t, "v1."); got.Labels[aggregator.AutoRegisterManagedLabel] != "true" || got.Spec.GroupPriorityMinimum != 18000 {
		t.Errorf("v1. = %+v; want it labelled as managed, group priority 18000", got)
	}
	c.RemoveAPIServiceToSync("v1.")
	eventually(t, "v1. deleted", func() bool { return f.get(t, "v1.") == nil })
	if f.get(t, "v1beta1.example.com") == nil {
		t.Error("an APIService autoregister does not manage was deleted")
	}
	f.stop()
	kittest.Await(t, done, "autoregister to stop")
}

// TestAvailableConditionMakesLocalAPIServicesAvailable: an APIService
// without a service is served by the aggregator's delegates, so it is
// Available at once.
func TestAvailableConditionMakesLocalAPIServicesAvailable(t *testing.T) {
	f := newFixture(t, local("v1.", 18000))
	core := informers.NewSharedInformerFactory(fake.NewClientset(), 0)
	c := aggregator.NewAvailableConditionController(f.informer,
		core.Core().V1().Services().Informer(), core.Core().V1().Endpoints().Informer(), f.client)
	core.Start(f.stopCh)
	done := trace.Go(f.ctx, "test: available", func(ctx context.Context) { c.Run(ctx, f.stopCh) })

	eventually(t, "v1. Available", func() bool {
		a := f.get(t, "v1.")
		return a != nil && apiregistration.IsAPIServiceConditionTrue(a, apiregistration.Available)
	})
	f.stop()
	kittest.Await(t, done, "the controller to stop")
	core.Shutdown()
}

// handlers records what the registration controller asks the aggregator
// to serve.
type handlers struct {
	mu     sync.Mutex
	served []string
}

func (h *handlers) AddAPIService(a *apiregistration.APIService) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if !slices.Contains(h.served, a.Name) {
		h.served = append(h.served, a.Name)
	}
}

func (h *handlers) RemoveAPIService(name string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.served = slices.DeleteFunc(h.served, func(s string) bool { return s == name })
}

func (h *handlers) serves(name string) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return slices.Contains(h.served, name)
}

// TestRegistrationServesWhatIsAvailable: the aggregator serves an
// APIService once it is Available, and stops when it is deleted.
func TestRegistrationServesWhatIsAvailable(t *testing.T) {
	available := local("v1.", 18000)
	apiregistration.SetAPIServiceCondition(available, apiregistration.NewLocalAvailableAPIServiceCondition())
	f := newFixture(t, available, local("v1beta1.example.com", 100))
	core := informers.NewSharedInformerFactory(fake.NewClientset(), 0)
	h := &handlers{}
	c := aggregator.NewAPIServiceRegistrationController(f.informer, core.Core().V1().Services().Informer(), h)
	core.Start(f.stopCh)
	done := trace.Go(f.ctx, "test: registration", func(ctx context.Context) { c.Run(ctx, f.stopCh) })

	eventually(t, "v1. served", func() bool { return h.serves("v1.") })
	if h.serves("v1beta1.example.com") {
		t.Error("an APIService that is not Available is served")
	}
	if err := f.client.Delete(f.ctx, "v1."); err != nil {
		t.Fatal(err)
	}
	eventually(t, "v1. no longer served", func() bool { return !h.serves("v1.") })
	f.stop()
	kittest.Await(t, done, "the controller to stop")
	core.Shutdown()
}
