// Package abac authorizes requests by a policy file, kube-apiserver's
// --authorization-mode=ABAC with --authorization-policy-file. Each line
// of the file is one JSON object, a policy that allows something:
//
//	{"apiVersion": "abac.authorization.kubernetes.io/v1beta1", "kind": "Policy",
//	 "spec": {"user": "alice", "namespace": "default", "resource": "pods", "apiGroup": "*", "readonly": true}}
//
// (on one line in the file). A request is allowed if one policy matches
// it; there is no way to deny. Blank lines and lines starting with # are
// skipped. It mirrors kubernetes/pkg/auth/authorizer/abac (v1.7,
// pkg/auth/authorizer/abac/abac.go) and the v1beta1 Policy type of
// pkg/apis/abac/v1beta1.
//
// # How a policy matches
//
//   - Subject: spec.user equals the user's name, and spec.group is one of
//     the user's groups; "*" matches anyone. An empty field is not
//     checked, but at least one of the two must be given.
//   - Verb: a read (get, list, watch) matches every policy; anything else
//     only a policy whose spec.readonly is false.
//   - A resource request matches when spec.namespace, spec.resource and
//     spec.apiGroup each equal the request's or are "*". The core group is
//     "", so "apiGroup": "*" is the easy way to include it.
//   - Any other request (/healthz, /api) matches when spec.nonResourcePath
//     equals its path, is "*", or ends in * and the path starts with what
//     comes before the *.
//
// # Differences from upstream
//
//   - Only v1beta1 lines are read; upstream also converts unversioned
//     (v0) lines, with a warning.
//   - Unknown fields, a missing apiVersion or kind, and a spec with
//     neither user nor group are errors; upstream ignores unknown fields
//     and keeps a policy that can match no one.
//   - Errors name the file and the line, but do not repeat the line.
package abac
