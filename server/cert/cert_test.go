package cert_test

import (
	"crypto/tls"
	"crypto/x509"
	"net"
	"slices"
	"strings"
	"testing"

	"github.com/kubewalk/kubewalk/server/cert"
)

func TestGenerateSelfSignedCertKey(t *testing.T) {
	certPEM, keyPEM, err := cert.GenerateSelfSignedCertKey("10.0.0.1", []net.IP{net.ParseIP("127.0.0.1")}, []string{"localhost"})
	if err != nil {
		t.Fatal(err)
	}
	pair, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		t.Fatalf("tls.X509KeyPair: %v", err)
	}
	c, err := x509.ParseCertificate(pair.Certificate[0])
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(c.Subject.CommonName, "10.0.0.1@") {
		t.Errorf("CommonName = %q; want 10.0.0.1@<unix time>", c.Subject.CommonName)
	}
	var ips []string
	for _, ip := range c.IPAddresses {
		ips = append(ips, ip.String())
	}
	if want := []string{"10.0.0.1", "127.0.0.1"}; !slices.Equal(ips, want) {
		t.Errorf("IPAddresses = %q; want %q", ips, want)
	}
	if want := []string{"localhost"}; !slices.Equal(c.DNSNames, want) {
		t.Errorf("DNSNames = %q; want %q", c.DNSNames, want)
	}

	// The certificate is its own root: it verifies against a pool holding it.
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(certPEM)
	for _, name := range []string{"localhost", "127.0.0.1", "10.0.0.1"} {
		if _, err := c.Verify(x509.VerifyOptions{Roots: pool, DNSName: name}); err != nil {
			t.Errorf("Verify(%s): %v", name, err)
		}
	}
	if _, err := c.Verify(x509.VerifyOptions{Roots: pool, DNSName: "example.com"}); err == nil {
		t.Error("Verify(example.com) succeeded; want a name mismatch")
	}
}

func TestDNSHost(t *testing.T) {
	certPEM, keyPEM, err := cert.GenerateSelfSignedCertKey("apiserver.local", nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	pair, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		t.Fatal(err)
	}
	c, _ := x509.ParseCertificate(pair.Certificate[0])
	if !slices.Equal(c.DNSNames, []string{"apiserver.local"}) || len(c.IPAddresses) != 0 {
		t.Errorf("DNSNames, IPAddresses = %q, %v; want [apiserver.local], none", c.DNSNames, c.IPAddresses)
	}
}
