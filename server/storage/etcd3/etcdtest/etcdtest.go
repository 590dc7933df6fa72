// Package etcdtest starts a real etcd for tests: Debian's etcd-server
// (scripts/install-etcd installs it), one process per [Start], listening
// on loopback ports it picks itself, with a data directory of its own
// that is removed when the test ends.
//
// A test that needs etcd and cannot find the binary fails when the
// environment variable CI is set (.ci/run sets it, after installing etcd)
// and is skipped otherwise, with one line saying how to install it.
//
// etcd is asked to listen on port 0 for clients and peers, and the test
// reads the client address it got from etcd's own log ("serving client
// traffic"): no port is picked by binding and closing a socket. A
// [Server.Restart] after [Server.Kill] listens on the same client address
// again, so that clients pointed at it find it back.
package etcdtest

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"
)

// startTimeout bounds how long etcd may take to serve clients: about a
// second on an idle machine, more on a loaded one.
const startTimeout = 30 * time.Second

// Binary returns the path of the etcd binary, or skips t (fails it when
// CI is set) if there is none.
func Binary(t testing.TB) string {
	t.Helper()
	path, err := exec.LookPath("etcd")
	if err == nil {
		return path
	}
	const install = "scripts/install-etcd installs Debian's etcd-server"
	if os.Getenv("CI") != "" {
		t.Fatalf("etcd is not installed, and CI needs it: %s", install)
	}
	t.Skipf("etcd is not installed (%s)", install)
	return ""
}

// Server is one etcd process.
type Server struct {
	// ClientURL is where clients reach it: http://127.0.0.1:<port>.
	ClientURL string

	t       testing.TB
	binary  string
	dir     string // holds data/ and the logs
	cmd     *exec.Cmd
	exited  chan struct{} // closed once cmd has exited and been reaped
	logPath string
	starts  int
}

// Start starts an etcd for t and stops it, and removes its data, when t
// ends. It fails t if etcd does not serve clients within 30 s.
func Start(t testing.TB) *Server {
	t.Helper()
	s := &Server{t: t, binary: Binary(t), dir: t.TempDir()}
	t.Cleanup(s.Stop)
	if err := s.start("http://127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	return s
}

// Endpoints returns the client URLs, as --etcd-servers takes them.
func (s *Server) Endpoints() []string { return []string{s.ClientURL} }

// Kill kills etcd with SIGKILL, as a crash would, and waits until it has
// exited. Its data stays, for Restart.
func (s *Server) Kill() {
	if s.running() {
		s.cmd.Process.Signal(syscall.SIGKILL)
		<-s.exited
	}
}

// Stop stops etcd with SIGTERM (SIGKILL after 10 s) and waits until it
// has exited. Start registers it with t.Cleanup.
func (s *Server) Stop() {
	if !s.running() {
		return
	}
	s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.exited:
	case <-time.After(10 * time.Second):
		s.Kill()
	}
}

// Restart starts etcd again on the same data and the same client
// address, after Kill or Stop. The address was free a moment ago; if
// something took it meanwhile, Restart tries again for a few seconds.
func (s *Server) Restart() {
	s.t.Helper()
	if s.running() {
		s.t.Fatal("etcdtest: Restart while etcd runs")
	}
	var err error
	for range 50 {
		if err = s.start(s.ClientURL); err == nil || !strings.Contains(s.Log(), "address already in use") {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err != nil {
		s.t.Fatal(err)
	}
}

// Log returns what the current etcd process has logged.
func (s *Server) Log() string {
	b, _ := os.ReadFile(s.logPath)
	return string(b)
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

// WaitHealthy waits until a read from etcd succeeds, each try with a
// deadline, for at most 30 s: after a restart, clients take a few
// seconds to reconnect.
func (s *Server) WaitHealthy(c *clientv3.Client) {
	s.t.Helper()
	deadline := time.Now().Add(startTimeout)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		_, err := c.Get(ctx, "health")
		cancel()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("etcdtest: etcd at %s not healthy after %v: %v", s.ClientURL, startTimeout, err)
		}
	}
}

func (s *Server) running() bool {
	if s.cmd == nil {
		return false
	}
	select {
	case <-s.exited:
		return false
	default:
		return true
	}
}

// start runs etcd with clients served at clientURL and waits until it
// says where it serves them.
func (s *Server) start(clientURL string) error {
	s.starts++
	s.logPath = filepath.Join(s.dir, fmt.Sprintf("etcd-%d.log", s.starts))
	logFile, err := os.Create(s.logPath)
	if err != nil {
		return err
	}
	defer logFile.Close() // the process has its own descriptor
	const peerURL = "http://127.0.0.1:0"
	cmd := exec.Command(s.binary,
		"--name", "default",
		"--data-dir", filepath.Join(s.dir, "data"),
		"--listen-client-urls", clientURL,
		"--advertise-client-urls", clientURL,
		"--listen-peer-urls", peerURL,
		"--initial-advertise-peer-urls", peerURL,
		"--initial-cluster", "default="+peerURL,
		"--logger", "zap", "--log-outputs", "stderr")
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("etcdtest: starting %s: %v", s.binary, err)
	}
	s.cmd, s.exited = cmd, make(chan struct{})
	exited := s.exited
	go func() { // reaps etcd; ends when it exits, which Kill and Stop wait for
		cmd.Wait()
		close(exited)
	}()
	addr, err := s.waitServing()
	if err != nil {
		s.Kill()
		return err
	}
	s.ClientURL = "http://" + addr
	return nil
}

// waitServing polls etcd's log until it says where it serves clients,
// etcd exits, or startTimeout passes.
func (s *Server) waitServing() (string, error) {
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	deadline := time.After(startTimeout)
	for {
		if addr, ok := s.servingAddress(); ok {
			return addr, nil
		}
		select {
		case <-s.exited:
			return "", fmt.Errorf("etcdtest: etcd exited before serving clients; its log:\n%s", s.Log())
		case <-deadline:
			return "", fmt.Errorf("etcdtest: etcd did not serve clients within %v; its log:\n%s", startTimeout, s.Log())
		case <-tick.C:
		}
	}
}

// servingAddress returns the address of etcd's "serving client traffic"
// log line, if it has written one.
func (s *Server) servingAddress() (string, bool) {
	f, err := os.Open(s.logPath)
	if err != nil {
		return "", false
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var line struct {
			Msg     string `json:"msg"`
			Address string `json:"address"`
		}
		if json.Unmarshal(sc.Bytes(), &line) == nil && strings.HasPrefix(line.Msg, "serving client traffic") {
			return line.Address, true
		}
	}
	return "", false
}
