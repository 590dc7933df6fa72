package options

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/kubewalk/kubewalk/server"
	"github.com/kubewalk/kubewalk/server/authorization/abac"
	"github.com/kubewalk/kubewalk/server/authorization/authorizer"
	"github.com/kubewalk/kubewalk/server/authorization/authorizerfactory"
	authzunion "github.com/kubewalk/kubewalk/server/authorization/union"
	"github.com/kubewalk/kubewalk/trace/lang"
	"github.com/spf13/pflag"
)

// AuthorizationModes are the --authorization-mode values the walkthrough
// knows, in upstream's spelling.
var AuthorizationModes = []string{"AlwaysAllow", "AlwaysDeny", "ABAC"}

// BuiltInAuthorizationOptions configure what a user may do on the secure
// port.
type BuiltInAuthorizationOptions struct {
	// Mode is the comma-separated list of authorizers, asked in order
	// (--authorization-mode).
	Mode string
	// PolicyFile is the ABAC policy file, one JSON policy per line
	// (--authorization-policy-file); mode ABAC needs it, and only ABAC
	// reads it.
	PolicyFile string
}

// NewBuiltInAuthorizationOptions returns upstream's default: AlwaysAllow.
func NewBuiltInAuthorizationOptions() *BuiltInAuthorizationOptions {
	return &BuiltInAuthorizationOptions{Mode: "AlwaysAllow"}
}

// AddFlags adds the authorization flags to fs.
func (s *BuiltInAuthorizationOptions) AddFlags(fs *pflag.FlagSet) {
	fs.StringVar(&s.Mode, "authorization-mode", s.Mode,
		"Authorizers, comma-separated, asked in order until one allows the request: "+
			strings.Join(AuthorizationModes, ", ")+".")
	fs.StringVar(&s.PolicyFile, "authorization-policy-file", s.PolicyFile,
		"The policy file of --authorization-mode=ABAC: one JSON policy per line.")
}

// validateAuthorization checks the modes (known, none twice), that ABAC
// and --authorization-policy-file come together, and that the policy file
// parses.
func (s *ServerRunOptions) validateAuthorization(add addFunc) {
	a := s.Authorization
	allowed := strings.Join(AuthorizationModes, ", ")
	seen := map[string]bool{}
	for _, m := range strings.Split(a.Mode, ",") {
		switch {
		case m == "":
			add("authorization-mode", a.Mode, lang.Errorf("names an empty mode; allowed: %s", allowed))
		case !slices.Contains(AuthorizationModes, m):
			add("authorization-mode", m, lang.Errorf("unknown mode; allowed: %s", allowed))
		case seen[m]:
			add("authorization-mode", a.Mode, lang.Errorf("names %s twice", m))
		}
		seen[m] = true
	}
	switch {
	case seen["ABAC"] && a.PolicyFile == "":
		add("authorization-mode", a.Mode, lang.Errorf("mode ABAC needs --authorization-policy-file"))
	case !seen["ABAC"] && a.PolicyFile != "":
		add("authorization-policy-file", a.PolicyFile,
			lang.Errorf("is read only by mode ABAC; add ABAC to --authorization-mode %s, or drop the file", a.Mode))
	case a.PolicyFile != "":
		if _, err := abac.NewFromFile(a.PolicyFile); err != nil {
			add("authorization-policy-file", a.PolicyFile,
				lang.Errorf("must be a readable file of ABAC policies, one JSON object per line: %v", err))
		}
	}
}

// ApplyTo sets the authorizer of the secure port: the --authorization-mode
// modes asked in order, the first to allow a request deciding. Its
// errors are upstream's, for options Validate would have refused.
func (s *BuiltInAuthorizationOptions) ApplyTo(c *server.Config) error {
	var authorizers []authorizer.Authorizer
	for _, mode := range strings.Split(s.Mode, ",") {
		switch mode {
		case "AlwaysAllow":
			authorizers = append(authorizers, authorizerfactory.NewAlwaysAllowAuthorizer())
		case "AlwaysDeny":
			authorizers = append(authorizers, authorizerfactory.NewAlwaysDenyAuthorizer())
		case "ABAC":
			if s.PolicyFile == "" {
				return errors.New("ABAC's authorization policy file not passed")
			}
			policies, err := abac.NewFromFile(s.PolicyFile)
			if err != nil {
				return err
			}
			authorizers = append(authorizers, policies)
		default:
			return fmt.Errorf("unknown authorization mode %s specified", mode)
		}
	}
	if s.PolicyFile != "" && !slices.Contains(strings.Split(s.Mode, ","), "ABAC") {
		return errors.New("cannot specify --authorization-policy-file without mode ABAC")
	}
	c.Authorizer = authzunion.New(authorizers...)
	return nil
}
