package nodedialer_test

import (
	"context"
	"fmt"
	"os"

	"github.com/kubewalk/kubewalk/chapters/nodedialer"
	"github.com/kubewalk/kubewalk/chapters/options"
	"github.com/kubewalk/kubewalk/trace"
)

// With --ssh-user set, CreateNodeDialer builds a tunneler and a transport
// that dials through it; without, the transport dials directly.
func Example() {
	k, err := trace.Setup(trace.Config{Log: os.Stdout, NoColor: true})
	if err != nil {
		fmt.Println(err)
		return
	}
	ctx := k.Context(context.Background())

	s := options.NewServerRunOptions(ctx)
	tunneler, transport, err := nodedialer.CreateNodeDialer(ctx, s)
	fmt.Println("tunneler:", tunneler, "skips TLS verification:", transport.TLSClientConfig.InsecureSkipVerify, "error:", err)

	s.SSHUser = "admin"
	tunneler, transport, err = nodedialer.CreateNodeDialer(ctx, s)
	_, dialErr := transport.DialContext(ctx, "tcp", "10.0.0.7:10250")
	fmt.Printf("tunneler: %T error: %v\n", tunneler, err)
	fmt.Println(dialErr)
	// Output:
	// ▸ options.NewServerRunOptions · cmd/kube-apiserver/app/options/options.go@v1.7.0 · chapter options
	// ▸ app.CreateNodeDialer · cmd/kube-apiserver/app/server.go@v1.7.0 · chapter nodedialer
	//     no SSH tunneler
	//       ↳ no --ssh-user: the proxy transport dials nodes directly
	// tunneler: <nil> skips TLS verification: true error: <nil>
	// ▸ app.CreateNodeDialer · cmd/kube-apiserver/app/server.go@v1.7.0 · chapter nodedialer
	//     SSH tunneler built healthCheck=http://127.0.0.1:10255/healthz user=admin
	//       ↳ upstream's master runs this tunneler next: one SSH tunnel per node, checked through the
	//         kubelet's read-only port; the walkthrough builds it and opens none
	// tunneler: *nodedialer.SSHTunneler error: <nil>
	// dial tcp 10.0.0.7:10250 as admin: nodedialer: the walkthrough opens no SSH tunnels
}
