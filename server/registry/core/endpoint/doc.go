// Package endpoint is the REST storage of core v1 endpoints: the
// strategy the generic registry runs around every write, v1.7's
// validation, and RepackSubsets, which puts subsets in canonical form.
//
// # Upstream
//
// pkg/registry/core/endpoint/strategy.go, the Endpoints part of
// pkg/api/validation/validation.go and pkg/api/endpoints/util.go at
// kubernetes v1.7.3.
//
// # Differences from upstream
//
//   - v1's defaults (a port's protocol is TCP) are applied by the
//     strategy before validation; upstream applies them as it decodes.
//   - An address's nodeName is checked as a DNS subdomain; upstream also
//     refuses to change the node of an address on update, and the
//     walkthrough has no nodes.
//   - RepackSubsets and SortSubsets order ports and subsets by their text;
//     upstream orders them by the MD5 of a dump of their Go values (an
//     order that only has to be stable). Addresses are ordered as upstream
//     orders them: by IP, then by target UID.
package endpoint
