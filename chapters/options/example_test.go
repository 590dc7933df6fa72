package options_test

import (
	"context"
	"fmt"

	"github.com/kubewalk/kubewalk/chapters/options"
	"github.com/spf13/pflag"
)

// Upstream's defaults, then the same options after the command line has
// been parsed, as main does before it calls app.Run.
func Example() {
	ctx := context.Background()
	s := options.NewServerRunOptions(ctx)
	fs := pflag.NewFlagSet("kube-apiserver", pflag.ContinueOnError)
	s.AddFlags(ctx, fs)

	fmt.Println("secure:  ", s.SecureServing.BindAddress, s.SecureServing.BindPort)
	fmt.Println("insecure:", s.InsecureServing.BindAddress, s.InsecureServing.BindPort)

	if err := fs.Parse([]string{"--insecure-port=18080", "--authorization-mode=AlwaysAllow,AlwaysDeny"}); err != nil {
		fmt.Println(err)
	}
	fmt.Println("insecure:", s.InsecureServing.BindAddress, s.InsecureServing.BindPort)
	fmt.Println("authorization:", s.Authorization.Mode)
	fmt.Println("node ports:", s.ServiceNodePortRange.String())
	fmt.Println("problems:", s.Validate())
	// Output:
	// secure:   127.0.0.1 6443
	// insecure: 127.0.0.1 8080
	// insecure: 127.0.0.1 18080
	// authorization: AlwaysAllow,AlwaysDeny
	// node ports: 30000-32767
	// problems: []
}

// Validate reports every problem at once, one line each.
func ExampleServerRunOptions_Validate() {
	ctx := context.Background()
	s := options.NewServerRunOptions(ctx)
	fs := pflag.NewFlagSet("kube-apiserver", pflag.ContinueOnError)
	s.AddFlags(ctx, fs)
	if err := fs.Parse([]string{
		"--secure-port=70000",
		"--service-cluster-ip-range=10.0.0.0/8",
		"--authorization-mode=AlwaysAllow,RBAC",
		"--apiserver-count=0",
	}); err != nil {
		fmt.Println(err)
	}
	for _, err := range s.Validate() {
		fmt.Println(err)
	}
	// Output:
	// --secure-port 70000: must be between 0 and 65535 (0 turns HTTPS off)
	// --service-cluster-ip-range 10.0.0.0/8: is too large: at most 20 host bits (a /12 for IPv4)
	// --apiserver-count 0: must be a positive number
	// --authorization-mode RBAC: unknown mode; allowed: AlwaysAllow, AlwaysDeny, ABAC
}
