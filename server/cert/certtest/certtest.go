// Package certtest makes certificate authorities and client certificates
// for tests of client-certificate authentication (--client-ca-file). It
// has no upstream counterpart; upstream's tests read fixed PEM files.
package certtest

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"testing"
	"time"
)

// CA is a certificate authority that can sign certificates.
type CA struct {
	Cert *x509.Certificate
	Key  crypto.Signer
}

// NewCA returns a new self-signed CA named name, valid from an hour ago
// for a day. It fails tb if a key or certificate cannot be made.
func NewCA(tb testing.TB, name string) *CA {
	tb.Helper()
	key := newKey(tb)
	tmpl := caTemplate(name)
	return &CA{Cert: create(tb, tmpl, tmpl, key, key), Key: key}
}

// NewIntermediate returns a CA named name signed by ca.
func (ca *CA) NewIntermediate(tb testing.TB, name string) *CA {
	tb.Helper()
	key := newKey(tb)
	return &CA{Cert: create(tb, caTemplate(name), ca.Cert, key, ca.Key), Key: key}
}

// PEM returns ca's certificate PEM-encoded, as a --client-ca-file holds it.
func (ca *CA) PEM() []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ca.Cert.Raw})
}

// ClientTemplate returns the template of a client certificate for the
// user cn in the groups orgs, valid from an hour ago for a day, for
// client authentication. Tests change it before passing it to Sign,
// which sets the serial number.
func ClientTemplate(cn string, orgs ...string) *x509.Certificate {
	now := time.Now()
	return &x509.Certificate{
		Subject:     pkix.Name{CommonName: cn, Organization: orgs},
		NotBefore:   now.Add(-time.Hour),
		NotAfter:    now.Add(24 * time.Hour),
		KeyUsage:    x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}
}

// Sign returns a certificate made from tmpl, with a new key, signed by
// ca; Leaf is set.
func (ca *CA) Sign(tb testing.TB, tmpl *x509.Certificate) tls.Certificate {
	tb.Helper()
	key := newKey(tb)
	leaf := create(tb, tmpl, ca.Cert, key, ca.Key)
	return tls.Certificate{Certificate: [][]byte{leaf.Raw}, PrivateKey: key, Leaf: leaf}
}

// Client returns a client certificate for cn in the groups orgs, signed
// by ca.
func (ca *CA) Client(tb testing.TB, cn string, orgs ...string) tls.Certificate {
	tb.Helper()
	return ca.Sign(tb, ClientTemplate(cn, orgs...))
}

func caTemplate(name string) *x509.Certificate {
	now := time.Now()
	return &x509.Certificate{
		Subject:               pkix.Name{CommonName: name},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
}

func newKey(tb testing.TB) *ecdsa.PrivateKey {
	tb.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		tb.Fatalf("generate key: %v", err)
	}
	return key
}

func create(tb testing.TB, tmpl, parent *x509.Certificate, key *ecdsa.PrivateKey, signer crypto.Signer) *x509.Certificate {
	tb.Helper()
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 128))
	if err != nil {
		tb.Fatalf("generate serial number: %v", err)
	}
	tmpl.SerialNumber = serial
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, &key.PublicKey, signer)
	if err != nil {
		tb.Fatalf("create certificate %q: %v", tmpl.Subject.CommonName, err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		tb.Fatalf("parse certificate %q: %v", tmpl.Subject.CommonName, err)
	}
	return c
}
