package options_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kubewalk/kubewalk/chapters/options"
	"github.com/spf13/pflag"
)

// validate parses args as the walkthrough's command line and returns
// what Validate says, one string per problem.
func validate(t *testing.T, args ...string) []string {
	t.Helper()
	s := options.NewServerRunOptions(t.Context())
	fs := pflag.NewFlagSet("test", pflag.ContinueOnError)
	s.AddFlags(t.Context(), fs)
	if err := fs.Parse(args); err != nil {
		t.Fatalf("Parse(%q): %v", args, err)
	}
	var got []string
	for _, err := range s.Validate() {
		got = append(got, err.Error())
	}
	return got
}

func TestValidateSecurePortFiles(t *testing.T) {
	dir := t.TempDir()
	write := func(name, data string) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	missing := filepath.Join(dir, "missing")
	shortTokens := write("short.csv", "t1,alice,1\nt2,bob\n")
	notPEM := write("ca.txt", "not a certificate\n")
	keyOnly := write("key.pem", "-----BEGIN EC PRIVATE KEY-----\nAAAA\n-----END EC PRIVATE KEY-----\n")
	v0Policy := write("v0.jsonl", `{"user": "alice", "readonly": true}`+"\n")

	tests := []struct {
		name string
		args []string
		want []string // the whole first line of each error, or its start
	}{
		{"good files", []string{"--token-auth-file=testdata/tokens.csv", "--client-ca-file=testdata/client-ca.crt",
			"--authorization-mode=ABAC,AlwaysDeny", "--authorization-policy-file=testdata/policy.jsonl"}, nil},
		{"token file missing", []string{"--token-auth-file=" + missing},
			[]string{"--token-auth-file " + missing + `: must be a readable CSV file of token,user,uid[,"group1,group2"] lines: open ` + missing + ": no such file or directory"}},
		{"token file short line", []string{"--token-auth-file=" + shortTokens},
			[]string{"--token-auth-file " + shortTokens + `: must be a readable CSV file of token,user,uid[,"group1,group2"] lines: token file ` +
				shortTokens + ": line 2: has 2 columns; want at least 3 (token, user name, user uid)"}},
		{"token file is a directory", []string{"--token-auth-file=" + dir},
			[]string{"--token-auth-file " + dir + ": must be a readable CSV file"}},
		{"client CA missing", []string{"--client-ca-file=" + missing},
			[]string{"--client-ca-file " + missing + ": must be a readable PEM file of at least one CA certificate: open " + missing}},
		{"client CA not PEM", []string{"--client-ca-file=" + notPEM},
			[]string{"--client-ca-file " + notPEM + ": must be a readable PEM file of at least one CA certificate: " + notPEM + ": no PEM CERTIFICATE block found"}},
		{"client CA holds a key", []string{"--client-ca-file=" + keyOnly},
			[]string{"--client-ca-file " + keyOnly + ": must be a readable PEM file of at least one CA certificate: " + keyOnly + ": no PEM CERTIFICATE block found"}},
		{"ABAC without a policy file", []string{"--authorization-mode=AlwaysAllow,ABAC"},
			[]string{"--authorization-mode AlwaysAllow,ABAC: mode ABAC needs --authorization-policy-file"}},
		{"policy file without ABAC", []string{"--authorization-policy-file=testdata/policy.jsonl"},
			[]string{"--authorization-policy-file testdata/policy.jsonl: is read only by mode ABAC; add ABAC to --authorization-mode AlwaysAllow, or drop the file"}},
		{"policy file missing", []string{"--authorization-mode=ABAC", "--authorization-policy-file=" + missing},
			[]string{"--authorization-policy-file " + missing + ": must be a readable file of ABAC policies, one JSON object per line: open " + missing}},
		{"unversioned policy", []string{"--authorization-mode=ABAC", "--authorization-policy-file=" + v0Policy},
			[]string{"--authorization-policy-file " + v0Policy + ": must be a readable file of ABAC policies, one JSON object per line: policy file " +
				v0Policy + `, line 1: apiVersion is ""; want "abac.authorization.kubernetes.io/v1beta1"`}},
		{"every problem at once", []string{"--token-auth-file=" + missing, "--client-ca-file=" + missing, "--authorization-mode=ABAC,RBAC"},
			[]string{"--client-ca-file " + missing, "--token-auth-file " + missing, "--authorization-mode RBAC: unknown mode",
				"--authorization-mode ABAC,RBAC: mode ABAC needs --authorization-policy-file"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := validate(t, tc.args...)
			if len(got) != len(tc.want) {
				t.Fatalf("Validate() after %q = %q; want %d errors", tc.args, got, len(tc.want))
			}
			for i := range got {
				if !strings.HasPrefix(got[i], tc.want[i]) || strings.Contains(got[i], "\n") {
					t.Errorf("error %d = %q; want one line starting %q", i, got[i], tc.want[i])
				}
			}
		})
	}
}

func TestValidateTLSFlags(t *testing.T) {
	tests := []struct {
		args []string
		want string // start of the one error; empty: valid
	}{
		{[]string{"--tls-min-version=VersionTLS12"}, ""},
		{[]string{"--tls-min-version=VersionTLS13"}, ""},
		{[]string{"--tls-min-version=VersionTLS11"}, "--tls-min-version VersionTLS11: must be VersionTLS12 or VersionTLS13: " +
			"the walkthrough keeps TLS 1.2 as the floor (upstream also accepts VersionTLS10 and VersionTLS11)"},
		{[]string{"--tls-min-version=1.2"}, "--tls-min-version 1.2: must be VersionTLS12 or VersionTLS13"},
		{[]string{"--tls-cipher-suites=TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305"}, ""},
		{[]string{"--tls-cipher-suites=TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384"},
			"--tls-cipher-suites TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384: must include " +
				"TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 or TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, which HTTP/2 requires"},
		// Go chooses TLS 1.3's suites itself; naming one here would do nothing.
		{[]string{"--tls-cipher-suites=TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,TLS_AES_256_GCM_SHA384"},
			"--tls-cipher-suites TLS_AES_256_GCM_SHA384: a TLS 1.3 suite: Go always offers all three under TLS 1.3 and would ignore it here"},
		// TLS 1.3 has its own suites, which HTTP/2 accepts; the list then does not matter.
		{[]string{"--tls-min-version=VersionTLS13", "--tls-cipher-suites=TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256"}, ""},
		{[]string{"--tls-cipher-suites=TLS_RSA_WITH_3DES_EDE_CBC_SHA"},
			"--tls-cipher-suites TLS_RSA_WITH_3DES_EDE_CBC_SHA: insecure cipher suite, which upstream accepts and the walkthrough does not; allowed: "},
		{[]string{"--tls-cipher-suites=ECDHE-RSA-AES128-GCM-SHA256"},
			"--tls-cipher-suites ECDHE-RSA-AES128-GCM-SHA256: unknown cipher suite; allowed: TLS_"},
	}
	for _, tc := range tests {
		got := validate(t, tc.args...)
		switch {
		case tc.want == "" && len(got) != 0:
			t.Errorf("Validate() after %q = %q; want no errors", tc.args, got)
		case tc.want != "" && (len(got) != 1 || !strings.HasPrefix(got[0], tc.want)):
			t.Errorf("Validate() after %q = %q; want one error starting %q", tc.args, got, tc.want)
		}
	}
}
