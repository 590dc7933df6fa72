package endpoints_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/kubewalk/kubewalk/server/endpoints"
	"github.com/kubewalk/kubewalk/server/mux"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// TestInstallErrors installs groups that cannot be served: each must be
// refused with an error naming what is wrong, and leave the mux empty.
func TestInstallErrors(t *testing.T) {
	namespaces := func() endpoints.Resource { return coreGroup().Resources[0] }
	withResource := func(change func(*endpoints.Resource)) *endpoints.APIGroupInfo {
		info := coreGroup()
		change(&info.Resources[0])
		return info
	}
	tests := []struct {
		name    string
		install func(*mux.PathRecorderMux) error
		want    string
	}{
		{"legacy API of a named group", func(m *mux.PathRecorderMux) error {
			return endpoints.InstallLegacyAPI(context.Background(), m, "/api", namedGroups()[0])
		}, `endpoints: legacy API must be the core group, not "apiextensions.k8s.io"`},
		{"prefix without /", func(m *mux.PathRecorderMux) error {
			return endpoints.InstallLegacyAPI(context.Background(), m, "api", coreGroup())
		}, `endpoints: API prefix "api" must start and must not end with /`},
		{"prefix ending in /", func(m *mux.PathRecorderMux) error {
			return endpoints.InstallLegacyAPI(context.Background(), m, "/api/", coreGroup())
		}, `endpoints: API prefix "/api/" must start and must not end with /`},
		{"core group as a named group", func(m *mux.PathRecorderMux) error {
			return endpoints.InstallAPIGroup(context.Background(), m, coreGroup())
		}, "endpoints: the core group must be installed with InstallLegacyAPI"},
		{"no version", func(m *mux.PathRecorderMux) error {
			info := namedGroups()[0]
			info.GroupVersion.Version = ""
			return endpoints.InstallAPIGroup(context.Background(), m, info)
		}, `endpoints: group version "apiextensions.k8s.io/" must have a version, and no / in group or version`},
		{"slash in the group", func(m *mux.PathRecorderMux) error {
			info := namedGroups()[0]
			info.GroupVersion.Group = "example.com/x"
			return endpoints.InstallAPIGroup(context.Background(), m, info)
		}, `endpoints: group version "example.com/x/v1beta1" must have a version, and no / in group or version`},
		{"upper-case resource", func(m *mux.PathRecorderMux) error {
			return endpoints.InstallLegacyAPI(context.Background(), m, "/api", withResource(func(r *endpoints.Resource) { r.Name = "Namespaces" }))
		}, `endpoints: v1: resource "Namespaces": name must be lower case, not empty and without /`},
		{"no kind", func(m *mux.PathRecorderMux) error {
			return endpoints.InstallLegacyAPI(context.Background(), m, "/api", withResource(func(r *endpoints.Resource) { r.Kind = "" }))
		}, `endpoints: v1: resource "namespaces": kind is empty`},
		{"New without NewList", func(m *mux.PathRecorderMux) error {
			return endpoints.InstallLegacyAPI(context.Background(), m, "/api", withResource(func(r *endpoints.Resource) { r.NewList = nil }))
		}, `endpoints: v1: resource "namespaces": set both New and NewList, or neither`},
		{"typed without a scheme", func(m *mux.PathRecorderMux) error {
			info := coreGroup()
			info.Scheme = nil
			return endpoints.InstallLegacyAPI(context.Background(), m, "/api", info)
		}, `endpoints: v1: resource "namespaces": typed resource needs a Scheme`},
		{"New of another kind", func(m *mux.PathRecorderMux) error {
			return endpoints.InstallLegacyAPI(context.Background(), m, "/api", withResource(func(r *endpoints.Resource) {
				r.New = func() runtime.Object { return &corev1.ConfigMap{} }
			}))
		}, `endpoints: v1: resource "namespaces": *v1.ConfigMap is [/v1, Kind=ConfigMap] in the scheme, ` +
			`not /v1, Kind=Namespace`},
		{"NewList of another kind", func(m *mux.PathRecorderMux) error {
			return endpoints.InstallLegacyAPI(context.Background(), m, "/api", withResource(func(r *endpoints.Resource) {
				r.NewList = func() runtime.Object { return &corev1.Namespace{} }
			}))
		}, `endpoints: v1: resource "namespaces": *v1.Namespace is [/v1, Kind=Namespace] in the scheme, ` +
			`not /v1, Kind=NamespaceList`},
		{"type not in the scheme", func(m *mux.PathRecorderMux) error {
			info := coreGroup()
			info.Scheme = runtime.NewScheme()
			return endpoints.InstallLegacyAPI(context.Background(), m, "/api", info)
		}, `endpoints: v1: resource "namespaces": no kind is registered for the type v1.Namespace in scheme`},
		{"resource twice", func(m *mux.PathRecorderMux) error {
			info := coreGroup()
			info.Resources = append(info.Resources, namespaces())
			return endpoints.InstallLegacyAPI(context.Background(), m, "/api", info)
		}, `endpoints: v1: resource "namespaces": listed twice`},
		{"typed resource in another group version", func(m *mux.PathRecorderMux) error {
			info := coreGroup()
			info.GroupVersion = schema.GroupVersion{Group: "example.com", Version: "v1"}
			return endpoints.InstallAPIGroup(context.Background(), m, info)
		}, `endpoints: example.com/v1: resource "namespaces": *v1.Namespace is [/v1, Kind=Namespace] in the scheme, ` +
			`not example.com/v1, Kind=Namespace`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := mux.NewPathRecorderMux("test")
			err := tc.install(m)
			if err == nil || !strings.HasPrefix(err.Error(), tc.want) {
				t.Errorf("install = %v; want an error starting %q", err, tc.want)
			}
			if paths := m.ListedPaths(); len(paths) != 0 {
				t.Errorf("after the error the mux lists %q; want nothing", paths)
			}
		})
	}
}

// TestInstalledPaths lists what each install registers on the mux.
func TestInstalledPaths(t *testing.T) {
	m := mux.NewPathRecorderMux("test")
	if err := endpoints.InstallLegacyAPI(context.Background(), m, "/api", coreGroup()); err != nil {
		t.Fatal(err)
	}
	if err := endpoints.InstallAPIGroup(context.Background(), m, namedGroups()[0]); err != nil {
		t.Fatal(err)
	}
	want := []string{"/api", "/api/v1", "/api/v1/", "/apis/apiextensions.k8s.io",
		"/apis/apiextensions.k8s.io/v1beta1", "/apis/apiextensions.k8s.io/v1beta1/"}
	if got := m.ListedPaths(); !slices.Equal(got, want) {
		t.Errorf("ListedPaths() = %q; want %q", got, want)
	}
}
