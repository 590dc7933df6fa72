// Package nodedialer is the step that decides how the API server will
// reach nodes: CreateNodeDialer returns the SSH tunneler (when --ssh-user
// is set) and the HTTP transport that proxies requests to nodes, pods and
// services.
//
// # Upstream
//
// cmd/kube-apiserver/app/server.go, CreateNodeDialer, at v1.7.0.
//
// # What you will see
//
// One step span, app.CreateNodeDialer, and a log line saying which path
// was taken. No goroutines start here: upstream starts the tunneler later,
// when the master is built.
//
// # Differences from upstream
//
//   - The tunneler is built but never run, and its Dial opens no SSH
//     connection: it returns an error that says so. The log tells what
//     upstream would do instead.
//   - There are no cloud providers: --cloud-provider with --ssh-user fails
//     as upstream fails for a provider it does not know, and no SSH key is
//     ever installed on instances.
//   - CreateNodeDialer takes a context, for the trace.
package nodedialer
