package union_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/kubewalk/kubewalk/server/authentication/authenticator"
	"github.com/kubewalk/kubewalk/server/authentication/request/anonymous"
	"github.com/kubewalk/kubewalk/server/authentication/request/union"
	"github.com/kubewalk/kubewalk/server/authentication/user"
)

// answer returns an authenticator that always gives user name (none if
// ""), and err.
func answer(name string, err error) authenticator.Request {
	return authenticator.RequestFunc(func(*http.Request) (user.Info, bool, error) {
		if name == "" {
			return nil, false, err
		}
		return &user.DefaultInfo{Name: name}, true, err
	})
}

func TestUnion(t *testing.T) {
	errA, errB := errors.New("a failed"), errors.New("b failed")
	tests := []struct {
		name        string
		handlers    []authenticator.Request
		failOnError bool
		wantUser    string
		wantErr     string
	}{
		{"first accepts", []authenticator.Request{answer("alice", nil), answer("bob", nil)}, false, "alice", ""},
		{"second accepts", []authenticator.Request{answer("", nil), answer("bob", nil)}, false, "bob", ""},
		{"an error does not stop the search", []authenticator.Request{answer("", errA), answer("bob", nil)},
			false, "bob", ""},
		{"none accepts", []authenticator.Request{answer("", nil), answer("", nil)}, false, "", ""},
		{"errors are joined", []authenticator.Request{answer("", errA), answer("", errB)}, false, "", "a failed\nb failed"},
		{"fail on error", []authenticator.Request{answer("", errA), answer("bob", nil)}, true, "", "a failed"},
		{"anonymous last", []authenticator.Request{answer("", errA), anonymous.NewAuthenticator()},
			false, user.Anonymous, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			auth := union.New(tc.handlers...)
			if tc.failOnError {
				auth = union.NewFailOnError(tc.handlers...)
			}
			u, ok, err := auth.AuthenticateRequest(httptest.NewRequest("GET", "/", nil))
			var gotUser, gotErr string
			if ok {
				gotUser = u.GetName()
			}
			if err != nil {
				gotErr = err.Error()
			}
			if gotUser != tc.wantUser || ok != (tc.wantUser != "") || gotErr != tc.wantErr {
				t.Errorf("AuthenticateRequest = %q, %v, %q; want %q, %v, %q",
					gotUser, ok, gotErr, tc.wantUser, tc.wantUser != "", tc.wantErr)
			}
		})
	}
}
