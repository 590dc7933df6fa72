package options_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kubewalk/kubewalk/chapters/options"
	"github.com/kubewalk/kubewalk/server/cert"
	"github.com/kubewalk/kubewalk/trace"
	"github.com/kubewalk/kubewalk/trace/kittest"
	"github.com/spf13/pflag"
)

func TestStepsAreTraced(t *testing.T) {
	ctx, rec := kittest.New(t)
	s := options.NewServerRunOptions(ctx)
	s.AddFlags(ctx, pflag.NewFlagSet("test", pflag.ContinueOnError))
	for _, name := range []string{"options.NewServerRunOptions", "options.ServerRunOptions.AddFlags"} {
		span := rec.Span(t, name)
		if got := kittest.Attr(span, trace.ChapterKey); got != "options" {
			t.Errorf("%s: chapter = %q; want options", name, got)
		}
		if got := kittest.Attr(span, trace.UpstreamFileKey); got != "cmd/kube-apiserver/app/options/options.go" {
			t.Errorf("%s: upstream file = %q", name, got)
		}
	}
}

func TestEveryFlagHasAGroup(t *testing.T) {
	fs := pflag.NewFlagSet("test", pflag.ContinueOnError)
	options.NewServerRunOptions(t.Context()).AddFlags(t.Context(), fs)
	n := 0
	fs.VisitAll(func(f *pflag.Flag) {
		n++
		if len(f.Annotations[options.GroupAnnotation]) != 1 {
			t.Errorf("flag --%s has no option group", f.Name)
		}
	})
	if n < 40 {
		t.Errorf("AddFlags added %d flags; want the upstream set (40 or more)", n)
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want []string // substrings, one per expected error, in order
	}{
		{"defaults", nil, nil},
		{"ports", []string{"--secure-port=-1", "--insecure-port=65536"},
			[]string{"--secure-port -1: must be between 0 and 65535", "--insecure-port 65536: must be between 0 and 65535"}},
		{"ports off", []string{"--secure-port=0", "--insecure-port=0"}, nil},
		{"cluster ip range", []string{"--service-cluster-ip-range=10.0.0.0/12"}, nil},
		{"node port outside the range", []string{"--kubernetes-service-node-port=8080"},
			[]string{"--kubernetes-service-node-port 8080: must be inside --service-node-port-range 30000-32767"}},
		{"node port inside a custom range", []string{"--service-node-port-range=8000-9000", "--kubernetes-service-node-port=8080"}, nil},
		{"cert without key", []string{"--tls-cert-file=a.crt"},
			[]string{`--tls-cert-file "a.crt" with --tls-private-key-file "": give both files or neither`}},
		{"tls version", []string{"--tls-min-version=VersionTLS10"},
			[]string{"--tls-min-version VersionTLS10: must be VersionTLS12 or VersionTLS13"}},
		{"cipher suite", []string{"--tls-cipher-suites=TLS_RSA_WITH_RC4_128_SHA"},
			[]string{"--tls-cipher-suites TLS_RSA_WITH_RC4_128_SHA: insecure cipher suite, which upstream accepts and the walkthrough does not; allowed: TLS_"}},
		{"unknown cipher suite", []string{"--tls-cipher-suites=TLS_FAST"},
			[]string{"--tls-cipher-suites TLS_FAST: unknown cipher suite; allowed: TLS_"}},
		{"upstream's old chacha name", []string{"--tls-cipher-suites=TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305,TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"}, nil},
		{"good cipher suite", []string{"--tls-cipher-suites=TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"}, nil},
		{"duplicate mode", []string{"--authorization-mode=AlwaysDeny,AlwaysDeny"},
			[]string{"--authorization-mode AlwaysDeny,AlwaysDeny: names AlwaysDeny twice"}},
		{"break", []string{"--break=listener"}, nil},
		{"unknown break", []string{"--break=everything"},
			[]string{"--break everything: unknown fault; allowed: listener, insecure-bind, apiextensions, slow-request, etcd, hook, hook-panic"}},
		{"insecure port exposed", []string{"--insecure-bind-address=0.0.0.0"},
			[]string{"--insecure-bind-address 0.0.0.0: the insecure port has no authentication or authorization, so it binds to loopback only"}},
		{"insecure port exposed on purpose", []string{"--insecure-bind-address=0.0.0.0", "--allow-insecure-non-loopback"}, nil},
		{"insecure port off", []string{"--insecure-bind-address=0.0.0.0", "--insecure-port=0"}, nil},
		{"ipv6 loopback", []string{"--insecure-bind-address=::1"}, nil},
		{"cert files missing", []string{"--tls-cert-file=/nonexistent/a.crt", "--tls-private-key-file=/nonexistent/a.key"},
			[]string{"--tls-cert-file /nonexistent/a.crt with --tls-private-key-file /nonexistent/a.key: must be a readable PEM certificate and its private key: open /nonexistent/a.crt: no such file or directory"}},
		{"cors and limits", []string{`--cors-allowed-origins=//example\.com(:|$),^(`, "--max-requests-inflight=-1", "--max-mutating-requests-inflight=-2"},
			[]string{"--cors-allowed-origins ^(: must be a regular expression", "--max-requests-inflight -1: must be 0 or more", "--max-mutating-requests-inflight -2: must be 0 or more"}},
		{"cors patterns pinned", []string{`--cors-allowed-origins=^https://ui\.example\.com$,//localhost:`}, nil},
		{"cors pattern not pinned", []string{"--cors-allowed-origins=example.com,//example.com,example.com$"},
			[]string{"--cors-allowed-origins example.com: must pin the start of the host with '^' or '//' and its end with '$' or ':'",
				"--cors-allowed-origins //example.com: must pin", "--cors-allowed-origins example.com$: must pin"}},
		{"empty cors pattern", []string{`--cors-allowed-origins=//a\.example(:|$),`},
			[]string{`--cors-allowed-origins "": an empty pattern matches every origin; drop it`}},
		{"empty mode", []string{"--authorization-mode="},
			[]string{"--authorization-mode : names an empty mode; allowed: AlwaysAllow, AlwaysDeny, ABAC"}},
		{"etcd", []string{"--etcd-servers=http://127.0.0.1:2379,https://etcd.example:2379", "--etcd-servers-overrides=/events#http://127.0.0.1:2380",
			"--watch-cache-sizes=namespaces#200", "--storage-media-type=application/json"}, nil},
		{"etcd servers", []string{"--etcd-servers=127.0.0.1:2379,http://127.0.0.1,unix:///tmp/etcd"},
			[]string{"--etcd-servers 127.0.0.1:2379: must be http://host:port", "--etcd-servers http://127.0.0.1: must be", "--etcd-servers unix:///tmp/etcd: must be"}},
		{"etcd2", []string{"--etcd-servers=http://127.0.0.1:2379", "--storage-backend=etcd2"},
			[]string{"--storage-backend etcd2: must be 'etcd3' (or empty, which means etcd3): the walkthrough does not speak etcd2"}},
		{"etcd tls without etcd", []string{"--etcd-cafile=ca.crt"},
			[]string{"--etcd-certfile : --etcd-certfile, --etcd-keyfile and --etcd-cafile need --etcd-servers"}},
		{"etcd tls files missing", []string{"--etcd-servers=https://127.0.0.1:2379", "--etcd-certfile=/nonexistent/c.crt", "--etcd-keyfile=/nonexistent/c.key"},
			[]string{"--etcd-certfile /nonexistent/c.crt: the etcd TLS files cannot be used: open /nonexistent/c.crt: no such file or directory"}},
		{"etcd overrides", []string{"--etcd-servers=http://127.0.0.1:2379", "--etcd-servers-overrides=events#http://a:1,/events#b:1"},
			[]string{"--etcd-servers-overrides events#http://a:1: invalid resource definition: events",
				"--etcd-servers-overrides /events#b:1: must be http://host:port"}},
		{"etcd overrides without etcd", []string{"--etcd-servers-overrides=/events#http://127.0.0.1:2380"},
			[]string{"--etcd-servers-overrides /events#http://127.0.0.1:2380: needs --etcd-servers"}},
		{"watch cache sizes", []string{"--watch-cache-sizes=namespaces#0,pods,#5"},
			[]string{"--watch-cache-sizes namespaces#0: each must be resource#size", "--watch-cache-sizes pods: each must be", "--watch-cache-sizes #5: each must be"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := options.NewServerRunOptions(t.Context())
			fs := pflag.NewFlagSet("test", pflag.ContinueOnError)
			s.AddFlags(t.Context(), fs)
			if err := fs.Parse(tc.args); err != nil {
				t.Fatalf("Parse(%q): %v", tc.args, err)
			}
			errs := s.Validate()
			if len(errs) != len(tc.want) {
				t.Fatalf("Validate() after %q = %v; want %d errors", tc.args, errs, len(tc.want))
			}
			for i, err := range errs {
				if !strings.Contains(err.Error(), tc.want[i]) {
					t.Errorf("error %d = %q; want it to contain %q", i, err, tc.want[i])
				}
			}
		})
	}
}

func TestValidateRefusesACertificateWithAnotherKey(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, data []byte) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	certA, _, err := cert.GenerateSelfSignedCertKey("a.example", nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, keyB, err := cert.GenerateSelfSignedCertKey("b.example", nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	s := options.NewServerRunOptions(t.Context())
	s.SecureServing.ServerCert.CertFile = write("a.crt", certA)
	s.SecureServing.ServerCert.KeyFile = write("b.key", keyB)
	errs := s.Validate()
	if len(errs) != 1 || !strings.Contains(errs[0].Error(), "private key does not match public key") {
		t.Errorf("Validate() = %v; want the mismatched pair named", errs)
	}
}
