package abac_test

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/kubewalk/kubewalk/server/authentication/user"
	"github.com/kubewalk/kubewalk/server/authorization/abac"
	"github.com/kubewalk/kubewalk/server/authorization/authorizer"
)

// policy returns one line of a policy file with the given spec.
func policy(spec string) string {
	return `{"apiVersion": "abac.authorization.kubernetes.io/v1beta1", "kind": "Policy", "spec": ` + spec + "}\n"
}

func writeFile(t testing.TB, data string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "policy.jsonl")
	if err := os.WriteFile(path, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestAuthorize(t *testing.T) {
	file := strings.Join([]string{
		"# alice reads pods in default; bob does anything in dev; the admins group anything anywhere",
		policy(`{"user": "alice", "namespace": "default", "resource": "pods", "apiGroup": "*", "readonly": true}`),
		"",
		policy(`{"user": "bob", "namespace": "dev", "resource": "*", "apiGroup": "*"}`),
		policy(`{"group": "admins", "namespace": "*", "resource": "*", "apiGroup": "*", "nonResourcePath": "*"}`),
		policy(`{"user": "*", "nonResourcePath": "/healthz", "readonly": true}`),
		policy(`{"user": "carol", "group": "dev", "nonResourcePath": "/apis/*"}`),
		policy(`{"user": "dave", "namespace": "default", "resource": "deployments", "apiGroup": "apps", "readonly": true}`),
	}, "\n")
	pl, err := abac.NewFromFile(writeFile(t, file))
	if err != nil {
		t.Fatal(err)
	}
	alice := &user.DefaultInfo{Name: "alice"}
	bob := &user.DefaultInfo{Name: "bob"}
	admin := &user.DefaultInfo{Name: "erin", Groups: []string{"admins"}}
	carol := &user.DefaultInfo{Name: "carol", Groups: []string{"dev"}}
	carolNotInDev := &user.DefaultInfo{Name: "carol"}
	dave := &user.DefaultInfo{Name: "dave"}
	pods := func(u user.Info, verb, ns string) authorizer.AttributesRecord {
		return authorizer.AttributesRecord{User: u, Verb: verb, Namespace: ns, Resource: "pods", APIVersion: "v1", ResourceRequest: true}
	}
	path := func(u user.Info, verb, p string) authorizer.AttributesRecord {
		return authorizer.AttributesRecord{User: u, Verb: verb, Path: p}
	}
	deployments := authorizer.AttributesRecord{User: dave, Verb: "get", Namespace: "default", APIGroup: "apps", Resource: "deployments", ResourceRequest: true}
	tests := []struct {
		name string
		a    authorizer.AttributesRecord
		want bool
	}{
		{"alice lists pods in default", pods(alice, "list", "default"), true},
		{"alice creates a pod in default", pods(alice, "create", "default"), false},
		{"alice lists pods in dev", pods(alice, "list", "dev"), false},
		{"alice lists services in default", authorizer.AttributesRecord{User: alice, Verb: "list", Namespace: "default", Resource: "services", ResourceRequest: true}, false},
		{"bob deletes pods in dev", pods(bob, "delete", "dev"), true},
		{"bob deletes pods in default", pods(bob, "delete", "default"), false},
		{"bob posts to /api", path(bob, "post", "/api"), false},
		{"admin creates pods anywhere", pods(admin, "create", "kube-system"), true},
		{"admin posts to a path", path(admin, "post", "/logs"), true},
		{"anyone gets /healthz", path(alice, "get", "/healthz"), true},
		{"anyone posts /healthz", path(alice, "post", "/healthz"), false},
		{"/healthz/ping is not /healthz", path(alice, "get", "/healthz/ping"), false},
		{"carol in dev under /apis/", path(carol, "put", "/apis/apps/v1"), true},
		{"carol in dev at /apis", path(carol, "get", "/apis"), false},
		{"carol not in dev", path(carolNotInDev, "get", "/apis/apps"), false},
		{"a resource policy does not match a path", path(dave, "get", "/api/v1/namespaces/default/deployments"), false},
		{"dave gets deployments.apps", deployments, true},
		{"no user", path(nil, "get", "/healthz"), false},
	}
	for _, tc := range tests {
		got, reason, err := pl.Authorize(tc.a)
		if got != tc.want || err != nil {
			t.Errorf("%s: Authorize(%+v) = %v, %q, %v; want %v", tc.name, tc.a, got, reason, err, tc.want)
		}
		if !got && reason != "No policy matched." {
			t.Errorf("%s: reason = %q; want upstream's %q", tc.name, reason, "No policy matched.")
		}
	}
}

func TestNewFromFileErrors(t *testing.T) {
	good := policy(`{"user": "alice", "nonResourcePath": "*"}`)
	tests := []struct {
		name, data, want string
	}{
		{"not json", good + "alice can do anything\n", "line 2: invalid character 'a'"},
		{"unknown field", policy(`{"users": "alice"}`), `line 1: json: unknown field "users"`},
		{"wrong type", policy(`{"user": "alice", "readonly": "yes"}`), "line 1: json: cannot unmarshal string"},
		{"unversioned", `{"user": "alice", "readonly": true}` + "\n", `line 1: apiVersion is ""; want "abac.authorization.kubernetes.io/v1beta1"`},
		{"wrong kind", strings.Replace(good, `"Policy"`, `"Role"`, 1), `line 1: kind is "Role"; want "Policy"`},
		{"no subject", "# rules\n\n" + policy(`{"nonResourcePath": "*"}`), "line 3: spec names neither user nor group"},
		{"two objects", strings.TrimSpace(good) + " {}\n", "line 1: invalid character '{' after top-level value"},
		{"extra brace", strings.TrimSpace(good) + "}\n", "line 1: invalid character '}' after top-level value"},
		{"a list", "[" + strings.TrimSpace(good) + "]\n", "line 1: json: cannot unmarshal array"},
		{"null", "null\n", `line 1: apiVersion is ""`},
		{"too long", good + `{"user": "` + strings.Repeat("a", 1<<20) + `"}` + "\n", "line 2: longer than 1048576 bytes"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := writeFile(t, tc.data)
			_, err := abac.NewFromFile(path)
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(err.Error(), "policy file "+path+", ") {
				t.Errorf("NewFromFile = %v; want an error naming the file and containing %q", err, tc.want)
			}
		})
	}
	missing := filepath.Join(t.TempDir(), "missing.jsonl")
	if _, err := abac.NewFromFile(missing); err == nil || !strings.Contains(err.Error(), missing) {
		t.Errorf("NewFromFile(missing) = %v; want an error naming the file", err)
	}
}

