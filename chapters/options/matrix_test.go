package options_test

import (
	"crypto/tls"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kubewalk/kubewalk/server/cert/certtest"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// probe is one request of the matrix and the answer it must get.
type probe struct {
	name         string
	cred         credential
	method, path string
	code         int
	message      string // for 401 and 403, the Status message
}

const (
	pods       = "/api/v1/namespaces/default/pods"
	systemPods = "/api/v1/namespaces/kube-system/pods"
	debugState = "/debug/walkthrough"
)

// TestSecurePortAuthnAuthzMatrix runs the secure port with each
// authentication and authorization setup and checks who gets in: no
// credentials, a bad token, a good token, client certificates from the
// trusted CA and from another, under AlwaysAllow (which turns anonymous
// requests off, as upstream's ApplyAuthorization does), AlwaysDeny and ABAC.
// The AlwaysDeny answers show who each credential was taken for, since a
// 403 names the user. A resource request that authorization lets through
// gets 404: the server has no API groups installed.
func TestSecurePortAuthnAuthzMatrix(t *testing.T) {
	ca := certtest.NewCA(t, "client-ca")
	caFile := filepath.Join(t.TempDir(), "client-ca.crt")
	if err := os.WriteFile(caFile, ca.PEM(), 0o600); err != nil {
		t.Fatal(err)
	}
	carol := ca.Client(t, "carol", "dev")
	mallory := certtest.NewCA(t, "other-ca").Client(t, "mallory", "dev")

	tokens, clientCA := "--token-auth-file=testdata/tokens.csv", "--client-ca-file="+caFile
	policy := "--authorization-policy-file=testdata/policy.jsonl"
	none, alice, bad := credential{}, token("alice-token"), token("not-in-the-file")
	const unauthorized = "Unauthorized"

	servers := []struct {
		name   string
		args   []string
		probes []probe
	}{
		// The defaults: AlwaysAllow, and --anonymous-auth, which
		// CreateKubeAPIServerConfig turns off because of AlwaysAllow.
		{"AlwaysAllow turns anonymous off", []string{tokens, clientCA}, []probe{
			{"no credentials", none, "GET", "/healthz", 401, unauthorized},
			{"bad token", bad, "GET", "/healthz", 401, unauthorized},
			{"good token", alice, "GET", "/healthz", 200, ""},
			{"client cert from the CA", clientCert(carol), "GET", "/healthz", 200, ""},
			{"client cert from another CA", forcedCert(mallory), "GET", "/healthz", 401, unauthorized},
			// Go's client sends a certificate only if the server's list of
			// acceptable CAs names its issuer: this one stays home.
			{"client cert from another CA, not sent", clientCert(mallory), "GET", "/healthz", 401, unauthorized},
			{"good client cert wins over a bad token", credential{token: "not-in-the-file", cert: &carol}, "GET", "/healthz", 200, ""},
			// The walkthrough's debug path is behind the same filters.
			{"debug state without credentials", none, "GET", debugState, 401, unauthorized},
			{"debug state with a good token", alice, "GET", debugState, 200, ""},
		}},
		{"AlwaysAllow anywhere in the modes turns anonymous off", []string{"--authorization-mode=ABAC,AlwaysAllow", policy, tokens}, []probe{
			{"no credentials", none, "GET", "/healthz", 401, unauthorized},
			{"alice creates a pod in default", alice, "POST", pods, 404, ""},
		}},
		{"anonymous off, ABAC", []string{"--anonymous-auth=false", "--authorization-mode=ABAC", policy, tokens, clientCA}, []probe{
			{"no credentials", none, "GET", "/healthz", 401, unauthorized},
			{"bad token", bad, "GET", "/healthz", 401, unauthorized},
			{"good token", alice, "GET", "/healthz", 200, ""},
			{"client cert from the CA", clientCert(carol), "GET", "/healthz", 200, ""},
		}},
		{"no authenticators, anonymous off", []string{"--anonymous-auth=false"}, []probe{
			{"no credentials", none, "GET", "/healthz", 401, unauthorized},
			{"a token", alice, "GET", "/healthz", 401, unauthorized},
		}},
		{"AlwaysDeny", []string{"--authorization-mode=AlwaysDeny", tokens, clientCA}, []probe{
			{"no credentials", none, "GET", "/healthz", 403,
				`User "system:anonymous" cannot get path "/healthz": Everything is forbidden.`},
			{"bad token", bad, "GET", "/healthz", 401, unauthorized},
			{"good token", alice, "GET", pods, 403,
				`User "alice" cannot list pods in the namespace "default": Everything is forbidden.`},
			{"client cert from the CA", clientCert(carol), "DELETE", systemPods + "/etcd", 403,
				`pods "etcd" is forbidden: User "carol" cannot delete pods in the namespace "kube-system": Everything is forbidden.`},
		}},
		// Every mode but AlwaysAllow keeps --anonymous-auth on: ABAC
		// decides what system:anonymous may do.
		{"ABAC", []string{"--authorization-mode=ABAC", policy, tokens, clientCA}, []probe{
			{"alice lists pods in default", alice, "GET", pods, 404, ""},
			{"alice creates a pod in default", alice, "POST", pods, 403,
				`User "alice" cannot create pods in the namespace "default": No policy matched.`},
			{"alice lists pods in kube-system", alice, "GET", systemPods, 403,
				`User "alice" cannot list pods in the namespace "kube-system": No policy matched.`},
			{"alice gets /healthz as system:authenticated", alice, "GET", "/healthz", 200, ""},
			{"anonymous gets /healthz", none, "GET", "/healthz", 403,
				`User "system:anonymous" cannot get path "/healthz": No policy matched.`},
			{"anonymous gets the debug state", none, "GET", debugState, 403,
				`User "system:anonymous" cannot get path "/debug/walkthrough": No policy matched.`},
			{"carol of group dev creates a pod in kube-system", clientCert(carol), "POST", systemPods, 404, ""},
			{"bad token", bad, "GET", "/healthz", 401, unauthorized},
		}},
		// Modes are asked in order until one allows: AlwaysDeny's no does
		// not stop ABAC's yes.
		{"AlwaysDeny then ABAC", []string{"--authorization-mode=AlwaysDeny,ABAC", policy, tokens}, []probe{
			{"alice gets /healthz", alice, "GET", "/healthz", 200, ""},
			{"anonymous gets /healthz", none, "GET", "/healthz", 403,
				"User \"system:anonymous\" cannot get path \"/healthz\": Everything is forbidden.\nNo policy matched."},
		}},
	}
	for _, srv := range servers {
		t.Run(srv.name, func(t *testing.T) {
			p := startSecurePort(t, srv.args...)
			for _, pr := range srv.probes {
				got := p.do(t, pr.cred, pr.method, pr.path)
				pr.check(t, got)
			}
		})
	}
}

// check compares an answer with what the probe wants: the status code,
// and for 401 and 403 a Status body with the right reason and message.
func (pr probe) check(t *testing.T, got response) {
	t.Helper()
	if got.code != pr.code {
		t.Errorf("%s: %s %s = %d; want %d", pr.name, pr.method, pr.path, got.code, pr.code)
		return
	}
	t.Logf("%s: %s %s = %d", pr.name, pr.method, pr.path, got.code)
	reason := map[int]metav1.StatusReason{401: metav1.StatusReasonUnauthorized, 403: metav1.StatusReasonForbidden}[pr.code]
	if reason == "" {
		return
	}
	st := got.status
	switch {
	case st == nil:
		t.Errorf("%s: %s %s: body is not a Status", pr.name, pr.method, pr.path)
	case st.Status != metav1.StatusFailure || st.Reason != reason || int(st.Code) != pr.code:
		t.Errorf("%s: Status = %s/%s/%d; want Failure/%s/%d", pr.name, st.Status, st.Reason, st.Code, reason, pr.code)
	case !strings.HasSuffix(st.Message, pr.message):
		t.Errorf("%s: Status message = %q; want it to end %q", pr.name, st.Message, pr.message)
	}
}

// TestSecurePortTLS checks the TLS flags on a running secure port: TLS
// 1.2 at least by default, --tls-min-version raising it, and
// --tls-cipher-suites limiting the TLS 1.2 suites.
func TestSecurePortTLS(t *testing.T) {
	const (
		aes128 = tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 // the generated certificate is ECDSA
		aes256 = tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384

		versionAlert = "protocol version not supported"
	)
	tests := []struct {
		name        string
		args        []string
		min, max    uint16   // the client's versions
		suites      []uint16 // the client's TLS 1.2 suites; nil: Go's
		wantAlert   string   // when not "", the server refuses with this alert
		wantSuite   uint16   // when not 0, the suite agreed on
		wantVersion uint16
	}{
		{name: "TLS 1.0 and 1.1 refused", min: tls.VersionTLS10, max: tls.VersionTLS11, wantAlert: versionAlert},
		{name: "TLS 1.2 accepted", min: tls.VersionTLS12, max: tls.VersionTLS12, wantVersion: tls.VersionTLS12},
		{name: "TLS 1.3 preferred", min: tls.VersionTLS12, max: tls.VersionTLS13, wantVersion: tls.VersionTLS13},
		{name: "TLS 1.2 refused above the floor", args: []string{"--tls-min-version=VersionTLS13"},
			min: tls.VersionTLS12, max: tls.VersionTLS12, wantAlert: versionAlert},
		// HTTP/2 needs an AES-128-GCM suite in the list; the RSA one cannot
		// serve an ECDSA certificate, so only AES-256 is left for TLS 1.2.
		{name: "the one usable suite", args: []string{"--tls-cipher-suites=TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"},
			min: tls.VersionTLS12, max: tls.VersionTLS12, wantVersion: tls.VersionTLS12, wantSuite: aes256},
		{name: "a suite not listed", args: []string{"--tls-cipher-suites=TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"},
			min: tls.VersionTLS12, max: tls.VersionTLS12, suites: []uint16{aes128}, wantAlert: "handshake failure"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := startSecurePort(t, tc.args...)
			conn, err := tls.Dial("tcp", p.addr, &tls.Config{
				RootCAs: p.roots, MinVersion: tc.min, MaxVersion: tc.max, CipherSuites: tc.suites,
			})
			if tc.wantAlert != "" {
				if err == nil {
					conn.Close()
				}
				// The alert shows the server refused: a client refusing its
				// own configuration fails without one.
				var op *net.OpError
				if !errors.As(err, &op) || op.Op != "remote error" || !strings.HasSuffix(op.Err.Error(), tc.wantAlert) {
					t.Fatalf("handshake with versions %x-%x, suites %x = %v; want the server's %q alert",
						tc.min, tc.max, tc.suites, err, tc.wantAlert)
				}
				return
			}
			if err != nil {
				t.Fatalf("handshake: %v", err)
			}
			defer conn.Close()
			st := conn.ConnectionState()
			if st.Version != tc.wantVersion || (tc.wantSuite != 0 && st.CipherSuite != tc.wantSuite) {
				t.Errorf("handshake agreed on %s with %s; want %s with %s", tls.VersionName(st.Version),
					tls.CipherSuiteName(st.CipherSuite), tls.VersionName(tc.wantVersion), tls.CipherSuiteName(tc.wantSuite))
			}
		})
	}
}
