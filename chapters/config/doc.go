// Package config is the step that turns the options into configuration:
// CreateKubeAPIServerConfig fills in the defaults the options left open
// (advertise address, service IP range, a self-signed certificate),
// validates them, builds the generic server's Config by applying each
// option group in upstream's order, and wraps it in the MasterConfig that
// CreateKubeAPIServer takes. It also returns kube-apiserver's two informer
// factories, over a clientset of the loopback client config, and where the
// insecure port will listen.
//
// # Upstream
//
// cmd/kube-apiserver/app/server.go at v1.7.0: CreateKubeAPIServerConfig,
// the defaulting it calls first (defaultOptions) and BuildGenericConfig,
// which it calls after validating, with pkg/master.DefaultServiceIPRange
// and master.Config.
//
// # What you will see
//
// One step span, app.CreateKubeAPIServerConfig, and log lines for the
// generated certificate and for the configuration built. No goroutines.
//
// # Differences from upstream
//
//   - It returns no service resolver: the aggregator proxies nothing.
//     The two informer factories are one type (package server/informers)
//     over client-go's clientset: upstream's sharedInformers are over its
//     internal clientset, versionedInformers over client-go's.
//   - No admission plugins are registered or run, no etcd connection is
//     checked, and no storage factory is built: objects live in memory.
//     The log says what upstream would do at each of those points.
//   - No OpenAPI or swagger config, no service-account key, no watch
//     cache sizes.
//   - With both ports off there is no loopback client config: upstream
//     dereferences the nil config (to make it speak protobuf) and
//     crashes; ours returns an error saying why.
//   - The loopback client config is wrapped with trace.Transport, so its
//     requests are traced as the goroutine's that sent them.
//   - MasterConfig keeps only the fields later steps read or the book
//     shows. EndpointReconcilerConfig.Interval, upstream's 10s, may be
//     set shorter by tests, between this step and CreateKubeAPIServer.
//   - It takes a context, for the trace.
package config
