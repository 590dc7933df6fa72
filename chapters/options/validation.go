package options

import (
	"crypto/tls"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/kubewalk/kubewalk/server/filters"
	"github.com/kubewalk/kubewalk/trace/lang"
)

// TLSVersions maps the --tls-min-version names to their values.
var TLSVersions = map[string]uint16{
	"VersionTLS12": tls.VersionTLS12,
	"VersionTLS13": tls.VersionTLS13,
}

// Validate checks every option group and returns every problem it finds,
// each naming the flag, the bad value and what is allowed, in English from
// Error and in the learner's language from lang.Lang.Error. It returns nil
// when the options can be run.
func (s *ServerRunOptions) Validate() []error {
	var errs []error
	add := func(flag string, value any, problem error) {
		errs = append(errs, &flagError{flag, value, problem})
	}
	// --8<-- [start:validate]
	validPort := func(flag string, port int, problem error) {
		if port < 0 || port > 65535 {
			add(flag, port, problem)
		}
	}
	validPort("secure-port", s.SecureServing.BindPort, lang.Errorf("must be between 0 and 65535 (0 turns HTTPS off)"))
	validPort("insecure-port", s.InsecureServing.BindPort, lang.Errorf("must be between 0 and 65535 (0 turns plain HTTP off)"))
	s.validateInsecureBind(add)
	s.validateGeneric(add)
	s.validateClusterIPRange(add)
	s.validateServiceNodePort(add)
	if s.MasterCount <= 0 {
		add("apiserver-count", s.MasterCount, lang.Errorf("must be a positive number"))
	}
	s.validateServingCert(add)
	s.validateAuthentication(add)
	s.validateAuthorization(add)
	s.Etcd.validate(add)
	s.validateWatchCacheSizes(add)
	// --8<-- [end:validate]
	s.validateEra(add)
	if s.Break != (Fault{}) && s.Break.Name != BreakHelp && !slices.Contains(Faults, s.Break) {
		add("break", s.Break.Name, lang.Errorf("unknown fault; allowed: %s", faultNames()))
	}
	return errs
}

type addFunc func(flag string, value any, problem error)

// A flagError is a flag whose value cannot run, and why.
type flagError struct {
	flag    string
	value   any
	problem error
}

func (e *flagError) Error() string { return e.Say(lang.English) }

// Say says the problem in l; the flag and its value stay as given.
func (e *flagError) Say(l lang.Lang) string {
	return l.Sayf("--%s %v: %s", e.flag, e.value, l.Error(e.problem))
}

// pinsHost reports whether a --cors-allowed-origins pattern is pinned to
// the start and the end of the host in an Origin header, by kube-apiserver
// v1.27's rule: it contains '^' or '//', and '$' or ':'. An unpinned
// "example.com" also matches "https://example.com.evil.org".
func pinsHost(pattern string) bool {
	return (strings.Contains(pattern, "^") || strings.Contains(pattern, "//")) &&
		(strings.Contains(pattern, "$") || strings.Contains(pattern, ":"))
}

// validateGeneric checks the generic server options that would otherwise
// fail only when the handler chain is built (a CORS pattern) or serves (a
// negative limit).
func (s *ServerRunOptions) validateGeneric(add addFunc) {
	g := s.GenericServerRunOptions
	for _, pattern := range g.CorsAllowedOriginList {
		switch _, err := filters.CompileOrigins([]string{pattern}); {
		case pattern == "":
			add("cors-allowed-origins", `""`, lang.Errorf("an empty pattern matches every origin; drop it"))
		case err != nil:
			add("cors-allowed-origins", pattern, lang.Errorf("must be a regular expression: %v", err))
		case !pinsHost(pattern):
			add("cors-allowed-origins", pattern, lang.Errorf(`must pin the start of the host with '^' or '//' and its end with '$' or ':', `+
				`e.g. '//example\.com(:|$)': an unpinned pattern also matches other hosts (the check kube-apiserver added in v1.27, CVE-2022-1996)`))
		}
	}
	notNegative := func(flag string, n int, problem error) {
		if n < 0 {
			add(flag, n, problem)
		}
	}
	notNegative("max-requests-inflight", g.MaxRequestsInFlight, lang.Errorf("must be 0 or more (0 means no limit)"))
	notNegative("max-mutating-requests-inflight", g.MaxMutatingRequestsInFlight, lang.Errorf("must be 0 or more (0 means no limit)"))
	notNegative("min-request-timeout", g.MinRequestTimeout, lang.Errorf("must be 0 or more (0 lets watches be cut at once)"))
}

// validateInsecureBind refuses to expose the insecure port beyond this
// host unless asked to: every request on it acts as system:masters.
func (s *ServerRunOptions) validateInsecureBind(add addFunc) {
	in := s.InsecureServing
	if in.BindPort == 0 || in.Listener != nil || in.AllowNonLoopback || in.BindAddress.IsLoopback() {
		return
	}
	add("insecure-bind-address", in.BindAddress,
		lang.Errorf("the insecure port has no authentication or authorization, so it binds to loopback only "+
			"(127.0.0.1 or ::1); add --allow-insecure-non-loopback to expose it anyway"))
}

func (s *ServerRunOptions) validateClusterIPRange(add addFunc) {
	r := s.ServiceClusterIPRange
	if r.IP == nil {
		return // defaulted later, in CreateKubeAPIServerConfig
	}
	ones, bits := r.Mask.Size()
	if bits-ones > 20 {
		add("service-cluster-ip-range", r.String(), lang.Errorf("is too large: at most 20 host bits (a /12 for IPv4)"))
	}
}

