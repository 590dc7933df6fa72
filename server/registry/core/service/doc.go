// Package service is the REST storage of core v1 services: the strategy
// the generic registry runs around every write, with v1.7's defaults and
// validation. Subpackages hand out cluster IPs (ipallocator) and node
// ports (portallocator).
//
// # Upstream
//
// pkg/registry/core/service/strategy.go, the Service part of
// pkg/api/validation/validation.go and SetDefaults_Service in
// pkg/api/v1/defaults.go at kubernetes v1.7.3.
//
// # Differences from upstream
//
//   - v1's defaults (no session affinity, type ClusterIP, TCP, the target
//     port the port) are applied by the strategy before validation;
//     upstream applies them as it decodes.
//   - Validation leaves out the load balancer source ranges and the
//     external traffic annotations (the walkthrough has no cloud), and
//     LoadBalancer ports are checked for mixed protocols only.
package service
