package nodedialer_test

import (
	"errors"
	"testing"

	"github.com/kubewalk/kubewalk/chapters/nodedialer"
	"github.com/kubewalk/kubewalk/chapters/options"
	"github.com/kubewalk/kubewalk/trace/kittest"
)

func TestCreateNodeDialer(t *testing.T) {
	tests := []struct {
		name    string
		change  func(*options.ServerRunOptions)
		wantErr string
	}{
		{"no ssh user", func(*options.ServerRunOptions) {}, ""},
		{"ssh user", func(s *options.ServerRunOptions) { s.SSHUser = "admin" }, ""},
		{"cloud provider", func(s *options.ServerRunOptions) {
			s.SSHUser, s.CloudProvider.CloudProvider = "admin", "gce"
		}, `cloud provider could not be initialized: unknown cloud provider "gce"`},
		{"kubelet port off", func(s *options.ServerRunOptions) {
			s.SSHUser, s.KubeletConfig.Port = "admin", 0
		}, "must enable kubelet port if proxy ssh-tunneling is specified"},
		{"read-only port off", func(s *options.ServerRunOptions) {
			s.SSHUser, s.KubeletConfig.ReadOnlyPort = "admin", 0
		}, "must enable kubelet readonly port if proxy ssh-tunneling is specified"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx, rec := kittest.New(t)
			s := options.NewServerRunOptions(ctx)
			tc.change(s)
			tunneler, transport, err := nodedialer.CreateNodeDialer(ctx, s)
			if tc.wantErr != "" {
				if err == nil || err.Error() != tc.wantErr {
					t.Fatalf("CreateNodeDialer() error = %v; want %q", err, tc.wantErr)
				}
				if got := rec.Span(t, "app.CreateNodeDialer").Status.Description; got != tc.wantErr {
					t.Errorf("span status = %q; want the error", got)
				}
				return
			}
			if err != nil {
				t.Fatalf("CreateNodeDialer() error = %v", err)
			}
			if !transport.TLSClientConfig.InsecureSkipVerify {
				t.Error("proxy transport verifies certificates; upstream's does not")
			}
			if (tunneler != nil) != (s.SSHUser != "") {
				t.Errorf("tunneler = %v with --ssh-user %q", tunneler, s.SSHUser)
			}
			if tunneler != nil {
				_, err := transport.DialContext(ctx, "tcp", "10.0.0.1:10250")
				if !errors.Is(err, nodedialer.ErrNoSSH) {
					t.Errorf("transport dial error = %v; want ErrNoSSH", err)
				}
			}
		})
	}
}