func (s *ServerRunOptions) validateServiceNodePort(add addFunc) {
	p := s.KubernetesServiceNodePort
	if p < 0 || p > 65535 {
		add("kubernetes-service-node-port", p, lang.Errorf("must be between 0 and 65535"))
		return
	}
	if p > 0 && !s.ServiceNodePortRange.Contains(p) {
		add("kubernetes-service-node-port", p,
			lang.Errorf("must be inside --service-node-port-range %s", s.ServiceNodePortRange.String()))
	}
}

func (s *ServerRunOptions) validateServingCert(add addFunc) {
	c := s.SecureServing.ServerCert
	switch {
	case (c.CertFile == "") != (c.KeyFile == ""):
		add("tls-cert-file", fmt.Sprintf("%q with --tls-private-key-file %q", c.CertFile, c.KeyFile),
			lang.Errorf("give both files or neither"))
	case c.CertFile != "":
		if _, err := tls.LoadX509KeyPair(c.CertFile, c.KeyFile); err != nil {
			add("tls-cert-file", fmt.Sprintf("%s with --tls-private-key-file %s", c.CertFile, c.KeyFile),
				lang.Errorf("must be a readable PEM certificate and its private key: %v", err))
		}
	}
	if v := s.SecureServing.MinTLSVersion; v != "" {
		if _, ok := TLSVersions[v]; !ok {
			add("tls-min-version", v, lang.Errorf("must be VersionTLS12 or VersionTLS13: the walkthrough keeps TLS 1.2 as the floor "+
				"(upstream also accepts VersionTLS10 and VersionTLS11)"))
		}
	}
	s.validateCipherSuites(add)
}

// http2CipherSuites are the TLS 1.2 suites of which HTTP/2 needs at least
// one in a cipher suite list (RFC 7540, section 9.2.2).
var http2CipherSuites = []uint16{
	tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
	tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
}

func (s *ServerRunOptions) validateCipherSuites(add addFunc) {
	names := s.SecureServing.CipherSuites
	http2OK := len(names) == 0 || s.SecureServing.MinTLSVersion == "VersionTLS13"
	for _, name := range names {
		id, err := CipherSuite(name)
		if err != nil {
			add("tls-cipher-suites", name, err)
			http2OK = true // one problem at a time
		}
		http2OK = http2OK || slices.Contains(http2CipherSuites, id)
	}
	// Without this check the server would fail only once serving:
	// net/http refuses such a list when it sets up HTTP/2.
	if !http2OK {
		add("tls-cipher-suites", strings.Join(names, ","),
			lang.Errorf("must include TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 or TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, which HTTP/2 requires"))
	}
}

// cipherSuiteAliases are the names upstream's --tls-cipher-suites
// accepted for the ChaCha20 suites before Go added _SHA256 to them; it
// still accepts both.
var cipherSuiteAliases = map[string]uint16{
	"TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305":   tls.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
	"TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305": tls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
}

// CipherSuite returns the ID of the cipher suite upstream's
// --tls-cipher-suites calls name: Go's name for it, or one of two older
// ChaCha20 names. Only suites Go considers secure are accepted; upstream
// also accepts the insecure ones.
func CipherSuite(name string) (uint16, error) {
	for _, c := range tls.CipherSuites() {
		switch {
		case c.Name != name:
		case onlyTLS13(c):
			return 0, lang.Errorf("a TLS 1.3 suite: Go always offers all three under TLS 1.3 and would ignore it here; "+
				"this list is for TLS 1.2; allowed: %s", strings.Join(cipherSuiteNames(), ", "))
		default:
			return c.ID, nil
		}
	}
	if id, ok := cipherSuiteAliases[name]; ok {
		return id, nil
	}
	allowed := strings.Join(cipherSuiteNames(), ", ")
	for _, c := range tls.InsecureCipherSuites() {
		if c.Name == name {
			return 0, lang.Errorf("insecure cipher suite, which upstream accepts and the walkthrough does not; allowed: %s", allowed)
		}
	}
	return 0, lang.Errorf("unknown cipher suite; allowed: %s", allowed)
}

// cipherSuiteNames are the suites --tls-cipher-suites accepts: Go's
// secure TLS 1.2 suites.
func cipherSuiteNames() []string {
	var names []string
	for _, c := range tls.CipherSuites() {
		if !onlyTLS13(c) {
			names = append(names, c.Name)
		}
	}
	return names
}

// onlyTLS13 reports whether c is a TLS 1.3 suite, which Go does not let a
// Config choose: tls.Config.CipherSuites applies to TLS 1.2 and below.
func onlyTLS13(c *tls.CipherSuite) bool {
	return !slices.ContainsFunc(c.SupportedVersions, func(v uint16) bool { return v < tls.VersionTLS13 })
}

// validateWatchCacheSizes checks --watch-cache-sizes: resource#size, size
// a positive number. Upstream logs a bad entry and skips it, and a size
// of 0 makes it panic (v1.8 made 0 turn the cache off).
func (s *ServerRunOptions) validateWatchCacheSizes(add addFunc) {
	for _, entry := range s.GenericServerRunOptions.WatchCacheSizes {
		resource, size, ok := strings.Cut(entry, "#")
		if n, err := strconv.Atoi(size); !ok || resource == "" || err != nil || n <= 0 {
			add("watch-cache-sizes", entry, lang.Errorf("each must be resource#size, size a positive number, such as namespaces#200"))
		}
	}
}
