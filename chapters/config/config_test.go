package config_test

import (
	"bytes"
	"crypto/x509"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/kubewalk/kubewalk/chapters/config"
	"github.com/kubewalk/kubewalk/chapters/options"
	"github.com/kubewalk/kubewalk/trace/kittest"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

func ExampleDefaultServiceIPRange() {
	serviceIPRange, apiServerServiceIP, _ := config.DefaultServiceIPRange(net.IPNet{})
	fmt.Println(serviceIPRange.String(), apiServerServiceIP)

	_, custom, _ := net.ParseCIDR("172.16.0.0/12")
	serviceIPRange, apiServerServiceIP, _ = config.DefaultServiceIPRange(*custom)
	fmt.Println(serviceIPRange.String(), apiServerServiceIP)
	// Output:
	// 10.0.0.0/24 10.0.0.1
	// 172.16.0.0/12 172.16.0.1
}

func TestDefaultServiceIPRangeNeedsRoomForAnIP(t *testing.T) {
	_, single, _ := net.ParseCIDR("10.0.0.5/32")
	if _, _, err := config.DefaultServiceIPRange(*single); err == nil {
		t.Error("a /32 range gave a service IP; want an error")
	}
}

func TestCreateKubeAPIServerConfig(t *testing.T) {
	ctx, rec := kittest.New(t)
	s := options.NewServerRunOptions(ctx)
	s.Break = options.BreakSlowRequest
	release := make(chan struct{})
	s.SlowRequests = release
	c, _, _, insecure, err := config.CreateKubeAPIServerConfig(ctx, s, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := c.APIServerServiceIP.String(); got != "10.0.0.1" || c.APIServerServicePort != 443 {
		t.Errorf("kubernetes service at %s:%d; want 10.0.0.1:443", got, c.APIServerServicePort)
	}
	if insecure == nil || insecure.BindAddress != "127.0.0.1:8080" {
		t.Errorf("insecure serving = %+v; want 127.0.0.1:8080", insecure)
	}
	if c.GenericConfig.SlowRequests != (<-chan struct{})(release) {
		t.Error("--break=slow-request did not turn on the slow request")
	}
	g := c.GenericConfig
	if g.SecureServingInfo == nil || g.SecureServingInfo.BindAddress != "127.0.0.1:6443" || g.ReadWritePort != 6443 {
		t.Fatalf("secure serving = %+v, port %d; want 127.0.0.1:6443", g.SecureServingInfo, g.ReadWritePort)
	}
	leaf, err := x509.ParseCertificate(g.SecureServingInfo.Cert.Certificate[0])
	if err != nil {
		t.Fatal(err)
	}
	if err := leaf.VerifyHostname("127.0.0.1"); err != nil {
		t.Errorf("the generated certificate does not name the bind address: %v", err)
	}
	if !slices.Contains(leaf.DNSNames, "kubernetes.default.svc") {
		t.Errorf("the certificate names %q; want kubernetes.default.svc among them", leaf.DNSNames)
	}
	if g.Authenticator == nil || g.Authorizer == nil || g.Version == nil {
		t.Errorf("config lacks authentication, authorization or version: %+v", g)
	}
	if !strings.Contains(rec.Logs(), "Generated self-signed cert in-memory") {
		t.Errorf("log does not say a certificate was generated:\n%s", rec.Logs())
	}
	rec.Span(t, "app.CreateKubeAPIServerConfig")
}

func TestCreateKubeAPIServerConfigWritesTheCertToCertDir(t *testing.T) {
	ctx, _ := kittest.New(t)
	s := options.NewServerRunOptions(ctx)
	s.SecureServing.ServerCert.CertDirectory = filepath.Join(t.TempDir(), "certs")
	if _, _, _, _, err := config.CreateKubeAPIServerConfig(ctx, s, nil, nil); err != nil {
		t.Fatal(err)
	}
	key, err := os.Stat(filepath.Join(s.SecureServing.ServerCert.CertDirectory, "apiserver.key"))
	if err != nil {
		t.Fatal(err)
	}
	if key.Mode().Perm() != 0o600 {
		t.Errorf("key file mode %v; want 0600", key.Mode().Perm())
	}

	// A second run finds the pair and loads it rather than making another.
	s2 := options.NewServerRunOptions(ctx)
	s2.SecureServing.ServerCert.CertDirectory = s.SecureServing.ServerCert.CertDirectory
	c, _, _, _, err := config.CreateKubeAPIServerConfig(ctx, s2, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	before, err := os.ReadFile(s.SecureServing.ServerCert.CertFile)
	if err != nil {
		t.Fatal(err)
	}
	if c.GenericConfig.SecureServingInfo.Cert == nil || len(before) == 0 {
		t.Error("the certificate in --cert-dir was not loaded")
	}
}

// TestCreateKubeAPIServerConfigTurnsPortsOff turns each port off and sees
// the loopback client follow: the secure port with a token while it is
// on, else the insecure port without one, and with neither an error.
func TestCreateKubeAPIServerConfigTurnsPortsOff(t *testing.T) {
	tests := []struct {
		name                string
		insecure, secure    int
		wantScheme, wantErr string
		wantToken           bool
	}{
		{"secure off", 8080, 0, "http", "", false},
		{"insecure off", 0, 6443, "https", "", true},
		{"both off", 0, 0, "", "no loopback client: --insecure-port and --secure-port are both 0", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, _ := kittest.New(t)
			s := options.NewServerRunOptions(ctx)
			s.InsecureServing.BindPort, s.SecureServing.BindPort = tt.insecure, tt.secure
			c, _, _, insecure, err := config.CreateKubeAPIServerConfig(ctx, s, nil, nil)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v; want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if (insecure != nil) != (tt.insecure != 0) || (c.GenericConfig.SecureServingInfo != nil) != (tt.secure != 0) {
				t.Errorf("port 0 still serves: insecure %+v, secure %+v", insecure, c.GenericConfig.SecureServingInfo)
			}
			loopback := c.GenericConfig.LoopbackClientConfig
			if !strings.HasPrefix(loopback.Host, tt.wantScheme+"://") || (loopback.BearerToken != "") != tt.wantToken {
				t.Errorf("loopback client = %s with token %v; want %s://… with token %v",
					loopback.Host, loopback.BearerToken != "", tt.wantScheme, tt.wantToken)
			}
			if loopback.ContentType != "application/vnd.kubernetes.protobuf" {
				t.Errorf("loopback content type = %q; want protobuf", loopback.ContentType)
			}
		})
	}
}

func TestCreateKubeAPIServerConfigRefusesInvalidOptions(t *testing.T) {
	ctx, _ := kittest.New(t)
	s := options.NewServerRunOptions(ctx)
	s.Authorization.Mode = "RBAC"
	s.SecureServing.BindPort = -1
	_, _, _, _, err := config.CreateKubeAPIServerConfig(ctx, s, nil, nil)
	if err == nil || !strings.Contains(err.Error(), "--authorization-mode RBAC") || !strings.Contains(err.Error(), "--secure-port -1") {
		t.Errorf("err = %v; want both problems named", err)
	}
}

// TestCreateKubeAPIServerConfigTurnsAnonymousOffUnderAlwaysAllow checks
// the defaulting upstream's ApplyAuthorization does: AlwaysAllow resets
// --anonymous-auth to false, with upstream's warning; any other mode
// keeps it.
func TestCreateKubeAPIServerConfigTurnsAnonymousOffUnderAlwaysAllow(t *testing.T) {
	const warning = "AnonymousAuth is not allowed with the AllowAll authorizer.  Resetting AnonymousAuth to false. You should use a different authorizer"
	tests := []struct {
		mode, policyFile string
		wantAnonymous    bool
	}{
		{"AlwaysAllow", "", false},
		{"ABAC,AlwaysAllow", "../options/testdata/policy.jsonl", false},
		{"ABAC", "../options/testdata/policy.jsonl", true},
		{"AlwaysDeny", "", true},
	}
	for _, tt := range tests {
		t.Run(tt.mode, func(t *testing.T) {
			ctx, rec := kittest.New(t)
			s := options.NewServerRunOptions(ctx)
			s.Authorization.Mode, s.Authorization.PolicyFile = tt.mode, tt.policyFile
			if _, _, _, _, err := config.CreateKubeAPIServerConfig(ctx, s, nil, nil); err != nil {
				t.Fatal(err)
			}
			warned := strings.Contains(rec.Logs(), warning)
			if s.Authentication.Anonymous != tt.wantAnonymous || warned == tt.wantAnonymous {
				t.Errorf("--authorization-mode=%s: anonymous %t, warned %t; want anonymous %t and a warning only when it was turned off",
					tt.mode, s.Authentication.Anonymous, warned, tt.wantAnonymous)
			}
		})
	}
}

// TestStorage checks the storage CreateKubeAPIServerConfig sets up from
// the etcd options: without --etcd-servers the in-memory backend, the
// storage factory's v1.7 keys and protobuf values, and v1.7's watch cache
// sizes, which --watch-cache-sizes overrides and --watch-cache=false
// drops.
func TestStorage(t *testing.T) {
	ctx, _ := kittest.New(t)
	s := options.NewServerRunOptions(ctx)
	s.GenericServerRunOptions.WatchCacheSizes = []string{"namespaces#200"}
	c, _, _, _, err := config.CreateKubeAPIServerConfig(ctx, s, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if s.Etcd.StorageConfig.Memory == nil {
		t.Error("no etcd servers, and no in-memory backend")
	}
	if got := c.StorageFactory.ResourcePrefix(schema.GroupResource{Resource: "services"}); got != "services/specs" {
		t.Errorf("services are kept below %q; want services/specs, v1.7's", got)
	}
	opts, err := c.GenericConfig.RESTOptionsGetter.GetRESTOptions(ctx, schema.GroupResource{Resource: "namespaces"})
	if err != nil {
		t.Fatal(err)
	}
	data, err := runtime.Encode(opts.StorageConfig.Codec, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "demo"}})
	if err != nil || !bytes.HasPrefix(data, []byte("k8s\x00")) || opts.ResourcePrefix != "namespaces" {
		t.Errorf("namespaces stored below %q as %q, %v; want below namespaces, in protobuf", opts.ResourcePrefix, data, err)
	}
	for resource, want := range map[string]int{"namespaces": 200, "services": 1000, "endpoints": 1000} {
		if got := c.WatchCacheSizes.Get(resource); got == nil || *got != want {
			t.Errorf("watch cache size of %s = %v; want %d", resource, got, want)
		}
	}
	if got := c.WatchCacheSizes.Get("configmaps"); got != nil {
		t.Errorf("watch cache size of configmaps = %d; want the default (nil)", *got)
	}

	s = options.NewServerRunOptions(ctx)
	s.Etcd.EnableWatchCache = false
	if c, _, _, _, err = config.CreateKubeAPIServerConfig(ctx, s, nil, nil); err != nil || c.WatchCacheSizes != nil {
		t.Errorf("--watch-cache=false: sizes %v, %v; want none", c.WatchCacheSizes, err)
	}
}

// uuidPattern is a version 4 UUID's text: upstream's token is one.
var uuidPattern = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

// TestTheLoopbackTokenDiffersOnEveryRun builds the config twice, as two
// runs would: each gets a loopback client config for the secure port,
// over the loopback certificate's server name, with a token of its own.
func TestTheLoopbackTokenDiffersOnEveryRun(t *testing.T) {
	var tokens []string
	for range 2 {
		ctx, _ := kittest.New(t)
		c, _, _, _, err := config.CreateKubeAPIServerConfig(ctx, options.NewServerRunOptions(ctx), nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		loopback := c.GenericConfig.LoopbackClientConfig
		if loopback == nil || loopback.Host != "https://127.0.0.1:6443" || loopback.TLSClientConfig.ServerName != "apiserver-loopback-client" {
			t.Fatalf("loopback config %v; want one for https://127.0.0.1:6443 as apiserver-loopback-client", loopback)
		}
		if !uuidPattern.MatchString(loopback.BearerToken) {
			t.Errorf("the loopback token is not a random UUID, as upstream's")
		}
		tokens = append(tokens, loopback.BearerToken)
	}
	if tokens[0] == tokens[1] {
		t.Error("two runs got the same loopback token")
	}
}
