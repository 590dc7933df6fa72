package request

import (
	"fmt"
	"net/http"
	"strings"
)

// NewRequestInfo parses req's URL. Paths of the forms
//
//	/api/{version}/{resource}[/{name}[/{subresource}…]]
//	/api/{version}/namespaces/{namespace}/{resource}[/{name}[/{subresource}…]]
//	/api/{version}/{watch|proxy|redirect}/…  (the same, after the verb)
//	/apis/{group}/{version}/…                (the same, with a group)
//
// are resource requests; every other path (/, /healthz, /api, /api/v1,
// /apis/{group}/{version}) is a non-resource request whose verb is the
// lowercase method. NewRequestInfo fails only for a special verb with
// nothing after it (/api/v1/watch), and then still returns what it parsed.
func (r *RequestInfoFactory) NewRequestInfo(req *http.Request) (*RequestInfo, error) {
	info := RequestInfo{Path: req.URL.Path, Verb: strings.ToLower(req.Method)}

	// --8<-- [start:prefix]
	parts := splitPath(req.URL.Path)
	if len(parts) < 3 || !r.APIPrefixes.Has(parts[0]) {
		return &info, nil // too short, or not under an API prefix
	}
	info.APIPrefix, parts = parts[0], parts[1:]
	if !r.GrouplessAPIPrefixes.Has(info.APIPrefix) {
		if len(parts) < 3 {
			return &info, nil // a group and a version, but no resource
		}
		info.APIGroup, parts = parts[0], parts[1:]
	}
	info.IsResourceRequest = true
	info.APIVersion, parts = parts[0], parts[1:]
	// --8<-- [end:prefix]

	if specialVerbs.Has(parts[0]) {
		if len(parts) < 2 {
			return &info, fmt.Errorf("unable to determine kind and namespace from url, %v", req.URL)
		}
		info.Verb, parts = parts[0], parts[1:]
	} else {
		info.Verb = methodVerbs[req.Method] // "" for other methods
	}

	// /namespaces/{namespace}/{resource}/… names a namespaced resource;
	// /namespaces/{namespace}[/status|/finalize] is the namespace itself.
	if parts[0] == "namespaces" && len(parts) > 1 {
		info.Namespace = parts[1]
		if len(parts) > 2 && !namespaceSubresources.Has(parts[2]) {
			parts = parts[2:]
		}
	}
	info.Parts = parts

	info.Resource = parts[0]
	if len(parts) >= 2 {
		info.Name = parts[1]
	}
	if len(parts) >= 3 && !specialVerbsNoSubresources.Has(info.Verb) {
		info.Subresource = parts[2]
	}

	// --8<-- [start:collection]
	// Without a name, get is a list (or a watch, with ?watch=true) and
	// delete is a deletecollection.
	if info.Name == "" && info.Verb == "get" {
		switch strings.ToLower(req.URL.Query().Get("watch")) {
		case "", "false", "0":
			info.Verb = "list"
		default:
			info.Verb = "watch"
		}
	}
	if info.Name == "" && info.Verb == "delete" {
		info.Verb = "deletecollection"
	}
	// --8<-- [end:collection]
	return &info, nil
}

// splitPath returns the segments of path, without empty ones at either end.
func splitPath(path string) []string {
	path = strings.Trim(path, "/")
	if path == "" {
		return nil
	}
	return strings.Split(path, "/")
}
