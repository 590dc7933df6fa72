// Package aggregator is kube-aggregator's APIAggregator, the outermost
// server of the chain, and its three controllers: autoregister, which
// keeps an APIService for every group version the delegates serve;
// AvailableConditionController, which sets each APIService's Available
// condition; and APIServiceRegistrationController, which has the
// aggregator serve the group versions of the Available ones. /apis lists
// the groups of those, by priority.
//
// # Upstream
//
// k8s.io/kube-aggregator as vendored in kubernetes v1.7.3
// (staging/src/k8s.io/kube-aggregator): pkg/apiserver/apiserver.go
// (Config, Complete, NewWithDelegate, AddAPIService, RemoveAPIService),
// handler_apis.go, pkg/controllers/autoregister/autoregister_controller.go,
// pkg/controllers/status/available_controller.go and
// pkg/apiserver/apiservice_controller.go.
//
// # What you will see
//
// NewWithDelegate adds the post-start hooks start-kube-aggregator-informers,
// apiservice-registration-controller and apiservice-status-available-controller
// (upstream's func1 to func3 of NewWithDelegate); each starts its
// informers or its controller's goroutines, which end when stopCh closes.
// Every APIService write goes through the loopback client and shows in
// the trace as a request.
//
// # Differences from upstream
//
//   - APIServices are unstructured objects over client-go's dynamic
//     client (package server/apis/apiregistration), not a generated
//     clientset; kube-aggregator is not a dependency.
//   - Nothing is proxied: an APIService with a service is never served,
//     and a request for its group version gets 503, as upstream's proxy
//     does without endpoints. Local APIServices are served by the
//     delegates, as upstream.
//   - The controllers make their work queues in Run, which shuts them
//     down, so that no queue's goroutine outlives the controller;
//     upstream makes them in the constructor.
//   - The functions take a context, for the trace.
package aggregator
