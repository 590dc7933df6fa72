package cert

import (
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
)

// ParseCertsPEM returns the certificates in the PEM blocks of type
// CERTIFICATE in data, in order; other blocks, and CERTIFICATE blocks
// with headers, are skipped, as upstream skips them. It fails if a
// CERTIFICATE block does not parse, or if there is none.
func ParseCertsPEM(data []byte) ([]*x509.Certificate, error) {
	var certs []*x509.Certificate
	for n := 1; ; n++ {
		var block *pem.Block
		block, data = pem.Decode(data)
		if block == nil {
			break
		}
		if block.Type != "CERTIFICATE" || len(block.Headers) != 0 {
			continue
		}
		c, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("PEM block %d: %w", n, err)
		}
		certs = append(certs, c)
	}
	if len(certs) == 0 {
		return nil, errors.New("no PEM CERTIFICATE block found")
	}
	return certs, nil
}

// CertsFromFile returns the certificates of the PEM file at path (see
// [ParseCertsPEM]); its errors name the file.
func CertsFromFile(path string) ([]*x509.Certificate, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	certs, err := ParseCertsPEM(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return certs, nil
}

// NewPool returns a pool of the certificates of the PEM file at path,
// as [CertsFromFile] reads them.
func NewPool(path string) (*x509.CertPool, error) {
	certs, err := CertsFromFile(path)
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	for _, c := range certs {
		pool.AddCert(c)
	}
	return pool, nil
}
