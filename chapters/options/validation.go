package options

import (
	"crypto/tls"
	"fmt"
	"slices"
	"strings"
)

// AuthorizationModes are the --authorization-mode values the walkthrough
// knows, in upstream's spelling.
var AuthorizationModes = []string{"AlwaysAllow", "AlwaysDeny"}

// Fault is a --break value and what it shows.
type Fault struct{ Name, Shows string }

// Breaks are the faults --break can inject.
var Breaks = []Fault{
	{"listener", "close the insecure listener while stopCh is open: RunServer's serve goroutine panics"},
}

func breakList() string {
	var names []string
	for _, b := range Breaks {
		names = append(names, b.Name)
	}
	return strings.Join(names, ", ")
}

// TLSVersions maps the --tls-min-version names to their values.
var TLSVersions = map[string]uint16{
	"VersionTLS12": tls.VersionTLS12,
	"VersionTLS13": tls.VersionTLS13,
}

// Validate checks every option group and returns every problem it finds,
// each naming the flag, the bad value and what is allowed. It returns nil
// when the options can be run.
func (s *ServerRunOptions) Validate() []error {
	var errs []error
	add := func(flag string, value any, allowed string) {
		errs = append(errs, fmt.Errorf("--%s %v: %s", flag, value, allowed))
	}
	// --8<-- [start:validate]
	validPort := func(flag string, port int, off string) {
		if port < 0 || port > 65535 {
			add(flag, port, "must be between 0 and 65535 (0 turns "+off+" off)")
		}
	}
	validPort("secure-port", s.SecureServing.BindPort, "HTTPS")
	validPort("insecure-port", s.InsecureServing.BindPort, "plain HTTP")
	s.validateInsecureBind(add)
	s.validateClusterIPRange(add)
	s.validateServiceNodePort(add)
	if s.MasterCount <= 0 {
		add("apiserver-count", s.MasterCount, "must be a positive number")
	}
	s.validateServingCert(add)
	s.validateAuthorization(add)
	// --8<-- [end:validate]
	if s.Break != "" && !slices.ContainsFunc(Breaks, func(f Fault) bool { return f.Name == s.Break }) {
		add("break", s.Break, "unknown fault; allowed: "+breakList())
	}
	return errs
}

type addFunc func(flag string, value any, allowed string)

// validateInsecureBind refuses to expose the insecure port beyond this
// host unless asked to: every request on it acts as system:masters.
func (s *ServerRunOptions) validateInsecureBind(add addFunc) {
	in := s.InsecureServing
	if in.BindPort == 0 || in.Listener != nil || in.AllowNonLoopback || in.BindAddress.IsLoopback() {
		return
	}
	add("insecure-bind-address", in.BindAddress,
		"the insecure port has no authentication or authorization, so it binds to loopback only "+
			"(127.0.0.1 or ::1); add --allow-insecure-non-loopback to expose it anyway")
}

func (s *ServerRunOptions) validateClusterIPRange(add addFunc) {
	r := s.ServiceClusterIPRange
	if r.IP == nil {
		return // defaulted later, in CreateKubeAPIServerConfig
	}
	ones, bits := r.Mask.Size()
	if bits-ones > 20 {
		add("service-cluster-ip-range", r.String(), "is too large: at most 20 host bits (a /12 for IPv4)")
	}
}

func (s *ServerRunOptions) validateServiceNodePort(add addFunc) {
	p := s.KubernetesServiceNodePort
	if p < 0 || p > 65535 {
		add("kubernetes-service-node-port", p, "must be between 0 and 65535")
		return
	}
	if p > 0 && !s.ServiceNodePortRange.Contains(p) {
		add("kubernetes-service-node-port", p,
			"must be inside --service-node-port-range "+s.ServiceNodePortRange.String())
	}
}

func (s *ServerRunOptions) validateServingCert(add addFunc) {
	c := s.SecureServing.ServerCert
	switch {
	case (c.CertFile == "") != (c.KeyFile == ""):
		add("tls-cert-file", fmt.Sprintf("%q with --tls-private-key-file %q", c.CertFile, c.KeyFile),
			"give both files or neither")
	case c.CertFile != "":
		if _, err := tls.LoadX509KeyPair(c.CertFile, c.KeyFile); err != nil {
			add("tls-cert-file", fmt.Sprintf("%s with --tls-private-key-file %s", c.CertFile, c.KeyFile),
				"must be a readable PEM certificate and its private key: "+err.Error())
		}
	}
	if v := s.SecureServing.MinTLSVersion; v != "" {
		if _, ok := TLSVersions[v]; !ok {
			add("tls-min-version", v, "must be VersionTLS12 or VersionTLS13")
		}
	}
	for _, name := range s.SecureServing.CipherSuites {
		if _, err := CipherSuite(name); err != nil {
			add("tls-cipher-suites", name, err.Error())
		}
	}
}

// CipherSuite returns the ID of the cipher suite Go calls name. Only
// suites Go considers secure are accepted.
func CipherSuite(name string) (uint16, error) {
	for _, c := range tls.CipherSuites() {
		if c.Name == name {
			return c.ID, nil
		}
	}
	return 0, fmt.Errorf("unknown or insecure cipher suite; allowed: %s", strings.Join(cipherSuiteNames(), ", "))
}

func cipherSuiteNames() []string {
	var names []string
	for _, c := range tls.CipherSuites() {
		names = append(names, c.Name)
	}
	return names
}

func (s *ServerRunOptions) validateAuthorization(add addFunc) {
	modes := strings.Split(s.Authorization.Mode, ",")
	allowed := "allowed: " + strings.Join(AuthorizationModes, ", ")
	seen := map[string]bool{}
	for _, m := range modes {
		switch {
		case m == "":
			add("authorization-mode", s.Authorization.Mode, "names an empty mode; "+allowed)
		case !slices.Contains(AuthorizationModes, m):
			add("authorization-mode", m, "unknown mode; "+allowed)
		case seen[m]:
			add("authorization-mode", s.Authorization.Mode, "names "+m+" twice")
		}
		seen[m] = true
	}
}
