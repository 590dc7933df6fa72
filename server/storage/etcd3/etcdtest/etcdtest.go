// Package etcdtest starts a real etcd for tests: Debian's etcd-server
// (scripts/install-etcd installs it), one process per [Start], through
// package etcdproc: on loopback ports etcd picks itself, with a data
// directory of its own that is removed when the test ends.
//
// A test that needs etcd and cannot find the binary fails when the
// environment variable CI is set (.ci/run sets it, after installing etcd)
// and is skipped otherwise, with one line saying how to install it.
package etcdtest

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/kubewalk/kubewalk/server/storage/etcd3/etcdproc"
	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"
)

// Require skips t (fails it when CI is set) unless etcd is installed: for
// a test that runs etcd by other means, such as the walkthrough's
// --break=etcd.
func Require(t testing.TB) {
	t.Helper()
	if _, err := exec.LookPath("etcd"); err != nil {
		skipOrFail(t, etcdproc.ErrNotInstalled)
	}
}

func skipOrFail(t testing.TB, err error) {
	t.Helper()
	if os.Getenv("CI") != "" {
		t.Fatalf("%v, and CI needs it", err)
	}
	t.Skip(err)
}

// Server is one etcd process of a test.
type Server struct {
	*etcdproc.Process
	t testing.TB
}

// Start starts an etcd for t and stops it, and removes its data, when t
// ends. It fails t if etcd does not serve clients within
// etcdproc.StartTimeout, and skips it (fails it when CI is set) if etcd
// is not installed.
func Start(t testing.TB, opts ...etcdproc.Option) *Server {
	t.Helper()
	p, err := etcdproc.Start(t.TempDir(), opts...)
	switch {
	case errors.Is(err, etcdproc.ErrNotInstalled):
		skipOrFail(t, err)
	case err != nil:
		t.Fatal(err)
	}
	t.Cleanup(p.Stop)
	return &Server{Process: p, t: t}
}

// Restart is etcdproc's Restart, failing the test if etcd does not serve.
func (s *Server) Restart() {
	s.t.Helper()
	if err := s.Process.Restart(); err != nil {
		s.t.Fatal(err)
	}
}

// Client returns a client of s with a silent logger, closed when the
// test ends.
func (s *Server) Client() *clientv3.Client {
	s.t.Helper()
	c, err := clientv3.New(clientv3.Config{Endpoints: s.Endpoints(), Logger: zap.NewNop()})
	if err != nil {
		s.t.Fatal(err)
	}
	s.t.Cleanup(func() { c.Close() })
	return c
}

// WaitHealthy waits until a read from etcd through c succeeds, each try
// with a deadline, for at most etcdproc.StartTimeout: after a restart,
// clients take a few seconds to reconnect.
func (s *Server) WaitHealthy(c *clientv3.Client) {
	s.t.Helper()
	deadline := time.Now().Add(etcdproc.StartTimeout)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		_, err := c.Get(ctx, "health")
		cancel()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("etcdtest: etcd at %s not healthy after %v: %v", s.ClientURL, etcdproc.StartTimeout, err)
		}
	}
}
