package bearertoken_test

import (
	"errors"
	"net/http/httptest"
	"testing"

	"github.com/kubewalk/kubewalk/server/authentication/authenticator"
	"github.com/kubewalk/kubewalk/server/authentication/request/bearertoken"
	"github.com/kubewalk/kubewalk/server/authentication/user"
)

func TestAuthenticateRequest(t *testing.T) {
	errBroken := errors.New("token store unreachable")
	tokens := authenticator.TokenFunc(func(token string) (user.Info, bool, error) {
		switch token {
		case "good":
			return &user.DefaultInfo{Name: "alice"}, true, nil
		case "broken":
			return nil, false, errBroken
		}
		return nil, false, nil
	})
	tests := []struct {
		header     string
		wantUser   string
		wantOK     bool
		wantErr    error
		wantHeader bool // whether Authorization is still there afterwards
	}{
		{header: "", wantHeader: false},
		{header: "Bearer good", wantUser: "alice", wantOK: true},
		{header: "bearer good", wantUser: "alice", wantOK: true},
		{header: "  Bearer good  ", wantUser: "alice", wantOK: true},
		{header: "Bearer good extra", wantUser: "alice", wantOK: true},
		{header: "Bearer bad", wantErr: bearertoken.ErrInvalidToken, wantHeader: true},
		{header: "Bearer broken", wantErr: errBroken, wantHeader: true},
		{header: "Bearer", wantHeader: true},
		{header: "Bearer  good", wantHeader: true}, // empty token before the second space
		{header: "Basic YWxpY2U6cHc=", wantHeader: true},
		{header: "Bearergood", wantHeader: true},
	}
	a := bearertoken.New(tokens)
	for _, tc := range tests {
		req := httptest.NewRequest("GET", "/", nil)
		if tc.header != "" {
			req.Header.Set("Authorization", tc.header)
		}
		u, ok, err := a.AuthenticateRequest(req)
		name := ""
		if u != nil {
			name = u.GetName()
		}
		if name != tc.wantUser || ok != tc.wantOK || !errors.Is(err, tc.wantErr) {
			t.Errorf("AuthenticateRequest(Authorization: %q) = %q, %v, %v; want %q, %v, %v",
				tc.header, name, ok, err, tc.wantUser, tc.wantOK, tc.wantErr)
		}
		if got := req.Header.Get("Authorization") != ""; got != tc.wantHeader {
			t.Errorf("after Authorization: %q the header is there: %v; want %v", tc.header, got, tc.wantHeader)
		}
	}
}
