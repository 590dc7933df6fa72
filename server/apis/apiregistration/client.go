package apiregistration

import (
	"context"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/dynamic/dynamicinformer"
	"k8s.io/client-go/tools/cache"
)

// APIServiceClient creates, updates and deletes APIServices through a
// dynamic client: the walkthrough's stand-in for the generated
// apiregistration clientset, with the methods the aggregator's
// controllers call.
type APIServiceClient struct {
	resource dynamic.ResourceInterface
}

// NewAPIServiceClient returns the APIService client of client.
func NewAPIServiceClient(client dynamic.Interface) *APIServiceClient {
	return &APIServiceClient{resource: client.Resource(Resource)}
}

// Create creates apiService and returns it as stored.
func (c *APIServiceClient) Create(ctx context.Context, apiService *APIService) (*APIService, error) {
	return c.write(apiService, func(u *unstructured.Unstructured) (*unstructured.Unstructured, error) {
		return c.resource.Create(ctx, u, metav1.CreateOptions{})
	})
}

// Update replaces apiService's spec and metadata; the server keeps its
// status.
func (c *APIServiceClient) Update(ctx context.Context, apiService *APIService) (*APIService, error) {
	return c.write(apiService, func(u *unstructured.Unstructured) (*unstructured.Unstructured, error) {
		return c.resource.Update(ctx, u, metav1.UpdateOptions{})
	})
}

// UpdateStatus replaces apiService's status, through the status
// subresource; the server keeps its spec.
func (c *APIServiceClient) UpdateStatus(ctx context.Context, apiService *APIService) (*APIService, error) {
	return c.write(apiService, func(u *unstructured.Unstructured) (*unstructured.Unstructured, error) {
		return c.resource.UpdateStatus(ctx, u, metav1.UpdateOptions{})
	})
}

// Delete deletes the APIService name.
func (c *APIServiceClient) Delete(ctx context.Context, name string) error {
	return c.resource.Delete(ctx, name, metav1.DeleteOptions{})
}

func (c *APIServiceClient) write(apiService *APIService, call func(*unstructured.Unstructured) (*unstructured.Unstructured, error)) (*APIService, error) {
	u, err := ToUnstructured(apiService)
	if err != nil {
		return nil, err
	}
	out, err := call(u)
	if err != nil {
		return nil, err
	}
	return FromUnstructured(out)
}

// NewAPIServiceInformer returns an informer of every APIService, which
// lists and watches through client and resyncs every resyncPeriod.
func NewAPIServiceInformer(client dynamic.Interface, resyncPeriod time.Duration) cache.SharedIndexInformer {
	return dynamicinformer.NewFilteredDynamicInformer(client, Resource, metav1.NamespaceAll, resyncPeriod,
		cache.Indexers{}, nil).Informer()
}

// APIServiceLister reads APIServices from an informer's cache.
type APIServiceLister struct {
	indexer cache.Indexer
}

// NewAPIServiceLister returns the lister of informer's cache.
func NewAPIServiceLister(informer cache.SharedIndexInformer) *APIServiceLister {
	return &APIServiceLister{indexer: informer.GetIndexer()}
}

// Get returns the APIService name, or a NotFound error.
func (l *APIServiceLister) Get(name string) (*APIService, error) {
	obj, exists, err := l.indexer.GetByKey(name)
	if err != nil {
		return nil, err
	}
	if !exists {
		return nil, apierrors.NewNotFound(Resource.GroupResource(), name)
	}
	return FromUnstructured(obj.(*unstructured.Unstructured))
}

// List returns the APIServices selector selects.
func (l *APIServiceLister) List(selector labels.Selector) ([]*APIService, error) {
	var ret []*APIService
	for _, obj := range l.indexer.List() {
		u := obj.(*unstructured.Unstructured)
		if !selector.Matches(labels.Set(u.GetLabels())) {
			continue
		}
		apiService, err := FromUnstructured(u)
		if err != nil {
			return nil, err
		}
		ret = append(ret, apiService)
	}
	return ret, nil
}
