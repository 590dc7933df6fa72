// Package endpoints is the API-serving layer of the miniature generic API
// server: it installs API groups on a mux, with their discovery documents
// and REST handlers backed by a registry.Store per resource, and speaks the real API
// machinery of k8s.io/apimachinery, so that kubectl and client-go work
// against it unchanged.
//
// # Upstream
//
// It plays the part of k8s.io/apiserver/pkg/endpoints (v1.7): its
// APIInstaller, discovery and handlers packages (negotiation,
// responsewriters), and of the generic registry
// (k8s.io/apiserver/pkg/registry/generic/registry.Store and
// registry/rest.BeforeCreate / BeforeUpdate) behind them. As in v1.7,
// discovery is served at four kinds of paths:
//
//	/api                        APIVersions       (InstallLegacyAPI)
//	/api/v1                     APIResourceList   (InstallLegacyAPI)
//	/apis                       APIGroupList      (GroupsHandler)
//	/apis/<group>               APIGroup          (InstallAPIGroup)
//	/apis/<group>/<version>     APIResourceList   (InstallAPIGroup)
//
// and each resource at <version path>/<resource>[/<name>], or below
// <version path>/namespaces/<namespace>/ when it is namespaced. Errors are
// metav1.Status objects built with k8s.io/apimachinery/pkg/api/errors, so
// clients see the reasons they check for (apierrors.IsNotFound,
// IsAlreadyExists, …).
//
// Typed resources are encoded and decoded by a serializer.CodecFactory
// over the group's runtime.Scheme, in JSON, YAML or protobuf
// (application/vnd.kubernetes.protobuf, which kubectl and client-go send
// for built-in types). Resources without Go types are stored as
// unstructured objects and speak JSON only; a protobuf body for them is a
// 415 UnsupportedMediaType, and their bodies must name apiVersion and
// kind, which typed bodies may leave to the URL. Responses take the first
// media type of the Accept header that we can produce (406 NotAcceptable
// if none); media types asking for a conversion, such as kubectl's
// "as=Table" or aggregated discovery's "as=APIGroupDiscoveryList", are
// passed over, so those clients fall back to the plain JSON they list
// last.
//
// Every resource supports the verbs create, delete, get, list, patch,
// update and watch, and discovery lists exactly those. Lists take labelSelector and
// fieldSelector (metadata.name, metadata.namespace for namespaced
// resources, and whatever else the resource's attributes offer, such as
// status.phase for namespaces); another field is a 400 "field label not
// supported". Each resource's Strategy (package registry/rest) prepares
// and validates what is written: namespaces get
// registry/core/namespace's, the others the generic metadata checks.
// Writes (create, update, patch, delete) are answered within their
// ?timeout= (30s by default), as upstream's finishRequest answers them:
// after that, a 504 Timeout "request did not complete within allowed
// duration", whether or not the write still happens. The write runs in a
// goroutine, "finishRequest: <method> <path>", which ends with the
// request (upstream's runs on until the storage answers).
//
// # Watch
//
// A list with ?watch=1 (or true), or any resource path below the version's
// legacy watch/ prefix (/api/v1/watch/namespaces, …/watch/<resource>/<name>,
// as v1.7 installs them), is a watch: it takes resourceVersion ("0" or
// empty: the current objects as ADDED, then the changes; a version: the
// changes after it, or an ERROR event with a 410 Status if they are
// forgotten), labelSelector, fieldSelector and timeoutSeconds. Without
// timeoutSeconds it gets upstream's random timeout between
// MinRequestTimeout and twice it (1800s by default). The stream is
// metav1.WatchEvents, each object encoded as a response would be, framed
// by apimachinery's streaming encoder: newline-delimited JSON
// (application/json) or length-prefixed protobuf
// (application/vnd.kubernetes.protobuf;stream=watch), chosen by Accept;
// YAML cannot be streamed (406). The handler runs on the request's
// goroutine, as upstream's WatchServer.ServeHTTP does, and ends on the
// first of: the request's context done (upstream: CloseNotify, the client
// gone), the timeout, the storage closing the result channel. It logs
// which as "watch ended". stopCh is not among them: in v1.7, closing
// stopCh closes the listeners only, and open watches go on until the
// process exits (modern kube-apiserver drains them at shutdown).
//
// # Patch
//
// PATCH of an object takes a JSON patch (application/json-patch+json), a
// JSON merge patch (application/merge-patch+json) or, for typed
// resources, a strategic merge patch (application/strategic-merge-patch+json),
// applied with gopkg.in/evanphx/json-patch.v4 and apimachinery's
// strategicpatch to the stored object, then stored through the same
// update as a PUT: strategy, validation and resourceVersion checks.
//
// The handlers start no goroutines (each watch's goroutine is the
// storage's), and each installation's storage is safe for concurrent
// requests.
//
// # Differences from upstream
//
//   - Storage is in memory by default (package storage/memory), one
//     backend shared by the whole server chain, with etcd's revisions: it
//     starts empty and is gone when the process ends.
//   - No deletecollection (405) and no subresources (status, finalize,
//     scale: 404). No watch over websockets, no watch cache (see package
//     storage/memory).
//   - A watch asking for sendInitialEvents (a streaming list, which
//     client-go's informers try first) is a 422, as from a modern server
//     without the WatchList feature; v1.7 predates the parameter and would
//     ignore it, leaving such a client waiting for a bookmark it never
//     sends. With the 422, client-go falls back to list and watch.
//   - A patch that cannot be decoded is a 400 and a JSON patch that cannot
//     be applied a 422, as from v1.13 (strategic merge patches: v1.9); v1.7
//     answered both with a 500. A patch is applied again to the current
//     object if another write came between; upstream computes a
//     three-way conflict first. Strategic merge patches of unstructured
//     resources (CRDs, APIServices) are a 415, as for custom resources.
//   - DELETE removes the object at once and returns it as it was. Upstream
//     deletes namespaces (and CRDs) in two phases, marking them
//     Terminating until a controller has emptied them and removed the
//     "kubernetes" finalizer; we run no controllers. The DeleteOptions in
//     the body (preconditions, grace period, propagation policy, dry run)
//     are not read.
//   - No paging (limit and continue are ignored: a list is always whole),
//     no resourceVersion semantics on reads, no dry run (400), no
//     server-side apply or managed fields, no field validation (unknown
//     JSON fields are dropped, as with fieldValidation=Ignore).
//   - No admission, authentication or authorization: namespaced objects
//     may be created in namespaces that do not exist.
//   - Validation is upstream's generic metadata validation, with v1.7's
//     generic name rule (a name must be a valid path segment), and the
//     namespace strategy's rules (a DNS-1123 label, finalizer names).
//     CustomResourceDefinitions and APIServices get the metadata checks
//     only: their spec validation is left out.
//   - No OpenAPI: kubectl's client-side validation needs it, so
//     "kubectl create -f" needs --validate=false.
//   - An Accept clause asking for a conversion is passed over for the
//     next one, as upstream does from v1.9; v1.7 tried only the first
//     clause that matched a media type, and answered 406 if it asked for
//     a conversion.
//   - No Table output (kubectl prints only NAME and AGE columns), no
//     aggregated discovery (kubectl and client-go use the legacy
//     discovery documents above), no /version and no selfLink.
//   - Discovery documents always carry apiVersion v1; upstream strips it
//     from /api, /apis and the core and extensions groups to stay
//     compatible with release 1.1. serverAddressByClientCIDRs is left
//     empty. Each APIResource has a singularName, the kind in lower case,
//     which upstream fills in for built-in types only from v1.27.
//   - CustomResourceDefinitions and APIServices, typed upstream, are
//     unstructured here (their Go types are not among our dependencies),
//     so they speak JSON only and their bodies must carry apiVersion and
//     kind.
//   - No internal versions: objects are stored in the version they are
//     served in, and the codecs convert nothing.
package endpoints
