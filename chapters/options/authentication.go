package options

import (
	"context"
	"crypto/x509"
	"fmt"
	"slices"
	"strings"

	"github.com/kubewalk/kubewalk/server"
	"github.com/kubewalk/kubewalk/server/authentication/authenticator"
	authngroup "github.com/kubewalk/kubewalk/server/authentication/group"
	"github.com/kubewalk/kubewalk/server/authentication/request/anonymous"
	"github.com/kubewalk/kubewalk/server/authentication/request/bearertoken"
	"github.com/kubewalk/kubewalk/server/authentication/request/union"
	x509request "github.com/kubewalk/kubewalk/server/authentication/request/x509"
	"github.com/kubewalk/kubewalk/server/authentication/token/tokenfile"
	"github.com/kubewalk/kubewalk/server/cert"
	"github.com/kubewalk/kubewalk/trace"
	"github.com/kubewalk/kubewalk/trace/lang"
	"github.com/spf13/pflag"
)

// BuiltInAuthenticationOptions configure who a request to the secure port
// is from. Upstream nests each field in an option struct of its own
// (Anonymous.Allow, ClientCert.ClientCA, TokenFile.TokenFile).
type BuiltInAuthenticationOptions struct {
	// Anonymous makes a request no authenticator recognises the user
	// system:anonymous instead of refusing it (--anonymous-auth).
	Anonymous bool
	// ClientCA is the PEM file of the CAs whose client certificates
	// authenticate their common name (--client-ca-file); empty: client
	// certificates are not asked for.
	ClientCA string
	// TokenFile is the CSV file of bearer tokens (--token-auth-file);
	// empty: bearer tokens are not accepted.
	TokenFile string
}

// NewBuiltInAuthenticationOptions returns upstream's defaults: anonymous
// requests allowed, no client certificates, no tokens.
func NewBuiltInAuthenticationOptions() *BuiltInAuthenticationOptions {
	return &BuiltInAuthenticationOptions{Anonymous: true}
}

// AddFlags adds the authentication flags to fs.
func (s *BuiltInAuthenticationOptions) AddFlags(fs *pflag.FlagSet) {
	fs.BoolVar(&s.Anonymous, "anonymous-auth", s.Anonymous,
		"Treat requests no authenticator recognises as the user system:anonymous instead of rejecting them.")
	fs.StringVar(&s.ClientCA, "client-ca-file", s.ClientCA,
		"PEM file of CAs: a client certificate one of them signed authenticates its common name as the user and its organizations as groups.")
	fs.StringVar(&s.TokenFile, "token-auth-file", s.TokenFile,
		`CSV file of bearer tokens, one per line: token,user,uid[,"group1,group2"].`)
}

// ApplyAuthorization turns anonymous requests off, with upstream's
// warning, when AlwaysAllow is among the authorization modes: AlwaysAllow
// with anonymous requests would let anyone who can reach the secure port
// do anything. Every other mode keeps --anonymous-auth as given.
// CreateKubeAPIServerConfig calls it while it defaults the options, before
// Validate and ApplyTo.
func (s *BuiltInAuthenticationOptions) ApplyAuthorization(ctx context.Context, authorization *BuiltInAuthorizationOptions) {
	if s == nil || authorization == nil || !s.Anonymous {
		return
	}
	// upstream: pkg/kubeapiserver/options/authentication.go ApplyAuthorization
	if slices.Contains(strings.Split(authorization.Mode, ","), "AlwaysAllow") {
		trace.Log(ctx).Warn().
			Str(trace.LogNoteKey, lang.Say(ctx, "With AlwaysAllow, an anonymous request could do anything: "+
				"a request without credentials to the secure port is now refused (401). Another mode, such as ABAC, keeps --anonymous-auth.")).
			Msg("AnonymousAuth is not allowed with the AllowAll authorizer.  Resetting AnonymousAuth to false. You should use a different authorizer")
		s.Anonymous = false
	}
}

// validateAuthentication checks that the token file and the client CA
// file, when given, can be read and parse.
func (s *ServerRunOptions) validateAuthentication(add addFunc) {
	a := s.Authentication
	if a.ClientCA != "" {
		if _, err := cert.CertsFromFile(a.ClientCA); err != nil {
			add("client-ca-file", a.ClientCA, lang.Errorf("must be a readable PEM file of at least one CA certificate: %v", err))
		}
	}
	if a.TokenFile != "" {
		if _, err := tokenfile.NewCSV(a.TokenFile); err != nil {
			add("token-auth-file", a.TokenFile, lang.Errorf(`must be a readable CSV file of token,user,uid[,"group1,group2"] lines: %v`, err))
		}
	}
}

// ApplyTo sets the authenticator of the secure port (see
// [BuiltInAuthenticationOptions.NewAuthenticator]) and, when the secure
// port is on, adds the --client-ca-file CAs to SecureServingInfo.ClientCA,
// which makes the TLS handshake ask clients for a certificate. It must run
// after [SecureServingOptions.ApplyTo], which makes SecureServingInfo.
func (s *BuiltInAuthenticationOptions) ApplyTo(c *server.Config) error {
	// upstream: staging/src/k8s.io/apiserver/pkg/server/config.go Config.ApplyClientCert
	if s.ClientCA != "" && c.SecureServingInfo != nil {
		certs, err := cert.CertsFromFile(s.ClientCA)
		if err != nil {
			return fmt.Errorf("unable to load client CA file: %v", err)
		}
		if c.SecureServingInfo.ClientCA == nil {
			c.SecureServingInfo.ClientCA = x509.NewCertPool()
		}
		for _, ca := range certs {
			c.SecureServingInfo.ClientCA.AddCert(ca)
		}
	}
	auth, err := s.NewAuthenticator()
	if err != nil {
		return err
	}
	c.Authenticator = auth
	return nil
}

// NewAuthenticator builds the authenticator the options describe, as
// upstream's AuthenticatorConfig.New does: client certificates, then
// bearer tokens, the first to recognise a request deciding; users they
// accept join system:authenticated. With --anonymous-auth a request none
// recognises is system:anonymous, but one whose credential fails (an
// unknown token, a certificate from another CA) is refused with 401.
// With neither authenticators nor --anonymous-auth every request is
// refused; upstream turns authentication off instead.
func (s *BuiltInAuthenticationOptions) NewAuthenticator() (authenticator.Request, error) {
	var authenticators []authenticator.Request
	if s.ClientCA != "" {
		roots, err := cert.NewPool(s.ClientCA)
		if err != nil {
			return nil, err
		}
		opts := x509request.DefaultVerifyOptions()
		opts.Roots = roots
		authenticators = append(authenticators, x509request.New(opts, x509request.CommonNameUserConversion))
	}
	if s.TokenFile != "" {
		tokens, err := tokenfile.NewCSV(s.TokenFile)
		if err != nil {
			return nil, err
		}
		authenticators = append(authenticators, bearertoken.New(tokens))
	}

	switch {
	case len(authenticators) == 0 && s.Anonymous:
		return anonymous.NewAuthenticator(), nil
	case len(authenticators) == 0:
		// A union of nothing recognises no one: every request is a 401.
		return union.New(), nil
	}
	auth := authngroup.NewAuthenticatedGroupAdder(union.New(authenticators...))
	if s.Anonymous {
		// Fail on error, so that a bad credential is a 401 rather than
		// a quiet fall back to system:anonymous.
		auth = union.NewFailOnError(auth, anonymous.NewAuthenticator())
	}
	return auth, nil
}
