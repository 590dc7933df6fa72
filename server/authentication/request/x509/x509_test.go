package x509_test

import (
	"crypto/tls"
	"crypto/x509"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	x509request "github.com/kubewalk/kubewalk/server/authentication/request/x509"
	"github.com/kubewalk/kubewalk/server/cert/certtest"
)

func TestAuthenticateRequest(t *testing.T) {
	ca := certtest.NewCA(t, "client-ca")
	other := certtest.NewCA(t, "other-ca")
	intermediate := ca.NewIntermediate(t, "intermediate-ca")

	expired := certtest.ClientTemplate("alice")
	expired.NotBefore, expired.NotAfter = time.Now().Add(-48*time.Hour), time.Now().Add(-24*time.Hour)
	serverOnly := certtest.ClientTemplate("alice")
	serverOnly.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}
	viaIntermediate := intermediate.Client(t, "carol")

	tests := []struct {
		name       string
		tls        *tls.ConnectionState // nil: plain HTTP
		wantUser   string
		wantGroups []string
		wantErr    string // substring; empty means no error
	}{
		{name: "plain http"},
		{name: "tls without a certificate", tls: &tls.ConnectionState{}},
		{name: "signed by the CA", tls: peer(ca.Client(t, "alice", "dev", "ops").Leaf),
			wantUser: "alice", wantGroups: []string{"dev", "ops"}},
		{name: "no common name", tls: peer(ca.Client(t, "", "dev").Leaf)},
		{name: "signed by another CA", tls: peer(other.Client(t, "mallory").Leaf),
			wantErr: "certificate signed by unknown authority"},
		{name: "expired", tls: peer(ca.Sign(t, expired).Leaf), wantErr: "expired"},
		{name: "not for client auth", tls: peer(ca.Sign(t, serverOnly).Leaf),
			wantErr: "incompatible key usage"},
		{name: "intermediate sent", tls: peer(viaIntermediate.Leaf, intermediate.Cert), wantUser: "carol"},
		{name: "intermediate missing", tls: peer(viaIntermediate.Leaf),
			wantErr: "certificate signed by unknown authority"},
	}
	opts := x509request.DefaultVerifyOptions()
	opts.Roots = x509.NewCertPool()
	opts.Roots.AddCert(ca.Cert)
	a := x509request.New(opts, x509request.CommonNameUserConversion)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req := httptest.NewRequest("GET", "/", nil)
			req.TLS = tc.tls
			u, ok, err := a.AuthenticateRequest(req)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) || ok {
					t.Fatalf("AuthenticateRequest = %v, %v, %v; want false and an error containing %q", u, ok, err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("AuthenticateRequest = %v", err)
			}
			if tc.wantUser == "" {
				if ok || u != nil {
					t.Errorf("AuthenticateRequest = %v, %v; want nil, false", u, ok)
				}
				return
			}
			if !ok || u.GetName() != tc.wantUser || !slices.Equal(u.GetGroups(), tc.wantGroups) {
				t.Errorf("AuthenticateRequest = %v, %v; want user %q in %q", u, ok, tc.wantUser, tc.wantGroups)
			}
		})
	}
}

// peer returns the TLS state of a connection whose client sent chain.
func peer(chain ...*x509.Certificate) *tls.ConnectionState {
	return &tls.ConnectionState{PeerCertificates: chain}
}
