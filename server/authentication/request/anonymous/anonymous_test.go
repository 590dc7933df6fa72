package anonymous_test

import (
	"net/http/httptest"
	"slices"
	"testing"

	"github.com/kubewalk/kubewalk/server/authentication/request/anonymous"
)

func TestAnonymous(t *testing.T) {
	u, ok, err := anonymous.NewAuthenticator().AuthenticateRequest(httptest.NewRequest("GET", "/", nil))
	if !ok || err != nil || u.GetName() != "system:anonymous" ||
		!slices.Equal(u.GetGroups(), []string{"system:unauthenticated"}) {
		t.Errorf("AuthenticateRequest = %+v, %v, %v; want system:anonymous in system:unauthenticated, true, nil",
			u, ok, err)
	}
}
