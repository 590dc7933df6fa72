package group_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"

	"github.com/kubewalk/kubewalk/server/authentication/authenticator"
	"github.com/kubewalk/kubewalk/server/authentication/group"
	"github.com/kubewalk/kubewalk/server/authentication/user"
)

func TestAuthenticatedGroupAdder(t *testing.T) {
	errBad := errors.New("bad credential")
	tests := []struct {
		name       string
		user       user.Info
		ok         bool
		err        error
		wantGroups []string
	}{
		{name: "user", user: &user.DefaultInfo{Name: "alice", Groups: []string{"dev"}}, ok: true,
			wantGroups: []string{"dev", user.AllAuthenticated}},
		{name: "no groups", user: &user.DefaultInfo{Name: "bob"}, ok: true,
			wantGroups: []string{user.AllAuthenticated}},
		{name: "anonymous", user: &user.DefaultInfo{Name: user.Anonymous, Groups: []string{user.AllUnauthenticated}}, ok: true,
			wantGroups: []string{user.AllUnauthenticated}},
		{name: "already authenticated", user: &user.DefaultInfo{Name: "carol", Groups: []string{user.AllAuthenticated}}, ok: true,
			wantGroups: []string{user.AllAuthenticated}},
		{name: "refused"},
		{name: "error", err: errBad},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a := group.NewAuthenticatedGroupAdder(authenticator.RequestFunc(func(*http.Request) (user.Info, bool, error) {
				return tc.user, tc.ok, tc.err
			}))
			u, ok, err := a.AuthenticateRequest(httptest.NewRequest("GET", "/", nil))
			if ok != tc.ok || !errors.Is(err, tc.err) {
				t.Fatalf("AuthenticateRequest = %v, %v, %v; want ok %v, error %v", u, ok, err, tc.ok, tc.err)
			}
			if !ok {
				return
			}
			if u.GetName() != tc.user.GetName() || !slices.Equal(u.GetGroups(), tc.wantGroups) {
				t.Errorf("AuthenticateRequest = %s in %q; want %s in %q", u.GetName(), u.GetGroups(), tc.user.GetName(), tc.wantGroups)
			}
		})
	}
}

// The user an authenticator returns may be shared between requests (a
// token file's users are): adding the group must not change it.
func TestAuthenticatedGroupAdderLeavesTheUserAlone(t *testing.T) {
	shared := &user.DefaultInfo{Name: "alice", Groups: make([]string, 1, 8)}
	a := group.NewAuthenticatedGroupAdder(authenticator.RequestFunc(func(*http.Request) (user.Info, bool, error) {
		return shared, true, nil
	}))
	first, _, _ := a.AuthenticateRequest(httptest.NewRequest("GET", "/", nil))
	if len(shared.Groups) != 1 || len(first.GetGroups()) != 2 {
		t.Fatalf("groups after one request: shared %q, returned %q; want 1 and 2", shared.Groups, first.GetGroups())
	}
	if spare := shared.Groups[:2][1]; spare != "" {
		t.Errorf("the shared user's spare capacity was written: %q", spare)
	}
}
