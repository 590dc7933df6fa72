package union_test

import (
	"errors"
	"testing"

	"github.com/kubewalk/kubewalk/server/authorization/authorizer"
	"github.com/kubewalk/kubewalk/server/authorization/authorizerfactory"
	"github.com/kubewalk/kubewalk/server/authorization/union"
)

func decide(authorized bool, reason string, err error) authorizer.Authorizer {
	return authorizer.AuthorizerFunc(func(authorizer.Attributes) (bool, string, error) {
		return authorized, reason, err
	})
}

func TestUnion(t *testing.T) {
	errA := errors.New("a failed")
	tests := []struct {
		name        string
		authorizers []authorizer.Authorizer
		authorized  bool
		reason, err string
	}{
		{"none", nil, false, "", ""},
		{"allow", []authorizer.Authorizer{authorizerfactory.NewAlwaysAllowAuthorizer()}, true, "", ""},
		{"deny", []authorizer.Authorizer{authorizerfactory.NewAlwaysDenyAuthorizer()},
			false, "Everything is forbidden.", ""},
		{"no opinion, then allow", []authorizer.Authorizer{decide(false, "", nil), decide(true, "rbac", nil)},
			true, "rbac", ""},
		{"an error, then allow", []authorizer.Authorizer{decide(false, "", errA), decide(true, "", nil)}, true, "", ""},
		{"reasons and errors joined",
			[]authorizer.Authorizer{decide(false, "no rule", errA), decide(false, "not admin", nil)},
			false, "no rule\nnot admin", "a failed"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			authorized, reason, err := union.New(tc.authorizers...).Authorize(authorizer.AttributesRecord{Verb: "get"})
			var gotErr string
			if err != nil {
				gotErr = err.Error()
			}
			if authorized != tc.authorized || reason != tc.reason || gotErr != tc.err {
				t.Errorf("Authorize = %v, %q, %q; want %v, %q, %q", authorized, reason, gotErr, tc.authorized, tc.reason, tc.err)
			}
		})
	}
}

func TestIsReadOnly(t *testing.T) {
	for verb, want := range map[string]bool{"get": true, "list": true, "watch": true, "create": false, "delete": false} {
		if got := (authorizer.AttributesRecord{Verb: verb}).IsReadOnly(); got != want {
			t.Errorf("IsReadOnly(%s) = %v; want %v", verb, got, want)
		}
	}
}
