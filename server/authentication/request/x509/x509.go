package x509

import (
	"crypto/x509"
	"errors"
	"net/http"

	"github.com/kubewalk/kubewalk/server/authentication/user"
)

// UserConversion turns a verified certificate chain, the client's
// certificate first, into a user. It returns false when the chain names
// no user.
type UserConversion interface {
	User(chain []*x509.Certificate) (user.Info, bool, error)
}

// UserConversionFunc is a function that is a UserConversion.
type UserConversionFunc func(chain []*x509.Certificate) (user.Info, bool, error)

// User calls f(chain).
func (f UserConversionFunc) User(chain []*x509.Certificate) (user.Info, bool, error) {
	return f(chain)
}

// Authenticator is a request authenticator for client certificates. It
// is safe for concurrent use.
type Authenticator struct {
	opts x509.VerifyOptions
	user UserConversion
}

// New returns an authenticator that verifies client certificates with
// opts (opts.Roots are the trusted CAs) and turns a verified chain into a
// user with conv.
func New(opts x509.VerifyOptions, conv UserConversion) *Authenticator {
	return &Authenticator{opts: opts, user: conv}
}

// DefaultVerifyOptions returns options that accept only certificates
// meant for client authentication, checked at the current time, against
// the system's roots unless Roots is set.
func DefaultVerifyOptions() x509.VerifyOptions {
	return x509.VerifyOptions{KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}
}

// AuthenticateRequest returns false and no error when req came without a
// client certificate (or not over TLS). Otherwise it verifies the
// certificate, using the other certificates the client sent as
// intermediates, and returns the verification error if that fails, or
// the user of the first verified chain the conversion accepts.
func (a *Authenticator) AuthenticateRequest(req *http.Request) (user.Info, bool, error) {
	if req.TLS == nil || len(req.TLS.PeerCertificates) == 0 {
		return nil, false, nil
	}
	opts := a.opts // a copy: Intermediates is set per request
	if opts.Intermediates == nil && len(req.TLS.PeerCertificates) > 1 {
		opts.Intermediates = x509.NewCertPool()
		for _, c := range req.TLS.PeerCertificates[1:] {
			opts.Intermediates.AddCert(c)
		}
	}
	chains, err := req.TLS.PeerCertificates[0].Verify(opts)
	if err != nil {
		return nil, false, err
	}

	var errs []error
	for _, chain := range chains {
		info, ok, err := a.user.User(chain)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if ok {
			return info, true, nil
		}
	}
	return nil, false, errors.Join(errs...)
}

// CommonNameUserConversion names the user after the subject's common
// name and puts them in the subject's organizations as groups. A
// certificate with no common name names no user.
var CommonNameUserConversion = UserConversionFunc(func(chain []*x509.Certificate) (user.Info, bool, error) {
	subject := chain[0].Subject
	if subject.CommonName == "" {
		return nil, false, nil
	}
	return &user.DefaultInfo{Name: subject.CommonName, Groups: subject.Organization}, true, nil
})
