package cert_test

import (
	"bytes"
	"encoding/pem"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kubewalk/kubewalk/server/cert"
	"github.com/kubewalk/kubewalk/server/cert/certtest"
)

func TestParseCertsPEM(t *testing.T) {
	a, b := certtest.NewCA(t, "a").PEM(), certtest.NewCA(t, "b").PEM()
	key := pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: []byte("not a key")})
	withHeaders := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Headers: map[string]string{"x": "y"}, Bytes: []byte("x")})
	broken := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: []byte("not DER")})
	cat := func(parts ...[]byte) []byte { return bytes.Join(parts, nil) }
	tests := []struct {
		name    string
		data    []byte
		want    []string // common names
		wantErr string
	}{
		{name: "one", data: a, want: []string{"a"}},
		{name: "two, other blocks skipped", data: cat(key, a, withHeaders, b), want: []string{"a", "b"}},
		{name: "empty", data: nil, wantErr: "no PEM CERTIFICATE block found"},
		{name: "not PEM", data: []byte("hello"), wantErr: "no PEM CERTIFICATE block found"},
		{name: "only a key", data: key, wantErr: "no PEM CERTIFICATE block found"},
		{name: "broken certificate", data: cat(a, broken), wantErr: "PEM block 2: x509: "},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			certs, err := cert.ParseCertsPEM(tc.data)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("ParseCertsPEM = %v; want an error containing %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, c := range certs {
				got = append(got, c.Subject.CommonName)
			}
			if strings.Join(got, ",") != strings.Join(tc.want, ",") {
				t.Errorf("ParseCertsPEM = %q; want %q", got, tc.want)
			}
		})
	}
}

func TestNewPoolNamesTheFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ca.crt")
	if err := os.WriteFile(path, []byte("not PEM"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := cert.NewPool(path); err == nil || !strings.HasPrefix(err.Error(), path+": ") {
		t.Errorf("NewPool(%s) = %v; want an error naming the file", path, err)
	}
	if _, err := cert.NewPool(path + ".missing"); err == nil || !strings.Contains(err.Error(), path+".missing") {
		t.Errorf("NewPool(missing) = %v; want an error naming the file", err)
	}
}