func TestNewFromFileEmpty(t *testing.T) {
	pl, err := abac.NewFromFile(writeFile(t, "# nothing yet\n\n"))
	if err != nil || len(pl) != 0 {
		t.Fatalf("NewFromFile(comments only) = %v, %v; want no policies", pl, err)
	}
	if ok, _, _ := pl.Authorize(authorizer.AttributesRecord{User: &user.DefaultInfo{Name: "alice"}, Verb: "get", Path: "/"}); ok {
		t.Error("an empty policy list allowed a request")
	}
}

// FuzzNewFromFile checks that no file content makes NewFromFile panic,
// that its errors are one line naming the file, and, for what it
// accepts, three oracles over a fixed set of requests: a decision does
// not depend on the order or the repetition of policies (it is the
// "or" of each policy's own decision); a readonly policy never allows a
// write; and a file without policies allows nothing.
func FuzzNewFromFile(f *testing.F) {
	f.Add(policy(`{"user": "alice", "namespace": "*", "resource": "*", "apiGroup": "*"}`))
	f.Add(policy(`{"group": "*", "nonResourcePath": "/apis/*", "readonly": true}`))
	f.Add(policy(`{"user": "*", "namespace": "*", "resource": "*", "apiGroup": "*", "nonResourcePath": "*", "readonly": true}`) +
		policy(`{"group": "dev", "namespace": "ns", "resource": "pods", "apiGroup": ""}`))
	f.Add("# comment\n\n{}\n")
	f.Add("# nothing but a comment\n")
	f.Add(`{"apiVersion": 1}`)
	f.Fuzz(func(t *testing.T, data string) {
		path := writeFile(t, data)
		pl, err := abac.NewFromFile(path)
		if err != nil {
			if !strings.Contains(err.Error(), path) || strings.Contains(err.Error(), "\n") {
				t.Errorf("NewFromFile(%q) error = %q; want one line naming the file", data, err)
			}
			return
		}
		reversed := slices.Clone(pl)
		slices.Reverse(reversed)
		twice := append(slices.Clone(pl), pl...)
		for _, a := range fuzzRequests {
			got, _, _ := pl.Authorize(a)
			anyAllows := false
			for _, p := range pl {
				one, _, _ := abac.PolicyList{p}.Authorize(a)
				anyAllows = anyAllows || one
				if one && p.Spec.Readonly && !a.IsReadOnly() {
					t.Errorf("readonly policy %+v allows %s %s%s", p.Spec, a.Verb, a.Path, a.Resource)
				}
			}
			r, _, _ := reversed.Authorize(a)
			tw, _, _ := twice.Authorize(a)
			if got != anyAllows || r != got || tw != got {
				t.Errorf("%q: Authorize(%+v) = %t, reversed %t, repeated %t, any single policy %t; want all equal",
					data, a, got, r, tw, anyAllows)
			}
			if len(pl) == 0 && got {
				t.Errorf("%q has no policies but allows %+v", data, a)
			}
		}
	})
}

// fuzzRequests are the requests FuzzNewFromFile asks every accepted
// policy file about: reads and writes, of resources and of paths, by a
// user in a group, an anonymous user and no user at all.
var fuzzRequests = func() []authorizer.AttributesRecord {
	users := []user.Info{
		&user.DefaultInfo{Name: "alice", Groups: []string{"dev", "system:authenticated"}},
		&user.DefaultInfo{Name: "system:anonymous", Groups: []string{"system:unauthenticated"}},
		nil,
	}
	var rs []authorizer.AttributesRecord
	for _, u := range users {
		for _, verb := range []string{"get", "list", "watch", "create", "update", "delete"} {
			rs = append(rs,
				authorizer.AttributesRecord{User: u, Verb: verb, Path: "/apis/x"},
				authorizer.AttributesRecord{User: u, Verb: verb, Path: "/healthz"},
				authorizer.AttributesRecord{User: u, Verb: verb, Namespace: "ns", Resource: "pods", ResourceRequest: true},
				authorizer.AttributesRecord{User: u, Verb: verb, APIGroup: "apps", Resource: "deployments", ResourceRequest: true})
		}
	}
	return rs
}()
